"""Production safety in the console: the PROD badge, typed-name confirmations for cancel and launch,
fail closed when the sandbox type is unknown (said once), ``confirm_production = "yes"``."""

from __future__ import annotations

from textual.widgets import Button, Input

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.confirm import ConfirmScreen
from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
from tui.console.widgets.header import HeaderState, header_text
from tui.core.config import SafetySettings


def prod_api(kind: str = "production") -> FakeJobsAPI:
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "NEW")])
    api.sandbox_type = kind
    return api


def header_plain(app) -> str:
    return header_text(app.header_state()).plain


async def test_cancel_in_production_needs_the_typed_sandbox_name(make_app):
    api = prod_api()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert " PROD " in header_plain(app)
        await pilot.press("ctrl+d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        title = str(screen.query_one("#confirm-title").render())
        assert "profile test" in title and "sandbox prod (production)" in title
        assert screen.query_one("#yes", Button).disabled
        await pilot.press("y", "enter")  # y is typed into the field, not a confirmation; "y" is not the name
        await pilot.pause()
        assert app.screen is screen and api.count("cancel_job") == 0
        field = screen.query_one("#typed-name", Input)
        field.value = ""
        await pilot.press(*"pro")
        assert screen.query_one("#yes", Button).disabled
        await pilot.press("d")
        assert not screen.query_one("#yes", Button).disabled
        await pilot.press("enter")
        await settle(app, pilot)
        assert api.count("cancel_job") == 1


async def test_escape_aborts_a_production_cancel(make_app):
    api = prod_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press(*"prod", "escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen) and api.count("cancel_job") == 0


async def test_development_keeps_the_plain_y_and_has_no_badge(make_app):
    api = prod_api("development")
    app = make_app(api)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert " PROD " not in header_plain(app)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert not app.screen.query("#typed-name")
        await pilot.press("y")
        await settle(app, pilot)
        assert api.count("cancel_job") == 1


async def test_confirm_production_yes_keeps_the_plain_y_in_production(make_app):
    api = prod_api()
    app = make_app(api, safety=SafetySettings(confirm_production="yes"))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert " PROD " in header_plain(app)  # the badge stays
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert api.count("cancel_job") == 1


async def test_unknown_type_is_production_and_said_once(make_app):
    api = prod_api("error")
    app = make_app(api)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert " PROD " in header_plain(app)
        notes = [m for _, m in app.message_log if "treats it as production" in m]
        assert len(notes) == 1
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        app.sandbox_kind = None
        await app._learn_kind()  # learned again (a switch back): still said only once
        assert len([m for _, m in app.message_log if "treats it as production" in m]) == 1
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.screen.query("#typed-name")


async def test_launch_in_production_needs_the_typed_sandbox_name(make_app):
    api = prod_api()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        await pilot.press("f2", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmLaunch)
        await pilot.press("y", "y")
        await pilot.pause()
        assert app.screen is screen and api.count("create_job") == 0
        screen.query_one("#typed-name", Input).value = ""
        await pilot.press(*"prod", "enter")
        await settle(app, pilot)
        assert api.count("create_job") == 1


def test_prod_badge_is_reverse_video_also_without_colour():
    from tests.fakes import FakeJobsAPI as Fake
    from tui.console.polling import PollState

    text = header_text(HeaderState(Fake().target, False, PollState(interval=5), production=True))
    spans = [s for s in text.spans if text.plain[s.start:s.end] == " PROD "]
    assert spans and "reverse" in str(spans[0].style)  # a style attribute, kept when NO_COLOR drops colours


async def test_production_header_no_color_80x24(make_app, utc, svg_snapshot, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(prod_api())
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press(*"pr")
        await pilot.pause()
        assert app.export_screenshot(title="aepx") == svg_snapshot
