"""Job records kept compactly (CompactRecord): the same mapping, everywhere a dict was."""

from __future__ import annotations

import json
from decimal import Decimal

from tui.core.fingerprint import fingerprint
from tui.core.models import CompactRecord, Job, compact, plain
from tui.monitor.history.store import job_row

RECORD = {"id": 42, "status": "FAILED", "fields": "a,b", "destination": {"datasetId": "ds-1", "batchId": "B1"},
          "mergePolicy": {"id": "mp", "version": 1}, "errors": [{"code": "X", "msg": "été ‮"}],
          "metrics": {"totalTime": {"startTimeInMs": 1, "endTimeInMs": 5, "totalTimeInMs": 4}}, "none": None}


def test_compact_reads_as_the_same_mapping() -> None:
    record = compact(dict(RECORD))
    assert isinstance(record, CompactRecord)
    assert record == RECORD and RECORD == dict(record)
    assert record["destination"]["datasetId"] == "ds-1"
    assert record.get("missing", "dflt") == "dflt"
    assert "errors" in record and "nope" not in record
    assert len(record) == len(RECORD) and list(record) == list(RECORD)
    assert dict(record.items()) == RECORD and list(record.keys()) == list(RECORD)
    assert json.loads(json.dumps(dict(record))) == json.loads(json.dumps(RECORD))
    assert plain(record) == RECORD and type(plain(record)) is dict


def test_each_read_is_a_fresh_copy() -> None:
    record = compact(dict(RECORD))
    record["destination"]["datasetId"] = "changed"  # a caller's edit of what it read...
    assert record["destination"]["datasetId"] == "ds-1"  # ...never reaches the record


def test_what_marshal_cannot_hold_stays_a_dict() -> None:
    odd = {"id": 1, "amount": Decimal("1.5")}
    assert compact(odd) is odd
    mapping = CompactRecord(compact(dict(RECORD)).data)  # already compact: unchanged
    assert compact(mapping) is mapping


def test_a_compacted_job_parses_stores_and_fingerprints_the_same() -> None:
    job = Job.parse(json.loads(json.dumps(RECORD)))
    before = job_row("org", "sb", job, 7)
    wanted = fingerprint(job.raw)
    job.compact_raw()
    assert isinstance(job.raw, CompactRecord)
    assert job_row("org", "sb", job, 7) == before  # the history row, raw text included, is unchanged
    assert fingerprint(plain(job.raw)) == wanted
    assert Job.parse(job.raw).dataset_id == "ds-1"
