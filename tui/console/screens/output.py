"""Output: what a SUCCEEDED job produced. The batch facts, its files, the highlighted file's schema and
first 50 rows, and ``d`` to download every file with a progress bar. ``esc`` returns.

Fetching happens in this screen's workers through an :class:`OutputSource` (``tui.api.data_access.
DataAccess`` in production); the ``show_*`` methods only render what they are given. Every server or
file string passes ``sanitise`` and is wrapped in ``rich.text.Text`` (never read as markup).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from tui.console.widgets.header import AppHeader
from tui.core.errors import AepxError
from tui.core.format import absolute_time, human_bytes
from tui.core.models import Job
from tui.core.output import (
    Batch,
    BatchFile,
    BatchRef,
    batch_download_dir,
    cell_text,
    exported_profiles,
    job_batches,
)
from tui.core.sanitise import sanitise
from tui.core.sentences import tidy

PREVIEW_ROWS = 50
CELL_WIDTH = 40


class OutputSource(Protocol):
    async def get_batch(self, batch_id: str) -> Batch: ...

    async def list_files(self, batch_id: str) -> list[BatchFile]: ...

    async def first_rows(self, file: BatchFile, rows: int) -> tuple[Any, list[str], list[list[Any]]]: ...

    async def download_file(self, file: BatchFile, directory: Path,
                            progress: Callable[[int], None] | None = None) -> Any: ...


def middle_ellipsis(text: str, width: int) -> str:
    """``part-00000-81e8…-c000.snappy.parquet``: both ends of a long name stay readable."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 2] + "…" + text[len(text) - keep // 2:]


def _sentence(error: BaseException, what: str) -> str:
    if isinstance(error, AepxError):
        return str(error)
    return f"{what} failed unexpectedly ({type(error).__name__}); try again or report it."


class OutputScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="output.back"),
        Binding("d", "download", "Download all", id="output.download"),
        Binding("right_square_bracket", "next_batch", "Next batch", id="output.next-batch", key_display="]",
                show=False),
        Binding("left_square_bracket", "prev_batch", "Prev batch", id="output.prev-batch", key_display="[",
                show=False),
        Binding("ctrl+r", "reload", "Reload", id="output.reload", show=False),
    ]
    DEFAULT_CSS = """
    OutputScreen #output-facts { height: auto; max-height: 4; padding: 0 1; }
    OutputScreen #output-files { height: auto; max-height: 7; }
    OutputScreen #output-schema { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    OutputScreen #output-preview { height: 1fr; }
    OutputScreen #output-bottom { height: auto; max-height: 2; }
    OutputScreen #output-status { width: 1fr; padding: 0 1; }
    OutputScreen #output-progress { width: 40; display: none; }
    OutputScreen #output-progress.active { display: block; }
    """

    def __init__(self, source: OutputSource, job: Job, *, download_dir: str | None = None) -> None:
        super().__init__()
        self._source = source
        self.job = job
        self.refs: list[BatchRef] = job_batches(job)
        self.index = 0
        self.shown_batch: Batch | None = None
        self.files: list[BatchFile] = []
        self._previews: dict[str, tuple[Any, list[str], list[list[Any]]]] = {}
        self._download_dir = download_dir
        self.downloading = False
        self.sub_title = f"output of job {sanitise(job.id)}"

    def compose(self) -> ComposeResult:
        yield AppHeader(f"jobs › {self.job.id} › output")
        with Vertical():
            yield Static(Text("Loading the batch…"), id="output-facts")
            files: DataTable[Text] = DataTable(id="output-files", cursor_type="row", zebra_stripes=True)
            files.add_columns("name", "size", "records", "valid")
            yield files
            yield Static(Text(""), id="output-schema")
            yield DataTable(id="output-preview", cursor_type="cell", show_cursor=False)
            with Horizontal(id="output-bottom"):
                yield Static(Text(""), id="output-status")
                yield ProgressBar(id="output-progress", show_eta=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#output-files", DataTable).focus()
        if not self.refs:
            self.show_message(f"Job {sanitise(self.job.id)} names no batch (destination.batchId is empty), so "
                              "there is nothing to show.")
            return
        self._load(self.index)

    # --- workers ------------------------------------------------------------------------------------
    @work(group="output-load", exclusive=True, exit_on_error=False, description="reading the batch")
    async def _load(self, index: int) -> None:
        ref = self.refs[index]
        try:
            batch = await self._source.get_batch(ref.batch_id)
            files = await self._source.list_files(ref.batch_id) if batch.succeeded else []
        except Exception as exc:  # every failure is one sentence on the screen
            self.show_message(_sentence(exc, f"Reading batch {ref.batch_id}"))
            return
        self.show_batch(batch, files)

    @work(group="output-preview", exclusive=True, exit_on_error=False, description="reading a file's footer")
    async def _preview(self, file: BatchFile) -> None:
        cached = self._previews.get(file.file_id + file.name)
        if cached is None:
            try:
                cached = await self._source.first_rows(file, PREVIEW_ROWS)
            except Exception as exc:
                self.show_schema_text(_sentence(exc, f"Reading {file.name}"))
                return
            self._previews[file.file_id + file.name] = cached
        peek, names, rows = cached
        self.show_preview(file, peek, names, rows)

    @work(group="output-download", exclusive=True, exit_on_error=False, description="downloading files")
    async def _download(self, batch: Batch, files: list[BatchFile], directory: Path) -> None:
        bar = self.query_one("#output-progress", ProgressBar)
        bar.update(total=max(1, sum(f.size or 0 for f in files)), progress=0)
        bar.add_class("active")
        self.downloading = True
        failed: list[str] = []
        last_error = ""
        for i, file in enumerate(files, 1):
            self.show_status(f"Downloading {i}/{len(files)}: {file.name}")
            try:
                await self._source.download_file(file, directory, lambda n: bar.advance(n))
            except Exception as exc:
                failed.append(file.name)
                last_error = _sentence(exc, f"Downloading {file.name}")
        self.downloading = False
        bar.remove_class("active")  # done: the status line takes the whole width (it names the directory)
        if failed:
            text = f"{len(failed)} of {len(files)} file(s) failed ({last_error}); press d to resume."
            self.show_status(text)
            self.app.notify(sanitise(text), severity="error", markup=False)
        else:
            text = f"Downloaded {len(files)} file(s) to {directory}."
            self.show_status(text)
            self.app.notify(sanitise(text), markup=False)

    # --- rendering (what the workers give) ---------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.query_one("#output-facts", Static).update(Text(sanitise(text)))

    def show_status(self, text: str) -> None:
        self.query_one("#output-status", Static).update(Text(sanitise(tidy(text))))

    def show_schema_text(self, text: str) -> None:
        self.query_one("#output-schema", Static).update(Text(sanitise(text)))

    def show_batch(self, batch: Batch, files: list[BatchFile]) -> None:
        self.shown_batch, self.files = batch, files
        ref = self.refs[self.index]
        lines = [f"batch {sanitise(batch.id)} · {sanitise(batch.status)}"]
        second = []
        if batch.record_count is not None:
            second.append(f"{batch.record_count:,} records")
        if batch.size is not None:
            second.append(human_bytes(batch.size, unknown="?"))
        second.append(f"{len(files)} file(s)")
        if len(self.refs) > 1:
            second.append(f"batch {self.index + 1} of {len(self.refs)} ([ ] to switch)")
        if ref.segment_id:
            second.append(f"segment {sanitise(ref.segment_id)}")
        if batch.completed_ms:
            second.append(f"completed {absolute_time(batch.completed_ms)}")
        if exported_profiles(self.job):
            second.append(f"job exported {sanitise(exported_profiles(self.job))} profiles")
        if second:
            lines.append(" · ".join(second))
        if batch.failed:
            reason = f": {sanitise(batch.errors[0])}" if batch.errors else ""
            lines.append(f"The batch failed{reason}; it has no files. The job's errors say why.")
        elif not batch.succeeded:
            lines.append(f"The batch is {sanitise(batch.status)}: its files are readable once it succeeds.")
        elif not files:
            lines.append("The batch has no files.")
        self.query_one("#output-facts", Static).update(Text("\n".join(lines)))
        table = self.query_one("#output-files", DataTable)
        table.clear()
        name_width = max(24, self.size.width - 36)
        for k, f in enumerate(files):
            table.add_row(Text(middle_ellipsis(sanitise(f.name), name_width)),
                          Text(human_bytes(f.size, unknown="?"), justify="right"),
                          Text("" if f.records is None else f"{f.records:,}", justify="right"),
                          Text("yes" if f.is_valid else "NO"), key=f"{k}")
        self.show_schema_text("")
        self.query_one("#output-preview", DataTable).clear(columns=True)
        if files:
            table.move_cursor(row=0)
            self._preview(files[0])
        self.show_status("d: download all files" if files else "")

    def show_preview(self, file: BatchFile, peek: Any, names: list[str], rows: list[list[Any]]) -> None:
        info = getattr(peek, "info", None)
        problem = getattr(peek, "problem", "")
        preview = self.query_one("#output-preview", DataTable)
        preview.clear(columns=True)
        if info is None:
            self.show_schema_text(f"{file.name}: {problem or 'not readable'} (it can still be downloaded)")
            return
        schema = ", ".join(f"{c.name} {c.type}" for c in info.columns)
        self.show_schema_text(f"{info.num_rows:,} rows · {info.row_groups} row group(s) · schema: {schema}"
                              + (f" · {problem}" if problem else ""))
        for name in names:
            preview.add_column(Text(sanitise(name)[:CELL_WIDTH]))
        for row in rows:
            preview.add_row(*[Text(sanitise(cell_text(v, CELL_WIDTH))) for v in row])

    # --- events and actions ------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#output-files")
    def _file_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        if key is not None and key.isdigit() and int(key) < len(self.files):
            self._preview(self.files[int(key)])

    def action_close(self) -> None:
        self.dismiss(None)

    def action_download(self) -> None:
        if self.downloading:
            self.app.notify("A download is already running.", severity="warning")
            return
        if self.shown_batch is None or not self.files:
            self.app.notify("There are no files to download.", severity="warning")
            return
        directory = batch_download_dir(self._download_dir, self.shown_batch.id)
        self._download(self.shown_batch, list(self.files), directory)

    def _switch(self, step: int) -> None:
        if len(self.refs) < 2 or self.downloading:
            return
        self.index = (self.index + step) % len(self.refs)
        self.show_message("Loading the batch…")
        self._load(self.index)

    def action_next_batch(self) -> None:
        self._switch(1)

    def action_prev_batch(self) -> None:
        self._switch(-1)

    def action_reload(self) -> None:
        if self.refs:
            self._previews.clear()
            self._load(self.index)
