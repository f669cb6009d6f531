"""Small, exact edits of a payload: ``--set PATH=VALUE`` on the data, and the dataset id in the text.

``set_path`` edits parsed JSON (creating missing objects on the way). ``replace_dataset_id`` edits the
user's *text*: only the characters of the effective ``destination.datasetId`` value change, so layout,
comments-free formatting, key order and duplicate keys stay exactly as typed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.core.errors import UsageError
from tui.core.json_scan import scan

_INDEX = re.compile(r"^(?P<key>[^\[\]]*)\[(?P<index>\d+)\]$")


def parse_value(text: str) -> Any:
    """A ``--set`` value: JSON when it parses as JSON (``2``, ``true``, ``{"a": 1}``, ``"x"``), else the
    text itself as a string (``abc``)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def set_path(payload: dict[str, Any], assignment: str) -> None:
    """Apply ``PATH=VALUE`` (``destination.datasetId=abc``, ``filter.segments[0].segmentId=x``).

    Missing objects on the path are created; a parent that is not an object (or a list index out of
    range) is a :class:`UsageError` (exit 2) naming the path.
    """
    path, sep, raw = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise UsageError(f"--set {assignment!r} is not PATH=VALUE; write e.g. --set destination.datasetId=abc.")
    value = parse_value(raw)
    parts = path.split(".")
    if any(not part for part in parts):
        raise UsageError(f"--set path {path!r} has an empty part; write dotted keys such as mergePolicy.version.")
    node: Any = payload
    walked: list[str] = []
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        match = _INDEX.match(part)
        key, index = (match.group("key"), int(match.group("index"))) if match else (part, None)
        walked.append(part)
        where = ".".join(walked)
        if not isinstance(node, dict):
            raise UsageError(f"--set {path}: {'.'.join(walked[:-1]) or 'the payload'} is not an object, so "
                             f"{part!r} cannot be set in it.")
        if index is None:
            if last:
                node[key] = value
                return
            if key not in node or node[key] is None:
                node[key] = {}
            node = node[key]
            continue
        items = node.get(key)
        if not isinstance(items, list) or index >= len(items):
            raise UsageError(f"--set {path}: {where} does not exist ({key} has no item {index}).")
        if last:
            items[index] = value
            return
        node = items[index]


# --- text surgery ----------------------------------------------------------------------------------
def replace_dataset_id(text: str, dataset_id: str) -> str | None:
    """``text`` with only the effective ``destination.datasetId`` value replaced by ``dataset_id``.

    With duplicate keys the last one (the one JSON readers use) changes and the others stay as typed.
    A destination holding only the response spelling ``dataSetId`` gets its key respelled too. A
    missing ``datasetId`` is inserted at the start of the (last) destination object. ``None`` when the
    text is not a JSON object with an object ``destination`` (the caller then says so).
    """
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return None
    scanner = scan(text)
    if not scanner.complete:
        return None
    new_value = json.dumps(dataset_id, ensure_ascii=False)
    destinations = scanner.objects.get("destination")
    if not destinations or "destination" not in scanner.spans:
        return None
    dest_open, dest_close = destinations[-1]
    # datasetId / dataSetId keys inside the last destination object
    inside = [(name, span) for name in ("datasetId", "dataSetId")
              for span in scanner.spans.get(f"destination.{name}", []) if dest_open < span[0] < dest_close]
    good = [span for name, span in inside if name == "datasetId"]
    if good:
        _, _, v_start, v_end = good[-1]
        return text[:v_start] + new_value + text[v_end:]
    if inside:
        k_start, k_end, v_start, v_end = inside[-1][1]
        return text[:k_start] + '"datasetId"' + text[k_end:v_start] + new_value + text[v_end:]
    body = text[dest_open + 1:dest_close]
    if not body.strip():
        return text[:dest_open + 1] + f'"datasetId": {new_value}' + text[dest_open + 1:]
    gap = len(body) - len(body.lstrip())
    lead = body[:gap]
    at = dest_open + 1 + gap
    indent = lead[lead.rfind("\n"):] if "\n" in lead else " "
    return text[:at] + f'"datasetId": {new_value},' + indent + text[at:]
