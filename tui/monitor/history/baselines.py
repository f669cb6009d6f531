"""Is this job slow? Baselines from the history, with one definition each.

* **p95**: nearest-rank percentile of the total time (``metrics.totalTime.totalTimeInMs``) of stored
  SUCCEEDED jobs; ``None`` under :data:`MIN_SAMPLES` samples.
* the baseline of a job is the p95 of the same **payload** fingerprint, else of the same **dataset**,
  else of the **sandbox**, the first with at least 5 samples; else **today's rule**: the median total
  time of the SUCCEEDED jobs seen in this run (any count ≥ 1).
* **possibly stuck**: an active job running longer than ``stuck_factor`` × the baseline.
* **slower than usual**: a job (running or SUCCEEDED) whose total time is over a history p95.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.core.models import Job
from tui.core.statuses import SUCCEEDED

MIN_SAMPLES = 5
PAYLOAD, DATASET, SANDBOX, TODAY = "payload", "dataset", "sandbox", "today"
_WHAT = {PAYLOAD: "earlier runs of this payload", DATASET: "earlier runs into this dataset",
         SANDBOX: "earlier runs in this sandbox", TODAY: "SUCCEEDED runs seen in this session"}


@dataclass(frozen=True, slots=True)
class Baseline:
    """``value_ms`` is a p95 (history kinds) or a median (``today``), over ``samples`` jobs."""

    kind: str
    value_ms: int
    samples: int

    @property
    def statistic(self) -> str:
        return "median" if self.kind == TODAY else "p95"

    @property
    def from_history(self) -> bool:
        return self.kind != TODAY

    def describe(self) -> str:
        """``the p95 of 41 earlier runs of this payload``."""
        return f"the {self.statistic} of {self.samples} {_WHAT.get(self.kind, 'earlier runs')}"


def nearest_rank(sorted_values: Sequence[int], percent: float, *, min_samples: int = MIN_SAMPLES) -> int | None:
    """Nearest-rank percentile of an ascending sequence; ``None`` under ``min_samples`` values."""
    n = len(sorted_values)
    if n == 0 or n < min_samples:
        return None
    rank = max(1, math.ceil(percent / 100.0 * n))
    return int(sorted_values[min(n, rank) - 1])


def today(jobs: Iterable[Job]) -> Baseline | None:
    """The fallback: the median total time of the SUCCEEDED jobs among ``jobs``."""
    values = [d for j in jobs if j.status == SUCCEEDED and (d := j.duration_ms()) is not None]
    return Baseline(TODAY, int(statistics.median(values)), len(values)) if values else None


def is_stuck(job: Job, baseline: Baseline | None, factor: float, now_ms: int) -> bool:
    if not job.is_active or baseline is None or baseline.value_ms <= 0 or factor <= 0:
        return False
    running = job.duration_ms(now_ms)
    return running is not None and running > factor * baseline.value_ms


def is_slow(job: Job, baseline: Baseline | None, now_ms: int) -> bool:
    """Over a history p95 (today's median is no measure of "usual")."""
    if baseline is None or not baseline.from_history or not (job.is_active or job.status == SUCCEEDED):
        return False
    duration = job.duration_ms(now_ms)
    return duration is not None and duration > baseline.value_ms
