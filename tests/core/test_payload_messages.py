"""Every JSON syntax message of the payload validator is one clear sentence: no doubled words or
punctuation, where it is, what to do, and short enough for the validation panel (issue 13 item 21)."""

from __future__ import annotations

import re

import pytest

from tui.core.payload import validate_text

BROKEN = [
    '{"fields": "a\n}',  # a missing closing quote
    '{"fields": "a\tb"}',  # a raw tab
    '{"a": 1,}',
    '{"a" 1}',
    '{"a": 1} x',
    '{"a": "b',
    "{'a': 1}",
    '{"a": [1 2]}',
    '{"a": "\\q"}',
    '{"a": }',
    "",
    "{",
]


@pytest.mark.parametrize("text", BROKEN)
def test_syntax_messages_read_as_one_sentence(text):
    issues = [i for i in validate_text(text).issues if i.severity == "error"]
    assert issues
    message = issues[0].message
    assert not re.search(r"\b(\w+) \1\b", message), message  # "at at"
    assert not re.search(r"[.,;:!?]\s*[.,;:!?]", message.replace("...", "…")), message
    assert len(message) <= 160, message
    assert "\n" not in message


def test_a_missing_closing_quote_says_so():
    message = validate_text('{"fields": "a\n}').issues[0].message
    assert "missing closing quote" in message and "at at" not in message
