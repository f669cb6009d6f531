"""Starting the full-screen console from the command line: which console to run, from the config and
the flags. The console is assembled in ``tui/console/run.py``; this module adds only what needs the
CLI's Context (the client for a profile, the Overview's client source)."""

from __future__ import annotations

from tui.cli.base import Context, client_for, err
from tui.core.errors import AepxError, CredentialsError


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
        from tui.console.run import run_demo

        return run_demo(settings=settings, keymap=keymap, read_only=read_only, notice=notice,
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
    from tui.console.run import run_console

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

    def factory(profile_name: str | None, sandbox: str | None, secret=None):
        """``secret``: one the console holds in memory (entered in F2 without a keyring)."""
        cfg, profile = Context(profile_name or context.profile_name, context.config_arg).profile()
        if sandbox:
            profile = dataclasses.replace(profile, sandbox=sandbox.lower())
        if secret is not None:
            from tui.api.client import PlatformClient

            return PlatformClient(profile, secret)
        return client_for(profile, cfg.credentials_store)

    return factory


def run_with_prompted_secret(context, problem: CredentialsError, **kwargs) -> int:
    """No secret anywhere: the console asks for one and keeps it in memory for this run only."""
    from tui.console.run import run_console_with_secret_prompt

    _, profile = context.profile()
    return run_console_with_secret_prompt(profile, problem, api_factory=make_api_factory(context), **kwargs)


