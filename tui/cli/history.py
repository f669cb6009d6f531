"""`aepx history sync|list`: the local job history (tui.monitor.history) from the command line.

``sync`` pulls job pages from the Platform into the store; ``list`` reads the store only (offline).
Both use the profile's org and sandbox; another org's rows are never shown.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

import click

from tui.cli.base import EXIT_OK, Context, cli, err, guarded, run_async, table
from tui.cli.jobs import JOB_HEADERS, job_row
from tui.core.errors import ConfigError, UsageError
from tui.core.statuses import check_status

SYNC_PAGE = 100
REFRESH_ACTIVE = 50  # stored NEW/PROCESSING jobs re-read by a sync when no page showed them
_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


@cli.group()
def history() -> None:
    """The local job history: every job record aepx receives, kept in a SQLite file.

    \b
    Where: [history] path in the config, default ~/.local/share/aepx/history.sqlite3
    (0600). Turn it off with [history] enabled = false; delete the file (and its
    -wal/-shm companions) to forget everything. Rows are keyed by org, sandbox and job id.
    """


def parse_since(text: str | None, now_ms: int) -> int | None:
    """``7d`` / ``12h`` / ``30m`` / ``2w`` ago, or a date ``2026-11-01`` (UTC midnight), or an ISO time."""
    if text is None:
        return None
    match = _RELATIVE.match(text)
    if match:
        return now_ms - int(match.group(1)) * _UNIT_MS[match.group(2).lower()]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"Cannot read --since {text!r}: use an age such as 7d, 12h, 2w or a date such as "
                         "2026-11-01.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


_UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week"}


def since_words(text: str) -> str:
    """``7d`` → ``in the last 7 days``; a date or time → ``since 2026-11-01``."""
    match = _RELATIVE.match(text)
    if not match:
        return f"since {text.strip()}"
    count, unit = int(match.group(1)), _UNIT_WORDS[match.group(2).lower()]
    return f"in the last {unit}" if count == 1 else f"in the last {count:,} {unit}s"


def open_store(context: Context, *, create: bool):
    """The configured store, or one sentence (ConfigError, exit 3) saying why there is none."""
    from tui.monitor.history.store import HistoryStore, HistoryUnavailable

    cfg = context.config()
    if not cfg.history.enabled:
        raise ConfigError(f"The job history is turned off ([history] enabled = false in {cfg.path}).")
    try:
        return HistoryStore.open(cfg.history.path, create=create)
    except HistoryUnavailable as exc:
        raise ConfigError(str(exc)) from None


def remember(context: Context, target, jobs) -> None:
    """Record what a CLI command received (best effort: a problem is one warning, never a failure)."""
    from tui.monitor.history.store import HistoryUnavailable

    jobs = list(jobs)
    if not jobs:
        return
    try:
        if not context.config().history.enabled:
            return
        store = open_store(context, create=True)
    except Exception as exc:  # the command itself succeeded; the history is a side effect
        err(f"warning: {exc}")
        return
    try:
        store.upsert(target.org_id, target.sandbox, jobs)
    except HistoryUnavailable as exc:
        err(f"warning: {exc}")
    finally:
        store.close()


def _age(ms: int | None, now_ms: int) -> str:
    from tui.core.format import absolute_time, human_duration

    if ms is None:
        return "never synced from the Platform"
    return f"as of {absolute_time(ms, UTC)} ({human_duration(max(0, now_ms - ms))} ago)"


@history.command("sync")
@click.option("--all", "all_pages", is_flag=True, help="Every page, not only the new ones.")
@click.pass_obj
@run_async
async def history_sync(obj: Context, all_pages: bool) -> int:
    """Pull job pages from the Platform into the history.

    Without --all it reads the newest pages until one holds jobs it already knows, then
    re-reads the stored jobs that were still NEW or PROCESSING (at most 50).

    \b
    Example: aepx history sync && aepx history list --since 7d --status FAILED
    """
    from tui.core.errors import NotFoundError

    store = open_store(obj, create=True)
    progress = sys.stderr.isatty()
    pages = count = new = 0
    try:
        async with obj.client() as api:
            org, sandbox = api.target.org_id, api.target.sandbox
            seen: set[str] = set()
            async for page in api.iter_jobs(limit=SYNC_PAGE):
                ids = [j.id for j in page.jobs]
                known = store.known_ids(org, sandbox, ids)
                store.upsert(org, sandbox, page.jobs)
                pages += 1
                count += len(ids)
                new += len(ids) - len(known)
                seen.update(ids)
                if progress:
                    click.echo(f"\rsyncing {sandbox}: {pages} page(s), {count:,} job(s), {new:,} new",
                               err=True, nl=False)
                if known and not all_pages:
                    break
            stale = [i for i in store.active_ids(org, sandbox) if i not in seen][:REFRESH_ACTIVE]
            refreshed = []
            for job_id in stale:
                try:
                    refreshed.append(await api.get_job(job_id))
                except NotFoundError:
                    continue
            store.upsert(org, sandbox, refreshed)
        if progress:
            click.echo("", err=True)
        total = store.count(org, sandbox)
    finally:
        store.close()
    err(f"Synced {count:,} job(s) from {pages} page(s) ({new:,} new, {len(refreshed)} running job(s) "
        f"re-read) into {store.path}; it holds {total:,} job(s) for org {org}, sandbox {sandbox}.")
    return EXIT_OK


@history.command("list")
@click.option("--since", metavar="AGE|DATE", help="Jobs created since: 7d, 12h, 2w, or a date 2026-11-01 (UTC).")
@click.option("--status", metavar="S", help="Only jobs in this status: NEW, PROCESSING, SUCCEEDED, FAILED.")
@click.option("--dataset", metavar="ID", help="Only jobs writing to this dataset id.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array of the stored records as the API returned them (like jobs list --json).")
@click.pass_obj
@guarded
def history_list(obj: Context, since: str | None, status: str | None, dataset: str | None, as_json: bool) -> int:
    """List jobs from the history only (works offline), newest first.

    Says on stderr how old the data is (when this org and sandbox were last read from the Platform).

    \b
    Example: aepx history list --since 7d --status FAILED --json | jq '.[].id'
    """
    now = int(time.time() * 1000)
    since_ms = parse_since(since, now)
    status = check_status(status, any_case=True)
    _, profile = obj.profile()
    store = open_store(obj, create=False)
    try:
        org, sandbox = profile.org_id, profile.sandbox
        raws = store.list_raw(org, sandbox, since_ms=since_ms, status=status, dataset=dataset)
        synced = store.synced_ms(org, sandbox)
    finally:
        store.close()
    if as_json:
        out = sys.stdout
        out.write("[\n" + ",\n".join(raws) + "\n]\n" if raws else "[]\n")
        out.flush()
    else:
        import json

        from tui.core.models import Job

        table(JOB_HEADERS, [job_row(Job.parse(json.loads(raw)), now) for raw in raws])
    err(f"{len(raws):,} job(s) from the history of org {org}, sandbox {sandbox}, {_age(synced, now)}.")
    return EXIT_OK


_BY_HEADER = {"dataset": "DATASET", "payload": "PAYLOAD", "error": "ERROR CODE", "day": "DAY"}


def _window(since: str, now: int) -> tuple[int, int]:
    since_ms = parse_since(since, now)
    return (since_ms if since_ms is not None else now - 7 * 86_400_000), now


@history.command("stats")
@click.option("--since", default="7d", show_default=True, metavar="AGE|DATE",
              help="The window: jobs created since 7d, 12h, 2w, or a date 2026-11-01 (UTC), until now.")
@click.option("--by", type=click.Choice(["dataset", "payload", "error", "day"]),
              help="Also one group per dataset, payload fingerprint, first error code (FAILED jobs) or creation day.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys in the README, 'history stats').")
@click.pass_obj
@guarded
def history_stats(obj: Context, since: str, by: str | None, as_json: bool) -> int:
    """Counts, success rate and p50/p95 times of the jobs in the history (works offline).

    \b
    Definitions (the README's Pulse section has them all):
      window        jobs created since --since, until now (epoch ms in --json)
      counts        jobs of the window by their last stored status
      success_rate  SUCCEEDED / (SUCCEEDED + FAILED); null when both are 0
      p50, p95      nearest-rank percentiles of SUCCEEDED jobs' totalTimeInMs;
                    null ("—") under 5 samples
    Days are UTC unless [console] timezone = "local".

    \b
    Example: aepx history stats --since 14d --by day --json | jq '.groups[] | [.key, .counts.FAILED]'
    """
    import json

    from tui.monitor.history.stats import fmt_ms, fmt_rate, stats

    now = int(time.time() * 1000)
    since_ms, until_ms = _window(since, now)
    cfg = obj.config()
    _, profile = obj.profile()
    store = open_store(obj, create=False)
    try:
        org, sandbox = profile.org_id, profile.sandbox
        result = stats(store, org, sandbox, since_ms, until_ms, by=by, timezone=cfg.console.timezone)
        synced = store.synced_ms(org, sandbox)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=True))  # ASCII: no control or bidi character
    else:
        from tui.core.sanitise import sanitise

        counts = result["counts"]
        total = result["total_time_ms"]
        click.echo(f"{result['jobs']:,} job(s) created {since_words(since)}: " + ", ".join(
            f"{counts[s]:,} {s}" for s in counts) + f"; success rate {fmt_rate(result['success_rate'])}")
        click.echo(f"total time p50 {fmt_ms(total['p50'])}, p95 {fmt_ms(total['p95'])} "
                   f"({total['samples']:,} SUCCEEDED)")
        click.echo("phases p50/p95: " + ", ".join(
            f"{name} {fmt_ms(p['p50'])}/{fmt_ms(p['p95'])}" for name, p in result["phases_ms"].items()))
        if by is not None:
            click.echo("")
            rows = []
            for g in result["groups"]:
                key = g["key"] or "(none)"
                if by == "payload":
                    key = f"{g['dataset_id'] or '?'} {(g.get('fields') or '')[:30]} #{g['key'][:8]}"
                c = g["counts"]
                rows.append([sanitise(key), f"{g['jobs']:,}", f"{c['FAILED']:,}", fmt_rate(g["success_rate"]),
                             fmt_ms(g["total_time_ms"]["p50"]), fmt_ms(g["total_time_ms"]["p95"]),
                             sanitise(g["newest_job_id"] or "")])
            table([_BY_HEADER[by], "JOBS", "FAILED", "SUCCESS", "P50", "P95", "NEWEST"], rows)
    err(f"From the history of org {org}, sandbox {sandbox}, {_age(synced, now)}; "
        f"times in {result['timezone']}.")
    return EXIT_OK


def _cell(value: object) -> object:
    """A CSV cell: server text made inert; a leading = + - @ (a spreadsheet formula) gets a quote."""
    from tui.core.sanitise import sanitise

    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = sanitise(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@history.command("export")
@click.option("--since", metavar="AGE|DATE", help="Only jobs created since: 7d, 12h, 2w, or a date (UTC).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True, help="CSV or JSON Lines.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE (created 0600) instead of stdout.")
@click.pass_obj
@guarded
def history_export(obj: Context, since: str | None, fmt: str, output: str | None) -> int:
    """One row per stored job, oldest first: id, status, created, updated (UTC), phase times (ms),
    dataset, merge policy, payload fingerprint and first error code.

    \b
    Example: aepx history export --since 30d --format csv --output jobs.csv
    """
    import csv
    import json
    import os

    from tui.monitor.history.stats import EXPORT_COLUMNS, export_rows

    now = int(time.time() * 1000)
    since_ms = parse_since(since, now)
    _, profile = obj.profile()
    store = open_store(obj, create=False)
    count = 0
    try:
        org, sandbox = profile.org_id, profile.sandbox
        stream: TextIO
        if output:
            try:
                fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                stream = open(fd, "w", encoding="utf-8", newline="")
            except OSError as exc:
                raise UsageError(f"Cannot write {output} ({exc.strerror or exc}); choose another --output.") from None
        else:
            stream = sys.stdout
        try:
            rows = export_rows(store, org, sandbox, since_ms, now)
            if fmt == "csv":
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(EXPORT_COLUMNS)
                for row in rows:
                    # server strings made inert; a leading = + - @ would be a formula in a spreadsheet
                    writer.writerow([_cell(v) for v in row.values()])
                    count += 1
            else:
                for row in rows:
                    stream.write(json.dumps(row, ensure_ascii=True, separators=(",", ":")) + "\n")
                    count += 1
            stream.flush()
        finally:
            if output:
                stream.close()
    finally:
        store.close()
    err(f"Exported {count:,} job(s) of org {org}, sandbox {sandbox}" + (f" to {output}." if output else "."))
    return EXIT_OK
