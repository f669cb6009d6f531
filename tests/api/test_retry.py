"""The retry loop: what is retried, the server's waits (capped), the total deadline. No real sleeps."""

from __future__ import annotations

import pytest

from tui.api.mapping import ConnectFailed
from tui.api.retry import RetryPolicy, call_with_retries, is_retryable
from tui.core.errors import ApiTimeoutError, InvalidRequestError, NetworkError, RateLimitedError, ServerError


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def policy(clock: FakeClock, **kw) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, jitter=lambda: 1.0, **kw)


def failing(*errors):
    calls = []

    async def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "ok"

    return call, calls


@pytest.mark.parametrize("error", [
    ConnectFailed("x"), RateLimitedError("x", status=429), ServerError("x", status=500),
    ServerError("x", status=502), ServerError("x", status=503), ServerError("x", status=504)])
def test_retryable(error):
    assert is_retryable(error)


@pytest.mark.parametrize("error", [
    ServerError("x", status=501), InvalidRequestError("x", status=400), ApiTimeoutError("x"), NetworkError("x")])
def test_not_retryable(error):
    assert not is_retryable(error)


async def test_backoff_grows_and_succeeds():
    clock = FakeClock()
    call, calls = failing(ServerError("a", status=503), ServerError("b", status=503), ConnectFailed("c"))
    assert await call_with_retries(call, policy(clock)) == "ok"
    assert len(calls) == 4
    assert clock.waits == [0.5, 1.0, 2.0]


async def test_server_wait_is_honoured_and_capped():
    clock = FakeClock()
    call, _ = failing(RateLimitedError("a", retry_after=3.0), RateLimitedError("b", retry_after=500.0))
    assert await call_with_retries(call, policy(clock, wait_cap=10.0, deadline=100.0)) == "ok"
    assert clock.waits == [3.0, 10.0]


async def test_gives_up_when_the_next_wait_passes_the_deadline():
    clock = FakeClock()
    last = RateLimitedError("last", retry_after=8.0)
    call, calls = failing(RateLimitedError("a", retry_after=4.0), last)
    with pytest.raises(RateLimitedError) as info:
        await call_with_retries(call, policy(clock, deadline=10.0))
    assert info.value is last
    assert len(calls) == 2 and clock.waits == [4.0]


async def test_attempts_are_bounded():
    clock = FakeClock()
    call, calls = failing(*[ServerError("x", status=503)] * 20)
    with pytest.raises(ServerError):
        await call_with_retries(call, policy(clock, max_attempts=3, deadline=1e9))
    assert len(calls) == 3


async def test_non_retryable_raises_at_once():
    clock = FakeClock()
    call, calls = failing(InvalidRequestError("bad", status=400))
    with pytest.raises(InvalidRequestError):
        await call_with_retries(call, policy(clock))
    assert len(calls) == 1 and clock.waits == []


def test_jitter_stays_within_half_and_full_ceiling():
    p = RetryPolicy(jitter=lambda: 0.0, wait_cap=4.0)
    assert p.backoff(0) == 0.25 and p.backoff(10) == 2.0
    p.jitter = lambda: 1.0
    assert p.backoff(10) == 4.0
