"""The job table: a ``DataTable`` holding only the visible window (≤ one page), updated by diff.

Rows are keyed by job id. ``show_jobs`` removes rows that left, adds rows that arrived, updates only
the cells that changed (``update_cell`` without re-measuring widths) and reorders with one cheap
``sort`` when the order changed. The highlighted job keeps the cursor, and the cursor row is scrolled
into view whenever the rows or the table's height change (a filter, a page, a sort, a resize, the
filter line opening); a poll that only updates cells does not scroll.
Every server-supplied string is wrapped in ``rich.text.Text`` so it is never read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from tui.core.format import INVALID_TIME, PLACEHOLDER, human_duration, sane_time, short_id, status_label
from tui.core.models import Job
from tui.core.sanitise import sanitise
from tui.core.statuses import FAILED, PROCESSING, SUCCEEDED


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    key: str
    label: str
    width: int
    sort_key: str | None = None


COLUMNS = (
    ColumnSpec("mark", " ", 1),
    ColumnSpec("id", "id", 7, "id"),
    ColumnSpec("status", "status", 13, "status"),
    ColumnSpec("created", "created", 11, "created"),
    ColumnSpec("updated", "updated", 11, "updated"),
    ColumnSpec("duration", "duration", 9, "duration"),  # 9: room for the sort marker
    ColumnSpec("phase", "phase", 14),
    ColumnSpec("dataset", "dataset", 16),  # the dataset's name when the Catalog gave it, else its id
    ColumnSpec("batch", "batch", 9),
    ColumnSpec("errors", "err", 3),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
#: The order columns are given room in: whole columns only, the next that fits (never a stub).
COLUMN_PRIORITY = ("mark", "id", "status", "duration", "created", "phase", "updated", "dataset", "batch", "errors")
CELL_PADDING = 2  # DataTable's cell padding (one each side)
SCROLLBAR = 2  # the vertical scrollbar's gutter


def fit_columns(width: int, must: str | None = None) -> tuple[str, ...]:
    """The columns (in table order) that fit whole in ``width`` cells, scrollbar included; ``must``
    (the sorted column) comes right after the status, so the sort is always visible."""
    spec = {c.key: c for c in COLUMNS}
    used = SCROLLBAR
    chosen: set[str] = set()
    priority = list(COLUMN_PRIORITY)
    if must in spec and must not in ("mark", "id", "status"):
        priority.remove(must)
        priority.insert(3, must)
    for key in priority:
        need = spec[key].width + CELL_PADDING
        if used + need <= width or key in ("mark", "id", "status"):
            chosen.add(key)
            used += need
    return tuple(k for k in COLUMN_KEYS if k in chosen)


def columns_width(keys: Sequence[str]) -> int:
    """The cells ``keys`` take, scrollbar included."""
    spec = {c.key: c for c in COLUMNS}
    return SCROLLBAR + sum(spec[k].width + CELL_PADDING for k in keys)
SORT_COLUMN = {c.key: c.sort_key for c in COLUMNS if c.sort_key}
CANCELLING = "⊘ cancelling…"
UNDISPLAYABLE = "this record could not be displayed"
MARK = "●"
#: Before the duration: "possibly stuck" and "slower than usual" (definitions: tui.monitor.history.baselines).
STUCK_MARK = "⚠"
SLOW_MARK = "▲"


def short_time(ms: int | None) -> str:
    """``11-24 16:00`` in local time: compact, and constant between polls (no churn)."""
    if ms is None:
        return PLACEHOLDER
    if not sane_time(ms):
        return INVALID_TIME
    try:
        return datetime.fromtimestamp(ms / 1000).strftime("%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return PLACEHOLDER


MAX_CELL = 200  # characters of a server string kept for a cell (cut before any layout)


def row_values(job: Job, *, now_ms: int, marked: bool, cancelling: bool,
               flags: frozenset[str] = frozenset(), dataset_name: str = "") -> tuple[str, ...]:
    """The plain text of each cell, in column order (also what the diff compares). A record that
    cannot be shown gets one row saying so; the rest of the table is unaffected."""
    try:
        return _row_values(job, now_ms=now_ms, marked=marked, cancelling=cancelling, flags=flags,
                           dataset_name=dataset_name)
    except Exception:  # one broken record never takes the console down
        return (MARK if marked else " ", sanitise(str(job.id)[:MAX_CELL]), UNDISPLAYABLE,
                *([PLACEHOLDER] * (len(COLUMNS) - 3)))


def _row_values(job: Job, *, now_ms: int, marked: bool, cancelling: bool,
                flags: frozenset[str] = frozenset(), dataset_name: str = "") -> tuple[str, ...]:
    duration = human_duration(job.duration_ms(now_ms))
    if "stuck" in flags:
        duration = f"{STUCK_MARK} {duration}"
    elif "slow" in flags:
        duration = f"{SLOW_MARK} {duration}"
    return (
        MARK if marked else " ",
        sanitise(job.id, limit=MAX_CELL),
        CANCELLING if cancelling else status_label(job.status[:MAX_CELL]),
        short_time(job.created_ms),
        short_time(job.updated_ms),
        duration,
        sanitise(job.current_phase, limit=MAX_CELL),
        sanitise(dataset_name or job.dataset_id, limit=MAX_CELL) or PLACEHOLDER,
        short_id(sanitise(job.batch_id, limit=MAX_CELL), 9) or PLACEHOLDER,
        str(len(job.errors)) if job.errors else PLACEHOLDER,
    )


class JobTable(DataTable[Text]):
    """Rows keyed by job id; at most one page mounted."""

    DEFAULT_CSS = """
    JobTable { height: 1fr; }
    """
    BINDINGS = [Binding("enter", "select_cursor", "Detail", id="detail")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._values: dict[str, tuple[str, ...]] = {}
        self._statuses: dict[str, str] = {}
        self._status_styles: dict[str, Style] = {}
        self.visible_columns: tuple[str, ...] = COLUMN_KEYS
        self._sort: tuple[str | None, bool] = (None, False)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of new rows to grow auto-width columns. Ours all have a fixed
        # width, no row labels and a height of one, so that work (1,000 cells when a sort or filter
        # refills the page: half the longest stall) changes nothing: only the virtual size is redone.
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
        else:
            super()._update_dimensions(())

    def on_mount(self) -> None:
        self._add_columns()
        self._load_styles()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._load_styles())

    def _add_columns(self) -> None:
        for spec in COLUMNS:
            if spec.key in self.visible_columns:
                self.add_column(Text(spec.label), width=spec.width, key=spec.key)

    def fit(self, width: int) -> int:
        """Show the whole columns that fit in ``width`` cells; returns the width they take. The rows
        are rebuilt only when the set of columns changes (a resize across a column's edge)."""
        sort_key = self._sort[0]
        keys = fit_columns(width, next((c.key for c in COLUMNS if sort_key and c.sort_key == sort_key), None))
        if keys != self.visible_columns:
            self.visible_columns = keys
            if self.is_mounted:
                keep = self.highlighted_id
                order = self.row_ids()
                values = self._values
                self.clear(columns=True)
                self._values = {}
                self._add_columns()
                for job_id in order:
                    self.add_row(*self._cells(values[job_id], self._statuses.get(job_id, "")), key=job_id)
                    self._values[job_id] = values[job_id]
                self._restore_cursor(keep, 0)
                self.set_sort_marker(*self._sort)
        return columns_width(keys)

    def _load_styles(self) -> None:
        theme = self.app.current_theme

        def style(color: str | None, **kw) -> Style:
            return Style(color=color, **kw) if color else Style(**kw)

        self._status_styles = {
            SUCCEEDED: style(theme.success),
            FAILED: style(theme.error, bold=True),
            PROCESSING: style(theme.accent or theme.primary),
            CANCELLING: style(theme.warning, italic=True),
        }

    # --- reading ----------------------------------------------------------------------------------
    @property
    def highlighted_id(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:  # an out-of-range cursor just means "nothing highlighted"
            return None
        return row_key.value

    def row_ids(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    # --- writing ----------------------------------------------------------------------------------
    def _cells(self, values: tuple[str, ...], status: str) -> list[Text]:
        """The visible cells (every value is kept, so a wider terminal can show it again)."""
        cells = [Text(v, no_wrap=True, overflow="ellipsis") for v in values]
        style = self._status_styles.get(CANCELLING if values[2] == CANCELLING else status)
        if style is not None:
            cells[2].stylize(style)
        if values[0] == MARK:
            cells[0].stylize(Style(bold=True))
        return [c for key, c in zip(COLUMN_KEYS, cells, strict=True) if key in self.visible_columns]

    def show_jobs(self, jobs: Sequence[Job], *, now_ms: int, marks: set[str], cancelling: set[str],
                  select: str | None = None, flags: Callable[[Job], frozenset[str]] | None = None,
                  dataset_names: Mapping[str, str] | None = None) -> None:
        """Make the table show ``jobs`` in this order, touching only what changed; a dataset is shown by
        its name when ``dataset_names`` has it."""
        names = dataset_names or {}
        keep = select or self.highlighted_id
        old_index = self.cursor_row
        wanted = {j.id: j for j in jobs}
        leaving = [k for k in self._values if k not in wanted]
        rows_changed = bool(leaving) or select is not None
        if len(leaving) > len(wanted) // 2:
            # Most rows change (a sort or filter over all loaded jobs): one clear and fresh rows cost a
            # fraction of removing rows one by one (each removal re-measures and repaints the table).
            self.clear()
            self._values.clear()
            leaving = []
        for job_id in leaving:
            self.remove_row(job_id)
            del self._values[job_id]
            self._statuses.pop(job_id, None)
        for job in jobs:
            values = row_values(job, now_ms=now_ms, marked=job.id in marks, cancelling=job.id in cancelling,
                                flags=flags(job) if flags is not None else frozenset(),
                                dataset_name=names.get(job.dataset_id, ""))
            previous = self._values.get(job.id)
            if previous == values:
                continue
            self._statuses[job.id] = job.status
            cells = self._cells(values, job.status)
            if previous is None:
                self.add_row(*cells, key=job.id)
                rows_changed = True
            else:
                changed = {k for k, old, new in zip(COLUMN_KEYS, previous, values, strict=True) if old != new}
                for column, cell in zip(self.visible_columns, cells, strict=True):
                    if column in changed:
                        self.update_cell(job.id, column, cell)
            self._values[job.id] = values
        order = [j.id for j in jobs]
        if self.row_ids() != order:
            position = {job_id: i for i, job_id in enumerate(order)}
            self.sort("id", key=lambda cell: position.get(cell.plain, len(position)))
            rows_changed = True
        self._restore_cursor(keep, old_index, scroll=rows_changed)

    def _restore_cursor(self, keep: str | None, old_index: int, *, scroll: bool = True) -> None:
        if not self.row_count:
            return
        if keep is not None and keep in self._values:
            index = self.get_row_index(keep)
        else:
            index = min(max(old_index, 0), self.row_count - 1)
        if index != self.cursor_row or scroll:
            self.move_cursor(row=index)  # scrolls the row into view (after the next refresh if needed)

    def on_resize(self) -> None:
        """A shorter table (a smaller terminal, the filter line opening) keeps the cursor row in view."""
        if self.row_count:
            self.call_after_refresh(self.move_cursor, row=self.cursor_row)

    def set_sort_marker(self, sort_key: str | None, reverse: bool) -> None:
        self._sort = (sort_key, reverse)
        arrow = "▼" if reverse else "▲"
        for spec in COLUMNS:
            label = spec.label
            if sort_key is not None and spec.sort_key == sort_key:
                label = f"{spec.label}{arrow}"
            column = self.columns.get(ColumnKey(spec.key))
            if column is not None and column.label.plain != label:
                column.label = Text(label)
        self.refresh()

