"""Layering: only ``tui.console`` may import Textual, directly or indirectly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUI = ROOT / "tui"
TEXTUAL_IMPORT = re.compile(r"^\s*(import textual\b|from textual\b)", re.MULTILINE)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> list[Path]:
    return sorted(p for p in TUI.rglob("*.py") if "__pycache__" not in p.parts)


def is_console(path: Path) -> bool:
    return (TUI / "console") in path.parents


def test_no_module_outside_the_console_pulls_in_textual():
    names = [module_name(p) for p in all_modules() if not is_console(p) and p.name != "__main__.py"]
    assert "tui.cli" in names and "tui.api.client" in names and "tui.emulator.server" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad[:10]))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"textual imported by a non-console module: {done.stdout}{done.stderr}"


def test_the_monitor_imports_only_api_and_core():
    """tui.monitor sits on tui.api and tui.core: no console, no CLI, no emulator, no Textual."""
    names = [module_name(p) for p in all_modules() if (TUI / "monitor") in p.parents]
    assert "tui.monitor.monitor" in names and "tui.monitor.history.store" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith(('tui.console', "
        "'tui.cli', 'tui.emulator')))\n"
        "print(','.join(bad[:10]))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"tui.monitor pulls in more than api and core: {done.stdout}{done.stderr}"


def test_only_console_sources_import_textual():
    offenders = [str(p.relative_to(ROOT)) for p in all_modules()
                 if not is_console(p) and TEXTUAL_IMPORT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    console = [p for p in all_modules() if is_console(p) and TEXTUAL_IMPORT.search(p.read_text(encoding="utf-8"))]
    assert console, "the pattern must match the console's own imports (or this test proves nothing)"
