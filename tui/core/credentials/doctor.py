"""The ``aepx creds doctor`` report: every source, the keyring backend and why not; never the secret."""

from __future__ import annotations

import os
import stat

from tui.core.credentials.backends import candidate_reasons, keyring_status
from tui.core.credentials.plaintext import plaintext_store_path, read_plaintext_store
from tui.core.credentials.resolve import resolve_secret
from tui.core.credentials.sources import DEFAULT_TIMEOUT, SECRET_ENV, SOURCE_LABELS
from tui.core.errors import CredentialsError
from tui.core.profile import Profile


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
            reasons = candidate_reasons(timeout)
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
        count = len(read_plaintext_store(path))
    except CredentialsError as exc:
        return f"Plaintext file store: {exc}"
    mode = stat.S_IMODE(path.stat().st_mode)
    return f"Plaintext file store: {path} (PLAINTEXT, {count} secret(s), mode {mode:04o})"
