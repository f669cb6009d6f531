"""The headless monitor over a fake API and a fake clock: followed jobs, transitions, backoff."""

from __future__ import annotations

from tests.fakes import T0, FakeJobsAPI, job_record
from tui.core.errors import NetworkError, RateLimitedError
from tui.core.models import Job
from tui.monitor import (
    ApiRecovered,
    ApiUnreachable,
    JobStuck,
    JobsUpdated,
    JobTransition,
    ListQuery,
    Monitor,
    PollFinished,
)


class Clock:
    def __init__(self, now: float = T0 / 1000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(records, **kwargs):
    api = FakeJobsAPI(records)
    clock = Clock()
    monitor = Monitor(api, clock=clock, interval=10, **kwargs)
    events: list = []
    monitor.subscribe(events.append)
    return api, clock, monitor, events


def kinds(events, cls=JobTransition):
    return [(e.job.id, e.kind) for e in events if isinstance(e, cls)]


async def test_followed_jobs_are_refreshed_while_off_page():
    records = [job_record(i, "PROCESSING" if i == 1 else "SUCCEEDED") for i in range(1, 8)]
    api, _clock, monitor, events = make(records)
    await monitor.poll_once(ListQuery(limit=3))  # page 1 holds jobs 1..3 (newest first)
    assert "1" in monitor.followed
    api.records["1"] = job_record(1, "SUCCEEDED")
    await monitor.poll_once(ListQuery(cursor="3", limit=3))  # the host shows page 2
    assert api.calls[-1] == ("get_job", "1")
    assert kinds(events) == [("1", "succeeded")]
    assert monitor.followed == ()
    await monitor.poll_once(ListQuery(cursor="3", limit=3))
    assert api.count("get_job") == 1  # final: no longer followed
    assert kinds(events) == [("1", "succeeded")]  # once


async def test_a_followed_job_on_the_page_costs_no_extra_get():
    api, _, monitor, _events = make([job_record(1, "PROCESSING"), job_record(2)])
    await monitor.poll_once()
    await monitor.poll_once()
    assert api.count("get_job") == 0 and api.count("list_jobs") == 2


async def test_transitions_emitted_once_each_in_order():
    api, _, monitor, events = make([job_record(1, "NEW")])
    await monitor.poll_once()
    api.records["1"] = job_record(1, "PROCESSING")
    await monitor.poll_once()
    await monitor.poll_once()
    api.records["1"] = job_record(1, "FAILED")
    await monitor.poll_once()
    await monitor.poll_once()
    assert kinds(events) == [("1", "started"), ("1", "failed")]
    failed = [e for e in events if isinstance(e, JobTransition)][-1]
    assert failed.previous == "PROCESSING" and failed.job.errors


async def test_jobs_first_seen_final_are_not_announced():
    _, _, monitor, events = make([job_record(1, "SUCCEEDED"), job_record(2, "FAILED")])
    await monitor.poll_once()
    assert kinds(events) == []
    assert any(isinstance(e, JobsUpdated) and e.source == "page" for e in events)


async def test_max_followed_oldest_checked_first():
    records = [job_record(i, "PROCESSING") for i in range(1, 8)]
    api, clock, monitor, _ = make(records, max_followed=2)
    await monitor.poll_once(ListQuery(limit=7))
    assert len(monitor.followed) == 7
    query = ListQuery(status="FAILED")  # a view none of them is in
    clock.now += 10
    await monitor.poll_once(query)
    first = [a for n, a in api.calls if n == "get_job"]
    assert len(first) == 2
    clock.now += 10
    await monitor.poll_once(query)
    second = [a for n, a in api.calls if n == "get_job"][2:]
    assert len(second) == 2 and not set(first) & set(second)  # the least recently checked next


async def test_follow_a_launched_job_and_a_vanished_one_is_dropped():
    api, _, monitor, events = make([job_record(1)])
    launched = Job.parse(job_record(50, "NEW"))
    monitor.follow(launched)
    assert "50" in monitor.followed
    await monitor.poll_once()
    assert ("get_job", "50") in api.calls  # NotFound in the fake: unfollowed, not an error
    assert "50" not in monitor.followed
    assert [e.ok for e in events if isinstance(e, PollFinished)] == [True]


async def test_backoff_retry_after_and_api_down_then_recovered():
    api, clock, monitor, events = make([job_record(1)])
    api.fail_with = NetworkError("Cannot reach Platform; check the network.")
    assert await monitor.poll_once() == 10
    assert await monitor.poll_once() == 20
    api.fail_with = RateLimitedError("Slow down.", retry_after=120)
    assert await monitor.poll_once() == 120
    assert monitor.schedule.stale and monitor.schedule.error == "Slow down."
    down = [e for e in events if isinstance(e, ApiUnreachable)]
    assert len(down) == 1 and down[0].sentence == "Cannot reach Platform; check the network."
    api.fail_with = None
    clock.now += 300
    assert await monitor.poll_once() == 10
    recovered = [e for e in events if isinstance(e, ApiRecovered)]
    assert len(recovered) == 1 and recovered[0].down_seconds == 300
    assert not monitor.schedule.stale


async def test_polls_never_overlap():
    import asyncio

    api, _, monitor, _ = make([job_record(1)])
    api.gate = asyncio.Event()
    first = asyncio.create_task(monitor.poll_once())
    await asyncio.sleep(0)
    assert await monitor.poll_once() is None  # dropped while one is in flight
    api.gate.set()
    assert await first == 10
    assert api.max_in_flight == 1


async def test_stuck_is_emitted_once_against_todays_rule():
    records = [job_record(2, "SUCCEEDED", duration_s=600), job_record(1, "PROCESSING", created=T0)]
    _api, clock, monitor, events = make(records, stuck_factor=3.0)
    await monitor.poll_once()
    assert not [e for e in events if isinstance(e, JobStuck)]
    clock.now = T0 / 1000 + 1801
    await monitor.poll_once()
    await monitor.poll_once()
    stuck = [e for e in events if isinstance(e, JobStuck)]
    assert len(stuck) == 1 and stuck[0].job.id == "1" and stuck[0].baseline.kind == "today"
    assert stuck[0].baseline.value_ms == 600_000


async def test_a_failing_subscriber_does_not_stop_the_others():
    _api, _, monitor, events = make([job_record(1)])
    monitor.subscribe(lambda e: 1 / 0)
    seen = []
    monitor.subscribe(seen.append)
    await monitor.poll_once()
    assert seen and events


async def test_run_loop_polls_on_the_schedule_with_a_fake_sleep():
    api, _, monitor, _ = make([job_record(1)])
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 3:
            monitor.stop()

    api.fail_with = NetworkError("down")
    await monitor.run(sleep=sleep)
    assert delays == [10, 20, 40] and api.count("list_jobs") == 3


async def test_pause_skips_polls_in_the_run_loop():
    api, _, monitor, _ = make([job_record(1)])
    monitor.schedule.paused = True
    calls = []

    async def sleep(delay: float) -> None:
        calls.append(delay)
        monitor.stop()

    await monitor.run(sleep=sleep)
    assert api.count("list_jobs") == 0 and calls == [10]


async def test_records_go_to_the_store_and_stuck_uses_its_payload_baseline(tmp_path):
    from tui.monitor.history import HistoryStore

    store = HistoryStore.open(tmp_path / "h.sqlite3")
    earlier = [job_record(100 + i, "SUCCEEDED", duration_s=300, created=T0 - 10**8 - i) for i in range(6)]
    store.upsert("TEST@AdobeOrg", "prod", [Job.parse(r) for r in earlier])
    _api, clock, monitor, events = make([job_record(1, "PROCESSING", created=T0)], store=store)
    clock.now = T0 / 1000 + 901  # 15 min: over 3 × 5 min
    await monitor.poll_once()
    stuck = [e for e in events if isinstance(e, JobStuck)]
    assert len(stuck) == 1 and stuck[0].baseline.kind == "payload" and stuck[0].baseline.samples == 6
    assert "p95 of 6 earlier runs of this payload" in stuck[0].baseline.describe()
    assert store.flush(10)
    assert store.count("TEST@AdobeOrg", "prod") == 7
    store.close()


async def test_history_problem_is_emitted_once(tmp_path, monkeypatch):
    import sqlite3

    from tui.monitor import HistoryProblem
    from tui.monitor.history import HistoryStore

    store = HistoryStore.open(tmp_path / "h.sqlite3")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_upsert", full)
    api, _, monitor, events = make([job_record(1)], store=store)
    await monitor.poll_once()
    store.flush(10)
    await monitor.poll_once()
    await monitor.poll_once()
    problems = [e for e in events if isinstance(e, HistoryProblem)]
    assert len(problems) == 1 and "disk is full" in problems[0].sentence
    assert api.count("list_jobs") == 3  # polling goes on
    store.close()


async def test_a_failing_followed_get_keeps_the_page_and_a_429_backs_off():
    api, _, monitor, _ = make([job_record(1, "PROCESSING"), job_record(2)])
    await monitor.poll_once()
    original = api.get_job

    async def flaky(job_id):
        raise NetworkError("Cannot reach Platform; check the network.")

    api.get_job = flaky
    result = await monitor.refresh(ListQuery(status="SUCCEEDED"))  # job 1 is off this view
    assert result.page.jobs and result.followed == () and "Cannot reach" in result.followed_error

    async def limited(job_id):
        raise RateLimitedError("Slow down.", retry_after=60)

    api.get_job = limited
    assert await monitor.poll_once(ListQuery(status="SUCCEEDED")) == 60
    api.get_job = original
