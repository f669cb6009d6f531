"""Unit tests of the pure formatting helpers (no Textual involved)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, timedelta, timezone

import pytest

from tui.core.format import (
    INVALID_TIME,
    PLACEHOLDER,
    absolute_time,
    human_duration,
    offset,
    plural,
    relative_time,
    short_id,
    status_label,
    time_pair,
)
from tui.core.sanitise import sanitise

T = 1_764_000_000_000  # 2025-11-24T16:00:00Z


@pytest.mark.parametrize(("ms", "text"), [
    (None, PLACEHOLDER), (0, "0ms"), (350, "350ms"), (999, "999ms"), (1000, "1s"), (59_999, "59s"),
    (60_000, "1m 00s"), (125_000, "2m 05s"), (3_599_000, "59m 59s"), (3_600_000, "1h 00m"),
    (3_840_000, "1h 04m"), (86_400_000, "1d 00h"), (2 * 86_400_000 + 3 * 3_600_000, "2d 03h"),
    (-5_000, "0ms"), (1500.7, "1s"),
])
def test_human_duration(ms, text):
    assert human_duration(ms) == text


@pytest.mark.parametrize(("delta", "text"), [
    (0, "just now"), (4_999, "just now"), (-4_000, "just now"), (42_000, "42s ago"), (180_000, "3m ago"),
    (3 * 3_600_000 + 59 * 60_000, "3h ago"), (2 * 86_400_000, "2d ago"), (-180_000, "in 3m"),
])
def test_relative_time(delta, text):
    assert relative_time(T - delta, T) == text


def test_relative_time_unknown():
    assert relative_time(None, T) == PLACEHOLDER


def test_absolute_time_in_given_zone():
    assert absolute_time(T, UTC) == "2025-11-24 16:00:00 UTC"
    plus_one = timezone(timedelta(hours=1), "CET")
    assert absolute_time(T, plus_one) == "2025-11-24 17:00:00 CET"
    assert absolute_time(None) == PLACEHOLDER
    assert absolute_time(10**20) == INVALID_TIME  # out of range: said so, no exception


def test_time_pair_joins_absolute_and_relative():
    assert time_pair(T - 3 * 3_600_000, T, UTC) == "2025-11-24 13:00:00 UTC (3h ago)"
    assert time_pair(None, T) == PLACEHOLDER


def test_offset():
    assert offset(None) == PLACEHOLDER
    assert offset(0) == "+0s"
    assert offset(61_000) == "+1m 01s"


def test_short_id():
    assert short_id("BATCH00000007", 8) == "BATCH00…"
    assert short_id("abc", 8) == "abc"
    assert short_id("", 8) == ""
    assert len(short_id("x" * 40, 12)) == 12


def test_status_label_known_and_unknown():
    assert status_label("SUCCEEDED") == "✔ SUCCEEDED"
    assert status_label("FAILED") == "✖ FAILED"
    assert status_label("PROCESSING") == "⟳ PROCESSING"
    assert status_label("NEW") == "… NEW"
    assert status_label("ARCHIVED") == "? ARCHIVED"
    assert status_label("") == "? UNKNOWN"


def test_sanitise_neutralises_control_and_bidi_but_keeps_markup_literal():
    text = "a\x1b[31mred\x1b[0m [bold]x[/bold] \x07\x9b\u202eevil\x7f"
    out = sanitise(text)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\x7f" not in out
    assert out.startswith("a␛[31mred␛[0m [bold]x[/bold] ␇")
    assert "\\x9b" in out and "\\u202e" in out and out.endswith("evil␡")


def test_sanitise_newlines_and_tabs():
    assert sanitise("a\nb") == "a␊b"
    assert sanitise("a\r\nb", keep_newlines=True) == "a\nb"
    assert sanitise("a\tb") == "a    b"
    assert sanitise(None) == ""
    assert sanitise(42) == "42"
    assert sanitise("Ünïcode ✔ 日本") == "Ünïcode ✔ 日本"


def test_plural():
    assert plural(1, "error") == "1 error"
    assert plural(3, "error") == "3 errors"
    assert plural(2, "batch", "batches") == "2 batches"


def test_format_module_does_not_import_textual():
    code = "import sys, tui.core.format; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_human_bytes_is_the_one_size_format():
    from tui.core.format import human_bytes

    assert [human_bytes(n) for n in (0, 1023, 1024, 331_161, 5 * 2**30, 3 * 2**40)] == \
        ["0 B", "1023 B", "1.0 KiB", "323.4 KiB", "5.0 GiB", "3072.0 GiB"]
    assert human_bytes(None) == "" and human_bytes(None, unknown="?") == "?"
