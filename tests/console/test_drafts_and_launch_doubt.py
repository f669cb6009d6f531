"""Never lose an edit, never forget a launch in doubt: an unwritable drafts dir keeps the edit in memory
and says so; a second console gets its own draft file; a launch whose answer never arrived (the console
killed mid-POST) is persisted beside the draft and said at the next start and in the next confirmation."""

from __future__ import annotations

import asyncio

from tests.console.conftest import settle
from tests.console.test_launch import LaunchHost, launch_screen
from tests.fakes import FakeJobsAPI
from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
from tui.core import drafts

EDIT = '{"fields": "kept-in-memory", "destination": {"datasetId": "ds-1"}}'


async def test_an_unwritable_drafts_dir_keeps_the_edit_in_memory(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the drafts directory should be")
    draft = blocker / "drafts" / "launch.json"
    app = LaunchHost(FakeJobsAPI(), draft_path=draft)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = launch_screen(app)
        screen.editor.replace_all(EDIT)
        await pilot.pause(0.05)
        screen.flush_draft()
        assert "kept in memory" in app.notice_text()
        await pilot.press("escape")  # leaves the editor: the edit must survive
        await settle(app, pilot)
        app.push_screen(LaunchScreen(app.api, draft_path=draft, validate_delay=0.01, draft_delay=0.01))
        await settle(app, pilot)
        again = launch_screen(app) if isinstance(app.screen, LaunchScreen) else app.screen
        assert isinstance(again, LaunchScreen)
        assert again.editor.text == EDIT
        assert "restored from memory" in app.notice_text()
    drafts.forget_memory(draft)


async def test_a_second_console_gets_its_own_draft_and_is_told(tmp_path):
    draft = tmp_path / "drafts" / "launch.json"
    drafts.save_draft('{"fields": "first console"}', draft)
    other = drafts.DraftLock(draft)  # "another aepx" (flock: per open file, so this conflicts in-process too)
    assert other.acquire() is True
    try:
        app = LaunchHost(FakeJobsAPI(), draft_path=draft)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = launch_screen(app)
            assert screen.draft_path != draft and "editing the launch draft" in app.notice_text()
            assert "first console" in screen.editor.text  # starts from the shared draft
            screen.editor.replace_all('{"fields": "second console"}')
            await pilot.pause(0.05)
            screen.flush_draft()
        assert drafts.load_draft(draft) == '{"fields": "first console"}'  # not overwritten
    finally:
        other.release()


async def test_the_draft_lock_is_released_on_leaving(tmp_path):
    draft = tmp_path / "drafts" / "launch.json"
    app = LaunchHost(FakeJobsAPI(), draft_path=draft)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert launch_screen(app).draft_path == draft
        await pilot.press("escape")
        await settle(app, pilot)
    probe = drafts.DraftLock(draft)
    assert probe.acquire() is True
    probe.release()


async def test_a_launch_killed_mid_post_is_said_at_the_next_start_and_confirmation(make_app, tmp_path):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause(0.2)
        await pilot.press("f2", "enter")
        await pilot.pause(0.2)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmLaunch)
        api.gate = asyncio.Event()  # the create's answer never arrives
        await pilot.press("y")
        await pilot.pause(0.2)
        assert api.count("create_job") == 1  # in flight: the process "dies" here (SIGHUP)
    assert drafts.pending_launch() is not None

    # The next start says so, and so does the next confirmation.
    api2 = FakeJobsAPI()
    app2 = make_app(api2)
    async with app2.run_test(size=(120, 40)) as pilot:
        await settle(app2, pilot)
        assert any("may have created a job" in m for _, m in app2.message_log)
        await pilot.press("n")
        await settle(app2, pilot)
        await pilot.press("f2", "enter")
        await pilot.pause(0.2)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app2.screen, ConfirmLaunch)
        warning = " ".join(str(w.render()) for w in app2.screen.query(".warning"))
        assert "A launch at" in warning and "may have created a job" in warning
        await pilot.press("y")
        await settle(app2, pilot)
        assert api2.count("create_job") == 1
    assert drafts.pending_launch() is None  # created: the doubt is cleared
