"""`aepx batches show`: the Catalog batch an export job wrote, and the shared batch helpers."""

from __future__ import annotations

import click

from tui.cli.base import EXIT_FAILED, EXIT_OK, Context, cli, emit_json, err, run_async
from tui.core.errors import ApiError, UsageError
from tui.core.format import human_bytes
from tui.core.sanitise import sanitise


@cli.group()
def batches() -> None:
    """Catalog batches: what a SUCCEEDED export job wrote (status, records, size)."""


def batch_lines(batch, file_count: int | None = None) -> list[tuple[str, str]]:
    from tui.core.format import absolute_time

    lines = [("batch", batch.id), ("batch status", batch.status)]
    if batch.record_count is not None:
        lines.append(("records", f"{batch.record_count:,}"))
    if batch.failed_record_count:
        lines.append(("failed records", f"{batch.failed_record_count:,}"))
    if batch.size is not None:
        lines.append(("size", f"{human_bytes(batch.size)} ({batch.size:,} bytes)"))
    if file_count is not None:
        lines.append(("files", str(file_count)))
    lines += [("started", absolute_time(batch.started_ms) if batch.started_ms else ""),
              ("completed", absolute_time(batch.completed_ms) if batch.completed_ms else ""),
              ("dataset", batch.dataset_id)]
    lines += [("batch error", e) for e in batch.errors]
    return [(k, v) for k, v in lines if v]


def print_lines(lines: list[tuple[str, str]]) -> None:
    for label, value in lines:
        click.echo(f"{label:<16}{sanitise(value)}")


def require_files(batch) -> None:
    """One sentence (exit 1) when the batch cannot have files: failed, or not written yet."""
    if batch.succeeded:
        return
    name = sanitise(batch.id)
    if batch.failed:
        detail = f" ({sanitise(batch.errors[0])})" if batch.errors else ""
        raise ApiError(f"Batch {name} failed{detail}, so it has no files; the export job's errors say why "
                       "(`aepx jobs show JOB_ID`).")
    raise ApiError(f"Batch {name} is {sanitise(batch.status)}, not success, so its files are not readable yet; try "
                   "again once the export job has SUCCEEDED.")


#: What a BATCH_ID argument also accepts: the id of the export job that wrote the batch.
BATCH_OR_JOB = "BATCH_ID|JOB_ID"


def looks_like_job_id(value: str) -> bool:
    """Export job ids are integers (``24115``); batch ids are 32 hex characters."""
    return value.isascii() and value.isdigit() and len(value) <= 19


async def batch_id_of(api, value: str) -> str:
    """``value`` when it is a batch id; the batch the job wrote when it is a job id (said on stderr). One
    sentence when the job wrote none, or several (one per segment: the caller must pick one)."""
    if not looks_like_job_id(value):
        return value
    from tui.core.output import job_batches

    job = await api.get_job(value)
    refs = job_batches(job)
    name = sanitise(job.id)
    if not refs:
        raise ApiError(f"Job {name} is {sanitise(job.status)} and names no batch; only a SUCCEEDED export job "
                       "has written one.")
    if len(refs) > 1:
        shown = ", ".join(sanitise(r.batch_id) for r in refs[:5]) + (" …" if len(refs) > 5 else "")
        raise UsageError(f"Job {name} wrote {len(refs)} batches (one per segment): {shown}; pass one of them.")
    err(f"Job {name} wrote batch {sanitise(refs[0].batch_id)}.")
    return refs[0].batch_id


@batches.command("show")
@click.argument("batch_id", metavar=BATCH_OR_JOB)
@click.option("--json", "as_json", is_flag=True, help="Print the batch object (unwrapped from its id key, with id).")
@click.pass_obj
@run_async
async def batches_show(obj: Context, batch_id: str, as_json: bool) -> int:
    """Show a batch: status, record count, size, times, dataset, errors. A job id shows the batch that
    export job wrote.

    \b
    Example: aepx batches show 3e37355efbdc678abf33551df6292535 --json | jq .recordCount
             aepx batches show 24115
    """
    from tui.api.data_access import DataAccess

    async with obj.client() as api:
        batch = await DataAccess(api).get_batch(await batch_id_of(api, batch_id))
    if as_json:
        emit_json(batch.as_json())
    else:
        print_lines(batch_lines(batch))
    if batch.failed:
        err(f"Batch {sanitise(batch.id)} failed; the export job's errors say why (`aepx jobs show JOB_ID`).")
        return EXIT_FAILED
    return EXIT_OK
