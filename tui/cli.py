"""The `aepx` command line.

Every command runs on the same core as the console (``tui.api``, ``tui.core``). Textual is imported
only by the console itself, so `aepx jobs list` stays quick and headless.

Exit codes: 0 success; 1 API or job failure; 2 usage or invalid input; 3 config or credentials.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from tui import __version__
from tui.core.errors import AepxError, ConfigError, CredentialsError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CREDENTIALS = 0, 1, 2, 3
STATUSES = ("NEW", "PROCESSING", "SUCCEEDED", "FAILED")
DEMO_SPEED = 30.0


# --- plumbing ------------------------------------------------------------------------------------
class Context:
    """What the global options resolve to; commands ask it for a config, a profile, a client."""

    def __init__(self, profile: str | None, config: str | None) -> None:
        self.profile_name = profile
        self.config_arg = config
        self._config = None

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
        return client_for(profile, cfg.credentials_store)


def client_for(profile, store: str | None):
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
    return PlatformClient(profile, resolution.secret, token_store=token_store)


def err(message: str) -> None:
    click.echo(message, err=True)


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
@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-p", "--profile", metavar="NAME", help="Profile from the config file (default: default_profile).")
@click.option("--config", "config_path_arg", metavar="PATH", envvar="AEPX_CONFIG",
              help="Config file (default: the user config dir; env AEPX_CONFIG).")
@click.option("--demo", is_flag=True, help="Start the console on the built-in emulator (seeded, quick clock).")
@click.option("--read-only", is_flag=True, help="Hide and refuse every action that changes anything.")
@click.version_option(__version__, prog_name="aepx")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, config_path_arg: str | None, demo: bool, read_only: bool) -> None:
    """aepx: watch, launch and cancel Adobe Experience Platform profile export jobs.

    With no command, aepx starts the full-screen console on the chosen profile. With no config at
    all it starts on the built-in emulator and says so.

    \b
    Exit codes: 0 success, 1 API or job failure, 2 usage or invalid input,
                3 config or credentials.
    """
    ctx.obj = Context(profile, config_path_arg)
    if ctx.invoked_subcommand is None:
        sys.exit(start_console(ctx.obj, demo=demo, read_only=read_only))


# --- the console ---------------------------------------------------------------------------------
def start_console(context: Context, *, demo: bool, read_only: bool) -> int:
    from tui.core.config import config_path
    from tui.core.logging import install_logging

    install_logging()  # the console owns the terminal: diagnostics go to a private, redacted file

    try:
        cfg = context.config()
    except AepxError as exc:
        err(f"aepx: {exc}")
        return exc.exit_code
    settings = cfg.console
    keymap = cfg.keymap
    setup_path = config_path(context.config_arg)
    if demo or not cfg.profiles:
        notice = None if demo else (
            f"No config found at {setup_path}: running on the built-in emulator. Press F2 to set up a real profile.")
        return run_on_emulator(settings=settings, keymap=keymap, read_only=read_only, notice=notice,
                               setup_path=setup_path)
    try:
        api = context.client()
    except CredentialsError as exc:
        return run_with_prompted_secret(context, exc, settings=settings, keymap=keymap,
                                        read_only=read_only, setup_path=setup_path)
    except AepxError as exc:
        err(f"aepx: {exc}")
        return exc.exit_code
    from tui.console.app import run_console

    return run_console(api, settings=settings, keymap=keymap, read_only=read_only, setup_path=setup_path,
                       api_factory=make_api_factory(context))


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
    from tui.api.client import PlatformClient
    from tui.console.app import run_console
    from tui.core.secret import Secret
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    settings = EmulatorSettings(port=0, speed=DEMO_SPEED)
    with EmulatorServer(settings) as server:
        api = PlatformClient(demo_profile(server.base_url, settings), Secret(settings.client_secret))
        return run_console(api, **kwargs)


# --- login, logout, creds ------------------------------------------------------------------------
@cli.command()
@click.option("--secret-stdin", is_flag=True, help="Read the client secret from standard input (for scripts).")
@click.option("--plaintext-file", is_flag=True,
              help="Opt in to the PLAINTEXT file store (0600, apart from the config) when no keyring works.")
@click.pass_obj
@guarded
def login(obj: Context, secret_stdin: bool, plaintext_file: bool) -> int:
    """Store the profile's client secret in the OS keyring.

    The secret is read from a hidden prompt, or from stdin with --secret-stdin; it is never taken
    on the command line. With no usable keyring this exits 3 and explains why, unless
    --plaintext-file is given.
    """
    from tui.core.credentials import store_secret
    from tui.core.secret import Secret

    _, profile = obj.profile()
    if secret_stdin:
        value = sys.stdin.read().strip()
    else:
        value = click.prompt(f"Client secret for {profile.client_id}", hide_input=True, err=True).strip()
    if not value:
        raise UsageError("The client secret is empty; nothing was stored.")
    where = store_secret(profile, Secret(value), plaintext_file=plaintext_file)
    err(f"Stored the client secret for profile '{profile.name}' in {where}.")
    return EXIT_OK


@cli.command()
@click.pass_obj
@guarded
def logout(obj: Context) -> int:
    """Forget the profile's client secret and cached token (keyring and plaintext store)."""
    from tui.core.credentials import delete_secret

    _, profile = obj.profile()
    removed = delete_secret(profile)
    err(f"Removed: {', '.join(removed)}." if removed else f"Nothing was stored for profile '{profile.name}'.")
    return EXIT_OK


@cli.group()
def creds() -> None:
    """Credential diagnostics."""


@creds.command("doctor")
@click.pass_obj
@guarded
def creds_doctor(obj: Context) -> int:
    """Say which secret source and keyring backend are in use, or why none works, and the remedies."""
    from tui.core.credentials import doctor_report, resolve_secret

    try:
        cfg, profile = obj.profile()
    except ConfigError as exc:
        cfg, profile = None, None
        err(f"note: {exc}")
    for line in doctor_report(profile, store=cfg.credentials_store if cfg else None):
        click.echo(line)
    if profile is None:
        return EXIT_CREDENTIALS
    return EXIT_OK if resolve_secret(profile, store=cfg.credentials_store).secret is not None else EXIT_CREDENTIALS


# --- config --------------------------------------------------------------------------------------
@cli.group()
def config() -> None:
    """Create and inspect the TOML config (which never holds a secret)."""


@config.command("path")
@click.pass_obj
def config_path_cmd(obj: Context) -> None:
    """Print the config file path in use."""
    from tui.core.config import config_path

    click.echo(str(config_path(obj.config_arg)))


@config.command("show")
@click.pass_obj
@guarded
def config_show(obj: Context) -> int:
    """Print the config file (it never holds a secret)."""
    cfg = obj.config()
    if not cfg.path.exists():
        err(f"No config at {cfg.path}. Run `aepx config init`.")
        return EXIT_CREDENTIALS
    click.echo(f"# {cfg.path}")
    click.echo(cfg.path.read_text(encoding="utf-8").rstrip())
    return EXIT_OK


@config.command("init")
@click.option("--name", default="default", show_default=True, help="Profile name.")
@click.option("--org-id", prompt="IMS org id (…@AdobeOrg)", help="Organization ID from Adobe Developer Console.")
@click.option("--client-id", prompt="Client id (API key)", help="OAuth Server-to-Server client id.")
@click.option("--sandbox", prompt="Sandbox", default="prod", show_default=True, help="Sandbox name (lower case).")
@click.option("--platform-url", default="https://platform.adobe.io", show_default=True)
@click.option("--ims-url", default="https://ims-na1.adobelogin.com", show_default=True)
@click.option("--scopes", default="openid,AdobeID,read_organizations,additional_info.projectedProductContext,session",
              show_default=True, help="Comma-separated OAuth scopes from the Developer Console credential.")
@click.option("--default/--no-default", "make_default", default=True, help="Make it the default profile.")
@click.pass_obj
@guarded
def config_init(obj: Context, name: str, org_id: str, client_id: str, sandbox: str, platform_url: str,
                ims_url: str, scopes: str, make_default: bool) -> int:
    """Write a profile to the config file (atomically, mode 0600). Then run `aepx login`."""
    from tui.core.config import config_path, write_profile
    from tui.core.profile import Profile

    if not org_id.endswith("@AdobeOrg"):
        err("warning: IMS org ids usually end with @AdobeOrg.")
    profile = Profile(name=name, org_id=org_id.strip(), client_id=client_id.strip(), sandbox=sandbox.strip().lower(),
                      platform_url=platform_url.rstrip("/"), ims_url=ims_url.rstrip("/"),
                      scopes=tuple(s.strip() for s in scopes.split(",") if s.strip()))
    path = config_path(obj.config_arg)
    try:
        write_profile(path, profile, make_default=make_default)
    except OSError as exc:
        raise ConfigError(f"Cannot write config file {path}: {exc.strerror or exc}; choose a writable location "
                          "with --config or AEPX_CONFIG.") from None
    err(f"Wrote profile '{name}' to {path}. Next: `aepx -p {name} login` to store the client secret.")
    return EXIT_OK


# --- jobs ----------------------------------------------------------------------------------------
@cli.group()
def jobs() -> None:
    """List, show, create and cancel export jobs."""


def job_row(job, now_ms: int) -> list[str]:
    from tui.core.format import absolute_time, human_duration

    duration = job.duration_ms(now_ms)
    return [job.id, clean(job.status), absolute_time(job.created_ms), absolute_time(job.updated_ms),
            human_duration(duration) if duration is not None else "", clean(job.current_phase),
            clean(job.dataset_id), clean(job.batch_id), str(len(job.errors)) if job.errors else ""]


JOB_HEADERS = ["ID", "STATUS", "CREATED", "UPDATED", "DURATION", "PHASE", "DATASET", "BATCH", "ERRORS"]


def check_status(status: str | None) -> str | None:
    if status is None:
        return None
    upper = status.upper()
    if upper not in STATUSES:
        raise UsageError(f"Unknown status '{status}': use one of {', '.join(STATUSES)}.")
    return upper


@jobs.command("list")
@click.option("--status", metavar="S", help="Only jobs in this status: NEW, PROCESSING, SUCCEEDED, FAILED.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="Page size.")
@click.option("--all", "all_pages", is_flag=True, help="Follow link.next through every page.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the raw records.")
@click.pass_obj
@run_async
async def jobs_list(obj: Context, status: str | None, limit: int, all_pages: bool, as_json: bool) -> int:
    """List export jobs, newest first (one page unless --all).

    \b
    Example: aepx jobs list --status FAILED --all --json | jq '.[].id'
    """
    from tui.core.models import now_ms

    status = check_status(status)
    async with obj.client() as api:
        found = []
        more = False
        if all_pages:
            async for page in api.iter_jobs(limit=limit, status=status):
                found.extend(page.jobs)
        else:
            page = await api.list_jobs(limit=limit, status=status)
            found.extend(page.jobs)
            more = page.has_more
    if as_json:
        emit_json([dict(job.raw) for job in found])
        return EXIT_OK
    now = now_ms()
    table(JOB_HEADERS, [job_row(job, now) for job in found])
    err(f"{len(found)} job(s)" + (" · more available: --all to load every page" if more else ""))
    return EXIT_OK


@jobs.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print the raw record.")
@click.pass_obj
@run_async
async def jobs_show(obj: Context, job_id: str, as_json: bool) -> int:
    """Show one export job: status, timing, destination, errors."""
    async with obj.client() as api:
        job = await api.get_job(job_id)
    if as_json:
        emit_json(dict(job.raw))
    else:
        print_job(job)
    return EXIT_OK


def print_job(job) -> None:
    from tui.core.format import absolute_time, human_duration
    from tui.core.models import now_ms

    def line(label: str, value: str) -> None:
        if value:
            click.echo(f"{label:<16}{clean(value)}")

    duration = job.duration_ms(now_ms())
    line("id", job.id)
    line("status", job.status)
    line("phase", job.current_phase)
    line("type", job.job_type)
    line("created", absolute_time(job.created_ms))
    line("updated", absolute_time(job.updated_ms))
    line("duration", human_duration(duration) if duration is not None else "")
    line("request id", job.request_id)
    line("merge policy", f"{job.merge_policy_id} v{job.merge_policy_version}" if job.merge_policy_id else "")
    line("schema", job.schema_name)
    line("fields", job.fields)
    line("event fields", job.event_fields)
    line("segments", ", ".join(job.segments))
    line("dataset", job.dataset_id)
    line("batch", job.batch_id)
    for phase_name, phase in (("profile export", job.profile_export), ("dataset write", job.dataset_write)):
        d = phase.duration_ms() if phase else None
        suffix = "" if phase and phase.finished else " (running)"
        line(phase_name, human_duration(d) + suffix if d is not None else "pending")
    for error in job.errors:
        click.echo(f"error           {clean(error.code)}: {clean(error.msg)}")


@jobs.command("create")
@click.option("--file", "payload_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The export-job payload (JSON). Validated locally before sending.")
@click.option("--wait", is_flag=True, help="Follow the job; exit 0 on SUCCEEDED, 1 on FAILED.")
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds between checks with --wait.")
@click.option("--json", "as_json", is_flag=True, help="Print the created (or final, with --wait) record.")
@click.pass_obj
@run_async
async def jobs_create(obj: Context, payload_file: Path, wait: bool, poll: float, as_json: bool) -> int:
    """Create an export job from a payload file (sent exactly once, never retried blindly).

    \b
    Example: aepx jobs create --file payload.json --wait
    """
    from tui.core.payload import load_payload_file

    payload = load_payload_file(payload_file, on_warning=lambda text: err(f"warning: {text}"))
    async with obj.client() as api:
        result = await api.create_job(payload)
        job = result.job
        if result.reconciled:
            err(f"The answer to the create request was lost, but job {job.id} was found in the job list.")
        err(f"Created export job {job.id} ({job.status}).")
        if wait:
            while not job.is_final:
                await asyncio.sleep(poll)
                job = await api.get_job(job.id)
                err(f"job {job.id}: {job.status} · {job.current_phase}")
    if as_json:
        emit_json(dict(job.raw))
    else:
        click.echo(job.id)
    if wait and job.status != "SUCCEEDED":
        for error in job.errors:
            err(f"{clean(error.code)}: {clean(error.msg)}")
        return EXIT_FAILED
    return EXIT_OK


@jobs.command("cancel")
@click.argument("job_ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
@run_async
async def jobs_cancel(obj: Context, job_ids: tuple[str, ...], yes: bool) -> int:
    """Cancel NEW or PROCESSING jobs (others are refused; no request is sent for them).

    \b
    Example: aepx jobs cancel 24115 24116 --yes
    """
    from tui.core.cancel import cancel_many
    from tui.core.errors import NotFoundError

    async with obj.client() as api:
        found, outcomes = [], []
        for job_id in job_ids:
            try:
                found.append(await api.get_job(job_id))
            except NotFoundError:
                outcomes.append(f"Job {job_id} was not found (already gone or another sandbox).")
        if found and not yes:
            if not sys.stdin.isatty():
                raise UsageError("Refusing to cancel without confirmation: pass --yes in scripts.")
            for job in found:
                err(f"  {job.id}  {job.status:<10}  {clean(job.dataset_id)}")
            if not click.confirm(f"Cancel {len(found)} job(s) in sandbox {api.target.sandbox}?", default=False,
                                 err=True):
                err("Nothing was cancelled.")
                return EXIT_FAILED
        results = await cancel_many(api, found)
    failed = bool(outcomes) or any(not r.ok for r in results)
    for text in outcomes + [r.text for r in results]:
        err(text)
    return EXIT_FAILED if failed else EXIT_OK


# --- datasets ------------------------------------------------------------------------------------
@cli.group()
def datasets() -> None:
    """Target datasets on the profile union schema."""


@datasets.command("list")
@click.option("--all-schemas", is_flag=True, help="Also list datasets not on the profile union schema.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw Catalog records.")
@click.pass_obj
@run_async
async def datasets_list(obj: Context, all_schemas: bool, as_json: bool) -> int:
    """List datasets that export jobs can write into."""
    async with obj.client() as api:
        found = await api.list_datasets(union_only=not all_schemas)
    if as_json:
        emit_json({d.id: dict(d.raw) for d in found})
    else:
        table(["ID", "NAME", "SCHEMA"], [[d.id, clean(d.name), clean(d.schema_id)] for d in found])
    return EXIT_OK


@datasets.command("create")
@click.option("--name", required=True, help="A descriptive dataset name.")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ...}.')
@click.pass_obj
@run_async
async def datasets_create(obj: Context, name: str, as_json: bool) -> int:
    """Create a parquet dataset on the profile union schema and print its id."""
    async with obj.client() as api:
        dataset_id = await api.create_dataset(name)
    if as_json:
        emit_json({"id": dataset_id, "name": name})
    else:
        click.echo(dataset_id)
    return EXIT_OK


def _register() -> None:
    from tui.emulator.command import emulator

    if "emulator" not in cli.commands:
        cli.add_command(emulator)


def main() -> None:
    _register()
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    cli(prog_name="aepx")
