"""Every console output path, fed poisoned records (tests/hostile/records.py): the jobs table and the
detail pane, the failure notification (no keypress needed), refusal texts, the cancel confirmation and
its outcome, the dataset and merge-policy pickers, the launch confirmation with its org and sandbox lines,
"Job … created.", an error in the header and its toast, and the titles. After each step the screen's
rendered segments are walked: no ESC, C1 or bidi character may be among them, and markup is text.
"""

from __future__ import annotations

import json

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI
from tests.hostile import records as R
from tui.api.mapping import error_from_response
from tui.core.models import CancelResult, CreateResult, Dataset, Job, MergePolicy, Target


def rendered(app) -> str:
    """Every character the compositor would send for the current screen (toasts and modals included),
    plus the titles."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = ["".join(segment.text for segment in strip) for strip in update.strips]
    lines += [str(app.title), str(app.sub_title), str(app.screen.title), str(app.screen.sub_title)]
    return "\n".join(lines)


def assert_inert(app, step: str) -> str:
    text = rendered(app)
    found = R.forbidden_in(text)
    bad = [line for line in text.split("\n") if R.forbidden_in(line)]
    assert not found, f"{step}: {found} reached the screen: {bad[:3]!r}"
    for note in app._notifications:
        assert not note.markup, f"{step}: a toast is rendered as markup"
        assert not R.forbidden_in(note.message) and not R.forbidden_in(note.title), f"{step}: toast {note!r}"
    return text


class HostileAPI(FakeJobsAPI):
    def _sorted(self, status):  # ids of mixed types (a poisoned string among numbers)
        recs = [r for r in self.records.values() if status is None or r["status"] == status]
        return sorted(recs, key=lambda r: (r["creationTime"], str(r["id"])), reverse=True)

    async def create_job(self, payload):
        await self._call("create_job", payload)
        record = R.create_answer()
        record["id"] = 900001
        self.records["900001"] = record
        return CreateResult(job=Job.parse(R.copy_of(record)))

    async def cancel_job(self, job_id: str) -> CancelResult:
        await self._call("cancel_job", job_id)
        return CancelResult(job_id=str(job_id), message=R.poisoned("cancelmsg"))


def hostile_api() -> HostileAPI:
    target = Target(profile=R.poisoned("profile"), org_id=R.poisoned("org"), sandbox=R.poisoned("sandbox"),
                    platform_url="http://fake", client_id="cid")
    page = R.jobs_page()["records"]
    api = HostileAPI(page, target=target)
    api.datasets = [Dataset.parse(k, v) for k, v in R.datasets().items()]
    # the jobs' own dataset, named by the Catalog: the table and the detail show its poisoned name
    api.datasets.append(Dataset.parse(R.poisoned("datasetId"), {"name": R.poisoned("jobdsname"),
                                                                "schemaRef": {"id": "x"}}))
    api.merge_policies = [MergePolicy.parse(p) for p in R.merge_policies()["children"]]
    return api


def poisoned_error():
    return error_from_response(400, {"x-request-id": R.poisoned("rid")}, json.dumps(R.error_body(400)).encode(),
                               what="Listing export jobs", sandbox="prod")


async def test_every_console_path_shows_poisoned_strings_inertly(make_app):
    from tui.console.screens.confirm import ConfirmScreen
    from tui.console.screens.launch import ConfirmLaunch, LaunchScreen
    from tui.console.screens.pickers import DatasetPicker, MergePolicyPicker

    api = hostile_api()
    app = make_app(api)
    async with app.run_test(size=(180, 50)) as pilot:
        await settle(app, pilot)
        text = assert_inert(app, "the jobs table and the detail pane")
        assert "␛]52;c;" in text  # shown, as visible stand-ins
        assert "jobdsname" in text  # the Catalog's poisoned dataset name, shown inertly

        # A watched job fails: the notification appears with no keypress.
        api.records["2"] = R.job(2, "FAILED")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert any("FAILED" in m for _, m in app.message_log), (app.message_log, api.calls)
        assert_inert(app, "the failure notification")

        # A refusal: cancel a finished job (the highlighted first row is FAILED).
        app.request_cancel([Job.parse(R.job(5, "FAILED"))])
        await settle(app, pilot)
        assert_inert(app, "a refusal text")

        # The cancel confirmation (org and sandbox in its title) and the outcome.
        app.request_cancel([Job.parse(R.job(3, "PROCESSING"))])
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert_inert(app, "the cancel confirmation")
        await pilot.press("y")
        await settle(app, pilot)
        assert_inert(app, "the cancel outcome")

        # The launch screen: target lines, pickers, confirmation, "Job … created."
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)
        assert_inert(app, "the launch screen's target lines")
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, DatasetPicker)
        assert "dsname" in assert_inert(app, "the dataset picker")
        await pilot.press("enter")
        await settle(app, pilot)
        assert_inert(app, "the dataset-set toast")
        await pilot.press("f5")
        await settle(app, pilot)
        assert isinstance(app.screen, MergePolicyPicker)
        assert "mpname" in assert_inert(app, "the merge-policy picker")
        await pilot.press("enter")
        await settle(app, pilot)
        assert_inert(app, "the merge-policy-set toast")
        await pilot.press("f2", "enter")  # a template, so the payload is valid
        await settle(app, pilot)
        await pilot.press("f3", "enter", "f5", "enter")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmLaunch), app.screen
        text = assert_inert(app, "the launch confirmation")
        assert "org␛]52;c;" in text and "sandbox␛]52;c;" in text
        await pilot.press("y")
        await settle(app, pilot)
        assert api.count("create_job") == 1
        assert any("900001 created" in n.message for n in app._notifications)
        assert_inert(app, "Job … created.")

        # An error answer: the header's STALE line and the toast.
        api.fail_with = poisoned_error()
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.poll.error
        text = assert_inert(app, "an error in the header and its toast")
        assert "STALE" in text or "stale" in text.lower()
        assert any("␛]52;c;" in n.message for n in app._notifications)  # the server's words, inert


async def test_ctrl_o_refuses_special_and_huge_files(make_app, tmp_path):
    from pathlib import Path

    from tui.console.screens.launch import LaunchScreen

    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    app = make_app(FakeJobsAPI())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        before = screen.editor.text
        screen._load_from(Path("/dev/zero"))
        screen._load_from(big)
        await pilot.pause()
        messages = [text for _, text in app.message_log]  # one toast per kind: the log keeps both
        assert any("not a regular file" in m for m in messages), messages
        assert any("over the 1,024 KiB limit" in m for m in messages), messages
        assert screen.editor.text == before
