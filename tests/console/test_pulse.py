"""The Pulse screen (P, :pulse): figures from the history, keys, refresh from monitor events; SVG
snapshots at 80×24, 120×40 and NO_COLOR.

Update after reviewing a deliberate change: ``pytest tests/console/test_pulse.py --snapshot-update``.
"""

from __future__ import annotations

from tests.fakes import T0, FakeJobsAPI, job_record
from tui.core.config import ConsoleSettings
from tui.core.models import Job
from tui.monitor.history import HistoryStore

ORG, SB = "TEST@AdobeOrg", "prod"
HOUR = 3_600_000


def history_records() -> list[dict]:
    """Two weeks of runs (fixed): every 6 h, 10-20 min each, every 7th failing with one of two codes."""
    out = []
    for i in range(56):
        created = T0 - i * 6 * HOUR
        status = "FAILED" if i % 7 == 3 else "SUCCEEDED"
        errors = [{"code": "0090000009" if i % 2 else "0090000004", "msg": "Error writing profiles"}]
        out.append(job_record(5000 + i, status, created=created, duration_s=600 + (i * 97) % 600,
                              dataset="ds-1" if i % 3 else "ds-2", errors=errors if status == "FAILED" else None))
    return out


def live_records() -> list[dict]:
    return [job_record(1, "PROCESSING"), job_record(2, "NEW"), job_record(3, "SUCCEEDED")]


def store_with_history(tmp_path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    store.upsert(ORG, SB, [Job.parse(r) for r in history_records()])
    return store


async def open_pulse(app, pilot, wait):
    from tui.console.screens.pulse import PulseScreen

    await wait(app, pilot)
    if app.history is not None:
        assert app.history.flush(10)  # what the console recorded is in the file before Pulse reads it
    await pilot.press("P")
    await wait(app, pilot)
    assert isinstance(app.screen, PulseScreen)
    return app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_pulse_shows_counts_days_phases_payloads_and_failures(make_app, wait, tmp_path):
    store = store_with_history(tmp_path)
    app = make_app(FakeJobsAPI(live_records()), history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pulse(app, pilot, wait)
        now = text_of(screen, "#pulse-now")
        assert "NEW 1 · PROCESSING 1" in now and "oldest running: job 2" in now  # job 2 is older than job 1
        data = screen.data
        assert data is not None and len(data["days"]) == 14
        week = data["week"]
        # hand count: created in the last 7 d (T0 + 1 h - 7 d ... T0 + 1 h): i = 0..27 (28 jobs; i = 28 is
        # T0 - 7 d, an hour too old) in the history, plus the three live jobs the console recorded;
        # i % 7 == 3 failed: 3, 10, 17, 24
        assert week["counts"]["FAILED"] == 4 and week["jobs"] == 28 + 3
        assert sum(g["jobs"] for g in data["errors"]) == 4
        assert "last 24 h" in text_of(screen, "#pulse-window")
        failures = screen.query_one("#pulse-failures")
        assert failures.row_count == 2
        payloads = screen.query_one("#pulse-payloads")
        assert payloads.row_count >= 1
        # e opens the newest example of the highlighted error code (a job only the history knows)
        await pilot.press("e")
        await wait(app, pilot)
        from tui.console.screens.detail import DetailScreen

        assert isinstance(app.screen, DetailScreen)
        assert app.screen._initial_job.id == data["errors"][0]["newest_job_id"]
        await pilot.press("escape")
        await wait(app, pilot)
        await pilot.press("o")  # the oldest running job
        await wait(app, pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen._initial_job.id == "2"
        await pilot.press("escape")
        await wait(app, pilot)
        await pilot.press("escape")
        await wait(app, pilot)
        from tui.console.screens.jobs import JobsScreen

        assert isinstance(app.screen, JobsScreen)
    store.close()


async def test_colon_pulse_and_a_finished_job_re_reads_without_a_poll_re_reading(make_app, wait, tmp_path):
    from tui.console.screens import pulse as pulse_mod

    store = store_with_history(tmp_path)
    api = FakeJobsAPI(live_records())
    app = make_app(api, history=store)
    reads = []
    original = pulse_mod.pulse

    def counting(*args, **kwargs):
        reads.append(1)
        return original(*args, **kwargs)

    pulse_mod.pulse = counting
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait(app, pilot)
            app.run_command(":pulse")
            await wait(app, pilot)
            assert isinstance(app.screen, pulse_mod.PulseScreen) and len(reads) == 1
            app.monitor.observe([Job.parse(job_record(3, "SUCCEEDED"))], "page")  # nothing finished
            await wait(app, pilot)
            assert len(reads) == 1
            app.screen._last_read -= pulse_mod.REREAD_SECONDS  # as if 30 s had passed
            app.monitor.observe([Job.parse(job_record(1, "FAILED"))], "followed")  # a followed job finished
            await wait(app, pilot)
            assert len(reads) == 2
            assert "NEW 1 · PROCESSING 0" in text_of(app.screen, "#pulse-now")
    finally:
        pulse_mod.pulse = original
    store.close()


async def test_pulse_without_history_says_so(make_app, wait):
    app = make_app(FakeJobsAPI(live_records()))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pulse(app, pilot, wait)
        assert "No job history in this session" in text_of(screen, "#pulse-window")
        assert "PROCESSING 1" in text_of(screen, "#pulse-now")
        from textual.widgets import Sparkline

        assert all(not spark.data for spark in screen.query(Sparkline))  # no data: no (full-height) bars


async def test_a_series_of_zeros_draws_no_bars(make_app, wait, tmp_path):
    from textual.widgets import Sparkline

    store = store_with_history(tmp_path)
    app = make_app(FakeJobsAPI(live_records()), history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pulse(app, pilot, wait)
        days = screen.data["days"]
        assert any(d["jobs"] for d in days)
        assert screen.query_one("#spark-jobs", Sparkline).data == [d["jobs"] for d in days]
        screen.data = {**screen.data, "days": [{**d, "counts": {**d["counts"], "FAILED": 0}} for d in days]}
        screen.render_history()
        assert screen.query_one("#spark-failed", Sparkline).data == []  # fourteen zeros: no bars at all
        assert screen.query_one("#spark-jobs", Sparkline).data == [d["jobs"] for d in days]
    store.close()


async def test_hostile_error_codes_are_inert(make_app, wait, tmp_path):
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    bad = job_record(9, "FAILED", created=T0, errors=[{"code": "\x1b[31mRED\u202e", "msg": "x"}])
    store.upsert(ORG, SB, [Job.parse(bad)])
    app = make_app(FakeJobsAPI(live_records()), history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pulse(app, pilot, wait)
        cell = screen.query_one("#pulse-failures").get_row_at(0)[0]
        assert "\x1b" not in str(cell) and "\u202e" not in str(cell) and "RED" in str(cell)
    store.close()


async def _shoot(app, pilot, wait, size) -> str:
    await open_pulse(app, pilot, wait)
    return app.export_screenshot(title="aepx")


async def test_pulse_80x24(make_app, wait, utc, svg_snapshot, tmp_path):
    store = store_with_history(tmp_path)
    app = make_app(FakeJobsAPI(live_records()), history=store)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await _shoot(app, pilot, wait, (80, 24)) == svg_snapshot
    store.close()


async def test_pulse_120x40(make_app, wait, utc, svg_snapshot, tmp_path):
    store = store_with_history(tmp_path)
    app = make_app(FakeJobsAPI(live_records()), history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await _shoot(app, pilot, wait, (120, 40)) == svg_snapshot
    store.close()


async def test_pulse_no_color_80x24_scrolled(make_app, wait, utc, svg_snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    store = store_with_history(tmp_path)
    app = make_app(FakeJobsAPI(live_records()), history=store,
                   settings=ConsoleSettings(refresh_seconds=3600, timezone="utc"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pulse(app, pilot, wait)
        assert app.no_color
        app.screen.query_one("#pulse-body").scroll_end(animate=False)  # the sections below the fold
        await wait(app, pilot)
        assert app.export_screenshot(title="aepx") == svg_snapshot
    store.close()
