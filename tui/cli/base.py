"""Plumbing shared by every command: the global options, the context, exit codes, output helpers.

Exit codes: 0 success; 1 API or job failure; 2 usage or invalid input; 3 config or credentials.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import click

from tui import __version__
from tui.core.errors import AepxError, ConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CREDENTIALS = 0, 1, 2, 3


# --- plumbing ------------------------------------------------------------------------------------
class Context:
    """What the global options resolve to; commands ask it for a config, a profile, a client."""

    def __init__(self, profile: str | None, config: str | None, verbose: int = 0) -> None:
        self.profile_name = profile
        self.config_arg = config
        self.verbose = verbose  # -v: one stderr line per request; -vv: and its rate-limit headers
        self._config = None

    def call_printer(self):
        """With -v, the observer printing one line per API attempt on stderr (None without -v)."""
        return verbose_printer(self.verbose)

    def config(self):
        """The config file, read (and its warnings printed) once per command."""
        if self._config is None:
            from tui.core.config import config_path, load_config

            self._config = load_config(config_path(self.config_arg))
            for warning in self._config.warnings:
                err(f"warning: {warning}")
        return self._config

    def profile(self):
        cfg = self.config()
        if not cfg.profiles:
            raise ConfigError(
                f"No profile is configured in {cfg.path}. Run `aepx config init` (or `aepx emulator` to "
                "rehearse locally)."
            )
        return cfg, cfg.profile(self.profile_name)

    def client(self):
        """A PlatformClient for the chosen profile, or CredentialsError (exit 3) when no secret is found."""
        cfg, profile = self.profile()
        return client_for(profile, cfg.credentials_store, on_call=self.call_printer())


def verbose_printer(level: int):
    """``GET /path?query → 200 in 12 ms (request 9f3c…)`` on stderr per attempt; ``level`` ≥ 2 adds the
    rate-limit and retry-after headers. A record holds no request header, so never Authorization."""
    if level < 1:
        return None

    def show(record) -> None:
        from tui.core.format import safe_text

        err(safe_text(record.line(verbose=level)))

    return show


def client_for(profile, store: str | None, on_call=None):
    """A PlatformClient for ``profile``; CredentialsError (exit 3) naming the remedies when no secret is found.

    Tokens are cached in the keyring only when the secret itself came from a working keyring: a token
    cached under the client id must never let a different secret (say, a wrong AEPX_CLIENT_SECRET) pass.
    """
    from tui.api.client import PlatformClient
    from tui.core.credentials import KeyringTokenStore, SecretSource, resolve_secret

    resolution = resolve_secret(profile, store=store)
    if resolution.secret is None:
        raise resolution.error()
    token_store = KeyringTokenStore() if resolution.source == SecretSource.KEYRING else None
    return PlatformClient(profile, resolution.secret, token_store=token_store, on_call=on_call)


def err(message: str) -> None:
    from tui.core.logging import redact

    click.echo(redact(message), err=True)


def _exit_with(call: Callable[[], int | None]) -> None:
    """Run a command body and exit with its code; an AepxError becomes one line on stderr and its code."""
    try:
        code = call()
    except AepxError as exc:
        err(f"aepx: {exc.with_request_id()}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err("aepx: interrupted.")
        sys.exit(130)
    except Exception as exc:  # a defect of ours: one line here, the traceback in the private log
        import logging

        from tui.core.logging import install_logging, redact

        path = install_logging()
        logging.getLogger("aepx.cli").exception("unexpected error")
        err(redact(f"aepx: unexpected error ({type(exc).__name__}: {exc}); the details are in {path}, "
                   "please include them in a bug report."))
        sys.exit(EXIT_FAILED)
    sys.exit(code or EXIT_OK)


def run_async(fn: Callable[..., Coroutine[Any, Any, int | None]]) -> Callable[..., None]:
    """An async command body, run on its own event loop."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        _exit_with(lambda: asyncio.run(fn(*args, **kwargs)))

    return wrapper


def guarded(fn: Callable[..., int | None]) -> Callable[..., None]:
    """A synchronous command body."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        _exit_with(lambda: fn(*args, **kwargs))

    return wrapper


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table: readable in any terminal, greppable, no colour needed."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [headers, *rows]
    for row in lines:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def clean(text: str) -> str:
    """Server text as plain text on one line: control characters made visible, never interpreted."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# --- the group -----------------------------------------------------------------------------------
VERBOSE_FLAGS = {"-v": 1, "-vv": 2, "-vvv": 3, "--verbose": 1}


class _Root(click.Group):
    """The root group: ``-v``/``-vv``/``--verbose`` are global and accepted anywhere before ``--``
    (``aepx jobs list -v`` as well as ``aepx -v jobs list``); they are counted here and removed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        kept: list[str] = []
        level = 0
        for index, arg in enumerate(args):
            if arg == "--":
                kept.extend(args[index:])
                break
            if arg in VERBOSE_FLAGS:
                level += VERBOSE_FLAGS[arg]
            else:
                kept.append(arg)
        ctx.meta["aepx_verbose"] = level
        return super().parse_args(ctx, kept)


@click.group(cls=_Root, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-p", "--profile", metavar="NAME", help="Profile from the config file (default: default_profile).")
@click.option("--config", "config_path_arg", metavar="PATH", envvar="AEPX_CONFIG",
              help="Config file (default: the user config dir; env AEPX_CONFIG).")
@click.option("--demo", is_flag=True, help="Start the console on the built-in emulator (seeded, quick clock).")
@click.option("--read-only", is_flag=True, help="Hide and refuse every action that changes anything.")
@click.option("-v", "--verbose", "verbose", count=True,
              help="One line per API request on stderr (method, path, status, time, request id); -vv adds "
                   "rate-limit headers. Accepted anywhere on the line. Never prints a token or secret.")
@click.version_option(__version__, prog_name="aepx")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, config_path_arg: str | None, demo: bool, read_only: bool,
        verbose: int = 0) -> None:
    """aepx: watch, launch and cancel Adobe Experience Platform profile export jobs.

    With no command, aepx starts the full-screen console on the chosen profile. With no config at
    all it starts on the built-in emulator and says so.

    \b
    Exit codes: 0 success, 1 API or job failure, 2 usage or invalid input,
                3 config or credentials.
    """
    ctx.obj = Context(profile, config_path_arg, verbose + ctx.meta.get("aepx_verbose", 0))
    if ctx.invoked_subcommand is None:
        from tui.cli.console import start_console

        sys.exit(start_console(ctx.obj, demo=demo, read_only=read_only))


