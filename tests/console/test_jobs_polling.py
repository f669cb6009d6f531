"""Unit tests of the refresh bookkeeping (no Textual): guard, backoff, Retry-After, stale state."""

from __future__ import annotations

from tui.console.polling import MAX_BACKOFF_SECONDS, MIN_INTERVAL_SECONDS, PollState
from tui.core.errors import NetworkError, RateLimitedError


def test_guard_drops_a_second_start_until_the_first_ends():
    poll = PollState(interval=5)
    assert poll.try_start()
    assert not poll.try_start()
    poll.succeeded(100.0)
    assert poll.try_start()
    poll.released()
    assert poll.try_start()


def test_backoff_doubles_and_caps_then_success_resets():
    poll = PollState(interval=5)
    delays = []
    for _ in range(9):
        poll.try_start()
        delays.append(poll.failed(0.0, NetworkError("Cannot reach Platform; check the network.")))
    assert delays[:4] == [5, 10, 20, 40]
    assert delays[-1] == MAX_BACKOFF_SECONDS
    assert poll.stale and poll.error == "Cannot reach Platform; check the network."
    assert poll.succeeded(50.0) == 5 and not poll.stale and poll.failures == 0
    assert poll.last_ok == 50.0 and poll.next_at == 55.0


def test_retry_after_wins_when_longer():
    poll = PollState(interval=5)
    assert poll.failed(10.0, RateLimitedError("Slow down.", retry_after=90)) == 90
    assert poll.next_at == 100.0
    assert poll.failed(10.0, RateLimitedError("Slow down.", retry_after=1)) == 10  # backoff is longer


def test_interval_has_a_floor():
    assert PollState(interval=0).interval == MIN_INTERVAL_SECONDS
