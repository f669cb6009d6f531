"""Validation of export-job payloads (``POST /export/jobs``), shared by the console editor and the CLI.

``validate_text`` reports JSON syntax errors with 1-based line and column and a hint of what is
probably wrong, then runs ``validate_payload``, whose issues carry the line of the offending key.
Neither function raises: every problem comes back as an :class:`Issue`.

One module because every rule of the request's shape is here, with the locator that points the editor
at each problem: one place to read what the API accepts.
"""

from __future__ import annotations

import bisect
import difflib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.core.errors import PayloadError
from tui.core.json_scan import scan

_NEWLINE = re.compile("\n")
PROFILE_SCHEMA = "_xdm.context.profile"
SEGMENT_STATUSES = ("realized", "existing", "exited")
RFC3339_EXAMPLE = "2018-10-25T13:22:04-07:00"

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


@dataclass
class Issue:
    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    severity: str = "error"

    def location(self) -> str:
        if self.line is None:
            return ""
        return f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ValidationResult:
    payload: dict[str, Any] | None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def first_error(self) -> Issue | None:
        return self.errors[0] if self.errors else None

    @property
    def issues(self) -> list[Issue]:
        """Errors then warnings, each group in document order."""
        return self.errors + self.warnings


# --- JSON syntax ---------------------------------------------------------------------------------
def validate_text(text: str) -> ValidationResult:
    """Parse ``text`` as JSON and validate it; never raises."""
    try:
        return _validate_text(text)
    except Exception as exc:  # defensive: a validator must not crash the editor
        return ValidationResult(None, [Issue(f"The payload could not be checked ({type(exc).__name__}).")])


def _validate_text(text: str) -> ValidationResult:
    if not text.strip():
        return ValidationResult(None, [Issue("The payload is empty; start from a template or paste a JSON "
                                             "object.", 1, 1)])
    duplicates: list[str] = []
    constants: list[str] = []
    try:
        obj = json.loads(text, object_pairs_hook=_pairs_hook(duplicates),
                         parse_constant=_constant_hook(constants))
    except json.JSONDecodeError as exc:
        return ValidationResult(None, [_syntax_issue(text, exc)])
    except RecursionError:
        return ValidationResult(None, [Issue("The payload is nested too deeply to be an export job.", 1, 1)])
    locator = _Locator(text)
    result = validate_payload(obj)
    for constant in constants:
        line, column = locator.find_token(constant)
        result.errors.insert(0, Issue(f"{constant} is not valid JSON (only finite numbers are allowed).",
                                      line, column))
    for key in duplicates:
        result.warnings.append(Issue(f"The key {key!r} appears twice in one object; only the last one is "
                                     f"used.", *locator.find_token(json.dumps(key), last=True), path=key,
                                     severity="warning"))
    for issue in result.errors + result.warnings:
        if issue.line is None and issue.path:
            issue.line, issue.column = locator.position(issue.path)
    result.errors.sort(key=_order)
    result.warnings.sort(key=_order)
    return result


def _order(issue: Issue) -> tuple[int, int]:
    return (issue.line or 0, issue.column or 0)


def _pairs_hook(duplicates: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    return hook


def _constant_hook(constants: list[str]) -> Callable[[str], float]:
    def hook(name: str) -> float:
        constants.append(name)
        return 0.0

    return hook


def _syntax_issue(text: str, exc: json.JSONDecodeError) -> Issue:
    line, column = exc.lineno, exc.colno
    # json's own words, without a dangling "at" ("Invalid control character at": the position follows)
    base = f"{exc.msg.removesuffix(' at')} at line {line}, column {column}"
    hint = _syntax_hint(text, exc)
    return Issue(f"{base}: {hint}" if hint else base, line, column, severity="error")


def _previous_token(text: str, pos: int) -> tuple[str, int]:
    """The last non-blank character before ``pos`` and its 1-based line."""
    index = pos - 1
    while index >= 0 and text[index] in " \t\r\n":
        index -= 1
    if index < 0:
        return "", 1
    return text[index], text.count("\n", 0, index) + 1


def _syntax_hint(text: str, exc: json.JSONDecodeError) -> str:
    here = text[exc.pos] if exc.pos < len(text) else ""
    before, before_line = _previous_token(text, exc.pos)
    message = exc.msg
    if message.startswith("Expecting ',' delimiter"):
        if before in '}]"' or before.isalnum():
            return f"a comma is probably missing after the value that ends on line {before_line}"
        return "a comma is probably missing between two values"
    if message.startswith("Expecting property name enclosed in double quotes"):
        if before == ",":
            return f"remove the trailing comma on line {before_line} (JSON allows none before '}}')"
        if here == "'":
            return "keys need double quotes, not single quotes"
        return "keys must be strings in double quotes"
    if message.startswith("Expecting value"):
        if not here:
            return "the payload ends too early (an unfinished value or a missing closing bracket)"
        if before == "," and here in "]}":
            return f"remove the trailing comma on line {before_line}"
        if here == "'":
            return "strings need double quotes, not single quotes"
        return "a value (string, number, true, false, null, object or list) was expected here"
    if message.startswith("Expecting ':' delimiter"):
        return "a colon is missing between the key and its value"
    if message.startswith("Extra data"):
        return "something follows the end of the JSON object (a stray bracket or a second object?)"
    if message.startswith("Unterminated string"):
        return "a string is not closed with a double quote"
    if message.startswith("Invalid control character"):
        if here in "\r\n":
            return ("the string is not closed on this line (a missing closing quote?); write a line break "
                    "inside a string as \\n")
        return "a tab or other control character inside a string must be written as \\t or \\uXXXX"
    if message.startswith("Invalid \\escape") or message.startswith("Invalid \\uXXXX"):
        return "a backslash in a string must be doubled (\\\\)"
    return ""


# --- locating keys in the text -------------------------------------------------------------------
class _Locator:
    """Maps a dotted path (``filter.segments[0].status``) to the line and column of its key."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]
        # best effort: a path the scan did not reach falls back to its parent's position (issues
        # without a position still carry their path)
        self.positions: dict[str, int] = scan(text).first

    def line_col(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, pos)
        return line, pos - self._line_starts[line - 1] + 1

    def position(self, path: str) -> tuple[int | None, int | None]:
        candidate = path
        while candidate:
            if candidate in self.positions:
                return self.line_col(self.positions[candidate])
            candidate = _parent(candidate)
        return (1, 1) if self.text else (None, None)

    def find_token(self, token: str, *, last: bool = False) -> tuple[int | None, int | None]:
        pos = self.text.rfind(token) if last else self.text.find(token)
        return self.line_col(pos) if pos >= 0 else (None, None)


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


# --- semantics -----------------------------------------------------------------------------------
class _Checker:
    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(Issue(message, path=path, severity="error"))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Issue(message, path=path, severity="warning"))

    # typed getters: return the value when it has the right type, else None (after an error)
    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(path, f"{path} must be an object ({{...}}), not {_kind(value)}.")
        return None

    def string(self, value: Any, path: str, *, non_empty: bool = True) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"{path} must be a string, not {_kind(value)}.")
            return None
        if non_empty and not value.strip():
            self.error(path, f"{path} must not be empty.")
            return None
        return value

    def boolean(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            hint = f' (write {str(value).lower()} without quotes)' if value in ("true", "false") else ""
            self.error(path, f"{path} must be true or false, not {_kind(value)}{hint}.")

    def integer(self, value: Any, path: str, minimum: int) -> None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # the spec types it number and its own example is 1.0
        if isinstance(value, bool) or not isinstance(value, int):
            hint = " (write it without quotes)" if isinstance(value, str) and value.strip().isdigit() else ""
            self.error(path, f"{path} must be an integer, not {_kind(value)}{hint}.")
        elif value < minimum:
            self.error(path, f"{path} must be at least {minimum}, not {value}.")

    def timestamp(self, value: Any, path: str) -> datetime | None:
        text = self.string(value, path)
        if text is None:
            return None
        parsed = None
        if _RFC3339.match(text):
            try:
                parsed = datetime.fromisoformat(text.replace("z", "Z"))
            except ValueError:
                parsed = None
        if parsed is None:
            self.error(path, f"{path} must be an RFC 3339 timestamp with a time zone, such as "
                             f"{RFC3339_EXAMPLE} or 2018-10-25T20:22:04Z, not {text!r}.")
        return parsed

    def field_list(self, value: Any, path: str) -> None:
        if isinstance(value, list):
            self.error(path, f"{path} must be one comma-separated string (\"a.b,c.d\"), not a list.")
            return
        text = self.string(value, path, non_empty=False)
        if text is None:
            return
        if not text.strip():
            self.warn(path, f"{path} is empty, which exports every field; remove it or name the fields.")
            return
        parts = text.split(",")
        if any(not part.strip() for part in parts):
            self.error(path, f"{path} has an empty entry (two commas in a row, or a comma at the start or "
                             f"end).")
        elif any(part != part.strip() for part in parts):
            self.warn(path, f"{path} has spaces around its commas; write \"a.b,c.d\" without spaces.")

    def keys(self, table: dict[str, Any], path: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key in known:
                continue
            where = f"{path}.{key}" if path else key
            guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" did you mean {guess[0]}?" if guess else f" (known here: {', '.join(known)})"
            self.warn(where, f"Unknown key {where}:{hint}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


_ROOT_KEYS = ("fields", "mergePolicy", "additionalFields", "destination", "schema", "filter")


def validate_payload(obj: object) -> ValidationResult:
    """Check an already-parsed payload against the export-job request rules; never raises."""
    checker = _Checker()
    if not isinstance(obj, dict):
        checker.error("", f"The payload must be a JSON object ({{...}}) with destination and schema, "
                          f"not {_kind(obj)}.")
        return ValidationResult(None, checker.errors, checker.warnings)
    try:
        _check_root(checker, obj)
    except Exception as exc:  # defensive: report, never raise
        checker.error("", f"The payload could not be checked ({type(exc).__name__}).")
    return ValidationResult(obj, checker.errors, checker.warnings)


def _check_root(c: _Checker, payload: dict[str, Any]) -> None:
    c.keys(payload, "", _ROOT_KEYS)
    if "fields" in payload:
        c.field_list(payload["fields"], "fields")
    if "mergePolicy" in payload:
        _check_merge_policy(c, payload["mergePolicy"])
    if "additionalFields" in payload:
        _check_additional_fields(c, payload["additionalFields"])
    if "destination" not in payload:
        c.error("", "destination is required: add \"destination\": {\"datasetId\": \"<dataset id>\"}.")
    else:
        _check_destination(c, payload["destination"], payload)
    if "schema" not in payload:
        c.error("", f"schema is required: add \"schema\": {{\"name\": \"{PROFILE_SCHEMA}\"}}.")
    else:
        _check_schema(c, payload["schema"])
    if "filter" in payload:
        _check_filter(c, payload["filter"])


def _check_merge_policy(c: _Checker, value: Any) -> None:
    policy = c.obj(value, "mergePolicy")
    if policy is None:
        return
    c.keys(policy, "mergePolicy", ("id", "version"))
    if "id" not in policy:
        c.error("mergePolicy", "mergePolicy.id is required when mergePolicy is given (or remove mergePolicy "
                               "to use the default policy).")
    else:
        c.string(policy["id"], "mergePolicy.id")
    if "version" in policy:
        c.integer(policy["version"], "mergePolicy.version", 1)


def _check_additional_fields(c: _Checker, value: Any) -> None:
    extra = c.obj(value, "additionalFields")
    if extra is None:
        return
    c.keys(extra, "additionalFields", ("eventList",))
    if "eventList" not in extra:
        return
    events = c.obj(extra["eventList"], "additionalFields.eventList")
    if events is None:
        return
    c.keys(events, "additionalFields.eventList", ("fields", "filter"))
    if "fields" in events:
        c.field_list(events["fields"], "additionalFields.eventList.fields")
    if "filter" in events:
        event_filter = c.obj(events["filter"], "additionalFields.eventList.filter")
        if event_filter is not None:
            c.keys(event_filter, "additionalFields.eventList.filter", ("fromIngestTimestamp",))
            if "fromIngestTimestamp" in event_filter:
                c.timestamp(event_filter["fromIngestTimestamp"],
                            "additionalFields.eventList.filter.fromIngestTimestamp")


def _check_destination(c: _Checker, value: Any, payload: dict[str, Any]) -> None:
    destination = c.obj(value, "destination")
    if destination is None:
        return
    c.keys(destination, "destination", ("datasetId", "dataSetId", "segmentPerBatch"))
    if "datasetId" in destination:
        c.string(destination["datasetId"], "destination.datasetId")
        if "dataSetId" in destination and destination["dataSetId"] != destination["datasetId"]:
            c.error("destination.dataSetId", "destination has both datasetId and dataSetId with different "
                                             "values; keep only datasetId.")
        elif "dataSetId" in destination:
            c.warn("destination.dataSetId", "destination.dataSetId is the response spelling and is ignored "
                                            "in a request; remove it.")
    elif "dataSetId" in destination:
        c.error("destination.dataSetId", "destination.dataSetId is the response spelling and the service "
                                         "refuses it (400): requests spell it datasetId.")
    else:
        c.error("destination", "destination.datasetId is required: the id of the dataset to export into.")
    if "segmentPerBatch" in destination:
        c.boolean(destination["segmentPerBatch"], "destination.segmentPerBatch")
        segments = payload.get("filter", {}).get("segments") if isinstance(payload.get("filter"), dict) else None
        if destination["segmentPerBatch"] is True and not segments:
            c.warn("destination.segmentPerBatch", "destination.segmentPerBatch is true but filter.segments "
                                                  "names no segment, so it has no effect.")


def _check_schema(c: _Checker, value: Any) -> None:
    schema = c.obj(value, "schema")
    if schema is None:
        return
    c.keys(schema, "schema", ("name",))
    if "name" not in schema:
        c.error("schema", f"schema.name is required, e.g. \"{PROFILE_SCHEMA}\".")
        return
    name = c.string(schema["name"], "schema.name")
    if name is not None and name != PROFILE_SCHEMA:
        c.warn("schema.name", f"schema.name is {name!r}; profile export jobs use {PROFILE_SCHEMA!r}.")


_FILTER_KEYS = ("segments", "segmentQualificationTime", "fromIngestTimestamp", "emptyProfiles")


def _check_filter(c: _Checker, value: Any) -> None:
    job_filter = c.obj(value, "filter")
    if job_filter is None:
        return
    c.keys(job_filter, "filter", _FILTER_KEYS)
    if "segments" in job_filter:
        _check_segments(c, job_filter["segments"])
    if "segmentQualificationTime" in job_filter:
        _check_qualification_time(c, job_filter["segmentQualificationTime"])
    if "fromIngestTimestamp" in job_filter:
        c.timestamp(job_filter["fromIngestTimestamp"], "filter.fromIngestTimestamp")
    if "emptyProfiles" in job_filter:
        c.boolean(job_filter["emptyProfiles"], "filter.emptyProfiles")


def _check_segments(c: _Checker, value: Any) -> None:
    if not isinstance(value, list):
        c.error("filter.segments", f"filter.segments must be a list of segment objects, not {_kind(value)}.")
        return
    if not value:
        c.warn("filter.segments", "filter.segments is empty; remove it or name at least one segment.")
    for index, item in enumerate(value):
        path = f"filter.segments[{index}]"
        segment = c.obj(item, path)
        if segment is None:
            continue
        c.keys(segment, path, ("segmentId", "segmentNs", "status"))
        if "segmentId" not in segment:
            c.error(path, f"{path}.segmentId is required.")
        else:
            c.string(segment["segmentId"], f"{path}.segmentId")
        if "segmentNs" in segment:
            c.string(segment["segmentNs"], f"{path}.segmentNs")
        if "status" in segment:
            _check_statuses(c, segment["status"], f"{path}.status")


def _check_statuses(c: _Checker, value: Any, path: str) -> None:
    if not isinstance(value, list):
        hint = f' (write ["{value}"])' if isinstance(value, str) else ""
        c.error(path, f"{path} must be a list of statuses{hint}, not {_kind(value)}.")
        return
    if not value:
        c.warn(path, f"{path} is empty; omit it for the default [\"realized\", \"existing\"].")
    for index, status in enumerate(value):
        if status not in SEGMENT_STATUSES:
            shown = status if isinstance(status, str) else _kind(status)
            c.error(f"{path}[{index}]", f"{path}[{index}] must be one of {', '.join(SEGMENT_STATUSES)}, "
                                        f"not {shown!r}.")


def _check_qualification_time(c: _Checker, value: Any) -> None:
    window = c.obj(value, "filter.segmentQualificationTime")
    if window is None:
        return
    base = "filter.segmentQualificationTime"
    c.keys(window, base, ("startTime", "endTime"))
    start = c.timestamp(window["startTime"], f"{base}.startTime") if "startTime" in window else None
    end = c.timestamp(window["endTime"], f"{base}.endTime") if "endTime" in window else None
    if start is not None and end is not None and end < start:
        c.error(f"{base}.endTime", f"{base}.endTime is before startTime.")


# --- files ---------------------------------------------------------------------------------------
def load_payload_file(path: str | Path, on_warning: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Read and validate a payload file; raises PayloadError (exit 2) with the first error's position.

    Warnings (unknown keys, duplicate keys) go to ``on_warning`` as one line each, position first.
    """
    path = Path(path)
    text = read_payload_text(path)
    result = validate_text(text)
    first = result.first_error
    if first is not None or result.payload is None:
        issue = first or Issue("The payload must be a JSON object.")
        where = issue.location()
        detail = issue.message if where and f"at {where}" in issue.message else str(issue)
        raise PayloadError(f"Invalid payload in {path}: {detail}", line=issue.line, column=issue.column)
    try:
        json.dumps(result.payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(f"Invalid payload in {path}: it holds a lone surrogate escape (such as \\ud800), "
                           "which is not valid Unicode text and cannot be sent; remove it.") from None
    if on_warning is not None:
        for warning in result.warnings:
            on_warning(f"{path}: {warning}")
    return result.payload


MAX_PAYLOAD_BYTES = 1024 * 1024  # an export payload is a few KB; anything over 1 MiB is not one


def read_payload_text(path: str | Path, limit: int = MAX_PAYLOAD_BYTES) -> str:
    """The text of a payload file: a regular file of at most ``limit`` bytes, UTF-8 (a BOM accepted).

    Devices, FIFOs and sockets are refused before a byte is read (``/dev/zero`` would never end,
    a FIFO would block); a file that grows past the cap while read is refused too. Raises
    ``PayloadError`` (exit 2) with one sentence.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise PayloadError(f"Cannot read payload file {path}: {exc.strerror or exc}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise PayloadError(f"Payload file {path} is a directory; name a JSON file.")
        if not stat.S_ISREG(info.st_mode):
            raise PayloadError(f"Payload file {path} is not a regular file (a device, a FIFO or a socket); "
                               "aepx reads payloads only from ordinary files.")
        if info.st_size > limit:
            raise PayloadError(f"Payload file {path} is {info.st_size:,} bytes, over the {limit // 1024:,} KiB "
                               "limit; that is not an export payload.")
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(limit + 1)
    except OSError as exc:
        raise PayloadError(f"Cannot read payload file {path}: {exc.strerror or exc}.") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise PayloadError(f"Payload file {path} is over the {limit // 1024:,} KiB limit; that is not an export "
                           "payload.")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise PayloadError(f"Payload file {path} is not UTF-8 text; save it as UTF-8 JSON.") from None
