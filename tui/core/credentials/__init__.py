"""Where the client secret comes from, and where access tokens are cached.

Order: ``AEPX_CLIENT_SECRET`` → the pinned store (``[credentials] store``) → the OS keyring (service
``aepx``, username = client id) when a *recommended* backend answers within a bounded time → the
plaintext file store, only if the user created it explicitly (``aepx login --plaintext-file``) →
nothing, with the reasons and the remedies. Never a silent plaintext fallback: nothing is ever
written in plaintext unless asked for, and every message about that file says "plaintext".

One module per job: ``sources`` (names, labels, remedies), ``bounded`` (keyring calls with a
deadline), ``backends`` (which keyring, and why not), ``plaintext`` (the opt-in file), ``resolve``
(finding a secret), ``store`` (storing and deleting one), ``tokens`` (the access-token cache),
``doctor`` (the ``aepx creds doctor`` report). Callers import from this package.
"""

from __future__ import annotations

from tui.core.credentials import backends, bounded, plaintext
from tui.core.credentials.backends import (
    CANDIDATES,
    KeyringStatus,
    backend_label,
    keyring_status,
    why_no_keyring,
)
from tui.core.credentials.bounded import (
    KeyringTimeout,
    call_with_timeout,
    keyring_timed_out,
    wait_for_stuck_call,
)
from tui.core.credentials.doctor import doctor_report
from tui.core.credentials.plaintext import plaintext_store_path
from tui.core.credentials.resolve import SecretResolution, prompt_resolution, resolve_secret
from tui.core.credentials.sources import (
    DEFAULT_TIMEOUT,
    REMEDY_DBUS,
    REMEDY_ENV,
    REMEDY_FILE,
    REMEDY_PROMPT,
    REMEDY_UNLOCK,
    SECRET_ENV,
    SERVICE,
    SOURCE_LABELS,
    SecretSource,
)
from tui.core.credentials.store import delete_secret, store_secret
from tui.core.credentials.tokens import KeyringTokenStore, token_store_for, token_username

__all__ = [
    "CANDIDATES",
    "DEFAULT_TIMEOUT",
    "REMEDY_DBUS",
    "REMEDY_ENV",
    "REMEDY_FILE",
    "REMEDY_PROMPT",
    "REMEDY_UNLOCK",
    "SECRET_ENV",
    "SERVICE",
    "SOURCE_LABELS",
    "KeyringStatus",
    "KeyringTimeout",
    "KeyringTokenStore",
    "SecretResolution",
    "SecretSource",
    "backend_label",
    "backends",
    "bounded",
    "call_with_timeout",
    "delete_secret",
    "doctor_report",
    "keyring_status",
    "keyring_timed_out",
    "plaintext",
    "plaintext_store_path",
    "prompt_resolution",
    "resolve_secret",
    "store_secret",
    "token_store_for",
    "token_username",
    "wait_for_stuck_call",
    "why_no_keyring",
]
