"""The launch screen inside the real console: `n`, a template, ctrl+s, y, and the new job is highlighted."""

from __future__ import annotations

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI
from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
from tui.console.widgets.job_table import JobTable
from tui.core import drafts


async def test_template_to_launch_to_the_new_job_highlighted(make_app):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        await pilot.press("f2", "down", "enter")  # the second template: profile + events
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmLaunch)
        await pilot.press("y", "y")
        await settle(app, pilot)
        assert api.count("create_job") == 1
        sent = next(arg for name, arg in api.calls if name == "create_job")
        assert "eventList" in sent["additionalFields"] and sent["destination"]["datasetId"] == "ds-1"
        assert not isinstance(app.screen, LaunchScreen)
        assert app.screen.query_one(JobTable).highlighted_id == "100000"
        assert drafts.load_draft() is None


async def test_read_only_console_does_not_open_a_launch(make_app):
    api = FakeJobsAPI()
    app = make_app(api, read_only=True)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("n", "ctrl+s", "y")
        await settle(app, pilot)
        assert not isinstance(app.screen, LaunchScreen | ConfirmLaunch)
        assert api.count("create_job") == 0
