"""The message log (``M``): every message the console showed, kept after its toast is gone.

Bounded (2,000 entries), newest last; each entry has a time, a severity, the text (already passed
through the sanitiser) and, when it is about a job, the job id. No Textual here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

MESSAGE_LOG_SIZE = 2000


@dataclass(frozen=True, slots=True)
class LogEntry:
    severity: str  # "information", "warning" or "error"
    text: str
    job_id: str | None = None
    kind: str = ""  # e.g. "cancel", "transition", "launch"
    at: float = field(default_factory=time.time)

    def matches(self, needle: str) -> bool:
        needle = needle.strip().lower()
        return not needle or any(needle in part.lower() for part in (self.text, self.severity, self.job_id or "",
                                                                     self.kind))


class MessageLog:
    """Iterating (or indexing) gives ``(severity, text)`` pairs; ``entries()`` the whole entries."""

    def __init__(self, size: int = MESSAGE_LOG_SIZE) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=size)

    def add(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def entries(self) -> list[LogEntry]:
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter([(e.severity, e.text) for e in self._entries])

    def __getitem__(self, index: int) -> tuple[str, str]:
        entry = self._entries[index]
        return entry.severity, entry.text

    def __contains__(self, item: object) -> bool:
        return any(item == (e.severity, e.text) for e in self._entries)

    def newest_first(self, needle: str = "") -> list[LogEntry]:
        return [e for e in reversed(self._entries) if e.matches(needle)]
