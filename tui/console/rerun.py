"""The console's rerun keys, kept out of app.py: ``R`` clones a job into the payload editor, ``=``
shows two marked jobs' payloads side by side. The app's action methods call these."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.core import drafts
from tui.core.fingerprint import render_request, request_from_record
from tui.core.models import Job
from tui.core.sanitise import sanitise

if TYPE_CHECKING:
    from tui.console.app import AepxApp

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def clone_title(job: Job) -> str:
    """``cloned from job 24115 (FAILED, 2026-11-30)``."""
    day = ""
    if job.created_ms is not None:
        try:
            day = f", {datetime.fromtimestamp(job.created_ms / 1000, tz=UTC).astimezone():%Y-%m-%d}"
        except (OverflowError, OSError, ValueError):
            day = ""
    return f"cloned from job {sanitise(job.id)} ({sanitise(job.status) or 'UNKNOWN'}{day})"


def clone_text(job: Job) -> tuple[str, str]:
    """The editor text of a job's request and a note naming what its record lacked ("" if nothing)."""
    request, missing = request_from_record(job.raw)
    note = ""
    if missing:
        note = (f"Job {sanitise(job.id)}'s record lacks {', '.join(missing)}: cloned what exists; add the "
                "rest before launching.")
    return render_request(request).rstrip("\n"), note


def clone_draft_path(job: Job):
    """Each clone has its own draft (beside the editor's), so cloning never overwrites an unsent edit."""
    return drafts.default_draft_path().with_name(f"clone-{_SAFE_NAME.sub('_', job.id)[:64]}.json")


def clone_source(app: AepxApp) -> Job | None:
    """The job shown in a full-screen detail, else the highlighted row of the jobs screen."""
    detail = getattr(app.screen, "detail", None)
    shown = getattr(detail, "job", None)
    if isinstance(shown, Job):
        return app.model.jobs.get(shown.id, shown)
    screen = app.jobs_screen
    if screen is None or app.screen is not screen:
        return None
    return screen.highlighted_job()


def open_clone(app: AepxApp, job: Job) -> None:
    from tui.console.screens.launch import LaunchScreen

    text, note = clone_text(job)
    app.push_screen(LaunchScreen(
        app.api, read_only=app.read_only, draft_path=clone_draft_path(job), initial_text=text,
        title=clone_title(job), note=note, known_jobs=lambda: list(app.model.jobs.values()),
        max_event_age_days=app.launch_settings.max_event_age_days, clock=app.clock,
        confirm_name=app.confirm_name), app.follow_job)


def open_diff(app: AepxApp) -> None:
    from tui.console.screens.diff import DiffScreen

    marked = app.model.marked_jobs()
    if len(marked) != 2:
        app.say(f"Mark exactly two jobs with space, then press = ({len(marked)} marked here).", "warning")
        return
    app.push_screen(DiffScreen(*sorted(marked, key=lambda j: (j.created_ms or 0, j.id))))
