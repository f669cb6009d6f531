"""Where the client secret comes from, and where access tokens are cached.

Order: ``AEPX_CLIENT_SECRET`` → the pinned store (``[credentials] store``) → the OS keyring (service
``aepx``, username = client id) when a *recommended* backend answers within a bounded time → the
plaintext file store, only if the user created it explicitly (``aepx login --plaintext-file``) →
nothing, with the reasons and the remedies. Never a silent plaintext fallback: nothing is ever
written in plaintext unless asked for, and every message about that file says "plaintext".

Keyring calls run in a daemon thread bounded by ``timeout`` (a locked Secret Service collection
can block forever on a prompt shown on a display nobody sees). Calls are serialised and, while a
call is stuck, further calls fail fast, so at most one thread ever leaks.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import stat
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.errors
import platformdirs
import tomli_w

from tui.core.config import atomic_write
from tui.core.errors import CredentialsError
from tui.core.logging import register_secret
from tui.core.profile import Profile
from tui.core.secret import Secret

SERVICE = "aepx"
SECRET_ENV = "AEPX_CLIENT_SECRET"
DEFAULT_TIMEOUT = 3.0
_PROBE_USER = "__aepx_probe__"


class SecretSource:
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    FILE = "file"  # opt-in plaintext store
    PROMPT = "prompt"  # entered in the console, kept in memory for this run
    NONE = "none"


SOURCE_LABELS = {
    SecretSource.ENVIRONMENT: "the AEPX_CLIENT_SECRET environment variable",
    SecretSource.KEYRING: "the OS keyring",
    SecretSource.FILE: "the plaintext credentials file",
    SecretSource.PROMPT: "a prompt (kept in memory for this run only)",
    SecretSource.NONE: "nowhere",
}

REMEDY_ENV = ("Set it for this shell without leaving it in the shell history: "
              "read -rs AEPX_CLIENT_SECRET; export AEPX_CLIENT_SECRET")
REMEDY_DBUS = ("Use a Secret Service keyring over SSH: dbus-run-session -- sh, then "
               "echo -n PW | gnome-keyring-daemon --unlock --components=secrets, then aepx login")
REMEDY_FILE = ("Or store it in the opt-in PLAINTEXT file (not encrypted, mode 0600): "
               "aepx login --plaintext-file")
REMEDY_PROMPT = "In the console, enter it when asked: it is kept in memory for this run only"
REMEDY_UNLOCK = ("Unlock the keyring first (e.g. echo -n PW | gnome-keyring-daemon --unlock "
                 "--components=secrets inside dbus-run-session), or answer its unlock prompt")


# --- bounded keyring calls -----------------------------------------------------------------------
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


# --- which keyring, and why not ------------------------------------------------------------------
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


def _human_candidate_reasons(timeout: float) -> list[str]:
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


def _describe_error(exc: BaseException) -> str:
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
                                               f"{_describe_error(exc)}", isinstance(exc, TimeoutError),
                             type(exc).__name__)
    label = backend_label(backend)
    rejection = _rejection(backend)
    if rejection:
        return KeyringStatus(False, label, rejection)
    try:
        call_with_timeout(backend.get_password, SERVICE, _PROBE_USER, timeout=timeout)  # type: ignore[attr-defined]
    except Exception as exc:
        return KeyringStatus(False, label, _describe_error(exc), isinstance(exc, TimeoutError),
                             type(exc).__name__)
    return KeyringStatus(True, label, "answered")


# --- the opt-in plaintext file store -------------------------------------------------------------
_FILE_HEADER = (
    "# aepx PLAINTEXT credentials: client secrets stored WITHOUT encryption (mode 0600).\n"
    "# Created on request by `aepx login --plaintext-file`; remove with `aepx logout`.\n"
)


def plaintext_store_path() -> Path:
    return platformdirs.user_data_path("aepx") / "credentials.toml"


def _read_plaintext_store(path: Path) -> dict[str, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CredentialsError(f"Cannot read the plaintext credentials file {path}: "
                               f"{exc.strerror or exc}.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise CredentialsError(f"The plaintext credentials file {path} is damaged; delete it and run "
                               f"aepx login --plaintext-file again.") from None
    secrets = data.get("client_secrets", {})
    if not isinstance(secrets, dict):
        raise CredentialsError(f"The plaintext credentials file {path} is damaged ([client_secrets] is "
                               f"not a table); delete it and run aepx login --plaintext-file again.")
    return {str(key): value for key, value in secrets.items() if isinstance(value, str)}


def _write_plaintext_store(path: Path, secrets: dict[str, str]) -> None:
    if not secrets:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    body = tomli_w.dumps({"client_secrets": dict(sorted(secrets.items()))})
    atomic_write(path, (_FILE_HEADER + body).encode("utf-8"))


def _loose_mode(path: Path) -> int | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None


# --- resolution ----------------------------------------------------------------------------------
@dataclass
class SecretResolution:
    secret: Secret | None
    source: str
    backend: str = ""
    problems: list[str] = field(default_factory=list)
    remedies: list[str] = field(default_factory=list)
    client_id: str = ""

    @property
    def found(self) -> bool:
        return self.secret is not None

    @property
    def is_plaintext(self) -> bool:
        return self.source == SecretSource.FILE

    def explain(self) -> str:
        """Multi-line human text: where the secret came from, or why there is none and what to do."""
        who = f" for client id {self.client_id}" if self.client_id else ""
        if self.secret is not None:
            where = SOURCE_LABELS.get(self.source, self.source)
            if self.backend:
                where += f" ({self.backend})"
            lines = [f"Client secret{who} from {where}."]
        else:
            lines = [f"No client secret found{who}."]
        if self.problems:
            lines.append("Why:" if self.secret is None else "Notes:")
            lines.extend(f"  - {problem}" for problem in self.problems)
        if self.remedies:
            lines.append("Ways to provide it:")
            lines.extend(f"  - {remedy}" for remedy in self.remedies)
        return "\n".join(lines)

    def error(self) -> CredentialsError:
        """The exit-3 error for a command that found no secret."""
        why = "; ".join(self.problems[:2]) or "it is not stored anywhere"
        ways = ("set AEPX_CLIENT_SECRET (read -rs AEPX_CLIENT_SECRET; export AEPX_CLIENT_SECRET), "
                "run aepx login, or run aepx creds doctor for the details")
        return CredentialsError(f"No client secret{' for client id ' + self.client_id if self.client_id else ''}"
                                f": {why}; {ways}.")


def prompt_resolution(secret: Secret, profile: Profile | None = None) -> SecretResolution:
    """The resolution for a secret typed into the console: memory only, for this run."""
    register_secret(secret.reveal())
    return SecretResolution(secret, SecretSource.PROMPT, "memory",
                            client_id=profile.client_id if profile else "")


def resolve_secret(profile: Profile, *, store: str | None = None,
                   timeout: float = DEFAULT_TIMEOUT) -> SecretResolution:
    """Find the client secret for ``profile`` (see the module docstring for the order).

    Blocks for at most about twice ``timeout`` (a probe and a read): from the console, call it in a
    thread worker. A keyring that is locked or does not answer is reported, never bypassed.
    """
    from_env = os.environ.get(SECRET_ENV, "")
    if from_env.strip():
        register_secret(from_env)
        return SecretResolution(Secret(from_env), SecretSource.ENVIRONMENT, SECRET_ENV,
                                client_id=profile.client_id)
    if not profile.client_id:
        return SecretResolution(None, SecretSource.NONE, problems=[
            f"profile {profile.name!r} has no client_id, so no stored secret can be looked up"],
            remedies=[REMEDY_ENV], client_id="")
    if store == SecretSource.FILE:
        return _resolve_from_file(profile, pinned=True)
    if store == SecretSource.PROMPT:
        return SecretResolution(None, SecretSource.NONE, problems=[
            "[credentials] store = \"prompt\": the secret is asked for in the console on each run"],
            remedies=[REMEDY_PROMPT, REMEDY_ENV], client_id=profile.client_id)
    return _resolve_from_keyring(profile, pinned=store == SecretSource.KEYRING, timeout=timeout)


def _resolve_from_file(profile: Profile, *, pinned: bool) -> SecretResolution:
    path = plaintext_store_path()
    base = SecretResolution(None, SecretSource.NONE, "plaintext file", client_id=profile.client_id)
    loose = _loose_mode(path)
    if loose is not None:
        base.problems.append(f"the plaintext credentials file {path} is readable by other users "
                             f"(mode {loose:04o}), so it is not used; fix it with: chmod 600 {path}")
        base.remedies.append(f"chmod 600 {path}")
        return base
    try:
        secret = _read_plaintext_store(path).get(profile.client_id)
    except CredentialsError as exc:
        base.problems.append(str(exc))
        return base
    if secret:
        register_secret(secret)
        return SecretResolution(Secret(secret), SecretSource.FILE, f"plaintext file {path}",
                                problems=[f"the secret is stored in PLAINTEXT in {path}"],
                                client_id=profile.client_id)
    if pinned:
        base.problems.append(f"[credentials] store = \"file\", and the plaintext credentials file {path} "
                             f"holds no secret for client id {profile.client_id}")
        base.remedies.extend(["Store it there: aepx login --plaintext-file", REMEDY_ENV])
    return base


def _resolve_from_keyring(profile: Profile, *, pinned: bool, timeout: float) -> SecretResolution:
    status = keyring_status(timeout)
    result = SecretResolution(None, SecretSource.NONE, status.backend, client_id=profile.client_id)
    if status.usable:
        try:
            value = call_with_timeout(keyring.get_password, SERVICE, profile.client_id, timeout=timeout)
        except Exception as exc:
            return _keyring_failure(result, _describe_error(exc), isinstance(exc, TimeoutError))
        if value:
            register_secret(value)
            return SecretResolution(Secret(value), SecretSource.KEYRING, status.backend,
                                    client_id=profile.client_id)
        result.problems.append(f"the OS keyring ({status.backend}) has no secret for client id "
                               f"{profile.client_id} (service {SERVICE!r})")
        result.remedies.extend(["Store it in the keyring: aepx login", REMEDY_ENV])
    elif status.timed_out:
        return _keyring_failure(result, status.reason, True)
    elif status.error in ("KeyringLocked", "InitError"):
        return _keyring_failure(result, status.reason, True)
    else:
        result.problems.append(f"no usable OS keyring: {status.reason}")
        if "no recommended" in status.reason:
            result.problems.extend(_human_candidate_reasons(timeout))
        result.remedies.extend([REMEDY_ENV, REMEDY_DBUS, REMEDY_FILE, REMEDY_PROMPT])
    if not pinned:  # a plaintext file exists only if the user chose it (aepx login --plaintext-file)
        from_file = _resolve_from_file(profile, pinned=False)
        if from_file.secret is not None:
            return from_file
        if from_file.problems:  # e.g. the file is readable by others
            return _merge(result, from_file)
    return result


def _merge(first: SecretResolution, second: SecretResolution) -> SecretResolution:
    problems = list(dict.fromkeys(first.problems + second.problems))
    remedies = list(dict.fromkeys(first.remedies + second.remedies))
    return SecretResolution(None, SecretSource.NONE, first.backend, problems, remedies, first.client_id)


def _keyring_failure(result: SecretResolution, reason: str, unlockable: bool) -> SecretResolution:
    """The keyring exists but could not be read: say so, and do not fall back to anything else."""
    result.problems.append(f"the OS keyring could not be read: {reason}")
    if unlockable:
        result.remedies.append(REMEDY_UNLOCK)
    result.remedies.extend([REMEDY_ENV, REMEDY_PROMPT])
    return result


# --- storing and deleting ------------------------------------------------------------------------
def store_secret(profile: Profile, secret: Secret, *, plaintext_file: bool = False,
                 timeout: float = DEFAULT_TIMEOUT) -> str:
    """Store the client secret; returns a description of where it went.

    Raises CredentialsError (exit 3) when no usable keyring exists and the plaintext file store
    was not chosen explicitly.
    """
    if not profile.client_id:
        raise CredentialsError(f"Profile {profile.name!r} has no client_id; add it to the config "
                               f"(aepx config init) before storing a secret.")
    if not secret:
        raise CredentialsError("The client secret is empty; nothing was stored.")
    register_secret(secret.reveal())
    if plaintext_file:
        path = plaintext_store_path()
        secrets = _read_plaintext_store(path)
        secrets[profile.client_id] = secret.reveal()
        try:
            _write_plaintext_store(path, secrets)
        except OSError as exc:
            raise CredentialsError(f"Cannot write the plaintext credentials file {path}: "
                                   f"{exc.strerror or exc}.") from None
        return f"the PLAINTEXT credentials file {path} (not encrypted, mode 0600)"
    status = keyring_status(timeout)
    if not status.usable:
        raise CredentialsError(
            f"Cannot store the client secret: no usable OS keyring ({status.reason}); set "
            f"AEPX_CLIENT_SECRET instead (read -rs AEPX_CLIENT_SECRET; export AEPX_CLIENT_SECRET), unlock "
            f"a Secret Service keyring (dbus-run-session -- sh; gnome-keyring-daemon --unlock), or store it "
            f"in a plaintext file on purpose with aepx login --plaintext-file.")
    try:
        call_with_timeout(keyring.set_password, SERVICE, profile.client_id, secret.reveal(), timeout=timeout)
    except Exception as exc:
        raise CredentialsError(f"Cannot store the client secret in the OS keyring ({status.backend}): "
                               f"{_describe_error(exc)}; set AEPX_CLIENT_SECRET instead, or use "
                               f"aepx login --plaintext-file.") from None
    return f"the OS keyring ({status.backend})"


def delete_secret(profile: Profile, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Remove the client secret and cached token from every store; returns where something was removed."""
    removed: list[str] = []
    if not profile.client_id:
        return removed
    status = keyring_status(timeout)
    if status.usable:
        for username, what in ((profile.client_id, "client secret"),
                               (token_username(profile.token_cache_key), "cached access token"),
                               (token_username(profile.client_id), "cached access token (older aepx)")):
            try:
                call_with_timeout(keyring.delete_password, SERVICE, username, timeout=timeout)
            except keyring.errors.PasswordDeleteError:
                continue
            except Exception as exc:
                raise CredentialsError(f"Cannot remove the {what} from the OS keyring ({status.backend}): "
                                       f"{_describe_error(exc)}.") from None
            removed.append(f"{what} in the OS keyring ({status.backend})")
    path = plaintext_store_path()
    secrets = _read_plaintext_store(path)
    if secrets.pop(profile.client_id, None) is not None:
        _write_plaintext_store(path, secrets)
        removed.append(f"client secret in the PLAINTEXT credentials file {path}")
    return removed


# --- access-token cache ---------------------------------------------------------------------------
def token_username(key: str) -> str:
    """The keyring user name of a cached token; ``key`` is ``Profile.token_cache_key`` (older aepx versions
    used the bare client id, which let a profile pointing elsewhere receive the token)."""
    return f"{key}:access_token"


class KeyringTokenStore:
    """Caches IMS access tokens in the OS keyring (``TokenStore`` protocol of the API layer).

    Every call is bounded; any failure is silent (``load`` → None, ``save`` → no-op) and, after
    one failure, the store stops touching the keyring for the rest of the process. Calls block
    for at most ``timeout``: from async code run them with ``asyncio.to_thread``.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, *, skew: float = 60.0) -> None:
        self.timeout = timeout
        self.skew = skew
        self._disabled = False

    def load(self, client_id: str) -> tuple[str, float] | None:
        if self._disabled or not client_id:
            return None
        try:
            raw = call_with_timeout(keyring.get_password, SERVICE, token_username(client_id),
                                    timeout=self.timeout)
        except Exception:
            self._disabled = True
            return None
        return self._parse(raw)

    def _parse(self, raw: object) -> tuple[str, float] | None:
        if not isinstance(raw, str):
            return None
        try:
            data = json.loads(raw)
            token, expires_at = data["access_token"], float(data["expires_at"])
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(token, str) or not token or expires_at <= time.time() + self.skew:
            return None
        register_secret(token)
        return token, expires_at

    def save(self, client_id: str, token: str, expires_at: float) -> None:
        if self._disabled or not client_id or not token:
            return
        register_secret(token)
        value = json.dumps({"access_token": token, "expires_at": float(expires_at)})
        try:
            call_with_timeout(keyring.set_password, SERVICE, token_username(client_id), value,
                              timeout=self.timeout)
        except Exception:
            self._disabled = True

    def clear(self, client_id: str) -> None:
        if self._disabled or not client_id:
            return
        with contextlib.suppress(Exception):
            call_with_timeout(keyring.delete_password, SERVICE, token_username(client_id),
                              timeout=self.timeout)


def token_store_for(status: KeyringStatus) -> KeyringTokenStore | None:
    """A keyring token cache when the keyring is usable; None means tokens stay in memory only."""
    return KeyringTokenStore() if status.usable else None


# --- diagnosis -----------------------------------------------------------------------------------
def doctor_report(profile: Profile | None, *, store: str | None = None,
                  timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Lines for ``aepx creds doctor``: sources, keyring backend and why not, never the secret."""
    lines: list[str] = []
    shown: set[str] = set()
    if profile is None:
        lines.append("Profile: none configured (run aepx config init)")
    else:
        lines.append(f"Profile: {profile.name} (client id {profile.client_id or 'missing'}, "
                     f"org {profile.org_id}, sandbox {profile.sandbox})")
    env_set = bool(os.environ.get(SECRET_ENV, "").strip())
    lines.append(f"{SECRET_ENV}: {'set (used first)' if env_set else 'not set'}")
    status = keyring_status(timeout)
    if status.usable:
        lines.append(f"Keyring: {status.backend}: usable")
    else:
        lines.append(f"Keyring: {status.backend}: not usable: {status.reason}")
        if "no recommended" in status.reason:
            reasons = _human_candidate_reasons(timeout)
            shown.update(reasons)
            lines.extend(f"  {reason}" for reason in reasons)
    pinned = store or "not set (environment, keyring, then an opt-in plaintext file)"
    lines.append(f"Pinned store ([credentials] store): {pinned}")
    lines.append(_plaintext_line())
    if profile is not None:
        resolution = resolve_secret(profile, store=store, timeout=timeout)
        if resolution.secret is not None:
            where = SOURCE_LABELS.get(resolution.source, resolution.source)
            lines.append(f"Client secret: found in {where}" + (f" ({resolution.backend})"
                                                             if resolution.backend else ""))
        else:
            lines.append("Client secret: not found")
        lines.extend(f"  why: {problem}" for problem in resolution.problems if problem not in shown)
        lines.extend(f"  fix: {remedy}" for remedy in resolution.remedies)
    return lines


def _plaintext_line() -> str:
    path = plaintext_store_path()
    if not path.exists():
        return f"Plaintext file store: not in use ({path} does not exist)"
    try:
        count = len(_read_plaintext_store(path))
    except CredentialsError as exc:
        return f"Plaintext file store: {exc}"
    mode = stat.S_IMODE(path.stat().st_mode)
    return f"Plaintext file store: {path} (PLAINTEXT, {count} secret(s), mode {mode:04o})"
