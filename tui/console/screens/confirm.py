"""A yes/no confirmation that lists exactly what will be affected. "No" has the focus; ``y`` confirms,
``n`` or ``esc`` aborts. Server strings are shown as plain text.

In a production sandbox (``[safety] confirm_production = "type-name"``) the confirmation asks for the
sandbox name instead: ``y`` does nothing, the Yes button stays disabled until the name is typed exactly,
and ``enter`` in the field confirms (``TypedName``, shared with the launch confirmation)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.core.format import PLACEHOLDER, relative_time, status_label
from tui.core.models import Job
from tui.core.sanitise import sanitise


def job_line(job: Job, now_ms: int) -> Text:
    """``123  ⟳ PROCESSING  started 5m ago  dataset ds-1``."""
    return Text("  ".join((
        sanitise(job.id),
        status_label(job.status),
        f"created {relative_time(job.created_ms, now_ms)}",
        f"dataset {sanitise(job.dataset_id) or PLACEHOLDER}",
    )))


class TypedName:
    """Mixin for a confirmation screen: with ``typed_name`` set, only typing it confirms.

    The screen yields ``self.typed_name_widgets()`` above its buttons, has a ``#yes`` button and
    calls ``self.confirm_typed()`` / ``self.answer_typed(True)``."""

    typed_name: str | None = None

    def typed_name_widgets(self) -> ComposeResult:
        if self.typed_name:
            yield Label(Text(f"PRODUCTION sandbox: type {self.typed_name} to confirm (esc aborts)."),
                        classes="typed-name-hint")
            yield Input(placeholder=self.typed_name, id="typed-name", compact=True)

    def typed_ok(self) -> bool:
        if not self.typed_name:
            return True
        return self.query_one("#typed-name", Input).value.strip() == self.typed_name  # type: ignore[attr-defined]

    def typed_mount(self) -> None:
        if self.typed_name:
            self.query_one("#yes", Button).disabled = True  # type: ignore[attr-defined]
            self.query_one("#typed-name", Input).focus()  # type: ignore[attr-defined]

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "typed-name":
            self.query_one("#yes", Button).disabled = not self.typed_ok()  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "typed-name":
            event.stop()
            if self.typed_ok():
                self.typed_confirmed()

    def typed_confirmed(self) -> None:  # overridden: answer yes
        raise NotImplementedError


class ConfirmScreen(TypedName, ModalScreen[bool]):
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
    ConfirmScreen .typed-name-hint { width: 100%; margin-top: 1; text-style: bold; }
    ConfirmScreen #typed-name { width: 40; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "answer(False)", "Abort", id="confirm-abort"),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, title: str, jobs: Sequence[Job], *, now_ms: int, note: str = "",
                 yes_label: str = "Yes, cancel", typed_name: str | None = None) -> None:
        super().__init__()
        self.typed_name = typed_name
        self._title = title
        self._jobs = list(jobs)
        self._now_ms = now_ms
        self._note = note
        self._yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(sanitise(self._title)), id="confirm-title")
            with VerticalScroll():
                for job in self._jobs:
                    yield Static(job_line(job, self._now_ms), classes="confirm-job")
            if self._note:
                yield Static(Text(sanitise(self._note, keep_newlines=True)), id="confirm-note")
            yield from self.typed_name_widgets()
            with Horizontal():
                yield Button("No (n, esc)", id="no", variant="primary")
                yield Button(self._yes_label if self.typed_name else f"{self._yes_label} (y)", id="yes",
                             variant="error")

    def on_mount(self) -> None:
        # Toasts are drawn above every screen and would hide the jobs and buttons of this dialog.
        self.app.clear_notifications()
        self.typed_mount()

    def action_answer(self, answer: bool) -> None:
        if answer and not self.typed_ok():
            return  # production: only the typed name confirms
        self.dismiss(answer)

    def typed_confirmed(self) -> None:
        self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")
