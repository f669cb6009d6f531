"""The one sanitiser: every unsafe character becomes a visible stand-in; JSON stays valid and inert."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.records import POISON, forbidden_in
from tui.core.sanitise import is_clean, json_text, one_line, sanitise


def test_escape_c1_bidi_and_separators_become_visible():
    assert sanitise("a\x1b[2Jb") == "a␛[2Jb"
    assert sanitise("\x9b31m") == "\\x9b31m"
    assert sanitise("x\u202ey\u2066z\u200f\u061c") == "x\\u202ey\\u2066z\\u200f\\u061c"
    assert sanitise("l1\u2028l2") == "l1\\u2028l2"
    assert sanitise("\x7f\x00\x07") == "␡␀␇"
    assert sanitise("lone \ud800 surrogate") == "lone \\ud800 surrogate"


def test_newlines_tabs_and_carriage_returns():
    assert sanitise("a\nb\tc\rd") == "a␊b    c␍d"
    assert sanitise("a\r\nb", keep_newlines=True) == "a\nb"


def test_markup_is_left_as_text_and_letters_are_untouched():
    assert sanitise("[bold]x[/bold] été 日本 👩‍💻") == "[bold]x[/bold] été 日本 👩‍💻"  # ZWJ emoji kept


def test_any_value_and_a_hostile_str():
    class Evil:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert sanitise(None) == "" and sanitise(42) == "42" and sanitise(Evil()) == "<Evil>"


def test_limit_bounds_the_work_and_the_result():
    text = sanitise("x" * 10_000_000, limit=50)
    assert len(text) == 50 and text.endswith("…")
    assert sanitise("short", limit=50) == "short"


def test_one_line_collapses_whitespace_and_bounds():
    assert one_line("a\x1b[31mred\x00\n  line") == "a␛[31mred␀ line"
    assert len(one_line("y" * 1000, 100)) == 100


def test_json_text_is_valid_escapes_controls_and_nulls_non_finite_numbers():
    text, replaced = json_text({"a": POISON, POISON: [float("nan"), float("inf"), -float("inf"), 1.5]})
    assert replaced == 3
    assert not forbidden_in(text)
    data = json.loads(text)
    assert data == {"a": POISON, POISON: [None, None, None, 1.5]}
    assert "日本" in json_text("日本")[0]  # letters stay readable


def test_json_text_survives_deep_nesting_and_odd_values():
    value: object = "bottom"
    for _ in range(5000):
        value = [value]
    text, _ = json_text({"deep": value, "odd": {1, 2}.__class__.__name__, "surrogate": "\ud800"})
    assert "nested deeper than" in text
    assert "\\ud800" in text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_nothing_unsafe_survives(text):
    assert is_clean(sanitise(text))
    assert is_clean(one_line(text))
    out, _ = json_text(text)
    assert not forbidden_in(out)
    assert json.loads(out) == text
