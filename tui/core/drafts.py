"""The launch editor's draft: saved continuously while typing, restored when the editor opens again.

Each save is atomic (a temporary file in the same directory, fsync, ``os.replace``) and private
(file 0600, directory 0700), so a crash, a kill or a dropped SSH session leaves either the previous
draft or the new one on disk, never a torn file. Pure Python: no ``textual`` import.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from tui.core.paths import atomic_write, data_dir

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
