import json

from tui.core.fingerprint import canonical, fingerprint, request_from_record

RECORD = {
    "id": 24115, "status": "FAILED", "jobType": "BATCH", "requestId": "r1", "imsOrgId": "o@AdobeOrg",
    "fields": "identities.id, personalEmail.address",
    "mergePolicy": {"id": "mp1", "version": 1},
    "filter": {"segments": [{"segmentId": "s1", "segmentNs": "ups", "status": ["realized"]}]},
    "additionalFields": {"eventList": {"fields": "environment.browserDetails.name",
                                       "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"}}},
    "destination": {"dataSetId": "ds1", "segmentPerBatch": False, "batchId": "b1"},
    "schema": {"name": "_xdm.context.profile"},
    "metrics": {"totalTime": {"startTimeInMs": 1}},
}


def test_request_from_record_keeps_request_fields_only_in_request_spelling():
    request, missing = request_from_record(RECORD)
    assert missing == []
    assert set(request) == {"fields", "mergePolicy", "filter", "additionalFields", "destination", "schema"}
    assert request["destination"] == {"datasetId": "ds1", "segmentPerBatch": False}
    assert "id" not in request and "metrics" not in request and "status" not in request


def test_request_from_record_reports_what_is_missing():
    request, missing = request_from_record({"id": 1, "destination": {"batchId": "b"}, "schema": "x"})
    assert request == {}
    assert missing == ["destination.datasetId", "schema.name"]


def test_fingerprint_ignores_key_order_whitespace_spelling_and_server_fields():
    request, _ = request_from_record(RECORD)
    shuffled = json.loads(json.dumps(request))
    shuffled["destination"] = {"segmentPerBatch": False, "datasetId": "ds1"}
    shuffled["fields"] = "identities.id,personalEmail.address"
    shuffled["mergePolicy"] = {"version": 1.0, "id": "mp1"}
    assert fingerprint(RECORD) == fingerprint(request) == fingerprint(shuffled)
    assert len(fingerprint(RECORD)) == 16


def test_fingerprint_changes_with_the_request():
    request, _ = request_from_record(RECORD)
    other = dict(request, destination={"datasetId": "ds2"})
    assert fingerprint(other) != fingerprint(request)
    assert canonical({"destination": {"datasetId": "d", "segmentPerBatch": True}}) != canonical(
        {"destination": {"datasetId": "d"}})
