"""The IMS access-token cache in the OS keyring."""

from __future__ import annotations

import contextlib
import json
import time

import keyring
import keyring.errors

from tui.core.credentials.backends import KeyringStatus
from tui.core.credentials.bounded import call_with_timeout
from tui.core.credentials.sources import DEFAULT_TIMEOUT, SERVICE
from tui.core.logging import register_secret


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
