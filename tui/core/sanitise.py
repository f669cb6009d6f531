"""The one sanitiser: every string that came from a server or a file passes here before a terminal.

Server strings are hostile. A job id holding ``ESC]52;c;…BEL`` writes the terminal's clipboard, ``ESC[2J``
clears the screen, U+009B (a one-byte CSI) does the same on terminals that honour C1, and the bidi
overrides (U+202E …) reorder what the reader sees. So nothing of that kind reaches a screen, stderr,
a toast or a title: each such character becomes a *visible* stand-in.

- :func:`sanitise`: ``ESC`` → ``␛``, other C0 → ``␀``…``␟``, DEL → ``␡``, C1 → ``\\x9b``, bidi controls
  and the line/paragraph separators → ``\\u202e``, a lone surrogate → ``\\ud800``. Tabs become spaces;
  newlines are kept only on request (multi-line fields such as a call stack). Optionally bounded.
- :func:`one_line`: the same, whitespace collapsed, length bounded: a server message inside a sentence.
- :func:`json_text`: the CLI's one JSON emitter: valid JSON (``NaN``/``Infinity`` become ``null``, and
  are counted so the caller can warn), with every C0/C1/bidi/surrogate character escaped as ``\\uXXXX``.

Markup: this module makes characters inert; it does not escape Rich/Textual markup. Displays show the
result as plain text (``Content(text)``, ``Text(text)``, ``markup=False``), never as markup.

Pure Python; no import of ours. Every function is total: any value gives a string, never an exception.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_SERVER_TEXT = 300

# Everything that must never reach a terminal raw: C0, DEL, C1, the bidirectional formatting controls
# (the "Trojan Source" set), the Unicode line/paragraph separators (a line break in disguise for some
# terminals and most pagers) and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
# The same, for JSON text: json.dumps already escapes C0, '"' and '\\'; the rest is escaped here.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


def visible(char: str) -> str:
    """The stand-in shown for one unsafe character."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ ("␛" for ESC)
    if code == 0x7F:
        return "␡"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # a hostile __str__ (or a huge int) must not stop a display
        return f"<{type(value).__name__}>"


def truncate(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    if limit is None or len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    return text[: limit - 1].rstrip() + ELLIPSIS


def sanitise(value: object, *, keep_newlines: bool = False, limit: int | None = None) -> str:
    """Any value as inert text for a terminal (see the module docstring for the stand-ins).

    ``limit`` bounds the input *before* the replacement (so a 100 MB string costs nothing): a longer
    text keeps ``limit - 1`` characters and an ellipsis; tabs become four spaces; ``\\r`` is dropped
    and ``\\n`` kept when ``keep_newlines``.
    """
    text = _as_text(value)
    cut = limit is not None and len(text) > limit
    if limit is not None and cut:
        text = text[: max(0, limit - 1)]

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if char == "\t":
            return "    "
        if keep_newlines and char == "\n":
            return char
        if keep_newlines and char == "\r":
            return ""
        return visible(char)

    out = _UNSAFE.sub(replace, text)
    return out + ELLIPSIS if cut else out


def one_line(value: object, limit: int = MAX_SERVER_TEXT) -> str:
    """Server text inside one sentence: inert, whitespace (newlines included) collapsed, bounded."""
    text = _as_text(value)
    if len(text) > 4 * limit:  # bound the work before any regex runs
        text = text[: 4 * limit]
    flat = _SPACES.sub(" ", text).strip()
    return truncate(sanitise(flat), limit)


def is_clean(text: str) -> bool:
    """True when ``text`` holds no character that :func:`sanitise` would replace (newlines aside)."""
    return _UNSAFE.search(text.replace("\n", "")) is None


# --- JSON ----------------------------------------------------------------------------------------
def finite(data: Any, *, max_depth: int = 200) -> tuple[Any, int]:
    """``data`` with every NaN/Infinity replaced by ``None``; returns ``(copy, how many replaced)``.

    Iterative in spirit but bounded: containers deeper than ``max_depth`` are replaced by a marker
    string (deep server JSON must not exhaust the stack of the encoder either).
    """
    replaced = 0

    def walk(value: Any, depth: int) -> Any:
        nonlocal replaced
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            replaced += 1
            return None
        if isinstance(value, dict | list | tuple):
            if depth >= max_depth:
                return f"<nested deeper than {max_depth} levels>"
            if isinstance(value, dict):
                return {_as_text(k) if not isinstance(k, str) else k: walk(v, depth + 1) for k, v in value.items()}
            return [walk(v, depth + 1) for v in value]
        if value is None or isinstance(value, str | int | bool):
            return value
        return _as_text(value)

    return walk(data, 0), replaced


def escape_json_text(text: str) -> str:
    """JSON text with C1, bidi, separators and lone surrogates escaped as ``\\uXXXX`` (still valid JSON)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SOURCE_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                            "\u2028\u2029\ud800-\udfff]")


def json_source(text: str) -> str:
    """JSON source text made inert for an editor on a terminal: every control, bidi or surrogate
    character (newlines, tabs and carriage returns aside) becomes its ``\\uXXXX`` escape. Inside a JSON
    string that is the same value; outside one the text was not valid JSON anyway."""
    return _SOURCE_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(data: Any, *, indent: int | None = 2) -> tuple[str, int]:
    """``(JSON text, count of non-finite numbers printed as null)``: valid JSON, inert in a terminal.

    Non-ASCII letters stay readable; only control, bidi and surrogate characters are escaped.
    """
    clean, replaced = finite(data)
    text = json.dumps(clean, indent=indent, ensure_ascii=False, allow_nan=False)
    return escape_json_text(text), replaced
