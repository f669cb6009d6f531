"""The four job statuses of the export API and the one check of a status filter.

Every layer takes the names from here: the CLI's ``--status``, the client's server-side filter, the
model's active/final sets, the monitor's counts.
"""

from __future__ import annotations

from tui.core.errors import UsageError
from tui.core.sanitise import sanitise

NEW = "NEW"
PROCESSING = "PROCESSING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
KNOWN_STATUSES = (NEW, PROCESSING, SUCCEEDED, FAILED)
ACTIVE_STATUSES = frozenset({NEW, PROCESSING})
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED})


def check_status(status: str | None, *, any_case: bool = False) -> str | None:
    """``status`` as a server-side filter: one of :data:`KNOWN_STATUSES` in its exact spelling
    (or in any case with ``any_case``, returned upper-cased); ``None`` stays ``None``. Anything
    else is a :class:`UsageError` naming the four."""
    if status is None:
        return None
    candidate = status.upper() if any_case else status
    if candidate in KNOWN_STATUSES:
        return candidate
    upper = status.strip().upper()
    hint = f" (did you mean {upper}?)" if upper in KNOWN_STATUSES else ""
    raise UsageError(f"Unknown status {sanitise(status)[:40]!r}{hint}: "
                     f"use one of {', '.join(KNOWN_STATUSES)}.")
