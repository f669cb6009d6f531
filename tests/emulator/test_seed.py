"""Seeded demo data: deterministic, varied, in every state; and fast with 10,000 jobs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.emulator.conftest import START_MS
from tui.emulator.app import create_app
from tui.emulator.catalog import PROFILE_UNION_SCHEMA
from tui.emulator.clock import ManualClock
from tui.emulator.settings import EmulatorSettings
from tui.emulator.store import Store, Tenant


def _store(**overrides: Any) -> Store:
    settings = EmulatorSettings(port=0, **overrides)
    return create_app(settings, clock=ManualClock(START_MS)).state.store


def _tenant(store: Store) -> Tenant:
    return store.tenant(store.settings.org, store.settings.sandbox)


def _render_all(store: Store) -> list[dict[str, Any]]:
    tenant = _tenant(store)
    jobs, _ = store.list_jobs(tenant, before=None, limit=None, status=None, skip=0, now=START_MS)
    return [job.render(START_MS) for job in jobs]


def test_same_seed_same_data() -> None:
    a, b = _store(seed=3), _store(seed=3)
    assert _render_all(a) == _render_all(b)
    assert _tenant(a).datasets == _tenant(b).datasets
    assert _tenant(a).merge_policies == _tenant(b).merge_policies


def test_other_seed_other_data() -> None:
    assert _render_all(_store(seed=1)) != _render_all(_store(seed=2))


@pytest.fixture(scope="module")
def demo() -> tuple[Store, list[dict[str, Any]]]:
    store = _store(jobs=250)
    return store, _render_all(store)


def test_jobs_in_every_state(demo) -> None:
    _, jobs = demo
    counts = Counter(j["status"] for j in jobs)
    assert len(jobs) == 250
    assert set(counts) == {"NEW", "PROCESSING", "SUCCEEDED", "FAILED"}
    assert counts["SUCCEEDED"] > counts["FAILED"] > counts["PROCESSING"] + counts["NEW"]
    assert 2 <= counts["NEW"] + counts["PROCESSING"] <= 8


def test_stuck_jobs_run_far_longer_than_peers(demo) -> None:
    _, jobs = demo
    stuck = [j for j in jobs if j["status"] == "PROCESSING" and START_MS - j["creationTime"] > 5 * 3_600_000]
    assert len(stuck) >= 1
    finished = [j["metrics"]["totalTime"]["totalTimeInMs"] for j in jobs if j["status"] == "SUCCEEDED"]
    assert max(finished) < 30 * 60_000


def test_variety(demo) -> None:
    _, jobs = demo
    assert len({j.get("fields") for j in jobs}) >= 5
    assert any("eventList" in j.get("additionalFields", {}) for j in jobs)
    assert any(j.get("filter", {}).get("segments") for j in jobs)
    assert any(j["destination"]["segmentPerBatch"] for j in jobs)
    assert any(j["destination"].get("batches") for j in jobs)
    codes = {e["code"] for j in jobs if j["status"] == "FAILED" for e in j["errors"]}
    assert len(codes) >= 4
    created = [j["creationTime"] for j in jobs]
    assert START_MS - min(created) > 14 * 86_400_000
    assert max(created) <= START_MS
    assert len({j["mergePolicy"]["id"] for j in jobs}) == 3


def test_jobs_reference_existing_union_datasets_and_policies(demo) -> None:
    store, jobs = demo
    tenant = _tenant(store)
    policies = {p["id"]: p for p in tenant.merge_policies}
    for job in jobs:
        dataset = tenant.datasets[job["destination"]["dataSetId"]]
        assert dataset["schemaRef"]["id"] == PROFILE_UNION_SCHEMA
        assert job["mergePolicy"]["version"] == policies[job["mergePolicy"]["id"]]["version"]
    schemas = Counter(d["schemaRef"]["id"] == PROFILE_UNION_SCHEMA for d in tenant.datasets.values())
    assert schemas[True] >= 4 and schemas[False] == 1
    assert [p["default"] for p in tenant.merge_policies].count(True) == 1


def test_ids_increase_with_creation_time(demo) -> None:
    _, jobs = demo
    ordered = sorted(jobs, key=lambda j: j["creationTime"])
    ids = [j["id"] for j in ordered]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_active_jobs_finish_as_time_passes(demo) -> None:
    store, jobs = demo
    tenant = _tenant(store)
    later = START_MS + 40 * 60_000
    young_active = [r for r in jobs if r["status"] in ("NEW", "PROCESSING")
                    and START_MS - r["creationTime"] < 3_600_000]
    assert young_active, "the demo seed has young active jobs to watch finish"
    for record in young_active:
        assert tenant.jobs[record["id"]].status_at(later) in ("SUCCEEDED", "FAILED")


@pytest.mark.parametrize("n", [0, 1, 3, 12])
def test_small_job_counts(n: int) -> None:
    assert len(_render_all(_store(jobs=n))) == n


def test_ten_thousand_jobs_page_by_cursor() -> None:
    store = _store(jobs=10_000)
    tenant = _tenant(store)
    seen: list[int] = []
    before = None
    while True:
        page, more = store.list_jobs(tenant, before=before, limit=100, status=None, skip=0, now=START_MS)
        seen.extend(j.id for j in page)
        if not more:
            break
        before = page[-1].key
    assert len(seen) == len(set(seen)) == 10_000
    failed, _ = store.list_jobs(tenant, before=None, limit=100, status="FAILED", skip=0, now=START_MS)
    assert len(failed) == 100 and all(j.status_at(START_MS) == "FAILED" for j in failed)
