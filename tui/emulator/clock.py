"""Emulated time: real time scaled by ``speed`` (``Clock``) or driven by hand (``ManualClock``).

Job lifecycles are computed from ``now_ms()`` (epoch milliseconds on the emulated time line).
Token expiry is NOT on this clock: tokens expire on real monotonic time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class EmulatedClock(Protocol):
    def now_ms(self) -> int: ...


class Clock:
    """Epoch ms anchored at construction, advancing ``speed`` times faster than real time (the server itself runs at 1.0
    and compresses live lifecycles instead; a faster clock is for tools that want skewed time)."""

    def __init__(self, speed: float = 1.0, *, start_ms: int | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        self.speed = speed
        self.start_ms = int(time.time() * 1000) if start_ms is None else start_ms
        self._start_mono = time.monotonic()

    def now_ms(self) -> int:
        return self.start_ms + int((time.monotonic() - self._start_mono) * 1000 * self.speed)


class ManualClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self._now = start_ms
        self.start_ms = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now

    def advance(self, ms: int) -> int:
        with self._lock:
            self._now += ms
            return self._now

    def set(self, ms: int) -> None:
        with self._lock:
            self._now = ms
