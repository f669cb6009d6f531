"""What a :class:`~tui.monitor.Monitor` tells its subscribers: small frozen dataclasses.

A subscriber is any callable taking one :data:`MonitorEvent`; it is called synchronously, in the
monitor's event loop, in the order events happen. Dispatch with ``match``/``isinstance``; ignore what
you do not know (new event types may be added). A subscriber that raises is logged and kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.models import Job, Target
from tui.monitor.history.baselines import Baseline

# JobTransition.kind values
STARTED = "started"  # NEW → PROCESSING
SUCCEEDED = "succeeded"  # → SUCCEEDED (a job followed in this run)
FAILED = "failed"  # → FAILED (a job followed in this run)


@dataclass(frozen=True, slots=True)
class JobsUpdated:
    """Fresh records from the Platform (a list page, a followed job's GET, a launch, a detail poll).
    ``source``: ``page``, ``followed``, ``get``, ``observed``."""

    target: Target
    jobs: tuple[Job, ...]
    source: str


@dataclass(frozen=True, slots=True)
class JobTransition:
    """A job changed state: ``kind`` is ``started``, ``succeeded`` or ``failed``; emitted once per job
    and kind in a run (``previous`` is the status the monitor knew before)."""

    target: Target
    job: Job
    previous: str
    kind: str


@dataclass(frozen=True, slots=True)
class JobStuck:
    """An active job ran longer than ``factor`` × ``baseline.value_ms``; once per job in a run."""

    target: Target
    job: Job
    running_ms: int
    factor: float
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class ApiUnreachable:
    """The first failed poll after a good one (or the first poll failed). ``since`` epoch seconds."""

    target: Target
    sentence: str
    since: float


@dataclass(frozen=True, slots=True)
class ApiRecovered:
    """The first good poll after :class:`ApiUnreachable`; ``down_seconds`` how long it lasted."""

    target: Target
    down_seconds: float


@dataclass(frozen=True, slots=True)
class PollFinished:
    """A poll ended: ``ok``, the ``delay`` before the next one, and the sentence when it failed."""

    target: Target
    ok: bool
    delay: float
    sentence: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryProblem:
    """The history store turned itself off (or warns): one sentence for the operator."""

    sentence: str


MonitorEvent = JobsUpdated | JobTransition | JobStuck | ApiUnreachable | ApiRecovered | PollFinished | HistoryProblem
Subscriber = Callable[[MonitorEvent], None]
