"""The rules of aepx watch, pure: events + a clock → alerts, once per job and event (MemoryLedger and store)."""

from __future__ import annotations

from tests.fakes import T0, job_record
from tui.core.models import Job, Target
from tui.monitor import events as ev
from tui.monitor.history.baselines import Baseline
from tui.monitor.history.store import HistoryStore
from tui.monitor.rules import MemoryLedger, RuleEngine, Rules

TARGET = Target(profile="emu", org_id="ORG@AdobeOrg", sandbox="prod", platform_url="http://x")
MIN = 60_000


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> float:
        return self.now_ms / 1000


def job(job_id: int, status: str, **kw) -> Job:
    return Job.parse(job_record(job_id, status, **kw))


def updated(*jobs: Job) -> ev.JobsUpdated:
    return ev.JobsUpdated(TARGET, tuple(jobs), "page")


def poll(ok: bool = True, sentence: str | None = None) -> ev.PollFinished:
    return ev.PollFinished(TARGET, ok, 15.0, sentence)


def engine(rules: Rules | None = None, ledger=None, clock: Clock | None = None):
    clock = clock or Clock()
    return RuleEngine(rules or Rules(), ledger if ledger is not None else MemoryLedger(), clock=clock), clock


def test_the_alert_line_reads_as_one_sentence_when_the_server_message_ends_with_a_stop():
    """Seen in `aepx watch --once`: "error EMULATOR-CANCELLED Export job was cancelled….; open it with"."""
    from tui.monitor.rules import Alert

    alert = Alert(event="failed", org="o", sandbox="prod", profile="emu", job_id="7", status="FAILED", at_ms=0,
                  error_code="EMULATOR-CANCELLED", error_message="Export job was cancelled at the user's request.",
                  command="aepx -p emu jobs show 7")
    assert "error EMULATOR-CANCELLED: Export job was cancelled at the user's request; open it with:" in alert.message


def test_failed_fires_once_and_carries_the_fields():
    rules, _clock = engine()
    failed = job(7, "FAILED", created=T0 - 20 * MIN, duration_s=300)
    first = rules.handle(updated(failed))
    assert [(a.event, a.job_id) for a in first] == [("failed", "7")]
    alert = first[0]
    data = alert.to_dict()
    assert {"event", "org", "sandbox", "profile", "job_id", "status", "at", "message"} <= set(data)
    assert data["job_id"] == "7" and data["status"] == "FAILED" and data["at"] == T0
    assert data["error_code"] == "0090000009" and data["duration_ms"] == 300_000
    assert data["command"] == "aepx -p emu jobs show 7"
    assert "Job failed: job 7" in alert.message and "5m 00s" in alert.message
    assert rules.handle(updated(failed)) == []  # once
    assert rules.handle(poll()) == []


def test_succeeded_is_off_by_default_and_on_when_asked():
    done = job(3, "SUCCEEDED", created=T0 - 20 * MIN)
    off, _ = engine()
    assert off.handle(updated(done)) == []
    on, _ = engine(Rules(succeeded=True))
    assert [a.event for a in on.handle(updated(done))] == ["succeeded"]


def test_jobs_that_ended_before_the_lookback_are_old_news():
    old = job(1, "FAILED", created=T0 - 5 * 60 * MIN, duration_s=60)
    rules, _ = engine()
    assert rules.handle(updated(old)) == []
    unlimited, _ = engine(Rules(lookback_minutes=0))
    assert len(unlimited.handle(updated(old))) == 1


def test_queued_too_long_fires_once_as_time_passes():
    rules, clock = engine(Rules(max_queue_minutes=30))
    queued = job(5, "NEW", created=T0 - 10 * MIN)
    assert rules.handle(updated(queued)) == []
    clock.now_ms += 25 * MIN  # 35 minutes in the queue: a poll without a new record still notices
    fired = rules.handle(poll())
    assert [(a.event, a.job_id) for a in fired] == [("queued_too_long", "5")]
    assert "35m" in fired[0].message and "limit of 30 minutes" in fired[0].message
    clock.now_ms += MIN
    assert rules.handle(updated(queued)) == [] and rules.handle(poll()) == []


def test_runtime_limit_off_by_default_and_once_when_set():
    running = job(9, "PROCESSING", created=T0 - 90 * MIN)
    off, _ = engine()
    assert off.handle(updated(running)) == [] and off.handle(poll()) == []
    on, _ = engine(Rules(max_runtime_minutes=60))
    assert [a.event for a in on.handle(updated(running))] == ["runtime_exceeded"]
    assert on.handle(poll()) == []


def test_stuck_comes_from_the_monitor_event_with_its_baseline():
    rules, _ = engine()
    running = job(4, "PROCESSING", created=T0 - 50 * MIN)
    stuck = ev.JobStuck(TARGET, running, 50 * MIN, 3.0, Baseline("payload", 10 * MIN, 12))
    fired = rules.handle(stuck)
    assert [a.event for a in fired] == ["stuck"]
    assert "the p95 of 12 earlier runs of this payload" in fired[0].baseline
    assert rules.handle(stuck) == []
    off, _ = engine(Rules(stuck_factor=0))
    assert off.handle(stuck) == []


def test_api_down_after_the_threshold_then_recovered_once():
    rules, clock = engine(Rules(api_down_minutes=10))
    assert rules.handle(poll(False, "Could not reach x.")) == []
    clock.now_ms += 5 * MIN
    assert rules.handle(poll(False, "Could not reach x.")) == []
    clock.now_ms += 6 * MIN
    down = rules.handle(poll(False, "Could not reach x."))
    assert [(a.event, a.job_id, a.status) for a in down] == [("api_down", None, "DOWN")]
    assert "job_id" not in down[0].to_dict() and "Could not reach x." in down[0].message
    clock.now_ms += 30 * MIN
    assert rules.handle(poll(False)) == []  # one alert per outage, however long
    up = rules.handle(poll(True))
    assert [a.event for a in up] == ["api_recovered"] and "41m" in up[0].message
    assert rules.handle(poll(True)) == []


def test_a_short_blip_alerts_nothing():
    rules, clock = engine(Rules(api_down_minutes=10))
    assert rules.handle(poll(False)) == []
    clock.now_ms += 2 * MIN
    assert rules.handle(poll(True)) == []
    clock.now_ms += 9 * MIN
    assert rules.handle(poll(False)) == []  # a new outage: its own clock


def test_restarts_never_repeat_and_an_outage_spans_them(tmp_path):
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        clock = Clock()
        first = RuleEngine(Rules(), store, clock=clock)
        failed = job(7, "FAILED", created=T0 - 20 * MIN)
        assert len(first.handle(updated(failed))) == 1
        assert first.handle(poll(False)) == []  # the outage begins (recorded)
        clock.now_ms += 4 * MIN
        # restart: a new engine on the same store, as a cron `--once` would be
        second = RuleEngine(Rules(), store, clock=clock)
        assert second.handle(updated(failed)) == []
        clock.now_ms += 7 * MIN
        assert [a.event for a in second.handle(poll(False))] == ["api_down"]  # 11 minutes since it began
        third = RuleEngine(Rules(), store, clock=clock)
        clock.now_ms += MIN
        assert third.handle(poll(False)) == []  # already alerted before the restart
        assert [a.event for a in third.handle(poll(True))] == ["api_recovered"]
        assert RuleEngine(Rules(), store, clock=clock).handle(poll(True)) == []
    finally:
        store.close()


def test_server_text_in_an_alert_is_inert():
    hostile = job(8, "FAILED", created=T0 - MIN, duration_s=30,
                  errors=[{"code": "E\x1b[31m", "msg": "boom\u202e\x9b2J"}])
    rules, _ = engine()
    alert = rules.handle(updated(hostile))[0]
    for text in (alert.message, alert.error_code, alert.error_message):
        assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text
    assert "␛" in alert.error_code
