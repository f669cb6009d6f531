"""Pure-Python formatting helpers shared by the console, the jobs table and the CLI.

No ``textual`` import here (nor anything that imports it), so ``aepx jobs list`` can reuse these
without loading the TUI. Every function is total: ``None`` and odd values give a placeholder, never
an exception.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from tui.core.sanitise import sanitise

PLACEHOLDER = "—"

STATUS_GLYPHS = {
    "NEW": "…",
    "PROCESSING": "⟳",
    "SUCCEEDED": "✔",
    "FAILED": "✖",
}
UNKNOWN_GLYPH = "?"

_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

# Sane ranges: a time outside them is a broken record, shown as "invalid time" (never computed with:
# 10^15 ms before creation once drew a 10^14-character bar and ran out of memory).
INVALID_TIME = "invalid time"
MIN_EPOCH_MS = 0  # 1970-01-01
MAX_EPOCH_MS = 7_258_118_400_000  # 2200-01-01
MAX_DURATION_MS = 10 * 366 * _DAY  # ten years


def sane_time(ms: object) -> bool:
    """True for an epoch-ms int in [1970, 2200)."""
    return isinstance(ms, int) and not isinstance(ms, bool) and MIN_EPOCH_MS <= ms < MAX_EPOCH_MS


def sane_duration(ms: object) -> bool:
    """True for a number of ms no longer than ten years either way (small negatives are clock skew)."""
    if isinstance(ms, bool) or not isinstance(ms, int | float):
        return False
    return ms == ms and -MAX_DURATION_MS <= ms <= MAX_DURATION_MS



def human_duration(ms: int | float | None) -> str:
    """``350ms``, ``42s``, ``2m 05s``, ``3h 04m``, ``2d 03h``; the placeholder for ``None``.

    Negative durations (clock skew between the server and us) are shown as zero.
    """
    if ms is None:
        return PLACEHOLDER
    if not sane_duration(ms):
        return INVALID_TIME
    ms = max(0, int(ms))
    if ms < _SECOND:
        return f"{ms}ms"
    if ms < _MINUTE:
        return f"{ms // _SECOND}s"
    if ms < _HOUR:
        return f"{ms // _MINUTE}m {ms % _MINUTE // _SECOND:02d}s"
    if ms < _DAY:
        return f"{ms // _HOUR}h {ms % _HOUR // _MINUTE:02d}m"
    return f"{ms // _DAY}d {ms % _DAY // _HOUR:02d}h"


def _coarse(ms: int) -> str:
    """The largest single unit of ``ms``: ``42s``, ``3m``, ``5h``, ``2d``."""
    if ms < _MINUTE:
        return f"{ms // _SECOND}s"
    if ms < _HOUR:
        return f"{ms // _MINUTE}m"
    if ms < _DAY:
        return f"{ms // _HOUR}h"
    return f"{ms // _DAY}d"


def relative_time(ms: int | None, now_ms: int) -> str:
    """``just now``, ``42s ago``, ``3h ago``, ``2d ago``; ``in 3m`` for a time in the future."""
    if ms is None:
        return PLACEHOLDER
    if not sane_time(ms) or not sane_time(now_ms):
        return INVALID_TIME
    delta = int(now_ms) - int(ms)
    if abs(delta) < 5 * _SECOND:
        return "just now"
    if delta > 0:
        return f"{_coarse(delta)} ago"
    return f"in {_coarse(-delta)}"


def absolute_time(ms: int | None, tz: tzinfo | None = None) -> str:
    """``2025-11-24 17:00:00 CET`` in ``tz`` (the local zone by default); placeholder if unknown."""
    if ms is None:
        return PLACEHOLDER
    if not sane_time(ms):
        return INVALID_TIME
    try:
        moment = datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return PLACEHOLDER
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    name = local.tzname() or local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {name}".rstrip()


def time_pair(ms: int | None, now_ms: int, tz: tzinfo | None = None) -> str:
    """``2025-11-24 17:00:00 CET (3h ago)``: the absolute and relative forms together."""
    if ms is None:
        return PLACEHOLDER
    if not sane_time(ms):
        return INVALID_TIME
    return f"{absolute_time(ms, tz)} ({relative_time(ms, now_ms)})"


def offset(ms: int | None) -> str:
    """A start offset on a timeline: ``+0s``, ``+1m 00s``; the placeholder for ``None``."""
    if ms is None:
        return PLACEHOLDER
    if not sane_duration(ms):
        return INVALID_TIME
    return "+0s" if ms <= 0 else f"+{human_duration(ms)}"


def human_bytes(n: int | None, unknown: str = "") -> str:
    """``323.4 KiB``: bytes, KiB, MiB or GiB (1024-based); ``unknown`` when there is no size."""
    if n is None:
        return unknown
    size = float(n)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def short_id(value: str, width: int = 8) -> str:
    """``BATCH000…`` for ids longer than ``width`` characters (the ellipsis counts as one)."""
    value = value or ""
    if width < 2 or len(value) <= width:
        return value
    return value[: width - 1] + "…"


def status_glyph(status: str) -> str:
    return STATUS_GLYPHS.get(status, UNKNOWN_GLYPH)


def status_label(status: str) -> str:
    """Glyph and word, readable without colour: ``✔ SUCCEEDED``; ``? WEIRD`` for unknown ones."""
    return f"{status_glyph(status)} {sanitise(status) or 'UNKNOWN'}"


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``1 error``, ``3 errors``."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"
