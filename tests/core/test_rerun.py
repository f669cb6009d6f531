"""Rerun helpers in core: reconstruction over every seeded job shape, diffs, fingerprints of text,
``--set`` paths and the dataset-id text surgery."""

from __future__ import annotations

import json

import pytest

from tui.core.errors import UsageError
from tui.core.fingerprint import (
    active_duplicates,
    diff_lines,
    duplicate_sentence,
    fingerprint,
    render_request,
    request_from_record,
    side_by_side,
)
from tui.core.models import Job
from tui.core.payload import validate_text
from tui.core.payload_edit import parse_value, replace_dataset_id, set_path
from tui.emulator.clock import ManualClock
from tui.emulator.seed import seed_tenant
from tui.emulator.settings import EmulatorSettings
from tui.emulator.store import Store

SERVER_FIELDS = {"id", "status", "metrics", "requestId", "imsOrgId", "jobType", "profileInstanceId",
                 "computeGatewayJobId", "creationTime", "updateTime", "errors"}


def _seeded_records() -> list[dict]:
    settings = EmulatorSettings(jobs=250)
    store = Store(settings, ManualClock(1_764_000_000_000))
    tenant = store.tenant(settings.org, settings.sandbox)
    seed_tenant(store, tenant, settings.jobs)
    now = store.now_ms()
    out = []
    for job in tenant.jobs.values():
        out.append(job.render(now, list_form=True))
        out.append(job.render(now))  # create/get form: destination.dataSetId
    return out


RECORDS = _seeded_records()


def _shape(record: dict) -> str:
    if record["destination"].get("segmentPerBatch"):
        return "segmentPerBatch"
    if record.get("filter"):
        return "segments"
    if record.get("additionalFields"):
        return "events"
    return "profile"


@pytest.mark.parametrize("shape", ["profile", "events", "segments", "segmentPerBatch"])
def test_reconstruction_of_every_seeded_shape_is_a_valid_request(shape):
    records = [r for r in RECORDS if _shape(r) == shape]
    assert records, f"the seed has no {shape} job"
    for record in records:
        request, missing = request_from_record(record)
        assert missing == []
        assert not SERVER_FIELDS & set(request)
        assert "batchId" not in request["destination"] and "batches" not in request["destination"]
        assert set(request["destination"]) <= {"datasetId", "segmentPerBatch"}
        assert request["destination"]["datasetId"] == record["destination"].get(
            "datasetId", record["destination"].get("dataSetId"))
        for name in ("fields", "filter", "additionalFields", "schema"):
            assert request.get(name) == record.get(name)
        result = validate_text(render_request(request))
        assert result.ok, (shape, result.errors)
        assert fingerprint(request) == fingerprint(record)


def test_list_and_get_spellings_have_one_fingerprint():
    for list_form, get_form in zip(RECORDS[::2], RECORDS[1::2], strict=True):
        assert "dataSetId" in get_form["destination"] and "datasetId" in list_form["destination"]
        assert fingerprint(list_form) == fingerprint(get_form)


def test_fingerprint_is_stable_under_key_order_and_whitespace():
    request, _ = request_from_record(RECORDS[0])
    text = render_request(request)
    compact = json.loads(json.dumps(json.loads(text), separators=(",", ":")))
    reordered = dict(reversed(list(compact.items())))
    reordered["destination"] = dict(reversed(list(reordered["destination"].items())))
    assert fingerprint(reordered) == fingerprint(request) == fingerprint(json.loads("\n\n" + text + "  "))


def test_clone_of_a_record_missing_fields_says_what_is_missing():
    request, missing = request_from_record({"id": 7, "status": "FAILED", "fields": "a.b",
                                            "destination": {"dataSetId": "d1", "batchId": ""}})
    assert request == {"fields": "a.b", "destination": {"datasetId": "d1"}}
    assert missing == ["schema"]


def test_render_request_orders_fields_as_written():
    request, _ = request_from_record(RECORDS[0])
    keys = list(json.loads(render_request(dict(reversed(list(request.items()))))))
    order = ["fields", "mergePolicy", "additionalFields", "filter", "destination", "schema"]
    assert keys == [k for k in order if k in request]


def test_diff_lines_is_empty_for_the_same_request_and_unified_otherwise():
    a = {"fields": "a.b", "destination": {"datasetId": "d1"}, "schema": {"name": "_xdm.context.profile"}}
    b = {"destination": {"datasetId": "d2"}, "schema": {"name": "_xdm.context.profile"}, "fields": "a.b"}
    assert diff_lines(a, dict(reversed(list(a.items())))) == []
    lines = diff_lines(a, b, a_name="job 1", b_name="job 2")
    assert lines[0] == "--- job 1" and lines[1] == "+++ job 2"
    assert '-    "datasetId": "d1"' in lines and '+    "datasetId": "d2"' in lines


def test_side_by_side_aligns_equal_lines_and_marks_changes():
    a = {"fields": "a.b", "destination": {"datasetId": "d1"}, "schema": {"name": "s"}}
    b = {"destination": {"datasetId": "d2", "segmentPerBatch": True}, "schema": {"name": "s"}}
    rows = side_by_side(a, b)
    tags = {tag for _, _, tag in rows}
    assert {"equal", "replace"} <= tags
    assert all(left == right for left, right, tag in rows if tag == "equal")
    assert any(left is not None and "d1" in left and right is not None and "d2" in right
               for left, right, _ in rows)
    assert [r for _, r, _ in rows if r is not None] == render_request(b).splitlines()
    assert [x for x, _, _ in rows if x is not None] == render_request(a).splitlines()


def test_active_duplicates_finds_only_new_or_processing_jobs_with_the_same_fingerprint():
    base = {"schema": {"name": "_xdm.context.profile"}, "destination": {"datasetId": "d1"}}
    jobs = [Job.parse(dict(base, id=1, status="PROCESSING", creationTime=1_764_000_000_000)),
            Job.parse(dict(base, id=2, status="SUCCEEDED")),
            Job.parse(dict(base, id=3, status="NEW", destination={"dataSetId": "d1", "segmentPerBatch": False})),
            Job.parse(dict(base, id=4, status="NEW", destination={"datasetId": "d2"}))]
    found = active_duplicates(jobs, base)
    assert [j.id for j in found] == ["1", "3"]
    assert duplicate_sentence(found[0]).startswith("job 1 with the same payload is PROCESSING since ")


@pytest.mark.parametrize("assignment,expected", [
    ("destination.datasetId=abc", {"destination": {"datasetId": "abc"}, "schema": {}}),
    ("mergePolicy.version=2", {"mergePolicy": {"version": 2}, "destination": {"datasetId": "d"}, "schema": {}}),
    ('filter={"emptyProfiles": true}', {"filter": {"emptyProfiles": True}, "destination": {"datasetId": "d"},
                                        "schema": {}}),
    ("a.b.c=x", {"a": {"b": {"c": "x"}}, "destination": {"datasetId": "d"}, "schema": {}}),
])
def test_set_path_creates_missing_objects_and_parses_json(assignment, expected):
    payload = {"destination": {"datasetId": "d"}, "schema": {}}
    set_path(payload, assignment)
    assert payload == expected


def test_set_path_indexes_lists():
    payload = {"filter": {"segments": [{"segmentId": "a"}]}}
    set_path(payload, "filter.segments[0].segmentId=b")
    assert payload["filter"]["segments"][0]["segmentId"] == "b"
    with pytest.raises(UsageError, match=r"filter.segments\[3\]"):
        set_path(payload, "filter.segments[3].segmentId=c")


@pytest.mark.parametrize("assignment", ["fields.x=1", "schema.name.x=1", "noequals", "=1", "a..b=1"])
def test_set_path_refuses_non_object_parents_and_bad_syntax(assignment):
    with pytest.raises(UsageError) as info:
        set_path({"fields": "a.b", "schema": {"name": "s"}}, assignment)
    assert info.value.exit_code == 2


def test_parse_value():
    assert parse_value("2") == 2 and parse_value("true") is True and parse_value("abc") == "abc"
    assert parse_value('"2"') == "2"


TYPED = '{\n    "fields" :"a.b",\n  "destination": {"datasetId": "old",\n "datasetId":"older" ,"x":1},\n' \
        '  "schema": {"name": "_xdm.context.profile"}\n}\n'


def test_replace_dataset_id_changes_only_the_effective_value():
    out = replace_dataset_id(TYPED, "NEW")
    assert out == TYPED.replace('"older"', '"NEW"')


def test_replace_dataset_id_respells_and_inserts():
    assert replace_dataset_id('{"destination": {"dataSetId": "a"}}', "N") == '{"destination": {"datasetId": "N"}}'
    assert replace_dataset_id('{"destination": {}}', "N") == '{"destination": {"datasetId": "N"}}'
    text = '{\n  "destination": {\n    "segmentPerBatch": false\n  }\n}'
    assert replace_dataset_id(text, "N") == '{\n  "destination": {\n    "datasetId": "N",\n' \
                                            '    "segmentPerBatch": false\n  }\n}'
    assert replace_dataset_id('{"schema": {}}', "N") is None
    assert replace_dataset_id('{"destination": ', "N") is None


def test_render_request_is_inert_and_parses_to_the_same_value():
    hostile = {"fields": "a\x1b]52;c;AAAA\x07\x9b\u202e\u2066\u2028b\u00e9", "destination": {"datasetId": "d\ud800"}}
    text = render_request(hostile)
    assert json.loads(text) == hostile
    assert all((ord(c) < 0x7F and (c.isprintable() or c == "\n")) or c == "é" for c in text)
