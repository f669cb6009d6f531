"""Ask for a client secret (password input). The value becomes a ``Secret`` kept in memory only: it is
never logged, shown, or written anywhere by this screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.core.sanitise import sanitise
from tui.core.secret import Secret


def stored_nowhere(why: str) -> str:
    """The start-up prompt's reason, one sentence: nothing stored, and why (the prompt is the remedy)."""
    why = why.strip().rstrip(".")
    return f"No client secret is stored for this profile{f' ({why})' if why else ''}."


class SecretPromptScreen(ModalScreen[Secret | None]):
    DEFAULT_CSS = """
    SecretPromptScreen { align: center middle; }
    SecretPromptScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $warning; background: $surface;
        padding: 1 2;
    }
    SecretPromptScreen Input { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "abort", "Abort", id="secret-abort")]
    AUTO_FOCUS = "#secret"

    def __init__(self, profile_name: str, reason: str = "") -> None:
        super().__init__()
        self._profile_name = profile_name
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(sanitise(f"Client secret for profile {self._profile_name}")), id="secret-title")
            if self._reason:
                yield Static(Text(sanitise(self._reason, keep_newlines=True)), id="secret-reason")
            yield Static("Type it to use it for this run only (kept in memory, never saved); esc aborts.")
            yield Input(password=True, placeholder="client secret", id="secret")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if not value:
            self.notify("The client secret is empty; type it or press esc.", severity="warning")
            return
        self.dismiss(Secret(value))

    def action_abort(self) -> None:
        self.dismiss(None)


class SecretPromptApp(App[Secret | None]):
    """A one-screen app for the CLI: returns the typed secret (or ``None`` when aborted)."""

    def __init__(self, profile_name: str, reason: str = "") -> None:
        super().__init__()
        self.animation_level = "none"
        self._profile_name = profile_name
        self._reason = reason

    def on_mount(self) -> None:
        self.push_screen(SecretPromptScreen(self._profile_name, self._reason), self.exit)
