"""``M`` / ``:log``: every message the console showed (toasts included), newest first.

Type to filter by text (the input has focus); ``down`` moves to the list; ``enter`` on a message about a
job opens that job; ``esc`` closes. A long message is cut with … in its row and shown in full under the
table while highlighted. The texts were sanitised when they were said.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.console.message_log import LogEntry, MessageLog
from tui.console.widgets.header import AppHeader

_MARK = {"error": "✖ error", "warning": "▲ warning", "information": "· info"}
_STYLE = {"error": "bold red", "warning": "yellow", "information": ""}


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def message_width(screen_width: int) -> int:
    """The message column takes the width beside time, severity and job (cell padding and scrollbar)."""
    return max(24, screen_width - (8 + 9 + 12) - 2 * 4 - 2)


class MessageLogScreen(Screen[None]):
    DEFAULT_CSS = """
    MessageLogScreen #log-filter { height: 3; }
    MessageLogScreen #log-count { height: 1; padding: 0 1; color: $text-muted; }
    MessageLogScreen DataTable { height: 1fr; }
    MessageLogScreen #log-full { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="log.close"),
        Binding("enter", "open_job", "Open job", id="log.open", show=True),
        Binding("down", "to_list", "List", id="log.to-list", show=False),
    ]

    def __init__(self, log: MessageLog) -> None:
        super().__init__()
        self._log = log
        self._shown: list[LogEntry] = []
        self._message_width = 24

    def compose(self) -> ComposeResult:
        yield AppHeader("jobs › messages")
        yield Input(placeholder="filter messages by text (esc closes)", id="log-filter")
        yield Static("", id="log-count")
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="log-full")  # the highlighted message in full: the table cuts long ones with …
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._message_width = message_width(self.app.size.width)
        self._add_columns()
        self._fill("")
        self.query_one(Input).focus()

    def _add_columns(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("time", key="time", width=8)
        table.add_column("severity", key="severity", width=9)
        table.add_column("job", key="job", width=12)
        table.add_column("message", key="message", width=self._message_width)

    def on_resize(self, event: Resize) -> None:
        width = message_width(event.size.width)
        if width != self._message_width:
            self._message_width = width
            self.query_one(DataTable).clear(columns=True)
            self._add_columns()
            self._fill(self.query_one(Input).value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_full()

    def _show_full(self) -> None:
        entry = self.selected()
        full = self.query_one("#log-full", Static)
        full.display = entry is not None
        if entry is not None:
            full.update(Text(entry.text))

    def _fill(self, needle: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self._shown = self._log.newest_first(needle)
        for index, entry in enumerate(self._shown):
            table.add_row(_clock(entry.at), Text(_MARK.get(entry.severity, entry.severity),
                                                 style=_STYLE.get(entry.severity, "")),
                          Text(entry.job_id or ""), Text(entry.text.replace("\n", " "), no_wrap=True,
                                                         overflow="ellipsis"), key=str(index))
        self._show_full()
        total = len(self._log)
        self.query_one("#log-count", Static).update(
            f"{len(self._shown):,} of {total:,} message{'' if total == 1 else 's'}"
            + (f" matching {needle!r}" if needle.strip() else ""))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_to_list(self) -> None:
        self.query_one(DataTable).focus()

    def selected(self) -> LogEntry | None:
        table = self.query_one(DataTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_job()

    def action_open_job(self) -> None:
        entry = self.selected()
        if entry is None or not entry.job_id:
            self.notify("This message is not about a job.", markup=False)
            return
        job_id = entry.job_id
        self.dismiss()
        self.app.open_logged_job(job_id)  # type: ignore[attr-defined]

    def action_close(self) -> None:
        self.dismiss()
