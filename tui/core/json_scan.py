"""The one JSON text scanner: where each dotted path's key and value stand in the text.

Both the validator (``payload._Locator``: a path's line and column for an issue) and the text editor
(``payload_edit.replace_dataset_id``: change one value in place) read positions from :func:`scan`, so
the rule of how text maps to paths lives here once.

Paths are spelled as the validators spell them: ``a.b`` for a key in an object, ``a[0]`` for an item
of a list, the top-level key alone (``destination``); a key is used as typed, dots and brackets
included (``{"a.b": 1}`` is the path ``a.b``, like ``{"a": {"b": 1}}``).

The scanner is tolerant: it reads left to right and stops at the first thing that is not JSON (a
truncated string, a missing brace, nesting deeper than Python's stack), keeping all it recorded
before. It does not check the grammar (a missing colon or comma is stepped over); callers that need
valid JSON parse the text with :mod:`json` as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

_decode = json.JSONDecoder().raw_decode  # at a quote: (the string, the index past it)
# these two match at any position (maybe empty), so their match is never None
_blank: Callable[[str, int], re.Match[str]] = re.compile(r"[ \t\r\n]*").match  # type: ignore[assignment]
#: a number or a literal (true, false, null, or any other run up to a delimiter)
_atom: Callable[[str, int], re.Match[str]] = re.compile(r"[^,\]} \t\r\n]*").match  # type: ignore[assignment]
#: between a key and its value: blanks, one character (the colon; not checked), blanks
_colon = re.compile(r"[ \t\r\n]*[^ \t\r\n][ \t\r\n]*", re.DOTALL).match

#: (key start, key end, value start, value end): offsets into the text, ends exclusive
Span = tuple[int, int, int, int]


class Scan:
    """What :func:`scan` found; offsets are character indexes into the text."""

    __slots__ = ("complete", "first", "objects", "spans", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        #: path -> where it first appears: its key's opening quote, or a list item's first character
        self.first: dict[str, int] = {}
        #: path -> every key of that path whose value was read to its end, in the order the values end
        self.spans: dict[str, list[Span]] = {}
        #: path -> (opening brace, closing brace) of every object at that path read to its end
        self.objects: dict[str, list[tuple[int, int]]] = {}
        #: the whole first value was read (the text may still be invalid JSON, or have more after it)
        self.complete = False

    def _value(self, pos: int, path: str) -> int:
        """Read the value at ``pos`` (not blank); the index just past it."""
        text = self.text
        char = text[pos]
        if char == "{":
            return self._object(pos, path)
        if char == "[":
            first = self.first
            pos = _blank(text, pos + 1).end()
            index = 0
            while text[pos] != "]":
                child = f"{path}[{index}]"
                first.setdefault(child, pos)
                pos = _decode(text, pos)[1] if text[pos] == '"' else self._value(pos, child)
                pos = _blank(text, pos).end()
                if text[pos] == ",":
                    pos = _blank(text, pos + 1).end()
                index += 1
            return pos + 1
        if char == '"':
            return _decode(text, pos)[1]
        end = _atom(text, pos).end()
        if end == pos:  # a delimiter where a value belongs ("[1, }", '{"a": }'): not JSON, stop here
            raise ValueError("a value is missing")
        return end

    def _object(self, start: int, path: str) -> int:
        text, first, spans = self.text, self.first, self.spans
        pos = _blank(text, start + 1).end()
        while text[pos] != "}":
            if text[pos] != '"':
                raise ValueError("a key must be a string")  # not JSON: stop here (and keep paths str)
            key_start = pos
            key, key_end = _decode(text, pos)
            child = f"{path}.{key}" if path else key
            first.setdefault(child, key_start)
            colon = _colon(text, key_end)
            if colon is None:
                raise IndexError("the text ends after a key")
            value_start = colon.end()
            pos = _decode(text, value_start)[1] if text[value_start] == '"' else self._value(value_start, child)
            spans.setdefault(child, []).append((key_start, key_end, value_start, pos))
            pos = _blank(text, pos).end()
            if text[pos] == ",":
                pos = _blank(text, pos + 1).end()
        self.objects.setdefault(path, []).append((start, pos))
        return pos + 1


def scan(text: str) -> Scan:
    """Scan ``text`` (JSON, possibly being typed); never raises."""
    found = Scan(text)
    try:
        found._value(_blank(text, 0).end(), "")
    except (IndexError, ValueError, RecursionError):
        return found  # best effort: what was recorded before the break stands
    found.complete = True
    return found
