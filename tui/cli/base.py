"""Plumbing shared by every command: the global options, the context, exit codes, output helpers.

Exit codes: 0 success; 1 API or job failure; 2 usage or invalid input; 3 config or credentials.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import click

from tui import __version__
from tui.core.errors import AepxError, ConfigError
from tui.core.sanitise import json_text, sanitise

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CREDENTIALS = 0, 1, 2, 3


# --- plumbing ------------------------------------------------------------------------------------
class Context:
    """What the global options resolve to; commands ask it for a config, a profile, a client."""

    def __init__(self, profile: str | None, config: str | None, *, verbose: int = 0) -> None:
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

    def configured(self):
        """The config, refused (exit 3) when it has no profile at all."""
        cfg = self.config()
        if not cfg.profiles:
            raise ConfigError(
                f"No profile is configured in {cfg.path}. Run `aepx config init` (or `aepx emulator` to "
                "rehearse locally)."
            )
        return cfg

    def profile(self):
        cfg = self.configured()
        return cfg, cfg.profile(self.profile_name)

    def named_profiles(self, more: tuple[str, ...] = ()) -> list[str]:
        """The profiles named on the line, in order, once each: the global ``-p`` first, then a
        command's own repeated ``-p`` (``aepx -p a watch -p b`` names both)."""
        return list(dict.fromkeys([*([self.profile_name] if self.profile_name else []), *more]))

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
        from tui.core.sanitise import sanitise

        err(sanitise(record.line(verbose=level)))

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
    """One message on stderr: secrets masked, the seams of its parts mended (``tidy``), then through the
    one sanitiser (server strings are hostile)."""
    from tui.core.logging import redact
    from tui.core.sentences import tidy

    click.echo(sanitise(tidy(redact(message)), keep_newlines=True), err=True)


def out(message: str) -> None:
    """One line of text output on stdout, through the one sanitiser."""
    click.echo(sanitise(message, keep_newlines=True))


def confirm(question: str) -> bool:
    """A y/N question on stderr; the question is sanitised (it names server and config strings)."""
    return click.confirm(sanitise(question), default=False, err=True)


def flush_stdout() -> None:
    """Flush stdout at exit; a reader that went away (``| head``) means a quiet exit 0."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except (OSError, ValueError, AttributeError):
        pass


def _quiet_broken_pipe() -> None:
    """stdout was closed by the reader (``aepx jobs show 1 | head -3``): exit 0 quietly, as git does.

    Python would otherwise print "Exception ignored … BrokenPipeError" when it flushes stdout at exit.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(EXIT_OK)


_interrupt_note: str | None = None  # said instead of "interrupted." (e.g. a create whose answer is unknown)


def note_interrupt(text: str) -> None:
    """What Ctrl-C now means, said in place of a bare "interrupted." (one sentence)."""
    global _interrupt_note
    _interrupt_note = text


def _exit_with(call: Callable[[], int | None]) -> None:
    """Run a command body and exit with its code; an AepxError becomes one line on stderr and its code."""
    try:
        code = call()
    except AepxError as exc:
        err(f"aepx: {exc.with_request_id()}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err(f"aepx: {_interrupt_note or 'interrupted.'}")
        sys.exit(130)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as exc:  # a defect of ours: one line here, the traceback in the private log
        import logging

        from tui.core.logging import redact, try_install_logging

        path, _ = try_install_logging()
        if path is not None:
            logging.getLogger("aepx.cli").exception("unexpected error")
        where = f"the details are in {path}" if path is not None else "the log file could not be written"
        err(redact(f"aepx: unexpected error ({type(exc).__name__}: {exc}); {where}, please include them in a "
                   "bug report."))
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
    """The CLI's one JSON emitter: valid JSON (NaN/Infinity become null, with a warning on stderr) and
    every control, C1 or bidi character inside a string escaped as \\uXXXX."""
    text, replaced = json_text(data)
    if replaced:
        err(f"warning: {replaced} number(s) in the server's answer were NaN or Infinity, which JSON cannot "
            "hold; they are printed as null.")
    click.echo(text)


def table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table: readable in any terminal, greppable, no colour needed. Every cell is
    sanitised (one line, no control character)."""
    rows = [[sanitise(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [headers, *rows]
    for row in lines:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# --- the group -----------------------------------------------------------------------------------
_GLOBAL_WITH_VALUE = ("-p", "--profile", "--config")
_VERBOSE = re.compile(r"-v+|--verbose")


def hoist_global_options(args: list[str], keep: frozenset[str] = frozenset()) -> list[str]:
    """``aepx jobs list -p prod`` means ``aepx -p prod jobs list`` (as kubectl and the aws CLI allow).

    The global options ``-p/--profile``, ``--config`` and ``-v`` found after the subcommand are moved in
    front of it, in order; a later one wins, as on the command line. ``--`` ends the search. Options in
    ``keep`` (those the command itself defines, such as ``watch -p``) stay with the command.
    """
    index = 0
    while index < len(args):  # find the subcommand: the first word that is neither an option nor its value
        word = args[index]
        if word == "--":
            return list(args)
        if word in _GLOBAL_WITH_VALUE:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            break
    else:
        return list(args)
    hoisted: list[str] = []
    kept: list[str] = []
    rest = args[index + 1:]
    position = 0
    while position < len(rest):
        word = rest[position]
        if word == "--":
            kept += rest[position:]
            break
        name = word.split("=", 1)[0] if word.startswith("--") else word[:2]
        if name in keep or (name == "-v" and "--verbose" in keep) or (name == "-p" and "--profile" in keep):
            kept.append(word)
        elif word in _GLOBAL_WITH_VALUE and position + 1 < len(rest):
            hoisted += rest[position:position + 2]
            position += 2
            continue
        elif (word.startswith(("--profile=", "--config=")) or (word.startswith("-p") and not word.startswith("--")
                                                                and len(word) > 2) or _VERBOSE.fullmatch(word)):
            hoisted.append(word)
        else:
            kept.append(word)
        position += 1
    return [*args[:index], *hoisted, args[index], *kept]


class AepxGroup(click.Group):
    """The root group: global options are accepted anywhere on the line (see hoist_global_options)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = hoist_global_options(args, self._own_options(ctx, args))
        return super().parse_args(ctx, args)

    def _own_options(self, ctx: click.Context, args: list[str]) -> frozenset[str]:
        """The option strings the addressed (sub)command defines itself: those are not hoisted."""
        command: click.Command | None = self
        skip = False
        for word in args:
            if skip or word.startswith("-"):
                skip = word in _GLOBAL_WITH_VALUE and command is self  # a root option's value follows
                continue
            if not isinstance(command, click.Group):
                break
            nxt = command.get_command(ctx, word)
            if nxt is None:
                break
            command = nxt
        if command is None or command is self:
            return frozenset()
        return frozenset(opt for param in command.params for opt in (*param.opts, *param.secondary_opts))


@click.group(cls=AepxGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-p", "--profile", metavar="NAME",
              help="Profile from the config file (default: default_profile). Accepted anywhere on the line.")
@click.option("--config", "config_path_arg", metavar="PATH", envvar="AEPX_CONFIG",
              help="Config file (default: the user config dir; env AEPX_CONFIG). Accepted anywhere on the line.")
@click.option("--demo", is_flag=True, help="Start the console on the built-in emulator (seeded, quick clock).")
@click.option("--read-only", is_flag=True, help="Hide and refuse every action that changes anything.")
@click.option("-v", "--verbose", "verbose", count=True,
              help="One line per API request on stderr (method, path, status, time, request id); -vv adds "
                   "rate-limit headers. Accepted anywhere on the line. Never prints a token or secret.")
@click.version_option(__version__, prog_name="aepx")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, config_path_arg: str | None, verbose: int, demo: bool,
        read_only: bool) -> None:
    """aepx: watch, launch and cancel Adobe Experience Platform profile export jobs.

    With no command, aepx starts the full-screen console on the chosen profile. With no config at
    all it starts on the built-in emulator and says so.

    The global options -p/--profile, --config and -v may be given anywhere on the line:
    `aepx jobs list -p prod` is `aepx -p prod jobs list`.

    \b
    Exit codes: 0 success, 1 API or job failure, 2 usage or invalid input,
                3 config or credentials.
    """
    ctx.obj = Context(profile, config_path_arg, verbose=verbose)
    if ctx.invoked_subcommand is None:
        from tui.cli.console import start_console

        sys.exit(start_console(ctx.obj, demo=demo, read_only=read_only))


