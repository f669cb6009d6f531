"""``?``: every active key of the screen underneath, with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from tui.console.bindings import is_mutating

GENERIC_ACTIONS = frozenset({"app.focus_next", "app.focus_previous", "focus_next", "focus_previous",
                             "screen.copy_text", "copy_text",
                             "screen.minimize", "screen.maximize", "command_palette"})


#: One row for one thing: Textual's own ``ctrl+q`` quits as our ``q`` does, and its ``ctrl+c`` copies only
#: while text is selected (otherwise the press goes on to our quit binding).
SAME_AS = {"app.quit": "quit", "quit": "quit"}
LABELS = {"quit": "Quit", "screen.copy_text": "Copy the selected text (with nothing selected, ^c quits)",
          "copy_text": "Copy the selected text (with nothing selected, ^c quits)"}


def _rank(screen: Screen, node: object, action: str) -> int:
    """The screen's own keys first, then the app's, then the focused widget's (navigation), then
    Textual's generic ones (focus cycling, copy)."""
    if action in GENERIC_ACTIONS:
        return 3
    if node is screen:
        return 0
    if node is screen.app:
        return 1
    return 2


def key_rows_with_ids(screen: Screen) -> list[tuple[str, str, str]]:
    """``(keys, description, binding ids)``: the ids are what ``[keymap]`` rebinds."""
    seen: dict[str, list[str]] = {}
    ids: dict[str, list[str]] = {}
    read_only = bool(getattr(screen.app, "read_only", False))
    #: what an app-wide key means on this screen (by binding id), e.g. the detail's ctrl+d: this job
    overrides: dict[str, str] = getattr(screen, "HELP_LABELS", {})
    ordered = sorted(screen.active_bindings.items(),  # within a rank, ours (with an id) before Textual's
                     key=lambda item: (_rank(screen, item[1].node, item[1].binding.action), not item[1].binding.id))
    for key, active in ordered:
        binding = active.binding
        if not active.enabled or (read_only and is_mutating(binding.action)):
            continue
        action = SAME_AS.get(binding.action, binding.action)
        label = (overrides.get(binding.id or "") or LABELS.get(action) or binding.tooltip or binding.description
                 or binding.action)
        display = screen.app.get_key_display(binding)
        keys = seen.setdefault(label, [])
        if display not in keys:
            keys.append(display or key)
        names = ids.setdefault(label, [])
        if binding.id and binding.id not in names:
            names.append(binding.id)
    return [(" ".join(keys), label, " ".join(ids[label])) for label, keys in seen.items()]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    HelpScreen VerticalScroll { height: auto; max-height: 30; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", id="help-close")]

    def __init__(self, under: Screen, *, blurb: str = "") -> None:
        super().__init__()
        self._rows = key_rows_with_ids(under)
        self._blurb = blurb

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        for keys, label, ids in self._rows:
            table.add_row(Text(keys), Text(label), Text(ids))
        with Vertical():
            yield Label("Keys (esc closes); the last column is the id to rebind in [keymap]", id="help-title")
            if self._blurb:
                yield Static(Text(self._blurb))
            with VerticalScroll():
                yield Static(table, id="help-keys")

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(keys, label) for keys, label, _ in self._rows]

    @property
    def ids(self) -> dict[str, str]:
        """Description -> the binding ids shown for it."""
        return {label: ids for _, label, ids in self._rows}

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
