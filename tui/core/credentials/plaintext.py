"""The opt-in plaintext file store (``aepx login --plaintext-file``): read, write, permission check."""

from __future__ import annotations

import contextlib
import tomllib
from pathlib import Path

import tomli_w

from tui.core.errors import CredentialsError
from tui.core.paths import atomic_write, data_dir

_FILE_HEADER = (
    "# aepx PLAINTEXT credentials: client secrets stored WITHOUT encryption (mode 0600).\n"
    "# Created on request by `aepx login --plaintext-file`; remove with `aepx logout`.\n"
)


def plaintext_store_path() -> Path:
    return data_dir() / "credentials.toml"


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

