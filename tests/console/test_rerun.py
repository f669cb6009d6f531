"""Pilot tests of rerun in the console: R (list and detail) clones into the editor, = diffs two marked
jobs side by side, the launch confirmation names a running duplicate and lists preflight warnings."""

from __future__ import annotations

import json

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.detail import DetailScreen
from tui.console.screens.diff import DiffScreen
from tui.console.screens.jobs import JobsScreen
from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
from tui.core.fingerprint import request_from_record

EVENTS = {"eventList": {"fields": "web.webPageDetails.name",
                        "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"}}}


def records() -> list[dict]:
    return [
        job_record(1, "FAILED", created=1_764_504_000_000,  # 2025-11-30
                   filter={"segments": [{"segmentId": "seg-1", "segmentNs": "ups", "status": ["realized"]}]}),
        job_record(2, "SUCCEEDED", additionalFields=EVENTS, dataset="ds-1"),
        job_record(3, "PROCESSING"),
        job_record(4, "SUCCEEDED", fields="identityMap"),
    ]


def api_with_records() -> FakeJobsAPI:
    api = FakeJobsAPI(records())
    api.segments["seg-1"] = {"id": "seg-1", "name": "Gold"}
    return api


def select(app, job_id: str) -> None:
    table = app.jobs_screen.table
    table.move_cursor(row=table.get_row_index(job_id))


async def test_R_on_a_job_opens_the_editor_with_its_request_and_title(make_app, utc):
    api = api_with_records()
    app = make_app(api)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        select(app, "1")
        await pilot.press("R")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        assert screen.launch_title == "cloned from job 1 (FAILED, 2025-11-30)"
        payload = json.loads(screen.editor.text)
        assert payload == request_from_record(api.records["1"])[0]
        assert "status" not in payload and "batchId" not in payload["destination"]
        assert screen.validation is not None and screen.validation.ok
        # the preflight looked the ids up with GETs only
        assert ("get_segment_definition", "seg-1") in api.calls
        assert not any(name == "create_job" for name, _ in api.calls)


async def test_R_in_the_full_screen_detail_clones_the_shown_job(make_app, utc):
    api = api_with_records()
    app = make_app(api)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        select(app, "4")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        assert app.screen.launch_title.startswith("cloned from job 4 (SUCCEEDED, ")
        assert json.loads(app.screen.editor.text)["fields"] == "identityMap"


async def test_clone_of_a_record_without_schema_says_what_is_missing(make_app):
    rec = job_record(9, "FAILED")
    del rec["schema"]
    app = make_app(FakeJobsAPI([rec]))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        assert any("lacks schema" in m for m in _notifications(app))
        assert not app.screen.validation.ok  # the editor says schema is required


def _notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_read_only_console_does_not_clone(make_app):
    app = make_app(api_with_records(), read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, JobsScreen)


async def test_equals_shows_two_marked_jobs_side_by_side(make_app, utc):
    app = make_app(api_with_records())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("equals_sign")
        assert isinstance(app.screen, JobsScreen)
        assert any("Mark exactly two jobs" in m for _, m in app.message_log)
        select(app, "2")
        await pilot.press("space")
        select(app, "4")
        await pilot.press("space", "equals_sign")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DiffScreen)
        assert [j.id for j in screen.jobs] == ["4", "2"]  # older first
        assert not screen.same and "payloads differ" in screen.title_text
        text = _screen_text(app)
        assert "identityMap" in text and "web.webPageDetails.name" in text
        await pilot.press("escape")
        assert isinstance(app.screen, JobsScreen)


def _screen_text(app) -> str:
    from rich.console import Console

    from tui.console.screens.diff import diff_table

    console = Console(width=120, record=True, color_system=None)
    console.print(diff_table(*app.screen.jobs))
    return console.export_text()


def test_diff_table_makes_server_strings_inert():
    from tui.core.models import Job

    a = Job.parse(job_record(1, fields="identities.id\x1b]52;c;AAAA\x07\u202e"))
    b = Job.parse(job_record(2, fields="[bold]x[/bold]"))
    from rich.console import Console

    from tui.console.screens.diff import diff_table

    console = Console(width=120, record=True, color_system=None)
    console.print(diff_table(a, b))
    text = console.export_text()
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\u001b" in text and "\\u202e" in text and "[bold]x[/bold]" in text


async def test_launch_confirmation_names_a_running_duplicate_and_lists_warnings(make_app, utc):
    api = api_with_records()
    running = job_record(5, "PROCESSING", created=1_764_000_000_000 + 60_000, additionalFields=EVENTS)
    api.records["5"] = running
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        select(app, "5")
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmLaunch)
        assert "Job 5 with the same payload is PROCESSING since 16:01" in confirm._warning
        # the console's clock is 2025-11-24 (tests.console.conftest.FIXED_NOW)
        assert any("7 years ago" in note and "fromIngestTimestamp" in note for note in confirm.notes)
        assert ("Event window", "events ingested since 2018-10-25: 7 years") in confirm.summary_rows
        await pilot.press("n")
        await settle(app, pilot)
        assert not any(name == "create_job" for name, _ in api.calls)


async def test_a_different_payload_has_no_duplicate_warning(make_app):
    api = api_with_records()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        select(app, "4")
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLaunch)
        assert app.screen._warning == "" and app.screen.notes == []
        await pilot.press("y")
        await settle(app, pilot)
        assert api.count("create_job") == 1


async def test_blocking_preflight_refuses_the_launch(make_app):
    api = api_with_records()
    api.segments.clear()  # seg-1 no longer exists
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        select(app, "1")
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)
        assert any("Launch refused by the preflight" in m and "seg-1" in m for m in _notifications(app))
        assert api.count("create_job") == 0


async def test_failed_preflight_lookups_are_not_checked_and_do_not_block(make_app):
    from tui.core.errors import ServerError

    api = api_with_records()

    async def broken(segment_id):
        raise ServerError("Reading segment definition failed because the Platform answered HTTP 503.", status=503)

    api.get_segment_definition = broken
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        select(app, "1")
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLaunch)
        assert any("not checked" in note and "503" in note for note in app.screen.notes)


async def test_duplicate_beyond_the_loaded_jobs_is_found_by_listing_the_newest(tmp_path):
    """The loaded page may not hold the running duplicate (another page, a status filter): the editor
    lists the newest jobs once when it opens."""
    from textual.app import App

    from tui.core.fingerprint import render_request

    api = api_with_records()
    api.records["5"] = job_record(5, "NEW", fields="loyalty.tier")
    text = render_request(request_from_record(api.records["5"])[0])

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(LaunchScreen(api, draft_path=tmp_path / "d.json", initial_text=text,
                                          known_jobs=lambda: []))

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLaunch)
        assert app.screen._warning.startswith("Job 5 with the same payload is NEW since ")
    assert api.count("list_jobs") == 1
