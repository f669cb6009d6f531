"""A yes/no confirmation that lists exactly what will be affected. "No" has the focus; ``y`` confirms,
``n`` or ``esc`` aborts. Server strings are shown as plain text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.core.format import PLACEHOLDER, relative_time, safe_text, status_label
from tui.core.models import Job


def job_line(job: Job, now_ms: int) -> Text:
    """``123  ⟳ PROCESSING  started 5m ago  dataset ds-1``."""
    return Text("  ".join((
        safe_text(job.id),
        status_label(job.status),
        f"created {relative_time(job.created_ms, now_ms)}",
        f"dataset {safe_text(job.dataset_id) or PLACEHOLDER}",
    )))


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-title { width: 100%; text-style: bold; margin-bottom: 1; }
    ConfirmScreen VerticalScroll { height: auto; max-height: 12; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "answer(False)", "Abort", id="confirm-abort"),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, title: str, jobs: Sequence[Job], *, now_ms: int, note: str = "",
                 yes_label: str = "Yes, cancel") -> None:
        super().__init__()
        self._title = title
        self._jobs = list(jobs)
        self._now_ms = now_ms
        self._note = note
        self._yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(safe_text(self._title)), id="confirm-title")
            with VerticalScroll():
                for job in self._jobs:
                    yield Static(job_line(job, self._now_ms), classes="confirm-job")
            if self._note:
                yield Static(Text(safe_text(self._note, keep_newlines=True)), id="confirm-note")
            with Horizontal():
                yield Button("No (n, esc)", id="no", variant="primary")
                yield Button(f"{self._yes_label} (y)", id="yes", variant="error")

    def on_mount(self) -> None:
        # Toasts are drawn above every screen and would hide the jobs and buttons of this dialog.
        self.app.clear_notifications()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
