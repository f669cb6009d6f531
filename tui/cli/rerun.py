"""`aepx jobs payload|diff|lint` and the rerun half of `aepx jobs create` (--from-job, --set, --dry-run,
--allow-duplicate): a job's request rebuilt from its record, compared, and checked before sending.

Preflight sends GETs only (dataset, merge policy, segment definitions, the newest jobs for the
duplicate guard). A lookup that fails is reported as "not checked" and never blocks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tui.cli.base import EXIT_OK, EXIT_USAGE, Context, err, run_async
from tui.cli.jobs import jobs
from tui.core.errors import UsageError
from tui.core.sanitise import json_source, sanitise


def read_payload_text(path: Path) -> str:
    """The payload file's text; UsageError (exit 2) with one sentence when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"Payload file {path} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except OSError as exc:
        raise UsageError(f"Cannot read payload file {path}: {exc.strerror or exc}.") from None


def _max_event_age(obj: Context) -> int:
    try:
        return obj.config().launch.max_event_age_days
    except AttributeError:  # a config object without [launch]
        from tui.core.preflight import DEFAULT_MAX_EVENT_AGE_DAYS

        return DEFAULT_MAX_EVENT_AGE_DAYS


async def cloned_request(api, job_id: str) -> dict[str, Any]:
    """The create request job ``job_id`` echoes; what its record lacked is said on stderr."""
    from tui.core.fingerprint import request_from_record

    job = await api.get_job(job_id)
    request, missing = request_from_record(job.raw)
    if missing:
        err(f"warning: job {sanitise(str(job_id))}'s record lacks {', '.join(missing)}; cloned what exists, "
            "add the rest before launching.")
    return request


def _print_findings(issues, *, source: str = "") -> None:
    from tui.core.preflight import finding_line

    prefix = f"{source}: " if source else ""
    labels = {"error": "error", "warning": "warning", "unchecked": "not checked"}
    for issue in issues:
        err(f"{labels.get(issue.severity, issue.severity)}: {prefix}{sanitise(finding_line(issue, tag=False))}")


async def check_payload(api, payload: dict[str, Any], text: str, *, max_event_age_days: int,
                        allow_duplicate: bool, source: str = "", duplicates: bool = True) -> bool:
    """Preflight and duplicate guard, findings on stderr; True when nothing blocks the launch."""
    from tui.api.preflight import find_duplicates, gather
    from tui.core.fingerprint import duplicate_sentence
    from tui.core.models import now_ms
    from tui.core.preflight import event_window, preflight

    now = now_ms()
    facts = await gather(api, payload)
    report = preflight(payload, facts, now_ms=now, max_event_age_days=max_event_age_days, text=text)
    _print_findings(report.findings, source=source)
    window = event_window(payload, now)
    if window != "no events":
        err(f"exports {window}")
    ok = report.ok
    if duplicates:
        found = await find_duplicates(api, payload)
        if found is None:
            err("not checked: the duplicate guard could not list the newest jobs; check `aepx jobs list`.")
        elif found:
            names = "; ".join(duplicate_sentence(job) for job in found[:3])
            if allow_duplicate:
                err(f"warning: {names} (--allow-duplicate: launching anyway).")
            else:
                err(f"error: {names}; pass --allow-duplicate to launch it again anyway.")
                ok = False
    return ok


async def prepare_create(obj: Context, api, *, payload_file: Path | None, from_job: str | None,
                         assignments: tuple[str, ...], dry_run: bool, allow_duplicate: bool,
                         on_warning) -> dict[str, Any] | int:
    """The payload `jobs create` should send, or the exit code to stop with (a dry run, a refusal)."""
    from tui.core.fingerprint import render_request
    from tui.core.payload import load_payload_file, validate_text
    from tui.core.payload_edit import set_path

    if (payload_file is None) == (from_job is None):
        raise UsageError("Pass exactly one of --file PATH and --from-job ID.")
    if payload_file is not None:
        # with --set the edited payload is validated (and warned about) below, once
        payload = load_payload_file(payload_file, on_warning=None if assignments else on_warning)
        text = read_payload_text(payload_file) if not assignments else ""
        source = str(payload_file)
    else:
        payload = await cloned_request(api, str(from_job))
        text, source = "", f"job {sanitise(str(from_job))}"
    for assignment in assignments:
        set_path(payload, assignment)
    if not text:  # cloned or --set: validate the payload that will be sent
        text = render_request(payload)
        result = validate_text(text)
        if not result.ok:
            _print_findings(result.errors, source="payload")
            return EXIT_USAGE
        for warning in result.warnings:
            on_warning(f"payload: {warning}")
    ok = await check_payload(api, payload, text, max_event_age_days=_max_event_age(obj),
                             allow_duplicate=allow_duplicate, source=source if payload_file else "")
    if dry_run:
        click.echo(clean_json(render_request(payload)), nl=False)
        err("Dry run: nothing was sent." + ("" if ok else " The launch would be refused (see above)."))
        return EXIT_OK if ok else EXIT_USAGE
    if not ok:
        err("Nothing was sent.")
        return EXIT_USAGE
    return payload


@jobs.command("payload")
@click.argument("job_id")
@click.pass_obj
@run_async
async def jobs_payload(obj: Context, job_id: str) -> int:
    """Print the create request of a job, rebuilt from its record (read-only fields left out).

    \b
    Example: aepx jobs payload 24115 > rerun.json
    """
    from tui.core.fingerprint import render_request

    async with obj.client() as api:
        request = await cloned_request(api, job_id)
    click.echo(clean_json(render_request(request)), nl=False)
    return EXIT_OK


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return False


def clean_json(text: str) -> str:
    """Pretty JSON made inert and still valid: C0, C1, bidi and surrogates as their ``\\uXXXX`` escapes."""
    return json_source(text)


@jobs.command("diff")
@click.argument("job_a")
@click.argument("job_b")
@click.pass_obj
@run_async
async def jobs_diff(obj: Context, job_a: str, job_b: str) -> int:
    """Show how two jobs' payloads differ (a unified diff of the pretty JSON; colour on a terminal).

    \b
    Example: aepx jobs diff 24115 24120
    """
    from tui.core.fingerprint import diff_lines

    async with obj.client() as api:
        a = await cloned_request(api, job_a)
        b = await cloned_request(api, job_b)
    lines = diff_lines(a, b, a_name=f"job {sanitise(job_a)}", b_name=f"job {sanitise(job_b)}")
    if not lines:
        err(f"Jobs {sanitise(job_a)} and {sanitise(job_b)} have the same payload.")
        return EXIT_OK
    colour = stdout_is_tty()
    for line in lines:
        text = sanitise(line)
        if colour and line.startswith(("+++", "---")):
            text = click.style(text, bold=True)
        elif colour and line.startswith("+"):
            text = click.style(text, fg="green")
        elif colour and line.startswith("-"):
            text = click.style(text, fg="red")
        elif colour and line.startswith("@@"):
            text = click.style(text, fg="cyan")
        click.echo(text)
    return EXIT_OK


@jobs.command("lint")
@click.option("--file", "payload_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The export-job payload (JSON) to check.")
@click.pass_obj
@run_async
async def jobs_lint(obj: Context, payload_file: Path) -> int:
    """Check a payload as the service would, sending only GETs; exit 0 unless something blocks (2).

    Local validation, then the preflight: the dataset exists here and is on the profile union
    schema, the merge policy and its version exist, the segments exist; placeholders left from
    examples block; old event windows, segmentPerBatch and odd field paths warn. Findings go to
    stderr with line and column. A lookup that fails is "not checked" and does not block.

    \b
    Example: aepx jobs lint --file payload.json && aepx jobs create --file payload.json
    """
    from tui.core.payload import validate_text

    text = read_payload_text(payload_file)
    result = validate_text(text)
    _print_findings(result.errors + result.warnings, source=str(payload_file))
    if not result.ok or result.payload is None:
        return EXIT_USAGE
    async with obj.client() as api:
        ok = await check_payload(api, result.payload, text, max_event_age_days=_max_event_age(obj),
                                 allow_duplicate=True, source=str(payload_file), duplicates=False)
    if ok:
        err(f"{payload_file}: nothing blocks the launch.")
    return EXIT_OK if ok else EXIT_USAGE
