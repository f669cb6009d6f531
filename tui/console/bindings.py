"""Every key of the console in one catalogue. Each binding has an id, so ``[keymap]`` in the config
can remap it (``cancel = "ctrl+k"``) through ``App.set_keymap``.

``MUTATING`` lists the actions hidden and refused in read-only mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from textual.binding import Binding, BindingType

MUTATING = frozenset({"cancel", "launch", "setup", "clone"})

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="quit"),
    Binding("ctrl+c", "quit", "Quit", id="quit-ctrl-c", show=False),
    Binding("question_mark,f1", "help", "Keys", id="help", key_display="?"),
    Binding("colon", "command_line", "Command", id="command-line", show=False, key_display=":",
            tooltip="Command line: :profile NAME, :sandbox NAME, :q"),
    Binding("f2", "setup", "Setup", id="setup", show=False, tooltip="Set up a profile (config + secret)"),
    Binding("ctrl+d", "cancel", "Cancel", id="cancel", tooltip="Cancel the highlighted job or every marked job"),
    Binding("M", "message_log", "Messages", id="message-log", key_display="M", show=False,
            tooltip="Message log: every message shown, newest first (also :log)"),
    Binding("L", "call_log", "Calls", id="call-log", key_display="L", show=False,
            tooltip="API call log: the last 1,000 requests (also :calls)"),
    Binding("E", "enter_secret", "Secret", id="enter-secret", key_display="E", show=False,
            tooltip="Enter the client secret again (after the Platform refused it), for this run only"),
]

JOBS_BINDINGS: list[BindingType] = [
    Binding("question_mark,f1", "app.help", "Keys", id="help", key_display="?"),
    Binding("n", "launch", "New", id="launch", tooltip="New export job (payload editor)"),
    Binding("R", "app.clone", "Rerun", id="clone", key_display="R", show=False,
            tooltip="Clone the highlighted job's payload into the editor, to launch it again"),
    Binding("equals_sign", "app.diff", "Diff", id="diff", key_display="=", show=False,
            tooltip="Show the payloads of the two marked jobs side by side"),
    Binding("o", "open_output", "Output", id="output", show=False,
            tooltip="Output of a SUCCEEDED job: batch, files, schema, first rows, download"),
    Binding("slash", "filter", "Filter", id="filter", key_display="/",
            tooltip="Filter by id, status, dataset (name or id), batch id or error text"),
    Binding("space", "mark", "Mark", id="mark", show=False, tooltip="Mark or unmark the job (for cancel)"),
    Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False,
            tooltip="Clear the filter / back to the table"),
    Binding("F", "status_filter", "Status", id="status-filter", key_display="F", show=False,
            tooltip="Server status filter: all, NEW, PROCESSING, SUCCEEDED, FAILED"),
    Binding("right_square_bracket", "next_page", "Next", id="next-page", key_display="]",
            tooltip="Next page"),
    Binding("left_square_bracket", "prev_page", "Prev", id="prev-page", key_display="[", show=False,
            tooltip="Previous page"),
    Binding("A", "load_all", "Load all", id="load-all", key_display="A", show=False,
            tooltip="Load every page (sort and filter then cover all jobs)"),
    Binding("ctrl+r", "refresh", "Refresh", id="refresh", tooltip="Refresh now"),
    # hidden from the footer (the jobs snapshots stay as they were); listed by ? and the palette
    Binding("P", "app.pulse", "Pulse", id="pulse", key_display="P", show=False,
            tooltip="Pulse: counts now, the last 14 days, phases, slowest payloads, failures"),
    Binding("p", "pause", "Pause", id="pause", show=False, tooltip="Pause or resume the automatic refresh"),
    Binding("S", "sort('status')", "Sort status", id="sort-status", show=False),
    Binding("C", "sort('created')", "Sort created", id="sort-created", show=False),
    Binding("U", "sort('updated')", "Sort updated", id="sort-updated", show=False),
    Binding("D", "sort('duration')", "Sort duration", id="sort-duration", show=False),
    Binding("I", "sort('id')", "Sort id", id="sort-id", show=False),
    Binding("j", "cursor_down", "Down", id="down", show=False),
    Binding("k", "cursor_up", "Up", id="up", show=False),
    Binding("g", "cursor_top", "Top", id="top", show=False),
    Binding("G", "cursor_bottom", "Bottom", id="bottom", show=False),
    Binding("O", "app.overview", "Overview", id="overview", key_display="O", show=False,
            tooltip="Every profile/sandbox at a glance"),
]

# The job table's enter opens the detail; in the palette it runs the jobs screen's open_detail.
JOB_TABLE_OPEN = Binding("enter", "open_detail", "Detail", id="detail", tooltip="Open the highlighted job's detail")

OVERVIEW_BINDINGS: list[BindingType] = [
    Binding("enter", "switch_target", "Switch", id="overview-switch", tooltip="Switch the console to this target"),
    Binding("a", "add_sandbox", "Add sandbox", id="overview-add",
            tooltip="Add one of the profile's available sandboxes (this run only)"),
    Binding("ctrl+r", "refresh_rows", "Refresh", id="overview-refresh"),
    Binding("escape", "back", "Back", id="overview-back"),
]

# Bindings the palette leaves out: moving the cursor, closing an input, a second key for one action.
_NOT_IN_PALETTE = frozenset({"down", "up", "top", "bottom", "clear-filter", "quit-ctrl-c", "command-line"})
# Palette titles where the binding's tooltip would not read as a command.
_PALETTE_TITLES = {
    "refresh": "Refresh now", "pause": "Pause or resume refresh", "next-page": "Next page",
    "prev-page": "Previous page", "load-all": "Load all pages", "status-filter": "Cycle status filter",
    "filter": "Filter by text", "sort-status": "Sort by status", "sort-created": "Sort by created",
    "sort-updated": "Sort by updated", "sort-duration": "Sort by duration", "sort-id": "Sort by id",
    "mark": "Mark or unmark the highlighted job", "detail": "Open job detail", "output": "Open job output",
    "cancel": "Cancel job(s)", "launch": "Launch a new export job", "clone": "Rerun the highlighted job",
    "diff": "Diff the two marked jobs", "setup": "Set up a profile", "message-log": "Message log",
    "call-log": "API call log", "help": "Show keys", "quit": "Quit", "enter-secret": "Enter the client secret again",
}
# Palette entries with no key of their own (the ``:`` commands that take a name).
_PALETTE_EXTRA: list[tuple[str, str, str]] = [
    ("app.command_line('profile ')", "Switch profile (:profile NAME)", "Opens the command line with :profile"),
    ("app.command_line('sandbox ')", "Switch sandbox (:sandbox NAME)", "Opens the command line with :sandbox"),
]


def _palette_actions() -> list[tuple[str, str, str]]:
    """The palette's entries, derived from the jobs screen's and the app's bindings: (action on the
    jobs screen, or ``app.`` for the app; title; help: the tooltip, the key and the binding id)."""
    entries: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    on_jobs = [(b, b.action) for b in [*JOBS_BINDINGS, JOB_TABLE_OPEN] if isinstance(b, Binding)]
    on_app = [(b, "app." + b.action) for b in APP_BINDINGS if isinstance(b, Binding)]
    for binding, action in [*on_jobs, *on_app]:
        if (binding.id or "") in _NOT_IN_PALETTE or action in seen:
            continue
        seen.add(action)
        key = binding.key_display or binding.key.split(",")[0]
        title = _PALETTE_TITLES.get(binding.id or "", binding.description)
        about = f"{binding.tooltip} · " if binding.tooltip and binding.tooltip != title else ""
        entries.append((action, title, f"{about}key {key} · id {binding.id}"))
    return entries + _PALETTE_EXTRA


def binding_sources() -> dict[str, list[Any]]:
    """Where the console's bindings live: ``{"app" or class name: its BINDINGS}``. Screens are
    imported here, lazily: they import this module for their own bindings."""
    from tui.console.screens.calls import CallLogScreen
    from tui.console.screens.confirm import ConfirmScreen
    from tui.console.screens.detail import DetailScreen
    from tui.console.screens.diff import DiffScreen
    from tui.console.screens.help import HelpScreen
    from tui.console.screens.jobs import JobsScreen
    from tui.console.screens.launch import ConfirmDataset, ConfirmLaunch, LaunchScreen
    from tui.console.screens.message_log import MessageLogScreen
    from tui.console.screens.output import OutputScreen
    from tui.console.screens.overview import OverviewScreen
    from tui.console.screens.pickers import FilterPicker, NamePrompt
    from tui.console.screens.pulse import PulseScreen
    from tui.console.screens.secret_prompt import SecretPromptScreen
    from tui.console.screens.setup import SetupScreen
    from tui.console.widgets.detail import JobDetail
    from tui.console.widgets.job_table import JobTable

    where: dict[str, list[Any]] = {"app": APP_BINDINGS}
    for cls in (JobsScreen, JobTable, DetailScreen, JobDetail, OverviewScreen, OutputScreen, DiffScreen,
                LaunchScreen, ConfirmLaunch, ConfirmDataset, ConfirmScreen, FilterPicker, NamePrompt,
                MessageLogScreen, CallLogScreen, PulseScreen, SetupScreen, SecretPromptScreen, HelpScreen):
        where[cls.__name__] = list(cls.BINDINGS)
    return where


def catalogue() -> dict[str, list[tuple[str, Binding]]]:
    """Every binding of the console by id: ``{id: [(where, binding), ...]}`` (one id may serve on
    several screens, e.g. ``help``). The source for ``?`` (which shows the ids), the README cross-check
    and ``[keymap]`` validation; the palette is derived from the jobs screen's and the app's part."""
    result: dict[str, list[tuple[str, Binding]]] = {}
    for name, bindings in binding_sources().items():
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id:
                result.setdefault(binding.id, []).append((name, binding))
    return result


def unknown_keymap_ids(keymap: Mapping[str, str]) -> list[str]:
    """The ``[keymap]`` ids that name no binding (each would be ignored silently by Textual)."""
    known = catalogue()
    return [name for name in keymap if name not in known]


def hide_mutating(bindings_map: Any) -> None:
    """Read-only mode: keep the mutating bindings of a node's ``BindingsMap`` out of the footer (they
    still run, and their action says that read-only mode refuses it)."""
    table = bindings_map.key_to_bindings
    for key, items in table.items():
        table[key] = [replace(b, show=False) if is_mutating(b.action) else b for b in items]


# Actions (without the ``app.`` prefix) that change something on the server or disk.
def is_mutating(action: str) -> bool:
    name = action.removeprefix("app.").split("(", 1)[0]
    return name in MUTATING


PALETTE_ACTIONS = _palette_actions()
