"""The Watcher wiring over fake APIs: bounded concurrency, one monitor per target, outputs isolated."""

from __future__ import annotations

import asyncio

from tests.fakes import T0, FakeJobsAPI, job_record
from tui.core.models import Target
from tui.monitor.history.store import HistoryStore
from tui.monitor.rules import Rules
from tui.monitor.watcher import Watcher


class Counting(FakeJobsAPI):
    shared = {"now": 0, "max": 0}

    async def list_jobs(self, **kw):
        self.shared["now"] += 1
        self.shared["max"] = max(self.shared["max"], self.shared["now"])
        try:
            await asyncio.sleep(0.01)
            return await super().list_jobs(**kw)
        finally:
            self.shared["now"] -= 1


def target(sandbox: str) -> Target:
    return Target(profile="p", org_id="ORG@AdobeOrg", sandbox=sandbox, platform_url="http://fake")


async def test_requests_of_all_targets_share_the_concurrency_limit(tmp_path):
    Counting.shared.update(now=0, max=0)
    apis = [Counting([job_record(1, "FAILED", created=T0 - 60_000)], target=target(f"sb{i}")) for i in range(6)]
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        watcher = Watcher(apis, rules=Rules(lookback_minutes=0), store=store, concurrency=2, clock=lambda: T0 / 1000)
        fired = await watcher.once()
    finally:
        store.close()
    assert Counting.shared["max"] == 2
    assert sorted(a.sandbox for a in fired) == [f"sb{i}" for i in range(6)]  # one monitor each, no mixing


async def test_a_failing_output_does_not_stop_the_others(tmp_path):
    class Broken:
        def send(self, _alert):
            raise RuntimeError("boom")

    class Keep:
        def __init__(self):
            self.got = []

        def send(self, alert):
            self.got.append(alert)

    keep = Keep()
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        api = FakeJobsAPI([job_record(1, "FAILED", created=T0 - 60_000)], target=target("prod"))
        watcher = Watcher([api], rules=Rules(), store=store, outputs=[Broken(), keep], clock=lambda: T0 / 1000)
        await watcher.once()
    finally:
        store.close()
    assert [a.job_id for a in keep.got] == ["1"]


async def test_run_stops_on_request_and_releases_the_poll(tmp_path):
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        api = FakeJobsAPI([job_record(1)], target=target("prod"))
        api.gate = asyncio.Event()  # the poll hangs until released
        entered = asyncio.Event()
        listing = api.list_jobs

        async def list_jobs(**kw):
            entered.set()
            return await listing(**kw)

        api.list_jobs = list_jobs
        watcher = Watcher([api], rules=Rules(), store=store)
        task = asyncio.create_task(watcher.run())
        await asyncio.wait_for(entered.wait(), 10)
        watcher.stop()
        await asyncio.wait_for(task, 10)
        assert not watcher.monitors[0].schedule.in_flight
    finally:
        store.close()


async def test_jobs_running_at_the_last_stop_are_followed_off_page(tmp_path):
    from tui.core.models import Job

    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        running = job_record(99, "PROCESSING", created=T0 - 600_000)
        store.upsert("ORG@AdobeOrg", "prod", [Job.parse(running)])
        records = [job_record(i, "SUCCEEDED", created=T0 - i * 1000) for i in range(1, 4)]
        api = FakeJobsAPI([*records, {**running, "status": "FAILED", "errors": [{"code": "E1", "msg": "x"}],
                                      "updateTime": T0 - 1000}], target=target("prod"))
        watcher = Watcher([api], rules=Rules(), store=store, clock=lambda: T0 / 1000)
        watcher.monitors[0].view = watcher.monitors[0].view.__class__(limit=3)  # job 99 is off the page
        fired = await watcher.once()
    finally:
        store.close()
    assert ("get_job", "99") in api.calls
    assert [(a.job_id, a.event) for a in fired] == [("99", "failed")]
