"""The client secret and access tokens never reach config files, logs, argv, CLI output, error
messages, the console's screens and notifications, or Textual's crash output.

One emulator with a distinctive secret serves every test; tokens it issued are read from its store.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from tui.api.client import PlatformClient
from tui.cli import _register, cli
from tui.core.config import write_profile
from tui.core.errors import AepxError
from tui.core.logging import forget_secrets, install_logging
from tui.core.profile import Profile
from tui.core.secret import Secret
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

SECRET = "S3cr3t-Value-for-leak-tests-0a1b2c3d"


ISSUED: list[str] = []


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(EmulatorSettings(port=0, jobs=30, client_secret=SECRET)) as srv:
        issue = srv.store.issue_token

        def recording(org: str) -> tuple[str, int]:
            token, ttl = issue(org)
            ISSUED.append(token)
            return token, ttl

        srv.store.issue_token = recording
        yield srv


@pytest.fixture(autouse=True)
def healthy_tokens(server):
    server.store.monotonic = time.monotonic
    yield
    server.store.monotonic = time.monotonic


def issued_tokens(server: EmulatorServer) -> list[str]:
    return list(ISSUED)  # every token the emulator has handed out so far


def forbidden(server: EmulatorServer) -> list[str]:
    return [SECRET, *issued_tokens(server)]


def fragments(value: str, size: int = 16) -> set[str]:
    """Every ``size``-character piece of ``value``: a truncated value leaks as much as a whole one."""
    return {value[i:i + size] for i in range(0, max(1, len(value) - size + 1))}


def assert_clean(text: str, server: EmulatorServer, where: str) -> None:
    for value in forbidden(server):
        leaked = [piece for piece in fragments(value) if piece in text]
        assert not leaked, f"a secret or token leaked into {where}: {leaked[0]!r}…"


async def until(predicate, limit_s: float = 20.0) -> None:
    """Wait for a state the app reaches through its own workers (no event to await from outside)."""
    for _ in range(int(limit_s / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)


def profile_for(server: EmulatorServer, *, ims_url: str | None = None) -> Profile:
    s = server.settings
    return Profile(name="emu", org_id=s.org, client_id=s.client_id, sandbox=s.sandbox,
                   platform_url=server.base_url, ims_url=ims_url or server.base_url)


def client(server: EmulatorServer, secret: str = SECRET, **kw) -> PlatformClient:
    kw.setdefault("deadline", 2.0)
    return PlatformClient(profile_for(server, ims_url=kw.pop("ims_url", None)), Secret(secret), **kw)


class Leaping:
    """A token clock that leaps a million seconds at every reading: each token is dead on arrival."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return time.monotonic() + self.readings * 1e6


def expire_every_token(server: EmulatorServer) -> None:
    server.store.monotonic = Leaping()


async def provoked_errors(server: EmulatorServer) -> list[AepxError]:
    """Every error path we can provoke: wrong secret, IMS down, a 401 that survives the refresh."""
    errors: list[AepxError] = []
    async with client(server, "wrong-secret") as api:
        with pytest.raises(AepxError) as wrong:
            await api.list_jobs()
        errors.append(wrong.value)
    async with client(server, ims_url="http://127.0.0.1:9") as api:
        with pytest.raises(AepxError) as down:
            await api.list_jobs()
        errors.append(down.value)
    async with client(server) as api:
        await api.list_jobs()  # a good token first, so one is in scope
        expire_every_token(server)
        with pytest.raises(AepxError) as unauthorized:
            await api.list_jobs()
        errors.append(unauthorized.value)
        with pytest.raises(AepxError) as cancel:
            await api.cancel_job("123")
        errors.append(cancel.value)
    return errors


async def test_error_messages_and_reprs_hold_no_secret(server):
    errors = await provoked_errors(server)
    assert len(errors) == 4 and len(issued_tokens(server)) >= 2
    for error in errors:
        assert_clean(f"{error} {error!r} {error.__cause__!r} {error.__context__!r}", server, type(error).__name__)


async def test_log_file_holds_no_secret(server, tmp_path):
    path = install_logging(tmp_path / "aepx.log", level=logging.DEBUG)
    try:
        async with client(server) as api:
            await api.list_jobs(limit=5)
            logging.getLogger("aepx.test").info("token in a message %s", await api.auth.token())
        await provoked_errors(server)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_aepx_handler", False)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(logging.WARNING)
        forget_secrets()
    text = path.read_text(encoding="utf-8")
    assert "token in a message" in text  # the log really was written
    assert_clean(text, server, "the log file")


def cli_run(config, *args: str, secret: str | None = SECRET, stdin: str | None = None):
    _register()
    env = {"AEPX_CLIENT_SECRET": secret} if secret is not None else {}
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env, input=stdin, catch_exceptions=False)


def test_cli_output_and_config_hold_no_secret(server, tmp_path, memory_keyring):
    config = tmp_path / "aepx.toml"
    write_profile(config, profile_for(server), make_default=True)
    outputs = [cli_run(config, "jobs", "list"), cli_run(config, "jobs", "list", "--json"),
               cli_run(config, "creds", "doctor"), cli_run(config, "jobs", "list", secret="wrong-secret"),
               cli_run(config, "login", "--secret-stdin", secret=None, stdin=SECRET + "\n"),
               cli_run(config, "creds", "doctor", secret=None), cli_run(config, "config", "show", secret=None)]
    assert outputs[0].exit_code == 0 and outputs[3].exit_code == 3
    assert SECRET in memory_keyring.store.values()  # stored in the keyring, and only there
    expire_every_token(server)
    outputs.append(cli_run(config, "jobs", "list"))
    assert outputs[-1].exit_code != 0
    for result in outputs:
        assert_clean(result.stdout + result.stderr, server, "CLI output")
    assert_clean(config.read_text(encoding="utf-8"), server, "the config file")


def test_no_aepx_option_takes_a_secret_or_token_value():
    """Secrets never travel in argv. (``aepx emulator --client-secret`` configures the local test double's
    own credential, not a Platform secret, and is the one exception.)"""
    _register()
    found: list[str] = []

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and any(
                    word in name for name in param.opts for word in ("secret", "token", "password")):
                found.append(f"{path} {'/'.join(param.opts)}")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                if name != "emulator":
                    walk(sub, f"{path} {name}")

    walk(cli, "aepx")
    assert found == []


def screen_text(app) -> str:
    return app.export_screenshot() + " ".join(m for _, m in app.message_log)


async def test_console_error_states_show_no_secret(server):
    from tui.console.run import make_console
    from tui.core.config import ConsoleSettings

    for make in (lambda: client(server, "wrong-secret"), lambda: client(server, ims_url="http://127.0.0.1:9")):
        app = make_console(make(), settings=ConsoleSettings(refresh_seconds=3600))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda a=app: a.poll.error is not None)
            await pilot.pause()
            assert app.poll.error  # the failure is shown
            assert_clean(screen_text(app) + str(app.poll.error), server, "the console's error state")

    api = client(server)
    app = make_console(api, settings=ConsoleSettings(refresh_seconds=3600))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.poll.last_ok is not None)
        await pilot.pause()
        assert app.poll.error is None
        expire_every_token(server)
        await pilot.press("ctrl+r")
        await until(lambda: app.poll.error is not None)
        await pilot.pause()
        assert app.poll.error
        assert_clean(screen_text(app), server, "the console's 401 state")


async def crash_console(server) -> tuple[str, str]:
    """Crash AepxApp from a handler with a Secret and the revealed token as locals; returns the text
    Textual would print (its exit renderables) and the token."""
    from tui.console.run import make_console
    from tui.core.config import ConsoleSettings

    api = client(server)
    app = make_console(api, settings=ConsoleSettings(refresh_seconds=3600))
    captured: list = []
    fatal = app._fatal_error

    def capture() -> None:
        fatal()
        captured.extend(app._exit_renderables)

    app._fatal_error = capture
    revealed = ""

    def handler() -> None:
        secret = Secret(SECRET)
        token = revealed
        raise RuntimeError(f"unexpected failure with {secret} in scope ({len(token)})")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.poll.last_ok is not None)
            revealed = await api.auth.token()
            app.call_later(handler)
            await pilot.pause()
            await pilot.pause()
    assert captured, "Textual produced no crash output"
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    for renderable in captured:
        console.print(renderable)
    return out.getvalue(), revealed


async def test_crash_output_does_not_show_the_secret(server):
    text, _ = await crash_console(server)
    assert "RuntimeError" in text and "unexpected failure" in text
    assert not [piece for piece in fragments(SECRET) if piece in text]


async def test_crash_output_does_not_show_the_token(server):
    text, token = await crash_console(server)
    assert token
    assert_clean(text, server, "Textual's crash output")
