"""Export jobs over HTTP: create, get, list and paging, cancel (both variants), lifecycle on a manual clock."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.emulator.conftest import JOBS, START_MS, Emu
from tui.emulator.catalog import FAILURE_KINDS
from tui.emulator.jobs import Durations, build_schedule

UPS_BASE = "/data/core/ups"


def _fixed_durations() -> Durations:
    return Durations(queue=60_000, startup=10_000, export=120_000, gap=20_000, write=30_000, tail=5_000)


def _replan(emu: Emu, job_id: int, **kw: Any) -> None:
    """Give a created job a known schedule (its outcome is otherwise drawn from the seeded RNG)."""
    tenant = emu.server.store.tenant(emu.settings.org, emu.settings.sandbox)
    job = tenant.jobs[job_id]
    job.failure = kw.get("failure")
    job.schedule = build_schedule(job.created, _fixed_durations(), **kw)


def _walk(emu: Emu, first: str, params: dict[str, Any] | None = None) -> tuple[list[dict], list[str]]:
    """Follow link.next to the end; returns all records and the links followed."""
    response = emu.get(first, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    records, links = list(body["records"]), []
    while body["link"]["next"]:
        link = body["link"]["next"]
        links.append(link)
        assert link.startswith("/export/jobs/?limit=")
        body = emu.get(UPS_BASE + link).json()
        records.extend(body["records"])
        assert len(links) < 500
    return records, links


# --- create / get -----------------------------------------------------------------------------------
def test_create_returns_new_job(emu: Emu) -> None:
    dataset = emu.union_dataset()
    response = emu.post(JOBS, json={
        "fields": "identities.id,personalEmail.address",
        "destination": {"datasetId": dataset, "segmentPerBatch": False},
        "schema": {"name": "_xdm.context.profile"}})
    assert response.status_code == 200
    job = response.json()
    assert isinstance(job["id"], int)
    assert response.headers["x-location"].endswith(f"{JOBS}/{job['id']}")
    assert job["status"] == "NEW"
    assert job["jobType"] == "BATCH"
    assert job["profileInstanceId"] == "ups"
    assert job["computeGatewayJobId"] == {}
    assert job["metrics"] == {"totalTime": {"startTimeInMs": START_MS}}
    assert job["creationTime"] == job["updateTime"] == START_MS
    assert job["destination"] == {"dataSetId": dataset, "segmentPerBatch": False}
    assert job["fields"] == "identities.id,personalEmail.address"
    assert job["imsOrgId"] == emu.settings.org
    assert len(job["requestId"]) == 32
    assert "errors" not in job
    default = next(p for p in emu.get("/data/core/ups/config/mergePolicies").json()["children"] if p["default"])
    assert job["mergePolicy"] == {"id": default["id"], "version": default["version"]}


def test_create_echoes_optional_parts(emu: Emu) -> None:
    policy = emu.get("/data/core/ups/config/mergePolicies").json()["children"][1]
    extra = {"eventList": {"fields": "eventType", "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"}}}
    flt = {"segments": [{"segmentId": "7a93d2ff-a220-4bae-9a4e-5f3c35032be3"}],
           "fromIngestTimestamp": "2025-01-01T00:00:00Z"}
    response = emu.post(JOBS, headers=dict(emu.headers, **{"x-profile-instance-id": "custom"}), json={
        "mergePolicy": {"id": policy["id"], "version": 1}, "additionalFields": extra, "filter": flt,
        "destination": {"datasetId": emu.union_dataset(), "segmentPerBatch": True},
        "schema": {"name": "_xdm.context.profile"}})
    job = response.json()
    assert response.status_code == 200
    assert job["mergePolicy"] == {"id": policy["id"], "version": 1}
    assert job["additionalFields"] == extra
    assert job["filter"] == flt
    assert job["profileInstanceId"] == "custom"
    assert job["destination"]["segmentPerBatch"] is True


def test_create_accepts_an_integral_number_version(emu: Emu) -> None:
    """The spec types mergePolicy.version as number and its own example is 1.0."""
    policy = emu.get("/data/core/ups/config/mergePolicies").json()["children"][1]
    response = emu.post(JOBS, json={"mergePolicy": {"id": policy["id"], "version": 1.0},
                                    "destination": {"datasetId": emu.union_dataset()},
                                    "schema": {"name": "_xdm.context.profile"}})
    assert response.status_code == 200, response.text
    assert response.json()["mergePolicy"]["version"] == 1
    fractional = emu.post(JOBS, json={"mergePolicy": {"id": policy["id"], "version": 1.5},
                                      "destination": {"datasetId": emu.union_dataset()},
                                      "schema": {"name": "_xdm.context.profile"}})
    assert fractional.status_code == 400


def test_segment_definitions_are_seeded_for_every_segment_a_job_names(emu: Emu) -> None:
    tenant = emu.server.store.tenant(emu.settings.org, emu.settings.sandbox)
    named = {s["segmentId"] for job in tenant.jobs.values() for s in (job.filter or {}).get("segments") or []}
    assert named and named <= set(tenant.segments)
    segment_id = sorted(named)[0]
    found = emu.get(f"{UPS_BASE}/segment/definitions/{segment_id}")
    assert found.status_code == 200 and found.json()["id"] == segment_id
    missing = emu.get(f"{UPS_BASE}/segment/definitions/no-such-segment")
    assert missing.status_code == 404 and "no-such-segment" in missing.text


def test_create_with_trailing_slash(emu: Emu) -> None:
    response = emu.post(f"{JOBS}/", json={"destination": {"datasetId": emu.union_dataset()},
                                          "schema": {"name": "_xdm.context.profile"}})
    assert response.status_code == 200


def test_get_uses_dataSetId_and_list_uses_datasetId(emu: Emu) -> None:
    job = emu.create_job()
    got = emu.get(f"{JOBS}/{job['id']}").json()
    assert got == job
    assert "dataSetId" in got["destination"] and "datasetId" not in got["destination"]
    listed = next(r for r in emu.get(JOBS).json()["records"] if r["id"] == job["id"])
    assert "datasetId" in listed["destination"] and "dataSetId" not in listed["destination"]


@pytest.mark.parametrize("job_id", ["999999999", "abc", "12abc", "-1", "99999999999999999999999"])
def test_get_unknown_job_is_ups_404(shared_emu: Emu, job_id: str) -> None:
    response = shared_emu.get(f"{JOBS}/{job_id}")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == 404
    assert body["errors"]["404"][0]["code"] == "UPAPI-113430-404"
    assert job_id in body["errors"]["404"][0]["message"]
    assert body["requestId"] == response.headers["x-request-id"]


# --- list -------------------------------------------------------------------------------------------
def test_list_shape_and_order(shared_emu: Emu) -> None:
    body = shared_emu.get(JOBS, params={"limit": 5}).json()
    assert set(body) == {"records", "page", "link"}
    records = body["records"]
    assert len(records) == 5
    keys = [(r["creationTime"], r["id"]) for r in records]
    assert keys == sorted(keys, reverse=True)
    last = records[-1]
    cursor = f"{last['creationTime']}_{last['id']}"
    assert body["page"] == {"sortField": "createdTime", "sort": "desc", "pageOffset": cursor, "pageSize": 5}
    assert body["link"]["next"] == f"/export/jobs/?limit=5&offset={cursor}"


def test_list_without_params_returns_all(shared_emu: Emu) -> None:
    body = shared_emu.get(JOBS).json()
    assert len(body["records"]) == 40
    assert body["link"]["next"] == ""
    assert shared_emu.get(f"{JOBS}/").json() == body


def test_paging_to_the_end_by_link_next(make_emu) -> None:
    emu = make_emu(jobs=250)
    everything = emu.get(JOBS).json()["records"]
    for path in (JOBS, f"{JOBS}/"):
        records, links = _walk(emu, path, {"limit": 7})
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) == 250
        assert ids == [r["id"] for r in everything]
        assert len(links) == 250 // 7
    last = emu.get(UPS_BASE + links[-1]).json()
    assert last["link"]["next"] == "" and last["page"]["pageSize"] == 250 % 7


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED", "PROCESSING", "NEW"])
def test_paging_with_status_filter(make_emu, status: str) -> None:
    emu = make_emu(jobs=250)
    expected = [r["id"] for r in emu.get(JOBS).json()["records"] if r["status"] == status]
    assert expected
    records, links = _walk(emu, JOBS, {"limit": 4, "status": status})
    assert [r["id"] for r in records] == expected
    assert all(r["status"] == status for r in records)
    assert all(link.endswith(f"&status={status}") for link in links)


def test_exact_multiple_has_empty_next_on_last_page(make_emu) -> None:
    emu = make_emu(jobs=20)
    records, links = _walk(emu, JOBS, {"limit": 10})
    assert len(records) == 20 and len(links) == 1


def test_start_and_page_parameters(shared_emu: Emu) -> None:
    everything = [r["id"] for r in shared_emu.get(JOBS).json()["records"]]
    by_page = shared_emu.get(JOBS, params={"limit": 5, "page": 2}).json()["records"]
    assert [r["id"] for r in by_page] == everything[5:10]
    by_start = shared_emu.get(JOBS, params={"limit": 5, "start": 3}).json()["records"]
    assert [r["id"] for r in by_start] == everything[3:8]


def test_sort_applies_within_the_page_only(shared_emu: Emu) -> None:
    plain = shared_emu.get(JOBS, params={"limit": 10}).json()
    sorted_page = shared_emu.get(JOBS, params={"limit": 10, "sort": "updateTime:asc"}).json()
    assert {r["id"] for r in sorted_page["records"]} == {r["id"] for r in plain["records"]}
    updates = [r["updateTime"] for r in sorted_page["records"]]
    assert updates == sorted(updates)
    assert sorted_page["page"]["sortField"] == "updateTime" and sorted_page["page"]["sort"] == "asc"
    assert sorted_page["link"]["next"] == plain["link"]["next"]


@pytest.mark.parametrize(("params", "name"), [
    ({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"), ({"limit": "-3"}, "limit"),
    ({"offset": "yesterday"}, "offset"), ({"offset": "123-45"}, "offset"),
    ({"status": "CANCELLED"}, "status"), ({"status": "succeeded"}, "status"),
    ({"start": "x"}, "start"), ({"page": "2"}, "page"), ({"limit": "5", "page": "0"}, "page"),
    ({"sort": "name:asc"}, "sort"), ({"sort": "updateTime:up"}, "sort"),
])
def test_bad_list_parameters_are_400(shared_emu: Emu, params: dict[str, str], name: str) -> None:
    response = shared_emu.get(JOBS, params=params)
    assert response.status_code == 400
    message = response.json()["errors"]["400"][0]["message"]
    assert name in message


def test_offset_of_unknown_cursor_still_pages(shared_emu: Emu) -> None:
    """A cursor is a position, not a lookup: any {creationTimeMs}_{id} works."""
    body = shared_emu.get(JOBS, params={"limit": 3, "offset": f"{START_MS - 86_400_000}_1"}).json()
    assert all(r["creationTime"] < START_MS - 86_400_000 for r in body["records"])


# --- lifecycle --------------------------------------------------------------------------------------
def test_lifecycle_success(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    _replan(emu, job_id)
    url = f"{JOBS}/{job_id}"

    def at(offset_ms: int) -> dict[str, Any]:
        emu.clock.set(START_MS + offset_ms)
        return emu.get(url).json()

    job = at(59_999)
    assert job["status"] == "NEW" and job["computeGatewayJobId"] == {}
    job = at(60_000)
    assert job["status"] == "PROCESSING"
    assert set(job["computeGatewayJobId"]) == {"exportJob"}
    assert set(job["metrics"]) == {"totalTime"} and job["updateTime"] == START_MS + 60_000
    job = at(100_000)
    assert job["metrics"]["profileExportTime"] == {"startTimeInMs": START_MS + 70_000}
    assert "batchId" not in job["destination"]
    job = at(200_000)
    assert job["metrics"]["profileExportTime"]["totalTimeInMs"] == 120_000
    assert "aCPDatasetWriteTime" not in job["metrics"]
    job = at(215_000)
    assert set(job["computeGatewayJobId"]) == {"exportJob", "pushJob"}
    assert job["metrics"]["aCPDatasetWriteTime"] == {"startTimeInMs": START_MS + 210_000}
    assert len(job["destination"]["batchId"]) == 32
    assert job["status"] == "PROCESSING"
    job = at(245_000)
    assert job["status"] == "SUCCEEDED"
    assert job["metrics"]["totalTime"] == {"startTimeInMs": START_MS, "endTimeInMs": START_MS + 245_000,
                                           "totalTimeInMs": 245_000}
    assert job["metrics"]["aCPDatasetWriteTime"]["totalTimeInMs"] == 30_000
    assert job["updateTime"] == START_MS + 245_000
    assert "errors" not in job
    assert at(10 * 86_400_000) == job  # final jobs never change


@pytest.mark.parametrize("kind", range(len(FAILURE_KINDS)))
def test_lifecycle_failure(emu: Emu, kind: int) -> None:
    job_id = emu.create_job()["id"]
    failure = FAILURE_KINDS[kind]
    _replan(emu, job_id, failure=failure, fail_fraction=0.5)
    emu.clock.set(START_MS + 3_600_000)
    job = emu.get(f"{JOBS}/{job_id}").json()
    assert job["status"] == "FAILED"
    assert job["destination"]["batchId"] == ""
    assert [e["code"] for e in job["errors"]] == [code for code, _, _ in failure.errors]
    assert all(e["msg"] and e["callStack"] for e in job["errors"])
    assert ("aCPDatasetWriteTime" in job["metrics"]) == (failure.phase == "write")
    assert job["metrics"]["totalTime"]["endTimeInMs"] == job["updateTime"]
    listed = emu.get(JOBS, params={"status": "FAILED", "limit": 100}).json()["records"]
    assert job_id in [r["id"] for r in listed]


def test_stuck_job_stays_processing(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    _replan(emu, job_id, stuck=True)
    emu.clock.set(START_MS + 3 * 86_400_000)
    job = emu.get(f"{JOBS}/{job_id}").json()
    assert job["status"] == "PROCESSING"
    assert "endTimeInMs" not in job["metrics"]["profileExportTime"]
    assert "endTimeInMs" not in job["metrics"]["totalTime"]


def test_created_jobs_progress_on_their_own(emu: Emu) -> None:
    ids = [emu.create_job()["id"] for _ in range(8)]
    emu.clock.advance(2 * 3_600_000)
    statuses = [emu.get(f"{JOBS}/{i}").json()["status"] for i in ids]
    assert all(s in ("SUCCEEDED", "FAILED", "PROCESSING") for s in statuses)
    assert "SUCCEEDED" in statuses


# --- cancel -----------------------------------------------------------------------------------------
def test_cancel_204_and_post_cancel_representation(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    _replan(emu, job_id)
    emu.clock.set(START_MS + 100_000)  # exporting
    response = emu.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 204
    assert response.content == b""
    job = emu.get(f"{JOBS}/{job_id}").json()
    assert job["status"] == "FAILED"
    assert job["errors"] == [{"code": "EMULATOR-CANCELLED",
                              "msg": "Export job was cancelled at the user's request.", "callStack": ""}]
    assert job["updateTime"] == START_MS + 100_000
    assert job["metrics"]["totalTime"] == {"startTimeInMs": START_MS, "endTimeInMs": START_MS + 100_000,
                                           "totalTimeInMs": 100_000}
    assert job["metrics"]["profileExportTime"]["endTimeInMs"] == START_MS + 100_000
    assert "aCPDatasetWriteTime" not in job["metrics"]
    assert job["destination"]["batchId"] == ""
    emu.clock.advance(86_400_000)
    assert emu.get(f"{JOBS}/{job_id}").json() == job  # it stopped progressing


def test_cancel_200_variant(make_emu) -> None:
    emu = make_emu(cancel_response=200)
    job_id = emu.create_job()["id"]
    response = emu.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 200
    assert response.json() == {"status": True, "message": "Export job has been marked for cancelling"}
    assert emu.get(f"{JOBS}/{job_id}").json()["status"] == "FAILED"


def test_cancel_new_job(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    assert emu.delete(f"{JOBS}/{job_id}").status_code == 204
    job = emu.get(f"{JOBS}/{job_id}").json()
    assert job["computeGatewayJobId"] == {}
    assert job["metrics"]["totalTime"]["totalTimeInMs"] == 0


def test_cancel_finished_job_is_400(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    _replan(emu, job_id)
    emu.clock.set(START_MS + 3_600_000)
    response = emu.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 400
    assert "already SUCCEEDED; only NEW or PROCESSING" in response.json()["errors"]["400"][0]["message"]
    assert emu.get(f"{JOBS}/{job_id}").json()["status"] == "SUCCEEDED"


def test_cancel_twice_is_400(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    assert emu.delete(f"{JOBS}/{job_id}").status_code == 204
    response = emu.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 400
    assert "already FAILED" in response.text


@pytest.mark.parametrize("job_id", ["1", "abc"])
def test_cancel_unknown_is_404(shared_emu: Emu, job_id: str) -> None:
    response = shared_emu.delete(f"{JOBS}/{job_id}")
    assert response.status_code == 404
    assert response.json()["errors"]["404"][0]["code"] == "UPAPI-113430-404"


def test_cancel_is_recorded(emu: Emu) -> None:
    job_id = emu.create_job()["id"]
    emu.delete(f"{JOBS}/{job_id}")
    assert [(r.method, r.status) for r in emu.server.requests if r.path == f"{JOBS}/{job_id}"] == [
        ("DELETE", 204)]


def test_concurrent_creates_and_lists_stay_consistent(emu: Emu) -> None:
    dataset = emu.union_dataset()
    payload = {"destination": {"datasetId": dataset}, "schema": {"name": "_xdm.context.profile"}}

    def worker(_: int) -> list[int]:
        with httpx.Client(base_url=emu.server.base_url, headers=emu.headers, timeout=10) as client:
            ids = []
            for _ in range(10):
                response = client.post(JOBS, json=payload)
                assert response.status_code == 200
                ids.append(response.json()["id"])
                assert client.get(JOBS, params={"limit": 5}).status_code == 200
            return ids

    with ThreadPoolExecutor(max_workers=6) as pool:
        created = [i for ids in pool.map(worker, range(6)) for i in ids]
    assert len(set(created)) == 60
    records, _ = _walk(emu, JOBS, {"limit": 25})
    listed = [r["id"] for r in records]
    assert len(listed) == len(set(listed)) == 40 + 60
    assert set(created) <= set(listed)


def test_speed_compresses_live_lifecycles_but_not_timestamps(make_emu: Callable[..., Emu]) -> None:
    """--speed 100: created jobs run their whole lifecycle in 1/100 of the realistic time, while their
    timestamps stay on the wall-clock time line the console compares them with."""
    emu = make_emu(speed=100.0)
    jobs = [emu.create_job() for _ in range(5)]
    assert all(job["creationTime"] == START_MS for job in jobs)
    emu.clock.set(START_MS + 11_400)  # the slowest realistic lifecycle is under 19 minutes; /100 is < 11.4 s
    finals = [emu.get(f"{JOBS}/{job['id']}").json() for job in jobs]
    assert [f["status"] for f in finals].count("PROCESSING") == 0
    assert all(f["metrics"]["totalTime"]["totalTimeInMs"] <= 11_400 for f in finals)
