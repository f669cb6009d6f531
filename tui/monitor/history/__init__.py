"""The local job history (SQLite) and the baselines it gives: see :mod:`.store` and :mod:`.baselines`."""

from tui.monitor.history.baselines import Baseline
from tui.monitor.history.store import HistoryStore, HistoryUnavailable, default_history_path

__all__ = ["Baseline", "HistoryStore", "HistoryUnavailable", "default_history_path"]
