"""The metrics timeline: one time axis from job creation, one bar per phase.

``timeline_rows`` is the pure model (tested without a terminal); ``PhaseTimeline`` draws it. Bars are
drawn from the row model at the widget's current width, so a running phase grows when the owner
calls ``update_job`` with a later ``now_ms`` (the detail does so once a second while the job runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from tui.core.format import INVALID_TIME, PLACEHOLDER, human_duration, offset, sane_duration, sane_time
from tui.core.models import Job, Phase

RowState = Literal["done", "running", "pending", "no data", "invalid"]

LABEL_WIDTH = 14
OFFSET_WIDTH = 8
DURATION_WIDTH = 9
MIN_BAR = 6

_BAR_GLYPH = {"done": "█", "running": "▓"}
_BAR_STYLE = {"done": "$text-success", "running": "$text-warning"}
_TOTAL_STYLE = {"done": "$text-primary", "running": "$text-warning"}
_TRACK = "·"
UNDISPLAYABLE = "this record could not be displayed"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One phase on the axis. Offsets and durations are milliseconds from job creation."""

    label: str
    state: RowState
    start_offset_ms: int | None = None
    duration_ms: int | None = None

    @property
    def end_offset_ms(self) -> int | None:
        if self.start_offset_ms is None or self.duration_ms is None:
            return None
        return self.start_offset_ms + self.duration_ms


def _phase_end(phase: Phase | None) -> int | None:
    if phase is None:
        return None
    if phase.end_ms is not None:
        return phase.end_ms
    if phase.start_ms is not None and phase.total_ms is not None:
        return phase.start_ms + phase.total_ms
    return None


def _row(label: str, origin: int, start: int | None, end: int | None, *, active: bool,
         now_ms: int) -> TimelineRow:
    """A row from absolute start/end. A started, unfinished phase of an active job is running.

    A time outside the sane range, or an offset or a duration longer than ten years, makes the row
    ``invalid`` (shown as "invalid time", never drawn to scale)."""
    if start is not None and (not sane_time(start) or not sane_duration(start - origin)):
        return TimelineRow(label, "invalid")
    if end is not None and (not sane_time(end) or not sane_duration(end - start if start is not None else 0)):
        return TimelineRow(label, "invalid")
    if start is not None and end is None and active and not sane_duration(now_ms - start):
        return TimelineRow(label, "invalid")
    if start is None:
        return TimelineRow(label, "pending" if active else "no data")
    if end is None:
        if not active:
            return TimelineRow(label, "no data", start - origin)
        return TimelineRow(label, "running", start - origin, max(0, now_ms - start))
    return TimelineRow(label, "done", start - origin, max(0, end - start))


def job_origin(job: Job) -> int | None:
    """Where the axis starts: the creation time, else the total phase's start."""
    if job.created_ms is not None:
        return job.created_ms
    return job.total.start_ms if job.total is not None else None


def timeline_rows(job: Job, now_ms: int) -> list[TimelineRow]:
    """Queue wait, profile export, dataset write and total, on one axis from creation.

    Phases the job has not reached are ``pending`` while it is active and ``no data`` once it is
    final (a FAILED job often has no dataset write; some records lack metrics altogether).
    """
    origin = job_origin(job)
    labels = ("queue wait", "profile export", "dataset write", "total")
    if origin is not None and not sane_time(origin):
        return [TimelineRow(label, "invalid") for label in labels]
    if origin is None:
        state: RowState = "pending" if job.is_active else "no data"
        return [TimelineRow(label, state) for label in labels]
    active = job.is_active
    export, write = job.profile_export, job.dataset_write
    export_start = export.start_ms if export is not None else None
    export_end = _phase_end(export)
    write_start = write.start_ms if write is not None else None
    if write_start is None and active and export_end is not None:
        write_start = export_end  # the write follows the export; its metrics arrive later
    total_end = _phase_end(job.total)
    if total_end is None and not active:
        total_end = job.updated_ms
    rows = [
        _row("queue wait", origin, origin, export_start, active=active, now_ms=now_ms),
        _row("profile export", origin, export_start, export_end, active=active, now_ms=now_ms),
        _row("dataset write", origin, write_start, _phase_end(write), active=active, now_ms=now_ms),
        _row("total", origin, origin, total_end, active=active, now_ms=now_ms),
    ]
    return rows


def axis_span(rows: list[TimelineRow]) -> int:
    """The axis length in ms: the furthest end of any row (at least 1 ms)."""
    ends = [r.end_offset_ms for r in rows if r.end_offset_ms is not None]
    starts = [r.start_offset_ms for r in rows if r.start_offset_ms is not None]
    return max([1, *ends, *starts])


def _bar(row: TimelineRow, span: int, width: int, style_map: dict[str, str]) -> Content:
    if row.state not in _BAR_GLYPH or row.start_offset_ms is None or row.duration_ms is None:
        return Content.styled(_TRACK * width, "$text-muted")
    # Clamped to the track whatever the numbers say: a bar is never wider than the widget.
    begin = max(0, min(width - 1, round(row.start_offset_ms / span * width)))
    end = max(0, min(width, round((row.start_offset_ms + row.duration_ms) / span * width)))
    length = max(1, min(width - begin, end - begin))
    return Content.assemble(
        (_TRACK * begin, "$text-muted"),
        (_BAR_GLYPH[row.state] * length, style_map[row.state]),
        (_TRACK * (width - begin - length), "$text-muted"),
    )


def _duration_cell(row: TimelineRow) -> tuple[str, str]:
    if row.state == "pending":
        return "pending", "$text-muted"
    if row.state == "no data":
        return "no data", "$text-muted"
    if row.state == "invalid":
        return INVALID_TIME, "$text-error"
    text = human_duration(row.duration_ms)
    return (text + "▸", "bold $text-warning") if row.state == "running" else (text, "")


def render_rows(rows: list[TimelineRow], width: int) -> Content:
    """Text lines: ``label  bar  +offset  duration``; a scale line under the bars shows the span."""
    bar_width = width - LABEL_WIDTH - OFFSET_WIDTH - DURATION_WIDTH - 3
    span = axis_span(rows)
    lines: list[Content] = []
    for row in rows:
        style_map = _TOTAL_STYLE if row.label == "total" else _BAR_STYLE
        duration, duration_style = _duration_cell(row)
        start = offset(row.start_offset_ms) if row.state in ("done", "running") else PLACEHOLDER
        parts: list[str | Content | tuple[str, str]] = [
            (row.label.ljust(LABEL_WIDTH), "bold" if row.state == "running" else ""),
        ]
        if bar_width >= MIN_BAR:
            parts += [" ", _bar(row, span, bar_width, style_map)]
        parts += [" ", (start.rjust(OFFSET_WIDTH), "$text-muted"), " ",
                  (duration.rjust(DURATION_WIDTH), duration_style)]
        lines.append(Content.assemble(*parts))
    if bar_width >= MIN_BAR:
        end_label = human_duration(span)
        gap = max(1, bar_width - 1 - len(end_label))
        lines.append(Content.assemble(" " * (LABEL_WIDTH + 1), ("0" + " " * gap + end_label, "$text-muted")))
    return Content("\n").join(lines)


def possibly_stuck(job: Job | None, median_ms: int | None, stuck_factor: float, now_ms: int) -> bool:
    """An active job that has run longer than ``stuck_factor`` × the median SUCCEEDED duration."""
    if job is None or not job.is_active or not median_ms or median_ms <= 0 or stuck_factor <= 0:
        return False
    running = job.duration_ms(now_ms)
    return running is not None and running > stuck_factor * median_ms


class PhaseTimeline(Widget):
    """Bars for queue wait, profile export, dataset write and total on one axis."""

    DEFAULT_CSS = """
    PhaseTimeline {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[TimelineRow] = []

    @property
    def rows(self) -> list[TimelineRow]:
        return list(self._rows)

    def update_job(self, job: Job | None, now_ms: int) -> None:
        rows = timeline_rows(job, now_ms) if job is not None else []
        layout = len(rows) != len(self._rows)
        self._rows = rows
        self.refresh(layout=layout)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._rows:
            return 1
        return len(self._rows) + (1 if width - LABEL_WIDTH - OFFSET_WIDTH - DURATION_WIDTH - 3 >= MIN_BAR
                                  else 0)

    def render(self) -> Content:
        if not self._rows:
            return Content.styled("no metrics", "$text-muted")
        try:
            return render_rows(self._rows, self.size.width)
        except Exception:  # one broken record never takes the console down
            return Content.styled(UNDISPLAYABLE, "$text-error")
