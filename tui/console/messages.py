"""Messages between the app (which owns the API, the model and the workers) and its screens.

Attributes go down, messages come up: the app posts ``ModelChanged``/``PollStateChanged`` to the jobs
screen after each load; screens and widgets post requests (``CancelRequested``) up to the app.
"""

from __future__ import annotations

from textual.message import Message

from tui.core.models import Job


class ModelChanged(Message):
    """The job list changed: re-render the table by diff. ``select`` asks to highlight a job."""

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select


class PollStateChanged(Message):
    """Refresh state changed (last good refresh, stale reason, paused, next retry)."""


class CancelRequested(Message):
    """Cancel these jobs (after confirmation). Posted by screens; handled by the app."""

    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs
