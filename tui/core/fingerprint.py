"""A job's request, rebuilt from its record, and the payload fingerprint that groups reruns.

The Platform echoes the request fields in every job record (``fields``, ``mergePolicy``,
``additionalFields``, ``filter``, ``destination``, ``schema``) and adds its own (``id``, ``status``,
``metrics``, ``batchId``, ...). :func:`request_from_record` keeps only what a create request may carry,
spelled as a request spells it (``destination.datasetId``, never the response's ``dataSetId``).

:func:`fingerprint` is a stable hash of that request: key order, whitespace and the dataset-id
spelling do not change it, so the history can say "the 41 earlier runs of this payload" and the launch
guard can spot a duplicate of a running job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tui.core.models import destination_dataset, plain

# The request fields of CreateExportJobRequest, in the order a person writes them.
REQUEST_FIELDS = ("fields", "mergePolicy", "additionalFields", "filter", "destination", "schema")
# What a request's destination may hold; the record adds batchId and batches.
MERGE_POLICY_FIELDS = ("id", "version")
FINGERPRINT_LENGTH = 16


def request_from_record(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The create request a job record echoes, and the names of the request fields it lacked.

    Never raises on odd shapes: a field of the wrong type is reported missing rather than copied.
    """
    request: dict[str, Any] = {}
    missing: list[str] = []
    for name in REQUEST_FIELDS:
        value = record.get(name) if isinstance(record, Mapping) else None
        if value is None:
            if name in ("destination", "schema"):
                missing.append(name)
            continue
        if name == "destination":
            destination = _destination(value)
            if destination is None:
                missing.append("destination.datasetId")
                continue
            request[name] = destination
        elif name == "mergePolicy":
            if not isinstance(value, Mapping):
                missing.append(name)
                continue
            request[name] = {k: value[k] for k in MERGE_POLICY_FIELDS if k in value}
        elif name == "schema":
            if not isinstance(value, Mapping) or not value.get("name"):
                missing.append("schema.name")
                continue
            request[name] = {"name": value["name"]}
        else:
            request[name] = _plain(value)
    return request, missing


def _destination(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    dataset = destination_dataset(value)
    if not isinstance(dataset, str) or not dataset:
        return None
    out: dict[str, Any] = {"datasetId": dataset}
    if isinstance(value.get("segmentPerBatch"), bool):
        out["segmentPerBatch"] = value["segmentPerBatch"]
    return out


def _plain(value: Any) -> Any:
    """A JSON-plain deep copy (mappings become dicts), so callers may edit the result freely."""
    return json.loads(json.dumps(value, default=str))


def canonical(payload: Mapping[str, Any]) -> str:
    """The canonical text of a request: its request fields only, sorted keys, no whitespace.

    ``destination.dataSetId`` is read as ``datasetId`` and ``segmentPerBatch: false`` (the default)
    is dropped, so two spellings of the same request share one text.
    """
    picked: dict[str, Any] = {}
    for name in REQUEST_FIELDS:
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        if name == "destination" and isinstance(value, Mapping):
            dest = _destination(value) or dict(value)
            if dest.get("segmentPerBatch") is False:
                dest.pop("segmentPerBatch")
            value = dest
        elif name == "mergePolicy" and isinstance(value, Mapping):
            value = {k: value[k] for k in MERGE_POLICY_FIELDS if k in value}
            if isinstance(value.get("version"), float) and value["version"].is_integer():
                value["version"] = int(value["version"])
        elif name == "schema" and isinstance(value, Mapping) and "name" in value:
            value = {"name": value["name"]}
        elif name == "fields" and isinstance(value, str):
            value = ",".join(part.strip() for part in value.split(",") if part.strip())
        picked[name] = value
    return json.dumps(picked, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A short stable hash of a request (or of a job record: only its request fields count)."""
    digest = hashlib.sha256(canonical(payload).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


# --- rerun helpers: the text of a request, diffs, duplicates --------------------------------------
_INERT_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape_invisible(text: str) -> str:
    """JSON text with every control, format (bidi), separator and surrogate character written as a
    ``\\uXXXX`` escape: the same JSON value, and nothing a terminal could interpret."""
    import unicodedata

    out = []
    for char in text:
        if ord(char) >= 0x7F and unicodedata.category(char) in _INERT_CATEGORIES:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def render_request(request: Mapping[str, Any]) -> str:
    """A request as the editor and ``aepx jobs payload`` show it: request fields in writing order,
    two-space indent, a final newline. Control and bidi characters a record may carry are written as
    JSON escapes (C0 ones already are), so the text is inert on a terminal and parses to the same value."""
    ordered = {name: request[name] for name in REQUEST_FIELDS if name in request}
    ordered.update({k: v for k, v in request.items() if k not in ordered})
    return _escape_invisible(json.dumps(ordered, indent=2, ensure_ascii=False, default=str)) + "\n"


def diff_lines(a: Mapping[str, Any], b: Mapping[str, Any], *, a_name: str = "a",
               b_name: str = "b") -> list[str]:
    """The unified diff of two requests' pretty JSON (empty when they are the same request)."""
    import difflib

    left = render_request(a).splitlines()
    right = render_request(b).splitlines()
    if left == right:
        return []
    return list(difflib.unified_diff(left, right, fromfile=a_name, tofile=b_name, lineterm=""))


def side_by_side(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str | None, str | None, str]]:
    """Rows ``(left, right, tag)`` aligning two requests' pretty JSON; ``tag`` is ``equal``, ``replace``,
    ``delete`` (left only) or ``insert`` (right only); the missing side of a row is ``None``."""
    import difflib

    left = render_request(a).splitlines()
    right = render_request(b).splitlines()
    rows: list[tuple[str | None, str | None, str]] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [(left[i], right[j], tag) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            lval = left[i1 + k] if i1 + k < i2 else None
            rval = right[j1 + k] if j1 + k < j2 else None
            rows.append((lval, rval, "replace" if lval is not None and rval is not None
                         else "delete" if rval is None else "insert"))
    return rows


def active_duplicates(jobs: Any, payload: Mapping[str, Any]) -> list[Any]:
    """The NEW or PROCESSING jobs among ``jobs`` (``tui.core.models.Job``) whose request has the
    fingerprint of ``payload``, newest first, each once."""
    wanted = fingerprint(payload)
    seen: set[str] = set()
    found = []
    for job in jobs:
        if not job.is_active or job.id in seen:
            continue
        if fingerprint(plain(job.raw)) == wanted:
            seen.add(job.id)
            found.append(job)
    found.sort(key=lambda j: j.created_ms or 0, reverse=True)
    return found


def duplicate_sentence(job: Any, *, tz: Any = None) -> str:
    """``job 25577 with the same payload is PROCESSING since 14:02``."""
    from datetime import UTC, datetime

    from tui.core.sanitise import sanitise

    since = ""
    if job.created_ms is not None:
        try:
            moment = datetime.fromtimestamp(job.created_ms / 1000, tz=UTC).astimezone(tz)
            since = f" since {moment:%H:%M}"
        except (OverflowError, OSError, ValueError):
            since = ""
    return f"job {sanitise(job.id)} with the same payload is {sanitise(job.status)}{since}"
