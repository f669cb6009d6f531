"""What an operator tripped over (issue 13): the detail screen, read-only sentences, the header on
every screen."""

from __future__ import annotations

from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.detail import DetailScreen
from tui.console.screens.help import HelpScreen
from tui.console.screens.jobs import JobsScreen


def jobs_api() -> FakeJobsAPI:
    return FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "NEW"), job_record(3, "SUCCEEDED"),
                        job_record(4, "PROCESSING")])


def warnings(app) -> list[str]:
    return [m for sev, m in app.message_log if sev == "warning"]


async def open_detail(app, pilot, wait, job_id: str) -> DetailScreen:
    app.open_detail_screen(app.model.jobs[job_id])
    await wait(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    return app.screen


async def test_ctrl_d_on_a_finished_job_in_the_detail_says_why(make_app, wait):
    app = make_app(jobs_api())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(app, pilot)
        await open_detail(app, pilot, wait, "3")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert warnings(app)[-1] == "Job 3 is SUCCEEDED; only NEW or PROCESSING jobs can be cancelled."


async def test_detail_help_lists_only_what_works_there(make_app, wait):
    app = make_app(jobs_api())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(app, pilot)
        await open_detail(app, pilot, wait, "1")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict((label, keys) for keys, label in app.screen.rows)
        assert ":" not in rows.values()
        assert not [label for label in rows if "marked" in label]
        assert rows["Cancel this job"] == "^d"
        await pilot.press("escape")
        app.pop_screen()
        await open_detail(app, pilot, wait, "3")  # SUCCEEDED: the app's ctrl+d answers here (seen in tmux)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = dict((label, keys) for keys, label in app.screen.rows)
        assert not [label for label in rows if "marked" in label], rows
        assert rows["Cancel this job (for a finished one: says why it cannot be)"] == "^d"


async def test_read_only_keys_say_why_they_do_nothing(make_app, wait):
    app = make_app(jobs_api(), read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(app, pilot)
        for key, what in (("ctrl+d", "cancelling jobs"), ("n", "launching jobs"), ("f2", "writing a profile")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, JobsScreen)
            assert warnings(app)[-1] == (f"Read-only mode: {what} is disabled; restart without --read-only "
                                         "to do it.")
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert not shown & {"cancel", "launch", "setup"}  # still hidden from the footer
        await pilot.press("space")
        await pilot.pause()
        assert "marks only select" in warnings(app)[-1]


def footer_width(app) -> int:
    """The width the compact footer needs: "key description" items one space apart, then ``▏^p palette``."""
    shown = {app.get_key_display(b.binding): b.binding.description
             for b in app.screen.active_bindings.values() if b.binding.show and b.enabled}
    width = sum(len(key) + 1 + len(description) for key, description in shown.items()) + len(shown) - 1
    return width + len("▏^p palette")


async def test_every_screen_has_the_header_with_a_breadcrumb_and_a_footer_of_80_columns(make_app, wait, tmp_path,
                                                                                        monkeypatch):
    from tui.console.widgets.header import AppHeader

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app(jobs_api(), read_only=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        assert footer_width(app) <= 80
        seen = {}
        for opener in (lambda: app.open_detail_screen(app.model.jobs["1"]), lambda: app.action_launch(),
                       app.action_message_log, app.action_call_log, app.action_pulse):
            opener()
            await wait(app, pilot)
            header = app.screen.query_one(AppHeader)
            text = str(header.render())
            assert "profile test" in text and "sandbox" in text, text
            seen[header.crumb] = footer_width(app)
            app.pop_screen()
            await wait(app, pilot)
        assert set(seen) == {"jobs › 1", "jobs › new job", "jobs › messages", "jobs › API calls", "jobs › pulse"}
        assert max(seen.values()) <= 80, seen


def test_the_identity_line_fits_the_width_and_never_cuts_the_sandbox_or_badges():
    from tui.console.polling import PollState
    from tui.console.widgets.header import HeaderState, identity_line
    from tui.core.models import Target

    target = Target(profile="production-eu-operators", org_id="0123456789ABCDEF01234567@AdobeOrg",
                    sandbox="prod-eu", platform_url="https://platform.adobe.io", client_id="c")
    state = HeaderState(target, True, PollState(interval=5), production=True)
    full = identity_line(state, "jobs › 24998").plain
    assert "org 0123456789ABCDEF01234567@AdobeOrg" in full
    for width in (120, 100, 78, 60, 48):
        line = identity_line(state, "jobs › 24998", width).plain
        assert len(line) <= width, (width, line)
        assert "sandbox prod-eu" in line and "PROD" in line and "READ-ONLY" in line, line
    assert "jobs › 24998" in identity_line(state, "jobs › 24998", 78).plain  # the org id gives way first


async def test_the_header_is_two_lines_at_80_columns_with_a_long_org_id(make_app, wait):
    from tui.console.widgets.header import AppHeader
    from tui.core.models import Target

    api = jobs_api()
    api.target = Target(profile="production-eu-operators", org_id="0123456789ABCDEF01234567@AdobeOrg",
                        sandbox="prod-eu", platform_url="https://platform.adobe.io", client_id="c")
    app = make_app(api, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        assert app.screen.query_one(AppHeader).size.height == 2
        await open_detail(app, pilot, wait, "1")
        header = app.screen.query_one(AppHeader)
        assert header.size.height == 2 and "READ-ONLY" in str(header.render())
        await pilot.resize_terminal(170, 30)
        await pilot.pause()
        assert "0123456789ABCDEF01234567@AdobeOrg" in str(header.render())  # room again: the whole id


async def test_detail_header_shows_stale_and_read_only(make_app, wait):
    from tui.console.widgets.header import AppHeader
    from tui.core.errors import ServerError

    api = jobs_api()
    app = make_app(api, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await open_detail(app, pilot, wait, "1")
        text = str(app.screen.query_one(AppHeader).render())
        assert "aepx › jobs › 1" in text and "READ-ONLY" in text and "STALE" not in text
        api.fail_with = ServerError("Platform returned 503", status=503)
        app.refresh_now()
        await wait(app, pilot)
        assert "STALE" in str(app.screen.query_one(AppHeader).render())


async def test_whole_columns_only_and_wide_terminals_use_the_extra_width(make_app, wait):
    from tui.console.widgets.job_table import JobTable

    records = [job_record(1, "FAILED", errors=[{"code": "E", "msg": "boom"}]), job_record(2, "SUCCEEDED")]
    for size, expected in (((120, 40), ("mark", "id", "status", "created", "updated", "duration")),
                           ((200, 40), ("mark", "id", "status", "created", "updated", "duration", "phase",
                                        "dataset", "batch", "errors")),
                           ((80, 24), ("mark", "id", "status", "created", "duration", "phase", "batch"))):
        app = make_app(FakeJobsAPI(records))
        async with app.run_test(size=size) as pilot:
            await wait(app, pilot)
            table = app.screen.query_one(JobTable)
            assert tuple(str(k.value) for k in table.columns) == expected, size
            # every shown column is whole: the table's region holds them all (no one-letter stub)
            needed = sum(c.get_render_width(table) for c in table.columns.values())
            assert needed <= table.scrollable_content_region.width, size
            if size[0] >= 120:
                pane = app.screen.query_one("#detail-pane")
                assert pane.region.width >= 54 and table.region.right <= pane.region.x
            assert "1" in table.row_ids() and "2" in table.row_ids()


async def test_sorting_shows_the_sorted_column_on_a_narrow_terminal(make_app, wait):
    from tui.console.widgets.job_table import JobTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one(JobTable)
        assert "updated" not in [str(k.value) for k in table.columns]
        await pilot.press("U")
        await pilot.pause()
        labels = [c.label.plain for c in table.columns.values()]
        assert any(label.startswith("updated") and label.endswith(("▲", "▼")) for label in labels)
        assert table.row_count == 5


async def test_j_k_scroll_the_full_screen_detail_and_raw_is_per_job(make_app, wait):
    app = make_app(jobs_api())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        screen = await open_detail(app, pilot, wait, "1")
        body = screen.query_one("#detail-body")
        assert body.max_scroll_y > 0
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert body.scroll_y == 3
        await pilot.press("k")
        await pilot.pause()
        assert body.scroll_y == 2
        detail = screen.detail
        await pilot.press("y")
        await pilot.pause()
        assert detail.raw_visible
        detail.show(app.model.jobs["2"])
        await pilot.pause()
        assert not detail.raw_visible


async def test_raw_json_is_never_wrapped_and_scrolls_sideways(make_app, wait):
    fields = ",".join(f"person.attribute{i}.value" for i in range(12))  # one token, far wider than 80 cells
    app = make_app(FakeJobsAPI([job_record(1, "SUCCEEDED", fields=fields)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        screen = await open_detail(app, pilot, wait, "1")
        await pilot.press("y")
        await pilot.pause()
        raw = screen.query_one("#detail-raw")
        lines = screen.detail.raw_text().splitlines()
        assert raw.virtual_size.height == len(lines)  # one screen line per JSON line: nothing wrapped
        assert raw.virtual_size.width >= max(len(line) for line in lines)
        shown = _screen_lines(app)
        assert any(line.strip().startswith('"fields": "person.attribute0.value,') for line in shown)
        await pilot.press("l", "l")
        await pilot.pause()
        assert raw.scroll_x == 16
        await pilot.press("h")
        await pilot.pause()
        assert raw.scroll_x == 8
        await pilot.press("left")
        await pilot.pause()
        assert raw.scroll_x < 8


def _screen_lines(app) -> list[str]:
    update = app.screen._compositor.render_update(full=True)
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def test_setup_lower_cases_the_sandbox():
    from tui.console.screens.setup import profile_from_form

    profile = profile_from_form({"name": "work", "org_id": "O@AdobeOrg", "client_id": "c", "sandbox": "Prod-EU",
                                 "platform_url": "https://platform.adobe.io", "ims_url": "https://ims-na1.adobelogin.com",
                                 "scopes": ""})
    assert profile.sandbox == "prod-eu"


def test_status_line_says_loading_then_what_is_empty():
    from tui.console.state import JobListModel
    from tui.core.models import Page

    model = JobListModel(page_size=10)
    model.reset(status="PROCESSING")
    assert model.status_line("prod") == "loading PROCESSING jobs in sandbox prod…"
    model.replace_page(Page(jobs=(), next_cursor=None), None)
    assert model.status_line("prod") == "no PROCESSING jobs in sandbox prod"
    assert "rows 0–0" not in model.status_line("prod")


async def test_status_line_loading_until_the_first_answer(make_app, wait):
    import asyncio

    api = FakeJobsAPI([])
    api.gate = asyncio.Event()
    app = make_app(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one("#status-line").render())
        assert line == "loading jobs in sandbox prod…"
        api.gate.set()
        await wait(app, pilot)
        assert str(app.screen.query_one("#status-line").render()) == "no jobs in sandbox prod"


async def test_detail_says_cancelling_at_once_and_refreshes_on_the_answer(make_app, wait):
    import asyncio

    from tui.console.screens.confirm import ConfirmScreen

    api = jobs_api()
    app = make_app(api)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(app, pilot)
        screen = await open_detail(app, pilot, wait, "1")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        api.gate = asyncio.Event()
        gets = api.count("get_job")
        await pilot.press("y")
        for _ in range(20):
            await pilot.pause()
            if screen.detail.cancelling:
                break
        stuck = str(screen.query_one("#detail-stuck").render())
        assert "cancelling…" in stuck and "cancels it" not in stuck
        api.gate.set()
        api.gate = None
        await wait(app, pilot)
        await pilot.pause()
        assert not screen.detail.cancelling
        assert api.count("get_job") > gets
        assert "cancelling…" not in str(screen.query_one("#detail-stuck").render())


async def test_a_secret_entered_in_setup_without_a_keyring_is_used_for_this_run(make_app, wait, monkeypatch):
    from tui.console.screens.setup import SetupResult
    from tui.core.profile import Profile
    from tui.core.secret import Secret

    made = []

    def factory(profile, sandbox, secret=None):
        import dataclasses

        made.append((profile, sandbox, secret))
        api = FakeJobsAPI([job_record(7, "NEW")])
        api.target = dataclasses.replace(api.target, profile=profile or "work", sandbox=sandbox or "prod")
        return api

    app = make_app(jobs_api(), api_factory=factory)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        pushed = []
        monkeypatch.setattr(app, "push_screen", lambda screen, callback=None: pushed.append(callback))
        app.action_setup()
        profile = Profile(name="work", org_id="O@AdobeOrg", client_id="c", sandbox="prod")
        pushed[0](SetupResult(profile, Secret("s3cret"), secret_stored=False,
                              message="No keyring: the secret is kept in memory for this run only."))
        await wait(app, pilot)
        assert made and made[0][0] == "work" and made[0][2] is not None
        assert made[0][2].reveal() == "s3cret"
        monkeypatch.undo()
        app.run_command(":sandbox dev")
        await wait(app, pilot)
        assert made[-1][1] == "dev" and made[-1][2] is not None  # the same in-memory secret


async def test_a_platform_that_is_down_is_stale_after_one_poll(make_app, wait):
    import httpx

    from tui.api.client import PlatformClient
    from tui.core.profile import Profile
    from tui.core.secret import Secret

    attempts = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ConnectError("Connection refused", request=request)

    async def no_sleep(_seconds: float) -> None:
        return None

    profile = Profile(name="down", org_id="O@AdobeOrg", client_id="c", sandbox="prod",
                      platform_url="http://127.0.0.1:9", ims_url="http://127.0.0.1:9")
    client = PlatformClient(profile, Secret("s"), transport=httpx.MockTransport(refuse), sleep=no_sleep)
    app = make_app(client)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert app.poll.stale
        assert len(attempts) <= 2 * 2, attempts  # the sandbox type and the page: each tried twice at most
        header = str(app.screen.query_one("#header").render())
        assert "STALE" in header and "refreshing…" not in header


async def test_a_refused_secret_offers_to_enter_it_again(make_app, wait):
    import dataclasses

    from tui.console.screens.secret_prompt import SecretPromptScreen
    from tui.core.errors import AuthError

    made = []

    def factory(profile, sandbox, secret=None):
        made.append((profile, sandbox, secret))
        api = FakeJobsAPI([job_record(7, "NEW")])
        api.target = dataclasses.replace(api.target, profile=profile or "test", sandbox=sandbox or "prod")
        return api

    refused = jobs_api()
    refused.fail_with = AuthError("IMS refused the client credentials (invalid_client); check the client secret.")
    app = make_app(refused, api_factory=factory)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert app.poll.stale
        errors = [m for sev, m in app.message_log if sev == "error"]
        assert errors[-1].endswith("Press E to enter the client secret again.")
        from tui.console.widgets.header import AppHeader

        stale = str(app.screen.query_one(AppHeader).render())  # said where it stays: the STALE line
        assert "STALE" in stale and "Press E to enter the client secret again." in stale
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, SecretPromptScreen)
        await pilot.press(*"n3w-secret", "enter")
        await wait(app, pilot)
        assert made and made[-1][0] == "test" and made[-1][2].reveal() == "n3w-secret"
        assert not app.poll.stale and "7" in app.model.jobs


async def test_ids_in_the_detail_are_never_broken_across_lines(make_app, wait):
    long_id = "0123456789abcdef0123456789abcdef"
    api = FakeJobsAPI([job_record(1, "SUCCEEDED", dataset="ds-" + long_id * 2)])
    api.records["1"]["mergePolicy"] = {"id": "mp-" + long_id * 2, "version": 3}
    app = make_app(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        screen = await open_detail(app, pilot, wait, "1")
        for row in ("merge", "dataset"):
            widget = screen.query_one(f"#val-{row}")
            assert widget.size.height == 1, row
            assert str(widget.render_line(0).text).rstrip().endswith("…"), row


async def test_gateway_ids_and_the_data_access_path_keep_one_line_each(make_app, wait):
    export, push = "db3789c7-b012-440a-a172-d7d3d1028504", "5f0c1e2d-9a8b-47c6-b5d4-3e2f1a0b9c8d-push"
    api = FakeJobsAPI([job_record(1, "SUCCEEDED")])
    api.records["1"]["computeGatewayJobId"] = {"exportJob": export, "pushJob": push}
    api.records["1"]["destination"]["batchId"] = "a7040c757e7df8b44d69120e3605fb40"
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:  # the docked detail: 54 cells
        await wait(app, pilot)
        for _ in range(2):
            path = app.screen.query_one("#detail-hint-path")  # the Data Access path: one line, cut with …
            assert path.size.height == 1 and str(path.render_line(0).text).rstrip().endswith(("…", "/files"))
            widget = app.screen.query_one("#val-gateway")
            assert widget.size.height == 2
            lines = [str(widget.render_line(y).text).rstrip() for y in range(2)]
            assert lines[0] == f"export {export}" or lines[0].endswith("…"), lines
            assert lines[1] == f"push {push}" or lines[1].endswith("…"), lines
            await pilot.resize_terminal(80, 24)
            await wait(app, pilot)
            await open_detail(app, pilot, wait, "1")


async def test_a_hang_up_flushes_the_draft_before_leaving(make_app, wait, tmp_path, monkeypatch):
    from tui.console.screens.launch import LaunchScreen
    from tui.core import drafts

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app(jobs_api())
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("n")
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        screen._draft_delay = 3600  # the debounce would not fire before the hang-up
        screen.editor.replace_all('{"fields": "typed just before the hang-up"}')
        await pilot.pause()
        app.hang_up()
        assert "typed just before the hang-up" in (drafts.load_draft(screen.draft_path) or "")
    assert app.return_code == 1


async def test_saving_over_an_existing_file_asks_first_and_errors_keep_the_prompt(make_app, wait, tmp_path,
                                                                                  monkeypatch):
    from tui.console.screens.launch import LaunchScreen
    from tui.console.screens.pickers import PathPrompt

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    target = tmp_path / "payload.json"
    target.write_text("KEEP ME")
    app = make_app(jobs_api())
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("n")
        await wait(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        await pilot.press("ctrl+g")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        prompt.query_one("#picker-value").value = str(tmp_path / "no-such-dir" / "p.json")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt and "There is no folder" in str(prompt.query_one("#picker-hint").render())
        prompt.query_one("#picker-value").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt and "exists: press enter again" in str(prompt.query_one("#picker-hint").render())
        assert target.read_text() == "KEEP ME"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen) and target.read_text() != "KEEP ME"


async def test_f3_while_datasets_load_opens_the_picker_at_once(make_app, wait, tmp_path, monkeypatch):
    import asyncio

    from tui.console.screens.launch import LaunchScreen
    from tui.console.screens.pickers import DatasetPicker

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    api = jobs_api()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.gate = asyncio.Event()
        await pilot.press("n")
        for _ in range(5):
            await pilot.pause()
        editor_screen = app.screen
        assert isinstance(editor_screen, LaunchScreen)
        before = editor_screen.editor.text
        await pilot.press("f3")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, DatasetPicker) and picker.loading
        assert "loading…" in str(picker.query_one("#picker-hint").render())
        await pilot.press("enter")  # nothing to choose yet: stays, and never reaches the editor
        await pilot.pause()
        assert app.screen is picker and editor_screen.editor.text == before
        api.gate.set()
        api.gate = None
        for _ in range(10):
            await pilot.pause()
            if not picker.loading:
                break
        assert not picker.loading and "1 of 1" in str(picker.query_one("#picker-hint").render())
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor_screen and '"ds-1"' in editor_screen.editor.text


async def test_quitting_while_a_launch_is_sent_asks_for_a_second_press(make_app, wait):
    import asyncio

    app = make_app(jobs_api())
    async with app.run_test() as pilot:
        await wait(app, pilot)
        release = asyncio.Event()
        app.run_worker(release.wait(), group="launch")
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert warnings(app)[-1].startswith("A launch is being sent: press q again to quit anyway")
        await pilot.press("q")
        await pilot.pause()
        release.set()
    assert app.return_code == 0


async def test_datasets_are_named_in_the_table_the_detail_and_the_filter(make_app, wait):
    """Item 9: the extra width shows the dataset's name (the Catalog's), else its id."""
    from tui.console.widgets.job_table import JobTable

    api = FakeJobsAPI([job_record(1, "SUCCEEDED"), job_record(2, "SUCCEEDED", dataset="ds-unknown")])
    app = make_app(api)
    async with app.run_test(size=(170, 40)) as pilot:
        await wait(app, pilot)
        assert any(name == "list_datasets" for name, _ in api.calls)
        table = app.screen.query_one(JobTable)
        assert "dataset" in table.visible_columns
        assert table.get_cell("1", "dataset").plain == "Profile export target"
        assert table.get_cell("2", "dataset").plain == "ds-unknown"  # not in the Catalog: the id
        assert "Profile export target (ds-1)" in str(app.screen.query_one("#val-dataset").render())
        await pilot.press("slash", *"export target")
        await wait(app, pilot)
        assert table.row_ids() == ["1"]


async def test_dataset_names_that_fail_to_load_cost_only_the_names(make_app, wait):
    from tui.core.errors import ServerError

    api = FakeJobsAPI([job_record(1, "SUCCEEDED")])

    async def broken(**_):
        raise ServerError("Listing datasets failed because the Platform answered 503; try again later.")

    api.list_datasets = broken
    app = make_app(api)
    async with app.run_test(size=(170, 40)) as pilot:
        await wait(app, pilot)
        assert app.screen.table.get_cell("1", "dataset").plain == "ds-1"
        said = [m for sev, m in app.message_log if sev == "warning"]
        assert any(m.startswith("Dataset names could not be loaded, so datasets are shown by id") for m in said)
        assert not app._notifications  # no toast for it
