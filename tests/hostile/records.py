"""Poisoned records: ESC sequences, C1, bidi controls and markup in every field of every record type.

Used by the output-path enumeration tests (tests/security/test_hostile_output.py): whatever a server
puts in any of these fields, no ESC, C1 or bidi character may reach a terminal.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from tui.core.models import PROFILE_UNION_SCHEMA

# OSC 52 (clipboard write), clear screen, OSC 0 (window title), an OSC 8 hyperlink, a C1 CSI (U+009B),
# C1 OSC (U+009D), the bidi override and isolate, Rich markup and a stray BEL.
POISON = ("\x1b]52;c;SGVsbG8=\x07\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example\x07"
          "\x9b31m\x9d0;t\x9c\u202eevil\u202c\u2066iso\u2069\u200f"
          "[bold red]loud[/bold red][link=http://evil.example]click[/link]\x07")

# What must never reach a terminal (stdout, stderr, a rendered segment).
FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

MARKUP_TEXT = "[bold red]loud[/bold red]"


def poisoned(tag: str) -> str:
    """A poisoned string with a readable tag (so a test can tell fields apart)."""
    return f"{tag}{POISON}"


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters found in ``text`` (as repr strings, for a readable assertion)."""
    return sorted({repr(m.group()) for m in FORBIDDEN.finditer(text)})


def job(job_id: Any = None, status: str = "FAILED") -> dict[str, Any]:
    """A job record with a poisoned value in every string field (the status is kept valid, and a
    poisoned copy sits in ``jobType``/``phase``-bearing fields instead)."""
    p = poisoned
    return {
        "id": job_id if job_id is not None else p("id"),
        "jobType": p("jobType"), "status": status, "requestId": p("requestId"),
        "imsOrgId": p("imsOrgId"), "profileInstanceId": p("instance"),
        "schema": {"name": p("schema")},
        "mergePolicy": {"id": p("mergePolicy"), "version": 1},
        "fields": p("fields"), "eventList": {"fields": p("eventFields")},
        "filter": {"segments": [{"segmentId": p("segment")}]},
        "destination": {"datasetId": p("datasetId"), "segmentPerBatch": False, "batchId": p("batchId")},
        "computeGatewayJobId": {"exportJob": p("exportJob"), "pushJob": p("pushJob")},
        "creationTime": 1_764_000_000_000, "updateTime": 1_764_000_600_000,
        "metrics": {"totalTime": {"startTimeInMs": 1_764_000_000_000, "endTimeInMs": 1_764_000_600_000,
                                  "totalTimeInMs": 600_000},
                    "profileExportTime": {"startTimeInMs": 1_764_000_001_000, "endTimeInMs": 1_764_000_300_000,
                                          "totalTimeInMs": 299_000}},
        "errors": [{"code": p("code"), "msg": p("msg"), "callStack": p("callStack") + "\n" + p("frame")}],
        p("extraKey"): p("extraValue"),
    }


def jobs_page() -> dict[str, Any]:
    """A list answer: poisoned jobs (one with a poisoned id, one per status) and a poisoned link."""
    records = [job(), job(2, "PROCESSING"), job(3, "NEW"), job(4, "SUCCEEDED"), job(5, "FAILED")]
    return {"records": records, "page": {"pageSize": len(records), "sortField": poisoned("sortField"),
                                         "sort": poisoned("sort")},
            "link": {"next": ""}}


def error_body(status: int = 500) -> dict[str, Any]:
    """An error answer in every documented shape at once: gateway, problem details, UPS, OAuth."""
    return {"error_code": poisoned("error_code"), "message": poisoned("message"), "title": poisoned("title"),
            "detail": poisoned("detail"), "type": poisoned("type"), "status": status,
            "errors": {str(status): [{"code": poisoned("ecode"), "message": poisoned("emessage")}]},
            "error": poisoned("error"), "error_description": poisoned("error_description"),
            "requestId": poisoned("requestId"), "report": {"registryRequestId": poisoned("registry")}}


def datasets() -> dict[str, Any]:
    """A Catalog answer: poisoned ids (the keys), names and schema ids."""
    return {poisoned("dsid"): {"name": poisoned("dsname"), "schemaRef": {"id": PROFILE_UNION_SCHEMA},
                               "description": poisoned("description")},
            "ds-plain": {"name": poisoned("dsname2"), "schemaRef": {"id": PROFILE_UNION_SCHEMA}}}


def merge_policies() -> dict[str, Any]:
    return {"children": [
        {"id": poisoned("mpid"), "name": poisoned("mpname"), "version": 1, "default": True,
         "schema": {"name": "_xdm.context.profile"}},
        {"id": "mp-2", "name": poisoned("mpname2"), "version": 2, "default": False,
         "schema": {"name": "_xdm.context.profile"}},
    ]}


def create_answer() -> dict[str, Any]:
    """The answer to a create POST: a NEW job whose every string is poisoned."""
    return job(poisoned("created"), "NEW")


def cancel_answer() -> dict[str, Any]:
    """The answer to a DELETE: a poisoned message."""
    return {"status": True, "message": poisoned("cancelmsg")}


def deep(depth: int = 1200) -> Any:
    """JSON nested ``depth`` levels deep (for the depth-limit tests)."""
    value: Any = "bottom"
    for _ in range(depth):
        value = {"x": value}
    return value


def copy_of(record: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(record)


def deep_text(depth: int = 5000) -> bytes:
    """JSON text nested ``depth`` levels deep (too deep for json.dumps to build)."""
    return ('{"records": ' + '{"x": ' * depth + "1" + "}" * depth + "}").encode()
