"""The Overview (``O``, ``:overview``): one row per (profile, sandbox) target, each refreshed on its own.

The rows come from :class:`tui.monitor.overview.Overview` (one monitor per target, a shared request
limit). Every row is refreshed in its own worker, so a target that hangs or fails never holds the
others back: its row says why in the State cell. ``enter`` switches the console to the highlighted
target (the app's ``:profile``/``:sandbox`` switch), ``a`` adds one of the profile's available
sandboxes for this run, ``ctrl+r`` refreshes now, ``esc`` returns. The view renders what it is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.console.bindings import OVERVIEW_BINDINGS
from tui.console.widgets.header import AppHeader, clock_time
from tui.core.format import relative_time
from tui.core.sanitise import sanitise
from tui.monitor.overview import Overview, OverviewRow

if TYPE_CHECKING:
    from tui.console.app import AepxApp

COLUMNS = (("profile", "Profile"), ("sandbox", "Sandbox"), ("type", "Type"), ("new", "NEW"),
           ("processing", "PROC"), ("stuck", "Stuck"), ("failed", "Fail 24h"), ("success", "Success"),
           ("refreshed", "At"), ("state", "State"))


class OverviewSource(Protocol):
    """Where the Overview's clients come from (the CLI builds them with one IMS token per client id)."""

    max_parallel: int

    async def clients(self) -> Sequence[Any]: ...

    async def client(self, profile: str, sandbox: str) -> Any: ...

    async def aclose(self) -> None: ...


class RowChanged(Message):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


def row_cells(row: OverviewRow, now_ms: int) -> list[Text]:
    kind = Text(" PROD ", style="bold reverse") if row.is_production and row.type != "unknown" else Text(row.type)
    if row.type == "unknown":
        kind = Text("unknown (PROD)", style="bold reverse")
    known = row.ok is not None and row.refreshed_ms is not None
    numbers = [str(row.counts["NEW"]), str(row.counts["PROCESSING"]), str(row.stuck), str(row.failed_24h)] \
        if known else ["…"] * 4
    success = (relative_time(row.last_success_ms, now_ms) if row.last_success_ms else "never") if known else "…"
    refreshed = clock_time(row.refreshed_ms / 1000) if row.refreshed_ms else "never"
    if row.in_flight and row.ok is None:
        state = Text("refreshing…")
    elif row.ok is False:
        state = Text(sanitise(row.error or "not reached"), style="bold")
    elif row.in_flight:
        state = Text("ok · refreshing…")
    else:
        state = Text("ok" if row.ok else "waiting")
    stuck = Text(numbers[2], style="bold reverse" if known and row.stuck else "")
    return [Text(sanitise(row.profile)), Text(sanitise(row.sandbox)), kind, Text(numbers[0]), Text(numbers[1]),
            stuck, Text(numbers[3]), Text(success), Text(refreshed), state]


class OverviewScreen(Screen[None]):
    BINDINGS = OVERVIEW_BINDINGS
    AUTO_FOCUS = "#overview"
    DEFAULT_CSS = """
    OverviewScreen #overview { height: 1fr; }
    OverviewScreen #overview-hint { height: 1; color: $text-muted; padding: 0 1; }
    OverviewScreen #overview-state { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, source: OverviewSource | None, *, interval: float,
                 fallback: Callable[[], Awaitable[Sequence[Any]]] | None = None) -> None:
        super().__init__()
        self.source = source
        self.interval = interval
        self._fallback = fallback
        self.board: Overview | None = None

    @property
    def aepx(self) -> AepxApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AppHeader("jobs › overview")
        yield DataTable(id="overview", cursor_type="row", zebra_stripes=False)
        yield Static("", id="overview-state")  # the highlighted row's state in full (narrow terminals cut it)
        yield Static(Text("enter switches to the target · a adds a sandbox · ctrl+r refreshes · esc returns"),
                     id="overview-hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.query_one(AppHeader).show_state(self.aepx.header_state())
        self._start()
        self.set_interval(self.interval, self.refresh_rows)

    @work(group="overview-start", exit_on_error=False, description="starting the overview")
    async def _start(self) -> None:
        if self.source is not None:
            apis = list(await self.source.clients())
            max_parallel = self.source.max_parallel
        else:
            apis = list(await self._fallback()) if self._fallback is not None else [self.aepx.api]
            max_parallel = 4
        self.board = Overview(apis, max_parallel=max_parallel, clock=self.aepx.clock, store=self.aepx.history,
                              stuck_factor=self.aepx.settings.stuck_factor,
                              on_row=lambda index, _row: self.post_message(RowChanged(index)))
        self._render_all()
        for note in dict.fromkeys(await self.board.learn_types()):
            self.aepx.say(sanitise(note), "warning", timeout=12)
        self._render_all()
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Each row in its own worker: a hanging target never holds the others back."""
        board = self.board
        if board is None:
            return
        for index, entry in enumerate(board.entries):
            if not entry.lock.locked():
                self.run_worker(board.refresh(index), group=f"overview-row-{index}", exit_on_error=False,
                                description=f"refreshing {entry.row.profile}/{entry.row.sandbox}")

    def _render_all(self) -> None:
        if self.board is None:
            return
        for index in range(len(self.board.entries)):
            self._render_row(index)

    def _render_row(self, index: int) -> None:
        assert self.board is not None
        table = self.query_one(DataTable)
        cells = row_cells(self.board.entries[index].row, int(self.aepx.clock() * 1000))
        key = str(index)
        if key in table.rows:
            for (column, _label), cell in zip(COLUMNS, cells, strict=True):
                table.update_cell(key, column, cell, update_width=True)  # "…" becomes "just now"
        else:
            table.add_row(*cells, key=key)

    def on_row_changed(self, message: RowChanged) -> None:
        self._render_row(message.index)
        self.query_one(AppHeader).show_state(self.aepx.header_state())
        self._show_state()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_state()

    def _show_state(self) -> None:
        row = self.highlighted_row()
        text = Text()
        if row is not None:
            text.append(f"{sanitise(row.profile)}/{sanitise(row.sandbox)}: ", style="bold")
            if row.ok is False:
                text.append(sanitise(row.error or "not reached"))
            else:
                text.append(row.kind.label if row.kind is not None else "type not known yet")
                if row.kind is not None and row.kind.note:
                    text.append(f" · {sanitise(row.kind.note)}")
        self.query_one("#overview-state", Static).update(text)

    # --- actions ---------------------------------------------------------------------------------------
    def highlighted_row(self) -> OverviewRow | None:
        table = self.query_one(DataTable)
        if self.board is None or table.row_count == 0:
            return None
        return self.board.entries[table.cursor_row].row

    def action_switch_target(self) -> None:
        row = self.highlighted_row()
        if row is None:
            return
        self.dismiss(None)
        target = self.aepx.api.target
        if (row.profile, row.sandbox) != (target.profile, target.sandbox):
            self.aepx.switch_api(row.profile, row.sandbox)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # the table takes enter itself: the same as the screen's binding
        self.action_switch_target()

    def action_refresh_rows(self) -> None:
        self.refresh_rows()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add_sandbox(self) -> None:
        row = self.highlighted_row()
        if row is None or self.board is None:
            return
        if self.source is None:
            self.aepx.say("Adding a sandbox needs a configured profile; start aepx with -p NAME.", "warning")
            return
        offered = self.board.offered(row.profile)
        from tui.console.screens.pickers import FilterPicker

        items = [(f"{sanitise(s.name)}  {s.type}  {sanitise(s.title)}", s.name) for s in offered]
        hint = ("The Sandbox API listed no other sandbox for this profile."
                if self.board.available.get(row.profile) is not None
                else "The Sandbox API did not answer for this profile; no sandbox to offer.")
        profile = row.profile
        self.app.push_screen(FilterPicker(f"Add a sandbox of profile {sanitise(profile)} (this run only)", items,
                                          empty_hint=hint), lambda name: self._add(profile, name))

    def _add(self, profile: str, name: str | None) -> None:
        if name:
            self._add_target(profile, name)

    @work(group="overview-add", exit_on_error=False, description="adding a sandbox")
    async def _add_target(self, profile: str, sandbox: str) -> None:
        assert self.source is not None and self.board is not None
        api = await self.source.client(profile, sandbox)
        index = self.board.add(api)
        self._render_row(index)
        self.run_worker(self.board.refresh(index), group=f"overview-row-{index}", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self.source is not None:
            await self.source.aclose()
