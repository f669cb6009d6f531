"""After a job SUCCEEDS: its Catalog batch and the Data Access API (files, downloads, a Parquet peek).

* ``get_batch``: ``GET /data/foundation/catalog/batches/{id}`` (keyed by id).
* ``iter_batch_files``: ``GET /data/foundation/export/batches/{id}/files``, following the absolute
  ``_links.next.href`` only when its origin is the configured platform URL; anything else is refused
  before a request is made, so the bearer token never leaves for another host.
* ``list_files``: each listed id resolved to its file entries (``GET /files/{id}``; a directory entry
  names more ids and is followed).
* ``download_file``: ``Range`` requests of 8 MiB, each bounded well under the API's 60-second limit and
  retried on its own; bytes go straight to ``NAME.part`` (never a whole file in memory), renamed when
  the size matches the listing; a rerun resumes from the ``.part`` size.
* ``peek_parquet``: the footer only: one suffix ``Range`` of 64 KiB (a second one if the footer is
  larger), parsed with pyarrow. ``first_rows`` adds one ``Range`` for the first row group.

One module because all of it is the Data Access API of one batch, on the client's session.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tui.api.calllog import ATTEMPT
from tui.api.mapping import error_from_response
from tui.api.retry import is_retryable_idempotent
from tui.core.errors import AepxError, ApiError, ApiTimeoutError, NotFoundError, UsageError
from tui.core.models import to_int
from tui.core.output import Batch, BatchFile, listing_item, origin_of, safe_file_name, same_origin
from tui.core.parquet import NotParquetError, ParquetInfo, first_rows, first_rows_range, footer_length, parse_footer
from tui.core.sanitise import one_line

if TYPE_CHECKING:
    from tui.api.client import PlatformClient

CATALOG_BATCHES = "/data/foundation/catalog/batches"
EXPORT = "/data/foundation/export"
CHUNK = 8 * 1024 * 1024
CHUNK_DEADLINE = 45.0  # per Range request: the API allows 60 s per response
CHUNK_ATTEMPTS = 6  # per chunk, reset whenever bytes arrive
FOOTER_PROBE = 64 * 1024
MAX_FOOTER = 16 * 1024 * 1024
MAX_PREVIEW_RANGE = 64 * 1024 * 1024
MAX_PAGES = 1_000
MAX_DEPTH = 3
FILES_PAGE = 100

__all__ = ["DataAccess", "DownloadError", "DownloadResult", "ForeignLinkError", "PeekResult"]


class ForeignLinkError(ApiError):
    """A next link points off the configured platform origin; it was not followed."""


class DownloadError(ApiError):
    """A download failed; the ``.part`` file (if any) is kept so a rerun resumes."""


@dataclass(frozen=True, slots=True)
class DownloadResult:
    file: BatchFile
    path: Path
    resumed_from: int = 0
    already_complete: bool = False


@dataclass(frozen=True, slots=True)
class PeekResult:
    file: BatchFile
    info: ParquetInfo | None
    problem: str = ""  # e.g. "not a Parquet file (no PAR1 footer)"
    requests: int = 0
    bytes_read: int = 0


def _seg(text: str) -> str:
    if not str(text).strip():
        raise UsageError("The id is empty; pass the batch id shown by `aepx jobs show`.")
    return quote(str(text).strip(), safe="")


class DataAccess:
    """The batch and file calls of one :class:`PlatformClient` (its session, token and retry policy)."""

    def __init__(self, client: PlatformClient, *, chunk_size: int = CHUNK, page_size: int = FILES_PAGE) -> None:
        self.client = client
        self.base = client.profile.platform_url.rstrip("/")
        self.chunk_size = chunk_size
        self.page_size = page_size
        self.requests = 0  # Range requests sent by peeks (bench reads it)

    # --- Catalog -----------------------------------------------------------------------------------
    async def get_batch(self, batch_id: str) -> Batch:
        what = f"Reading batch {one_line(batch_id, 60)}"
        try:
            response = await self.client._idempotent("GET", f"{CATALOG_BATCHES}/{_seg(batch_id)}", what=what)
        except NotFoundError as exc:
            raise NotFoundError(f"Batch {one_line(batch_id, 60)} was not found in sandbox "
                                f"{self.client.profile.sandbox}; check the id (`aepx jobs show JOB_ID` names it).",
                                status=404, request_id=exc.request_id) from None
        return Batch.parse(batch_id.strip(), self.client._json(response, what))

    # --- files -------------------------------------------------------------------------------------
    async def iter_batch_files(self, batch_id: str) -> AsyncIterator[dict[str, Any]]:
        """Every listing item (string numbers turned into ints), page after page."""
        what = f"Listing the files of batch {one_line(batch_id, 60)}"
        url: str = f"{EXPORT}/batches/{_seg(batch_id)}/files?{urlencode({'start': 0, 'limit': self.page_size})}"
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            seen.add(url)
            try:
                response = await self.client._idempotent("GET", url, what=what)
            except NotFoundError as exc:
                raise NotFoundError(f"{what} failed because the Data Access API does not know the batch; check the "
                                    "id and that the job SUCCEEDED.", status=404, request_id=exc.request_id) from None
            body = self.client._json(response, what)
            data = body.get("data") if isinstance(body, Mapping) else None
            for raw in data if isinstance(data, list) else []:
                yield listing_item(raw)
            links = body.get("_links") if isinstance(body, Mapping) else None
            nxt = links.get("next") if isinstance(links, Mapping) else None
            href = nxt.get("href") if isinstance(nxt, Mapping) else None
            if not isinstance(href, str) or not href.strip() or not data:
                return
            url = self._checked(href.strip(), what)
            if url in seen:
                return

    def _checked(self, href: str, what: str) -> str:
        """The link to follow: relative ones are resolved on the platform URL; absolute ones must be on it."""
        if origin_of(href) is None and not href.startswith("//"):  # "//host/x" names a host: not relative
            if not href.startswith("/"):
                raise ForeignLinkError(f"{what} stopped because the next page link {one_line(href, 80)!r} is "
                                       "not a URL; report it to Adobe support.")
            return href
        if not same_origin(href, self.base):
            origin = origin_of(href)
            shown = f"{origin[0]}://{origin[1]}:{origin[2]}" if origin else href.split("/", 3)[2] or href
            raise ForeignLinkError(f"{what} stopped because the next page link points to {one_line(shown, 80)}, "
                                   f"not the configured platform_url {self.base}; aepx never sends your token "
                                   "to another host, so check platform_url.")
        return href

    async def list_files(self, batch_id: str) -> list[BatchFile]:
        """Every file of the batch with its name and length (one ``GET /files/{id}`` per listed id)."""
        files: list[BatchFile] = []
        async for item in self.iter_batch_files(batch_id):
            if item["file_id"]:
                files.extend(await self._entries(item, depth=0))
        return files

    async def _entries(self, item: dict[str, Any], depth: int) -> list[BatchFile]:
        file_id = item["file_id"]
        what = f"Reading file entry {one_line(file_id, 80)}"
        response = await self.client._idempotent("GET", f"{EXPORT}/files/{_seg(file_id)}", what=what)
        body = self.client._json(response, what)
        data = body.get("data") if isinstance(body, Mapping) else None
        out: list[BatchFile] = []
        for raw in data if isinstance(data, list) else []:
            if not isinstance(raw, Mapping):
                continue
            if raw.get("name") is None and raw.get("dataSetFileId") and depth < MAX_DEPTH:
                out.extend(await self._entries(listing_item(raw), depth + 1))  # a directory
                continue
            name = str(raw.get("name") or "")
            if not name:
                continue
            length = to_int(raw.get("length"))
            out.append(BatchFile(file_id=file_id, name=name, size=length if length is not None else item["size"],
                                 records=item["records"], is_valid=item["is_valid"], created_ms=item["created_ms"]))
        if len(out) > 1:  # several files under one id: the listing's record count is the id's, not each file's
            out = [BatchFile(f.file_id, f.name, f.size, None, f.is_valid, f.created_ms) for f in out]
        return out

    def _content_path(self, file: BatchFile) -> str:
        return f"{EXPORT}/files/{_seg(file.file_id)}?{urlencode({'path': file.name})}"

    # --- ranges ------------------------------------------------------------------------------------
    async def _range(self, file: BatchFile, header: str, sink: Callable[[bytes], None], what: str,
                     check: Callable[[int, Mapping[str, str]], None] | None = None) -> Any:
        session = self.client._session
        headers = {"Range": header, "Accept": "*/*", "Accept-Encoding": "identity"}
        try:
            async with asyncio.timeout(CHUNK_DEADLINE):
                response = await session.stream_to("GET", self._content_path(file), what=what, sink=sink,
                                                   headers=headers, check=check)
        except TimeoutError:
            raise ApiTimeoutError(f"{what} failed because one {self.chunk_size // (1024 * 1024)} MiB part took "
                                  f"longer than {CHUNK_DEADLINE:g} s; the network may be slow, so run it again "
                                  "to resume.") from None
        if not response.ok and response.status != 416:
            raise error_from_response(response.status, response.headers, response.body, what=what,
                                      sandbox=self.client.profile.sandbox)
        return response

    async def _fetch(self, file: BatchFile, header: str, what: str, cap: int) -> tuple[bytes, Any]:
        parts: list[bytes] = []
        size = 0

        def sink(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > cap:
                raise ApiError(f"{what} failed because the server sent more than the {cap} bytes asked for; "
                               "report it to Adobe support.")
            parts.append(chunk)

        def check(status: int, headers: Mapping[str, str]) -> None:
            length = to_int(headers.get("content-length"))
            if status == 200 and (length is None or length > cap):
                raise ApiError(f"{what} failed because the server ignores Range requests and would send the whole "
                               "file; download it instead.")

        async def once() -> Any:
            parts.clear()
            nonlocal size
            size = 0
            self.requests += 1
            return await self._range(file, header, sink, what, check)

        from tui.api.retry import call_with_retries

        response = await call_with_retries(once, self.client.retry, is_retryable_idempotent)
        return b"".join(parts), response

    # --- peek --------------------------------------------------------------------------------------
    async def peek_parquet(self, file: BatchFile) -> PeekResult:
        """Schema, row groups and row count from the footer: at most two Range requests."""
        return (await self._footer(file))[0]

    async def _footer(self, file: BatchFile) -> tuple[PeekResult, bytes]:
        what = f"Reading the footer of {one_line(file.name, 80)}"
        before = self.requests
        tail, response = await self._fetch(file, f"bytes=-{FOOTER_PROBE}", what, FOOTER_PROBE)
        size = _total(response.headers) or file.size or len(tail)
        read = len(tail)

        def result(info: ParquetInfo | None, problem: str = "") -> PeekResult:
            return PeekResult(file, info, problem, self.requests - before, read)

        if response.status == 416 or not tail:
            return result(None, "not a Parquet file (it is empty)"), b""
        try:
            need = footer_length(tail, size) + 8
            if need > MAX_FOOTER:
                return result(None, f"its Parquet footer is {need} bytes, more than aepx reads"), b""
            if need > len(tail):
                more, _ = await self._fetch(file, f"bytes={size - need}-{size - len(tail) - 1}", what,
                                            need - len(tail))
                tail = more + tail
                read += len(more)
            return result(parse_footer(tail, size)), tail
        except NotParquetError as exc:
            return result(None, str(exc)), b""

    async def first_rows(self, file: BatchFile, rows: int) -> tuple[PeekResult, list[str], list[list[Any]]]:
        """The footer, then the first ``rows`` rows (one more Range request: the first row group(s))."""
        peek, tail = await self._footer(file)
        if peek.info is None:
            return peek, [], []
        names = [c.name for c in peek.info.columns]
        if rows <= 0 or peek.info.num_rows == 0:
            return peek, names, []
        what = f"Reading the first rows of {one_line(file.name, 80)}"
        size = peek.info.size
        try:
            start, end = first_rows_range(tail, size, rows)
            if end - start > MAX_PREVIEW_RANGE:
                return PeekResult(file, peek.info, "its first row group is too large to preview", peek.requests,
                                  peek.bytes_read), names, []
            data, _ = await self._fetch(file, f"bytes={start}-{end - 1}", what, end - start)
            names, values = first_rows(tail, data, start, size, rows)
        except NotParquetError as exc:
            return PeekResult(file, peek.info, str(exc), peek.requests, peek.bytes_read), names, []
        return peek, names, values

    # --- download ----------------------------------------------------------------------------------
    async def download_file(self, file: BatchFile, directory: Path,
                            progress: Callable[[int], None] | None = None) -> DownloadResult:
        """Download ``file`` into ``directory`` (resuming a ``.part``); returns where it is."""
        name = safe_file_name(file.name)
        final = directory / name
        part = directory / f"{name}.part"
        what = f"Downloading {one_line(name, 80)}"
        expected = file.size
        try:
            opened = _prepare(directory, final, part, expected)
            if opened is None:
                if progress and expected:
                    progress(expected)
                return DownloadResult(file, final, expected or 0, already_complete=True)
            fh, pos = opened
            resumed = pos
            if progress and pos:
                progress(pos)
            with fh:
                pos, expected = await self._chunks(file, fh, pos, expected, what, progress)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DownloadError(_disk_sentence(what, exc, part)) from None
        if expected is not None and pos != expected:
            raise DownloadError(f"{what} ended at {pos} bytes but the file is {expected} bytes; run the download "
                                f"again to resume from {part.name}.")
        try:
            os.replace(part, final)
        except OSError as exc:
            raise DownloadError(_disk_sentence(what, exc, part)) from None
        return DownloadResult(file, final, resumed)

    async def _chunks(self, file: BatchFile, fh: Any, pos: int, expected: int | None, what: str,
                      progress: Callable[[int], None] | None) -> tuple[int, int | None]:
        attempts = 0
        policy = self.client.retry
        while expected is None or pos < expected:
            end = pos + self.chunk_size - 1
            if expected is not None:
                end = min(end, expected - 1)
            start = pos
            written = 0
            limit: list[int | None] = [end + 1]  # the whole file's size once the server ignores Range

            def check(status: int, headers: Mapping[str, str], start: int = start,
                      limit: list[int | None] = limit, whole: int | None = expected) -> None:
                nonlocal pos
                if status == 206:
                    if _range_start(headers) not in (None, start):
                        raise DownloadError(f"{what} failed because the server answered another byte range than "
                                            "asked; report it to Adobe support.")
                    return
                # 200: the server ignored Range and sends the whole file: start again from byte 0.
                if pos:
                    if progress:
                        progress(-pos)
                    fh.seek(0)
                    fh.truncate(0)
                    pos = 0
                limit[0] = whole

            def sink(chunk: bytes, limit: list[int | None] = limit) -> None:
                nonlocal pos, written
                if limit[0] is not None and pos + len(chunk) > limit[0]:
                    raise ApiError(f"{what} failed because the server sent more bytes than asked for; report "
                                   "it to Adobe support.")
                fh.write(chunk)
                pos += len(chunk)
                written += len(chunk)
                if progress:
                    progress(len(chunk))

            numbered = ATTEMPT.set(attempts + 1)  # the call log numbers a chunk's retries (1 = first try)
            try:
                response = await self._range(file, f"bytes={start}-{end}", sink, what, check)
            except AepxError as error:
                if not is_retryable_idempotent(error) and not isinstance(error, ApiTimeoutError):
                    raise
                attempts = 0 if written else attempts + 1
                if attempts >= CHUNK_ATTEMPTS:
                    raise DownloadError(f"{error.message.rstrip('.')}; {pos} bytes are kept in "
                                        f"{safe_file_name(file.name)}.part, run the download again to resume.",
                                        status=error.status, request_id=error.request_id) from None
                await policy.sleep(policy.wait_before_retry(attempts, error))  # Retry-After when given
                continue
            finally:
                ATTEMPT.reset(numbered)
            if response.status == 416:
                total = _total(response.headers)
                if total is not None and pos >= total:
                    return pos, total
                raise DownloadError(f"{what} failed because the server refused the byte range {start}-{end} "
                                    f"(HTTP 416); delete {safe_file_name(file.name)}.part and try again.")
            total = _total(response.headers)
            if expected is None:
                expected = total if total is not None else (pos if response.status == 200 else None)
                if expected is None and written == 0:
                    return pos, pos
            attempts = 0
            if response.status == 200:
                return pos, expected if expected is not None else pos
            if written == 0 and expected is not None and pos < expected:
                raise DownloadError(f"{what} failed because the server sent no bytes for range {start}-{end}; "
                                    "run the download again to resume.")
        return pos, expected


def _prepare(directory: Path, final: Path, part: Path, expected: int | None) -> tuple[Any, int] | None:
    """``None`` when ``final`` is already complete; else the ``.part`` file open at its resume offset."""
    directory.mkdir(parents=True, exist_ok=True)
    if expected is not None and final.exists() and final.stat().st_size == expected and not part.exists():
        return None
    pos = part.stat().st_size if part.exists() else 0
    if expected is not None and pos > expected:
        pos = 0
    fh = open(part, "r+b" if part.exists() else "wb")
    fh.truncate(pos)
    fh.seek(pos)
    return fh, pos


def _total(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-range", "")
    total = value.rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def _range_start(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-range", "")
    unit, _, rest = value.partition(" ")
    first = rest.partition("-")[0].strip()
    return int(first) if unit.strip().lower() == "bytes" and first.isdigit() else None


def _disk_sentence(what: str, exc: OSError, part: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return (f"{what} failed because the disk is full; free some space and run the download again: it "
                f"resumes from the bytes kept in {part.name}.")
    reason = one_line(exc.strerror or str(exc), 120)
    return f"{what} failed because writing to {one_line(str(part.parent), 160)} failed ({reason}); fix that " \
           "and run the download again to resume."


def data_access(client: PlatformClient, **kwargs: Any) -> DataAccess:
    return DataAccess(client, **kwargs)
