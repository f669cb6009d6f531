"""Pilot tests of quick cancellation."""

from __future__ import annotations

import asyncio

from textual.widgets import Button

from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.confirm import ConfirmScreen
from tui.console.screens.jobs import JobsScreen
from tui.console.widgets.job_table import CANCELLING, MARK, JobTable
from tui.core.errors import ServerError
from tui.core.models import CancelResult


def jobs_api() -> FakeJobsAPI:
    return FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "NEW"), job_record(3, "SUCCEEDED"),
                        job_record(4, "PROCESSING")])


def table(app) -> JobTable:
    return app.jobs_screen.query_one(JobTable)


def cell(app, job_id: str, column: str) -> str:
    return table(app).get_cell(job_id, column).plain


def messages(app) -> list[str]:
    return [m for _, m in app.message_log]


async def test_single_cancel_confirmed_with_y(make_app, wait):
    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert isinstance(app.focused, Button) and app.focused.id == "no"
        lines = [str(s.render()) for s in app.screen.query(".confirm-job")]
        assert len(lines) == 1 and lines[0].startswith("1  ⟳ PROCESSING  created") and "dataset ds-1" in lines[0]
        await pilot.press("y")
        await wait(app, pilot)
        assert [c for c in api.calls if c[0] == "cancel_job"] == [("cancel_job", "1")]
        assert "Job 1: cancel requested." in messages(app)
        assert cell(app, "1", "status") == "✖ FAILED"  # the follow-up refresh shows the server's state


async def test_row_shows_cancelling_until_the_server_reflects_it(make_app, wait):
    api = jobs_api()
    gate = asyncio.Event()

    async def accepted_but_still_running(job_id: str) -> CancelResult:
        api.calls.append(("cancel_job", job_id))
        await gate.wait()
        return CancelResult(job_id=job_id)  # 204: the server has not stopped the job yet

    api.cancel_job = accepted_but_still_running
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d", "y")
        await pilot.pause()
        assert cell(app, "1", "status") == CANCELLING  # while the DELETE is in flight
        gate.set()
        await wait(app, pilot)
        assert api.count("list_jobs") == 2  # a refresh follows the cancel
        assert cell(app, "1", "status") == CANCELLING  # still PROCESSING on the server
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)  # no second confirm for a job being cancelled
        assert messages(app)[-1] == "Job 1 is already being cancelled."
        api.records["1"]["status"] = "FAILED"
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert cell(app, "1", "status") == "✖ FAILED"


async def test_multi_cancel_of_marked_jobs_reports_each(make_app, wait):
    api = jobs_api()
    api.fail_cancel["4"] = ServerError("Platform returned 500 while cancelling; try again.")
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("space", "space")  # marks 1 and 2 (space moves down)
        await pilot.press("down", "space")  # skip 3, mark 4
        await pilot.pause()
        assert app.model.marks == {"1", "2", "4"}
        assert cell(app, "1", "mark") == MARK
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert len(app.screen.query(".confirm-job")) == 3
        await pilot.press("y")
        await wait(app, pilot)
        assert sorted(arg for name, arg in api.calls if name == "cancel_job") == ["1", "2", "4"]
        entries = {e.job_id: e for e in app.message_log.entries() if e.job_id and e.kind == "cancel"}
        assert entries["1"].text == "Job 1: cancel requested." and entries["2"].text == "Job 2: cancel requested."
        assert entries["4"].text == "Job 4 was not cancelled: Platform returned 500 while cancelling; try again."
        assert entries["4"].severity == "error"
        # ONE toast sums them up; the detail is in the message log (M)
        toasts = [n.message for n in app._notifications]
        assert "2 cancelled, 1 failed (see M)" in toasts and not [t for t in toasts if "cancel requested" in t]
        assert cell(app, "4", "status") == "⟳ PROCESSING"  # real state kept
        assert app.model.marks == {"4"}  # the failed one stays marked for a retry


async def test_finished_job_refused_without_request(make_app, wait):
    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("down", "down")
        assert table(app).highlighted_id == "3"
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        assert api.count("cancel_job") == 0
        assert messages(app)[-1] == "Job 3 is SUCCEEDED; only NEW or PROCESSING jobs can be cancelled."


async def test_404_is_already_gone(make_app, wait):
    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        del api.records["1"]
        await pilot.press("ctrl+d", "y")
        await wait(app, pilot)
        assert api.count("cancel_job") == 1
        assert any("already gone" in m for m in messages(app))
        assert not app.model.is_cancelling("1")


async def test_5xx_keeps_state_and_says_why(make_app, wait):
    api = jobs_api()
    api.fail_cancel["1"] = ServerError("Platform returned 503 while cancelling job 1; try again in a minute.")
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d", "y")
        await wait(app, pilot)
        # the error names the job already: no "Job 1 was not cancelled:" before it
        assert ("error", "Platform returned 503 while cancelling job 1; try again in a minute.") in app.message_log
        assert cell(app, "1", "status") == "⟳ PROCESSING"


async def test_escape_aborts_and_sends_nothing(make_app, wait):
    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        for abort in ("escape", "n", "enter"):  # enter presses the focused "No"
            await pilot.press("ctrl+d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(abort)
            await wait(app, pilot)
            assert isinstance(app.screen, JobsScreen)
        assert api.count("cancel_job") == 0
        assert messages(app).count("Cancel aborted: nothing was sent.") == 3


async def test_read_only_hides_and_refuses_cancel(make_app, wait):
    api = jobs_api()
    app = make_app(api, read_only=True)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        app.action_cancel()
        app.request_cancel([app.model.jobs["1"]])
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        assert api.count("cancel_job") == 0
        assert sum(m.startswith("Read-only mode: cancelling") for m in messages(app)) == 3  # the key says it too


async def test_marks_kept_across_refresh_and_paging(make_app, wait):
    api = FakeJobsAPI([job_record(i, "PROCESSING") for i in range(1, 6)])
    app = make_app(api)
    app.model.page_size = 3
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("down", "space")
        assert app.model.marks == {"2"}
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert cell(app, "2", "mark") == MARK
        await pilot.press("right_square_bracket")
        await wait(app, pilot)
        await pilot.press("left_square_bracket")
        await wait(app, pilot)
        assert app.model.marks == {"2"} and cell(app, "2", "mark") == MARK


async def test_cancel_from_the_detail_screen(make_app, wait):
    api = jobs_api()
    app = make_app(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        from tui.console.screens.detail import DetailScreen

        assert isinstance(app.screen, DetailScreen)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait(app, pilot)
        assert [arg for name, arg in api.calls if name == "cancel_job"] == ["1"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)


async def test_palette_offers_cancel_unless_read_only(make_app, wait):
    from tui.console.commands import JobsCommands

    for read_only, expected in ((False, True), (True, False)):
        app = make_app(jobs_api(), read_only=read_only)
        async with app.run_test() as pilot:
            await wait(app, pilot)
            provider = JobsCommands(app.screen)
            titles = [str(hit.display) async for hit in provider.discover()]
            assert ("Cancel job(s)" in titles) is expected
            assert "Refresh now" in titles


async def test_confirmation_clears_toasts_that_would_cover_it(make_app, wait):
    app = make_app(jobs_api())
    async with app.run_test(notifications=True) as pilot:
        await wait(app, pilot)
        app.notify("Job 7 SUCCEEDED (batch B).")
        await pilot.pause()
        assert len(app._notifications) == 1
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert len(app._notifications) == 0


async def test_marks_on_another_page_are_not_replaced_by_the_highlighted_job(make_app, wait):
    api = FakeJobsAPI([job_record(i, "PROCESSING") for i in range(1, 6)])
    app = make_app(api)
    app.model.page_size = 3
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("down", "space")
        await pilot.press("right_square_bracket")
        await wait(app, pilot)
        assert "2" not in app.model.jobs and app.jobs_screen.highlighted_job() is not None
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)  # no confirmation for a job nobody marked
        assert api.count("cancel_job") == 0
        assert messages(app)[-1] == ("1 marked job is not on this page (another page or status filter); "
                                     "go back to it to cancel or unmark.")


async def test_bulk_cancel_with_a_refusal_gives_one_summary_toast(make_app, wait):
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "NEW"), job_record(3, "SUCCEEDED"),
                       job_record(4, "PROCESSING")])
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("space", "space", "space", "space")  # marks 1, 2, 3 (SUCCEEDED) and 4
        await pilot.pause()
        assert app.model.marks == {"1", "2", "3", "4"}
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert [n.message for n in app._notifications] == []  # the refusal waits for the summary
        await pilot.press("y")
        await wait(app, pilot)
        toasts = [n.message for n in app._notifications]
        assert "3 cancelled, 1 refused (see M)" in toasts
        assert not [t for t in toasts if "cancel requested" in t or "cannot be cancelled" in t.lower()]
        assert len([t for t in toasts if "FAILED" in t]) <= 1  # the transitions: one toast at a time too
        about = {e.job_id for e in app.message_log.entries() if e.kind == "cancel" and e.job_id}
        assert about == {"1", "2", "3", "4"}


async def test_a_job_that_finished_during_the_confirmation_is_a_warning_not_an_error(make_app, wait):
    from tui.core.errors import InvalidRequestError

    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        api.records["1"] = job_record(1, "SUCCEEDED")  # it finishes while the question is open
        api.fail_cancel["1"] = InvalidRequestError("Cancelling export job 1 failed because the Platform rejected "
                                                   "the request (HTTP 400); fix the request.", status=400)
        await pilot.press("y")
        await wait(app, pilot)
        assert ("warning", "Job 1 finished (SUCCEEDED) before the cancel reached the Platform; nothing was "
                           "cancelled.") in app.message_log
        assert not [m for sev, m in app.message_log if sev == "error"]
        assert cell(app, "1", "status") == "✔ SUCCEEDED"
