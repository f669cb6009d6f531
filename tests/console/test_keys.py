"""The one key catalogue (tui/console/bindings.py): help with ids, the palette, [keymap] and theme
validation, and the README's key tables, all checked against it (issue 13, items 18-20)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding

from tests.fakes import FakeJobsAPI
from tui.console.bindings import APP_BINDINGS, binding_sources, catalogue
from tui.console.screens.help import HelpScreen
from tui.console.screens.jobs import JobsScreen
from tui.core.config import ConsoleSettings

README = Path(__file__).resolve().parents[2] / "README.md"

# The README's key tables and the bindings each one documents.
TABLES = {
    "jobs list": ("app", "JobsScreen", "JobTable"),
    "job detail": ("DetailScreen", "JobDetail"),
    "Overview (`O`)": ("OverviewScreen",),
    "Output (`o` on a SUCCEEDED job)": ("OutputScreen",),
    "payload editor (`n`)": ("LaunchScreen", "app"),
}
# Keys Textual provides (not in our catalogue) that the README documents.
TEXTUAL_KEYS = {"↑", "↓", "←", "→", "ctrl+p"}
# Bindings a table need not list (documented in prose or another table).
NOT_LISTED = {
    "payload editor (`n`)": {"quit", "quit-ctrl-c", "cancel", "command-line", "message-log", "call-log", "setup",
                             "enter-secret"},
}
_NAMES = {"question_mark": "?", "escape": "esc", "right_square_bracket": "]", "left_square_bracket": "[",
          "slash": "/", "equals_sign": "=", "colon": ":", "down": "↓", "up": "↑"}


def readme_key(key: str) -> str:
    key = key.strip()
    if key in _NAMES:
        return _NAMES[key]
    if re.fullmatch(r"f\d+", key):
        return key.upper()
    return key


def readme_tables() -> dict[str, set[str]]:
    """``{table name: every backticked key of its first column}``."""
    tables: dict[str, set[str]] = {}
    current: str | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\| key \| (.+) \|$", line):
            current = match.group(1)
            tables[current] = set()
        elif current and line.startswith("|") and not line.startswith("|---"):
            first = line.split(" | ", 1)[0]
            tables[current] |= set(re.findall(r"`([^`]+)`", first))
        elif not line.startswith("|"):
            current = None
    return tables


def test_every_binding_has_an_id():
    missing = [f"{where}: {b.key} -> {b.action}" for where, bindings in binding_sources().items()
               for b in bindings if isinstance(b, Binding) and not b.id]
    assert missing == []


def test_readme_key_tables_match_the_catalogue():
    tables = readme_tables()
    sources = binding_sources()
    assert set(TABLES) <= set(tables), "a key table was renamed in the README"
    for table, owners in TABLES.items():
        documented = tables[table]
        bindings = [b for owner in owners for b in sources[owner] if isinstance(b, Binding)]
        keys = {readme_key(k) for b in bindings for k in b.key.split(",")}
        unknown = documented - keys - TEXTUAL_KEYS
        assert not unknown, f"README table {table!r} lists keys no binding has: {sorted(unknown)}"
        skip = NOT_LISTED.get(table, set())
        undocumented = [b.id for b in bindings if b.id not in skip
                        and not {readme_key(k) for k in b.key.split(",")} & documented]
        assert not undocumented, f"README table {table!r} lacks bindings {undocumented}"


async def test_help_lists_binding_ids(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = app.screen.ids
        assert ids["Refresh now"] == "refresh" and ids["Quit"] == "quit"
        assert ids["Pulse: counts now, the last 14 days, phases, slowest payloads, failures"] == "pulse"
        assert ids["Detail"] == "detail"


async def test_help_has_one_quit_row_and_says_what_ctrl_c_does(make_app, wait):
    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = app.screen.rows
        quit_rows = [(keys, label) for keys, label in rows if "quit" in label.lower() and "^c quits" not in label]
        assert len(quit_rows) == 1 and set(quit_rows[0][0].split()) == {"q", "^q"}, quit_rows
        copy = [(keys, label) for keys, label in rows if "Copy" in label and "selected" in label]
        assert copy == [("^c super+c", "Copy the selected text (with nothing selected, ^c quits)")]


async def test_an_unknown_keymap_id_is_one_warning_naming_it(make_app, wait):
    app = make_app(keymap={"bogus": "x", "refresh": "f5"})
    async with app.run_test() as pilot:
        await wait(app, pilot)
        warnings = [m for sev, m in app.message_log if sev == "warning"]
        assert warnings == ["Unknown key binding id in [keymap]: bogus (ignored); ? lists every id."]


async def test_a_known_keymap_gives_no_warning(make_app, wait):
    app = make_app(keymap={"refresh": "f5", "detail.raw": "Y"})
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert not [m for sev, m in app.message_log if sev == "warning"]


async def test_an_unknown_theme_is_one_warning_naming_it(make_app, wait):
    app = make_app(settings=ConsoleSettings(refresh_seconds=3600, theme="nord-ish"))
    async with app.run_test() as pilot:
        await wait(app, pilot)
        warnings = [m for sev, m in app.message_log if sev == "warning"]
        assert len(warnings) == 1 and warnings[0].startswith("Unknown theme 'nord-ish' in [console] theme; using ")


async def test_palette_has_no_textual_duplicates_and_offers_profile_switch(make_app, wait):
    from textual.system_commands import SystemCommandsProvider

    from tui.console.commands import JobsCommands

    app = make_app()
    async with app.run_test() as pilot:
        await wait(app, pilot)
        system = [str(hit.display) async for hit in SystemCommandsProvider(app.screen).discover()]
        assert "Keys" not in system and "Quit" not in system
        hits = {str(hit.display): hit async for hit in JobsCommands(app.screen).discover()}
        assert {"Quit", "Show keys", "Pulse", "Overview", "Message log"} <= set(hits)
        await hits["Switch profile (:profile NAME)"].command()
        await pilot.pause()
        box = app.screen.query_one("#command")
        assert not box.has_class("-hidden") and box.value == "profile " and box.has_focus


async def test_ctrl_c_quits_from_the_jobs_screen(make_app, wait):
    app = make_app(FakeJobsAPI())
    async with app.run_test() as pilot:
        await wait(app, pilot)
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
    assert any(b.key == "ctrl+c" and b.id == "quit-ctrl-c" for b in APP_BINDINGS)
    assert "quit-ctrl-c" in catalogue()
