"""``L`` / ``:calls``: the last 1,000 API calls (Platform and IMS), newest first.

Each row: time, method, status, latency, path with query (cut to the width left), attempt, request id,
bytes. ``c`` copies the
highlighted call as ``curl`` (the token as ``$ACCESS_TOKEN``; an IMS call's secret as ``$CLIENT_SECRET``),
``r`` copies its request id, ``esc`` closes. Records hold no header, body or token (tui/api/calllog.py).
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.api.calllog import CallLog, CallRecord
from tui.console.widgets.header import AppHeader
from tui.core.curl import request_as_curl
from tui.core.sanitise import sanitise


def _status_text(record: CallRecord) -> Text:
    if record.status is None:
        return Text("—", style="bold red")
    style = "green" if record.status < 300 else "yellow" if record.status < 500 else "bold red"
    return Text(str(record.status), style=style)


#: Status and latency before the path: at 80 columns they stay in view; the path takes what is left (cut
#: with …, ``c`` copies the whole call) and the rest scrolls sideways.
COLUMNS: tuple[tuple[str, int | None], ...] = (("time", 8), ("method", 8), ("status", 6), ("ms", 6), ("path", None),
                                               ("try", 3), ("request id", 32), ("bytes", 9))
_FIXED = sum(w for _, w in COLUMNS if w is not None) + 2 * len(COLUMNS) + 2  # cell padding, scrollbar


def path_width(screen_width: int) -> int:
    """The path column's cells: the width left beside every other column, between 28 and 160."""
    return max(28, min(160, screen_width - _FIXED))


class CallLogScreen(Screen[None]):
    DEFAULT_CSS = """
    CallLogScreen #calls-count { height: 1; padding: 0 1; color: $text-muted; }
    CallLogScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="calls.close"),
        Binding("c", "copy_curl", "Copy curl", id="calls.copy-curl"),
        Binding("r", "copy_request_id", "Copy request id", id="calls.copy-request-id"),
    ]

    def __init__(self, log: CallLog, api: Any) -> None:
        super().__init__()
        self._log = log
        self._api = api
        self._shown: list[CallRecord] = []
        self._path_width = 28

    def compose(self) -> ComposeResult:
        yield AppHeader("jobs › API calls")
        yield Static("", id="calls-count")
        yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._path_width = path_width(self.app.size.width)
        self._add_columns()
        self._fill()
        self._log.listen(self._recorded)
        self.query_one(DataTable).focus()

    def _add_columns(self) -> None:
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label, width=width if width is not None else self._path_width)

    def on_resize(self, event: Resize) -> None:
        width = path_width(event.size.width)
        if width != self._path_width:
            self._path_width = width
            self.query_one(DataTable).clear(columns=True)
            self._add_columns()
            self._fill()

    def on_unmount(self) -> None:
        self._log.unlisten(self._recorded)

    def _recorded(self, _record: CallRecord) -> None:
        self._fill()  # records come from workers on the app's own event loop

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self._shown = self._log.newest_first()
        for index, r in enumerate(self._shown):
            table.add_row(time.strftime("%H:%M:%S", time.localtime(r.at)),
                          Text(("IMS " if r.is_ims else "") + r.method), _status_text(r), f"{r.latency_ms:.0f}",
                          Text(sanitise(r.path), no_wrap=True, overflow="ellipsis"), str(r.attempt),
                          Text(sanitise(r.request_id or "")), f"{r.bytes:,}", key=str(index))
        if self._shown:
            table.move_cursor(row=min(max(row, 0), len(self._shown) - 1))
        self.query_one("#calls-count", Static).update(
            f"{len(self._shown):,} calls (last {self._log.size:,} kept) · c copy as curl · r copy request id")

    def selected(self) -> CallRecord | None:
        table = self.query_one(DataTable)
        if not self._shown or not 0 <= table.cursor_row < len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def curl_for(self, record: CallRecord) -> str:
        target = getattr(self._api, "target", None)
        origin = record.origin or (getattr(target, "platform_url", "") or "").rstrip("/")
        profile = getattr(self._api, "profile", None)
        return request_as_curl(record.method, origin + record.path, api_key=getattr(target, "client_id", ""),
                               org_id=getattr(target, "org_id", ""), sandbox=getattr(target, "sandbox", ""),
                               ims=record.is_ims, client_id=getattr(target, "client_id", ""),
                               scope=getattr(profile, "scope", ""))

    def action_copy_curl(self) -> None:
        record = self.selected()
        if record is None:
            return
        self.app.copy_to_clipboard(self.curl_for(record))
        self.notify("Copied the call as curl (set ACCESS_TOKEN first).", markup=False)

    def action_copy_request_id(self) -> None:
        record = self.selected()
        if record is None:
            return
        if not record.request_id:
            self.notify("This call has no request id.", markup=False)
            return
        self.app.copy_to_clipboard(record.request_id)
        self.notify(f"Copied request id {sanitise(record.request_id)}", markup=False)

    def action_close(self) -> None:
        self.dismiss()
