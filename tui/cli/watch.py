"""`aepx watch`: the monitor headless, for one or more profile/sandbox pairs, with alerts and metrics.

Rules come from ``[watch]`` in the config (each overridable by a flag); alerts go to stdout (a line,
or JSON Lines with ``--json``), webhooks (``--webhook``, queued in the history store), desktop
notifications (``--notify``) and Prometheus (``--metrics-listen``, ``--metrics-textfile``). See
tui/monitor/rules.py, tui/monitor/alerts/ and tui/monitor/metrics.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from tui.cli.base import EXIT_FAILED, EXIT_OK, Context, cli, err, run_async
from tui.core.errors import ConfigError, UsageError

log = logging.getLogger("aepx.watch")
# A poll retries within 20 s at most (waits of 5 s at most); after that the monitor's backoff takes over
# (interval × 2^n, capped at 5 minutes), so an unreachable Platform costs no tight loop and --once ends soon.
POLL_DEADLINE_S = 20.0
POLL_WAIT_CAP_S = 5.0
_LISTEN = re.compile(r"^(\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\s:\[\]]+)):(?P<port>\d{1,5})$")


def _expand(path: str) -> Path:
    return Path(path).expanduser()


def parse_listen(text: str, where: str) -> tuple[str, int]:
    match = _LISTEN.match(text.strip())
    port = int(match.group("port")) if match else -1
    if match is None or not 0 <= port <= 65535:
        raise UsageError(f"{where} {text!r} is not HOST:PORT; use for example 127.0.0.1:9464.")
    return match.group("v6") or match.group("host"), port


def resolve_webhook(value: str, where: str) -> str:
    """A webhook URL, or ``env:NAME`` read from the environment (keeps a tokened URL out of argv/config)."""
    text = value.strip()
    if text.startswith("env:"):
        name = text[4:]
        url = os.environ.get(name, "").strip()
        if not url:
            raise ConfigError(f"{where} names the environment variable {name}, which is not set; export it "
                              "with the webhook URL.")
        text = url
    if not re.match(r"^https?://[^\s/]+\S*$", text):
        shown = "the value of " + value if value.startswith("env:") else "it"
        raise UsageError(f"{where}: {shown} is not an http(s) URL; give the webhook's full https:// address.")
    return text


def targets_for(context: Context, profiles: tuple[str, ...], sandboxes: tuple[str, ...]):
    """``(config, [(profile, sandbox)])``: every profile (or the default) × every sandbox (or its own)."""
    cfg = context.configured()
    names: list[str | None] = [*context.named_profiles(profiles)] or [None]  # no -p at all: the default profile
    from tui.monitor.targets import expand_targets

    chosen = expand_targets([cfg.profile(name) for name in names], sandboxes)
    return cfg, chosen


async def build_clients(cfg, profiles, metrics, printer=None) -> tuple[list[Any], list[Any]]:
    """One PlatformClient per target; one IMS token per client id, shared (tui.monitor.targets)."""
    from tui.monitor.targets import build_clients as build

    return await build(cfg, profiles, metrics, printer, deadline=POLL_DEADLINE_S, retry_wait_cap=POLL_WAIT_CAP_S)


async def check_credentials(auths) -> None:
    from tui.monitor.targets import check_credentials as check

    await check(auths)


def open_state(cfg):
    """The history store (rules' "fired" rows, webhook outbox), else a throwaway one and a warning."""
    from tui.monitor.history.store import HistoryStore, HistoryUnavailable, open_configured

    store, problem = open_configured(cfg.history)
    if store is not None:
        return store, None
    why = problem or f"[history] enabled = false in {cfg.path}"
    scratch = tempfile.TemporaryDirectory(prefix="aepx-watch-")
    try:
        store = HistoryStore.open(Path(scratch.name) / "watch.sqlite3")
    except HistoryUnavailable as exc:
        scratch.cleanup()
        raise ConfigError(str(exc)) from None
    err(f"warning: aepx watch keeps no state across restarts ({why}): alerts may repeat after a restart and "
        "queued webhook deliveries are lost when it stops.")
    return store, scratch


@cli.command("watch")
@click.option("-p", "--profile", "profiles", multiple=True, metavar="NAME",
              help="Profile to watch (repeatable; default: the default profile).")
@click.option("--sandbox", "sandboxes", multiple=True, metavar="NAME",
              help="Sandbox to watch with each profile instead of its own (repeatable).")
@click.option("--once", is_flag=True, help="Poll every target once and exit: 0 nothing fired, 1 something did, "
              "3 config or credentials (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Alerts as JSON Lines on stdout (one object per line).")
@click.option("--webhook", "webhooks", multiple=True, metavar="URL|env:NAME",
              help="POST each alert as JSON to this URL (repeatable; adds to [watch] webhooks). env:NAME reads "
                   "the URL from the environment, keeping its token out of the process list.")
@click.option("--notify", is_flag=True, default=None, help="Desktop notifications (notify-send), when available.")
@click.option("--metrics-listen", metavar="HOST:PORT", help="Serve Prometheus metrics, e.g. 127.0.0.1:9464.")
@click.option("--metrics-textfile", metavar="PATH",
              help="Write Prometheus metrics to PATH after each poll (node_exporter textfile collector, atomic).")
@click.option("--refresh", "refresh_seconds", type=click.FloatRange(min=1, max=3600), metavar="SECONDS",
              help="Seconds between polls of each target (default [watch] refresh_seconds, 15).")
@click.option("--failed/--no-failed", "failed", default=None, help="Alert when a job fails (default on).")
@click.option("--succeeded/--no-succeeded", "succeeded", default=None,
              help="Alert when a job succeeds (default off).")
@click.option("--max-queue-minutes", type=click.FloatRange(min=0), metavar="M",
              help="Alert when a job stays NEW longer (default 30; 0 off).")
@click.option("--stuck-factor", type=click.FloatRange(min=0, max=100), metavar="F",
              help="Alert when a job runs longer than F x its history p95 (default 3; 0 off).")
@click.option("--max-runtime-minutes", type=click.FloatRange(min=0), metavar="M",
              help="Alert when a job runs longer than M minutes (default 0: off).")
@click.option("--api-down-minutes", type=click.FloatRange(min=0), metavar="M",
              help="Alert when the Platform is unreachable that long, and when it recovers (default 10; 0 off).")
@click.option("--lookback-minutes", type=click.FloatRange(min=0), metavar="M",
              help="Ignore jobs that ended longer ago than this (default 60; 0: no limit).")
@click.option("--webhook-retry-minutes", type=click.FloatRange(min=0), metavar="M",
              help="Keep retrying a webhook delivery this long (default 60).")
@click.pass_obj
@run_async
async def watch(obj: Context, profiles: tuple[str, ...], sandboxes: tuple[str, ...], once: bool, as_json: bool,
                webhooks: tuple[str, ...], notify: bool | None, metrics_listen: str | None,
                metrics_textfile: str | None, refresh_seconds: float | None, **rule_flags: Any) -> int:
    """Watch export jobs without a screen: alerts on stdout, webhooks, the desktop, Prometheus.

    Runs the console's monitor headless for each profile/sandbox pair and applies the rules of
    [watch] in the config (each overridable here). Each rule fires once per job and event, also
    across restarts (state in the job history). Stop it with Ctrl-C or SIGTERM; undelivered
    webhook alerts stay queued for the next run.

    \b
    Rules:  failed, succeeded, queued_too_long (max_queue_minutes), stuck (stuck_factor),
            runtime_exceeded (max_runtime_minutes), api_down / api_recovered (api_down_minutes)
    JSON Lines keys: event, org, sandbox, profile, job_id (not for api events), status, at (epoch ms),
            message, and when known dataset, duration_ms, baseline, error_code, error_message, command.

    \b
    Examples:
      aepx watch -p prod -p stage --json --webhook env:SLACK_WEBHOOK_URL
      aepx watch --once --max-queue-minutes 20 || echo "something needs a look"
      aepx watch --metrics-listen 127.0.0.1:9464
    """
    from tui.core.logging import install_logging

    log_path = install_logging()
    quiet = logging.getLogger("httpx")
    httpx_level = quiet.level
    quiet.setLevel(logging.WARNING)  # a line per request would grow the log all day
    try:
        return await _watch(obj, profiles, sandboxes, once, as_json, webhooks, notify, metrics_listen,
                            metrics_textfile, refresh_seconds, log_path, rule_flags)
    finally:
        quiet.setLevel(httpx_level)


async def _watch(obj, profiles, sandboxes, once, as_json, webhooks, notify, metrics_listen, metrics_textfile,
                 refresh_seconds, log_path, rule_flags) -> int:
    from tui.monitor.alerts import DesktopNotifier, StdoutSink, WebhookSink
    from tui.monitor.rules import Rules
    from tui.monitor.watcher import Watcher
    cfg, chosen = targets_for(obj, profiles, sandboxes)
    settings = cfg.watch
    stuck = rule_flags.get("stuck_factor")
    if stuck is not None and 0 < stuck < 1:
        raise UsageError(f"--stuck-factor {stuck:g} would alert on every running job; use 0 (off) or at least 1.")
    retry = rule_flags.pop("webhook_retry_minutes", None)
    retry = settings.webhook_retry_minutes if retry is None else retry
    rules = Rules.from_settings(settings, **rule_flags)
    urls = [resolve_webhook(w, f"[watch] webhooks in {cfg.path}") for w in settings.webhooks]
    urls += [resolve_webhook(w, "--webhook") for w in webhooks]
    if any(not w.strip().startswith("env:") for w in webhooks):
        err("warning: a literal --webhook URL is visible in the process list (and shell history) with its token; "
            "prefer --webhook env:NAME.")
    urls = list(dict.fromkeys(urls))
    listen = metrics_listen or settings.metrics_listen
    listen_at = parse_listen(listen, "--metrics-listen" if metrics_listen else f"[watch] metrics_listen in "
                             f"{cfg.path}") if listen else None
    textfile = _expand(metrics_textfile) if metrics_textfile else settings.metrics_textfile
    interval = refresh_seconds or settings.refresh_seconds

    def note(sentence: str) -> None:
        log.warning("%s", sentence)
        err(f"aepx watch: {sentence}")

    metrics = None
    if listen_at or textfile:
        from tui.monitor.metrics import WatchMetrics  # prometheus_client is loaded only here

        metrics = WatchMetrics()
    store, scratch = open_state(cfg)
    clients: list[Any] = []
    auths: list[Any] = []
    outputs: list[Any] = []
    try:
        clients, auths = await build_clients(cfg, chosen, metrics, obj.call_printer())
        await check_credentials(auths)
        outputs.append(StdoutSink(as_json=as_json))
        hooks = [WebhookSink(url, store, note=note, retry_minutes=retry) for url in urls]
        outputs += hooks
        if notify or (notify is None and settings.notify):
            notifier = DesktopNotifier(note)
            notifier.start()
            outputs.append(notifier)

        textfile_failing = False

        def write_textfile() -> None:
            nonlocal textfile_failing
            if textfile is None or metrics is None:
                return
            try:
                metrics.write_textfile(textfile)
            except OSError as exc:
                if not textfile_failing:  # one sentence, then quiet retries after each poll
                    note(f"Cannot write the metrics file {textfile} ({exc.strerror or exc}); check its directory, "
                         "aepx watch keeps trying.")
                textfile_failing = True
                return
            textfile_failing = False

        watcher = Watcher(clients, rules=rules, store=store, outputs=outputs, interval=interval,
                          concurrency=settings.concurrency, metrics=metrics, note=note,
                          after_poll=write_textfile if textfile is not None else None)
        if metrics is not None and listen_at is not None and not once:
            try:
                port = metrics.serve(*listen_at)
            except OSError as exc:
                raise ConfigError(f"Cannot serve metrics on {listen}: {exc.strerror or exc}; choose another "
                                  "--metrics-listen (or [watch] metrics_listen).") from None
            shown = f"[{listen_at[0]}]" if ":" in listen_at[0] else listen_at[0]
            metrics_where = f"; metrics on http://{shown}:{port}/metrics"
        else:
            metrics_where = f"; metrics to {textfile}" if textfile else ""
        where = ", ".join(f"{p.name}/{p.sandbox}" for p in chosen)
        hooks_where = "".join(f", webhook {h.origin}" for h in hooks)
        log.info("watch start: %s every %gs; rules: %s", where, interval, rules.describe())
        if once:
            fired = await watcher.once()
            return _once_code(watcher, fired, note)
        err(f"aepx watch: {len(chosen)} target(s) ({where}) every {interval:g} s; rules: {rules.describe()}; "
            f"alerts to stdout{hooks_where}{metrics_where}; log {log_path}. Ctrl-C stops.")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, watcher.stop)
        try:
            await watcher.run()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
        queued = sum(h.pending() for h in hooks)
        err(f"aepx watch stopped: {len(watcher.fired)} alert(s) this run"
            + (f"; {queued} webhook delivery(ies) stay queued for the next run." if queued else "."))
        return EXIT_OK
    finally:
        for output in outputs:
            if hasattr(output, "aclose"):
                with contextlib.suppress(Exception):
                    await output.aclose()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
        for auth in auths:
            with contextlib.suppress(Exception):
                await auth.aclose()
        if metrics is not None:
            metrics.close()
        store.close()
        if scratch is not None:
            scratch.cleanup()


def _once_code(watcher, fired, note) -> int:
    errors = watcher.poll_errors()
    for error in errors:
        if getattr(error, "exit_code", 1) == 3:
            raise error  # credentials or config: exit 3 with its sentence
    for error in errors:
        note(str(error))
    queued = sum(o.pending() for o in watcher.outputs if hasattr(o, "pending"))
    if queued:
        note(f"{queued} webhook delivery(ies) could not be made now and stay queued for the next run.")
    if not sys.stdout.isatty():
        sys.stdout.flush()
    return EXIT_FAILED if fired else EXIT_OK
