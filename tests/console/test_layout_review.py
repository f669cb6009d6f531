"""Layout regressions seen when driving the console in tmux (80×24 and 120×40)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.geometry import Region
from textual.widget import Widget

from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.confirm import ConfirmScreen
from tui.console.widgets.job_table import JobTable
from tui.core.models import Target


def shown_text(widget: Widget) -> str:
    """What the widget actually draws (clipped to its size), lines joined by spaces."""
    width, height = widget.size
    return " ".join(strip.text.strip() for strip in widget.render_lines(Region(0, 0, width, height)))


async def test_cancel_confirmation_title_is_shown_whole(make_app, wait):
    target = Target(profile="test", org_id="0123456789ABCDEF01234567@AdobeOrg", sandbox="marketing-dev",
                    platform_url="https://platform.adobe.io")
    api = FakeJobsAPI([job_record(1, "PROCESSING")], target=target)
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        title = app.screen.query_one("#confirm-title")
        box = title.parent
        assert box is not None
        assert box.content_region.contains_region(title.region), (title.region, box.content_region)
        assert shown_text(title).endswith("sandbox marketing-dev (development)?")


async def test_status_line_stays_visible_while_filtering(make_app, wait):
    app = make_app(FakeJobsAPI([job_record(i, "SUCCEEDED") for i in range(1, 6)]))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        box = app.screen.query_one("#filter")
        status = app.screen.query_one("#status-line")
        assert "0 match “zzz”" in str(status.render())
        assert not box.region.overlaps(status.region)
        assert status.region.bottom <= app.screen.query_one("Footer").region.y


async def test_every_sort_marker_fits_its_column(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        for key in "SCUDI":
            await pilot.press(key)
            await pilot.pause()
            marked = [c for c in app.screen.query_one(JobTable).columns.values()
                      if c.label.plain.endswith(("▲", "▼"))]
            assert len(marked) == 1
            assert cell_len(marked[0].label.plain) <= marked[0].width, key


async def test_launch_confirmation_title_and_warning_are_shown_whole():
    from textual.app import App

    from tui.console.screens.launch import ConfirmLaunch

    target = Target(profile="test", org_id="0123456789ABCDEF01234567@AdobeOrg", sandbox="marketing-dev",
                    platform_url="http://127.0.0.1:1", is_emulator=True)
    warning = "The previous launch may have created a job: check the job list before sending again."

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ConfirmLaunch(target, [("Dataset", "ds-1")], warning=warning))

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for selector, ending in ((".title", "marketing-dev (EMULATOR)?"), (".warning", "sending again.")):
            label = app.screen.query_one(selector)
            box = label.parent
            assert box is not None
            assert box.content_region.contains_region(label.region), selector
            assert shown_text(label).endswith(ending.split()[-1]), shown_text(label)
