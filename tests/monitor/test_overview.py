"""The headless Overview: three emulated sandboxes whose counts equal the emulator's truth, types from
one available-sandboxes call per profile, an unreachable target that does not stall the others."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.api.emulator_support import emulator_client, emulator_profile
from tests.fakes import FakeJobsAPI
from tui.api.client import PlatformClient
from tui.core.models import Target
from tui.core.secret import Secret
from tui.emulator.clock import ManualClock
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings
from tui.monitor.overview import DAY_MS, JSON_KEYS, Overview

START_MS = 1_767_225_600_000
TYPES = {"prod": "production", "dev1": "development", "dev2": "development"}


def truth(srv: EmulatorServer, sandbox: str, now: int) -> dict:
    tenant = srv.store.tenant(srv.settings.org, sandbox)
    records = [job.render(now) for job in tenant.jobs.values()]
    by = lambda status: [r for r in records if r["status"] == status]  # noqa: E731
    ends = [r["updateTime"] for r in by("SUCCEEDED")]
    return {"counts": {"NEW": len(by("NEW")), "PROCESSING": len(by("PROCESSING"))},
            "failed_24h": sum(1 for r in by("FAILED") if r["updateTime"] >= now - DAY_MS),
            "last_success_ms": max(ends) if ends else None}


def client_for(srv: EmulatorServer, sandbox: str) -> PlatformClient:
    profile = dataclasses.replace(emulator_profile(srv), sandbox=sandbox)
    return PlatformClient(profile, Secret("emulator-secret"))


@pytest.fixture
def three():
    clock = ManualClock(START_MS)
    with EmulatorServer(EmulatorSettings(port=0, jobs=40, sandbox_types=TYPES), clock=clock) as srv:
        tenant = srv.store.tenant(srv.settings.org, "dev1")
        prod = srv.store.tenant(srv.settings.org, "prod")
        for job in list(prod.jobs.values())[-6:]:  # dev1 gets a few of the same shape (no HTTP needed)
            tenant.add_job(dataclasses.replace(job, id=job.id + 900_000))
        yield srv, clock


async def test_three_sandboxes_counts_equal_the_emulators_truth(three):
    srv, clock = three
    clients = [client_for(srv, name) for name in ("prod", "dev1", "dev2")]
    overview = Overview(clients, max_parallel=2, clock=lambda: clock.now_ms() / 1000)
    try:
        rows = await overview.refresh_all()
    finally:
        for c in clients:
            await c.aclose()
    sandbox_calls = [r for r in srv.requests if "sandbox-management" in r.path]
    assert len(sandbox_calls) == 1  # one call for the profile, not one per sandbox
    for row in rows:
        assert row.ok and row.error is None, row.error
        expected = truth(srv, row.sandbox, clock.now_ms())
        assert {"counts": row.counts, "failed_24h": row.failed_24h,
                "last_success_ms": row.last_success_ms} == expected, row.sandbox
        assert row.type == TYPES[row.sandbox]
    assert rows[0].counts["NEW"] + rows[0].counts["PROCESSING"] > 0  # the seeded sandbox has live jobs
    assert rows[2].counts == {"NEW": 0, "PROCESSING": 0} and rows[2].last_success_ms is None
    assert list(rows[0].to_dict()) == list(JSON_KEYS)


async def test_an_unreachable_target_does_not_stall_the_others(three):
    srv, clock = three
    stalled = FakeJobsAPI(target=Target("other", "OTHER@AdobeOrg", "prod", "http://fake"))
    stalled.gate = asyncio.Event()  # every call hangs until released
    good = [client_for(srv, "prod"), client_for(srv, "dev1")]
    overview = Overview([stalled, *good], max_parallel=2, clock=lambda: clock.now_ms() / 1000)
    try:
        await overview.learn_types()
        hung = asyncio.create_task(overview.refresh(0))
        await asyncio.sleep(0)
        assert overview.rows[0].in_flight
        for _round in range(2):  # the good rows refresh twice (on time) while the stalled one still hangs
            await asyncio.gather(overview.refresh(1), overview.refresh(2))
            assert all(r.ok for r in overview.rows[1:]) and not hung.done()
        assert overview.rows[0].type == "unknown" and overview.rows[0].is_production
        stalled.fail_with = ConnectionRefusedError("refused")
        stalled.gate.set()
        row = await hung
        assert row.ok is False and row.error and "\n" not in row.error
        assert overview.rows[1].ok  # still fine
    finally:
        for c in good:
            await c.aclose()


async def test_offered_lists_the_profiles_other_sandboxes(three):
    srv, clock = three
    async with emulator_client(srv) as client:
        overview = Overview([client], clock=lambda: clock.now_ms() / 1000)
        await overview.learn_types()
        assert [s.name for s in overview.offered("emulator")] == ["dev1", "dev2"]
        async with client_for(srv, "dev2") as extra:
            index = overview.add(extra)
            assert overview.rows[index].type == "development"  # from the list already fetched
            assert [s.name for s in overview.offered("emulator")] == ["dev1"]
