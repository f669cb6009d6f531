"""The refresh loop's bookkeeping moved to :mod:`tui.monitor.schedule` (the monitor owns the poll
schedule); this name stays for the console and its tests."""

from tui.monitor.schedule import MAX_BACKOFF_SECONDS, MIN_INTERVAL_SECONDS, PollState

__all__ = ["MAX_BACKOFF_SECONDS", "MIN_INTERVAL_SECONDS", "PollState"]
