"""The refresh loop's bookkeeping, in plain Python: in-flight guard, pause, backoff, stale state.

The host (the console's one-shot timer, or :meth:`tui.monitor.Monitor.run`) re-arms only after a poll has
finished (success or error), so polls never
overlap; ``try_start`` also drops a manual refresh while one is in flight. After an error the next
poll waits ``interval × 2^(failures-1)`` (capped), or the server's ``Retry-After`` when it is longer (capped
the same: a header asking for 30 years must not stop polling).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.errors import RateLimitedError
from tui.core.logging import redact

MAX_BACKOFF_SECONDS = 300.0
MIN_INTERVAL_SECONDS = 1.0


@dataclass(slots=True)
class PollState:
    interval: float = 5.0
    in_flight: bool = False
    paused: bool = False
    failures: int = 0
    last_ok: float | None = None  # epoch seconds of the last good refresh
    error: str | None = None  # one sentence: why the last poll failed
    next_at: float | None = None  # epoch seconds of the next scheduled poll

    def __post_init__(self) -> None:
        self.interval = max(MIN_INTERVAL_SECONDS, float(self.interval))

    @property
    def stale(self) -> bool:
        return self.error is not None

    def try_start(self) -> bool:
        """Claim the poll slot; ``False`` if a poll is already running."""
        if self.in_flight:
            return False
        self.in_flight = True
        return True

    def succeeded(self, now: float) -> float:
        """Record a good poll; returns the delay before the next one."""
        self.in_flight = False
        self.failures = 0
        self.error = None
        self.last_ok = now
        return self._schedule(now, self.interval)

    def failed(self, now: float, error: BaseException) -> float:
        """Record a failed poll; returns the (backed-off) delay before the retry."""
        self.in_flight = False
        self.failures += 1
        self.error = redact(str(error)) or type(error).__name__
        delay = min(MAX_BACKOFF_SECONDS, self.interval * 2 ** (self.failures - 1))
        if isinstance(error, RateLimitedError) and error.retry_after:  # the server's wait, capped like ours
            delay = max(delay, min(MAX_BACKOFF_SECONDS, float(error.retry_after)))
        return self._schedule(now, delay)

    def released(self) -> None:
        """A poll ended without a result (cancelled): free the slot."""
        self.in_flight = False

    def _schedule(self, now: float, delay: float) -> float:
        self.next_at = now + delay
        return delay
