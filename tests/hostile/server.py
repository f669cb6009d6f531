"""A deliberately hostile HTTP/1.1 server on 127.0.0.1, for tests and ``make soak``.

Raw asyncio sockets in a background thread (not Starlette): the malformed cases need byte-level control
(a chunked body that never ends, a body trickling at 1 byte/s, headers that never finish, a proxy's
absolute-form request target). Loopback only; every handler is cancelled on ``reset()``/``stop()``.

Extending it: a handler is ``async def handler(req: Request, out: Out) -> None``; install it with
``server.route(method, path, handler)`` (a path ending in ``/*`` matches every path under it), or add
a function to ``SCENARIOS`` that installs routes and use ``server.scenario(name, **options)``. Routes not
replaced answer like a tiny, well-behaved Platform: an IMS token and an empty job list.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

JOBS_PATH = "/data/core/ups/export/jobs"
TOKEN_PATH = "/ims/token/v3"
DATASET_PATH = "/data/foundation/catalog/dataSets/ds-1"
MERGE_POLICY_PATH = "/data/core/ups/config/mergePolicies/mp-1"
PROFILE_UNION_SCHEMA = "https://ns.adobe.com/xdm/context/profile__union"
TOKEN = "hostile-token-4f1d9a7c2e"
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           407: "Proxy Authentication Required", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Request:
    method: str
    target: str  # as sent: origin-form "/path?q" or, through a proxy, absolute-form "http://host/path"
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    path: str = field(init=False)
    query: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path or "/"
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}

    @property
    def via_proxy(self) -> bool:
        return self.target.startswith(("http://", "https://"))

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


class Out:
    """The raw connection: write anything; helpers for whole answers."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.close_after = False

    async def raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        await self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def send(self, status: int, body: bytes | str = b"", headers: dict[str, str] | None = None,
                   content_type: str = "text/plain") -> None:
        data = body.encode() if isinstance(body, str) else body
        await self.head(status, {"Content-Type": content_type, "Content-Length": str(len(data)),
                                 **(headers or {})})
        await self.raw(data)

    async def json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        await self.send(status, json.dumps(data), headers, content_type="application/json")

    async def chunked(self, chunks: Iterator[bytes], *, pause: float = 0.0,
                      headers: dict[str, str] | None = None) -> None:
        """A chunked 200 JSON answer from ``chunks`` (which may never end)."""
        await self.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                              **(headers or {})})
        for chunk in chunks:
            if chunk:
                await self.raw(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await asyncio.sleep(pause)
        await self.raw(b"0\r\n\r\n")


Handler = Callable[[Request, Out], Awaitable[None]]


def job_record(job_id: int | str, status: str = "PROCESSING", created_ms: int = 1_700_000_000_000) -> dict:
    return {"id": job_id, "status": status, "jobType": "BATCH", "creationTime": created_ms,
            "updateTime": created_ms, "fields": "identities,personalEmail",
            "schema": {"name": "_xdm.context.profile"}, "mergePolicy": {"id": "mp-1", "version": 1},
            "destination": {"datasetId": "ds-1", "segmentPerBatch": False}}


async def token_ok(req: Request, out: Out) -> None:
    await out.json(200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86_399_000})


async def dataset_ok(req: Request, out: Out) -> None:
    """The dataset the hostile scenarios' payloads name, on the profile union schema (the preflight asks)."""
    await out.json(200, {"ds-1": {"name": "Profile export", "schemaRef": {"id": PROFILE_UNION_SCHEMA}}})


async def merge_policy_ok(req: Request, out: Out) -> None:
    await out.json(200, {"id": "mp-1", "name": "Default", "version": 1, "default": True})


async def empty_jobs(req: Request, out: Out) -> None:
    await out.json(200, {"records": [], "page": {"pageSize": 0}, "link": {}})


class HostileServer:
    """``with HostileServer() as srv:`` starts it; ``srv.base_url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[tuple[str, str], Handler] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hostile-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.reset()

    # --- life cycle ---------------------------------------------------------------------------------
    def __enter__(self) -> HostileServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", 0), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._server = None

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._cancel_all()

    async def _cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def reset(self) -> None:
        """Default routes, no recorded requests, every open connection closed."""
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop).result(timeout=10)
        self.requests.clear()
        self._routes = {("POST", TOKEN_PATH): token_ok, ("GET", JOBS_PATH): empty_jobs,
                        ("GET", DATASET_PATH): dataset_ok, ("GET", MERGE_POLICY_PATH): merge_policy_ok}

    # --- routes -------------------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        self._routes[(method.upper(), path)] = handler

    def scenario(self, name: str, **options: Any) -> None:
        SCENARIOS[name](self, **options)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    def _handler(self, req: Request) -> Handler | None:
        found = self._routes.get((req.method, req.path))
        if found is not None:
            return found
        for (method, path), handler in self._routes.items():
            if method == req.method and path.endswith("/*") and req.path.startswith(path[:-1]):
                return handler
        return None

    # --- the connection loop --------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                req = await _read_request(reader)
                if req is None:
                    return
                self.requests.append(req)
                out = Out(writer)
                handler = self._handler(req)
                if handler is None:
                    await out.json(404, {"title": "Not Found", "status": 404})
                else:
                    await handler(req, out)
                if out.close_after:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # a cancelled connection ends quietly (asyncio would log a cancelled callback task)
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = [*lines[0].split(" ", 2), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method.upper(), target, headers, body)


# --- scenarios ------------------------------------------------------------------------------------------
def _never_ending(srv: HostileServer, *, chunk: int = 65536, pause: float = 0.0) -> None:
    """A chunked job list that never ends (fast by default: it grows as fast as the client reads)."""
    async def handler(req: Request, out: Out) -> None:
        filler = b" " * chunk
        await out.chunked(itertools.chain([b'{"records": ['], itertools.repeat(filler)), pause=pause)
    srv.route("GET", JOBS_PATH, handler)


def _trickle(srv: HostileServer, *, path: str = JOBS_PATH, method: str = "GET", pause: float = 1.0) -> None:
    """A valid-looking body, one byte per ``pause`` seconds."""
    async def handler(req: Request, out: Out) -> None:
        body = json.dumps({"records": [job_record(1)] * 50}).encode()
        await out.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        for byte in body:
            await out.raw(bytes([byte]))
            await asyncio.sleep(pause)
    srv.route(method, path, handler)


def _slow_headers(srv: HostileServer, *, pause: float = 1.0) -> None:
    """The status line, then one header byte per ``pause`` seconds, forever."""
    async def handler(req: Request, out: Out) -> None:
        await out.raw(b"HTTP/1.1 200 OK\r\n")
        for byte in itertools.cycle(b"X-Slow: aaaaaaaa\r\n"):
            await out.raw(bytes([byte]))
            await asyncio.sleep(pause)
    srv.route("GET", JOBS_PATH, handler)


def _slow_ims(srv: HostileServer, *, pause: float = 3600.0) -> None:
    """IMS accepts the token request and answers nothing for ``pause`` seconds."""
    async def handler(req: Request, out: Out) -> None:
        await asyncio.sleep(pause)
        await token_ok(req, out)
    srv.route("POST", TOKEN_PATH, handler)


def _huge_page(srv: HostileServer, *, records: int = 200_000) -> None:
    """``records`` jobs in one page whatever ``limit`` asked for (streamed, never held in memory)."""
    async def handler(req: Request, out: Out) -> None:
        def chunks() -> Iterator[bytes]:
            yield b'{"records": ['
            for start in range(0, records, 1000):
                batch = (json.dumps(job_record(i + 1)) for i in range(start, min(records, start + 1000)))
                yield (b"," if start else b"") + ",".join(batch).encode()
            yield b'], "page": {}, "link": {}}'
        await out.chunked(chunks())
    srv.route("GET", JOBS_PATH, handler)


def _retry_after(srv: HostileServer, *, seconds: str = "1000000000", path: str = JOBS_PATH,
                 method: str = "GET", times: int | None = None) -> None:
    """429 with a huge ``Retry-After`` (every time, or the first ``times`` requests)."""
    served = itertools.count()
    previous = srv._handler(Request(method, path, {}))

    async def handler(req: Request, out: Out) -> None:
        if times is None or next(served) < times:
            await out.json(429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": seconds})
        elif previous is not None:
            await previous(req, out)
    srv.route(method, path, handler)


def _endless_cursor(srv: HostileServer, *, jobs: int = 2) -> None:
    """Every page: the same jobs and a fresh ``link.next`` cursor."""
    cursors = itertools.count(1)

    async def handler(req: Request, out: Out) -> None:
        limit = int(req.query.get("limit", "100"))
        records = [job_record(24_000 + i) for i in range(min(jobs, limit))]
        nxt = f"{JOBS_PATH}/?limit={limit}&offset=cursor-{next(cursors)}"
        await out.json(200, {"records": records, "page": {"pageSize": len(records)}, "link": {"next": nxt}})
    srv.route("GET", JOBS_PATH, handler)


def _ims_echo(srv: HostileServer, *, status: int = 400, shape: str = "oauth") -> None:
    """IMS refuses and echoes the request (client_secret included) in its error body.

    ``shape``: ``oauth`` ({error, error_description}), ``text`` (plain), ``html`` (a proxy's page).
    """
    async def handler(req: Request, out: Out) -> None:
        echoed = req.body.decode("utf-8", "replace")
        secret = req.form().get("client_secret", "")
        if shape == "oauth":
            await out.json(status, {"error": "invalid_client",
                                    "error_description": f"bad request {echoed} (secret {secret})"})
        elif shape == "html":
            await out.send(status, f"<html><head><title>Proxy refused {echoed} {secret}</title></head>"
                                   f"<body>{echoed}</body></html>", content_type="text/html")
        else:
            await out.send(status, f"refused: {echoed} secret={secret} raw {secret}")
    srv.route("POST", TOKEN_PATH, handler)


def _platform_echo(srv: HostileServer, *, status: int = 500, shape: str = "json") -> None:
    """The Platform (or a proxy in front of it: ``shape="html"``) echoes the Authorization header, the
    bearer token, in its error body."""
    async def handler(req: Request, out: Out) -> None:
        auth = req.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        if shape == "html":
            await out.send(status, f"<html><title>Proxy error for {auth} ({token})</title></html>",
                           content_type="text/html")
        else:
            await out.json(status, {"title": "Server error", "detail": f"headers were {auth}; token {token}"})
    srv.route("GET", JOBS_PATH, handler)
    srv.route("GET", JOBS_PATH + "/*", handler)


def _crlf_token(srv: HostileServer) -> None:
    """IMS hands out a token with CR LF in it (header injection / 'Illegal header value')."""
    async def handler(req: Request, out: Out) -> None:
        await out.json(200, {"access_token": TOKEN + "\r\nX-Injected: 1", "expires_in": 3600})
    srv.route("POST", TOKEN_PATH, handler)


def _post_401(srv: HostileServer) -> None:
    """A create POST answered 401; the job list then shows nothing new."""
    async def handler(req: Request, out: Out) -> None:
        await out.json(401, {"error_code": "401013", "message": "Oauth token is not valid"})
    srv.route("POST", JOBS_PATH, handler)


def _post_429(srv: HostileServer, *, times: int = 2, retry_after: str = "0") -> None:
    """The first ``times`` create POSTs are throttled (429), then the job is created."""
    served = itertools.count()

    async def handler(req: Request, out: Out) -> None:
        if next(served) < times:
            await out.json(429, {"title": "Too Many Requests"}, {"Retry-After": retry_after})
        else:
            await out.json(200, job_record(24_115, "NEW"))
    srv.route("POST", JOBS_PATH, handler)


def _wrong_id(srv: HostileServer, *, answer_id: Any = 999) -> None:
    """``GET /jobs/N`` answers a record with another id (``None`` leaves ``id`` out)."""
    async def handler(req: Request, out: Out) -> None:
        record = job_record(answer_id if answer_id is not None else 0)
        if answer_id is None:
            record.pop("id")
        await out.json(200, record)
    srv.route("GET", JOBS_PATH + "/*", handler)
    srv.route("DELETE", JOBS_PATH + "/*", lambda req, out: out.json(200, {"status": True}))


def _unknown_status(srv: HostileServer, *, status: str | None = "CANCELLED") -> None:
    """A create answers NEW; the job then reports a status aepx does not know (or none)."""
    async def create(req: Request, out: Out) -> None:
        await out.json(200, job_record(24_115, "NEW"))

    async def show(req: Request, out: Out) -> None:
        record = job_record(int(req.path.rsplit("/", 1)[-1]), status or "")
        if status is None:
            record.pop("status")
        await out.json(200, record)
    srv.route("POST", JOBS_PATH, create)
    srv.route("GET", JOBS_PATH + "/*", show)


def _status_forever(srv: HostileServer, *, status: str = "PROCESSING") -> None:
    """A create answers NEW; the job then stays ``status`` forever."""
    _unknown_status(srv, status=status)


SCENARIOS: dict[str, Callable[..., None]] = {
    "never_ending_chunked": _never_ending,
    "trickle": _trickle,
    "slow_headers": _slow_headers,
    "slow_ims": _slow_ims,
    "huge_page": _huge_page,
    "retry_after_huge": _retry_after,
    "endless_cursor": _endless_cursor,
    "ims_echo_secret": _ims_echo,
    "platform_echo_token": _platform_echo,
    "crlf_token": _crlf_token,
    "post_401": _post_401,
    "post_429": _post_429,
    "wrong_id": _wrong_id,
    "unknown_status": _unknown_status,
    "status_forever": _status_forever,
}
