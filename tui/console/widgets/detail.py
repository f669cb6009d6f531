"""The job detail: summary, metrics timeline, errors, raw JSON, copy keys and a light poll.

Hosted beside the job list on wide terminals and by ``DetailScreen`` on narrow ones. Attributes go
down (``show``), messages go up (``JobRefreshed``, ``RefreshFailed``). Every server string is
displayed through ``sanitise`` as plain ``Content``, never as markup.

One module because the summary, timeline, errors and raw JSON render the same record from one refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, ScrollableContainer, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import NoActiveWorker, Worker, get_current_worker

from tui.console.widgets.errors import ErrorList
from tui.console.widgets.timeline import UNDISPLAYABLE, PhaseTimeline, possibly_stuck
from tui.core.errors import AepxError
from tui.core.format import PLACEHOLDER, human_duration, plural, status_label, time_pair
from tui.core.models import Job
from tui.core.protocol import JobsAPI
from tui.core.sanitise import sanitise
from tui.core.statuses import FAILED, NEW, PROCESSING, SUCCEEDED
from tui.monitor.history.baselines import Baseline, is_slow

DATA_ACCESS_FILES = "GET /data/foundation/export/batches/{batch}/files"

STATUS_STYLES = {
    NEW: "$text-primary",
    PROCESSING: "$text-warning",
    SUCCEEDED: "$text-success",
    FAILED: "$text-error",
}

# (row id, label) in display order; optional rows are hidden when empty.
SUMMARY_ROWS = (
    ("id", "Job id"),
    ("status", "Status"),
    ("type", "Job type"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("duration", "Duration"),
    ("phase", "Phase"),
    ("request", "Request id"),
    ("instance", "Profile instance"),
    ("merge", "Merge policy"),
    ("schema", "Schema"),
    ("fields", "Fields"),
    ("event-fields", "Event fields"),
    ("ingest", "Ingest filter"),
    ("segments", "Segment filter"),
    ("dataset", "Dataset"),
    ("batch", "Batch id"),
    ("gateway", "Gateway jobs"),
)


def raw_json(job: Job) -> str:
    """The record exactly as received, pretty-printed (what ``J`` copies). A record nested deeper than
    the encoder can go is copied to ``MAX_COPY_DEPTH`` levels, the rest marked."""
    try:
        return json.dumps(dict(job.raw), indent=2, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        clipped = _clip_strings(dict(job.raw), None, MAX_COPY_DEPTH)
        return json.dumps(clipped, indent=2, ensure_ascii=False, default=str)


MAX_RAW_STRING = 500
MAX_RAW_DEPTH = 40  # levels shown by ``y``; deeper values are replaced by a note
MAX_COPY_DEPTH = 200
MAX_RAW_ITEMS = 1000  # items per list or object shown by ``y``
MAX_FIELD = 2000  # characters of a server string shown in a summary row (cut before layout)


def _clip_strings(value: Any, limit: int | None, depth: int = MAX_RAW_DEPTH, items: int | None = None) -> Any:
    if isinstance(value, str):
        if limit is not None and len(value) > limit:
            return f"{value[:limit]}… ({len(value) - limit} more characters: J copies them all)"
        return value
    if isinstance(value, Mapping | list):
        if depth <= 0:
            return f"… (nested deeper than this: J copies the record{'' if limit is None else ' to a depth limit'})"
        pairs = list(value.items()) if isinstance(value, Mapping) else list(enumerate(value))
        more = len(pairs) - items if items is not None and len(pairs) > items else 0
        pairs = pairs[:items] if more else pairs
        if isinstance(value, Mapping):
            out: Any = {str(k): _clip_strings(v, limit, depth - 1, items) for k, v in pairs}
            if more:
                out["…"] = f"{more} more keys: J copies them all"
        else:
            out = [_clip_strings(v, limit, depth - 1, items) for _, v in pairs]
            if more:
                out.append(f"… {more} more items: J copies them all")
        return out
    if isinstance(value, float) and value != value:
        return "NaN"
    return value


def raw_json_display(job: Job, max_string: int = MAX_RAW_STRING) -> str:
    """The raw record as shown by ``y``: long strings (call stacks) clipped, nesting shown to
    ``MAX_RAW_DEPTH`` levels and ``MAX_RAW_ITEMS`` items, so the view stays fast; control characters
    made visible. ``J`` copies the full record (``raw_json``)."""
    clipped = _clip_strings(dict(job.raw), max_string, MAX_RAW_DEPTH, MAX_RAW_ITEMS)
    return sanitise(json.dumps(clipped, indent=2, ensure_ascii=False, default=str), keep_newlines=True)


def _ingest_filter(job: Job) -> str:
    parts = []
    if job.from_ingest:
        parts.append(f"profiles since {job.from_ingest}")
    if job.event_from_ingest:
        parts.append(f"events since {job.event_from_ingest}")
    return "; ".join(parts)


def _segments(job: Job) -> str:
    if not job.segments:
        return ""
    per_batch = " (one batch per segment)" if job.segment_per_batch else ""
    shown = job.segments[:100]
    more = f" and {len(job.segments) - len(shown)} more" if len(job.segments) > len(shown) else ""
    return ", ".join(s[:MAX_FIELD] for s in shown) + more + per_batch


def _gateway(job: Job) -> Content:
    """One line per compute-gateway id (each kept whole on its line, cut with … when narrow)."""
    parts = []
    if job.export_job_id:
        parts.append(f"export {sanitise(job.export_job_id, limit=MAX_FIELD)}")
    if job.push_job_id:
        parts.append(f"push {sanitise(job.push_job_id, limit=MAX_FIELD)}")
    return Content("\n".join(parts) or PLACEHOLDER)


def _fields(value: str) -> str:
    """Comma lists get a space after each comma so they wrap at field boundaries."""
    return ", ".join(f.strip() for f in value[: 2 * MAX_FIELD].split(",") if f.strip())


class JobDetail(Vertical):
    """Everything about one job. ``show(job)`` renders it; ``show(None)`` shows the empty state."""

    BINDINGS = [
        Binding("y", "toggle_raw", "Raw", id="detail.raw"),
        Binding("c", "copy_job_id", "Copy id", id="detail.copy_id"),
        Binding("b", "copy_batch_id", "Copy batch", id="detail.copy_batch", show=False),  # ? lists them
        Binding("J", "copy_raw", "Copy JSON", id="detail.copy_json", show=False),
        Binding("j", "scroll_body(1)", "Down", id="detail.down", show=False, tooltip="Scroll down (vim)"),
        Binding("k", "scroll_body(-1)", "Up", id="detail.up", show=False, tooltip="Scroll up (vim)"),
        Binding("h", "scroll_side(-8)", "Left", id="detail.left", show=False,
                tooltip="Raw JSON: scroll left (vim; ← too)"),
        Binding("l", "scroll_side(8)", "Right", id="detail.right", show=False,
                tooltip="Raw JSON: scroll right (vim; → too)"),
    ]

    DEFAULT_CSS = """
    JobDetail {
        height: 1fr;
        width: 1fr;
    }
    JobDetail #detail-body {
        height: 1fr;
        padding: 0 1;
    }
    /* the raw record is never wrapped (a token is never broken): long lines scroll sideways */
    JobDetail #detail-raw {
        height: 1fr;
        display: none;
        padding: 0 1;
        overflow-x: auto;
        overflow-y: auto;
    }
    JobDetail #detail-raw-json { width: auto; }
    /* ids are never broken across lines: one line, cut with … (c, b and J copy them whole) */
    JobDetail #val-id, JobDetail #val-request, JobDetail #val-instance, JobDetail #val-merge,
    JobDetail #val-dataset, JobDetail #val-batch, JobDetail #val-gateway { text-wrap: nowrap; text-overflow: ellipsis; }
    JobDetail.-raw #detail-body { display: none; }
    JobDetail.-raw #detail-raw { display: block; }
    JobDetail.-empty .job-part { display: none; }
    JobDetail #detail-title { text-style: bold; }
    JobDetail #detail-empty { color: $text-muted; }
    JobDetail.-empty #detail-title { display: none; }
    JobDetail #detail-refresh-error { color: $text-error; }
    JobDetail #detail-stuck {
        color: $text-warning;
        text-style: bold;
        border-left: thick $warning;
        padding-left: 1;
        margin-top: 1;
    }
    JobDetail #detail-hint {
        border-left: thick $success;
        padding-left: 1;
        margin-top: 1;
    }
    /* the Data Access path on a line of its own, never broken inside the batch id (cut with …) */
    JobDetail #detail-hint-path {
        border-left: thick $success;
        padding-left: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        text-style: bold;
    }
    JobDetail #detail-summary {
        grid-size: 2;
        grid-columns: 17 1fr;
        grid-rows: auto;
        height: auto;
    }
    JobDetail .summary-key { color: $text-muted; }
    JobDetail .section {
        text-style: bold;
        color: $text-primary;
        margin-top: 1;
    }
    JobDetail .hidden { display: none; }
    """

    class JobRefreshed(Message):
        """The light poll fetched a newer copy of the shown job."""

        def __init__(self, job: Job) -> None:
            super().__init__()
            self.job = job

    class RefreshFailed(Message):
        """The light poll could not fetch the shown job; ``error`` carries the sentence."""

        def __init__(self, error: AepxError) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        api: JobsAPI,
        *,
        poll_seconds: float = 5.0,
        stuck_factor: float = 3.0,
        clock: Callable[[], float] | None = None,
        dataset_names: Mapping[str, str] | None = None,
        cancel_key: str = "ctrl+d",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._api = api
        self.poll_seconds = poll_seconds
        self.stuck_factor = stuck_factor
        self.cancel_key = cancel_key
        self._clock = clock or time.time
        self._dataset_names: dict[str, str] = dict(dataset_names or {})
        self._job: Job | None = None
        self.cancelling = False  # a cancel of the shown job is in flight (set_cancelling)
        self._median_ms: int | None = None
        self._baseline: Baseline | None = None
        self._refresh_error: str = ""
        self._tick_timer: Timer | None = None
        self._raw_shown = ""
        self.add_class("-empty")

    # --- public API ---------------------------------------------------------------------------------
    @property
    def job(self) -> Job | None:
        return self._job

    @property
    def median_ms(self) -> int | None:
        return self._median_ms

    @property
    def raw_visible(self) -> bool:
        return self.has_class("-raw")

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    @property
    def baseline(self) -> Baseline | None:
        return self._baseline

    def show(self, job: Job | None, median_ms: int | None = None, *, baseline: Baseline | None = None) -> None:
        """Render ``job`` (``None``: the empty state). Polls while it is active; a new job id
        restarts the poll, a fresher copy of the same job keeps it running. ``baseline`` (from the
        monitor's history) says what "usual" is; ``median_ms`` alone is today's rule."""
        previous = self._job
        self._job = job
        self._baseline = baseline
        self._median_ms = median_ms if baseline is None else baseline.value_ms
        same_job = previous is not None and job is not None and previous.id == job.id
        if not same_job:
            self._refresh_error = ""
            self.cancelling = False
            if self.raw_visible:  # the raw record is one job's: another job opens on its summary
                self.set_class(False, "-raw")
        self._render_job()
        if self.is_mounted:
            self._sync_activity(restart=not same_job)

    def set_dataset_names(self, names: Mapping[str, str]) -> None:
        """Dataset id → name, e.g. from ``list_datasets``; the summary shows names when known."""
        self._dataset_names = dict(names)
        if self._job is not None and self.is_mounted:
            self._render_summary(self._job)
            self._render_hint(self._job)

    async def poll_once(self) -> Job | None:
        """Fetch the shown job once: re-render and post ``JobRefreshed``, or show why it failed."""
        job = self._job
        if job is None:
            return None
        try:
            fresh = await self._api.get_job(job.id)
        except AepxError as error:
            if self._job is not None and self._job.id == job.id:
                self._refresh_error = str(error)
                self._render_refresh_error()
                self.post_message(self.RefreshFailed(error))
            return None
        if self._job is None or self._job.id != job.id:
            return None  # another job was shown while this one was in flight
        self._refresh_error = ""
        self._job = fresh
        self._render_job()
        self._sync_activity(restart=False)
        self.post_message(self.JobRefreshed(fresh))
        return fresh

    # --- composition --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-body"):
            yield Static(Content.styled("Select a job to see its detail.", "$text-muted"), id="detail-empty")
            yield Static(id="detail-title", classes="job-part")
            yield Static(id="detail-refresh-error", classes="job-part hidden")
            yield Static(id="detail-stuck", classes="job-part hidden")
            yield Static(Content("Timeline"), classes="section first job-part")
            yield PhaseTimeline(id="detail-timeline", classes="job-part")
            yield Static(id="detail-errors-title", classes="section job-part")
            yield ErrorList(id="detail-errors", classes="job-part")
            yield Static(id="detail-hint", classes="job-part hidden")
            yield Static(id="detail-hint-path", classes="job-part hidden")
            yield Static(Content("Summary"), classes="section job-part")
            with Grid(id="detail-summary", classes="job-part"):
                for row_id, label in SUMMARY_ROWS:
                    yield Static(Content(label), id=f"key-{row_id}", classes="summary-key")
                    yield Static(id=f"val-{row_id}", classes="summary-value")
        with ScrollableContainer(id="detail-raw"):
            yield Static(id="detail-raw-json")

    def on_mount(self) -> None:
        self._tick_timer = self.set_interval(1.0, self._tick, pause=True)
        self._render_job()
        self._sync_activity(restart=True)

    # --- activity: poll worker and 1 s tick ---------------------------------------------------------
    def _sync_activity(self, *, restart: bool) -> None:
        active = self._job is not None and self._job.is_active
        if self._tick_timer is not None:
            if active:
                self._tick_timer.resume()
            else:
                self._tick_timer.pause()
        if not active or self.poll_seconds <= 0:
            self._stop_polls()
        elif restart or not self.polling:
            self._poll_loop()

    def _poll_workers(self) -> list[Worker]:
        return [w for w in self.workers
                if w.node is self and w.group == "detail" and not w.is_finished and not w.is_cancelled]

    @property
    def polling(self) -> bool:
        """True while the light poll runs (the shown job is active)."""
        return bool(self._poll_workers())

    def _stop_polls(self) -> None:
        """Cancel poll loops; a loop that calls this from inside ends on its own instead."""
        try:
            current: Worker | None = get_current_worker()
        except NoActiveWorker:
            current = None
        for worker in self._poll_workers():
            if worker is not current:
                worker.cancel()

    @work(group="detail", exclusive=True, exit_on_error=False, description="refresh job detail")
    async def _poll_loop(self) -> None:
        """Poll every ``poll_seconds`` until the job is final or another job is shown (the worker is
        then cancelled). One loop per detail: requests never overlap."""
        while self._job is not None and self._job.is_active:
            await asyncio.sleep(self.poll_seconds)
            await self.poll_once()

    def _tick(self) -> None:
        if self._job is None or not self._job.is_active:
            if self._tick_timer is not None:
                self._tick_timer.pause()
            return
        self._render_live_parts(self._job)

    # --- rendering ----------------------------------------------------------------------------------
    def _static(self, selector: str) -> Static:
        return self.query_one(selector, Static)

    def _render_job(self) -> None:
        if not self.is_mounted:
            return
        job = self._job
        self.set_class(job is None, "-empty")
        self._static("#detail-empty").display = job is None
        if job is None:
            self.remove_class("-raw")
            self.query_one(ErrorList).set_errors(())
            return
        try:
            status_style = STATUS_STYLES.get(job.status, "$text-muted")
            self._static("#detail-title").update(Content.assemble(
                "Job ", (sanitise(job.id, limit=MAX_FIELD) or "(no id)", "bold"), "  ",
                (status_label(job.status[:MAX_FIELD]), f"bold {status_style}"),
            ))
            self._render_refresh_error()
            self._render_hint(job)
            self._render_summary(job)
            self._render_live_parts(job)
            self._render_errors(job)
            if self.raw_visible:
                self._load_raw(job)
        except Exception as exc:  # one broken record never takes the console down
            self._undisplayable(job, exc)

    def _undisplayable(self, job: Job, exc: BaseException) -> None:
        import logging

        logging.getLogger("aepx.console").warning("job %s could not be displayed: %r", job.id[:80], exc)
        with contextlib.suppress(Exception):
            self._static("#detail-title").update(Content.assemble(
                "Job ", (sanitise(job.id, limit=80) or "(no id)", "bold"), "  ",
                (f"{UNDISPLAYABLE} ({type(exc).__name__})", "bold $text-error")))

    def _render_live_parts(self, job: Job) -> None:
        """What changes with the clock: relative times, running duration, bars, stuck flag."""
        try:
            self._render_live_parts_now(job)
        except Exception as exc:  # the ticking clock must not raise once a second either
            self._undisplayable(job, exc)

    def _render_live_parts_now(self, job: Job) -> None:
        now = self.now_ms()
        self._set_row("created", time_pair(job.created_ms, now))
        self._set_row("updated", time_pair(job.updated_ms, now))
        duration = human_duration(job.duration_ms(now))
        self._set_row("duration", duration + (" (running)" if job.is_active else ""))
        self.query_one(PhaseTimeline).update_job(job, now)
        self._render_stuck(job, now)

    def _set_row(self, row_id: str, value: str | Content, *, optional: bool = False) -> None:
        content = value if isinstance(value, Content) else Content(sanitise(value, limit=MAX_FIELD) or PLACEHOLDER)
        self._static(f"#val-{row_id}").update(content)
        if optional:
            shown = bool(value.plain if isinstance(value, Content) else value)
            self._static(f"#key-{row_id}").display = shown
            self._static(f"#val-{row_id}").display = shown

    def _render_summary(self, job: Job) -> None:
        style = STATUS_STYLES.get(job.status, "$text-muted")
        self._set_row("id", job.id)
        self._set_row("status", Content.styled(status_label(job.status), style))
        self._set_row("type", job.job_type)
        self._set_row("phase", job.current_phase)
        self._set_row("request", job.request_id)
        self._set_row("instance", job.profile_instance_id)
        version = f" v{job.merge_policy_version}" if job.merge_policy_version is not None else ""
        self._set_row("merge", f"{job.merge_policy_id}{version}" if job.merge_policy_id else "")
        self._set_row("schema", job.schema_name)
        self._set_row("fields", _fields(job.fields))
        self._set_row("event-fields", _fields(job.event_fields), optional=True)
        self._set_row("ingest", _ingest_filter(job), optional=True)
        self._set_row("segments", _segments(job), optional=True)
        self._set_row("dataset", self._dataset_label(job.dataset_id))
        self._set_row("batch", job.batch_id)
        self._set_row("gateway", _gateway(job))

    def _dataset_label(self, dataset_id: str) -> str:
        name = self._dataset_names.get(dataset_id, "")
        if name and dataset_id:
            return f"{name} ({dataset_id})"
        return dataset_id

    def _render_refresh_error(self) -> None:
        widget = self._static("#detail-refresh-error")
        widget.set_class(not self._refresh_error, "hidden")
        if self._refresh_error:
            retry = f"; retrying every {human_duration(self.poll_seconds * 1000)}" if self.poll_seconds else ""
            widget.update(Content(f"refresh failed: {sanitise(self._refresh_error)}{retry}"))

    def set_cancelling(self, cancelling: bool) -> None:
        """A cancel of the shown job is in flight: say so at once (the host refreshes on the answer)."""
        if cancelling != self.cancelling:
            self.cancelling = cancelling
            if self._job is not None and self.is_mounted:
                self._render_stuck(self._job, self.now_ms())

    def _render_stuck(self, job: Job, now: int) -> None:
        widget = self._static("#detail-stuck")
        if self.cancelling and job.is_active:
            widget.set_class(False, "hidden")
            widget.update(Content("⊘ cancelling… the request is sent; this refreshes on the answer."))
            return
        stuck = possibly_stuck(job, self._median_ms, self.stuck_factor, now)
        baseline = self._baseline
        slow = not stuck and is_slow(job, baseline, now)
        widget.set_class(not (stuck or slow), "hidden")
        usual = (f"{baseline.describe()} ({human_duration(baseline.value_ms)})"
                 if baseline is not None and baseline.from_history
                 else f"the median SUCCEEDED run ({human_duration(self._median_ms)})")
        if stuck:
            widget.update(Content.assemble(
                "⚠ possibly stuck: running ", human_duration(job.duration_ms(now)),
                f", over {self.stuck_factor:g}× {usual}. ",
                (self.cancel_key, "reverse"), " cancels it.",
            ))
        elif slow:
            verb = "running" if job.is_active else "took"
            widget.update(Content(f"slower than usual: {verb} {human_duration(job.duration_ms(now))}, "
                                  f"over {usual}."))

    def _render_hint(self, job: Job) -> None:
        widget, path = self._static("#detail-hint"), self._static("#detail-hint-path")
        show = job.status == SUCCEEDED and bool(job.batch_id)
        widget.set_class(not show, "hidden")
        path.set_class(not show, "hidden")
        if not show:
            return
        batch = sanitise(job.batch_id, limit=MAX_FIELD)
        dataset = sanitise(self._dataset_label(job.dataset_id), limit=MAX_FIELD) or "its dataset"
        widget.update(Content.assemble(
            f"Batch {batch} written to dataset {dataset}. Press ", ("o", "bold"), " for its files, rows and "
            "download; ", ("b", "bold"), " copies the batch id. With the Data Access API:"))
        path.update(Content(DATA_ACCESS_FILES.format(batch=batch)))

    def _render_errors(self, job: Job) -> None:
        count = len(job.errors)
        title = self._static("#detail-errors-title")
        title.display = count > 0
        title.update(Content(f"Errors ({count})"))
        self.query_one(ErrorList).set_errors(job.errors)

    def _load_raw(self, job: Job) -> None:
        try:
            text = raw_json_display(job)
        except Exception as exc:
            text = f"{UNDISPLAYABLE} ({type(exc).__name__}); J copies the record"
        if text != self._raw_shown:
            self._raw_shown = text
            self._static("#detail-raw-json").update(
                _syntax(text, "json", theme="ansi_dark", background_color="default", word_wrap=False))

    # --- actions ------------------------------------------------------------------------------------
    def action_scroll_body(self, lines: int) -> None:
        """``j``/``k``: scroll what is shown (the summary or the raw record), as the arrows do."""
        target = self.query_one("#detail-raw" if self.raw_visible else "#detail-body")
        target.scroll_relative(y=lines, animate=False, immediate=True)

    def action_scroll_side(self, columns: int) -> None:
        """``h``/``l``: scroll the raw record sideways (its lines are never wrapped); the summary has
        nothing to the side."""
        if self.raw_visible:
            self.query_one("#detail-raw").scroll_relative(x=columns, animate=False, immediate=True)

    def action_toggle_raw(self) -> None:
        if self._job is None:
            return
        show = not self.raw_visible
        if show:
            self._load_raw(self._job)
        self.set_class(show, "-raw")
        target = self.query_one("#detail-raw" if show else "#detail-body")
        if self.screen.focused is not None and self in self.screen.focused.ancestors_with_self:
            target.focus()

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what}", markup=False)

    def action_copy_job_id(self) -> None:
        if self._job is None:
            return
        self._copy(self._job.id, f"job id {sanitise(self._job.id)}")

    def action_copy_batch_id(self) -> None:
        job = self._job
        if job is None:
            return
        if not job.batch_id:
            reason = "it gets one when it succeeds" if job.is_active else "it did not write one"
            self.notify(f"Job {sanitise(job.id)} has no batch id: {reason}.", severity="warning",
                        markup=False)
            return
        self._copy(job.batch_id, f"batch id {sanitise(job.batch_id)}")

    def action_copy_raw(self) -> None:
        if self._job is None:
            return
        text = raw_json(self._job)
        lines = text.count("\n") + 1
        self._copy(text, f"the raw JSON of job {sanitise(self._job.id)} ({plural(lines, 'line')})")

    def raw_text(self) -> str:
        """The raw record as shown and copied (empty without a job)."""
        return raw_json(self._job) if self._job is not None else ""


def _syntax(*args: Any, **kwargs: Any) -> Any:
    """rich's Syntax (pygments) loads when the raw view is first shown, not at the console's start."""
    from rich.syntax import Syntax

    return Syntax(*args, **kwargs)
