"""`aepx files list|download|peek` (Data Access), `aepx jobs verify`, and the batch facts of `jobs show`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tui.cli.base import EXIT_FAILED, EXIT_OK, Context, cli, emit_json, err, run_async, table
from tui.cli.batches import BATCH_OR_JOB, batch_id_of, batch_lines, require_files
from tui.cli.jobs import jobs
from tui.core.errors import AepxError, UsageError
from tui.core.format import human_bytes
from tui.core.output import cell_text
from tui.core.sanitise import sanitise


@cli.group()
def files() -> None:
    """A batch's files (Data Access API): list, download (resumable), peek at Parquet footers."""


async def _files_of(api, batch_id: str):
    """The batch (``batch_id`` may be the id of the job that wrote it) and its files."""
    from tui.api.data_access import DataAccess

    batch_id = await batch_id_of(api, batch_id)
    da = DataAccess(api)
    batch = await da.get_batch(batch_id)
    require_files(batch)
    found = await da.list_files(batch_id)
    if not found:
        err(f"Batch {sanitise(batch_id)} has no files (its record count is {batch.record_count or 0}).")
    return da, batch, found


@files.command("list")
@click.argument("batch_id", metavar=BATCH_OR_JOB)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {dataSetFileId, name, size, records}.")
@click.pass_obj
@run_async
async def files_list(obj: Context, batch_id: str, as_json: bool) -> int:
    """List a batch's files: name, size, records (every page of the listing). A job id lists the files of
    the batch that export job wrote.

    \b
    Example: aepx files list 3e37355efbdc678abf33551df6292535 --json | jq '.[].name'
             aepx files list 24115
    """
    async with obj.client() as api:
        _da, _batch, found = await _files_of(api, batch_id)
    if as_json:
        emit_json([f.as_json() for f in found])
        return EXIT_OK
    if found:
        table(["NAME", "SIZE", "RECORDS", "VALID", "FILE ID"],
              [[sanitise(f.name), human_bytes(f.size), "" if f.records is None else f"{f.records:,}",
                "yes" if f.is_valid else "NO", sanitise(f.file_id)] for f in found])
        err(f"{len(found)} file(s), {human_bytes(sum(f.size or 0 for f in found))}")
    return EXIT_OK


@files.command("download")
@click.argument("batch_id", metavar=BATCH_OR_JOB)
@click.option("--to", "to_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to download into (default: [output] download_dir/BATCH_ID, ~/Downloads/aepx/BATCH_ID).")
@click.option("--file", "only", metavar="NAME", multiple=True, help="Only this file (repeatable).")
@click.pass_obj
@run_async
async def files_download(obj: Context, batch_id: str, to_dir: Path | None, only: tuple[str, ...]) -> int:
    """Download a batch's files, resuming any interrupted download.

    Files are fetched in 8 MiB Range requests (the Data Access API allows 60 s per request), each
    retried on its own, into NAME.part, renamed when complete. Rerun the same command to resume.
    Prints each file's path; exit 1 if any file failed, naming it. A job id downloads the batch that
    export job wrote.

    \b
    Example: aepx files download 3e37355efbdc678abf33551df6292535 --to ./out
             aepx files download 24115
    """
    from tui.core.output import batch_download_dir

    download_dir = obj.config().download_dir
    async with obj.client() as api:
        batch_id = await batch_id_of(api, batch_id)  # a job id: its batch (the directory's name)
        directory = to_dir if to_dir is not None else batch_download_dir(download_dir, batch_id)
        da, _batch, found = await _files_of(api, batch_id)
        if only:
            missing = [n for n in only if n not in {f.name for f in found}]
            if missing:
                raise UsageError(f"Batch {sanitise(batch_id)} has no file named {sanitise(missing[0])!r}; "
                                 "`aepx files list` shows the names.")
            found = [f for f in found if f.name in only]
        failed: list[str] = []
        total = sum(f.size or 0 for f in found)
        bar = _progress(total) if found and sys.stderr.isatty() else None
        try:
            for file in found:
                try:
                    result = await da.download_file(file, directory, bar.update if bar else None)
                except AepxError as exc:
                    _above_bar(bar, lambda exc=exc: err(f"aepx: {exc}"))
                    failed.append(file.name)
                    continue
                _above_bar(bar, lambda result=result: click.echo(str(result.path)))
        finally:
            if bar:
                bar.render_finish()
    if failed:
        err(f"aepx: {len(failed)} of {len(found)} file(s) failed: {', '.join(sanitise(n) for n in failed)}; run the "
            "same command again to resume.")
        return EXIT_FAILED
    return EXIT_OK


def _above_bar(bar: Any, show: Any) -> None:
    """Print a line where the progress bar is, then draw the bar again below it (TTY only)."""
    if bar is None:
        show()
        return
    sys.stderr.write("\r\x1b[2K")
    sys.stderr.flush()
    show()
    bar._last_line = None  # click skips drawing a line equal to the last one, which was just erased
    bar.render_progress()


def _progress(total: int) -> Any:
    bar = click.progressbar(length=max(total, 1), label="downloading", file=sys.stderr, show_pos=False,
                            show_percent=True, width=30)
    bar.__enter__()
    return bar


@files.command("peek")
@click.argument("batch_id", metavar=BATCH_OR_JOB)
@click.option("--rows", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Also print the first N rows of the first file.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array of {name, num_rows, row_groups, schema: [{name, type}]}.")
@click.pass_obj
@run_async
async def files_peek(obj: Context, batch_id: str, rows: int, as_json: bool) -> int:
    """Schema and row counts of each file, read from its Parquet footer (no data downloaded). A job id
    peeks at the batch that export job wrote.

    \b
    Example: aepx files peek 3e37355efbdc678abf33551df6292535 --rows 5
             aepx files peek 24115 --rows 5
    """
    async with obj.client() as api:
        da, _batch, found = await _files_of(api, batch_id)
        peeks = []
        sample: tuple[list[str], list[list[Any]]] | None = None
        for i, file in enumerate(found):
            if i == 0 and rows:
                peek, names, values = await da.first_rows(file, rows)
                sample = (names, values)
            else:
                peek = await da.peek_parquet(file)
            peeks.append(peek)
    bad = [p for p in peeks if p.info is None]
    if as_json:
        out = []
        for i, p in enumerate(peeks):
            item: dict[str, Any] = p.info.as_json(p.file.name) if p.info else {
                "name": p.file.name, "num_rows": None, "row_groups": None, "schema": [], "error": p.problem}
            if i == 0 and sample is not None and p.info is not None:
                item["rows"] = [dict(zip(sample[0], r, strict=False)) for r in sample[1]]
            out.append(item)
        emit_json(out)
    else:
        for p in peeks:
            if p.info is None:
                click.echo(f"{sanitise(p.file.name)}: {p.problem}")
                continue
            click.echo(f"{sanitise(p.file.name)}: {p.info.num_rows:,} rows in {p.info.row_groups} row group(s), "
                       f"{human_bytes(p.info.compressed_size)} compressed")
            for col in p.info.columns:
                click.echo(f"  {sanitise(col.name):<40} {sanitise(col.type)}")
        if sample is not None and sample[1]:
            click.echo("")
            table([sanitise(n) for n in sample[0]], [[sanitise(cell_text(v)) for v in r] for r in sample[1]])
    if bad:
        err(f"aepx: {len(bad)} file(s) could not be read as Parquet: {', '.join(sanitise(p.file.name) for p in bad)}.")
        return EXIT_FAILED
    return EXIT_OK


# --- jobs verify and the batch facts of jobs show ------------------------------------------------------
async def batch_facts(api, job) -> list[tuple[str, str]]:
    """Label/value lines about the batches of a SUCCEEDED job (errors become one line, never raise)."""
    from tui.api.data_access import DataAccess
    from tui.core.output import exported_profiles, job_batches

    da = DataAccess(api)
    lines: list[tuple[str, str]] = []
    if exported_profiles(job):
        lines.append(("exported", f"{exported_profiles(job)} profiles"))
    for ref in job_batches(job):
        try:
            batch = await da.get_batch(ref.batch_id)
            count = len(await da.list_files(ref.batch_id)) if batch.succeeded else None
        except AepxError as exc:
            lines.append(("batch", f"{ref.batch_id}: {exc}"))
            continue
        facts = batch_lines(batch, count)
        if ref.segment_id:
            facts.insert(1, ("segment", ref.segment_id))
        elif ref.batch_id == job.batch_id:
            facts = facts[1:]  # `jobs show` already printed the batch id
        lines += [(k, v) for k, v in facts if k != "dataset"]
    return lines


@jobs.command("verify")
@click.argument("job_id")
@click.pass_obj
@run_async
async def jobs_verify(obj: Context, job_id: str) -> int:
    """Check what a job produced: batch success, files listed, footer rows = recordCount, files valid.

    One line per check; exit 0 only when all hold.

    \b
    Example: aepx jobs verify 24115 && echo "export complete"
    """
    from tui.api.data_access import DataAccess
    from tui.core.output import job_batches

    checks: list[tuple[bool, str]] = []
    async with obj.client() as api:
        job = await api.get_job(job_id)
        checks.append((job.status == "SUCCEEDED", f"job {sanitise(job.id)} is {sanitise(job.status)}"))
        refs = job_batches(job) if job.status == "SUCCEEDED" else []
        if job.status == "SUCCEEDED":
            checks.append((bool(refs), f"the job names {len(refs)} batch(es)"))
        da = DataAccess(api)
        for ref in refs:
            label = f"batch {sanitise(ref.batch_id)}"
            try:
                batch = await da.get_batch(ref.batch_id)
            except AepxError as exc:
                checks.append((False, f"{label}: {exc}"))
                continue
            checks.append((batch.succeeded, f"{label} status is {sanitise(batch.status)}"))
            if not batch.succeeded:
                continue
            try:
                found = await da.list_files(ref.batch_id)
            except AepxError as exc:
                checks.append((False, f"{label}: {exc}"))
                continue
            checks.append((bool(found), f"{label} lists {len(found)} file(s)"))
            rows, unreadable = 0, []
            for file in found:
                peek = await da.peek_parquet(file)
                if peek.info is None or not file.is_valid:
                    unreadable.append(f"{sanitise(file.name)} ({peek.problem or 'isValid is false'})")
                else:
                    rows += peek.info.num_rows
            checks.append((not unreadable, f"{label}: every file is valid Parquet" if not unreadable else
                           f"{label}: {len(unreadable)} file(s) not valid: {', '.join(unreadable)}"))
            expected = batch.record_count
            shown = f"{expected:,}" if expected is not None else "unknown"
            checks.append((rows == expected, f"{label}: footer rows {rows:,} {'=' if rows == expected else '≠'} "
                                             f"recordCount {shown}"))
    for ok, text in checks:
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {text}")
    return EXIT_OK if all(ok for ok, _ in checks) else EXIT_FAILED


__all__ = ["batch_facts", "files", "jobs_verify"]
