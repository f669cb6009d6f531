"""Pilot tests of the job detail widget and screen: every part, odd records, safety, copy, poll."""

from __future__ import annotations

import copy

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tests.fakes import T0, FakeJobsAPI, job_record
from tui.console.screens.detail import DetailScreen
from tui.console.widgets.detail import MAX_RAW_STRING, JobDetail, raw_json, raw_json_display
from tui.console.widgets.errors import MAX_STACK_LINES, CallStack, ErrorItem
from tui.console.widgets.timeline import PhaseTimeline, possibly_stuck, timeline_rows
from tui.core.errors import ServerError
from tui.core.models import Job


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


class Host(App[None]):
    """Mounts one JobDetail; records clipboard writes and notifications."""

    def __init__(self, api: FakeJobsAPI, *, clock: Clock, poll_seconds: float = 1000.0,
                 dataset_names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.api = api
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.dataset_names = dataset_names
        self.copied: list[str] = []
        self.notes: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield JobDetail(self.api, poll_seconds=self.poll_seconds, clock=self.clock,
                        dataset_names=self.dataset_names)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notes.append((message, severity))


def plain(widget: Widget) -> str:
    visual = widget.render()
    return visual.plain if isinstance(visual, Content) else str(visual)


def text_of(app: App, selector: str) -> str:
    return plain(app.screen.query_one(selector, Static))


def summary(app: App) -> dict[str, str]:
    detail = app.screen.query_one(JobDetail)
    out = {}
    for key in detail.query(".summary-key"):
        row_id = key.id.removeprefix("key-")
        if key.display:
            out[plain(key)] = text_of(app, f"#val-{row_id}")
    return out


def job(rec: dict) -> Job:
    return Job.parse(copy.deepcopy(rec))


async def test_empty_state_then_a_job():
    api = FakeJobsAPI([job_record(1)])
    app = Host(api, clock=Clock(T0))
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        assert detail.job is None
        assert app.query_one("#detail-empty").display
        assert "Select a job" in text_of(app, "#detail-empty")
        assert not app.query_one("#detail-summary").display
        await pilot.press("c", "y")  # no job: no copy, no raw view
        assert app.copied == [] and not detail.raw_visible
        detail.show(job(job_record(1)))
        await pilot.pause()
        assert detail.job is not None and detail.job.id == "1"
        assert not app.query_one("#detail-empty").display
        assert app.query_one("#detail-summary").display
        detail.show(None)
        await pilot.pause()
        assert app.query_one("#detail-empty").display


async def test_summary_of_a_succeeded_job_with_dataset_name_and_next_step_hint():
    rec = job_record(7, "SUCCEEDED", filter={"fromIngestTimestamp": "2025-01-01T00:00:00Z",
                                              "segments": [{"segmentId": "seg-a"}, {"segmentId": "seg-b"}]},
                     additionalFields={"eventList": {"fields": "environment.browserDetails.name",
                                                     "filter": {"fromIngestTimestamp": "2025-02-01T00:00:00Z"}}})
    api = FakeJobsAPI([rec])
    app = Host(api, clock=Clock(T0 + 200_000))
    async with app.run_test(size=(120, 60)) as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        assert text_of(app, "#detail-title") == "Job 7  ✔ SUCCEEDED"
        rows = summary(app)
        assert rows["Job id"] == "7"
        assert rows["Status"] == "✔ SUCCEEDED"
        assert rows["Job type"] == "BATCH"
        assert rows["Created"].endswith("(10m ago)")
        assert rows["Updated"].endswith("(20s ago)")
        assert rows["Duration"] == "10m 00s"
        assert rows["Phase"] == "done"
        assert rows["Request id"] == "req-7"
        assert rows["Profile instance"] == "ups"
        assert rows["Merge policy"] == "mp-default v1"
        assert rows["Schema"] == "_xdm.context.profile"
        assert rows["Fields"] == "identities.id, personalEmail.address"
        assert rows["Event fields"] == "environment.browserDetails.name"
        assert rows["Ingest filter"] == "profiles since 2025-01-01T00:00:00Z; events since 2025-02-01T00:00:00Z"
        assert rows["Segment filter"] == "seg-a, seg-b"
        assert rows["Dataset"] == "ds-1"
        assert rows["Batch id"] == "BATCH00000007"
        assert rows["Gateway jobs"] == "export exp-7\npush push-7"  # one line each: never broken inside an id
        hint = text_of(app, "#detail-hint")
        assert "Batch BATCH00000007 written to dataset ds-1" in hint
        assert text_of(app, "#detail-hint-path") == "GET /data/foundation/export/batches/BATCH00000007/files"
        assert "Press o for its files, rows and download; b copies the batch id" in hint
        assert not app.query_one("#detail-hint").has_class("hidden")
        assert not app.query_one("#detail-errors-title").display
        detail.set_dataset_names({"ds-1": "Profile export target"})
        await pilot.pause()
        assert summary(app)["Dataset"] == "Profile export target (ds-1)"
        assert "dataset Profile export target (ds-1)" in text_of(app, "#detail-hint")


async def test_optional_rows_hidden_and_no_hint_without_success():
    rec = job_record(3, "FAILED")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test(size=(100, 50)) as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        rows = summary(app)
        assert "Segment filter" not in rows and "Event fields" not in rows and "Ingest filter" not in rows
        assert rows["Batch id"] == "—"
        assert app.query_one("#detail-hint").has_class("hidden")
        assert app.query_one("#detail-hint-path").has_class("hidden")
        assert text_of(app, "#detail-errors-title") == "Errors (1)"


async def test_timeline_of_a_finished_job_labels_offsets_and_durations():
    rec = job_record(7, "SUCCEEDED")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        timeline = app.query_one(PhaseTimeline)
        lines = plain(timeline).splitlines()
        assert len(lines) == 5  # four phases and the scale
        words = [" ".join(line.split()) for line in lines]
        assert words[0].startswith("queue wait █") and words[0].endswith(" +0s 1s")
        assert words[1].startswith("profile export █") and words[1].endswith(" +1s 4m 59s")
        assert words[2].startswith("dataset write ·") and words[2].endswith(" +5m 00s 5m 00s")
        assert words[3].startswith("total █") and words[3].endswith(" +0s 10m 00s")
        assert words[4] == "0 10m 00s"
        assert "█" in lines[3] and len(lines[0]) == len(lines[3]) <= timeline.size.width


async def test_running_job_phase_grows_with_the_clock_and_later_phases_are_pending():
    rec = job_record(9, "PROCESSING", created=T0)
    clock = Clock(T0 + 61_000)
    app = Host(FakeJobsAPI([rec]), clock=clock)
    async with app.run_test(size=(100, 40)) as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        rows = {r.label: r for r in app.query_one(PhaseTimeline).rows}
        assert rows["queue wait"].state == "done" and rows["queue wait"].duration_ms == 1000
        assert rows["profile export"].state == "running" and rows["profile export"].duration_ms == 60_000
        assert rows["dataset write"].state == "pending"
        assert rows["total"].state == "running" and rows["total"].duration_ms == 61_000
        assert summary(app)["Duration"] == "1m 01s (running)"
        assert "1m 00s▸" in plain(app.query_one(PhaseTimeline))
        assert "pending" in plain(app.query_one(PhaseTimeline))
        clock.ms += 120_000
        detail._tick()  # what the 1 s timer does while the job is active
        await pilot.pause()
        rows = {r.label: r for r in app.query_one(PhaseTimeline).rows}
        assert rows["profile export"].duration_ms == 180_000
        assert summary(app)["Duration"] == "3m 01s (running)"


def test_timeline_rows_for_new_job_and_implied_dataset_write():
    new = job(job_record(1, "NEW", created=T0))
    rows = {r.label: r for r in timeline_rows(new, T0 + 5_000)}
    assert rows["queue wait"].state == "running" and rows["queue wait"].duration_ms == 5_000
    assert rows["profile export"].state == "pending" and rows["dataset write"].state == "pending"
    rec = job_record(2, "PROCESSING", created=T0)
    rec["metrics"]["profileExportTime"] = {"startTimeInMs": T0 + 1000, "endTimeInMs": T0 + 4000}
    rows = {r.label: r for r in timeline_rows(job(rec), T0 + 10_000)}
    assert rows["profile export"].state == "done" and rows["profile export"].duration_ms == 3000
    assert rows["dataset write"].state == "running"
    assert rows["dataset write"].start_offset_ms == 4000 and rows["dataset write"].duration_ms == 6000


async def test_job_missing_metrics_phases_renders_no_data():
    rec = job_record(4, "SUCCEEDED")
    rec["metrics"] = {}
    del rec["creationTime"]
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        rows = app.query_one(PhaseTimeline).rows
        assert [r.state for r in rows] == ["no data"] * 4
        assert plain(app.query_one(PhaseTimeline)).count("no data") == 4
        assert summary(app)["Created"] == "—"
    partial = job_record(5, "FAILED")
    del partial["metrics"]["profileExportTime"]
    rows = {r.label: r for r in timeline_rows(job(partial), T0)}
    assert rows["queue wait"].state == "no data" and rows["profile export"].state == "no data"
    assert rows["total"].state == "done"


async def test_unknown_status_is_shown_and_not_polled():
    rec = job_record(6, "ARCHIVED")
    api = FakeJobsAPI([rec])
    app = Host(api, clock=Clock(T0), poll_seconds=0.01)
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        assert text_of(app, "#detail-title") == "Job 6  ? ARCHIVED"
        assert summary(app)["Phase"] == "archived"
        assert not detail.polling
        assert api.count("get_job") == 0


async def test_many_errors_each_with_code_message_and_folded_stack():
    errors = [{"code": f"E{i:03d}", "msg": f"failure number {i} " + "word " * 40, "callStack": f"at f{i}\nat g"}
              for i in range(30)]
    rec = job_record(8, "FAILED", errors=errors)
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        items = list(app.query(ErrorItem))
        assert len(items) == 30
        assert text_of(app, "#detail-errors-title") == "Errors (30)"
        first = items[0]
        assert plain(first.query_one(".error-code", Static)) == "✖ E000  1/30"
        msg = first.query_one(".error-msg", Static)
        assert plain(msg).startswith("failure number 0 word")
        assert msg.size.height > 1  # long messages wrap instead of being cut
        stacks = list(app.query(CallStack))
        assert len(stacks) == 30 and all(s.collapsed for s in stacks)


async def test_refresh_keeps_the_error_list_and_its_expanded_stacks():
    rec = job_record(8, "FAILED")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        stack = app.query_one(CallStack)
        stack.collapsed = False
        await pilot.pause()
        detail.show(job(rec))  # same job, same errors (e.g. the list refreshed)
        await pilot.pause()
        assert app.query_one(CallStack) is stack and not stack.collapsed


async def test_huge_call_stack_is_folded_and_rendered_only_when_expanded():
    huge = "\n".join(f"at com.adobe.export.Frame{i}(Frame.java:{i})" for i in range(5000))
    rec = job_record(10, "FAILED", errors=[{"code": "0090000009", "msg": "boom", "callStack": huge}])
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        stack = app.query_one(CallStack)
        assert stack.collapsed and not stack.filled
        assert "5000 lines" in str(stack.title)
        await pilot.click(stack.query_one("CollapsibleTitle"))
        await pilot.pause()
        assert not stack.collapsed and stack.filled
        shown = plain(stack.query_one(".stack-text", Static))
        assert shown.startswith("at com.adobe.export.Frame0(Frame.java:0)")
        assert f"Frame{MAX_STACK_LINES - 1}(" in shown and f"Frame{MAX_STACK_LINES}(" not in shown
        assert f"… {5000 - MAX_STACK_LINES} more lines: J copies the raw JSON with the full stack" in shown


async def test_markup_and_escape_sequences_from_the_server_appear_literally():
    evil_code = "[bold]E1[/bold]"
    evil_msg = "See [link=http://x]here[/link] \x1b[31mred\x1b[0m [reverse]x"
    rec = job_record(11, "FAILED", errors=[{"code": evil_code, "msg": evil_msg,
                                            "callStack": "at [i]x[/i]\n\x1b]52;c;AAAA\x07"}],
                     fields="[b]a[/b],\x1b[2Jb", jobType="[blink]BATCH")
    rec["destination"]["datasetId"] = "[link=http://evil]ds[/link]"
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test(size=(120, 50)) as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        code = app.query_one(".error-code", Static)
        msg = app.query_one(".error-msg", Static)
        assert "[bold]E1[/bold]" in plain(code)
        assert plain(msg) == "See [link=http://x]here[/link] ␛[31mred␛[0m [reverse]x"
        visual = msg.render()
        assert isinstance(visual, Content) and not visual.spans  # nothing styled, no link
        rows = summary(app)
        assert rows["Fields"] == "[b]a[/b], ␛[2Jb"
        assert rows["Job type"] == "[blink]BATCH"
        assert rows["Dataset"] == "[link=http://evil]ds[/link]"
        stack = app.query_one(CallStack)
        stack.collapsed = False
        await pilot.pause()
        assert plain(stack.query_one(".stack-text", Static)) == "at [i]x[/i]\n␛]52;c;AAAA␇"
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot and "\x07" not in screenshot
        assert "href=\"http://x\"" not in screenshot and "http://evil\"" not in screenshot
        await pilot.press("y")
        assert detail.raw_visible
        assert "\x1b" not in detail._raw_shown and "[link=http://x]" in detail._raw_shown


def test_raw_view_clips_long_strings_but_the_copy_keeps_them():
    stack = "x" * (MAX_RAW_STRING + 100)
    rec = job_record(30, "FAILED", errors=[{"code": "c", "msg": "m", "callStack": stack}])
    shown = raw_json_display(job(rec))
    assert stack not in shown
    assert f'"{"x" * MAX_RAW_STRING}… (100 more characters: J copies them all)"' in shown
    assert stack in raw_json(job(rec))


async def test_copy_keys_use_the_clipboard_with_the_right_text():
    rec = job_record(12, "SUCCEEDED")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        app.query_one("#detail-body").focus()
        await pilot.press("c")
        await pilot.press("b")
        await pilot.press("J")
        assert app.copied == ["12", "BATCH00000012", raw_json(job(rec))]
        assert app.copied[2] == detail.raw_text()
        assert '"batchId": "BATCH00000012"' in app.copied[2]
        assert [n for n, _ in app.notes][:2] == ["Copied job id 12", "Copied batch id BATCH00000012"]
        assert app.notes[2][0].startswith("Copied the raw JSON of job 12 (")


async def test_copy_batch_id_without_a_batch_warns_and_copies_nothing():
    rec = job_record(13, "PROCESSING")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        app.query_one(JobDetail).show(job(rec))
        await pilot.pause()
        app.query_one("#detail-body").focus()
        await pilot.press("b")
        assert app.copied == []
        assert app.notes == [("Job 13 has no batch id: it gets one when it succeeds.", "warning")]


async def test_y_toggles_the_raw_json_view():
    rec = job_record(14, "SUCCEEDED")
    app = Host(FakeJobsAPI([rec]), clock=Clock(T0))
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        app.query_one("#detail-body").focus()
        await pilot.press("y")
        assert detail.raw_visible
        assert app.query_one("#detail-raw").display and not app.query_one("#detail-body").display
        assert app.focused is app.query_one("#detail-raw")
        assert detail._raw_shown == raw_json_display(job(rec)) == raw_json(job(rec))
        assert detail._raw_shown.startswith('{\n  "id": 14,')
        await pilot.press("c")  # bindings still work from the raw view
        assert app.copied == ["14"]
        await pilot.press("y")
        assert not detail.raw_visible and app.query_one("#detail-body").display
        assert app.focused is app.query_one("#detail-body")


async def test_poll_once_refreshes_posts_and_stops_at_a_final_state():
    rec = job_record(15, "PROCESSING")
    api = FakeJobsAPI([rec])
    app = Host(api, clock=Clock(T0))
    messages = []
    async with app.run_test(message_hook=messages.append) as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        assert detail.polling
        api.records["15"] = job_record(15, "SUCCEEDED")
        fresh = await detail.poll_once()
        await pilot.pause()
        assert fresh is not None and fresh.status == "SUCCEEDED"
        assert detail.job is fresh
        refreshed = {id(m): m for m in messages if isinstance(m, JobDetail.JobRefreshed)}.values()
        assert [m.job.status for m in refreshed] == ["SUCCEEDED"]
        await pilot.pause()
        assert not detail.polling
        assert text_of(app, "#detail-title") == "Job 15  ✔ SUCCEEDED"


async def test_poll_loop_runs_until_final_and_never_overlaps():
    rec = job_record(16, "PROCESSING")
    api = FakeJobsAPI([rec])
    app = Host(api, clock=Clock(T0), poll_seconds=0.001)
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        api.records["16"] = job_record(16, "FAILED")
        await app.workers.wait_for_complete()
        assert detail.job is not None and detail.job.status == "FAILED"
        assert api.count("get_job") >= 1 and api.max_in_flight == 1
        calls = api.count("get_job")
        await pilot.pause()
        assert api.count("get_job") == calls  # stopped at the final state


async def test_poll_failure_shows_one_sentence_and_posts_refresh_failed():
    rec = job_record(17, "PROCESSING")
    api = FakeJobsAPI([rec])
    app = Host(api, clock=Clock(T0), poll_seconds=5)
    messages = []
    async with app.run_test(message_hook=messages.append) as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec))
        await pilot.pause()
        api.fail_with = ServerError("The Platform could not answer (HTTP 503); aepx retries on its own.")
        assert await detail.poll_once() is None
        await pilot.pause()
        line = app.query_one("#detail-refresh-error")
        assert not line.has_class("hidden")
        assert plain(line) == ("refresh failed: The Platform could not answer (HTTP 503); aepx retries on its "
                               "own.; retrying every 5s")
        failures = {id(m): m for m in messages if isinstance(m, JobDetail.RefreshFailed)}
        assert [str(m.error) for m in failures.values()] == [str(api.fail_with)]
        api.fail_with = None
        await detail.poll_once()
        await pilot.pause()
        assert line.has_class("hidden")


async def test_showing_another_job_cancels_the_previous_poll():
    a, b = job_record(18, "PROCESSING"), job_record(19, "SUCCEEDED")
    app = Host(FakeJobsAPI([a, b]), clock=Clock(T0))
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(a))
        await pilot.pause()
        running = detail._poll_workers()
        assert len(running) == 1 and detail.polling
        detail.show(job(b))
        await pilot.pause()
        assert running[0].is_cancelled
        assert not detail.polling


def test_possibly_stuck_logic():
    running = job(job_record(20, "PROCESSING", created=T0))
    assert possibly_stuck(running, 60_000, 3.0, T0 + 181_000)
    assert not possibly_stuck(running, 60_000, 3.0, T0 + 180_000)
    assert not possibly_stuck(running, None, 3.0, T0 + 10**9)
    assert not possibly_stuck(running, 0, 3.0, T0 + 10**9)
    assert not possibly_stuck(job(job_record(21, "SUCCEEDED")), 1, 3.0, T0 + 10**9)
    assert not possibly_stuck(None, 60_000, 3.0, T0)
    assert possibly_stuck(job(job_record(22, "NEW", created=T0)), 1000, 2.0, T0 + 2_001)


async def test_stuck_flag_shows_the_cancel_key():
    rec = job_record(23, "PROCESSING", created=T0)
    clock = Clock(T0 + 100_000)
    app = Host(FakeJobsAPI([rec]), clock=clock)
    async with app.run_test() as pilot:
        detail = app.query_one(JobDetail)
        detail.show(job(rec), median_ms=60_000)
        await pilot.pause()
        flag = app.query_one("#detail-stuck")
        assert flag.has_class("hidden")
        clock.ms = T0 + 200_000
        detail._tick()
        await pilot.pause()
        assert not flag.has_class("hidden")
        assert plain(flag) == ("⚠ possibly stuck: running 3m 20s, over 3× the median SUCCEEDED run (1m 00s). "
                               "ctrl+d cancels it.")


class ScreenHost(App[None]):
    def __init__(self, api: FakeJobsAPI, rec: dict, **kwargs) -> None:
        super().__init__()
        self.api, self.rec, self.kwargs = api, rec, kwargs
        self.refreshed: list[Job] = []

    def on_job_detail_job_refreshed(self, event: JobDetail.JobRefreshed) -> None:
        self.refreshed.append(event.job)

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.api, job(self.rec), clock=Clock(T0), poll_seconds=1000,
                                      **self.kwargs))


async def test_detail_screen_forwards_refresh_cancel_and_escape_pops():
    rec = job_record(24, "PROCESSING")
    api = FakeJobsAPI([rec])
    cancelled: list[Job] = []
    app = ScreenHost(api, rec, on_cancel=cancelled.append,
                     dataset_names={"ds-1": "Target"})
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert summary(app)["Dataset"] == "Target (ds-1)"
        assert screen.sub_title == "job 24"
        api.records["24"]["updateTime"] = T0 + 5
        await screen.detail.poll_once()
        await pilot.pause()
        assert [j.id for j in app.refreshed] == ["24"]  # the message bubbles past the pushed screen
        await pilot.press("ctrl+d")
        assert [j.id for j in cancelled] == ["24"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)


async def test_detail_screen_hides_cancel_without_a_handler_or_for_final_jobs():
    rec = job_record(25, "SUCCEEDED")
    cancelled: list[Job] = []
    app = ScreenHost(FakeJobsAPI([rec]), rec, on_cancel=cancelled.append)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.check_action("cancel_job", ()) is False
        await pilot.press("ctrl+d")
        assert cancelled == []
    rec = job_record(26, "PROCESSING")
    app = ScreenHost(FakeJobsAPI([rec]), rec)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.screen.check_action("cancel_job", ()) is False
