"""The console as a subscriber of the monitor: followed jobs are refreshed whatever page or filter
is shown, and the history store receives what the console sees."""

from __future__ import annotations

import json

from tests.console.test_jobs import table
from tests.fakes import FakeJobsAPI, job_record
from tui.core.config import ConsoleSettings
from tui.monitor.history import HistoryStore


def records() -> list[dict]:
    return [job_record(i, "PROCESSING" if i == 2 else "SUCCEEDED") for i in range(1, 8)]


async def test_notified_of_a_job_on_page_1_while_page_2_is_shown(make_app, wait):
    api = FakeJobsAPI(records())
    app = make_app(api)
    app.model.page_size = 3
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert "2" in app.monitor.followed
        await pilot.press("right_square_bracket")  # page 2: jobs 4–6
        await wait(app, pilot)
        assert app.model.page_info().number == 2 and "2" not in table(app).row_ids()
        api.records["2"] = job_record(2, "FAILED")
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert ("get_job", "2") in api.calls
        assert "Job 2 FAILED: Error writing profiles to output path" in [m for _, m in app.message_log]
        assert app.model.page_info().number == 2 and "2" not in table(app).row_ids()  # the view is kept
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert api.count("get_job") == 1  # final: no longer followed
        assert [m for _, m in app.message_log].count("Job 2 FAILED: Error writing profiles to output path") == 1


async def test_followed_job_refreshed_under_a_status_filter(make_app, wait):
    api = FakeJobsAPI(records())
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("F", "F", "F")  # → SUCCEEDED only: job 2 is not listed
        await wait(app, pilot)
        assert app.model.status_filter == "SUCCEEDED" and "2" not in table(app).row_ids()
        api.records["2"] = job_record(2, "SUCCEEDED")
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert "Job 2 SUCCEEDED (batch BATCH00000002)." in [m for _, m in app.message_log]


async def test_the_console_records_what_it_sees_in_the_history(make_app, wait, tmp_path):
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    api = FakeJobsAPI(records())
    app = make_app(api, history=store)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert store.flush(10)
        stored = [json.loads(r)["id"] for r in store.list_raw(api.target.org_id, api.target.sandbox)]
        assert stored == list(range(1, 8))
    store.close()


async def test_history_problem_is_one_warning(make_app, wait, tmp_path, monkeypatch):
    import sqlite3

    store = HistoryStore.open(tmp_path / "history.sqlite3")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_upsert", full)
    api = FakeJobsAPI(records())
    app = make_app(api, history=store, settings=ConsoleSettings(refresh_seconds=3600))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        store.flush(10)
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        warnings = [m for sev, m in app.message_log if sev == "warning" and "History is off" in m]
        assert len(warnings) == 1 and "disk is full" in warnings[0]
        assert table(app).row_count == 7  # the console keeps running
    store.close()


def _history_of_600s_runs(tmp_path, n=20):
    from tui.core.models import Job

    store = HistoryStore.open(tmp_path / "history.sqlite3")
    old = [job_record(1000 + i, "SUCCEEDED", duration_s=600, created=1_700_000_000_000 + i) for i in range(n)]
    store.upsert("TEST@AdobeOrg", "prod", [Job.parse(r) for r in old])
    return store


async def test_detail_names_the_history_baseline_when_stuck(make_app, wait, tmp_path):
    from tests.console.test_detail import plain

    store = _history_of_600s_runs(tmp_path)
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED", duration_s=30)])
    app = make_app(api, history=store)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        flag = app.screen.query_one("#detail-stuck")
        assert not flag.has_class("hidden")
        assert plain(flag).startswith("⚠ possibly stuck: running 1h 01m")
        assert "over 3× the p95 of 20 earlier runs of this payload (10m 00s)" in plain(flag)
    store.close()


async def test_detail_says_slower_than_usual_for_a_slow_finished_run(make_app, wait, tmp_path):
    from tests.console.test_detail import plain

    store = _history_of_600s_runs(tmp_path)
    api = FakeJobsAPI([job_record(1, "SUCCEEDED", duration_s=900)])
    app = make_app(api, history=store)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        flag = app.screen.query_one("#detail-stuck")
        assert not flag.has_class("hidden")
        assert plain(flag) == ("slower than usual: took 15m 00s, over the p95 of 20 earlier runs of this "
                               "payload (10m 00s).")
    store.close()


async def test_without_enough_history_the_detail_keeps_todays_rule(make_app, wait, tmp_path):
    from tests.console.test_detail import plain

    store = _history_of_600s_runs(tmp_path, n=4)  # under 5 samples: no history baseline
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED", duration_s=60)])
    app = make_app(api, history=store)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        assert "over 3× the median SUCCEEDED run (1m 00s)" in plain(app.screen.query_one("#detail-stuck"))
    store.close()


async def test_a_corrupt_history_file_is_one_warning_and_the_console_runs(make_app, wait, tmp_path):
    from tui.core.config import HistorySettings
    from tui.monitor.history.store import open_configured

    bad = tmp_path / "history.sqlite3"
    bad.write_bytes(b"not sqlite at all " * 100)
    store, problem = open_configured(HistorySettings(path=bad))
    assert store is None
    app = make_app(FakeJobsAPI(records()), history=None, history_problem=problem)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert [m for sev, m in app.message_log if sev == "warning"] == [problem]
        assert table(app).row_count == 7
    assert bad.read_bytes() == b"not sqlite at all " * 100
