"""Pilot tests of the jobs screen: loading, paging, sort, filter, refresh, polling, stale state."""

from __future__ import annotations

import asyncio

from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.help import HelpScreen
from tui.console.screens.jobs import JobsScreen
from tui.console.widgets.header import AppHeader
from tui.console.widgets.job_table import JobTable
from tui.core.config import ConsoleSettings
from tui.core.errors import RateLimitedError, ServerError


def table(app) -> JobTable:
    return app.screen.query_one(JobTable)


def status_line(app) -> str:
    return str(app.screen.query_one("#status-line").render())


def header(app) -> str:
    return str(app.screen.query_one(AppHeader).render())


def many(n: int) -> list[dict]:
    statuses = ("SUCCEEDED", "FAILED", "PROCESSING", "NEW")
    return [job_record(i, statuses[i % 4]) for i in range(1, n + 1)]


async def test_startup_populates_the_table(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert isinstance(app.screen, JobsScreen)
        assert table(app).row_ids() == ["1", "2", "3", "4", "5"]
        assert "page 1 · rows 1–5 · last page" in status_line(app)
        assert "profile test" in header(app) and "sandbox prod" in header(app)
        assert app.api.calls[0] == ("list_jobs", {"cursor": None, "limit": 100, "status": None})


async def test_paging_forward_and_back(make_app, wait):
    api = FakeJobsAPI(many(250))
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert table(app).row_count == 100
        await pilot.press("right_square_bracket")
        await wait(app, pilot)
        assert table(app).row_ids()[0] == "101"
        assert "page 2 · rows 101–200 · more available" in status_line(app)
        await pilot.press("right_square_bracket")
        await wait(app, pilot)
        assert table(app).row_count == 50
        assert "page 3 · rows 201–250 · last page" in status_line(app)
        await pilot.press("right_square_bracket")
        await wait(app, pilot)
        assert "last page" in app.message_log[-1][1]
        await pilot.press("left_square_bracket")
        await wait(app, pilot)
        assert "page 2" in status_line(app) and table(app).row_ids()[0] == "101"
        await pilot.press("left_square_bracket")
        await wait(app, pilot)
        assert "page 1" in status_line(app) and table(app).row_ids()[0] == "1"
        cursors = [arg["cursor"] for name, arg in api.calls if name == "list_jobs"]
        assert cursors == [None, "100", "200", "100", None]


async def test_each_sort_key_and_its_reverse(make_app, wait):
    records = [job_record(1, "SUCCEEDED", duration_s=50), job_record(2, "FAILED", duration_s=900),
               job_record(3, "NEW"), job_record(4, "PROCESSING"), job_record(5, "SUCCEEDED", duration_s=300)]
    app = make_app(FakeJobsAPI(records))
    expected = {
        "S": (["2", "4", "3", "1", "5"], ["5", "1", "3", "4", "2"]),
        "C": (["1", "2", "3", "4", "5"], ["5", "4", "3", "2", "1"]),
        "I": (["5", "4", "3", "2", "1"], ["1", "2", "3", "4", "5"]),
        "D": (["4", "3", "2", "5", "1"], ["1", "5", "2", "3", "4"]),
        "U": (["2", "5", "1", "3", "4"], ["4", "3", "1", "5", "2"]),
    }
    async with app.run_test() as pilot:
        await wait(app, pilot)
        for key, (first, second) in expected.items():
            await pilot.press(key)
            await pilot.pause()
            assert table(app).row_ids() == first, key
            marked = [c.label.plain for c in table(app).columns.values() if c.label.plain.endswith(("▲", "▼"))]
            assert len(marked) == 1
            await pilot.press(key)
            await pilot.pause()
            assert table(app).row_ids() == second, key
        assert "within this page only" in status_line(app)


async def test_header_click_sorts(make_app, wait):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait(app, pilot)
        await pilot.click("#jobs", offset=(5, 0))  # the "id" header
        await pilot.pause()
        assert app.model.sort_key == "id"
        assert table(app).row_ids() == ["5", "4", "3", "2", "1"]


async def test_filter_and_clear(make_app, wait):
    app = make_app(FakeJobsAPI(many(8)))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("slash", *"failed")
        await pilot.pause()
        assert table(app).row_ids() == ["1", "5"]
        assert "2 match “failed”" in status_line(app)
        await pilot.press("enter")
        await pilot.pause()
        assert table(app).has_focus and table(app).row_ids() == ["1", "5"]
        await pilot.press("escape")
        await pilot.pause()
        assert table(app).row_count == 8
        assert "match" not in status_line(app)


async def test_status_filter_refetches(make_app, wait):
    api = FakeJobsAPI(many(8))
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("F")
        await wait(app, pilot)
        assert api.calls[-1] == ("list_jobs", {"cursor": None, "limit": 100, "status": "NEW"})
        assert table(app).row_ids() == ["3", "7"]
        assert "status NEW" in status_line(app)
        for _ in range(4):
            await pilot.press("F")
            await wait(app, pilot)
        assert api.calls[-1][1]["status"] is None and table(app).row_count == 8


async def test_refresh_keeps_the_highlighted_job(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("down", "down")
        assert table(app).highlighted_id == "3"
        api.records["9"] = job_record(9, "NEW", created=job_record(1)["creationTime"] + 5000)
        api.records["3"]["status"] = "PROCESSING"
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert table(app).row_ids()[0] == "9"
        assert table(app).highlighted_id == "3"
        assert table(app).cursor_row == 3


async def test_polls_do_not_overlap_against_a_slow_api(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.gate = asyncio.Event()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert api.in_flight == 1
        await pilot.press("ctrl+r", "ctrl+r")
        app._tick()  # the timer firing while a poll is in flight
        await pilot.pause()
        assert api.count("list_jobs") == 2
        api.gate.set()
        await wait(app, pilot)
        assert api.max_in_flight == 1
        assert api.count("list_jobs") == 2
        assert app._timer is not None  # re-armed only after the poll finished


async def test_stale_state_appears_on_failure_and_clears_on_recovery(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api, settings=ConsoleSettings(refresh_seconds=10))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.fail_with = ServerError("Platform returned 503 while listing jobs; it should pass, try again soon.")
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        text = header(app)
        assert "STALE" in text and "Platform returned 503" in text and "Retrying at" in text
        assert app.poll.next_at == app.clock() + 10
        assert table(app).row_count == 5  # the last good data stays
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert app.poll.next_at == app.clock() + 20  # exponential backoff
        api.fail_with = RateLimitedError("Too many requests; slowing down.", retry_after=300)
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert app.poll.next_at == app.clock() + 300  # Retry-After honoured
        errors = [m for sev, m in app.message_log if sev == "error"]
        assert errors == ["Platform returned 503 while listing jobs; it should pass, try again soon.",
                          "Too many requests; slowing down."]
        api.fail_with = None
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert "STALE" not in header(app) and "refreshed" in header(app)
        assert app.poll.next_at == app.clock() + 10


async def test_pause_and_resume(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in header(app)
        app._tick()
        await wait(app, pilot)
        assert api.count("list_jobs") == 1
        await pilot.press("p")
        app._tick()
        await wait(app, pilot)
        assert api.count("list_jobs") == 2


async def test_notification_when_a_watched_job_finishes(make_app, wait):
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED"), job_record(3, "NEW")])
    app = make_app(api, settings=ConsoleSettings(refresh_seconds=3600, bell=True))
    rings = []
    app.bell = lambda: rings.append(True)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.records["1"].update(job_record(1, "SUCCEEDED"))
        api.records["3"].update(job_record(3, "FAILED", errors=[{"code": "E", "msg": "Disk [bold]full"}]))
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        messages = [m for _, m in app.message_log]
        assert "Job 1 SUCCEEDED (batch BATCH00000001)." in messages
        assert "Job 3 FAILED: Disk [bold]full" in messages
        assert len(rings) == 2
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert len([m for m in app.message_log if "SUCCEEDED (" in m[1]]) == 1


async def test_load_all_then_sort_covers_every_page(make_app, wait):
    api = FakeJobsAPI(many(250))
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("A")
        await wait(app, pilot)
        assert app.model.all_loaded and len(app.model.jobs) == 250
        assert "all 250 jobs loaded" in status_line(app)
        assert table(app).row_count == 100
        await pilot.press("I")
        await pilot.pause()
        assert table(app).row_ids()[0] == "250"
        assert "within all loaded jobs" in status_line(app)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert table(app).row_count == 50 and "page 3/3" in status_line(app)


async def test_help_lists_the_screen_keys(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict((label, keys) for keys, label in app.screen.rows)
        assert rows["Cancel the highlighted job or every marked job"] == "^d"
        assert rows["Refresh now"] == "^r" and rows["Next page"] == "]" and rows["Sort status"] == "S"
        assert rows["Quit"] == "q ^q" and rows["Detail"] == "⏎"  # Textual's ctrl+q on the same row
        assert rows["Command line: :profile NAME, :sandbox NAME, :q"] == ":"
        labels = list(rows)
        assert labels.index("Refresh now") < labels.index("Focus Next")  # generic keys last
        await pilot.press("escape")
        assert isinstance(app.screen, JobsScreen)


async def test_keymap_remaps_a_binding(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api, keymap={"refresh": "f5"})
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert api.count("list_jobs") == 1
        await pilot.press("f5")
        await wait(app, pilot)
        assert api.count("list_jobs") == 2


async def test_read_only_hides_mutating_actions(make_app, wait):
    app = make_app(read_only=True)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        actions = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert not actions & {"cancel", "launch", "setup"}  # not in the footer (the keys say why)
        assert "READ-ONLY" in header(app)
        await pilot.press("ctrl+d", "n", "f2")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        app.action_setup()
        app.action_launch()
        refused = [m for _, m in app.message_log if m.startswith("Read-only mode")]
        assert len(refused) == 5  # the three keys say it too (issue 13 item 6)


async def test_command_line_switches_sandbox_with_a_factory(make_app, wait):
    made = []

    def factory(profile, sandbox):
        api = FakeJobsAPI([job_record(7, "NEW")])
        api.target = api.target.__class__(profile=profile or "test", org_id="TEST@AdobeOrg",
                                          sandbox=sandbox or "prod", platform_url="http://fake")
        made.append(api)
        return api

    first = FakeJobsAPI()
    app = make_app(first, api_factory=factory, notice="No config found: press F2.")
    async with app.run_test(size=(130, 30)) as pilot:
        await wait(app, pilot)
        assert app.screen.query("#notice")
        await pilot.press("colon", *"sandbox dev", "enter")
        await wait(app, pilot)
        assert app.api is made[0] and "sandbox dev" in header(app)
        assert table(app).row_ids() == ["7"]
        assert ("aclose", None) in first.calls
        assert not app.screen.query("#notice")
        from tui.console.widgets.detail import JobDetail

        detail = app.screen.query_one(JobDetail)
        assert detail.job.id == "7"
        await detail.poll_once()
        assert ("get_job", "7") in made[0].calls and ("get_job", "7") not in first.calls


async def test_command_line_without_factory_says_unavailable(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("colon", *"profile other", "enter")
        await pilot.pause()
        assert "unavailable" in app.message_log[-1][1]
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert app.return_code == 0


async def test_server_strings_are_not_markup(make_app, wait):
    api = FakeJobsAPI([job_record(1, "SUCCEEDED", dataset="[bold]ds[/bold]")])
    app = make_app(api)
    async with app.run_test(size=(200, 24)) as pilot:  # 200: the dataset column is shown
        await wait(app, pilot)
        cell = table(app).get_cell("1", "dataset")
        assert cell.plain == "[bold]ds[/bold]"


async def test_all_loaded_poll_refreshes_active_rows_on_screen_first(make_app, wait):
    api = FakeJobsAPI(many(250))
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("A")
        await wait(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # page 3: jobs 201–250
        await pilot.pause()
        api.records["203"].update(job_record(203, "FAILED"))
        before = len(api.calls)
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        fetched = [arg for name, arg in api.calls[before:] if name == "get_job"]
        assert fetched[0] == "202" and "203" in fetched  # active jobs of page 3, first on screen
        assert table(app).get_cell("203", "status").plain == "✖ FAILED"
        assert "Job 203 FAILED: Error writing profiles to output path" in [m for _, m in app.message_log]


async def test_load_all_shows_progress_while_loading(make_app, wait):
    api = FakeJobsAPI(many(250))
    app = make_app(api)
    release = asyncio.Event()
    plain_list = api.list_jobs

    async def slow_third_page(**kwargs):
        if kwargs.get("cursor") == "200":
            await release.wait()
        return await plain_list(**kwargs)

    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.list_jobs = slow_third_page
        await pilot.press("A")
        await pilot.pause()
        assert "loading all pages… 2 pages, 200 jobs" in header(app)
        release.set()
        await wait(app, pilot)
        assert "loading" not in header(app) and app.model.all_loaded


async def test_pausing_while_stale_shows_paused_not_a_retry_time(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api, settings=ConsoleSettings(refresh_seconds=10))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.fail_with = ServerError("Platform returned 503 while listing jobs; try again soon.")
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert "Retrying at" in header(app)
        await pilot.press("p")
        await pilot.pause()
        text = header(app)
        assert "STALE" in text and "Platform returned 503" in text  # the reason stays visible
        assert "PAUSED" in text and "Retrying at" not in text  # no retry happens while paused


async def test_palette_list_action_from_another_screen_says_where_it_works(make_app, wait, tmp_path, monkeypatch):
    from tui.console.commands import JobsCommands
    from tui.console.screens.launch import LaunchScreen

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("n")
        await wait(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        hits = {str(hit.display): hit async for hit in JobsCommands(app.screen).discover()}
        await hits["Filter by text"].command()
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)
        assert app.jobs_screen.query_one("#filter").has_class("-hidden")
        assert app.message_log[-1] == ("warning", "Filter by text works on the jobs screen; press esc to "
                                                  "go back to it first.")


async def test_palette_runs_a_list_action_on_the_jobs_screen(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+p", *"Sort by id")
        await pilot.press("enter")
        await wait(app, pilot)
        assert app.model.sort_key == "id"
        assert not [m for sev, m in app.message_log if sev == "warning"]
