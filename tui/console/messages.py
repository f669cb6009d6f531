"""Messages between the app (which owns the API, the model and the workers) and its screens.

Attributes go down, messages come up: the app posts ``ModelChanged``/``PollStateChanged`` to the jobs
screen after each load.
"""

from __future__ import annotations

from textual.message import Message


class ModelChanged(Message):
    """The job list changed: re-render the table by diff. ``select`` asks to highlight a job."""

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select


class PollStateChanged(Message):
    """Refresh state changed (last good refresh, stale reason, paused, next retry)."""

