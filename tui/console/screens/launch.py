"""The launch screen: edit an export-job payload, check it live, and create the job exactly once.

Layout: the JSON editor, and a side panel (launch target, templates, live validation). Under 100
columns the side panel moves below the editor. Keys avoid the editor's own bindings (TextArea uses
ctrl+a/e/d/k/u/w/x/c/v/z/y, f6, f7, ...).

The editor's text is saved as a draft while typing (debounced, atomic) and restored next time, so a
crash, a kill or a dropped SSH session loses at most the last fraction of a second of typing.
The screen dismisses with the created ``Job``, or ``None`` when left with esc.

One module: the editor, its confirmation and the draft share one payload, one validation result and
one preflight cache; the rules themselves live in ``tui.core.payload``, ``payload_edit`` and ``preflight``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.api.preflight import Cache, cached_facts, gather, recent_jobs
from tui.console.screens.confirm import TypedName
from tui.console.screens.pickers import (
    DatasetPicker,
    MergePolicyPicker,
    NamePrompt,
    PathPrompt,
    dataset_items,
    merge_policy_label,
)
from tui.console.widgets.header import AppHeader
from tui.console.widgets.payload_editor import PayloadEditor
from tui.core import drafts, templates
from tui.core.curl import as_curl
from tui.core.errors import AepxError, AmbiguousCreateError, PayloadError
from tui.core.fingerprint import active_duplicates, duplicate_sentence
from tui.core.models import Dataset, Job, MergePolicy, Target, destination_dataset
from tui.core.payload import MAX_PAYLOAD_BYTES, Issue, ValidationResult, read_payload_text, validate_text
from tui.core.payload_edit import replace_dataset_id
from tui.core.preflight import DEFAULT_MAX_EVENT_AGE_DAYS, UNCHECKED, Report, event_window, preflight
from tui.core.protocol import JobsAPI
from tui.core.sanitise import sanitise

MAX_LOAD_BYTES = MAX_PAYLOAD_BYTES
MAX_ISSUES_SHOWN = 6
MAX_NOTES_SHOWN = 4  # preflight notes in the launch confirmation (it must fit 80×24 with its buttons)
DEFAULT_TEMPLATE = "profile"


# --- pure helpers (tested through the screen) ----------------------------------------------------
def issue_text(issue: Issue) -> str:
    """``line L, column C: message (path)``, without repeating a position the message already names."""
    message = issue.message
    where = ""
    if issue.line:
        where = f"line {issue.line}, column {issue.column or 1}"
        message = message.replace(f" at {where}", "").replace(where, "").strip(" :")
        where += ": "
    path = f" ({issue.path})" if issue.path and issue.path not in message else ""
    return f"{where}{message}{path}"


def _as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def export_summary(payload: Mapping[str, Any], datasets: list[Dataset],
                   policies: list[MergePolicy], now_ms: int | None = None) -> list[tuple[str, str]]:
    """(label, value) rows describing what the payload exports, for the confirmation."""
    dest = _as_map(payload.get("destination"))
    ds_id = str(destination_dataset(dest) or "")
    ds_name = next((d.name for d in datasets if d.id == ds_id and d.name), "")
    events = _as_map(_as_map(payload.get("additionalFields")).get("eventList"))
    segments = _as_map(payload.get("filter")).get("segments")
    mp = _as_map(payload.get("mergePolicy"))
    mp_id = str(mp.get("id", "") or "")
    mp_name = next((p.name for p in policies if p.id == mp_id and p.name), "")
    fields = str(payload.get("fields", "") or "")
    rows = [
        ("Dataset", f"{ds_name} ({ds_id})" if ds_name else ds_id or "(none)"),
        ("Fields", fields if fields else "all profile fields"),
        ("Events", f"yes: {events.get('fields') or 'all event fields'}" if events else "no"),
        ("Segments", str(len(segments)) if isinstance(segments, list) else "none (all profiles)"),
        ("Merge policy", (f"{mp_name} ({mp_id}" if mp_name else f"{mp_id or '(segment default)'}")
         + (f" v{mp['version']}" if mp.get("version") is not None else "") + (")" if mp_name else "")),
        ("Batch per segment", "yes" if dest.get("segmentPerBatch") is True else "no"),
    ]
    if events and now_ms is not None:
        rows.insert(3, ("Event window", event_window(payload, now_ms)))
    return rows


def target_lines(target: Target, *, read_only: bool) -> Content:
    text = Content.assemble(
        ("Profile ", "dim"), sanitise(target.profile) or "(none)", "\n",
        ("Org     ", "dim"), sanitise(target.org_id) or "(none)", "\n",
        ("Sandbox ", "dim"), sanitise(target.sandbox) or "(none)",
    )
    badges: list[Content] = []
    if target.is_emulator:
        badges.append(Content.styled(" EMULATOR ", "bold reverse $warning"))
    if read_only:
        badges.append(Content.styled(" READ-ONLY ", "bold reverse $error"))
    if badges:
        text = Content.assemble(text, "\n", Content(" ").join(badges))
    return text


# --- confirmation ----------------------------------------------------------------------------------
class ConfirmLaunch(TypedName, ModalScreen[bool]):
    """Names org, sandbox, dataset and what is exported. "No" is focused; ``y`` sends, once."""

    DEFAULT_CSS = """
    ConfirmLaunch { align: center middle; }
    ConfirmLaunch > Vertical {
        width: 76; max-width: 95%; height: auto; max-height: 95%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmLaunch .title { width: 100%; text-style: bold; }
    ConfirmLaunch .warning { width: 100%; color: $error; text-style: bold; }
    ConfirmLaunch .note { width: 100%; color: $warning; }
    ConfirmLaunch #confirm-body { height: auto; max-height: 60vh; }
    ConfirmLaunch Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmLaunch Button { margin-left: 2; min-width: 10; }
    ConfirmLaunch .typed-name-hint { width: 100%; margin-top: 1; text-style: bold; }
    ConfirmLaunch #typed-name { width: 40; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, launch", id="launch-confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="launch-confirm.no"),
    ]

    def __init__(self, target: Target, summary: list[tuple[str, str]], *, warning: str = "",
                 notes: list[str] | None = None, typed_name: str | None = None) -> None:
        super().__init__()
        self.typed_name = typed_name
        self._target = target
        self._summary = summary
        self._warning = warning
        self.notes = list(notes or [])  # preflight warnings and "not checked" lines
        self._answered = False

    def compose(self) -> ComposeResult:
        t = self._target
        env = " (EMULATOR)" if t.is_emulator else ""
        with Vertical():
            yield Label(Content(f"Launch this export job in {sanitise(t.org_id)} / {sanitise(t.sandbox)}{env}?"),
                        classes="title")
            rows = self.summary_rows
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for key, value in rows:
                grid.add_row(Text(sanitise(key)), Text(sanitise(value)))  # Text: server strings are never markup
            # the body scrolls when it is taller than the terminal allows, so the buttons stay visible
            with VerticalScroll(id="confirm-body"):  # tab reaches it: arrows scroll
                yield Static(grid, id="summary")
                if self._warning:
                    yield Label(Content(sanitise(self._warning, keep_newlines=True)), classes="warning")
                for note in self.notes[:MAX_NOTES_SHOWN]:
                    yield Label(Content(sanitise(f"! {note}", limit=500)), classes="note")
                if len(self.notes) > MAX_NOTES_SHOWN:
                    yield Label(Content(f"… and {len(self.notes) - MAX_NOTES_SHOWN} more in the editor's "
                                        "validation panel"), classes="note")
            yield from self.typed_name_widgets()
            with Horizontal():
                yield Button("No", id="no", variant="default")
                yield Button("Yes, launch" if self.typed_name else "Yes, launch (y)", id="yes", variant="warning")

    @property
    def summary_rows(self) -> list[tuple[str, str]]:
        t = self._target
        return [("Profile", t.profile), ("Org", t.org_id), ("Sandbox", t.sandbox), *self._summary]

    def on_mount(self) -> None:
        self.app.clear_notifications()  # toasts would cover the summary and the buttons
        self.query_one("#no", Button).focus()
        self.typed_mount()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def typed_confirmed(self) -> None:
        self.action_answer(True)

    def action_answer(self, yes: bool) -> None:
        if yes and not self.typed_ok():
            return  # production: only the typed name confirms
        if self._answered:  # a double press must never answer twice
            return
        self._answered = True
        self.dismiss(yes)


class ConfirmDataset(ModalScreen[bool]):
    """``ctrl+n``: names the dataset, the org and the sandbox before anything is created. "No" is focused."""

    DEFAULT_CSS = """
    ConfirmDataset { align: center middle; }
    ConfirmDataset > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmDataset .title { width: 100%; text-style: bold; }
    ConfirmDataset Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDataset Button { margin-left: 2; min-width: 10; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, create", id="dataset-confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="dataset-confirm.no"),
    ]

    def __init__(self, target: Target, name: str) -> None:
        super().__init__()
        self._target = target
        self._name = name
        self._answered = False

    @property
    def question(self) -> str:
        t = self._target
        env = " (EMULATOR)" if t.is_emulator else ""
        return (f"Create dataset “{sanitise(self._name)}” in org {sanitise(t.org_id)}, sandbox "
                f"{sanitise(t.sandbox)}{env}? Only its id is written into the payload.")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question), classes="title")
            with Horizontal():
                yield Button("No", id="no", variant="default")
                yield Button("Yes, create (y)", id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        if self._answered:
            return
        self._answered = True
        self.dismiss(yes)


# --- the screen --------------------------------------------------------------------------------
class LaunchScreen(Screen[Job | None]):
    """JSON editor + templates + live validation + pickers; ``ctrl+s`` launches after confirmation."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDING_GROUP_TITLE = "Launch"

    DEFAULT_CSS = """
    LaunchScreen { layout: vertical; }
    LaunchScreen #launch-body { height: 1fr; }
    LaunchScreen #side { width: 40; height: 1fr; padding: 0 1; border-left: solid $primary-muted; }
    LaunchScreen #side > * { height: auto; }
    LaunchScreen .panel-title { text-style: bold; color: $accent; margin-top: 1; }
    LaunchScreen #templates { height: auto; max-height: 6; border: none; padding: 0; }
    LaunchScreen #validation { height: auto; }
    LaunchScreen #status { height: auto; color: $warning; }
    LaunchScreen #launch-title { width: 100%; height: 1; background: $primary-muted; text-style: bold; padding: 0 1; }
    LaunchScreen.-narrow #launch-body { layout: vertical; }
    LaunchScreen.-narrow #side {
        width: 1fr; height: 9; border-left: none; border-top: solid $primary-muted; layout: horizontal;
    }
    LaunchScreen.-narrow #side > Vertical { width: 1fr; height: auto; }
    LaunchScreen.-narrow #side-left { width: 30; }
    LaunchScreen.-narrow .panel-title { margin-top: 0; }
    LaunchScreen.-narrow #target-title { display: none; }
    """

    BINDINGS = [
        Binding("ctrl+s", "launch", "Launch", id="launch-submit"),
        Binding("f2", "focus_templates", "Templates", id="launch-templates"),
        Binding("f3", "pick_dataset", "Dataset", id="launch-dataset"),
        Binding("f4", "external_editor", "$EDITOR", id="launch-editor", show=False),  # the footer fits 80 columns
        Binding("f5", "pick_merge_policy", "Policy", id="launch-merge-policy", tooltip="Pick a merge policy"),
        Binding("f8", "jump_to_error", "Error", id="launch-jump", tooltip="Go to the first error"),
        Binding("f9", "copy_curl", "Copy curl", id="launch-curl", show=False),
        Binding("ctrl+n", "new_dataset", "New dataset", id="launch-new-dataset", show=False),
        Binding("ctrl+o", "load_file", "Open file", id="launch-open", show=False),
        Binding("ctrl+g", "save_file", "Save file", id="launch-save", show=False),
        Binding("escape", "leave", "Back", id="launch-back", priority=True),
    ]

    def __init__(self, api: JobsAPI, *, read_only: bool = False, draft_path: Path | None = None,
                 validate_delay: float = 0.3, draft_delay: float = 0.5, initial_text: str | None = None,
                 title: str = "", note: str = "", known_jobs: Callable[[], Iterable[Job]] | None = None,
                 max_event_age_days: int = DEFAULT_MAX_EVENT_AGE_DAYS, preflight_delay: float = 0.6,
                 clock: Callable[[], float] | None = None,
                 confirm_name: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        # the sandbox name to type in the launch confirmation (production), asked when it opens
        self._confirm_name = confirm_name
        self.api = api
        self.launch_title = title  # "cloned from job N (FAILED, 2026-11-30)"
        self._note = note
        self._known_jobs = known_jobs
        self._max_event_age_days = max_event_age_days
        self._preflight_delay = preflight_delay
        self._preflight_timer: Timer | None = None
        self._preflight_cache: Cache = {}
        self._preflight: Report | None = None
        self._recent_jobs: list[Job] | None = None  # the newest jobs, listed once for the duplicate guard
        self._recent_listed = False
        self._clock = clock or time.time
        self.read_only = read_only
        self.shared_draft_path = draft_path if draft_path is not None else drafts.default_draft_path()
        self.draft_path = self.shared_draft_path  # this editor's own file when another aepx holds the draft
        self._draft_lock: drafts.DraftLock | None = None
        self._draft_note = ""
        self._validate_delay = validate_delay
        self._draft_delay = draft_delay
        self._validate_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._draft_dirty = False
        self._draft_error_shown = False
        self._datasets: list[Dataset] = []
        self._policies: list[MergePolicy] = []
        self._lookups_state = "loading"  # loading | ready | failed
        self._pristine_text: str | None = None  # text of an untouched template, refilled when lookups land
        self._result: ValidationResult | None = None
        self._launching = False
        self._server_refusal: tuple[str, str] | None = None  # (sentence, payload text) of the last refusal
        self._ambiguous = False
        self._pending_note = ""  # an earlier launch whose answer never arrived (this or a past run)
        self._earlier_in_doubt = False
        self._from_memory = False
        self._restored = False
        self._given_text = initial_text  # a cloned job's payload (used when no draft is restored)
        self._initial_text = ""

    def _claim_and_restore(self) -> None:
        """At mount: claim the draft (or get a per-process one) and restore the newest text: an edit kept
        in memory (its file could not be written), else the draft file, else the default template."""
        self.draft_path, self._draft_lock, self._draft_note = drafts.claim_draft(self.shared_draft_path)
        memory = drafts.memory_draft(self.draft_path)
        restored = memory if memory is not None else drafts.load_draft(self.draft_path)
        if restored is None and self.draft_path != self.shared_draft_path:
            restored = drafts.load_draft(self.shared_draft_path)  # start from the shared draft, save apart
        self._from_memory = memory is not None
        self._restored = restored is not None
        given = self._given_text
        fresh = given if given is not None else self._template_text(DEFAULT_TEMPLATE)
        self._initial_text = restored if restored is not None else fresh
        if not self._restored and given is None:
            self._pristine_text = self._initial_text
        self._pending_note = drafts.pending_launch(self.shared_draft_path) or ""
        if self._pending_note:
            self._ambiguous = True

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Plain text by default: messages here carry dataset and policy names, server errors and paths
        (a name like ``[/x]`` read as markup would crash the toast)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- composition ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self._claim_and_restore()
        yield AppHeader("jobs › new job")
        if self.launch_title:
            yield Label(Content(sanitise(self.launch_title)), id="launch-title")
        with Horizontal(id="launch-body"):
            yield PayloadEditor(self._initial_text, id="editor")
            with VerticalScroll(id="side"):
                with Vertical(id="side-left"):
                    yield Label("Target", classes="panel-title", id="target-title")
                    yield Static(target_lines(self.api.target, read_only=self.read_only), id="target")
                    yield Label("Templates (F2)", classes="panel-title")
                    yield OptionList(*(Option(Content(t.title), id=key)
                                       for key, t in templates.TEMPLATES.items()), id="templates")
                with Vertical(id="side-right"):
                    yield Label("Validation (F8 jumps)", classes="panel-title")
                    yield Static(Content("checking…"), id="validation")
                    yield Static(Content(""), id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#editor", PayloadEditor).focus()
        self._validate_now()
        if self._from_memory:
            self.notify(f"Your unsaved edit was restored from memory (the draft file {self.draft_path} could not be "
                        "written); it is kept until aepx exits.", severity="warning", timeout=8)
        elif self._restored:
            self.notify(f"Draft restored from {self.draft_path}.", timeout=4)
        if self._draft_note:
            self.notify(self._draft_note, severity="warning", timeout=10)
        if self._pending_note:
            self.notify(self._pending_note, severity="warning", timeout=15)
        if self._note:
            self.notify(self._note, severity="warning", timeout=10)
        self._load_lookups()

    def on_unmount(self) -> None:
        self.flush_draft()
        if self._draft_lock is not None:
            self._draft_lock.release()
            self._draft_lock = None

    @property
    def editor(self) -> PayloadEditor:
        return self.query_one("#editor", PayloadEditor)

    @property
    def validation(self) -> ValidationResult | None:
        return self._result

    @property
    def datasets(self) -> list[Dataset]:
        return list(self._datasets)

    # --- templates and lookups -----------------------------------------------------------------
    def _default_policy(self) -> MergePolicy | None:
        return next((p for p in self._policies if p.default), self._policies[0] if self._policies else None)

    def _template_text(self, key: str) -> str:
        template = templates.TEMPLATES[key]
        policy = self._default_policy()
        datasets = self._datasets
        payload = template.build(
            dataset_id=datasets[0].id if datasets else "",
            merge_policy_id=policy.id if policy else "",
            merge_policy_version=policy.version if policy and policy.version is not None else 1,
        )
        return templates.render(payload)

    @work(group="lookups", exclusive=True, exit_on_error=False)
    async def _load_lookups(self) -> None:
        self._lookups_state = "loading"
        try:
            datasets = await self.api.list_datasets(union_only=True)
            policies = await self.api.list_merge_policies()
        except AepxError as exc:
            self._lookups_state = "failed"
            self._set_status(f"Datasets and merge policies could not be loaded: {exc}")
            self._fill_waiting_picker(f"Datasets and merge policies could not be loaded: {exc}")
            return
        self._datasets = [d for d in datasets if d.on_union_schema or not d.schema_id]
        self._policies = list(policies)
        self._lookups_state = "ready"
        self._fill_waiting_picker()
        if self._pristine_text is not None and self.editor.text == self._pristine_text:
            refreshed = self._template_text(DEFAULT_TEMPLATE)
            self._pristine_text = refreshed
            self.editor.replace_all(refreshed)
        self._validate_now(schedule=False)
        await self._run_preflight()  # the first preflight at once, the later ones debounced
        if self._known_jobs is not None:  # in the console: also the jobs beyond the loaded page or filter
            self._recent_jobs = await recent_jobs(self.api)
            self._recent_listed = True

    # --- live preflight (after local validation; GETs only; never blocks typing) -------------------
    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def preflight_report(self, result: ValidationResult | None = None) -> Report | None:
        """The preflight of the current text from what is already known (no I/O); None when invalid."""
        result = result if result is not None else self._result
        if result is None or not result.ok or result.payload is None:
            return None
        facts, _ = cached_facts(result.payload, self._preflight_cache, self.api.target.sandbox)
        return preflight(result.payload, facts, now_ms=self._now_ms(), max_event_age_days=self._max_event_age_days,
                         text=self.editor.text)

    def _schedule_preflight(self) -> None:
        self._preflight_timer = self._restart(self._preflight_timer, self._preflight_delay, self._start_preflight)

    def _start_preflight(self) -> None:
        self._preflight_timer = None
        self._preflight_worker()

    @work(group="preflight", exclusive=True, exit_on_error=False, description="checking the payload")
    async def _preflight_worker(self) -> None:
        await self._run_preflight()

    async def _run_preflight(self) -> None:
        result = self._result
        if result is None or not result.ok or result.payload is None:
            return
        _, pending = cached_facts(result.payload, self._preflight_cache)
        failed = any(lk.state == "failed" for lk in self._preflight_cache.values())
        if not pending and not failed:
            return
        try:
            await gather(self.api, result.payload, self._preflight_cache)
        except Exception:  # gather never raises on API errors; anything else must not reach the editor
            return
        if self.is_mounted:
            self._validate_now(schedule=False)

    @on(OptionList.OptionSelected, "#templates")
    def _template_chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or DEFAULT_TEMPLATE
        text = self._template_text(key)
        self.editor.replace_all(text)
        self._pristine_text = text
        self.editor.focus()
        self.notify(f"Template loaded: {templates.TEMPLATES[key].title} (ctrl+z undoes).", timeout=3)

    def action_focus_templates(self) -> None:
        self.query_one("#templates", OptionList).focus()

    # --- validation and drafts (debounced on every change) --------------------------------------
    @on(TextArea.Changed, "#editor")
    def _editor_changed(self) -> None:
        self._validate_timer = self._restart(self._validate_timer, self._validate_delay, self._validate_now)
        self._draft_dirty = True
        self._draft_timer = self._restart(self._draft_timer, self._draft_delay, self.flush_draft)

    def _restart(self, timer: Timer | None, delay: float, callback: Callable[[], object]) -> Timer:
        if timer is not None:
            timer.stop()
        return self.set_timer(delay, callback)

    def _validate_now(self, *, schedule: bool = True) -> ValidationResult:
        result = validate_text(self.editor.text)
        self._result = result
        self._preflight = self.preflight_report(result)
        if schedule and result.ok and self._lookups_state != "loading":
            _, pending = cached_facts(result.payload or {}, self._preflight_cache)
            if pending:
                self._schedule_preflight()
        self.query_one("#validation", Static).update(self._validation_content(result))
        return result

    def _validation_content(self, result: ValidationResult) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        report = self._preflight
        refusal = self._server_refusal
        if refusal is not None and refusal[1] != self.editor.text:
            refusal = self._server_refusal = None  # the payload changed: the server's answer is stale
        if refusal is not None:  # kept until the payload changes (not a toast that vanishes)
            parts += [("✖ the server refused the last launch: ", "bold $error"), refusal[0], "\n"]
        if result.ok and report is not None and report.blocking:
            count = len(report.blocking)
            parts.append((f"✖ preflight: {count} problem{'s' if count != 1 else ''}: launch refused", "bold $error"))
        elif result.ok and refusal is not None:
            parts.append(("! valid locally; change the payload to clear the server's refusal", "bold $warning"))
        elif result.ok:
            parts.append(("✔ valid, ready to launch (ctrl+s)", "bold $success"))
        else:
            count = len(result.errors)
            parts.append((f"✖ {count} error{'s' if count != 1 else ''}: launch refused", "bold $error"))
        # blocking first (local errors, then the preflight's), then warnings and what was not checked
        findings = report.findings if result.ok and report is not None else []
        blocking = result.errors + [f for f in findings if f.severity == "error"]
        others = result.warnings + [f for f in findings if f.severity != "error"]
        marks = {"error": ("✖ ", "$error"), "warning": ("! ", "$warning"), UNCHECKED: ("? ", "$warning")}
        for issue in blocking[:MAX_ISSUES_SHOWN]:
            parts += ["\n", ("✖ ", "$error"), sanitise(issue_text(issue), limit=500)]
        for issue in others[:MAX_ISSUES_SHOWN]:
            parts += ["\n", marks.get(issue.severity, ("! ", "$warning")), sanitise(issue_text(issue), limit=500)]
        hidden = max(0, len(blocking) - MAX_ISSUES_SHOWN) + max(0, len(others) - MAX_ISSUES_SHOWN)
        if hidden:
            parts.append(f"\n… and {hidden} more")
        return Content.assemble(*parts)

    def flush_draft(self) -> None:
        """Write the editor's text to the draft file now if it changed since the last save."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if not self._draft_dirty or not self.is_mounted:
            return
        try:
            text = self.editor.text
        except Exception:  # the editor is already gone (screen closing)
            return
        try:
            drafts.save_draft(text, self.draft_path)
        except OSError as exc:
            drafts.keep_in_memory(text, self.draft_path)  # never lost: the next launch screen restores it
            if not self._draft_error_shown:
                self._draft_error_shown = True
                self.notify(f"The draft could not be saved to {self.draft_path} ({exc.strerror or exc}); your "
                            "edit is kept in memory until aepx exits (esc and n bring it back).",
                            severity="warning", timeout=10)
            return
        drafts.forget_memory(self.draft_path)
        self._draft_dirty = False

    def _discard_draft(self) -> None:
        for timer in (self._draft_timer, self._validate_timer):
            if timer is not None:
                timer.stop()
        self._draft_timer = None
        self._draft_dirty = False
        drafts.forget_memory(self.draft_path)
        try:
            drafts.clear_draft(self.draft_path)
        except OSError as exc:
            self.notify(f"The saved draft could not be removed ({exc.strerror or exc}).", severity="warning")

    def action_jump_to_error(self) -> None:
        result = self._validate_now()
        error = result.first_error
        if error is None:
            self.notify("No error to jump to: the payload is valid.", timeout=3)
            return
        if not error.line:
            self.notify(f"This error has no position in the text: {error.message}", severity="warning")
            return
        self.editor.jump_to(error.line, error.column or 1)

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Content(sanitise(text)))

    # --- editing the payload as data ----------------------------------------------------------------
    def _parsed_payload(self, purpose: str) -> dict[str, Any] | None:
        """The editor's JSON object, or None after telling the user why ``purpose`` cannot proceed."""
        text = self.editor.text
        try:
            payload = json.loads(text)
        except ValueError:
            error = self._validate_now().first_error
            where = f" (line {error.line}, column {error.column}: {error.message})" if error and error.line else ""
            self.notify(f"Cannot {purpose}: the JSON is invalid{where}; fix it first (F8 jumps there).",
                        severity="error", timeout=8)
            return None
        if not isinstance(payload, dict):
            self.notify(f"Cannot {purpose}: the payload must be a JSON object {{…}}.", severity="error")
            return None
        return payload

    def _edit_payload(self, purpose: str, change: Callable[[dict[str, Any]], None]) -> bool:
        payload = self._parsed_payload(purpose)
        if payload is None:
            return False
        change(payload)
        self.editor.replace_all(templates.render(payload))
        self._validate_now()
        return True

    def write_dataset(self, dataset_id: str) -> bool:
        """Only the datasetId value changes in the text (layout and duplicate keys stay as typed); a
        payload without a destination object is rewritten as a whole."""
        if self._parsed_payload("write the dataset id") is None:
            return False
        edited = replace_dataset_id(self.editor.text, dataset_id)
        if edited is not None:
            self.editor.replace_all(edited)
            self._validate_now()
            return True

        def change(payload: dict[str, Any]) -> None:
            dest = payload.get("destination")
            if not isinstance(dest, dict):
                dest = payload["destination"] = {}
            dest.pop("dataSetId", None)
            dest["datasetId"] = dataset_id
        return self._edit_payload("write the dataset id", change)

    def write_merge_policy(self, policy: MergePolicy) -> bool:
        def change(payload: dict[str, Any]) -> None:
            value: dict[str, Any] = {"id": policy.id}
            if policy.version is not None:
                value["version"] = policy.version
            payload["mergePolicy"] = value
        return self._edit_payload("write the merge policy", change)

    # --- pickers ----------------------------------------------------------------------------------
    def _open_picker(self, picker: Any, done: Callable[[Any], None]) -> None:
        """Open a picker at once: while the lookups load it says "loading…" and fills in when they
        arrive (a key pressed meanwhile goes to the picker, never into the payload)."""
        if self._lookups_state == "failed":
            self._load_lookups()
        self._waiting_picker = None if self._lookups_state == "ready" else picker
        self.app.push_screen(picker, done)

    def _fill_waiting_picker(self, failure: str = "") -> None:
        picker, self._waiting_picker = getattr(self, "_waiting_picker", None), None
        if picker is None or not picker.is_attached:
            return
        if failure:
            picker.set_failed(failure)
        elif isinstance(picker, DatasetPicker):
            picker.set_items(dataset_items(self._datasets))
        else:
            picker.set_items([(merge_policy_label(p), p) for p in self._policies])

    def action_pick_dataset(self) -> None:
        ready = self._lookups_state == "ready"
        self._open_picker(DatasetPicker(self._datasets if ready else [], loading=not ready), self._dataset_picked)

    def _dataset_picked(self, dataset: Dataset | None) -> None:
        if dataset is not None and self.write_dataset(dataset.id):
            self.notify(f"Dataset set: {dataset.name or dataset.id}.", timeout=3)

    def action_pick_merge_policy(self) -> None:
        ready = self._lookups_state == "ready"
        self._open_picker(MergePolicyPicker(self._policies if ready else [], loading=not ready), self._policy_picked)

    def _policy_picked(self, policy: MergePolicy | None) -> None:
        if policy is not None and self.write_merge_policy(policy):
            self.notify(f"Merge policy set: {policy.name or policy.id}.", timeout=3)

    def action_new_dataset(self) -> None:
        if self.read_only:
            self.notify("Read-only mode: creating a dataset is disabled.", severity="warning")
            return
        if self._parsed_payload("write the new dataset id") is None:
            return
        self.app.push_screen(NamePrompt(), self._create_dataset)

    def _create_dataset(self, name: str | None) -> None:
        if not name:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._create_dataset_worker(name)
            else:
                self.notify("No dataset was created.", timeout=3)

        self.app.push_screen(ConfirmDataset(self.api.target, name), answered)

    @work(group="dataset", exit_on_error=False)
    async def _create_dataset_worker(self, name: str) -> None:
        self._set_status(f"Creating dataset “{name}”…")
        try:
            dataset_id = await self.api.create_dataset(name)
        except AepxError as exc:
            self._set_status("")
            self.notify(f"The dataset was not created: {exc.with_request_id()}", severity="error", timeout=10)
            return
        self._datasets.append(Dataset.parse(dataset_id, {"name": name}))
        self._set_status("")
        if self.write_dataset(dataset_id):
            self.notify(f"Dataset “{name}” created ({dataset_id}) and set as the target.", timeout=5)
        else:
            self.notify(f"Dataset “{name}” was created with id {dataset_id}; paste it into the payload.",
                        severity="warning", timeout=12)

    # --- files and $EDITOR ---------------------------------------------------------------------------
    def action_load_file(self) -> None:
        self.app.push_screen(PathPrompt("Load the payload from a file", must_exist=True), self._load_from)

    def _load_from(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            text = read_payload_text(path, MAX_LOAD_BYTES)  # regular files only, capped
        except PayloadError as exc:
            self.notify(str(exc), severity="error")
            return
        self.editor.replace_all(text)
        self.notify(f"Loaded {path} (ctrl+z undoes).", timeout=3)

    def action_save_file(self) -> None:
        self.app.push_screen(PathPrompt("Save the payload to a file", value="payload.json", for_save=True),
                             self._save_to)

    def _save_to(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            path.write_text(self.editor.text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}.", severity="error")
            return
        self.notify(f"Saved to {path}.", timeout=3)

    def action_external_editor(self) -> None:
        argv = editor_command()
        if not argv:
            self.notify("No editor found: VISUAL and EDITOR are unset and neither nano nor vi is installed; "
                        "ctrl+o loads a file instead.", severity="warning", timeout=8)
            return
        fd, name = tempfile.mkstemp(prefix="aepx-payload-", suffix=".json")
        path = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.editor.text)
            returncode = self._run_editor(argv, path)
            if returncode is None:
                return
            if returncode != 0:
                self.notify(f"The editor exited with status {returncode}; the payload was left unchanged.",
                            severity="warning")
                return
            self.editor.replace_all(read_payload_text(path, MAX_LOAD_BYTES))
        except PayloadError as exc:
            self.notify(f"The editor's file was not taken: {exc}", severity="error")
        except OSError as exc:
            self.notify(f"Could not exchange the payload with the editor: {exc.strerror or exc}.", severity="error")
        finally:
            path.unlink(missing_ok=True)

    def _run_editor(self, argv: list[str], path: Path) -> int | None:
        try:
            with self.app.suspend():
                return subprocess.run([*argv, str(path)], check=False).returncode
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor; use ctrl+o to load a file instead.",
                        severity="warning", timeout=8)
        except FileNotFoundError:
            self.notify(f"The editor {argv[0]!r} was not found; check $EDITOR.", severity="error", timeout=8)
        return None

    # --- copy as curl -----------------------------------------------------------------------------
    def action_copy_curl(self) -> None:
        payload = self._parsed_payload("copy as curl")
        if payload is None:
            return
        target = self.api.target
        self.app.copy_to_clipboard(as_curl(target, payload, api_key=target.client_id))
        self.notify("Copied as curl; the token is left out: set ACCESS_TOKEN before running it.", timeout=5)

    # --- launch -------------------------------------------------------------------------------------
    @property
    def launching(self) -> bool:
        return self._launching

    def action_launch(self) -> None:
        if self.read_only:
            self.notify("Read-only mode: launching a job is disabled; restart without --read-only to launch.",
                        severity="warning", timeout=8)
            return
        if self._launching:
            self.notify("A launch is already in progress.", timeout=3)
            return
        result = self._validate_now()
        if not result.ok or result.payload is None:
            error = result.first_error
            reason = issue_text(error) if error else "the payload is not a JSON object"
            self.notify(f"Launch refused: {reason}. Fix it first (F8 jumps there).", severity="error", timeout=10)
            return
        payload = result.payload
        report = self.preflight_report(result)
        if report is not None and report.blocking:
            self.notify(f"Launch refused by the preflight: {issue_text(report.blocking[0])}. Fix it first.",
                        severity="error", timeout=10)
            return
        warnings = [(self._pending_note or "The previous launch may have created a job: check the job list "
                     "before sending again.") if self._ambiguous else ""]
        duplicates = self.duplicates(payload)
        warnings += [f"J{duplicate_sentence(job)[1:]}: launching creates a second one." for job in duplicates[:3]]
        notes = [issue_text(issue) for issue in (report.findings if report is not None else [])]
        _, pending = cached_facts(payload, self._preflight_cache)
        if pending:
            notes.append(f"Preflight: {', '.join(pending)} not checked yet; the service will check on launch.")
        if self._known_jobs is not None and self._recent_listed and self._recent_jobs is None:
            notes.append("Duplicate guard: the newest jobs could not be listed; only the loaded jobs were checked.")
        summary = export_summary(payload, self._datasets, self._policies, now_ms=self._now_ms())
        self._launching = True  # until the confirmation is answered: ctrl+s again cannot open a second one
        typed = self._confirm_name() if self._confirm_name is not None else None
        self.app.push_screen(ConfirmLaunch(self.api.target, summary, warning="\n".join(w for w in warnings if w),
                                           notes=notes, typed_name=typed),
                             lambda yes: self._confirmed(bool(yes), payload))

    def duplicates(self, payload: Mapping[str, Any]) -> list[Job]:
        """NEW/PROCESSING jobs with this payload's fingerprint: the console's loaded jobs (fresher) and the
        newest jobs listed when the editor opened."""
        if self._known_jobs is None:
            return []
        by_id = {job.id: job for job in self._recent_jobs or []}
        by_id.update({job.id: job for job in self._known_jobs()})
        return active_duplicates(by_id.values(), payload)

    def _confirmed(self, yes: bool, payload: dict[str, Any]) -> None:
        if not yes:
            self._launching = False
            return
        self.editor.read_only = True
        self._set_status("Launching…")
        self._send(payload)

    def _mark_launch(self) -> None:
        """Persist "a launch is in flight" beside the draft, unless an earlier one is already in doubt
        (its time is the one to check the list from)."""
        self._earlier_in_doubt = drafts.pending_launch(self.shared_draft_path) is not None
        if self._earlier_in_doubt:
            return
        t = self.api.target
        with contextlib.suppress(OSError):  # best effort: the launch itself matters more
            drafts.mark_launch(f"org {t.org_id} / sandbox {t.sandbox}", self.shared_draft_path)

    def _launch_settled(self, *, created: bool) -> None:
        """The answer is definite. A created job clears the doubt (the user was warned before sending);
        a refusal leaves an earlier launch's doubt in place."""
        if created or not self._earlier_in_doubt:
            drafts.clear_launch(self.shared_draft_path)
            self._pending_note = ""

    def _launch_in_doubt(self) -> None:
        self._pending_note = drafts.pending_launch(self.shared_draft_path) or ""

    @work(group="launch", exit_on_error=False)
    async def _send(self, payload: dict[str, Any]) -> None:
        self._mark_launch()  # left behind if this process dies mid-POST (SIGHUP): shown at the next start
        try:
            result = await self.api.create_job(payload)
        except AmbiguousCreateError as exc:
            self._launch_in_doubt()
            self._ambiguous = True
            self._after_failure(f"{exc} Nothing was resent: check the job list before launching again.",
                                "The last launch may have created a job: check the job list.")
            return
        except AepxError as exc:
            self._launch_settled(created=False)
            self._server_refusal = (sanitise(exc.with_request_id()), self.editor.text)
            self._after_failure(f"The job was not created: {exc.with_request_id()}", "")
            self._validate_now(schedule=False)  # the panel now says why, until the payload changes
            return
        except Exception as exc:  # an unexpected failure after the request may have gone out
            self._launch_in_doubt()
            self._ambiguous = True
            self._after_failure(f"The launch failed unexpectedly ({type(exc).__name__}); a job may have been "
                                "created: check the job list before launching again.",
                                "The last launch may have created a job: check the job list.")
            return
        self._ambiguous = False
        self._launch_settled(created=True)
        job = result.job
        self._discard_draft()
        if result.reconciled:
            self.notify(f"The answer was lost but job {job.id} was found in the list.", severity="warning",
                        timeout=10)
        else:
            self.notify(f"Job {job.id} created.", timeout=5)
        self.dismiss(job)

    def _after_failure(self, message: str, status: str) -> None:
        self.notify(message, severity="error", timeout=15)
        self._set_status(status)
        self.editor.read_only = False
        self._launching = False

    def action_leave(self) -> None:
        if self._launching:
            self.notify("A launch is in progress; wait for its answer.", timeout=3)
            return
        self.flush_draft()
        self.dismiss(None)


def editor_command() -> list[str]:
    """F4's editor: ``$VISUAL``, then ``$EDITOR``, then ``nano`` or ``vi`` when installed ([] if none)."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ""
    if command.strip():
        return shlex.split(command)
    for fallback in ("nano", "vi"):
        if found := shutil.which(fallback):
            return [found]
    return []
