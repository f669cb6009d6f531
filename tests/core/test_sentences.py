"""Issue 13, item 21: every message reads as one clear sentence. ``tidy`` mends the seams where a
template meets its parts (the one place: tui.core.sentences), and a scan over every message template in
tui/ (each string given to say/notify/err/warn or to an exception) checks the templates themselves:
length, doubled words and punctuation, and what each becomes once filled with parts that end with their
own full stop, or are empty."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tui.core.errors import AepxError, ConfigError
from tui.core.sentences import tidy

TUI = Path(__file__).resolve().parents[2] / "tui"
SINKS = {"say", "notify", "err", "warn"}
MAX_TEMPLATE = 200  # characters of a template's own text; its parts come on top


@pytest.mark.parametrize(("raw", "mended"), [
    ("Reading failed: it timed out..", "Reading failed: it timed out."),
    ("Could not read x: No such file.; check the path.", "Could not read x: No such file; check the path."),
    ("Launch refused (the dataset is gone.); fix it first.", "Launch refused (the dataset is gone); fix it first."),
    ("Cancel failed: .", "Cancel failed."),
    ("Job 7 () failed.", "Job 7 failed."),
    ("Is it running?.", "Is it running?"),
    ("loading…. done", "loading… done"),
])
def test_tidy_mends_the_seams_of_parts(raw, mended):
    assert tidy(raw) == mended
    assert tidy(mended) == mended  # idempotent


@pytest.mark.parametrize("kept", ["Cannot read payload file ../jobs/p.json: gone.", "aepx 1.2.3 is here.",
                                  "loading...", "Run aepx login. Then retry.", "e.g. this", "ratio 0.5, fine.",
                                  "a\nb.", ""])
def test_tidy_keeps_paths_versions_and_ellipses(kept):
    assert tidy(kept) == kept


def test_every_error_and_console_message_is_tidied():
    assert str(ConfigError("Cannot read config file x: Permission denied..")) == \
        "Cannot read config file x: Permission denied."
    assert str(AepxError("Listing jobs failed (the Platform said: busy.).")) == \
        "Listing jobs failed (the Platform said: busy)."


def _template(node: ast.AST) -> str | None:
    """A message's text with every interpolated part as ``{}``; None when it is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value).replace("{", "{{").replace("}", "}}") if isinstance(v, ast.Constant) else "{}"
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left or "{}") + (right or "{}")
    return None


def message_templates() -> list[tuple[str, str]]:
    """``(where, template)`` for every literal message in tui/: the first argument of say, notify, err
    and warn, and of every exception raised or built (``...Error(...)``, ``...Exception(...)``)."""
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in SINKS or name.endswith(("Error", "Exception")):
                text = _template(node.args[0])
                if text is not None and text.strip("{} "):
                    found.append((f"{path.relative_to(TUI.parent)}:{node.lineno}", text))
    return found


TEMPLATES = message_templates()


def test_the_scan_finds_the_messages():
    assert len(TEMPLATES) > 250
    assert any("failed because" in text for _, text in TEMPLATES)


def _fill(template: str, part: str) -> str:
    return template.format(*([part] * template.count("{}")))


@pytest.mark.parametrize(("where", "template"), TEMPLATES, ids=[w for w, _ in TEMPLATES])
def test_message_template_reads_as_one_sentence(where, template):
    own = _fill(template, "X")
    assert len(own) <= MAX_TEMPLATE, f"{where}: {len(own)} characters; say it in one shorter sentence"
    words = re.sub(r"[^\w\s]", " ", own)
    doubled = re.search(r"(?i)\b([a-z]{2,})\s+\1\b", words)
    assert not doubled or doubled.group(1) == "X", f"{where}: the word {doubled.group(1)!r} twice"
    assert not re.search(r"(?<![.])[.,;]\s*[.,;](?![.])", own.replace("...", "…")), f"{where}: doubled punctuation"
    for part in ("it failed.", "(busy.)", ""):
        said = tidy(_fill(template, part))
        assert not re.search(r"(?<![.])\.\.(?=\s|$)|\.[,;:)](?=\s|$)|[,;:]\s*\.(?=\s|$)|\(\s*\)", said), \
            f"{where}: {said!r}"



def test_the_cli_says_tidy_sentences(capsys):
    from tui.cli.base import err

    err("Cannot read payload file p.json: Is a directory.; pass a file.")
    assert capsys.readouterr().err == "Cannot read payload file p.json: Is a directory; pass a file.\n"
