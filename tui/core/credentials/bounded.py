"""Keyring calls bounded in time.

Each call runs in a daemon thread bounded by ``timeout`` (a locked Secret Service collection can
block forever on a prompt shown on a display nobody sees). Calls are serialised and, while a call is
stuck, further calls fail fast, so at most one thread ever leaks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from tui.core.credentials.sources import DEFAULT_TIMEOUT


class KeyringTimeout(TimeoutError):
    """A keyring call did not answer in time: locked, or waiting on a prompt nobody can see."""


_T = TypeVar("_T")
_call_slot = threading.Lock()  # held by the worker thread for the whole call
_state_lock = threading.Lock()
_stuck_thread: threading.Thread | None = None


def keyring_timed_out() -> bool:
    """True while an earlier keyring call is still stuck (then new calls fail fast)."""
    with _state_lock:
        return _stuck_thread is not None and _stuck_thread.is_alive()


def wait_for_stuck_call(timeout: float) -> bool:
    """Wait until a stuck keyring call ends (tests release their hanging backend, then call this)."""
    with _state_lock:
        thread = _stuck_thread
    if thread is not None:
        thread.join(timeout)
    return not keyring_timed_out()


def call_with_timeout(fn: Callable[..., _T], *args: Any, timeout: float = DEFAULT_TIMEOUT) -> _T:
    """Run ``fn(*args)`` in a daemon thread; raise :class:`KeyringTimeout` after ``timeout`` seconds."""
    global _stuck_thread
    if keyring_timed_out():
        raise KeyringTimeout("an earlier keyring call is still waiting (the keyring is locked or "
                             "waiting on a prompt you cannot see)")
    if not _call_slot.acquire(timeout=max(timeout, 0.0)):
        raise KeyringTimeout(f"the keyring is busy with another call that has not finished within {timeout:g}s")
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc
        finally:
            _call_slot.release()

    thread = threading.Thread(target=run, name="aepx-keyring-call", daemon=True)
    try:
        thread.start()
    except BaseException:
        _call_slot.release()
        raise
    thread.join(timeout)
    if thread.is_alive():
        with _state_lock:
            _stuck_thread = thread
        raise KeyringTimeout(f"the keyring did not answer within {timeout:g}s (it is locked or waiting "
                             f"on an unlock prompt you cannot see)")
    if "error" in box:
        raise box["error"]
    return box.get("value")  # type: ignore[return-value]
