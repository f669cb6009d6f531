"""Secret resolution: environment, pinned store, keyring, opt-in plaintext file, in that order
(see the package docstring), with the reasons and remedies when none has it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import keyring
import keyring.errors

from tui.core.credentials.backends import candidate_reasons, describe_error, keyring_status
from tui.core.credentials.bounded import call_with_timeout
from tui.core.credentials.plaintext import plaintext_store_path, read_plaintext_store
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
from tui.core.errors import CredentialsError
from tui.core.logging import register_secret
from tui.core.paths import loose_mode
from tui.core.profile import Profile
from tui.core.secret import Secret


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
                                f": {why}; {ways}.", why=self.problems[0] if self.problems else "")


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
    loose = loose_mode(path)
    if loose is not None:
        base.problems.append(f"the plaintext credentials file {path} is readable by other users "
                             f"(mode {loose:04o}), so it is not used; fix it with: chmod 600 {path}")
        base.remedies.append(f"chmod 600 {path}")
        return base
    try:
        secret = read_plaintext_store(path).get(profile.client_id)
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
            return _keyring_failure(result, describe_error(exc), isinstance(exc, TimeoutError))
        if value is not None and not isinstance(value, str):  # a broken or foreign backend
            return _keyring_failure(result, f"the keyring backend answered a {type(value).__name__} instead of "
                                            "text, so its entry cannot be used", False)
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
            result.problems.extend(candidate_reasons(timeout))
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
