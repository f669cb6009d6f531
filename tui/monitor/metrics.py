"""Prometheus metrics of ``aepx watch``, with the official ``prometheus_client`` library.

Imported only by ``aepx watch`` when ``--metrics-listen`` or ``--metrics-textfile`` is given (the
library is loaded lazily). Every metric has the labels ``org`` and ``sandbox``:

========================================  =========  ===========================================================
``aepx_export_jobs``                      gauge      jobs by ``status`` among those seen by this run (the
                                                     newest page at each poll, and every job followed)
``aepx_export_jobs_stuck``                gauge      active jobs judged stuck (over stuck_factor × baseline)
``aepx_export_job_duration_seconds``      histogram  finished jobs (SUCCEEDED or FAILED) seen by this run, by
                                                     ``phase``: ``queue``, ``profile_export``,
                                                     ``dataset_write``, ``total``
``aepx_export_job_transitions_total``     counter    transitions seen by this run, by ``to`` (PROCESSING,
                                                     SUCCEEDED, FAILED)
``aepx_api_up``                           gauge      1 when the last poll succeeded, else 0
``aepx_api_requests_total``               counter    HTTP requests to the Platform (retries included; not IMS), by
                                                     ``status_class``: 2xx, 3xx, 4xx, 5xx, ``error`` (no answer)
``aepx_last_poll_timestamp_seconds``      gauge      epoch seconds of the last successful poll
========================================  =========  ===========================================================
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, write_to_textfile
from prometheus_client.exposition import start_http_server

from tui.api.calllog import CallRecord
from tui.core.models import Job, Target
from tui.core.statuses import FAILED, KNOWN_STATUSES, PROCESSING, SUCCEEDED
from tui.monitor import events as ev

LABELS = ("org", "sandbox")
BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
_TO = {ev.STARTED: PROCESSING, ev.SUCCEEDED: SUCCEEDED, ev.FAILED: FAILED}
PHASES = ("queue", "profile_export", "dataset_write", "total")


def phase_seconds(job: Job) -> dict[str, float]:
    """The finished job's phase durations in seconds (only the phases the record has)."""
    out: dict[str, float] = {}
    export = job.profile_export
    if export is not None and export.start_ms is not None and job.created_ms is not None:
        out["queue"] = max(0, export.start_ms - job.created_ms) / 1000
    if export is not None and (value := export.duration_ms()) is not None and export.finished:
        out["profile_export"] = value / 1000
    write = job.dataset_write
    if write is not None and (value := write.duration_ms()) is not None and write.finished:
        out["dataset_write"] = value / 1000
    if (value := job.duration_ms()) is not None:
        out["total"] = value / 1000
    return out


class _TargetMetrics:
    def __init__(self) -> None:
        self.status: dict[str, str] = {}  # job id → last status seen
        self.finished: set[str] = set()  # observed in the histogram
        self.stuck: set[str] = set()


class WatchMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.jobs = Gauge("aepx_export_jobs", "Export jobs seen by aepx watch, by status.", [*LABELS, "status"],
                          registry=r)
        self.stuck = Gauge("aepx_export_jobs_stuck", "Active export jobs running longer than stuck_factor x "
                           "their baseline.", LABELS, registry=r)
        self.duration = Histogram("aepx_export_job_duration_seconds", "Durations of finished export jobs, by phase.",
                                  [*LABELS, "phase"], buckets=BUCKETS, registry=r)
        self.transitions = Counter("aepx_export_job_transitions", "Export job transitions seen, by new status.",
                                   [*LABELS, "to"], registry=r)
        self.up = Gauge("aepx_api_up", "1 when the last poll of the Platform succeeded, else 0.", LABELS, registry=r)
        self.requests = Counter("aepx_api_requests", "HTTP requests to the Platform and IMS, by status class.",
                                [*LABELS, "status_class"], registry=r)
        self.last_poll = Gauge("aepx_last_poll_timestamp_seconds", "When the last successful poll ended (epoch s).",
                               LABELS, registry=r)
        self._targets: dict[tuple[str, str], _TargetMetrics] = {}
        self._lock = threading.Lock()
        self._server: Any = None

    # --- wiring -------------------------------------------------------------------------------------
    def add_target(self, target: Target) -> None:
        """Create every series of a target at zero, so queries see them before anything happens."""
        org, sandbox = target.org_id, target.sandbox
        self._targets.setdefault((org, sandbox), _TargetMetrics())
        for status in KNOWN_STATUSES:
            self.jobs.labels(org, sandbox, status).set(0)
        self.stuck.labels(org, sandbox).set(0)
        for to in _TO.values():
            self.transitions.labels(org, sandbox, to)
        for phase in PHASES:
            self.duration.labels(org, sandbox, phase)
        self.up.labels(org, sandbox).set(0)
        for status_class in ("2xx", "4xx", "5xx", "error"):
            self.requests.labels(org, sandbox, status_class)

    def request_counter_for(self, org: str, sandbox: str) -> Callable[[CallRecord], None]:
        """For ``PlatformClient(on_call=...)``: count one Platform attempt (no answer: ``error``). The IMS
        token calls the same observer sees are not Platform requests and are not counted."""

        def count(record: CallRecord) -> None:
            if record.is_ims:
                return
            status = record.status
            self.requests.labels(org, sandbox, "error" if status is None else f"{status // 100}xx").inc()

        return count

    def handle(self, event: ev.MonitorEvent) -> None:
        """A monitor subscriber."""
        match event:
            case ev.JobsUpdated(target=target, jobs=jobs):
                self._jobs(target, jobs)
            case ev.JobTransition(target=target, kind=kind):
                to = _TO.get(kind)
                if to is not None:
                    self.transitions.labels(target.org_id, target.sandbox, to).inc()
            case ev.JobStuck(target=target, job=job):
                state = self._state(target)
                if job.is_active:
                    state.stuck.add(job.id)
                self.stuck.labels(target.org_id, target.sandbox).set(len(state.stuck))
            case ev.PollFinished(target=target, ok=ok):
                self.up.labels(target.org_id, target.sandbox).set(1 if ok else 0)
                if ok:
                    self.last_poll.labels(target.org_id, target.sandbox).set_to_current_time()

    def _state(self, target: Target) -> _TargetMetrics:
        key = (target.org_id, target.sandbox)
        if key not in self._targets:
            self.add_target(target)
        return self._targets[key]

    def _jobs(self, target: Target, jobs: tuple[Job, ...]) -> None:
        state = self._state(target)
        org, sandbox = target.org_id, target.sandbox
        for job in jobs:
            state.status[job.id] = job.status
            if not job.is_active:
                state.stuck.discard(job.id)
                if job.is_final and job.id not in state.finished:
                    state.finished.add(job.id)
                    for phase, seconds in phase_seconds(job).items():
                        self.duration.labels(org, sandbox, phase).observe(seconds)
        counts = dict.fromkeys(KNOWN_STATUSES, 0)
        for status in state.status.values():
            counts[status] = counts.get(status, 0) + 1
        for status, count in counts.items():
            self.jobs.labels(org, sandbox, status).set(count)
        self.stuck.labels(org, sandbox).set(len(state.stuck))

    # --- exposing -------------------------------------------------------------------------------------
    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` on ``host:port`` (a daemon thread); returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        return int(server.server_address[1])

    def write_textfile(self, path: Path) -> None:
        """Atomically (temporary file in the same directory, then rename): node_exporter never reads half."""
        with self._lock:
            write_to_textfile(str(path), self.registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
