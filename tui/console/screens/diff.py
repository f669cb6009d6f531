"""``=``: two marked jobs' payloads side by side (their requests rebuilt from the records).

Equal lines are dim, changed lines are coloured on both sides, a line only one job has leaves the
other side blank. Every string passes ``sanitise`` and is shown as ``Text`` (never markup).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from tui.console.widgets.header import AppHeader
from tui.core.fingerprint import fingerprint, request_from_record, side_by_side
from tui.core.models import Job
from tui.core.sanitise import sanitise

STYLES = {"equal": "dim", "replace": "bold yellow", "delete": "bold red", "insert": "bold green"}


def job_heading(job: Job) -> str:
    return f"job {sanitise(job.id)} ({sanitise(job.status) or 'UNKNOWN'})"


def diff_table(a: Job, b: Job) -> Table:
    left, _ = request_from_record(a.raw)
    right, _ = request_from_record(b.raw)
    table = Table(expand=True, show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column(Text(job_heading(a)), ratio=1, overflow="fold")
    table.add_column(Text(job_heading(b)), ratio=1, overflow="fold")
    for lval, rval, tag in side_by_side(left, right):
        style = STYLES.get(tag, "")
        table.add_row(Text(sanitise(lval) if lval is not None else "", style=style),
                      Text(sanitise(rval) if rval is not None else "", style=style))
    return table


class DiffScreen(Screen[None]):
    """Side-by-side payloads of two jobs; ``esc`` returns."""

    DEFAULT_CSS = """
    DiffScreen #diff-title { width: 100%; height: auto; background: $primary-muted; text-style: bold; padding: 0 1; }
    DiffScreen #diff-body { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "close", "Back", id="diff.back")]

    def __init__(self, a: Job, b: Job) -> None:
        super().__init__()
        self.jobs = (a, b)
        self.same = fingerprint(a.raw) == fingerprint(b.raw)

    @property
    def title_text(self) -> str:
        a, b = self.jobs
        verdict = "the same payload" if self.same else "payloads differ"
        return f"{job_heading(a)} ↔ {job_heading(b)}: {verdict}"

    def compose(self) -> ComposeResult:
        yield AppHeader("jobs › diff")
        yield Label(Text(self.title_text), id="diff-title")
        with VerticalScroll(id="diff-body"):
            yield Static(diff_table(*self.jobs), id="diff-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#diff-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
