"""Catalog batches and the Data Access API (``/data/foundation/export``) of the emulator.

* ``GET /data/foundation/catalog/batches/{id}``: ``{id: {...}}`` like every Catalog GET.
* ``GET /data/foundation/catalog/batches?dataSet=&limit=&start=``: an object keyed by batch id.
* ``GET /data/foundation/export/batches/{id}/files?start=&limit=``: the files, numbers as strings,
  ``_links.next.href`` absolute (``--link-origin`` may name another origin, as a gateway could).
* ``GET /data/foundation/export/files/{fileId}``: the entries (``name``, ``length``, ``_links.self``).
* ``GET|HEAD /data/foundation/export/files/{fileId}?path=NAME``: the bytes, with ``Range`` (206, 416),
  ``Accept-Ranges: bytes``; ``--fault-rate-cut`` cuts some bodies mid-way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tui.emulator import responses as err
from tui.emulator.output import Batch, BatchFactory, PartFile
from tui.emulator.responses import ApiError

if TYPE_CHECKING:
    from tui.emulator.app import Context

CATALOG = "/data/foundation/catalog"
EXPORT = "/data/foundation/export"
FILES_PAGE = 100
READ_CHUNK = 512 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class CutConnection(Exception):
    """Raised inside a body stream to drop the connection mid-body (an injected fault)."""


class _HideCuts(logging.Filter):
    """uvicorn logs an exception that ends a body; an injected cut is not an emulator failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], CutConnection))


logging.getLogger("uvicorn.error").addFilter(_HideCuts())


def _factory(request: Request) -> BatchFactory:
    return request.app.state.batches


def _bad(message: str) -> Response:
    return err.problem(400, "BadRequestError", message)


def _int(request: Request, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit() or int(text) < minimum or (maximum is not None and int(text) > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ApiError(_bad(f"Query parameter {name} must be an integer of at least {minimum}{upper} "
                            f"(got {raw!r})."))
    return int(text)


def _origin(request: Request) -> str:
    configured = request.app.state.store.settings.link_origin
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


async def _batch(request: Request, ctx: Context, batch_id: str, *, generate: bool) -> Batch:
    batch = _factory(request).find(ctx.tenant, batch_id, ctx.store.now_ms())
    if batch is None:
        raise ApiError(err.problem(404, "NotFoundError", f"Batch {batch_id} not found."))
    if generate and batch.status == "success":
        await run_in_threadpool(_factory(request).materialise, batch)
    return batch


# --- Catalog ----------------------------------------------------------------------------------------
async def get_batch(request: Request, ctx: Context) -> Response:
    batch_id = request.path_params["id"]
    batch = await _batch(request, ctx, batch_id, generate=True)
    return JSONResponse({batch_id: batch.render(ctx.tenant.org)})


async def list_batches(request: Request, ctx: Context) -> Response:
    limit = _int(request, "limit", 20, minimum=1, maximum=100)
    start = _int(request, "start", 0, minimum=0)
    dataset = request.query_params.get("dataSet")
    if not dataset:
        raise ApiError(_bad("The emulator lists batches of one dataset: pass dataSet=ID."))
    status = request.query_params.get("status")
    batches = _factory(request).list_for_dataset(ctx.tenant, dataset, ctx.store.now_ms())
    if status:
        batches = [b for b in batches if b.status == status]
    page = batches[start:start + limit]
    return JSONResponse({b.id: b.render(ctx.tenant.org) for b in page})


# --- Data Access ------------------------------------------------------------------------------------
def _file_item(request: Request, batch: Batch, part: PartFile) -> dict[str, Any]:
    created = batch.job.schedule.write_end or batch.job.schedule.write_start or batch.job.created
    return {
        "dataSetFileId": part.file_id,
        "dataSetViewId": batch.dataset_id,
        "version": "1.0.0",
        "created": str(created),
        "updated": str(created),
        "isValid": not (batch.truncated and part is batch.parts[-1]),
        "records": str(part.rows),
        "size": str(batch.sizes.get(part.name, 0)),
        "_links": {"self": {"href": f"{_origin(request)}{EXPORT}/files/{part.file_id}"}},
    }


async def list_files(request: Request, ctx: Context) -> Response:
    batch_id = request.path_params["id"]
    limit = _int(request, "limit", FILES_PAGE, minimum=1, maximum=FILES_PAGE)
    start = _int(request, "start", 0, minimum=0)
    batch = await _batch(request, ctx, batch_id, generate=True)
    parts = batch.parts if batch.status == "success" else ()
    page = parts[start:start + limit]
    base = f"{_origin(request)}{EXPORT}/batches/{quote(batch_id, safe='')}/files"
    links: dict[str, Any] = {"page": {"href": f"{base}?start={{start}}&limit={{limit}}", "templated": True}}
    if start + limit < len(parts):
        links["next"] = {"href": f"{base}?start={start + limit}&limit={limit}"}
    return JSONResponse({"data": [_file_item(request, batch, p) for p in page],
                         "_page": {"limit": limit, "count": len(page)}, "_links": links})


def _part(request: Request, ctx: Context) -> tuple[Batch, PartFile]:
    file_id = request.path_params["id"]
    batch_id, _, number = file_id.rpartition("-")
    batch = _factory(request).find(ctx.tenant, batch_id, ctx.store.now_ms()) if number.isdigit() else None
    if batch is None or batch.status != "success" or not 1 <= int(number) <= len(batch.parts):
        raise ApiError(err.problem(404, "NotFoundError", f"File {file_id} not found."))
    return batch, batch.parts[int(number) - 1]


async def get_file(request: Request, ctx: Context) -> Response:
    batch, part = _part(request, ctx)
    await run_in_threadpool(_factory(request).materialise, batch)
    name = request.query_params.get("path")
    if name is None:
        if request.method == "HEAD":
            raise ApiError(_bad("HEAD needs the path query parameter (the file name)."))
        href = f"{_origin(request)}{EXPORT}/files/{part.file_id}?path={quote(part.name, safe='')}"
        return JSONResponse({"data": [{"name": part.name, "length": str(batch.sizes[part.name]),
                                       "_links": {"self": {"href": href}}}],
                             "_page": {"limit": 100, "count": 1}, "_links": {}})
    if name != part.name:
        raise ApiError(err.problem(404, "NotFoundError", f"File {part.file_id} has no path {name!r}."))
    return _bytes(request, _factory(request).path(batch, part), batch.sizes[part.name])


def _bytes(request: Request, path: Any, size: int) -> Response:
    headers = {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
    start, end, status = 0, size - 1, 200
    header = request.headers.get("range")
    if header:
        match = _RANGE.match(header.strip().replace(" ", ""))
        if match and size == 0:  # nothing is satisfiable in an empty file
            return Response(status_code=416, headers={**headers, "Content-Range": "bytes */0"})
        if match and (match.group(1) or match.group(2)):
            first, last = match.group(1), match.group(2)
            if first:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
                if start >= size or (last and int(last) < start):
                    return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
            else:
                suffix = int(last)
                if suffix == 0:
                    return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
                start = max(0, size - suffix)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = max(0, end - start + 1)
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    cut = request.app.state.faults.cut_at(length)
    return StreamingResponse(_stream(path, start, length, cut), status_code=status, headers=headers)


def _stream(path: Any, start: int, length: int, cut: int | None) -> Iterator[bytes]:
    """Sync on purpose: Starlette iterates it in a worker thread, so disk reads never block the loop."""
    left = length if cut is None else cut
    with open(path, "rb") as fh:
        fh.seek(start)
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    if cut is not None:
        raise CutConnection("injected fault: connection cut mid-body")
