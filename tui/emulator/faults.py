"""Fault injection for Platform calls: 429 (two shapes), 5xx, latency, and file bodies cut mid-way.

The decision is made before a request touches any state, so a faulted request changes nothing.
The fault sequence is seeded, hence reproducible for a given seed and request order.
"""

from __future__ import annotations

import asyncio
import random
import threading

from starlette.responses import JSONResponse, Response

from tui.emulator.responses import gateway, problem
from tui.emulator.settings import EmulatorSettings

_5XX = (
    (500, "InternalServerError", "An unexpected error occurred in the service (injected by the emulator)."),
    (502, "BadGateway", "The upstream service returned an invalid response (injected by the emulator)."),
    (503, "ServiceUnavailable", "The service is temporarily unavailable; retry later (injected by the emulator)."),
)


class Faults:
    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self._rng = random.Random(f"{settings.seed}:faults")
        self._lock = threading.Lock()
        self._count_429 = 0
        self.sleep = asyncio.sleep  # replaceable in tests

    async def delay(self) -> None:
        low, high = self.settings.latency_ms
        if high <= 0:
            return
        with self._lock:
            ms = self._rng.uniform(low, high)
        await self.sleep(ms / 1000)

    def decide(self) -> Response | None:
        """The injected fault response for this call, or ``None`` to serve it normally."""
        s = self.settings
        if s.fault_rate_429 <= 0 and s.fault_rate_5xx <= 0:
            return None
        with self._lock:
            roll = self._rng.random()
            if roll < s.fault_rate_429:
                self._count_429 += 1
                return too_many(self._count_429 % 2 == 1)
            if roll < s.fault_rate_429 + s.fault_rate_5xx:
                status, title, detail = self._rng.choice(_5XX)
                return problem(status, title, detail)
        return None


    def cut_at(self, length: int) -> int | None:
        """Where to cut a file body of ``length`` bytes (``--fault-rate-cut``), or ``None`` to send it all."""
        if self.settings.fault_rate_cut <= 0 or length < 2:
            return None
        with self._lock:
            if self._rng.random() >= self.settings.fault_rate_cut:
                return None
            return self._rng.randint(1, length - 1)


def too_many(gateway_shape: bool) -> Response:
    """429 in the gateway shape with ``Retry-After``, or the UPS array with ``retryAfterMs`` and no header."""
    if gateway_shape:
        return gateway(429, "429050", "Too many requests", headers={"Retry-After": "1"})
    return JSONResponse([{"message": "Too many requests", "cause": '{"Errors":["Request rate is large"]}',
                          "retryAfterMs": "500", "statusCode": "429"}], status_code=429)
