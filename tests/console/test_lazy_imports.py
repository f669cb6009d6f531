"""A faster start: what the console's first screen does not need is not imported by the entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = ("sqlite3", "tui.monitor.history.store", "rich.syntax", "pygments", "pyarrow", "keyring",
                "tree_sitter", "tui.emulator", "starlette", "uvicorn", "prometheus_client",
                "tui.core.credentials", "tui.console.screens.launch", "tui.console.screens.pulse")


def test_the_entry_point_and_the_console_leave_the_rest_for_later():
    code = ("import sys, tui.cli, tui.console.app\n"
            f"print(','.join(m for m in {NOT_AT_START!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported at start: {done.stdout.strip()}"


def test_the_history_package_still_offers_its_names():
    from tui.monitor import history

    assert history.HistoryStore.__name__ == "HistoryStore"
    assert history.Baseline.__name__ == "Baseline"
    assert callable(history.default_history_path)


def test_the_job_table_skips_measuring_only_while_every_column_has_a_fixed_width():
    from textual.widgets import DataTable

    from tui.console.widgets.job_table import COLUMNS, JobTable

    assert "_update_dimensions" in vars(DataTable)  # the hook JobTable overrides still exists upstream
    assert "_update_dimensions" in vars(JobTable)
    assert all(isinstance(spec.width, int) and spec.width > 0 for spec in COLUMNS)
