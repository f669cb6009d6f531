"""The rules of ``aepx watch``: monitor events + a clock → alerts, each once per job and event.

Pure: no I/O of its own. "Once" is kept by a :class:`Ledger` (the history store's ``fired`` table in
``aepx watch``, so it holds across restarts; :class:`MemoryLedger` in tests).

Rules (``[watch]`` in the config; a 0 or ``false`` turns one off):

* ``failed`` / ``succeeded``: a job is seen FAILED / SUCCEEDED (first seen in that state, or turning
  into it). Jobs that ended more than ``lookback_minutes`` ago are old news and never alerted (0: no limit).
* ``max_queue_minutes``: a job is still NEW that long after its creation (``queued_too_long``).
* ``stuck_factor``: the monitor's :class:`~tui.monitor.events.JobStuck` (running longer than factor × the
  history p95 of its payload, dataset or sandbox, else today's median) (``stuck``).
* ``max_runtime_minutes``: a hard limit on an active job's running time (``runtime_exceeded``).
* ``api_down_minutes``: polls have failed that long (``api_down``); the first good poll after that
  alert gives ``api_recovered`` (also after a restart of ``aepx watch`` in between).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.core.config import WatchSettings
from tui.core.format import human_duration
from tui.core.models import Job, Target
from tui.core.sanitise import sanitise
from tui.core.sentences import tidy
from tui.core.statuses import FAILED, NEW, SUCCEEDED
from tui.monitor import events as ev
from tui.monitor.history import baselines as baselines_mod
from tui.monitor.history.baselines import Baseline

FAILED_EVENT, SUCCEEDED_EVENT = "failed", "succeeded"
QUEUED, STUCK, RUNTIME = "queued_too_long", "stuck", "runtime_exceeded"
API_DOWN, API_RECOVERED = "api_down", "api_recovered"
EVENTS = (FAILED_EVENT, SUCCEEDED_EVENT, QUEUED, STUCK, RUNTIME, API_DOWN, API_RECOVERED)
API_KEY_PREFIX = "api@"  # the ``fired`` rows of an outage: job_id "api@<since ms>"
API_UNREACHABLE, API_OK = "api_unreachable", "api_ok"  # bookkeeping rows (not alerts): an outage began / ended
_MAX_TEXT = 300

_TITLES = {FAILED_EVENT: "Job failed", SUCCEEDED_EVENT: "Job succeeded", QUEUED: "Job queued too long",
           STUCK: "Job possibly stuck", RUNTIME: "Job over its runtime limit", API_DOWN: "Platform unreachable",
           API_RECOVERED: "Platform reachable again"}


_WATCH = WatchSettings()  # the defaults live once, in the config's [watch]


@dataclass(frozen=True, slots=True)
class Rules:
    failed: bool = _WATCH.failed
    succeeded: bool = _WATCH.succeeded
    max_queue_minutes: float = _WATCH.max_queue_minutes
    stuck_factor: float = _WATCH.stuck_factor
    max_runtime_minutes: float = _WATCH.max_runtime_minutes
    api_down_minutes: float = _WATCH.api_down_minutes
    lookback_minutes: float = _WATCH.lookback_minutes

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> Rules:
        """From a :class:`tui.core.config.WatchSettings`, with flags (``None``: not given) on top."""
        values = {name: getattr(settings, name) for name in cls.__dataclass_fields__}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def describe(self) -> str:
        on = []
        if self.failed:
            on.append("failed")
        if self.succeeded:
            on.append("succeeded")
        if self.max_queue_minutes > 0:
            on.append(f"queued > {self.max_queue_minutes:g} min")
        if self.stuck_factor > 0:
            on.append(f"stuck > {self.stuck_factor:g} × p95")
        if self.max_runtime_minutes > 0:
            on.append(f"running > {self.max_runtime_minutes:g} min")
        if self.api_down_minutes > 0:
            on.append(f"API down > {self.api_down_minutes:g} min")
        return ", ".join(on) or "none"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what every output (stdout, JSON Lines, webhook, notification) renders."""

    event: str
    org: str
    sandbox: str
    profile: str
    at_ms: int
    status: str
    job_id: str | None = None
    dataset: str = ""
    duration_ms: int | None = None
    baseline: str | None = None
    error_code: str = ""
    error_message: str = ""
    command: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return _TITLES.get(self.event, self.event)

    @property
    def message(self) -> str:
        """The human line (already sanitised: server strings passed :func:`sanitise` on the way in)."""
        where = f"sandbox {self.sandbox} (profile {self.profile})"  # the org is in the structured fields
        if self.job_id is None:
            return f"{self.title}: {where}: {self.detail}".rstrip(": ")
        parts = [f"{self.title}: job {self.job_id} in {where} is {self.status}"]
        if self.duration_ms is not None:
            parts[0] += f" after {human_duration(self.duration_ms)}"
        if self.detail:
            parts.append(self.detail)
        if self.dataset:
            parts.append(f"dataset {self.dataset}")
        if self.baseline:
            parts.append(f"baseline {self.baseline}")
        if self.error_code or self.error_message:
            parts.append(f"error {': '.join(p for p in (self.error_code, self.error_message) if p)}")
        if self.command:
            parts.append(f"open it with: {self.command}")
        return tidy("; ".join(parts))  # a server's message ends with its own stop: "request.; open it"

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines object (and the webhook's structured fields); absent values are left out."""
        data: dict[str, Any] = {"event": self.event, "org": self.org, "sandbox": self.sandbox,
                                "profile": self.profile}
        if self.job_id is not None:
            data["job_id"] = self.job_id
        data["status"] = self.status
        data["at"] = self.at_ms
        data["message"] = self.message
        for key, value in (("dataset", self.dataset), ("duration_ms", self.duration_ms),
                           ("baseline", self.baseline), ("error_code", self.error_code),
                           ("error_message", self.error_message), ("command", self.command)):
            if value not in (None, ""):
                data[key] = value
        data.update(self.extra)
        return data


class Ledger(Protocol):
    def mark_fired(self, org: str, sandbox: str, job_id: str, event: str, at_ms: int | None = None) -> bool:
        """``True`` the first time (org, sandbox, job_id, event) is marked, ``False`` afterwards."""
        ...

    def open_outage(self, org: str, sandbox: str) -> tuple[int, bool] | None:
        """The latest outage not seen to end: ``(start epoch ms, whether api_down was alerted)``."""
        ...


class MemoryLedger:
    def __init__(self) -> None:
        self.fired: dict[tuple[str, str, str, str], int] = {}

    def mark_fired(self, org: str, sandbox: str, job_id: str, event: str, at_ms: int | None = None) -> bool:
        key = (org, sandbox, job_id, event)
        if key in self.fired:
            return False
        self.fired[key] = at_ms or 0
        return True

    def open_outage(self, org: str, sandbox: str) -> tuple[int, bool] | None:
        starts = [(at, k[2]) for k, at in self.fired.items() if k[:2] == (org, sandbox) and k[3] == API_UNREACHABLE
                  and (org, sandbox, k[2], API_OK) not in self.fired]
        if not starts:
            return None
        key = max(starts)[1]
        since = outage_start(key)
        return None if since is None else (since, (org, sandbox, key, API_DOWN) in self.fired)


def outage_start(key: str) -> int | None:
    try:
        return int(key[len(API_KEY_PREFIX):]) if key.startswith(API_KEY_PREFIX) else None
    except ValueError:
        return None


def clip(value: object, limit: int = _MAX_TEXT) -> str:
    text = sanitise(value).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


BaselineLookup = Callable[[Target, Job], Baseline | None]


@dataclass
class _TargetState:
    active: dict[str, Job] = field(default_factory=dict)
    down_since_ms: int | None = None
    alerted_since_ms: int | None = None  # the outage already alerted (api_down fired)
    restored: bool = False


class RuleEngine:
    """Feed it every monitor event (``handle``); it returns the alerts due, each once per job+event."""

    def __init__(self, rules: Rules, ledger: Ledger, *, clock: Callable[[], float] | None = None,
                 baselines: BaselineLookup | None = None) -> None:
        self.rules = rules
        self.ledger = ledger
        self.clock = clock or time.time
        self.baselines = baselines
        self._targets: dict[tuple[str, str], _TargetState] = {}
        self._told: set[tuple[str, str, str, str]] = set()
        self._stuck_told: set[tuple[str, str, str]] = set()  # spares the ledger a write per poll per old alert

    def _mark(self, target: Target, key: str, event: str, now_ms: int) -> bool:
        told = (target.org_id, target.sandbox, key, event)
        if told in self._told:
            return False
        self._told.add(told)
        return self.ledger.mark_fired(target.org_id, target.sandbox, key, event, now_ms)

    # --- dispatch -------------------------------------------------------------------------------------
    def handle(self, event: ev.MonitorEvent) -> list[Alert]:
        now_ms = int(self.clock() * 1000)
        match event:
            case ev.JobsUpdated(target=target, jobs=jobs):
                return self._jobs(target, jobs, now_ms)
            case ev.JobStuck(target=target, job=job, factor=factor, baseline=baseline):
                return self._stuck(target, job, factor, baseline, now_ms)
            case ev.PollFinished(target=target, ok=ok, sentence=sentence):
                return self._poll(target, ok, sentence, now_ms)
        return []

    def _state(self, target: Target) -> _TargetState:
        key = (target.org_id, target.sandbox)
        state = self._targets.get(key)
        if state is None:
            state = self._targets[key] = _TargetState()
        if not state.restored:
            state.restored = True
            outage = self.ledger.open_outage(target.org_id, target.sandbox)
            if outage is not None:  # began before a restart (or an earlier --once) and not seen to end
                state.down_since_ms = outage[0]
                state.alerted_since_ms = outage[0] if outage[1] else None
        return state

    # --- job rules ------------------------------------------------------------------------------------
    def _jobs(self, target: Target, jobs: tuple[Job, ...], now_ms: int) -> list[Alert]:
        state = self._state(target)
        out: list[Alert] = []
        rules = self.rules
        for job in jobs:
            if job.is_active:
                state.active[job.id] = job
                out.extend(self._timed(target, job, now_ms))
                continue
            state.active.pop(job.id, None)
            wanted = ((job.status == FAILED and rules.failed and FAILED_EVENT)
                      or (job.status == SUCCEEDED and rules.succeeded and SUCCEEDED_EVENT))
            if wanted and self._recent(job, now_ms):
                alert = self._fire(target, job, wanted, now_ms)
                if alert is not None:
                    out.append(alert)
        return out

    def _recent(self, job: Job, now_ms: int) -> bool:
        if self.rules.lookback_minutes <= 0:
            return True
        ended = (job.total.end_ms if job.total is not None else None) or job.updated_ms or job.created_ms
        return ended is None or ended >= now_ms - self.rules.lookback_minutes * 60_000

    def _timed(self, target: Target, job: Job, now_ms: int) -> list[Alert]:
        out: list[Alert] = []
        rules = self.rules
        if rules.max_queue_minutes > 0 and job.status == NEW and job.created_ms is not None:
            waited = now_ms - job.created_ms
            if waited > rules.max_queue_minutes * 60_000:
                alert = self._fire(target, job, QUEUED, now_ms, duration=waited,
                                   baseline=f"the limit of {rules.max_queue_minutes:g} minutes in the queue",
                                   detail=f"waiting in the queue for {human_duration(waited)}")
                if alert is not None:
                    out.append(alert)
        told = (target.org_id, target.sandbox, job.id) in self._stuck_told
        if rules.stuck_factor > 0 and self.baselines is not None and not told:
            # also here, not only on the monitor's JobStuck: this runs after the whole batch is known, so
            # today's median includes the page's SUCCEEDED jobs even on a first poll with no history
            baseline = self.baselines(target, job)
            if baselines_mod.is_stuck(job, baseline, rules.stuck_factor, now_ms) and baseline is not None:
                out.extend(self._stuck(target, job, rules.stuck_factor, baseline, now_ms))
        if rules.max_runtime_minutes > 0:
            running = job.duration_ms(now_ms)
            if running is not None and running > rules.max_runtime_minutes * 60_000:
                alert = self._fire(target, job, RUNTIME, now_ms, duration=running,
                                   baseline=f"the limit of {rules.max_runtime_minutes:g} minutes")
                if alert is not None:
                    out.append(alert)
        return out

    def _stuck(self, target: Target, job: Job, factor: float, baseline: Baseline, now_ms: int) -> list[Alert]:
        if self.rules.stuck_factor <= 0 or not job.is_active:
            return []
        described = (f"{factor:g} × {baseline.describe()} ({human_duration(baseline.value_ms)}, so "
                     f"{human_duration(factor * baseline.value_ms)})")
        self._stuck_told.add((target.org_id, target.sandbox, job.id))
        alert = self._fire(target, job, STUCK, now_ms, baseline=described, known_baseline=baseline)
        return [alert] if alert is not None else []

    def _fire(self, target: Target, job: Job, event: str, now_ms: int, *, duration: int | None = None,
              baseline: str | None = None, detail: str = "", known_baseline: Baseline | None = None) -> Alert | None:
        if not self._mark(target, job.id, event, now_ms):
            return None
        if baseline is None and self.baselines is not None:
            found = known_baseline or self.baselines(target, job)
            if found is not None:
                baseline = f"{found.describe()} ({human_duration(found.value_ms)})"
        first = job.errors[0] if job.errors else None
        job_id = clip(job.id, 80)
        profile = clip(target.profile, 80)
        return Alert(event=event, org=clip(target.org_id, 120), sandbox=clip(target.sandbox, 120), profile=profile,
                     at_ms=now_ms, status=clip(job.status, 40), job_id=job_id, dataset=clip(job.dataset_id, 120),
                     duration_ms=duration if duration is not None else job.duration_ms(now_ms), baseline=baseline,
                     error_code=clip(first.code, 80) if first else "", error_message=clip(first.msg) if first else "",
                     command=f"aepx -p {profile} jobs show {job_id}", detail=detail)

    # --- the API --------------------------------------------------------------------------------------
    def _poll(self, target: Target, ok: bool, sentence: str | None, now_ms: int) -> list[Alert]:
        state = self._state(target)
        rules = self.rules
        out: list[Alert] = []
        if ok:
            began, since = state.down_since_ms, state.alerted_since_ms
            state.down_since_ms = state.alerted_since_ms = None
            if began is not None:
                self._mark(target, f"{API_KEY_PREFIX}{began}", API_OK, now_ms)
            if since is not None and self._mark(target, f"{API_KEY_PREFIX}{since}", API_RECOVERED, now_ms):
                out.append(self._api_alert(target, API_RECOVERED, "UP", now_ms, now_ms - since,
                                           f"answering again after {human_duration(now_ms - since)} unreachable"))
            for job in list(state.active.values()):  # time-based rules move on between records
                out.extend(self._timed(target, job, now_ms))
            return out
        if state.down_since_ms is None:
            state.down_since_ms = now_ms
            self._mark(target, f"{API_KEY_PREFIX}{now_ms}", API_UNREACHABLE, now_ms)
        since = state.down_since_ms
        if (rules.api_down_minutes > 0 and state.alerted_since_ms is None
                and now_ms - since >= rules.api_down_minutes * 60_000):
            state.alerted_since_ms = since
            if self._mark(target, f"{API_KEY_PREFIX}{since}", API_DOWN, now_ms):
                reason = clip(sentence or "the last poll failed", 400)
                out.append(self._api_alert(target, API_DOWN, "DOWN", now_ms, now_ms - since,
                                           f"unreachable for {human_duration(now_ms - since)}: {reason}"))
        return out

    @staticmethod
    def _api_alert(target: Target, event: str, status: str, now_ms: int, down_ms: int, detail: str) -> Alert:
        return Alert(event=event, org=clip(target.org_id, 120), sandbox=clip(target.sandbox, 120),
                     profile=clip(target.profile, 80), at_ms=now_ms, status=status, duration_ms=down_ms,
                     detail=detail)
