"""One bad record never takes the console down: absurd timestamps and durations show "invalid time", a
huge string is cut before layout, deep JSON is shown to a depth limit (y), and a renderer that fails
shows "this record could not be displayed" while the rest keeps working."""

from __future__ import annotations

import pytest

from tests.console.conftest import settle
from tests.fakes import T0, FakeJobsAPI, job_record
from tests.hostile.records import deep
from tui.console.widgets.detail import JobDetail
from tui.console.widgets.job_table import JobTable
from tui.console.widgets.timeline import render_rows, timeline_rows
from tui.core.format import INVALID_TIME
from tui.core.models import Job, Page


def start_before_creation(job_id: int, before_ms: int) -> dict:
    rec = job_record(job_id, "PROCESSING")
    rec["metrics"]["profileExportTime"] = {"startTimeInMs": rec["creationTime"] - before_ms}
    return rec


@pytest.mark.parametrize("before_ms", [10**12, 10**15])
def test_a_phase_starting_long_before_creation_is_invalid_not_drawn(before_ms):
    job = Job.parse(start_before_creation(1, before_ms))
    rows = timeline_rows(job, T0 + 60_000)
    assert any(r.state == "invalid" for r in rows)
    text = render_rows(rows, 100).plain
    assert INVALID_TIME in text
    assert max(len(line) for line in text.split("\n")) <= 110


def test_a_creation_time_of_1e30():
    job = Job.parse(job_record(1, "SUCCEEDED", creationTime=1e30))
    text = render_rows(timeline_rows(job, T0), 100).plain
    assert INVALID_TIME in text


BAD = [
    start_before_creation(1, 10**15),
    job_record(2, "SUCCEEDED", creationTime=1e30, updateTime=1e30),
    start_before_creation(3, 10**12),
    job_record(4, "SUCCEEDED", fields="f," * 10_000_000),  # 20 MB
    job_record(5, "FAILED", deep=deep(900)),
    job_record(6, "SUCCEEDED"),
]


class ParsingAPI(FakeJobsAPI):
    """Parses the records as they are (the fake's deepcopy cannot copy 900 levels; json.loads can)."""

    async def list_jobs(self, *, cursor=None, limit=100, status=None) -> Page:
        await self._call("list_jobs", {"cursor": cursor, "limit": limit, "status": status})
        return Page(jobs=tuple(Job.parse(r) for r in self._sorted(status)[:limit]), page_size=limit)

    async def get_job(self, job_id: str) -> Job:
        await self._call("get_job", job_id)
        return Job.parse(self.records[str(job_id)])


async def test_the_console_survives_every_bad_record(make_app):
    api = ParsingAPI([dict(r) for r in BAD])
    app = make_app(api)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(JobTable)
        detail = app.screen.query_one(JobDetail)
        assert table.row_count == len(BAD), app.message_log
        seen = set()
        for _ in range(len(BAD)):
            job = app.screen.highlighted_job()
            assert job is not None
            seen.add(job.id)
            await pilot.press("y")  # the raw view, to a depth limit
            await settle(app, pilot)
            app.export_screenshot()  # the whole screen renders
            await pilot.press("y", "down")
            await settle(app, pilot)
        assert seen == {str(r["id"]) for r in BAD}
        assert detail is not None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code is not None


async def test_invalid_times_are_said_in_the_table_and_the_detail(make_app):
    api = FakeJobsAPI([job_record(2, "SUCCEEDED", creationTime=1e30, updateTime=1e30)])
    app = make_app(api)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(JobTable)
        assert INVALID_TIME in " ".join(c.plain for c in table.get_row("2"))
        assert INVALID_TIME in app.export_screenshot().replace("&#160;", " ")


async def test_a_renderer_that_fails_shows_one_line_and_the_rest_works(make_app, monkeypatch):
    import tui.console.widgets.detail as detail_module
    import tui.console.widgets.job_table as table_module

    real_gateway, real_values = detail_module._gateway, table_module._row_values

    def broken_gateway(job):
        if job.id == "2":
            raise ZeroDivisionError("a renderer defect")
        return real_gateway(job)

    def broken_values(job, **kwargs):
        if job.id == "2":
            raise ZeroDivisionError("a renderer defect")
        return real_values(job, **kwargs)

    monkeypatch.setattr(detail_module, "_gateway", broken_gateway)
    monkeypatch.setattr(table_module, "_row_values", broken_values)
    api = FakeJobsAPI([job_record(1), job_record(2), job_record(3)])
    app = make_app(api)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(JobTable)
        assert "this record could not be displayed" in " ".join(c.plain for c in table.get_row("2"))
        assert "SUCCEEDED" in " ".join(c.plain for c in table.get_row("3"))
        await pilot.press("down")  # job 2 in the detail
        await settle(app, pilot)
        assert app.screen.highlighted_job().id == "2"
        assert "this record could not be displayed" in app.export_screenshot().replace("&#160;", " ")
        await pilot.press("down")
        await settle(app, pilot)
        assert "this record could not be displayed" not in app.export_screenshot().replace("&#160;", " ")


def test_deep_json_is_shown_to_a_depth_limit_and_copied_whole_or_marked():
    from tui.console.widgets.detail import raw_json, raw_json_display

    job = Job.parse(job_record(5, "FAILED", deep=deep(900)))
    shown = raw_json_display(job)
    assert "nested deeper than this" in shown and shown.count("\n") < 200
    assert raw_json(job).count('"x"') >= 150  # J copies it (to the encoder's depth at worst)


def test_a_huge_string_is_cut_before_layout():
    from tui.console.widgets.detail import MAX_FIELD, _fields
    from tui.console.widgets.job_table import row_values

    job = Job.parse(job_record(4, "SUCCEEDED", fields="f," * 10_000_000, dataset="d" * 10_000_000))
    assert len(_fields(job.fields)) <= 4 * MAX_FIELD  # cut before the split, then at display
    assert all(len(v) <= 200 for v in row_values(job, now_ms=T0, marked=False, cancelling=False))
