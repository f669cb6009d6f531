"""The launch editor's draft: saved continuously while typing, restored when the editor opens again.

Each save is atomic (a temporary file in the same directory, fsync, ``os.replace``) and private
(file 0600, directory 0700), so a crash, a kill or a dropped SSH session leaves either the previous
draft or the new one on disk, never a torn file. Pure Python: no ``textual`` import.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from tui.core.paths import atomic_write, data_dir, ensure_private_dir

DRAFT_FORMAT = 1


def default_draft_path() -> Path:
    """``<user data dir>/aepx/drafts/launch.json`` (XDG_DATA_HOME on Linux)."""
    return data_dir() / "drafts" / "launch.json"


def _resolve(path: Path | None) -> Path:
    return Path(path) if path is not None else default_draft_path()


def load_draft(path: Path | None = None) -> str | None:
    """The saved editor text, or ``None`` when there is no draft (or it cannot be read).

    A file that is not in the draft format (edited by hand, for instance) is returned as it is,
    so its content is shown rather than silently dropped.
    """
    file = _resolve(path)
    try:
        raw = file.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError):
        return None
    except OSError:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return raw if raw.strip() else None
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return data["text"] if data["text"].strip() else None
    return raw if raw.strip() else None


def save_draft(text: str, path: Path | None = None) -> None:
    """Atomically write ``text`` as the draft (0600 in a 0700 directory). Raises ``OSError`` if it cannot."""
    body = json.dumps({"format": DRAFT_FORMAT, "text": text}, ensure_ascii=False)
    atomic_write(_resolve(path), body.encode("utf-8"))


def clear_draft(path: Path | None = None) -> None:
    """Delete the draft; a missing draft is not an error."""
    with contextlib.suppress(FileNotFoundError):
        _resolve(path).unlink()


# --- edits that could not be saved: kept in memory for this process ---------------------------------
_MEMORY: dict[str, str] = {}


def keep_in_memory(text: str, path: Path | None = None) -> None:
    """An edit whose draft could not be written (read-only or full disk): kept until aepx exits."""
    _MEMORY[str(_resolve(path))] = text


def memory_draft(path: Path | None = None) -> str | None:
    return _MEMORY.get(str(_resolve(path)))


def forget_memory(path: Path | None = None) -> None:
    _MEMORY.pop(str(_resolve(path)), None)


# --- one editor per draft: a lock, else a per-process draft -------------------------------------------
class DraftLock:
    """An advisory lock (``flock``) on ``<draft>.lock``, released by the OS if the process dies."""

    def __init__(self, draft: Path) -> None:
        self.path = draft.with_name(draft.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> bool | None:
        """True when held, False when another process holds it, None when locking is unavailable."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no locking, the draft is shared as before
            return None
        try:
            ensure_private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        with contextlib.suppress(OSError):
            return self.path.read_text().strip()
        return ""

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def claim_draft(path: Path | None = None) -> tuple[Path, DraftLock | None, str]:
    """The draft this editor saves to, the lock it holds, and a note to show (empty when none).

    When another aepx holds the draft, this one gets its own file (``launch.<pid>.json``), so neither
    overwrites the other: last writer never wins silently.
    """
    draft = _resolve(path)
    lock = DraftLock(draft)
    held = lock.acquire()
    if held is not False:
        return draft, (lock if held else None), ""
    holder = lock.holder()
    own = draft.with_name(f"{draft.stem}.{os.getpid()}{draft.suffix}")
    who = f"another aepx (pid {holder})" if holder.isdigit() else "another aepx"
    return own, None, (f"{who} is editing the launch draft; this editor saves to {own.name} instead, so "
                       "neither overwrites the other.")


# --- a launch that may have created a job -------------------------------------------------------------
def pending_launch_path(path: Path | None = None) -> Path:
    draft = _resolve(path)
    return draft.with_name("launch-pending.json")


def mark_launch(target: str, path: Path | None = None, *, now: float | None = None) -> None:
    """Written just before a create is sent; removed when its answer is definite. Left behind by a
    process that died mid-POST (SIGHUP, kill), it is shown at the next start and launch."""
    body = json.dumps({"format": DRAFT_FORMAT, "at": time.time() if now is None else now, "target": target})
    atomic_write(pending_launch_path(path), body.encode("utf-8"))


def clear_launch(path: Path | None = None) -> None:
    with contextlib.suppress(OSError):
        pending_launch_path(path).unlink()


def pending_launch(path: Path | None = None) -> str | None:
    """One sentence about an earlier launch whose outcome is unknown, or ``None``."""
    try:
        data = json.loads(pending_launch_path(path).read_text(encoding="utf-8"))
        at = float(data["at"])
        target = str(data.get("target") or "")
        when = time.strftime("%H:%M", time.localtime(at))
        day = time.strftime("%Y-%m-%d ", time.localtime(at)) if time.time() - at > 20 * 3600 else ""
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return None
    where = f" in {target}" if target else ""
    return (f"A launch at {day}{when}{where} may have created a job (its answer never arrived); check the "
            "job list before launching again.")
