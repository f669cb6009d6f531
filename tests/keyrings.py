"""Keyring backends for tests only (never shipped: backends self-register on import)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        try:
            del self.store[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None


class HangingKeyring(KeyringBackend):
    """Every call blocks until ``release`` is set (a locked collection waiting on an unseen prompt)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(30)
        return None

    def set_password(self, service, username, password):
        self.release.wait(30)

    def delete_password(self, service, username):
        self.release.wait(30)


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service, username, password):
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")
