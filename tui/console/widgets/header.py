"""The two-line header: where we are (profile, org, sandbox, badges) and how fresh the data is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tui.console.polling import PollState
from tui.core.models import Target
from tui.core.sanitise import sanitise


def clock_time(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    return datetime.fromtimestamp(seconds).strftime("%H:%M:%S")


@dataclass(frozen=True, slots=True)
class HeaderState:
    target: Target
    read_only: bool
    poll: PollState
    activity: str = ""  # e.g. "loading all pages… 3 pages, 300 jobs"
    production: bool = False  # a production sandbox (or one of unknown type): the PROD badge


def header_text(state: HeaderState, crumb: str = "") -> Text:
    """Line 1: where (``aepx › jobs › 24950``), identity and badges. Line 2: freshness, stale reason
    and next retry."""
    t = state.target
    line = Text()
    line.append("aepx", style="bold")
    if crumb:
        line.append(f" › {sanitise(crumb)}", style="bold")
    line.append(f" · profile {sanitise(t.profile)} · org {sanitise(t.org_id)} · "
                f"sandbox {sanitise(t.sandbox)}")
    if state.production:  # reverse video: still stands out under NO_COLOR (which drops colours only)
        line.append("  ")
        line.append(" PROD ", style="bold reverse")
    if t.is_emulator:
        line.append("  ")
        line.append(" EMULATOR ", style="reverse")
    if state.read_only:
        line.append("  ")
        line.append(" READ-ONLY ", style="reverse bold")
    line.append("\n")
    poll = state.poll
    if poll.stale:
        line.append(" STALE ", style="bold reverse")
        line.append(f" {sanitise(poll.error)} ")
        if poll.paused:  # no retry happens while paused: say so instead of a retry time
            line.append(" PAUSED ", style="reverse")
            line.append(f" (p resumes); last good refresh {clock_time(poll.last_ok)}.")
        elif poll.in_flight or poll.next_at is None:  # never a retry time that has passed or will not come
            line.append(f"Retrying now…; last good refresh {clock_time(poll.last_ok)}.")
        else:
            line.append(f"Retrying at {clock_time(poll.next_at)}; last good refresh {clock_time(poll.last_ok)}.")
    else:
        line.append(f"refreshed {clock_time(poll.last_ok)}")
        if poll.paused:
            line.append("  ")
            line.append(" PAUSED ", style="reverse")
            line.append(" (p resumes)")
        elif poll.in_flight:
            line.append("  refreshing…")
        else:
            line.append(f"  every {poll.interval:g}s")
    if state.activity:
        line.append(f"  {state.activity}")
    return line


class AppHeader(Static):
    """The same header on every screen of the console; ``crumb`` says which (``jobs › 24950``). It
    asks the app for its state when mounted, and the app refreshes the headers of the screen shown
    whenever the poll state changes. Under a host without ``header_state`` it shows the crumb only."""

    DEFAULT_CSS = """
    AppHeader { height: auto; min-height: 2; padding: 0 1; background: $panel; }
    """

    def __init__(self, crumb: str = "jobs", *, id: str | None = "header") -> None:
        super().__init__(id=id)
        self.crumb = crumb

    def on_mount(self) -> None:
        self.pull_state()

    def pull_state(self) -> None:
        state = getattr(self.app, "header_state", None)
        if callable(state):
            self.show_state(state())
        else:
            self.update(Text.assemble(("aepx", "bold"), (f" › {sanitise(self.crumb)}", "bold")))

    def show_state(self, state: HeaderState) -> None:
        self.update(header_text(state, self.crumb))
