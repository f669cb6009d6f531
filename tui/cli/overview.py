"""`aepx overview`: every profile/sandbox target at a glance (the console's Overview, `O`, headless)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import click

from tui.cli.base import EXIT_FAILED, EXIT_OK, Context, cli, emit_json, err, run_async, table
from tui.core.sanitise import sanitise

POLL_DEADLINE_S = 10.0  # a target that does not answer within this (per call) is a row that says why, not a hang
POLL_WAIT_CAP_S = 2.0


class BrokenTarget:
    """A target whose client could not be built (no secret, ...): every call raises that sentence."""

    def __init__(self, target: Any, error: Exception) -> None:
        self.target = target
        self.error = error

    async def list_jobs(self, **_kw: Any) -> Any:
        raise self.error

    async def get_job(self, _job_id: str) -> Any:
        raise self.error

    async def aclose(self) -> None:
        return None


def overview_targets(context: Context, profiles: tuple[str, ...], sandboxes: tuple[str, ...]):
    """``(config, [profile per target])``: the named profiles (else every profile) × their ``sandboxes``."""
    from tui.monitor.targets import expand_targets

    cfg = context.configured()
    names = context.named_profiles(profiles)
    chosen = [cfg.profile(n) for n in names] if names else list(cfg.profiles.values())
    return cfg, expand_targets(chosen, sandboxes, own=lambda p: p.overview_sandboxes)


async def build_overview_apis(cfg: Any, chosen: list[Any], *,
                              auths: dict[Any, Any] | None = None) -> tuple[list[Any], list[Any]]:
    """A client per target (one IMS token per client id, shared); a target whose client cannot be built
    becomes a row that says why."""
    from tui.core.errors import AepxError
    from tui.core.models import Target
    from tui.monitor.targets import build_clients

    shared: dict[Any, Any] = auths if auths is not None else {}
    apis: list[Any] = []
    made: list[Any] = []
    for profile in chosen:
        try:
            clients, created = await build_clients(cfg, [profile], deadline=POLL_DEADLINE_S,
                                                   retry_wait_cap=POLL_WAIT_CAP_S, auths=shared)
        except AepxError as exc:
            apis.append(BrokenTarget(Target(profile.name, profile.org_id, profile.sandbox, profile.platform_url,
                                            profile.client_id, profile.is_emulator), exc))
            continue
        apis += clients
        made += created
    return apis, made


@cli.command("overview")
@click.option("-p", "--profile", "profiles", multiple=True, metavar="NAME",
              help="Profile to show (repeatable; default: every profile in the config).")
@click.option("--sandbox", "sandboxes", multiple=True, metavar="NAME",
              help="Sandbox to show with each profile instead of its `sandboxes` list (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per target.")
@click.pass_obj
@run_async
async def overview(obj: Context, profiles: tuple[str, ...], sandboxes: tuple[str, ...], as_json: bool) -> int:
    """Every profile/sandbox at a glance: NEW, PROCESSING, possibly stuck, failed in 24 h, last success, type.

    Targets: every profile of the config (or each -p) × its `sandboxes` list (default: its `sandbox`).
    Targets are polled at most [overview] max_parallel at a time; one that cannot be reached says why
    in its row and the others are still shown. The sandbox type comes from the Sandbox API (one call
    per profile); a type that cannot be learned is shown as unknown and treated as production.
    Exit 0 when every target answered, 1 when one did not, 3 for config errors.

    \b
    JSON keys: profile, org, sandbox, type (production|development|unknown), ok, error,
               counts {NEW, PROCESSING}, stuck, failed_24h, last_success_ms
    Examples:  aepx overview
               aepx overview --json | jq '.[] | select(.stuck > 0)'
    """
    from tui.monitor.history.store import open_configured
    from tui.monitor.overview import Overview

    cfg, chosen = overview_targets(obj, profiles, sandboxes)
    store, _problem = open_configured(cfg.history)  # baselines for "stuck"; without it, today's median
    apis: list[Any] = []
    auths: list[Any] = []
    try:
        apis, auths = await build_overview_apis(cfg, chosen)
        board = Overview(apis, max_parallel=cfg.overview.max_parallel, store=store,
                         stuck_factor=cfg.console.stuck_factor)
        notes = await board.learn_types()
        rows = await board.refresh_all()
    finally:
        for api in apis:
            with contextlib.suppress(Exception):
                await api.aclose()
        for auth in auths:
            with contextlib.suppress(Exception):
                await auth.aclose()
        if store is not None:
            with contextlib.suppress(Exception):
                store.flush(5.0)
            store.close()
    if as_json:
        emit_json([row.to_dict() for row in rows])
    else:
        _print_rows(rows)
        for note in dict.fromkeys(notes):
            err(f"warning: {sanitise(note)}")
    return EXIT_OK if all(row.ok for row in rows) else EXIT_FAILED


def _print_rows(rows: list[Any]) -> None:
    from tui.core.format import relative_time

    now_ms = int(time.time() * 1000)
    body = []
    for row in rows:
        if row.ok:
            state = "ok"
            numbers = [str(row.counts["NEW"]), str(row.counts["PROCESSING"]), str(row.stuck), str(row.failed_24h),
                       relative_time(row.last_success_ms, now_ms) if row.last_success_ms else "never"]
        else:
            state = sanitise(row.error or "not reached")
            numbers = ["-"] * 5
        body.append([sanitise(row.profile), sanitise(row.sandbox), row.type, *numbers, state])
    table(["PROFILE", "SANDBOX", "TYPE", "NEW", "PROCESSING", "STUCK", "FAILED 24H", "LAST SUCCESS", "STATE"], body)


class ConfigOverviewSource:
    """The console Overview's clients, from the config (every profile × its `sandboxes`), one IMS token per
    client id shared by all of them; closed together when the Overview closes."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.max_parallel = 4
        self._apis: list[Any] = []
        self._auths: dict[Any, Any] = {}
        self._cfg: Any = None

    async def clients(self) -> list[Any]:
        import asyncio

        everyone = Context(None, self.context.config_arg)  # every profile, whichever one the console runs on
        everyone._config = self.context.config()  # already read (its warnings said) before the console started
        cfg, chosen = await asyncio.to_thread(overview_targets, everyone, (), ())
        self._cfg = cfg
        self.max_parallel = cfg.overview.max_parallel
        apis, _created = await build_overview_apis(cfg, chosen, auths=self._auths)
        self._apis += apis
        return apis

    async def client(self, profile: str, sandbox: str) -> Any:
        import dataclasses

        base = self._cfg.profile(profile)
        apis, _created = await build_overview_apis(self._cfg, [dataclasses.replace(base, sandbox=sandbox)],
                                                   auths=self._auths)
        self._apis += apis
        return apis[0]

    async def aclose(self) -> None:
        for api in self._apis:
            with contextlib.suppress(Exception):
                await api.aclose()
        for auth in self._auths.values():
            with contextlib.suppress(Exception):
                await auth.aclose()
        self._apis.clear()
        self._auths.clear()
