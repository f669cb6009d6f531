"""The two-line header: where we are (profile, org, sandbox, badges) and how fresh the data is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.events import Resize
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
    remedy: str = ""  # what the operator can do about the staleness here (e.g. "Press E to enter …")


#: Below these many cells a cut value says nothing (``EMULAT…Org``): it is left out instead.
SHORTEST = {"org": 14, "profile": 6, "crumb": 6}


def _fit(value: str, room: int, shortest: int = 6) -> str:
    """``value`` in at most ``room`` cells, cut in the middle (``EMULATOR0…@AdobeOrg``): both ends of
    an id tell most; ``""`` when fewer than ``shortest`` cells are left."""
    if cell_len(value) <= room:
        return value
    if room < shortest:
        return ""
    head = (room - 1) * 2 // 3
    tail = room - 1 - head
    return f"{value[:head]}…{value[len(value) - tail:]}" if tail else f"{value[:head]}…"


def identity_line(state: HeaderState, crumb: str = "", width: int | None = None) -> Text:
    """``aepx › jobs › 24950 · profile P · org O · sandbox S`` and the badges, on one line of ``width``
    cells: the sandbox and the badges always show in full; the org id, then the profile, then the
    crumb are cut in the middle (or left out) to make room."""
    t = state.target
    badges: list[tuple[str, str]] = []
    if state.production:  # reverse video: still stands out under NO_COLOR (which drops colours only)
        badges.append((" PROD ", "bold reverse"))
    if t.is_emulator:
        badges.append((" EMULATOR ", "reverse"))
    if state.read_only:
        badges.append((" READ-ONLY ", "reverse bold"))
    parts = {"crumb": sanitise(crumb), "profile": sanitise(t.profile), "org": sanitise(t.org_id)}
    sandbox = f" · sandbox {sanitise(t.sandbox)}"
    fixed = cell_len("aepx") + cell_len(sandbox) + sum(2 + cell_len(text) for text, _ in badges)
    labels = {"crumb": " › ", "profile": " · profile ", "org": " · org "}

    def total() -> int:
        return fixed + sum(cell_len(labels[k]) + cell_len(v) for k, v in parts.items() if v)

    if width is not None:
        for key in ("org", "profile", "crumb"):
            over = total() - width
            if over <= 0:
                break
            if parts[key]:
                parts[key] = _fit(parts[key], cell_len(parts[key]) - over, SHORTEST[key])
    line = Text()
    line.append("aepx", style="bold")
    if parts["crumb"]:
        line.append(f"{labels['crumb']}{parts['crumb']}", style="bold")
    for key in ("profile", "org"):
        if parts[key]:
            line.append(f"{labels[key]}{parts[key]}")
    line.append(sandbox)
    for text, style in badges:
        line.append("  ")
        line.append(text, style=style)
    return line


def header_text(state: HeaderState, crumb: str = "", width: int | None = None) -> Text:
    """Line 1: where (``aepx › jobs › 24950``), identity and badges, fitted to ``width`` cells. Line 2:
    freshness, stale reason and next retry."""
    line = identity_line(state, crumb, width)
    line.append("\n")
    poll = state.poll
    if poll.stale:
        line.append(" STALE ", style="bold reverse")
        line.append(f" {sanitise(poll.error)} ")
        if state.remedy:
            line.append(state.remedy, style="bold")
            line.append(" ")
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
        self._state: HeaderState | None = None

    def on_mount(self) -> None:
        self.pull_state()

    def pull_state(self) -> None:
        state = getattr(self.app, "header_state", None)
        if callable(state):
            self.show_state(state())
        else:
            self.update(Text.assemble(("aepx", "bold"), (f" › {sanitise(self.crumb)}", "bold")))

    def show_state(self, state: HeaderState) -> None:
        self._state = state
        self.update(header_text(state, self.crumb, self._width()))

    def _width(self) -> int:
        """The cells line 1 may take: the header's content width once laid out, else the screen's."""
        return self.content_size.width or max(self.app.size.width - 2, 20)

    def on_resize(self, event: Resize) -> None:
        if self._state is not None:
            self.update(header_text(self._state, self.crumb, self._width()))
