"""Which keyring backend is in use, whether it is a recommended store for secrets, and why not."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import keyring
import keyring.errors

from tui.core.credentials.bounded import KeyringTimeout, call_with_timeout, keyring_timed_out
from tui.core.credentials.sources import DEFAULT_TIMEOUT, PROBE_USER, SERVICE

_T = TypeVar("_T")

if sys.platform == "darwin":
    CANDIDATES: tuple[tuple[str, str], ...] = (("keyring.backends.macOS.Keyring", "macOS Keychain"),)
elif sys.platform == "win32":
    CANDIDATES = (("keyring.backends.Windows.WinVaultKeyring", "Windows Credential Locker"),)
else:
    CANDIDATES = (
        ("keyring.backends.SecretService.Keyring", "Secret Service"),
        ("keyring.backends.libsecret.Keyring", "libsecret"),
        ("keyring.backends.kwallet.DBusKeyring", "KWallet"),
    )
_REJECTED_WORDS = ("fail", "null", "plaintext", "encrypted")


@dataclass(frozen=True)
class KeyringStatus:
    usable: bool
    backend: str
    reason: str
    timed_out: bool = False
    #: The exception class behind ``reason`` ("KeyringLocked", "InitError", "KeyringTimeout", ...).
    error: str = ""


def backend_label(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: object) -> float | None:
    try:
        return float(backend.priority)  # type: ignore[attr-defined]
    except Exception:
        return None


def _rejection(backend: object) -> str | None:
    """Why ``backend`` is not a recommended store for secrets, or None when it is."""
    cls = type(backend)
    label = f"{cls.__module__}.{cls.__name__}".lower()
    children = getattr(backend, "backends", None)
    if cls.__name__ == "ChainerBackend" or (isinstance(children, list | tuple) and "chainer" in label):
        try:
            members = list(children or [])
        except Exception as exc:
            return f"chained backends could not be listed ({type(exc).__name__}: {exc})"
        if not members:
            return "the chainer backend has no backend to chain"
        reasons = [f"{backend_label(m)}: {why}" for m in members if (why := _rejection(m))]
        return "it chains a non-recommended backend (" + "; ".join(reasons) + ")" if reasons else None
    if "null" in label:
        return "the null backend silently discards secrets (set by PYTHON_KEYRING_BACKEND or keyringrc.cfg)"
    if "fail" in label:
        return "no recommended keyring backend is available"
    if "plaintext" in label or "encrypted" in label:
        return ("keyrings.alt file backends are not used (plaintext, or encrypted with a terminal "
                "prompt); to store the secret in a file on purpose use aepx login --plaintext-file")
    priority = _priority(backend)
    if priority is None:
        return "its priority cannot be determined"
    if priority < 1:
        return f"its priority is {priority:g}, below the recommended 1"
    return None


def why_no_keyring() -> list[tuple[str, str]]:
    """For each OS keyring backend keyring knows, why it is viable or not (``priority`` errors)."""
    results: list[tuple[str, str]] = []
    for path, _label in CANDIDATES:
        module, _, name = path.rpartition(".")
        try:
            results.append((path, f"viable, priority {getattr(importlib.import_module(module), name).priority:g}"))
        except Exception as exc:
            results.append((path, f"{type(exc).__name__}: {exc}"))
    return results


def candidate_reasons(timeout: float) -> list[str]:
    """Plain-language reasons from :func:`why_no_keyring` (bounded: priority may touch D-Bus)."""
    try:
        results = _bounded_once(why_no_keyring, timeout)
    except TimeoutError:
        return ["Probing the OS keyring backends did not finish in time (a D-Bus call hangs)"]
    labels = dict(CANDIDATES)
    lines = []
    for path, reason in results:
        if reason.startswith("viable") or "ModuleNotFoundError" in reason or "No module named" in reason:
            continue
        text = reason.split(": ", 1)[-1]
        if "DBUS_SESSION_BUS_ADDRESS" in text:
            text = text.replace("Unable to initialize SecretService: ", "")
            text += " (typical for SSH logins)"
        lines.append(f"No {labels[path]}: {text}")
    return lines


def _bounded_once(fn: Callable[[], _T], timeout: float) -> _T:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name="aepx-keyring-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError("probe did not finish")
    if "error" in box:
        raise box["error"]
    return box["value"]


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, KeyringTimeout):
        return str(exc)
    if isinstance(exc, keyring.errors.KeyringLocked):
        return f"the keyring is locked ({exc})"
    if isinstance(exc, keyring.errors.InitError):
        return f"the keyring could not be opened ({exc}); no unlock prompt can be shown here"
    if isinstance(exc, keyring.errors.NoKeyringError):
        return "no recommended keyring backend is available"
    return f"{type(exc).__name__}: {exc}"


def _current_backend(timeout: float) -> object:
    return call_with_timeout(keyring.get_keyring, timeout=timeout)


def keyring_status(timeout: float = DEFAULT_TIMEOUT) -> KeyringStatus:
    """Whether the OS keyring can be used now: a recommended backend that answers within ``timeout``."""
    if keyring_timed_out():
        return KeyringStatus(False, "unknown", "an earlier keyring call is still waiting (the keyring is "
                                               "locked or waiting on an unlock prompt you cannot see)",
                             True, "KeyringTimeout")
    try:
        backend = _current_backend(timeout)
    except Exception as exc:  # ModuleNotFoundError for a mistyped PYTHON_KEYRING_BACKEND, timeouts
        return KeyringStatus(False, "unknown", f"the keyring backend could not be loaded: "
                                               f"{describe_error(exc)}", isinstance(exc, TimeoutError),
                             type(exc).__name__)
    label = backend_label(backend)
    rejection = _rejection(backend)
    if rejection:
        return KeyringStatus(False, label, rejection)
    try:
        call_with_timeout(backend.get_password, SERVICE, PROBE_USER, timeout=timeout)  # type: ignore[attr-defined]
    except Exception as exc:
        return KeyringStatus(False, label, describe_error(exc), isinstance(exc, TimeoutError),
                             type(exc).__name__)
    return KeyringStatus(True, label, "answered")
