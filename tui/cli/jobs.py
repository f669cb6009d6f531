"""`aepx jobs list|show|create|cancel`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from tui.cli.base import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    cli,
    confirm,
    emit_json,
    err,
    note_interrupt,
    out,
    run_async,
    table,
)
from tui.core.errors import UsageError
from tui.core.sanitise import sanitise
from tui.core.statuses import check_status


def remember(obj: Context, target, found) -> None:
    """Every record the CLI receives goes into the job history (tui/cli/history.py)."""
    from tui.cli.history import remember as record

    record(obj, target, found)


@cli.group()
def jobs() -> None:
    """List, show, create and cancel export jobs; rerun, diff and lint their payloads."""


def job_row(job, now_ms: int) -> list[str]:
    from tui.core.format import absolute_time, human_duration

    duration = job.duration_ms(now_ms)
    return [sanitise(job.id), sanitise(job.status), absolute_time(job.created_ms), absolute_time(job.updated_ms),
            human_duration(duration) if duration is not None else "", sanitise(job.current_phase),
            sanitise(job.dataset_id), sanitise(job.batch_id), str(len(job.errors)) if job.errors else ""]


JOB_HEADERS = ["ID", "STATUS", "CREATED", "UPDATED", "DURATION", "PHASE", "DATASET", "BATCH", "ERRORS"]


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

    status = check_status(status, any_case=True)
    async with obj.client() as api:
        found = []
        more = False
        if all_pages:
            async for page in api.iter_jobs(limit=limit, status=status):
                found.extend(page.jobs)
                for warning in page.warnings:
                    err(f"warning: {warning}")
        else:
            page = await api.list_jobs(limit=limit, status=status)
            found.extend(page.jobs)
            more = page.has_more
            for warning in page.warnings:
                err(f"warning: {warning}")
        remember(obj, api.target, found)
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
    """Show one export job: status, timing, destination, errors; for a SUCCEEDED job also its batch
    (status, record count, size, file count)."""
    async with obj.client() as api:
        job = await api.get_job(job_id)
        remember(obj, api.target, [job])
        facts = []
        if job.status == "SUCCEEDED" and not as_json:
            from tui.cli.files import batch_facts

            facts = await batch_facts(api, job)
    if as_json:
        emit_json(dict(job.raw))
    else:
        print_job(job)
        for label, value in facts:
            out(f"{label:<16}{sanitise(value)}")
    return EXIT_OK


def print_job(job) -> None:
    from tui.core.format import absolute_time, human_duration
    from tui.core.models import now_ms

    def line(label: str, value: str) -> None:
        if value:
            out(f"{label:<16}{sanitise(value)}")

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
        if d is None:  # a finished job never reached it: it is not "pending" (the console says "no data")
            line(phase_name, "pending" if job.is_active else "not reached")
            continue
        suffix = "" if phase and phase.finished else " (running)" if job.is_active else " (unfinished)"
        line(phase_name, human_duration(d) + suffix)
    for error in job.errors:
        out(f"error           {sanitise(error.code)}: {sanitise(error.msg)}")


@jobs.command("create")
@click.option("--file", "payload_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The export-job payload (JSON). Validated locally before sending.")
@click.option("--from-job", metavar="ID", help="Rerun: the payload of this job, rebuilt from its record.")
@click.option("--set", "assignments", metavar="PATH=VALUE", multiple=True,
              help="Change one value (JSON or text), e.g. --set destination.datasetId=abc. Repeatable.")
@click.option("--dry-run", is_flag=True, help="Check (GETs only) and print the payload; send nothing.")
@click.option("--allow-duplicate", is_flag=True,
              help="Launch even if a NEW/PROCESSING job has the same payload (refused otherwise, exit 2).")
@click.option("--wait", is_flag=True,
              help="Follow the job until it leaves NEW/PROCESSING; exit 0 on SUCCEEDED, 1 on any other status.")
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds between checks with --wait.")
@click.option("--timeout", "wait_timeout", type=click.FloatRange(1, 7 * 86400), default=None, metavar="SECONDS",
              help="With --wait: give up after this many seconds (exit 1; the job keeps running).")
@click.option("--json", "as_json", is_flag=True, help="Print the created (or final, with --wait) record.")
@click.option("--yes", is_flag=True,
              help="Required in a production sandbox (or one whose type the Sandbox API does not tell).")
@click.pass_obj
@run_async
async def jobs_create(obj: Context, payload_file: Path | None, from_job: str | None, assignments: tuple[str, ...],
                      dry_run: bool, allow_duplicate: bool, wait: bool, poll: float, wait_timeout: float | None,
                      as_json: bool, yes: bool) -> int:
    """Create an export job from a payload file or another job (sent exactly once, never retried blindly).

    Before sending: local validation, the preflight (GETs only; see `jobs lint`) and the duplicate
    guard (a NEW/PROCESSING job with the same payload refuses the launch unless --allow-duplicate).
    In a production sandbox (per the Sandbox API; unknown counts as production) it needs --yes.

    \b
    Examples: aepx jobs create --file payload.json --wait
              aepx jobs create --from-job 24115 --set destination.datasetId=abc --dry-run
    """
    from tui.cli.rerun import prepare_create

    async with obj.client() as api:
        payload = await prepare_create(obj, api, payload_file=payload_file, from_job=from_job,
                                       assignments=assignments, dry_run=dry_run, allow_duplicate=allow_duplicate,
                                       on_warning=lambda text: err(f"warning: {text}"))
        if isinstance(payload, int):
            return payload
        kind = await sandbox_kind_of(api)  # checked and ready: only production stands between it and the POST
        if kind.is_production and not yes:
            raise UsageError(f"Sandbox {sanitise(api.target.sandbox)} is {_kind_words(kind)}: pass --yes to create "
                             "an export job there (or --dry-run to check the payload only); nothing was sent.")
        try:
            result = await api.create_job(payload)
        except asyncio.CancelledError:  # Ctrl-C before the answer arrived
            note_interrupt("interrupted before the Platform answered: the create request may have reached it, "
                           "so the job may exist; run `aepx jobs list` (newest first) to check before creating "
                           "it again.")
            raise
        job = result.job
        if result.reconciled:
            err(f"The answer to the create request was lost, but job {sanitise(job.id)} was found in the job list.")
        err(f"Created export job {sanitise(job.id)} ({sanitise(job.status)}) in profile "
            f"{sanitise(api.target.profile)}, sandbox {sanitise(api.target.sandbox)} ({kind.label}).")
        timed_out = False
        if wait:
            import time

            give_up = time.monotonic() + wait_timeout if wait_timeout is not None else None
            while job.is_active:  # stop on any other status: SUCCEEDED, FAILED, one added later, or none
                pause = poll
                if give_up is not None:
                    pause = min(poll, give_up - time.monotonic())
                    if pause <= 0:
                        timed_out = True
                        break
                await asyncio.sleep(pause)
                job = await api.get_job(job.id)
                err(f"job {sanitise(job.id)}: {sanitise(job.status)} · {sanitise(job.current_phase)}")
        remember(obj, api.target, [job])
    if as_json:
        emit_json(dict(job.raw))
    else:
        out(sanitise(job.id))
    if timed_out:
        err(f"Job {sanitise(job.id)} is still {sanitise(job.status)} after {wait_timeout:g} s (--timeout); it keeps "
            f"running: follow it with `aepx jobs show {sanitise(job.id)}`.")
        return EXIT_FAILED
    if wait and job.status != "SUCCEEDED":
        if not job.is_final:
            err(f"Job {sanitise(job.id)} ended in status {sanitise(job.status)}, which aepx does not know; check "
                f"it with `aepx jobs show {sanitise(job.id)}`.")
        for error in job.errors:
            err(f"{sanitise(error.code)}: {sanitise(error.msg)}")
        return EXIT_FAILED
    return EXIT_OK


@jobs.command("cancel")
@click.argument("job_ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required in a production sandbox).")
@click.pass_obj
@run_async
async def jobs_cancel(obj: Context, job_ids: tuple[str, ...], yes: bool) -> int:
    """Cancel NEW or PROCESSING jobs (others are refused; no request is sent for them).

    In a production sandbox (per the Sandbox API; unknown counts as production) it needs --yes.

    \b
    Example: aepx jobs cancel 24115 24116 --yes
    """
    from tui.core.cancel import cancel_many
    from tui.core.errors import NotFoundError

    async with obj.client() as api:
        kind = await sandbox_kind_of(api)
        if kind.is_production and not yes:
            raise UsageError(f"Sandbox {api.target.sandbox} is {_kind_words(kind)}: pass --yes to cancel jobs there "
                             f"(profile {api.target.profile}).")
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
                err(f"  {sanitise(job.id)}  {sanitise(job.status):<10}  {sanitise(job.dataset_id)}")
            if not confirm(f"Cancel {len(found)} job(s) in profile {sanitise(api.target.profile)}, sandbox "
                           f"{sanitise(api.target.sandbox)} ({kind.label})?"):
                err("Nothing was cancelled.")
                return EXIT_FAILED
        results = await cancel_many(api, found)
    failed = bool(outcomes) or any(not r.ok for r in results)
    for text in outcomes + [r.text for r in results]:
        err(text)
    sent = sum(1 for r in results if r.ok)
    err(f"{sent} of {len(job_ids)} cancel request(s) accepted in profile {api.target.profile}, sandbox "
        f"{api.target.sandbox} ({kind.label}).")
    return EXIT_FAILED if failed else EXIT_OK


async def sandbox_kind_of(api):
    """The sandbox type (fail closed); an unknown type is said once on stderr."""
    from tui.core.sandboxes import kind_of

    learn = getattr(api, "sandbox_kind", None)
    kind = await learn() if learn is not None else kind_of(api.target.sandbox, None)
    if kind.note:
        err(f"warning: {sanitise(kind.note)}")
    return kind


def _kind_words(kind) -> str:
    return "a production sandbox" if kind.type == "production" else "of unknown type, treated as production"


