"""The opt-in plaintext file store (``aepx login --plaintext-file``): read, write, permission check."""

from __future__ import annotations

import contextlib
import stat
import tomllib
from pathlib import Path

import platformdirs
import tomli_w

from tui.core.config import atomic_write
from tui.core.errors import CredentialsError

_FILE_HEADER = (
    "# aepx PLAINTEXT credentials: client secrets stored WITHOUT encryption (mode 0600).\n"
    "# Created on request by `aepx login --plaintext-file`; remove with `aepx logout`.\n"
)


def plaintext_store_path() -> Path:
    return platformdirs.user_data_path("aepx") / "credentials.toml"


def read_plaintext_store(path: Path) -> dict[str, str]:
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


def write_plaintext_store(path: Path, secrets: dict[str, str]) -> None:
    if not secrets:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    body = tomli_w.dumps({"client_secrets": dict(sorted(secrets.items()))})
    atomic_write(path, (_FILE_HEADER + body).encode("utf-8"))


def loose_mode(path: Path) -> int | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None
