"""Headless monitoring of one profile+sandbox: poll schedule, followed jobs, transitions, history.

Imports only ``tui.api`` and ``tui.core`` (tests/test_layers.py). The console subscribes to it and
renders; ``aepx watch`` will subscribe too. See MONITOR_API.md at the repository root.
"""

from tui.monitor.events import (
    ApiRecovered,
    ApiUnreachable,
    HistoryProblem,
    JobStuck,
    JobsUpdated,
    JobTransition,
    MonitorEvent,
    PollFinished,
    Subscriber,
)
from tui.monitor.monitor import ListQuery, Monitor, PollResult, error_sentence
from tui.monitor.schedule import PollState

__all__ = ["ApiRecovered", "ApiUnreachable", "HistoryProblem", "JobStuck", "JobTransition", "JobsUpdated",
           "ListQuery", "Monitor", "MonitorEvent", "PollFinished", "PollResult", "PollState", "Subscriber",
           "error_sentence"]
