"""Pilot tests of the launch screen against FakeJobsAPI."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, Label

from tests.fakes import FakeJobsAPI
from tui.console.screens.launch import ConfirmDataset, ConfirmLaunch, LaunchScreen
from tui.console.screens.pickers import DatasetPicker, MergePolicyPicker, NamePrompt, PathPrompt
from tui.core import drafts
from tui.core.errors import AmbiguousCreateError, InvalidRequestError
from tui.core.models import PROFILE_UNION_SCHEMA, CreateResult, Dataset, Job, MergePolicy


class LaunchHost(App[None]):
    def __init__(self, api: Any, *, draft_path: Path, read_only: bool = False) -> None:
        super().__init__()
        self.api = api
        self.draft_path = draft_path
        self.read_only = read_only
        self.results: list[Job | None] = []
        self.notices: list[tuple[str, str]] = []
        self.copied: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(LaunchScreen(self.api, read_only=self.read_only, draft_path=self.draft_path,
                                      validate_delay=0.01, draft_delay=0.01), self.results.append)

    def notify(self, message: str, *, title: str = "", severity: str = "information", **kw: Any) -> None:
        self.notices.append((message, severity))
        super().notify(message, title=title, severity=severity, **kw)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)

    def notice_text(self) -> str:
        return "\n".join(m for m, _ in self.notices)


BROKEN = '{\n  "fields": "a"\n  "destination": {"datasetId": "ds-1"}\n}\n'


@pytest.fixture
def api() -> FakeJobsAPI:
    fake = FakeJobsAPI()
    fake.datasets.append(Dataset.parse("ds-second", {"name": "Second union target",
                                                      "schemaRef": {"id": PROFILE_UNION_SCHEMA}}))
    fake.merge_policies.append(MergePolicy.parse({"id": "mp-other", "name": "Other policy", "version": 3}))
    return fake


@pytest.fixture
def draft_path(tmp_path) -> Path:
    return tmp_path / "drafts" / "launch.json"


def launch_screen(app: LaunchHost) -> LaunchScreen:
    screen = app.screen_stack[1] if len(app.screen_stack) > 1 else app.screen
    assert isinstance(screen, LaunchScreen)
    return screen


async def settle(app: LaunchHost, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def payload_of(app: LaunchHost) -> dict:
    return json.loads(launch_screen(app).editor.text)


async def set_text(app: LaunchHost, pilot, text: str) -> None:
    screen = launch_screen(app)
    screen.editor.replace_all(text)
    await pilot.pause()
    screen._validate_now()  # what the debounce timer does; a loaded machine may not have fired it yet


async def test_template_to_launch_dismisses_with_the_new_job_once(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        payload = payload_of(app)
        assert payload["destination"]["datasetId"] == "ds-1"  # first union dataset
        assert payload["mergePolicy"]["id"] == "mp-default"  # the default policy
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmLaunch)
        assert app.focused is app.screen.query_one("#no", Button)  # "No" focused
        summary = dict(app.screen.summary_rows)
        assert summary["Org"] == "TEST@AdobeOrg" and summary["Sandbox"] == "prod"
        assert summary["Dataset"] == "Profile export target (ds-1)" and summary["Events"] == "no"
        assert summary["Merge policy"] == "Default timestamp ordered (mp-default v1)"
        await pilot.press("ctrl+s", "y", "y", "ctrl+s", "y")
        await settle(app, pilot)
        assert api.count("create_job") == 1
        assert len(app.results) == 1 and app.results[0] is not None
        assert app.results[0].id == "100000"
        assert "Job 100000 created." in app.notice_text()
        assert drafts.load_draft(draft_path) is None  # cleared after a successful launch


async def test_second_launch_refused_while_one_is_in_flight(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        api.gate = asyncio.Event()  # the create call now waits until the test opens the gate
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
        screen = launch_screen(app)
        assert screen.launching and screen.editor.read_only
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmLaunch)
        assert "already in progress" in app.notice_text()
        api.gate.set()
        await settle(app, pilot)
        assert api.count("create_job") == 1
        assert len(app.results) == 1


async def test_no_answers_no_and_sends_nothing(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s", "enter")  # enter on the focused "No"
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        await pilot.press("ctrl+s", "n")
        await settle(app, pilot)
        assert api.count("create_job") == 0 and app.results == []
        assert not launch_screen(app).launching


async def test_invalid_json_blocks_launch_with_line_and_column(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await set_text(app, pilot, BROKEN)
        screen = launch_screen(app)
        assert screen.validation is not None and not screen.validation.ok
        error = screen.validation.first_error
        assert error.line == 3
        panel = str(screen.query_one("#validation").render())
        assert f"line 3, column {error.column}" in panel
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ConfirmLaunch)
        assert f"Launch refused: line 3, column {error.column}" in app.notice_text()
        assert api.count("create_job") == 0
        screen.editor.move_cursor((0, 0))
        await pilot.press("f8")
        assert screen.editor.cursor_location == (2, error.column - 1)


def seed_create_example() -> str:
    stored = Path(__file__).parents[1] / "core" / "data" / "seed_create_example.json"
    if stored.exists():
        return stored.read_text(encoding="utf-8")
    guide = Path("/work/shared/seed/export-jobs-endpoint.fr.txt").read_text(encoding="utf-8")
    start = guide.index("POST /export/jobs")
    body_start = guide.index("-d '", start) + len("-d '")
    return guide[body_start:guide.index("}'", body_start) + 1]


async def test_the_guides_own_create_example_is_caught(api, draft_path):
    text = seed_create_example()
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if '"destination"' in line)
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await set_text(app, pilot, text)
        error = launch_screen(app).validation.first_error
        assert error.line == expected_line
        await pilot.press("ctrl+s")
        assert f"line {expected_line}, column" in app.notice_text()
        assert api.count("create_job") == 0


async def test_new_dataset_from_the_editor_writes_its_id(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        before = payload_of(app)
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, NamePrompt)
        await pilot.press("enter")  # empty name refused in place
        assert isinstance(app.screen, NamePrompt)
        await pilot.press(*"Nov export", "enter")
        assert isinstance(app.screen, ConfirmDataset)  # asks first, naming org and sandbox
        assert "org TEST@AdobeOrg, sandbox prod" in app.screen.question
        assert not any(name == "create_dataset" for name, _ in api.calls)
        await pilot.press("y")
        await settle(app, pilot)
        assert ("create_dataset", "Nov export") in api.calls
        after = payload_of(app)
        assert after["destination"]["datasetId"] == "ds-3"
        assert {k: v for k, v in after.items() if k != "destination"} == \
            {k: v for k, v in before.items() if k != "destination"}


async def test_new_dataset_declined_creates_nothing(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        text = app.screen.editor.text
        await pilot.press("ctrl+n", *"nope", "enter")
        assert isinstance(app.screen, ConfirmDataset)
        await pilot.press("n")
        await settle(app, pilot)
        assert not any(name == "create_dataset" for name, _ in api.calls)
        assert app.screen.editor.text == text


async def test_new_dataset_changes_only_the_dataset_id_in_the_typed_text(api, draft_path):
    """ctrl+n keeps the user's layout and duplicate keys: only the effective datasetId value changes."""
    typed = ('{ "fields":"identities.id",\n  "destination": {"datasetId": "ds-1",  "datasetId" : "ds-1"},\n'
             '     "schema": {"name": "_xdm.context.profile"}, "fields":"identities.id"}\n')
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        app.screen.editor.replace_all(typed)
        await pilot.press("ctrl+n", *"Typed", "enter", "y")
        await settle(app, pilot)
        assert app.screen.editor.text == typed.replace('"datasetId" : "ds-1"', '"datasetId" : "ds-3"')


async def test_dataset_creation_failure_is_one_sentence(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        api.fail_with = InvalidRequestError("The dataset name is already taken; choose another name.")
        await pilot.press("ctrl+n", *"dup", "enter", "y")
        await settle(app, pilot)
        assert "The dataset was not created: The dataset name is already taken" in app.notice_text()
        assert payload_of(app)["destination"]["datasetId"] == "ds-1"


async def test_picker_choices_are_written_into_the_payload(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        fields = payload_of(app)["fields"]
        await pilot.press("f3")
        assert isinstance(app.screen, DatasetPicker)
        await pilot.press(*"second", "enter")
        await pilot.pause()
        assert payload_of(app)["destination"]["datasetId"] == "ds-second"
        await pilot.press("f5")
        assert isinstance(app.screen, MergePolicyPicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        payload = payload_of(app)
        assert payload["mergePolicy"] == {"id": "mp-other", "version": 3}
        assert payload["fields"] == fields and payload["destination"]["datasetId"] == "ds-second"
        await pilot.press("f3", "escape")  # cancel leaves the payload alone
        await pilot.pause()
        assert payload_of(app) == payload


async def test_pickers_refuse_to_write_into_invalid_json(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await set_text(app, pilot, BROKEN)
        await pilot.press("f3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)
        assert launch_screen(app).editor.text == BROKEN
        assert "the JSON is invalid (line 3, column" in app.notice_text()


async def test_draft_is_saved_while_typing_and_restored_after_a_kill(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        screen = launch_screen(app)
        screen.editor.move_cursor((0, 1))
        await pilot.press(*' "zz": 1,')
        await pilot.pause(0.1)  # the 10 ms debounce fires
        typed = screen.editor.text
        assert '"zz": 1,' in typed
        # The file is already on disk before any exit path runs: a kill now would lose nothing.
        assert drafts.load_draft(draft_path) == typed
    app2 = LaunchHost(FakeJobsAPI(), draft_path=draft_path)
    async with app2.run_test() as pilot:
        await settle(app2, pilot)
        assert launch_screen(app2).editor.text == typed  # restored, not replaced by a template
        assert "Draft restored" in app2.notice_text()


async def test_escape_leaves_with_none_and_keeps_the_draft(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await set_text(app, pilot, BROKEN)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert drafts.load_draft(draft_path) == BROKEN


async def test_ambiguous_create_is_never_resent(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        api.fail_with = AmbiguousCreateError(
            "The create request timed out after it was sent and no matching job was found yet.")
        await pilot.press("ctrl+s", "y")
        await settle(app, pilot)
        assert api.count("create_job") == 1
        assert app.results == []
        errors = [m for m, sev in app.notices if sev == "error"]
        assert any("check the job list" in m and "Nothing was resent" in m for m in errors)
        screen = launch_screen(app)
        assert not screen.launching and not screen.editor.read_only
        assert drafts.load_draft(draft_path) is not None  # the payload is not lost
        # Sending again takes an explicit decision, and the confirmation warns about the first attempt.
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmLaunch), app.notices
        warnings = [str(w.render()) for w in app.screen.query(Label).filter(".warning")]
        assert warnings and "may have created a job" in warnings[0]
        await pilot.press("n")
        await settle(app, pilot)
        assert api.count("create_job") == 1


async def test_reconciled_create_says_so(api, draft_path):
    original = api.create_job

    async def reconciled(payload):
        result = await original(payload)
        return CreateResult(job=result.job, reconciled=True)

    api.create_job = reconciled
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s", "y")
        await settle(app, pilot)
        assert "The answer was lost but job 100000 was found in the list." in app.notice_text()
        assert app.results[0].id == "100000"


async def test_read_only_refuses_launch_and_dataset_creation(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path, read_only=True)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ConfirmLaunch)
        await pilot.press("ctrl+n")
        assert not isinstance(app.screen, NamePrompt)
        assert "Read-only mode: launching a job is disabled" in app.notice_text()
        assert "Read-only mode: creating a dataset is disabled" in app.notice_text()
        assert api.count("create_job") == 0 and api.count("create_dataset") == 0
        assert "READ-ONLY" in str(launch_screen(app).query_one("#target").render())


FAKE_EDITOR = """
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
path.write_text(path.read_text().replace('"ds-1"', '"ds-from-editor"'))
"""


async def test_external_editor_round_trip(api, draft_path, tmp_path, monkeypatch):
    script = tmp_path / "fake_editor.py"
    script.write_text(FAKE_EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f4")  # headless: the driver cannot suspend
        assert "cannot hand over to an editor" in app.notice_text()
        assert payload_of(app)["destination"]["datasetId"] == "ds-1"
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await pilot.press("f4")
        await pilot.pause()
        assert payload_of(app)["destination"]["datasetId"] == "ds-from-editor"


async def test_external_editor_missing_or_failing(api, draft_path, tmp_path, monkeypatch):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        monkeypatch.delenv("VISUAL", raising=False)
        monkeypatch.delenv("EDITOR", raising=False)
        monkeypatch.setattr("tui.console.screens.launch.shutil.which", lambda name: None)
        await pilot.press("f4")
        assert "No editor found: VISUAL and EDITOR are unset and neither nano nor vi" in app.notice_text()
        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
        await pilot.press("f4")
        assert "was not found; check $EDITOR" in app.notice_text()
        monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(3)'")
        before = launch_screen(app).editor.text
        await pilot.press("f4")
        assert "exited with status 3" in app.notice_text()
        assert launch_screen(app).editor.text == before


async def test_external_editor_falls_back_to_nano_or_vi(api, draft_path, tmp_path, monkeypatch):
    script = tmp_path / "nano"
    script.write_text(f"#!{sys.executable}\n" + FAKE_EDITOR)
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setattr("tui.console.screens.launch.shutil.which",
                        lambda name: str(script) if name == "nano" else None)
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await pilot.press("f4")
        await pilot.pause()
        assert payload_of(app)["destination"]["datasetId"] == "ds-from-editor"


async def test_load_and_save_files(api, draft_path, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(BROKEN)
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        original = launch_screen(app).editor.text
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, PathPrompt)
        await pilot.press(*str(tmp_path / "missing.json"), "enter")
        assert isinstance(app.screen, PathPrompt)  # refused in place, with the reason
        app.screen.query_one("#picker-value").value = str(source)
        await pilot.press("enter")
        await pilot.pause()
        assert launch_screen(app).editor.text == BROKEN
        launch_screen(app).editor.replace_all(original)
        await pilot.press("ctrl+g")
        app.screen.query_one("#picker-value").value = str(tmp_path / "out.json")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "out.json").read_text() == original


async def test_copy_as_curl_redacts_the_token(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        assert len(app.copied) == 1
        cmd = app.copied[0]
        assert 'Authorization: Bearer $ACCESS_TOKEN' in cmd
        assert "http://fake/data/core/ups/export/jobs" in cmd and "x-api-key: test-client" in cmd
        assert '"datasetId": "ds-1"' in cmd


async def test_lookup_failure_is_reported_not_fatal(api, draft_path):
    api.fail_with = InvalidRequestError("The sandbox does not exist; check the profile's sandbox.")
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        status = str(launch_screen(app).query_one("#status").render())
        assert "could not be loaded: The sandbox does not exist" in status
        api.fail_with = None
        await pilot.press("f3")  # retries
        await settle(app, pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, DatasetPicker)


async def test_template_choice_replaces_the_text_and_is_undoable(api, draft_path):
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        before = launch_screen(app).editor.text
        await pilot.press("f2", "end", "enter")
        await pilot.pause()
        payload = payload_of(app)
        assert payload != json.loads(before)
        assert payload["destination"]["datasetId"] == "ds-1"
        assert app.focused is launch_screen(app).editor
        await pilot.press("ctrl+z")
        assert launch_screen(app).editor.text == before


async def test_notifications_show_server_strings_as_plain_text(api, draft_path):
    hostile = "Evil [/bold] [link=https://x.test]name[/link]"
    api.datasets.append(Dataset.parse("ds-evil", {"name": hostile, "schemaRef": {"id": PROFILE_UNION_SCHEMA}}))
    app = LaunchHost(api, draft_path=draft_path)
    async with app.run_test(notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("f3", *"evil", "enter")
        await pilot.pause()
        assert payload_of(app)["destination"]["datasetId"] == "ds-evil"
        toasts = [str(t.render()) for t in app.screen.query("Toast")]
        assert any(f"Dataset set: {hostile}." in t for t in toasts), toasts
