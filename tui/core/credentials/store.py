"""Storing a client secret (keyring, or the plaintext file on request) and deleting it everywhere."""

from __future__ import annotations

import keyring
import keyring.errors

from tui.core.credentials.backends import describe_error, keyring_status
from tui.core.credentials.bounded import call_with_timeout
from tui.core.credentials.plaintext import plaintext_store_path, read_plaintext_store, write_plaintext_store
from tui.core.credentials.sources import DEFAULT_TIMEOUT, SERVICE
from tui.core.credentials.tokens import token_username
from tui.core.errors import CredentialsError
from tui.core.logging import register_secret
from tui.core.profile import Profile
from tui.core.secret import Secret


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
        secrets = read_plaintext_store(path)
        secrets[profile.client_id] = secret.reveal()
        try:
            write_plaintext_store(path, secrets)
        except OSError as exc:
            raise CredentialsError(f"Cannot write the plaintext credentials file {path}: "
                                   f"{exc.strerror or exc}.") from None
        return f"the PLAINTEXT credentials file {path} (not encrypted, mode 0600)"
    status = keyring_status(timeout)
    if not status.usable:
        raise CredentialsError(
            f"Cannot store the client secret: no usable OS keyring ({status.reason}); export "
            f"AEPX_CLIENT_SECRET instead, use aepx login --plaintext-file, or see aepx creds doctor "
            f"(it shows how to unlock a keyring over SSH).")
    try:
        call_with_timeout(keyring.set_password, SERVICE, profile.client_id, secret.reveal(), timeout=timeout)
    except Exception as exc:
        raise CredentialsError(f"Cannot store the client secret in the OS keyring ({status.backend}): "
                               f"{describe_error(exc)}; set AEPX_CLIENT_SECRET instead, or use "
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
                                       f"{describe_error(exc)}.") from None
            removed.append(f"{what} in the OS keyring ({status.backend})")
    path = plaintext_store_path()
    secrets = read_plaintext_store(path)
    if secrets.pop(profile.client_id, None) is not None:
        write_plaintext_store(path, secrets)
        removed.append(f"client secret in the PLAINTEXT credentials file {path}")
    return removed
