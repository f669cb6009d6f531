"""The local job history (SQLite) and the baselines it gives: see :mod:`.store` and :mod:`.baselines`.

The names below load on first use: the console's first screen needs the baselines, not ``sqlite3``
and the store (a faster start)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.monitor.history.baselines import Baseline
    from tui.monitor.history.store import HistoryStore, HistoryUnavailable, default_history_path

__all__ = ["Baseline", "HistoryStore", "HistoryUnavailable", "default_history_path"]

_WHERE = {"Baseline": "baselines", "HistoryStore": "store", "HistoryUnavailable": "store",
          "default_history_path": "store"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"tui.monitor.history.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
