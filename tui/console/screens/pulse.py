"""``P`` / ``:pulse``: is today normal? Counts now, the last 14 days, phases, slow payloads, failures.

Every figure comes from :mod:`tui.monitor.history.stats` (one definition each, README "Pulse"), read
in a thread worker; the "now" line comes from the monitor's jobs in memory. Monitor events re-render
the "now" line at once; a job that finished re-reads the history at most every
:data:`REREAD_SECONDS` (never on every poll). Sections stack in one scroll (80×24 works), no mouse
needed, NO_COLOR keeps every figure (glyphs and words, not colour). Server strings pass ``sanitise``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Sparkline, Static

from tui.console.widgets.header import AppHeader
from tui.core.format import human_duration, short_id
from tui.core.models import Job
from tui.core.sanitise import sanitise
from tui.monitor import events as monitor_events
from tui.monitor.history.stats import fmt_ms, fmt_rate, pulse

REREAD_SECONDS = 30.0
DASH = "—"


def _when(ms: int | None, timezone: str) -> str:
    if ms is None:
        return DASH
    zone = None if timezone == "local" else UTC
    return datetime.fromtimestamp(ms / 1000, zone).strftime("%m-%d %H:%M")


def payload_label(group: dict[str, Any], width: int = 28) -> str:
    """``dataset id · first fields``: the dataset and a short field list (both server text)."""
    fields = sanitise(group.get("fields") or "").replace(",", ", ")
    dataset = short_id(sanitise(group.get("dataset_id") or "") or "?", 9)
    label = f"{dataset} · {fields}" if fields else f"{dataset} · #{sanitise(group['key'])[:8]}"
    return label if len(label) <= width else label[:width - 1] + "…"


def trend(group: dict[str, Any]) -> str:
    """The newest run against the group's p95: ``▲ over p95`` / ``ok`` / ``—`` (no p95 or no time)."""
    last, p95 = group.get("last_total_ms"), group["total_time_ms"]["p95"]
    if last is None or p95 is None:
        return DASH
    return f"▲ {last / p95:.1f}× p95" if last > p95 else f"ok {last / p95:.1f}×"  # ≤ 10 columns


class PulseScreen(Screen[None]):
    """The figures of :func:`tui.monitor.history.stats.pulse`; ``esc`` back."""

    DEFAULT_CSS = """
    PulseScreen #pulse-title { width: 100%; height: 1; background: $primary-muted; text-style: bold; padding: 0 1; }
    PulseScreen #pulse-body { height: 1fr; }
    PulseScreen .section { height: auto; margin: 1 0 0 0; padding: 0 1; text-style: bold; }
    PulseScreen .line { height: auto; padding: 0 1; }
    PulseScreen .spark-row { height: 1; padding: 0 1; }
    PulseScreen .spark-label { width: 14; }
    PulseScreen .spark-range { width: 27; padding: 0 0 0 1; }
    PulseScreen Sparkline { width: 1fr; height: 1; }
    PulseScreen DataTable { height: auto; max-height: 14; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="pulse.back"),
        Binding("o", "open_oldest", "Oldest running", id="pulse.oldest"),
        Binding("e", "open_example", "Newest failure", id="pulse.example",
                tooltip="Open the newest job of the highlighted error code (enter in that table too)"),
        Binding("ctrl+r", "reread", "Re-read", id="pulse.reread"),
    ]

    class Read(Message):
        def __init__(self, data: dict[str, Any] | None, problem: str | None) -> None:
            super().__init__()
            self.data = data
            self.problem = problem

    class MonitorSaid(Message):
        def __init__(self, event: Any) -> None:
            super().__init__()
            self.event = event

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] | None = None
        self._unsubscribe: Any = None
        self._last_read = 0.0
        self._dirty = False
        self._reading = False
        self.painted_at: float | None = None  # perf_counter of the first paint (bench/pulse.py)

    # --- what the app gives ---------------------------------------------------------------------------
    @property
    def aepx(self) -> Any:
        return self.app

    @property
    def timezone(self) -> str:
        return getattr(self.aepx.settings, "timezone", "utc")

    def compose(self) -> ComposeResult:
        yield AppHeader("jobs › pulse")
        yield Label(Text(self._title()), id="pulse-title")
        with VerticalScroll(id="pulse-body"):
            yield Static(Text("Now"), classes="section")
            yield Static(Text(""), id="pulse-now", classes="line")
            yield Static(Text(""), id="pulse-window", classes="line")
            yield Static(Text("Last 14 days (one bar a day, oldest left)"), classes="section")
            for key, label in (("jobs", "jobs started"), ("failed", "failures"), ("p50", "p50 total"),
                               ("p95", "p95 total")):
                with Horizontal(classes="spark-row"):
                    yield Static(Text(label), classes="spark-label")
                    yield Sparkline([], summary_function=max, id=f"spark-{key}")
                    yield Static(Text(""), id=f"range-{key}", classes="spark-range")
            yield Static(Text("Phases over 7 days (p50 / p95)"), classes="section")
            yield Static(Text(""), id="pulse-phases", classes="line")
            yield Static(Text("Slowest payloads over 7 days"), classes="section")
            yield DataTable(id="pulse-payloads", cursor_type="row", zebra_stripes=False)
            yield Static(Text("Failures over 7 days by error code (enter: the newest example)"), classes="section")
            yield DataTable(id="pulse-failures", cursor_type="row", zebra_stripes=False)
        yield Footer(compact=True)

    def _title(self) -> str:
        target = self.aepx.api.target
        zone = "local time" if self.timezone == "local" else "UTC"
        return f"Pulse · org {sanitise(target.org_id)} · sandbox {sanitise(target.sandbox)} · {zone}"

    def on_mount(self) -> None:
        payloads = self.query_one("#pulse-payloads", DataTable)
        for label, width in (("payload", 21), ("runs", 4), ("fail", 4), ("p50", 7), ("p95", 7), ("last run", 11),
                             ("trend", 10)):
            payloads.add_column(label, width=width, key=label)
        failures = self.query_one("#pulse-failures", DataTable)
        for label, width in (("error code", 14), ("jobs", 5), ("newest", 9), ("when", 11)):
            failures.add_column(label, width=width, key=label)
        self._unsubscribe = self.aepx.monitor.subscribe(lambda event: self.post_message(self.MonitorSaid(event)))
        self.render_now()
        self._set_waiting()
        self.query_one("#pulse-body").focus()  # ↑/↓/pgup/pgdn scroll the sections; tab reaches the tables
        self.call_after_refresh(self._painted)  # the worker starts after the first paint (no GIL contention)

    def _painted(self) -> None:
        if self.painted_at is None:
            self.painted_at = time.perf_counter()
            self.reread()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- reading (a worker) ---------------------------------------------------------------------------
    def reread(self) -> None:
        store = self.aepx.history
        if store is None or not store.enabled:
            self.post_message(self.Read(None, "No job history in this session ([history] is off or unusable): "
                                              "Pulse shows only the jobs loaded now."))
            return
        if self._reading:
            self._dirty = True
            return
        self._reading = True
        self._dirty = False
        self._last_read = time.monotonic()
        target = self.aepx.api.target
        self._read(store, target.org_id, target.sandbox, int(self.aepx.clock() * 1000), self.timezone)

    @work(thread=True, exclusive=True, group="pulse")
    def _read(self, store: Any, org: str, sandbox: str, now_ms: int, timezone: str) -> None:
        try:
            data = pulse(store, org, sandbox, now_ms, timezone=timezone)
        except Exception as exc:  # a read failure is one sentence, never a traceback
            self.post_message(self.Read(None, f"Reading the job history failed ({exc}); press ctrl+r to retry."))
            return
        self.post_message(self.Read(data, None))

    @on(Read)
    def _got(self, message: Read) -> None:
        self._reading = False
        if message.problem is not None:
            self.query_one("#pulse-window", Static).update(Text(message.problem))
        else:
            self.data = message.data
            self.render_history()
        if self._dirty:
            self.reread()

    @on(MonitorSaid)
    def _monitor_said(self, message: MonitorSaid) -> None:
        event = message.event
        if isinstance(event, monitor_events.JobsUpdated | monitor_events.JobStuck | monitor_events.PollFinished):
            self.render_now()
        elif isinstance(event, monitor_events.JobTransition) and event.kind in (monitor_events.SUCCEEDED,
                                                                                  monitor_events.FAILED):
            self.render_now()
            if time.monotonic() - self._last_read >= REREAD_SECONDS:
                self.reread()
            else:
                self._dirty = True
                self.set_timer(REREAD_SECONDS, self._reread_if_dirty)

    def _reread_if_dirty(self) -> None:
        if self._dirty and not self._reading:
            self.reread()

    # --- rendering ------------------------------------------------------------------------------------
    def _active(self) -> list[Job]:
        jobs = [j for j in self.aepx.monitor.jobs.values() if j.is_active]
        return sorted(jobs, key=lambda j: (j.created_ms is None, j.created_ms or 0))

    def oldest_running(self) -> Job | None:
        active = self._active()
        return active[0] if active else None

    def render_now(self) -> None:
        active = self._active()
        new = sum(1 for j in active if j.status == "NEW")
        stuck = sum(1 for j in active if "stuck" in self.aepx.job_flags(j))
        now_ms = int(self.aepx.clock() * 1000)
        parts = [f"NEW {new}", f"PROCESSING {len(active) - new}", f"⚠ possibly stuck {stuck}"]
        oldest = active[0] if active else None
        if oldest is not None:
            parts.append(f"oldest running: job {sanitise(oldest.id)}, {human_duration(oldest.duration_ms(now_ms))} "
                         "(o opens)")
        else:
            parts.append("nothing running")
        self.query_one("#pulse-now", Static).update(Text(" · ".join(parts)))

    def _set_waiting(self) -> None:
        self.query_one("#pulse-window", Static).update(Text("Reading the job history…"))

    def render_history(self) -> None:
        data = self.data
        if data is None:
            return
        day, week = data["day"], data["week"]

        def window(name: str, figures: dict[str, Any]) -> str:
            c = figures["counts"]
            return (f"{name}: {c['SUCCEEDED']:,} SUCCEEDED, {c['FAILED']:,} FAILED, "
                    f"success {fmt_rate(figures['success_rate'])}")

        self.query_one("#pulse-window", Static).update(Text(f"{window('last 24 h', day)} · {window('7 d', week)}"))
        days = data["days"]
        series = {"jobs": [d["jobs"] for d in days], "failed": [d["counts"]["FAILED"] for d in days],
                  "p50": [d["total_time_ms"]["p50"] or 0 for d in days],
                  "p95": [d["total_time_ms"]["p95"] or 0 for d in days]}
        for key, values in series.items():
            # A series of zeros would draw full-height bars (the sparkline scales min..max): no bars then.
            self.query_one(f"#spark-{key}", Sparkline).data = values if any(values) else []
            today = values[-1]
            if key in ("p50", "p95"):
                raw = days[-1]["total_time_ms"][key]
                peak = max(values)
                shown = f"today {fmt_ms(raw)}, max {fmt_ms(peak) if peak else DASH}"
            else:
                shown = f"today {today:,}, max {max(values):,}"
            self.query_one(f"#range-{key}", Static).update(Text(shown))
        phases = week.get("phases_ms", {})
        names = {"queue": "queue wait", "export": "profile export", "write": "dataset write"}
        self.query_one("#pulse-phases", Static).update(Text(" · ".join(
            f"{names[k]} {fmt_ms(v['p50'])} / {fmt_ms(v['p95'])}" for k, v in phases.items())
            + f" · total {fmt_ms(week['total_time_ms']['p50'])} / {fmt_ms(week['total_time_ms']['p95'])}"))
        payloads = self.query_one("#pulse-payloads", DataTable)
        payloads.clear()
        for g in week.get("groups", [])[:10]:
            runs = g["jobs"]
            fails = g["counts"]["FAILED"]
            payloads.add_row(Text(payload_label(g, 21)), f"{runs:,}", f"{fails / runs * 100:.0f} %" if runs else DASH,
                             fmt_ms(g["total_time_ms"]["p50"]), fmt_ms(g["total_time_ms"]["p95"]),
                             _when(g["last_created_ms"], self.timezone), trend(g), key=str(g["key"]))
        if not week.get("groups"):
            payloads.add_row(Text("no jobs in 7 days"), "", "", "", "", "", "")
        failures = self.query_one("#pulse-failures", DataTable)
        failures.clear()
        for g in data["errors"]:
            failures.add_row(Text(sanitise(g["key"]) or "(no code)"), f"{g['jobs']:,}",
                             Text(sanitise(g["newest_job_id"] or "")), _when(g["last_created_ms"], self.timezone),
                             key=str(g["newest_job_id"]))
        if not data["errors"]:
            failures.add_row(Text("no failures in 7 days ✔"), "", "", "")

    # --- keys -----------------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_reread(self) -> None:
        self.reread()

    def action_open_oldest(self) -> None:
        job = self.oldest_running()
        if job is None:
            self.aepx.say("Nothing is running now.", "information")
            return
        self.aepx.open_detail_screen(job)

    def action_open_example(self) -> None:
        table = self.query_one("#pulse-failures", DataTable)
        if self.data is None or not self.data["errors"] or table.row_count == 0:
            self.aepx.say("No failure in the last 7 days.", "information")
            return
        index = min(max(table.cursor_row, 0), len(self.data["errors"]) - 1)
        job_id = self.data["errors"][index]["newest_job_id"]
        job = self.job_from_history(job_id)
        if job is None:
            self.aepx.say(f"Job {sanitise(job_id)} is no longer in the history.", "warning")
            return
        self.aepx.open_detail_screen(job)

    @on(DataTable.RowSelected, "#pulse-failures")
    def _failure_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_example()

    def job_from_history(self, job_id: str) -> Job | None:
        """The record of one job (the monitor's copy if it has one; else one row of the store by key)."""
        known = self.aepx.monitor.jobs.get(job_id)
        if known is not None:
            return known
        target = self.aepx.api.target
        rows = self.aepx.history.read("SELECT raw FROM jobs WHERE org = ? AND sandbox = ? AND job_id = ?",
                                      (target.org_id, target.sandbox, job_id))
        return Job.parse(json.loads(rows[0][0])) if rows else None
