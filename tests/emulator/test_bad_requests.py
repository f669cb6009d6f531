"""Bad input is answered 4xx with a clear message naming the problem, never 500, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.conftest import DATASETS, JOBS, Emu

OK_SCHEMA = {"name": "_xdm.context.profile"}


def _job_count(emu: Emu) -> int:
    return len(emu.server.store.tenant(emu.settings.org, emu.settings.sandbox).jobs)


def _payload(emu: Emu, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"destination": {"datasetId": emu.union_dataset()}, "schema": dict(OK_SCHEMA)}
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


CASES: list[tuple[dict[str, Any], str]] = [
    ({"destination": None}, "destination is required"),
    ({"destination": "ds"}, "destination must be a JSON object"),
    ({"destination": {}}, "destination.datasetId is required"),
    ({"destination": {"dataSetId": "abc"}}, "spell it datasetId"),
    ({"destination": {"datasetId": 12}}, "destination.datasetId must be a string"),
    ({"destination": {"datasetId": "nope"}}, "destination.datasetId 'nope' does not exist"),
    ({"destination": {"datasetId": "<ds>", "segmentPerBatch": "yes"}}, "destination.segmentPerBatch"),
    ({"schema": None}, "schema is required"),
    ({"schema": {}}, "schema.name is required"),
    ({"schema": {"name": 5}}, "schema.name must be a string"),
    ({"schema": {"name": "_xdm.context.experienceevent"}}, "schema.name must be"),
    ({"fields": ["a", "b"]}, "fields"),
    ({"mergePolicy": "default"}, "mergePolicy must be a JSON object"),
    ({"mergePolicy": {"version": 1}}, "mergePolicy.id is required"),
    ({"mergePolicy": {"id": "missing-mp"}}, "mergePolicy.id 'missing-mp' does not exist"),
    ({"mergePolicy": {"id": "<mp>", "version": "1"}}, "mergePolicy.version"),
    ({"mergePolicy": {"id": "<mp>", "version": 99}}, "mergePolicy.version 99"),
    ({"filter": {"segments": "abc"}}, "filter.segments must be an array"),
    ({"filter": {"segments": [{}]}}, "filter.segments[0].segmentId is required"),
    ({"filter": {"segments": [{"segmentId": "s", "status": ["gone"]}]}}, "filter.segments[0].status"),
    ({"filter": {"fromIngestTimestamp": "yesterday"}}, "filter.fromIngestTimestamp"),
    ({"filter": {"fromIngestTimestamp": "2024-01-01T00:00:00"}}, "time zone"),
    ({"filter": {"emptyProfiles": "no"}}, "filter.emptyProfiles"),
    ({"filter": {"segmentQualificationTime": {"startTime": 1}}}, "filter.segmentQualificationTime.startTime"),
    ({"additionalFields": {"eventList": {"fields": 3}}}, "additionalFields.eventList.fields"),
    ({"additionalFields": {"eventList": {"filter": {"fromIngestTimestamp": "x"}}}},
     "additionalFields.eventList.filter.fromIngestTimestamp"),
]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_invalid_export_requests(shared_emu: Emu, changes: dict[str, Any], expected: str) -> None:
    emu = shared_emu
    text = json.dumps(changes).replace("<ds>", emu.union_dataset())
    mp = emu.get("/data/core/ups/config/mergePolicies").json()["children"][0]["id"]
    changes = json.loads(text.replace("<mp>", mp))
    before = _job_count(emu)
    response = emu.post(JOBS, json=_payload(emu, **changes))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400
    message = body["errors"]["400"][0]["message"]
    assert expected in message
    assert message.startswith("Invalid export job request: ")
    assert _job_count(emu) == before


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"destination": ', "not valid JSON"),
    (b"", "empty"),
    (b"   ", "empty"),
    (b"[1, 2]", "must be a JSON object"),
    (b'"text"', "must be a JSON object"),
    (b"\xff\xfe{}", "not valid"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid"),
    (b'{"a": NaN', "not valid JSON"),
])
def test_malformed_bodies(shared_emu: Emu, content: bytes, expected: str) -> None:
    response = shared_emu.post(JOBS, content=content,
                               headers=dict(shared_emu.headers, **{"Content-Type": "application/json"}))
    assert 400 <= response.status_code < 500
    assert expected in response.json()["errors"]["400"][0]["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type(shared_emu: Emu, content_type: str | None) -> None:
    headers = dict(shared_emu.headers)
    if content_type:
        headers["Content-Type"] = content_type
    response = shared_emu.post(JOBS, content=json.dumps(_payload(shared_emu)).encode(), headers=headers)
    assert response.status_code == 400
    assert "content-type" in response.json()["detail"]


def test_three_megabyte_body_is_413(shared_emu: Emu) -> None:
    before = _job_count(shared_emu)
    big = _payload(shared_emu, fields="x" * (3 * 1024 * 1024))
    for path in (JOBS, DATASETS):
        response = shared_emu.post(path, json=big)
        assert response.status_code == 413
        assert "larger than the 1024 KiB" in response.text
    token = shared_emu.http.post("/ims/token/v3", content=b"a=" + b"x" * 3_000_000,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert token.status_code == 413
    assert token.json()["error"] == "invalid_request"
    assert _job_count(shared_emu) == before
    assert shared_emu.get(JOBS, params={"limit": 1}).status_code == 200  # the server is fine


def test_streamed_body_without_length_is_limited(shared_emu: Emu) -> None:
    def chunks():
        yield b'{"fields": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}'

    response = shared_emu.post(JOBS, content=chunks(),
                               headers=dict(shared_emu.headers, **{"Content-Type": "application/json"}))
    assert response.status_code == 413


def test_no_500_anywhere_in_bad_request_log(shared_emu: Emu) -> None:
    """Runs last in this module: nothing above produced a server error."""
    assert not [r for r in shared_emu.server.requests if r.status >= 500]
