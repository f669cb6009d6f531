"""Issue 14: the message log (M), the API call log (L), toasts that never cover the status line or an
input, and a server's refusal of a launch kept in the editor's validation panel."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static
from textual.widgets._toast import Toast

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.calls import CallLogScreen
from tui.console.screens.detail import DetailScreen
from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
from tui.console.screens.message_log import MessageLogScreen
from tui.core.errors import InvalidRequestError


def jobs() -> FakeJobsAPI:
    return FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED"), job_record(3, "FAILED")])


async def test_m_lists_every_message_newest_first_filters_and_opens_the_job(make_app):
    app = make_app(jobs())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.say("first, about nothing in particular")
        app.say("Job 2 SUCCEEDED (batch B2).", job_id="2", kind="transition")
        app.say("a warning about the sky", "warning")
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MessageLogScreen)
        table = screen.query_one(DataTable)
        texts = [table.get_row_at(i)[3].plain for i in range(table.row_count)]
        assert texts[:3] == ["a warning about the sky", "Job 2 SUCCEEDED (batch B2).",
                             "first, about nothing in particular"]
        await pilot.press(*"batch")  # the filter input has focus
        await pilot.pause()
        assert table.row_count == 1
        assert "1 of" in str(screen.query_one("#log-count", Static).render())
        await pilot.press("enter", "enter")  # to the list, then open the job
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen._initial_job.id == "2"


async def test_colon_log_opens_it_and_enter_on_a_message_without_job_stays(make_app):
    app = make_app(jobs())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.say("no job here")
        app.run_command(":log")
        await pilot.pause()
        assert isinstance(app.screen, MessageLogScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MessageLogScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessageLogScreen)


async def test_a_long_message_is_cut_in_its_row_and_shown_whole_under_the_table(make_app):
    """Seen in tmux at 80 columns: messages ran off the right edge with nothing to read the rest."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        long = ("Job 24995 SUCCEEDED (batch a7040c757e7df8b44d69120e3605fb40) after 12m 31s; its files are "
                "ready: press o on the job for them.")
        app.say(long, job_id="24995")
        await pilot.press("M")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = "".join(s.text for s in table.render_line(1))
        assert row.rstrip().endswith("…") and len(row.rstrip()) <= 80
        await pilot.press("down")
        await pilot.pause()
        assert str(app.screen.query_one("#log-full", Static).render()) == long


async def test_the_message_log_is_bounded(make_app):
    app = make_app(jobs())
    async with app.run_test() as pilot:
        await settle(app, pilot)
        for i in range(2100):
            app.say(f"message {i}", toast=False)
        assert len(app.message_log) == 2000
        assert app.message_log[-1] == ("information", "message 2099")


async def test_toasts_of_one_kind_replace_each_other(make_app):
    app = make_app(jobs())
    async with app.run_test() as pilot:
        await settle(app, pilot)
        for i in range(5):
            app.say(f"error {i}", "error")
        app.say("just so you know")
        await pilot.pause()
        assert sorted(n.message for n in app._notifications) == ["error 4", "just so you know"]
        assert len(app.message_log) >= 6  # every one of them kept


async def test_toasts_never_cover_the_status_line_or_the_open_filter(make_app):
    app = make_app(jobs())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        for severity in ("information", "warning", "error"):
            app.say(f"a rather long message of severity {severity} that wraps over two lines of a toast",
                    severity)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        toasts = list(app.query(Toast))
        assert len(toasts) == 3
        covered = [screen.query_one("#filter", Input), screen.query_one("#status-line", Static)]
        assert all(w.region.height > 0 for w in covered)
        for toast in toasts:
            for widget in covered:
                assert not toast.region.overlaps(widget.region), (toast.region, widget.id, widget.region)


async def test_l_shows_the_calls_over_real_http_and_copies_curl_and_request_id(make_app):
    from tests.api.emulator_support import emulator_client
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    with EmulatorServer(EmulatorSettings(port=0, jobs=12)) as srv:
        client = emulator_client(srv)
        app = make_app(client)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("L")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CallLogScreen)
            logged = app.call_log.newest_first()
            assert screen.query_one(DataTable).row_count == len(logged) >= 2
            assert any(r.is_ims for r in logged)
            newest = logged[0]
            sent = [r for r in srv.requests if r.request_id]
            assert newest.request_id == sent[-1].request_id  # the emulator's x-request-id
            await pilot.press("r")
            assert app.clipboard == newest.request_id
            await pilot.press("c")
            curl = app.clipboard
            assert curl.startswith(f"curl -X GET '{srv.base_url}{newest.path}'")
            assert '"Authorization: Bearer $ACCESS_TOKEN"' in curl
            assert app.api.auth._token not in curl and "emulator-secret" not in curl
            await pilot.press("escape")
            app.run_command(":calls")
            await pilot.pause()
            assert isinstance(app.screen, CallLogScreen)


async def test_the_call_log_shows_status_and_latency_at_80_columns(make_app):
    """Seen in tmux: at 80 columns the path column took the width and the status was cut to "sta"."""
    from tui.api.calllog import CallRecord

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        long_path = "/data/foundation/catalog/dataSets?limit=100&start=0&properties=name,schemaRef" + "&x=1" * 20
        app.call_log(CallRecord("GET", long_path, 503, 123.0, attempt=2, request_id="rid-1"))
        await pilot.press("L")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        header = "".join(s.text for s in table.render_line(0))
        row = "".join(s.text for s in table.render_line(1))
        assert "status" in header and "ms" in header and "path" in header
        assert "503" in row and "123" in row and "…" in row  # the path gives way, cut with …
        await pilot.resize_terminal(200, 30)
        await pilot.pause()
        assert long_path[:100] in "".join(s.text for s in table.render_line(1))


class Refusing(FakeJobsAPI):
    async def create_job(self, payload):
        await self._call("create_job", payload)
        raise InvalidRequestError("Creating the export job failed because the Platform refused the payload "
                                  "(destination dataset is not a profile dataset).", status=400,
                                  request_id="9f3c2a77")


async def test_a_launch_refused_by_the_server_stays_in_the_panel_until_the_payload_changes(make_app):
    api = Refusing()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmLaunch)
        await pilot.press("y")
        await settle(app, pilot)
        if isinstance(app.screen, ConfirmLaunch):  # a second confirmation (no dataset picked)
            await pilot.press("y")
            await settle(app, pilot)
        assert app.screen is screen and api.count("create_job") == 1
        panel = str(screen.query_one("#validation", Static).render())
        assert "the server refused the last launch" in panel and "request id 9f3c2a77" in panel
        assert "ready to launch" not in panel
        app.clear_notifications()  # the toast goes; the panel keeps it
        screen._validate_now(schedule=False)
        assert "request id 9f3c2a77" in str(screen.query_one("#validation", Static).render())
        screen.editor.insert(" ")  # the payload changed (still valid JSON)
        await pilot.pause()
        screen._validate_now(schedule=False)
        panel = str(screen.query_one("#validation", Static).render())
        assert "refused" not in panel
        assert any("request id 9f3c2a77" in text for _, text in app.message_log)


async def test_a_planted_token_and_secret_never_reach_the_screens(make_app):
    import time as clock

    from tui.api.calllog import record_for
    from tui.core.logging import forget_secrets, register_secret

    token, secret = "tok-PLANTED-screen-1234", "sec-PLANTED-screen-5678"
    register_secret(token)
    register_secret(secret)
    try:
        app = make_app(jobs())
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(app, pilot)
            app.call_log(record_for("GET", f"https://p.test/jobs?offset={token}&client_secret={secret}",
                                    status=429, started=clock.monotonic(),
                                    headers={"x-request-id": f"id-{secret}", "retry-after": token},
                                    body=b"{}"))
            app.say(f"The server said Bearer {token} and {secret}", "error")
            await pilot.press("L")
            await pilot.pause()
            shot = app.export_screenshot()
            await pilot.press("escape", "M")
            await pilot.pause()
            shot += app.export_screenshot()
            await pilot.press("escape")
            await pilot.press("L", "c")
            shot += app.clipboard or ""
        assert "429" in shot and "said" in shot  # (SVG spaces are &#160;)
        assert token not in shot and secret not in shot
    finally:
        forget_secrets()
