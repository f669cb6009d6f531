"""The Output screen (`o` on a SUCCEEDED job): batch facts, files, schema, first rows, download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, ProgressBar, Static

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.output import OutputScreen, middle_ellipsis
from tui.core.errors import NotFoundError
from tui.core.models import Job
from tui.core.output import Batch, BatchFile
from tui.core.parquet import Column, ParquetInfo

BATCH = "BATCH00000001"
NAME_A = "part-00000-3d27ca82-8ef4-4fe2-aa97-76bce49761b6-c000.snappy.parquet"
NAME_B = "part-00001-3d27ca82-8ef4-4fe2-aa97-76bce49761b6-c000.snappy.parquet"
HOSTILE = "part-\x1b[31mred\x1b[0m-[bold]x[/bold].parquet"


class Peek:
    def __init__(self, info: ParquetInfo | None, problem: str = "") -> None:
        self.info, self.problem = info, problem


def _info(rows: int, columns: list[tuple[str, str]]) -> ParquetInfo:
    return ParquetInfo(num_rows=rows, row_groups=1, columns=tuple(Column(n, t) for n, t in columns),
                       compressed_size=rows * 30, size=rows * 31)


class FakeSource:
    """An OutputSource with fixed data; ``fail`` maps a call name to the error it raises."""

    def __init__(self, *, status: str = "success", files: list[BatchFile] | None = None,
                 fail: dict[str, Exception] | None = None) -> None:
        self.status = status
        self.files = files if files is not None else [
            BatchFile(f"{BATCH}-1", NAME_A, 123_456, 7068), BatchFile(f"{BATCH}-2", NAME_B, 98_765, 6626),
            BatchFile(f"{BATCH}-3", HOSTILE, 10, 0, is_valid=False)]
        self.fail = fail or {}
        self.calls: list[tuple[str, str]] = []

    async def get_batch(self, batch_id: str) -> Batch:
        self.calls.append(("get_batch", batch_id))
        if "get_batch" in self.fail:
            raise self.fail["get_batch"]
        raw = {"status": self.status, "recordCount": 13_694, "size": 222_231, "completed": 1_767_225_600_000}
        if self.status == "failed":
            raw["errors"] = [{"code": "101", "description": "Batch write failed."}]
        return Batch.parse(batch_id, {batch_id: raw})

    async def list_files(self, batch_id: str) -> list[BatchFile]:
        self.calls.append(("list_files", batch_id))
        return list(self.files)

    async def first_rows(self, file: BatchFile, rows: int):
        self.calls.append(("first_rows", file.name))
        if file.name == HOSTILE:
            return Peek(None, "not a Parquet file (no PAR1 footer)"), [], []
        if file.name == NAME_B:
            return Peek(_info(6626, [("_id", "string"), ("loyalty.points", "int64")])), ["_id", "loyalty.points"], \
                [[f"prof-{i:010d}", i * 7] for i in range(rows)]
        names = ["_id", "personalEmail.address", "[b]markup[/b]", "_repo.modifyDate"]
        info = _info(7068, [("_id", "string"), ("personalEmail.address", "string"), ("[b]markup[/b]", "string"),
                            ("_repo.modifyDate", "timestamp[ms, tz=UTC]")])
        stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        return Peek(info), names, [[f"prof-{i:010d}", f"ada.{i}@example.com", "\x1b]0;pwned\x07[red]x[/red]", stamp]
                                   for i in range(rows)]

    async def download_file(self, file: BatchFile, directory: Path, progress=None):
        self.calls.append(("download_file", file.name))
        if "download_file" in self.fail and file.name == NAME_B:
            raise self.fail["download_file"]
        _write(directory / file.name.replace("/", "_"), file.size or 0)
        if progress:
            progress(file.size or 0)


def _write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


class Host(App[None]):
    def __init__(self, source, job: Job, download_dir: str | None = None) -> None:
        super().__init__()
        self.source, self.job, self.download_dir = source, job, download_dir

    def on_mount(self) -> None:
        self.push_screen(OutputScreen(self.source, self.job, download_dir=self.download_dir))


def _job(status: str = "SUCCEEDED") -> Job:
    return Job.parse(job_record(1, status))


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_facts_files_schema_and_first_rows() -> None:
    app = Host(FakeSource(), _job())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        facts = _text(screen, "#output-facts")
        assert f"batch {BATCH} · success" in facts and "13,694 records" in facts and "3 file(s)" in facts
        files = screen.query_one("#output-files", DataTable)
        assert files.row_count == 3
        schema = _text(screen, "#output-schema")
        assert "7,068 rows" in schema and "personalEmail.address string" in schema
        preview = screen.query_one("#output-preview", DataTable)
        assert preview.row_count == 50
        assert str(preview.get_cell_at((0, 3))) == "2026-01-01T00:00:00+00:00"
        await pilot.press("down")
        await settle(app, pilot)
        assert "loyalty.points int64" in _text(screen, "#output-schema")
        assert str(preview.get_cell_at((2, 1))) == "14"


async def test_hostile_strings_are_shown_as_text_and_bad_parquet_says_so() -> None:
    app = Host(FakeSource(), _job())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        files = screen.query_one("#output-files", DataTable)
        name_cell = str(files.get_cell_at((2, 0)))
        assert "\x1b" not in name_cell and "␛[31mred" in name_cell and "[bold]x[/bold]" in name_cell
        cell = str(screen.query_one("#output-preview", DataTable).get_cell_at((0, 2)))
        assert "\x1b" not in cell and "\x07" not in cell and "[red]x[/red]" in cell
        await pilot.press("down", "down")
        await settle(app, pilot)
        assert "not a Parquet file (no PAR1 footer) (it can still be downloaded)" in _text(screen, "#output-schema")


async def test_d_downloads_every_file_with_a_progress_bar(tmp_path: Path) -> None:
    source = FakeSource()
    app = Host(source, _job(), download_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        bar = app.screen.query_one("#output-progress", ProgressBar)
        assert bar.progress == bar.total == sum(f.size or 0 for f in source.files)
        assert not bar.has_class("active")  # done: the status line gets the width back, directory and all
        assert sorted(p.name for p in (tmp_path / BATCH).iterdir()) == sorted(
            [NAME_A, NAME_B, HOSTILE.replace("/", "_")])
        status = app.screen.query_one("#output-status")
        assert f"Downloaded 3 file(s) to {tmp_path / BATCH}." in _text(app.screen, "#output-status")
        assert status.size.width >= 78 and status.size.height >= 1


async def test_a_failed_file_is_named_and_d_again_resumes(tmp_path: Path) -> None:
    source = FakeSource(fail={"download_file": NotFoundError("Downloading x failed because it vanished.")})
    app = Host(source, _job(), download_dir=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        status = _text(app.screen, "#output-status")
        assert "1 of 3 file(s) failed (Downloading x failed because it vanished); press d to resume." in status


@pytest.mark.parametrize(("source", "expected"), [
    (FakeSource(status="failed"), "The batch failed: 101 Batch write failed.; it has no files."),
    (FakeSource(status="processing"), "The batch is processing: its files are readable once it succeeds."),
    (FakeSource(files=[]), "The batch has no files."),
    (FakeSource(fail={"get_batch": NotFoundError("Batch BATCH00000001 was not found in sandbox prod.")}),
     "Batch BATCH00000001 was not found in sandbox prod."),
])
async def test_bad_batches_are_one_sentence(source, expected) -> None:
    app = Host(source, _job())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert expected in _text(app.screen, "#output-facts")
        await pilot.press("d")
        await settle(app, pilot)
        assert ("download_file", NAME_A) not in source.calls


class OutputAPI(FakeJobsAPI):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = FakeSource()

    def data_access(self):
        return self.source


async def test_o_opens_output_for_succeeded_jobs_only_and_esc_returns(make_app) -> None:
    api = OutputAPI([job_record(1, "FAILED"), job_record(2, "SUCCEEDED")])
    app = make_app(api)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("o")  # the FAILED job is highlighted first
        await settle(app, pilot)
        assert not isinstance(app.screen, OutputScreen)
        assert any("Output is shown for SUCCEEDED jobs; job 1 is FAILED." in text for _, text in app.message_log)
        await pilot.press("down", "o")
        await settle(app, pilot)
        assert isinstance(app.screen, OutputScreen)
        assert ("get_batch", "BATCH00000002") in api.source.calls
        await pilot.press("escape")
        assert not isinstance(app.screen, OutputScreen)


async def test_without_data_access_o_says_so(make_app) -> None:
    app = make_app(FakeJobsAPI([job_record(1, "SUCCEEDED")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert not isinstance(app.screen, OutputScreen)
        assert any("cannot read batches" in text for _, text in app.message_log)


def test_middle_ellipsis_keeps_both_ends() -> None:
    short = middle_ellipsis(NAME_A, 30)
    assert len(short) == 30 and short.startswith("part-0000") and short.endswith("snappy.parquet") and "…" in short
    assert middle_ellipsis("short", 30) == "short"


async def test_against_the_emulator_over_real_http(tmp_path: Path) -> None:
    from tests.api.emulator_support import emulator_client
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    with EmulatorServer(EmulatorSettings(port=0, jobs=20)) as srv:
        async with emulator_client(srv) as client:
            job = (await client.list_jobs(status="SUCCEEDED", limit=1)).jobs[0]
            app = Host(client.data_access(), job, download_dir=str(tmp_path))
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(app, pilot)
                assert "20,000 records" in _text(app.screen, "#output-facts")
                assert app.screen.query_one("#output-preview", DataTable).row_count == 50
                await pilot.press("d")
                await settle(app, pilot)
                files = app.screen.files
                assert sorted(p.name for p in (tmp_path / job.batch_id).iterdir()) == sorted(f.name for f in files)


async def test_segment_batches_switch_with_brackets() -> None:
    rec = job_record(1, "SUCCEEDED")
    rec["destination"].update({"segmentPerBatch": True, "batchId": "B-ALL", "batches": [
        {"segmentId": "seg-a", "segmentNs": "ups", "status": ["realized"], "batchId": "B-A"},
        {"segmentId": "seg-b", "segmentNs": "ups", "status": ["realized"], "batchId": "B-B"}]})
    source = FakeSource()
    app = Host(source, Job.parse(rec))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "batch 1 of 3 ([ ] to switch)" in _text(app.screen, "#output-facts")
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        facts = _text(app.screen, "#output-facts")
        assert "batch B-A · success" in facts and "batch 2 of 3" in facts and "segment seg-a" in facts
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(app, pilot)
        assert "batch B-B · success" in _text(app.screen, "#output-facts")
    assert [c[1] for c in source.calls if c[0] == "get_batch"] == ["B-ALL", "B-A", "B-ALL", "B-B"]


async def test_o_from_the_full_screen_detail_opens_output(make_app) -> None:
    from tui.console.screens.detail import DetailScreen

    api = OutputAPI([job_record(1, "SUCCEEDED")])
    app = make_app(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, OutputScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)
