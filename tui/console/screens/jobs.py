"""The jobs screen: header, the job table (one page mounted, diffed), the detail beside it on wide
terminals, a filter line, a command line and a status line. The app owns the API, the model and the
workers; this screen renders the model and turns keys into app calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.console.bindings import JOBS_BINDINGS, hide_mutating
from tui.console.messages import ModelChanged, PollStateChanged
from tui.console.widgets.detail import JobDetail
from tui.console.widgets.header import AppHeader
from tui.console.widgets.job_table import SORT_COLUMN, JobTable
from tui.core.models import Job
from tui.core.sanitise import sanitise

if TYPE_CHECKING:
    from tui.console.app import AepxApp

WIDE_COLUMNS = 120
DETAIL_MIN = 54  # on wide terminals the docked detail keeps at least this many cells


class JobsScreen(Screen[None]):
    BINDINGS = JOBS_BINDINGS
    AUTO_FOCUS = "#jobs"

    def __init__(self, *, notice: str | None = None, read_only: bool = False) -> None:
        super().__init__()
        if read_only:  # the keys still run and say why they do nothing (see AepxApp.check_action)
            hide_mutating(self._bindings)
        self._read_only_marks_said = False
        self._notice = notice
        self._detail: JobDetail  # made in compose()
        self._detail_job: Job | None = None

    @property
    def aepx(self) -> AepxApp:
        return self.app  # type: ignore[return-value]

    # --- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader(id="header")
        if self._notice:
            yield Static(Text(sanitise(self._notice, keep_newlines=True)), id="notice")
        with Horizontal(id="body"):
            yield JobTable(id="jobs")
            self._detail = self._new_detail()
            with Vertical(id="detail-pane"):
                yield self._detail
        yield Input(placeholder="filter: id, status, dataset name or id, batch id, error text (esc clears)",
                    id="filter", classes="-hidden")
        yield Input(placeholder=":profile NAME  :sandbox NAME  :q", id="command", classes="-hidden")
        yield Static("", id="status-line")
        yield Footer(compact=True)

    def _new_detail(self) -> JobDetail:
        # No poll of its own (poll_seconds=0): the docked detail shows a job of the visible rows, which
        # the list's poll already refreshes; a second GET per interval would double the traffic.
        return JobDetail(self.aepx.api, poll_seconds=0, stuck_factor=self.aepx.settings.stuck_factor,
                         clock=self.aepx.clock, dataset_names=self.aepx.model.dataset_names)

    def dataset_names_changed(self) -> None:
        """The Catalog's names arrived: the table and the docked detail show names instead of ids (before
        this screen is mounted, its on_mount renders them)."""
        if not self.is_mounted:
            return
        self._detail.set_dataset_names(self.aepx.model.dataset_names)
        self.render_model()

    async def api_switched(self) -> None:
        """A new profile or sandbox: the docked detail must use the new client, and the "no config"
        notice no longer applies."""
        for notice in self.query("#notice"):
            await notice.remove()
        await self._detail.remove()
        self._detail = self._new_detail()
        self._detail_job = None
        await self.query_one("#detail-pane").mount(self._detail)
        self._follow_detail()

    def on_mount(self) -> None:
        self._detail.set_dataset_names(self.aepx.model.dataset_names)
        self._apply_width(self.app.size.width)
        self.render_header()
        self.render_model()

    def on_resize(self, event: Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        """Wide: the table takes the whole columns that fit beside a detail of DETAIL_MIN cells (more
        columns, not a stub, as the terminal grows) and the detail the rest. Narrow: the whole width."""
        wide = width >= WIDE_COLUMNS
        self.set_class(wide, "-wide")
        table = self.table
        if wide:
            table.styles.width = table.fit(width - DETAIL_MIN)
        else:
            table.fit(width)
            table.styles.width = "1fr"

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    @property
    def table(self) -> JobTable:
        return self.query_one("#jobs", JobTable)

    # --- rendering --------------------------------------------------------------------------------
    def render_header(self) -> None:
        self.query_one(AppHeader).show_state(self.aepx.header_state())

    def render_model(self, select: str | None = None) -> None:
        model = self.aepx.model
        table = self.table
        table.show_jobs(model.visible(), now_ms=model.now_ms(), marks=model.marks,
                        cancelling=model.pending_cancel, select=select, flags=model.flags,
                        dataset_names=model.dataset_names)
        table.set_sort_marker(model.sort_key, model.sort_reverse)
        self.query_one("#status-line", Static).update(Text(sanitise(model.status_line(self.aepx.api.target.sandbox))))
        self._follow_detail()

    @on(ModelChanged)
    def _model_changed(self, message: ModelChanged) -> None:
        self.render_model(message.select)

    @on(PollStateChanged)
    def _poll_changed(self) -> None:
        self.render_header()

    @on(DataTable.RowHighlighted, "#jobs")
    def _row_highlighted(self) -> None:
        self._follow_detail()

    @on(DataTable.RowSelected, "#jobs")
    def _row_selected(self) -> None:
        self.action_open_detail()

    @on(DataTable.HeaderSelected, "#jobs")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = SORT_COLUMN.get(str(event.column_key.value))
        if key is not None:
            self.action_sort(key)

    def highlighted_job(self) -> Job | None:
        job_id = self.table.highlighted_id
        return self.aepx.model.jobs.get(job_id) if job_id else None

    def _follow_detail(self) -> None:
        """On wide terminals the docked detail follows the highlighted row (and its updates)."""
        if not self.wide:
            return
        job = self.highlighted_job()
        if job is self._detail_job and job is not None:
            return  # same record object: nothing new to show
        self._detail.show(job, baseline=self.aepx.baseline_for(job))
        self._detail_job = job

    # --- actions ----------------------------------------------------------------------------------

    def action_sort(self, key: str) -> None:
        self.aepx.model.set_sort(key)
        self.render_model()
        self._apply_width(self.app.size.width)  # the sorted column is always shown

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-hidden")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        command = self.query_one("#command", Input)
        if not command.has_class("-hidden"):
            command.value = ""
            command.add_class("-hidden")
        elif box.value or not box.has_class("-hidden"):
            box.value = ""
            box.add_class("-hidden")
            self.aepx.model.set_text_filter("")
            self.render_model()
        self.table.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.aepx.model.set_text_filter(event.value)
        self.render_model()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.add_class("-hidden")
        self.table.focus()

    def open_command_line(self, prefill: str = "") -> None:
        box = self.query_one("#command", Input)
        box.value = prefill
        box.cursor_position = len(prefill)
        box.remove_class("-hidden")
        box.focus()

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        event.input.add_class("-hidden")
        self.table.focus()
        self.aepx.run_command(event.value)

    def action_status_filter(self) -> None:
        self.aepx.set_status_filter(self.aepx.model.next_status_filter())

    def action_next_page(self) -> None:
        self.aepx.next_page()

    def action_prev_page(self) -> None:
        self.aepx.prev_page()

    def action_load_all(self) -> None:
        self.aepx.load_all()

    def action_refresh(self) -> None:
        self.aepx.refresh_now()

    def action_pause(self) -> None:
        self.aepx.toggle_pause()

    def action_mark(self) -> None:
        job = self.highlighted_job()
        if job is None:
            return
        self.aepx.model.toggle_mark(job.id)
        if self.aepx.read_only and not self._read_only_marks_said:
            self._read_only_marks_said = True
            self.aepx.say("Read-only mode: marks only select rows here; cancelling them is disabled.", "warning")
        self.render_model()
        self.table.action_cursor_down()

    def action_open_detail(self) -> None:
        job = self.highlighted_job()
        if job is None:
            self.aepx.say("No job is highlighted.", "warning")
            return
        if self.wide:
            self._focus_detail()
            return
        self.aepx.open_detail_screen(job)

    def action_open_output(self) -> None:
        job = self.highlighted_job()
        if job is None:
            self.aepx.say("No job is highlighted.", "warning")
            return
        self.aepx.open_output_screen(job)

    def _focus_detail(self) -> None:
        """Focus the docked detail (its scrollable body when it has one); esc returns to the table."""
        focusable = [w for w in self._detail.query("*") if w.focusable]
        (focusable[0] if focusable else self._detail).focus()

    def action_launch(self) -> None:
        self.aepx.action_launch()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_top(self) -> None:
        self.table.action_scroll_top()

    def action_cursor_bottom(self) -> None:
        self.table.action_scroll_bottom()
