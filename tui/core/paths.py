"""Where aepx keeps its files, and how it writes the private ones.

Every file aepx writes for itself (config, log, drafts, job history, the opt-in plaintext secrets)
is mode 0600 in a directory created 0700: the helpers below are the only code that sets those modes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "aepx"


def config_dir() -> Path:
    """The user config directory (``config.toml``)."""
    return platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    """The user data directory (drafts, job history, the plaintext credentials file)."""
    return platformdirs.user_data_path(APP_NAME)


def state_dir() -> Path:
    """The user state directory (the log)."""
    return platformdirs.user_state_path(APP_NAME)


def ensure_private_dir(directory: Path) -> None:
    """Create ``directory`` and every missing parent as 0700 (as the XDG spec asks), and tighten every
    existing aepx directory on the way (``…/aepx`` and below it) to 0700.

    ``mkdir(parents=True)`` would create the parents with the umask's mode (0755), leaving the data dir
    ``~/.local/share/aepx`` world-readable above a private ``drafts`` child.
    """
    directory = Path(directory)
    missing: list[Path] = []
    probe = directory
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    parts = directory.parts
    if APP_NAME in parts:  # ours: from the (last) aepx component down to the directory itself
        first = len(parts) - parts[::-1].index(APP_NAME)
        for depth in range(first, len(parts) + 1):
            path = Path(*parts[:depth])
            with contextlib.suppress(OSError):
                if stat.S_IMODE(path.stat().st_mode) & 0o077:
                    os.chmod(path, 0o700)


def loose_mode(path: Path) -> int | None:
    """The mode of ``path`` when others may read or write it; ``None`` when private or absent."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None


def tighten(path: Path) -> None:
    """Make an existing file 0600 when others may read or write it (best effort)."""
    if loose_mode(path) is not None:
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)


def create_private_file(path: Path, *, exclusive: bool = False) -> None:
    """Create ``path`` (0600, in a private directory) if it does not exist; an existing one is made
    0600. ``exclusive`` raises ``FileExistsError`` instead of opening an existing file."""
    ensure_private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_APPEND)
    os.close(os.open(path, flags, 0o600))
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        os.chmod(path, 0o600)


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload``: temp file in the same dir (0600), fsync, ``os.replace``.

    A symlinked file is written through to its target, so a dotfiles symlink survives.
    """
    target = path.resolve() if path.is_symlink() else path
    ensure_private_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
