"""Starting the full-screen console from the command line (the console itself is tui.console)."""

from __future__ import annotations

from tui.cli.base import Context, client_for, err
from tui.core.errors import AepxError, CredentialsError

DEMO_SPEED = 30.0


def start_console(context: Context, *, demo: bool, read_only: bool) -> int:
    from tui.core.config import config_path
    from tui.core.logging import try_install_logging

    _, warning = try_install_logging()  # the console owns the terminal: diagnostics go to a private file
    if warning:
        err(f"warning: {warning}")

    try:
        cfg = context.config()
    except AepxError as exc:
        err(f"aepx: {exc}")
        return exc.exit_code
    settings = cfg.console
    keymap = cfg.keymap
    launch = cfg.launch
    history = cfg.history
    setup_path = config_path(context.config_arg)
    if demo or not cfg.profiles:
        notice = None if demo else (
            f"No config found at {setup_path}: running on the built-in emulator. Press F2 to set up a real profile.")
        return run_on_emulator(settings=settings, keymap=keymap, read_only=read_only, notice=notice,
                               setup_path=setup_path, launch=launch, safety=cfg.safety)
    try:
        api = context.client()
    except CredentialsError as exc:
        return run_with_prompted_secret(context, exc, settings=settings, keymap=keymap,
                                        read_only=read_only, setup_path=setup_path, launch=launch, safety=cfg.safety,
                                        history_settings=history)
    except AepxError as exc:
        err(f"aepx: {exc}")
        return exc.exit_code
    from tui.console.app import run_console

    return run_console(api, settings=settings, keymap=keymap, read_only=read_only, setup_path=setup_path,
                       api_factory=make_api_factory(context), launch=launch, history_settings=history,
                       safety=cfg.safety, overview_source=overview_source_for(context))


def overview_source_for(context: Context):
    """For the console's Overview (`O`): a fresh set of clients from the config each time it opens."""
    from tui.cli.overview import ConfigOverviewSource

    return lambda: ConfigOverviewSource(context)


def make_api_factory(context: Context):
    """For the console's `:profile NAME` and `:sandbox NAME`: a new client on another profile/sandbox."""
    import dataclasses

    def factory(profile_name: str | None, sandbox: str | None):
        cfg, profile = Context(profile_name or context.profile_name, context.config_arg).profile()
        if sandbox:
            profile = dataclasses.replace(profile, sandbox=sandbox.lower())
        return client_for(profile, cfg.credentials_store)

    return factory


def run_with_prompted_secret(context, problem: CredentialsError, **kwargs) -> int:
    """No secret anywhere: the console asks for one and keeps it in memory for this run only."""
    from tui.console.app import run_console_with_secret_prompt

    _, profile = context.profile()
    return run_console_with_secret_prompt(profile, str(problem), api_factory=make_api_factory(context), **kwargs)


def demo_profile(base_url: str, settings):
    from tui.core.profile import Profile

    return Profile(name="emulator", org_id=settings.org, client_id=settings.client_id, sandbox=settings.sandbox,
                   platform_url=base_url, ims_url=base_url, is_emulator=True)


def run_on_emulator(**kwargs) -> int:
    import tempfile
    from pathlib import Path

    from tui.api.client import PlatformClient
    from tui.console.app import run_console
    from tui.core.config import HistorySettings
    from tui.core.secret import Secret
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    settings = EmulatorSettings(port=0, speed=DEMO_SPEED)
    # A scratch history for this run: Pulse and the baselines work in the demo, and the emulator's jobs
    # never mix into the real history file.
    with tempfile.TemporaryDirectory(prefix="aepx-demo-") as scratch, EmulatorServer(settings) as server:
        api = PlatformClient(demo_profile(server.base_url, settings), Secret(settings.client_secret))
        history = HistorySettings(enabled=True, path=Path(scratch) / "history.sqlite3")
        return run_console(api, history_settings=history, **kwargs)


