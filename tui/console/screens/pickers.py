"""Small modal screens used by the launch screen: searchable pickers and one-line prompts.

- ``DatasetPicker``: datasets on the profile union schema, filtered as you type.
- ``MergePolicyPicker``: merge policies, the default one marked.
- ``NamePrompt``: a name for a new target dataset.
- ``PathPrompt``: a file path to load a payload from or save it to.

Every server-supplied string (names, ids) is shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.core.models import Dataset, MergePolicy
from tui.core.sanitise import sanitise

T = TypeVar("T")

PICKER_CSS = """
FilterPicker, NamePrompt, PathPrompt { align: center middle; }
FilterPicker > Vertical, NamePrompt > Vertical, PathPrompt > Vertical {
    width: 80%; max-width: 90; height: auto; max-height: 80%;
    border: round $accent; background: $surface; padding: 0 1;
}
FilterPicker OptionList { height: auto; max-height: 16; }
FilterPicker .hint, NamePrompt .hint, PathPrompt .hint { color: $text-muted; }
FilterPicker .title, NamePrompt .title, PathPrompt .title { text-style: bold; }
"""


class FilterPicker(ModalScreen[T | None], Generic[T]):
    """A searchable list: type to filter, up/down to move, enter to choose, esc to cancel."""

    DEFAULT_CSS = PICKER_CSS
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, title: str, items: Sequence[tuple[str, T]], *, empty_hint: str) -> None:
        super().__init__()
        self._title = title
        self._items = list(items)
        self._empty_hint = empty_hint
        self._shown: list[T] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(sanitise(self._title)), classes="title")
            yield Input(placeholder="type to filter", id="picker-filter")
            yield OptionList(id="picker-choices")
            yield Label(Content("enter chooses · esc cancels"), classes="hint", id="picker-hint")

    def on_mount(self) -> None:
        self._refill("")
        self.query_one("#picker-filter", Input).focus()

    def _refill(self, needle: str) -> None:
        words = needle.lower().split()
        matches = [(label, value) for label, value in self._items
                   if all(w in label.lower() for w in words)]
        self._shown = [value for _, value in matches]
        options = self.query_one("#picker-choices", OptionList)
        options.set_options(Option(Content(label)) for label, _ in matches)
        if matches:
            options.highlighted = 0
        hint = self.query_one("#picker-hint", Label)
        if not self._items:
            hint.update(Content(self._empty_hint))
        elif not matches:
            hint.update(Content("Nothing matches; esc cancels."))
        else:
            hint.update(Content(f"{len(matches)} of {len(self._items)} · enter chooses · esc cancels"))

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _filter_submitted(self) -> None:
        index = self.query_one("#picker-choices", OptionList).highlighted
        if index is not None and index < len(self._shown):
            self.dismiss(self._shown[index])

    @on(OptionList.OptionSelected, "#picker-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self._shown):
            self.dismiss(self._shown[event.option_index])

    def action_move(self, step: int) -> None:
        options = self.query_one("#picker-choices", OptionList)
        if not self._shown:
            return
        current = options.highlighted if options.highlighted is not None else -step
        options.highlighted = max(0, min(len(self._shown) - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DatasetPicker(FilterPicker[Dataset]):
    def __init__(self, datasets: Sequence[Dataset]) -> None:
        items = [(f"{sanitise(d.name, limit=200) or '(no name)'}  ·  {sanitise(d.id, limit=120)}", d)
                 for d in datasets]
        super().__init__("Target dataset (profile union schema)", items,
                         empty_hint="No dataset on the profile union schema yet: esc, then ctrl+n creates one.")


class MergePolicyPicker(FilterPicker[MergePolicy]):
    def __init__(self, policies: Sequence[MergePolicy]) -> None:
        items = [(merge_policy_label(p), p) for p in policies]
        super().__init__("Merge policy", items, empty_hint="No merge policy was found in this sandbox.")


def merge_policy_label(policy: MergePolicy) -> str:
    version = f" v{policy.version}" if policy.version is not None else ""
    default = " (default)" if policy.default else ""
    return (f"{sanitise(policy.name, limit=200) or '(no name)'}{default}  ·  "
            f"{sanitise(policy.id, limit=120)}{version}")


class _LinePrompt(ModalScreen[T | None], Generic[T]):
    """A title, one Input and a hint; enter submits when ``parse`` accepts the text, esc cancels."""

    DEFAULT_CSS = PICKER_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "", hint: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._hint = hint or "enter confirms · esc cancels"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(sanitise(self._title)), classes="title")
            yield Input(value=self._value, placeholder=self._placeholder, id="picker-value")
            yield Label(Content(self._hint), classes="hint", id="picker-hint")

    def on_mount(self) -> None:
        self.query_one("#picker-value", Input).focus()

    def parse(self, text: str) -> tuple[T | None, str]:
        """``(value, "")`` when accepted, else ``(None, one-sentence reason)``."""
        raise NotImplementedError

    @on(Input.Submitted, "#picker-value")
    def _submitted(self, event: Input.Submitted) -> None:
        value, reason = self.parse(event.value)
        if value is None:
            self.query_one("#picker-hint", Label).update(Content(reason))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NamePrompt(_LinePrompt[str]):
    def __init__(self, title: str = "Name of the new target dataset", *, value: str = "") -> None:
        super().__init__(title, value=value, placeholder="e.g. Profile export 2026-11",
                         hint="Created on the profile union schema (parquet) · enter creates · esc cancels")

    def parse(self, text: str) -> tuple[str | None, str]:
        name = text.strip()
        return (name, "") if name else (None, "Type a name first (it cannot be empty).")


class PathPrompt(_LinePrompt[Path]):
    def __init__(self, title: str, *, value: str = "", must_exist: bool = False) -> None:
        super().__init__(title, value=value, placeholder="path/to/payload.json")
        self._must_exist = must_exist

    def parse(self, text: str) -> tuple[Path | None, str]:
        raw = text.strip()
        if not raw:
            return None, "Type a file path first."
        path = Path(raw).expanduser()
        if path.is_dir():
            return None, f"{path} is a directory; type a file name."
        if self._must_exist and not path.is_file():
            return None, f"There is no file at {path}; check the path."
        return path, ""
