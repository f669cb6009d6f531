"""Every key of the console in one catalogue. Each binding has an id, so ``[keymap]`` in the config
can remap it (``cancel = "ctrl+k"``) through ``App.set_keymap``.

``MUTATING`` lists the actions hidden and refused in read-only mode.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

MUTATING = frozenset({"cancel", "launch", "setup", "clone"})

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="quit"),
    Binding("question_mark,f1", "help", "Keys", id="help", key_display="?"),
    Binding("colon", "command_line", "Command", id="command-line", show=False, key_display=":",
            tooltip="Command line: :profile NAME, :sandbox NAME, :q"),
    Binding("f2", "setup", "Setup", id="setup", show=False, tooltip="Set up a profile (config + secret)"),
    Binding("ctrl+d", "cancel", "Cancel", id="cancel", tooltip="Cancel the highlighted job or every marked job"),
    Binding("M", "message_log", "Messages", id="message-log", key_display="M", show=False,
            tooltip="Message log: every message shown, newest first (also :log)"),
    Binding("L", "call_log", "Calls", id="call-log", key_display="L", show=False,
            tooltip="API call log: the last 1,000 requests (also :calls)"),
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
            tooltip="Filter by id, status, dataset, batch id or error text"),
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

OVERVIEW_BINDINGS: list[BindingType] = [
    Binding("enter", "switch_target", "Switch", id="overview-switch", tooltip="Switch the console to this target"),
    Binding("a", "add_sandbox", "Add sandbox", id="overview-add",
            tooltip="Add one of the profile's available sandboxes (this run only)"),
    Binding("ctrl+r", "refresh_rows", "Refresh", id="overview-refresh"),
    Binding("escape", "back", "Back", id="overview-back"),
]

# The palette offers these (action on the jobs screen or the app, title, help).
PALETTE_ACTIONS: list[tuple[str, str, str]] = [
    ("refresh", "Refresh now", "Fetch the current page again"),
    ("pause", "Pause or resume refresh", "Stop or restart the automatic refresh"),
    ("next_page", "Next page", "Fetch the next page of jobs"),
    ("prev_page", "Previous page", "Go back one page"),
    ("load_all", "Load all pages", "Fetch every page so sort and filter cover all jobs"),
    ("status_filter", "Cycle status filter", "all, NEW, PROCESSING, SUCCEEDED, FAILED (server side)"),
    ("filter", "Filter by text", "Id, status, dataset, batch id or error text"),
    ("sort('status')", "Sort by status", "Press again to reverse"),
    ("sort('created')", "Sort by created", "Press again to reverse"),
    ("sort('updated')", "Sort by updated", "Press again to reverse"),
    ("sort('duration')", "Sort by duration", "Press again to reverse"),
    ("sort('id')", "Sort by id", "Press again to reverse"),
    ("mark", "Mark or unmark the highlighted job", "Marked jobs are cancelled together"),
    ("open_detail", "Open job detail", "Summary, metrics timeline, errors, raw record"),
    ("open_output", "Open job output", "A SUCCEEDED job's batch, files, schema, first rows; download"),
    ("app.cancel", "Cancel job(s)", "Cancel the highlighted job or every marked job"),
    ("launch", "Launch a new export job", "Open the payload editor"),
    ("app.clone", "Rerun the highlighted job", "Its payload, rebuilt from the record, in the editor"),
    ("app.diff", "Diff the two marked jobs", "Their payloads side by side"),
    ("app.overview", "Overview", "Every profile/sandbox at a glance: counts, stuck, failures, type"),
    ("app.setup", "Set up a profile", "Write a profile and store its secret"),
    ("app.pulse", "Pulse", "Is today normal? Counts, 14 days, phases, slow payloads, failures"),
    ("app.message_log", "Message log", "Every message shown, newest first; enter opens a job"),
    ("app.call_log", "API call log", "The last 1,000 requests: c copies as curl, r copies the request id"),
    ("app.help", "Show keys", "Every key of the current screen"),
    ("app.quit", "Quit", "Leave aepx"),
]

# Actions (without the ``app.`` prefix) that change something on the server or disk.
def is_mutating(action: str) -> bool:
    name = action.removeprefix("app.").split("(", 1)[0]
    return name in MUTATING
