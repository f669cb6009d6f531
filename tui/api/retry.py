"""Retries for idempotent Platform calls: capped exponential backoff with jitter inside a total deadline.

Written by hand rather than with stamina because the rules are specific and small: waits suggested by
the server (``Retry-After`` in seconds or as an HTTP date, or a body ``retryAfterMs``) must be capped
by us and counted against the same total deadline as our own backoff (stamina's hook waits are not
capped by its timeout), the sleep and the clock must be injectable so tests never really sleep, and no
library log hook may record call arguments. No ``httpx`` here: decisions are made on our own errors.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tui.api.mapping import ConnectFailed, NameNotResolved, parse_retry_after
from tui.core.errors import AepxError, ApiTimeoutError, NetworkError, RateLimitedError, ServerError

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "call_with_retries", "is_retryable", "parse_retry_after"]

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class RetryPolicy:
    """How long and how often to retry. ``deadline`` bounds the whole call, waits included."""

    deadline: float = 60.0
    wait_cap: float = 30.0
    base: float = 0.5
    max_attempts: int = 8
    sleep: Sleep = field(default=asyncio.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)
    jitter: Callable[[], float] = field(default=random.random)

    def backoff(self, attempt: int) -> float:
        """Exponential wait for retry number ``attempt`` (0-based), capped, with jitter in [½, 1]."""
        ceiling = min(self.wait_cap, self.base * (2 ** min(attempt, 30)))
        return ceiling / 2 + self.jitter() * ceiling / 2

    def wait_before_retry(self, attempt: int, error: AepxError) -> float:
        """The server's hint when it gave one (capped), else our own backoff."""
        hinted = getattr(error, "retry_after", None)
        if isinstance(hinted, int | float) and hinted >= 0:
            return min(self.wait_cap, float(hinted))
        return self.backoff(attempt)


def is_retryable(error: AepxError) -> bool:
    """Connect failures (the request never left), 429 and the transient 5xx statuses. Not a host name that
    does not resolve: DNS answers are cached and retrying for a minute only delays the sentence."""
    if isinstance(error, NameNotResolved):
        return False
    if isinstance(error, ConnectFailed):
        return True
    if isinstance(error, RateLimitedError):
        return True
    return isinstance(error, ServerError) and error.status in RETRYABLE_STATUSES


def is_retryable_idempotent(error: AepxError) -> bool:
    """For GET and DELETE also a connection that broke mid-request: resending them is harmless, and the
    commonest cause is a kept-alive connection the server closed just as it was reused."""
    return is_retryable(error) or type(error) is NetworkError


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    should_retry: Callable[[AepxError], bool] = is_retryable,
    *,
    what: str = "The request",
) -> T:
    """Run ``call`` until it succeeds, fails for good, or the next wait would pass the deadline.

    The deadline bounds the attempts too: a retry still running when it passes is cut short (each attempt
    also has its own whole-response deadline in the transport). The last error is raised unchanged, so
    callers see the real reason (e.g. the 503's server text).
    """
    started = policy.clock()
    attempt = 0
    last: AepxError | None = None
    while True:
        remaining = policy.deadline - (policy.clock() - started)
        try:
            if remaining > 0:
                async with asyncio.timeout(remaining):
                    return await call()
            return await call()
        except TimeoutError:  # the deadline passed during an attempt: the previous answer says why
            raise (last or ApiTimeoutError(
                f"{what} failed because it did not complete within its {policy.deadline:g} s deadline; the "
                "service may be slow, so try again later.")) from None
        except AepxError as error:
            last = error
            if not should_retry(error) or attempt + 1 >= policy.max_attempts:
                raise
            wait = policy.wait_before_retry(attempt, error)
            if policy.clock() - started + wait > policy.deadline:
                raise
            await policy.sleep(wait)
            attempt += 1
