"""Server strings carrying Rich markup or terminal escapes are shown as inert text: in the jobs table,
in notifications and in the CLI table. (The detail pane is covered by the hostile-strings snapshot in
``tests/console/test_snapshots_detail.py``.)"""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from rich.text import Text

from tests.fakes import FakeJobsAPI, job_record
from tui.cli import _register, cli
from tui.core.config import ConsoleSettings, write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

MARKUP = "[bold red]loud[/bold red][link=http://evil.example]click[/link]"
ESCAPES = "\x1b[2J\x1b]8;;http://evil.example\x07x\x9b31m"
HOSTILE = f"{MARKUP}{ESCAPES}"


async def until(predicate, limit_s: float = 10.0) -> None:
    """Wait for a state the app reaches through its own workers (the detail pane polls forever, so
    waiting for every worker to finish would never end)."""
    for _ in range(int(limit_s / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)


def assert_inert(text: str) -> None:
    assert "[bold red]loud" in text  # the markup is kept as literal characters, not interpreted
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in text


async def test_table_and_notification_show_hostile_strings_as_text():
    from tui.console.run import make_console
    from tui.console.widgets.job_table import JobTable

    api = FakeJobsAPI([job_record(1, "PROCESSING", dataset=HOSTILE)])
    app = make_console(api, settings=ConsoleSettings(refresh_seconds=3600))
    async with app.run_test(size=(200, 40)) as pilot:  # 200: the dataset column is shown
        await until(lambda: app.poll.last_ok is not None)
        await pilot.pause()
        table = app.screen.query_one(JobTable)
        cells = table.get_row("1")
        assert all(isinstance(c, Text) for c in cells)
        assert_inert(" ".join(c.plain for c in cells))
        assert not any(span.style and "link" in str(span.style) for c in cells for span in c.spans)

        api.records["1"] = job_record(1, "FAILED", dataset=HOSTILE,
                                      errors=[{"code": MARKUP, "msg": HOSTILE, "callStack": ESCAPES}])
        await pilot.press("ctrl+r")
        await until(lambda: any("FAILED" in m for _, m in app.message_log))
        await pilot.pause()
        failed = [m for _, m in app.message_log if "FAILED" in m]
        assert failed, "the watched job's failure was not announced"
        notes = list(app._notifications)
        assert notes and all(not n.markup for n in notes)  # shown as plain text
        assert "[bold red]loud" in failed[-1]
        app.export_screenshot()  # rendering the toasts must not raise a markup error


def test_cli_table_shows_hostile_strings_as_text(tmp_path):
    settings = EmulatorSettings(port=0, jobs=5)
    with EmulatorServer(settings) as server:
        tenant = server.store.tenant(settings.org, settings.sandbox)
        for job in tenant.jobs.values():
            job.dataset_id = HOSTILE
        config = tmp_path / "aepx.toml"
        write_profile(config, Profile(name="emu", org_id=settings.org, client_id=settings.client_id,
                                      sandbox=settings.sandbox, platform_url=server.base_url,
                                      ims_url=server.base_url), make_default=True)
        _register()
        result = CliRunner().invoke(cli, ["--config", str(config), "jobs", "list"],
                                    env={"AEPX_CLIENT_SECRET": settings.client_secret}, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "[bold red]" in result.stdout or "[bold" in result.stdout  # possibly clipped by the column width
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in result.stdout
