"""F2: a form that writes a connection profile to the config file and stores its client secret.

The profile goes through ``tui.core.config.write_profile`` (atomic, 0600) and is read back with
``load_config`` so a form that wrote something the loader refuses says so at once. The secret goes to
``tui.core.credentials.store_secret``; when no keyring works, the form says so and the secret is kept
in memory for this run only (never written in plain text silently).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from tui.core.errors import AepxError
from tui.core.profile import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL, DEFAULT_SCOPES, Profile, check_profile
from tui.core.sanitise import sanitise
from tui.core.secret import Secret

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Profile name", ""),
    ("org_id", "IMS org id (…@AdobeOrg)", ""),
    ("client_id", "Client id (API key)", ""),
    ("sandbox", "Sandbox", "prod"),
    ("platform_url", "Platform URL", DEFAULT_PLATFORM_URL),
    ("ims_url", "IMS URL", DEFAULT_IMS_URL),
    ("scopes", "Scopes (comma-separated)", ",".join(DEFAULT_SCOPES)),
)


@dataclass(frozen=True, slots=True)
class SetupResult:
    profile: Profile
    secret: Secret | None  # kept in memory when it could not be stored
    secret_stored: bool
    message: str


def profile_from_form(values: dict[str, str]) -> Profile:
    """Validate the form; raises ``ValueError`` with one sentence naming the field."""
    def field(key: str) -> str:
        return values.get(key, "").strip()

    scopes = tuple(s.strip() for s in field("scopes").split(",") if s.strip())
    profile = Profile(name=field("name"), org_id=field("org_id"), client_id=field("client_id"),
                      sandbox=field("sandbox").lower(), platform_url=field("platform_url"), ims_url=field("ims_url"),
                      scopes=scopes or DEFAULT_SCOPES)
    check_profile(profile)
    return profile


def save_profile(path: Path | None, profile: Profile, *, make_default: bool) -> None:
    """Write and read back (raises ``AepxError`` with one sentence when either fails)."""
    from tui.core.config import load_config, write_profile

    write_profile(path, profile, make_default=make_default)
    load_config(path).profile(profile.name)


def store(profile: Profile, secret: Secret) -> tuple[bool, str]:
    """Store the secret in the keyring; ``(False, why)`` when no keyring is usable."""
    from tui.core.credentials import store_secret

    try:
        where = store_secret(profile, secret)
    except AepxError as exc:
        return False, f"{exc} The secret is kept in memory for this run only."
    except Exception as exc:  # any keyring backend failure: say so, never crash
        return False, (f"The keyring could not store the secret ({type(exc).__name__}); it is kept in memory "
                       f"for this run only.")
    return True, f"The client secret is stored in {where}."


class SetupScreen(ModalScreen[SetupResult | None]):
    DEFAULT_CSS = """
    SetupScreen { align: center middle; }
    SetupScreen > Vertical {
        width: 84; max-width: 100%; height: 100%; max-height: 34; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    SetupScreen Label.field { margin-top: 1; color: $text-muted; }
    SetupScreen Input { background: $boost; }
    SetupScreen #setup-title { text-style: bold; }
    SetupScreen #setup-error { color: $error; height: auto; }
    SetupScreen VerticalScroll { height: 1fr; }
    SetupScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    SetupScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "abort", "Abort", id="setup-abort"),
        Binding("ctrl+s", "save", "Save", id="setup-save"),
    ]
    AUTO_FOCUS = "#field-name"

    def __init__(self, path: Path | None, *, defaults: dict[str, str] | None = None) -> None:
        super().__init__()
        self._path = path
        self._defaults = defaults or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Set up a profile in {self._path or 'the default config file'}"),
                        id="setup-title")
            with VerticalScroll():
                for key, label, default in FIELDS:
                    yield Label(label, classes="field")
                    yield Input(self._defaults.get(key, default), id=f"field-{key}", compact=True)
                yield Label("Client secret (stored in the keyring, never in the config file)", classes="field")
                yield Input(password=True, id="field-secret", compact=True)
                yield Checkbox("Make this the default profile", value=True, id="make-default")
            yield Static("", id="setup-error")
            with Horizontal():
                yield Button("Cancel (esc)", id="setup-cancel", compact=True)
                yield Button("Save (ctrl+s)", id="setup-save", variant="primary", compact=True)

    def on_mount(self) -> None:
        # focusing the first field scrolls it flush to the top, hiding its label: scroll back home
        scroll = self.query_one(VerticalScroll)
        self.call_after_refresh(scroll.scroll_home, animate=False)

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#field-{key}", Input).value for key, _, _ in FIELDS}

    def action_abort(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#setup-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#setup-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one (the secret) it saves."""
        if event.input.id == "field-secret":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        error = self.query_one("#setup-error", Static)
        try:
            profile = profile_from_form(self.values())
        except ValueError as exc:
            error.update(Text(sanitise(str(exc))))
            return
        error.update("")
        raw = self.query_one("#field-secret", Input).value.strip()
        self._write(profile, Secret(raw) if raw else None, self.query_one("#make-default", Checkbox).value)

    @work(exclusive=True, group="setup", exit_on_error=False)
    async def _write(self, profile: Profile, secret: Secret | None, make_default: bool) -> None:
        error = self.query_one("#setup-error", Static)
        try:
            await asyncio.to_thread(save_profile, self._path, profile, make_default=make_default)
        except AepxError as exc:
            error.update(Text(sanitise(str(exc))))
            return
        except OSError as exc:
            error.update(Text(sanitise(f"Could not write the config file: {exc.strerror or exc}.")))
            return
        stored, message = (False, "No secret given: set AEPX_CLIENT_SECRET or run `aepx login` later.")
        if secret is not None:
            stored, message = await asyncio.to_thread(store, profile, secret)
        self.dismiss(SetupResult(profile, None if stored else secret, stored,
                                 f"Profile {profile.name} saved. {message}"))
