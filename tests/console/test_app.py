"""Pilot tests of the app shell: setup form, detail and launch integration, the error handler."""

from __future__ import annotations

from textual.widgets import Input

from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.jobs import JobsScreen
from tui.console.screens.setup import SetupScreen
from tui.console.widgets.job_table import JobTable
from tui.core.config import load_config


def table(app) -> JobTable:
    return app.jobs_screen.query_one(JobTable)


async def test_setup_form_writes_a_valid_profile(make_app, wait, tmp_path, memory_keyring):
    path = tmp_path / "config.toml"
    app = make_app(setup_path=path, notice="No config found: press F2 to set up a real profile.")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        values = {"name": "work", "org_id": "ABC123@AdobeOrg", "client_id": "cid-1", "sandbox": "dev",
                  "secret": "s3cr3t-value"}
        for key, value in values.items():
            app.screen.query_one(f"#field-{key}", Input).value = value
        await pilot.press("ctrl+s")
        await wait(app, pilot)
        assert isinstance(app.screen, JobsScreen)
    profile = load_config(path).profile("work")
    assert (profile.org_id, profile.client_id, profile.sandbox) == ("ABC123@AdobeOrg", "cid-1", "dev")
    assert load_config(path).default_profile == "work"
    assert "s3cr3t-value" not in path.read_text()
    assert "s3cr3t-value" in memory_keyring.store.values()
    assert any(m.startswith("Profile work saved.") for _, m in app.message_log)


async def test_setup_form_refuses_an_invalid_profile(make_app, wait, tmp_path):
    path = tmp_path / "config.toml"
    app = make_app(setup_path=path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "bad name!"
        await pilot.press("ctrl+s")
        await wait(app, pilot)
        assert isinstance(app.screen, SetupScreen)
        assert "Profile name" in str(app.screen.query_one("#setup-error").render())
        await pilot.press("escape")
    assert not path.exists()


async def test_narrow_enter_opens_the_detail_screen_and_esc_returns(make_app, wait):
    from tui.console.screens.detail import DetailScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.detail.job.id == "2"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen) and table(app).highlighted_id == "2"


async def test_wide_detail_follows_the_highlighted_row(make_app, wait):
    from tui.console.widgets.detail import JobDetail

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        detail = app.screen.query_one(JobDetail)
        assert detail.display and detail.job.id == "1"
        await pilot.press("down", "down")
        await pilot.pause()
        assert detail.job.id == "3"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)  # wide: enter focuses the docked detail
        assert app.focused is not None and detail in app.focused.ancestors_with_self
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is table(app)


async def test_detail_refresh_updates_the_row(make_app, wait):
    from tui.console.widgets.detail import JobDetail
    from tui.core.models import Job

    api = FakeJobsAPI([job_record(1, "PROCESSING")])
    app = make_app(api)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        detail = app.screen.query_one(JobDetail)
        detail.post_message(JobDetail.JobRefreshed(Job.parse(job_record(1, "SUCCEEDED"))))
        await wait(app, pilot)
        assert table(app).get_cell("1", "status").plain == "✔ SUCCEEDED"
        assert "Job 1 SUCCEEDED (batch BATCH00000001)." in [m for _, m in app.message_log]


async def test_detail_screen_refresh_reaches_the_list_once(make_app, wait):
    """Narrow terminals: the full-screen detail's poll result bubbles to the app and updates the row once."""
    from tui.console.screens.detail import DetailScreen
    from tui.console.widgets.detail import JobDetail
    from tui.core.models import Job

    api = FakeJobsAPI([job_record(1, "PROCESSING")])
    app = make_app(api)
    merged: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        original = app.model.merge
        app.model.merge = lambda jobs, **kw: (merged.extend(j.id for j in jobs), original(jobs, **kw))[1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        app.screen.detail.post_message(JobDetail.JobRefreshed(Job.parse(job_record(1, "SUCCEEDED"))))
        await pilot.pause()
        await pilot.pause()
        assert merged == ["1"]
        assert app.model.jobs["1"].status == "SUCCEEDED"
        assert "Job 1 SUCCEEDED (batch BATCH00000001)." in [m for _, m in app.message_log]


async def test_docked_detail_follows_the_list_poll_without_its_own_requests(make_app, wait):
    """The docked detail shows a visible row, which the list poll already refreshes: no extra GET."""
    from tui.console.widgets.detail import JobDetail

    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED")])
    app = make_app(api)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait(app, pilot)
        detail = app.screen.query_one(JobDetail)
        assert detail.job.id == "1" and detail.job.is_active and not detail.polling
        api.records["1"] = job_record(1, "SUCCEEDED")
        app.refresh_now()
        await wait(app, pilot)
        assert detail.job.status == "SUCCEEDED"
        assert api.count("get_job") == 0


async def test_launch_selects_and_follows_the_new_job(make_app, wait):
    from tui.console.screens.launch import LaunchScreen

    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("n")
        await wait(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await wait(app, pilot)
        assert isinstance(app.screen, JobsScreen)
        assert api.count("create_job") == 1
        assert table(app).highlighted_id == "100000"
        assert table(app).row_ids()[0] == "100000"
        assert app.model.followed == "100000" and "100000" in app.model.seen_active


async def test_unexpected_worker_error_is_one_sentence_not_a_crash(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        api.fail_with = ValueError("boom with internals")  # not an AepxError
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert app.is_running
        severity, message = app.message_log[-1]
        assert severity == "error"
        assert message.startswith("Refreshing the job list failed unexpectedly (ValueError)")
        assert "boom" not in message


async def test_on_unmount_closes_the_api(make_app, wait):
    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("q")
    assert ("aclose", None) in api.calls


async def test_secret_prompt_returns_a_secret_and_never_shows_it():
    from tui.console.screens.secret_prompt import SecretPromptApp, SecretPromptScreen
    from tui.core.secret import Secret

    app = SecretPromptApp("work", "No client secret found for profile work.")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("enter")  # empty: refused, the prompt stays
        await pilot.pause()
        assert isinstance(app.screen, SecretPromptScreen)
        await pilot.press(*"hunter2")
        await pilot.pause()
        assert "hunter2" not in app.export_screenshot()
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_value == Secret("hunter2")
    assert "hunter2" not in repr(app.return_value)


async def test_the_start_up_secret_prompt_says_why_in_one_sentence_and_the_secret_serves_the_run(monkeypatch):
    """Issue 13, item 21: the prompt's reason was the CLI's whole remedy list (7 lines in the box);
    item 2: a secret typed there is kept for ``:sandbox`` and ``:profile`` back to it."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    from tui.console import run as run_module
    from tui.console.screens.secret_prompt import SecretPromptApp, SecretPromptScreen, stored_nowhere
    from tui.core.credentials import resolve_secret
    from tui.core.errors import CredentialsError
    from tui.core.profile import Profile
    from tui.core.secret import Secret

    keyring.set_keyring(FailKeyring())
    profile = Profile(name="work", org_id="ORG@AdobeOrg", client_id="abcdef0123456789abcdef0123456789",
                      sandbox="prod")
    problem = resolve_secret(profile).error()
    assert isinstance(problem, CredentialsError) and "aepx login" in str(problem)
    reason = stored_nowhere(problem.why)
    assert reason.count(". ") == 0 and reason.endswith(".") and "aepx login" not in reason, reason
    assert "keyring" in reason
    app = SecretPromptApp("work", reason)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SecretPromptScreen)
        assert app.screen.query_one("#secret-reason").size.height <= 2
        await pilot.press("escape")

    seen = {}
    monkeypatch.setattr(SecretPromptApp, "run", lambda self: Secret("typed-secret"))
    monkeypatch.setattr(run_module, "run_console", lambda api, **kw: seen.update(kw) or 0)
    assert run_module.run_console_with_secret_prompt(profile, problem) == 0
    assert seen["session_secrets"] == {"work": Secret("typed-secret")}


async def test_secret_prompt_escape_returns_none():
    from tui.console.screens.secret_prompt import SecretPromptApp

    app = SecretPromptApp("work")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_value is None


async def test_palette_command_runs_the_action(make_app, wait):
    from tui.console.commands import JobsCommands

    api = FakeJobsAPI()
    app = make_app(api)
    async with app.run_test() as pilot:
        await wait(app, pilot)
        provider = JobsCommands(app.screen)
        hits = [hit async for hit in provider.search("refresh now")]
        assert hits
        await hits[0].command()
        await wait(app, pilot)
        assert api.count("list_jobs") == 2
        hits = [hit async for hit in provider.search("sort by id")]
        await hits[0].command()
        await pilot.pause()
        assert app.model.sort_key == "id"


async def test_the_console_says_tidy_sentences(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        app.say("Could not write p.json: No space left on device..")
        assert app.message_log.entries()[-1].text == "Could not write p.json: No space left on device."
