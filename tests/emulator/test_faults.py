"""Injected faults: 429 in both documented shapes, 5xx, latency; a faulted call changes nothing."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import DATASETS, JOBS, Emu


def test_429_alternates_both_shapes(make_emu) -> None:
    emu = make_emu(fault_rate_429=1.0)
    first, second, third = (emu.get(JOBS, params={"limit": 1}) for _ in range(3))
    assert first.status_code == second.status_code == third.status_code == 429
    assert first.json() == {"error_code": "429050", "message": "Too many requests"}
    assert first.headers["retry-after"] == "1"
    body = second.json()
    assert isinstance(body, list)
    assert body[0]["retryAfterMs"] == "500" and body[0]["statusCode"] == "429"
    assert body[0]["message"] == "Too many requests" and body[0]["cause"]
    assert "retry-after" not in second.headers
    assert third.json()["error_code"] == "429050"


def test_5xx_are_problem_json(make_emu) -> None:
    emu = make_emu(fault_rate_5xx=1.0)
    seen = set()
    for _ in range(12):
        response = emu.get(JOBS, params={"limit": 1})
        body = response.json()
        assert response.status_code in (500, 502, 503)
        assert body["status"] == response.status_code and body["title"] and body["detail"]
        seen.add(response.status_code)
    assert len(seen) >= 2


@pytest.mark.parametrize("rate", [{"fault_rate_429": 1.0}, {"fault_rate_5xx": 1.0}])
def test_faulted_calls_change_nothing(make_emu, rate: dict[str, float]) -> None:
    emu = make_emu()
    job_id = emu.create_job()["id"]
    dataset = emu.union_dataset()
    tenant = emu.server.store.tenant(emu.settings.org, emu.settings.sandbox)
    jobs_before, datasets_before = len(tenant.jobs), len(tenant.datasets)
    for name, value in rate.items():
        setattr(emu.settings, name, value)
    assert emu.post(JOBS, json={"destination": {"datasetId": dataset},
                                "schema": {"name": "_xdm.context.profile"}}).status_code >= 429
    assert emu.post(DATASETS, json={"name": "x", "schemaRef": {"id": "y"}}).status_code >= 429
    assert emu.delete(f"{JOBS}/{job_id}").status_code >= 429
    for name in rate:
        setattr(emu.settings, name, 0.0)
    assert len(tenant.jobs) == jobs_before and len(tenant.datasets) == datasets_before
    assert emu.get(f"{JOBS}/{job_id}").json()["status"] == "NEW"


def test_fault_share_is_partial_and_seeded(make_emu) -> None:
    def statuses() -> list[int]:
        emu = make_emu(fault_rate_429=0.25, fault_rate_5xx=0.25, seed=7)
        return [emu.get(JOBS, params={"limit": 1}).status_code for _ in range(40)]

    first = statuses()
    assert 200 in first and 429 in first and any(s >= 500 for s in first)
    assert statuses() == first


def test_latency_is_applied_per_platform_call(make_emu) -> None:
    emu = make_emu(latency_ms=(40, 60))
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    emu.server.app.state.faults.sleep = record
    emu.get(JOBS, params={"limit": 1})
    emu.get(DATASETS)
    emu.http.post("/ims/token/v3", data={"grant_type": "client_credentials"})  # IMS: no latency
    assert len(delays) == 2
    assert all(0.04 <= d <= 0.06 for d in delays)


def test_zero_latency_does_not_sleep(emu: Emu) -> None:
    calls: list[float] = []

    async def record(seconds: float) -> None:
        calls.append(seconds)

    emu.server.app.state.faults.sleep = record
    emu.get(JOBS, params={"limit": 1})
    assert calls == []
