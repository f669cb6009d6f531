"""The HTTP session: the one place (with ``auth.py``, whose class must subclass ``httpx.Auth``) that
uses ``httpx``. ``client.py`` sees only ``RawResponse`` and the errors of ``tui.core.errors``.

* One long-lived ``AsyncClient`` per profile; timeouts explicit; pool limits and TLS verification set
  on the client and no transport built (an explicit transport ignores client-level limits and switches
  httpx's environment proxies off): IMS and Platform both honour
  ``HTTPS_PROXY``/``NO_PROXY`` exactly as a plain httpx client does.
* Every attempt has a whole-response deadline (connect, headers and body: ``request_timeout``) and a
  body cap (16 MiB for a page, 1 MiB for a token or an error body).
* httpx exceptions become ``ConnectFailed`` (never sent, safe to resend), ``ConnectTimedOut``,
  ``ApiTimeoutError`` or ``NetworkError`` with a one-sentence message naming the host.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tui.api.calllog import CallObserver, notify, record_for
from tui.api.mapping import ConnectFailed, ConnectTimedOut, NameNotResolved, decode_json
from tui.core.errors import AepxError, ApiError, ApiTimeoutError, ConfigError, NetworkError
from tui.core.sanitise import one_line

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30.0)
CONNECT_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
TOKEN_PATH = "/ims/token/v3"
MIB = 1024 * 1024
PAGE_CAP = 16 * MIB  # a list page (or any Platform success answer)
SMALL_CAP = 1 * MIB  # an IMS token answer, and any error body (read up to this, the rest dropped)

__all__ = ["LIMITS", "PAGE_CAP", "SMALL_CAP", "TOKEN_PATH", "HttpSession", "RawResponse", "build_timeout",
           "client_options", "fetch_capped", "map_transport_error"]


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A fully read HTTP answer. Header names are lower-case."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    url: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The parsed body, or ``None`` when it is empty or not JSON (``TooDeeplyNested`` if too deep)."""
        return decode_json(self.body, strict=True)


def build_timeout(timeout: float) -> httpx.Timeout:
    """Connect 10 s (or less), read and write ``timeout``, pool 5 s."""
    return httpx.Timeout(connect=min(CONNECT_TIMEOUT, timeout), read=timeout, write=timeout, pool=POOL_TIMEOUT)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process (certifi's CA bundle, as httpx's ``verify=True`` uses).

    Building it costs about 20 ms, which httpx would otherwise pay for every client it creates.
    Verification is never disabled: hostname checks and CERT_REQUIRED stay on.
    """
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def client_options(transport: httpx.AsyncBaseTransport | None, limits: httpx.Limits = LIMITS) -> dict[str, Any]:
    """``AsyncClient`` options: the given transport (tests, the in-process emulator), or verified TLS, a
    bounded pool and the environment's proxies exactly as httpx applies them to a plain client
    (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` patterns). An explicit transport would switch httpx's
    environment proxies off, so none is built here: httpx mounts its own per-proxy transports, and the
    client-level ``verify`` and ``limits`` apply to each of them."""
    if transport is not None:
        return {"transport": transport}
    return {"verify": tls_context(), "limits": limits, "trust_env": True}


def _origin(url: httpx.URL | str) -> str:
    parsed = httpx.URL(str(url))
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _setting_for(url: httpx.URL | str) -> str:
    return "ims_url" if str(httpx.URL(str(url)).path).endswith(TOKEN_PATH) else "platform_url"


UNRESOLVED = "the host name could not be resolved"


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _reason(exc: Exception) -> str:
    chain = _causes(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return UNRESOLVED
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                  "name resolution", "no address associated")):
        return UNRESOLVED
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in lowered or "ssl" in lowered:
        return f"the TLS connection failed ({one_line(text, 120)})"
    if "reset" in lowered:
        return "the connection was reset"
    return one_line(text, 120) or type(exc).__name__


def map_transport_error(exc: httpx.HTTPError, *, what: str, timeout: float) -> AepxError:
    """The ``tui.core.errors`` error for an httpx exception raised while doing ``what``."""
    try:
        url = exc.request.url
    except RuntimeError:  # no request attached
        url = httpx.URL("")
    origin = _origin(url) if url.host else "the server"
    setting = _setting_for(url)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectTimedOut(f"{what} failed because connecting to {origin} timed out; check {setting} "
                               "and your network.")
    if isinstance(exc, httpx.TimeoutException):
        return ApiTimeoutError(f"{what} failed because {origin} did not answer within {timeout:g} s; the "
                               "service may be slow, so try again later.")
    if isinstance(exc, httpx.ConnectError):
        reason = _reason(exc)
        kind = NameNotResolved if reason == UNRESOLVED else ConnectFailed
        return kind(f"Could not reach {origin}: {reason}. Check {setting} and your network.")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigError(f"{what} failed because the URL {one_line(str(url), 200)} is not usable; "
                           f"fix {setting} in the profile.")
    if isinstance(exc, httpx.ProxyError):
        return NetworkError(f"{what} failed because the proxy refused the connection to {origin}; check "
                            "HTTPS_PROXY and NO_PROXY.")
    return NetworkError(f"{what} failed because the connection to {origin} broke ({_reason(exc)}); check "
                        "your network and try again.")


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n:,} bytes"


class _TooLarge(Exception):
    pass


async def _read_capped(response: httpx.Response, cap: int, *, truncate: bool) -> bytes:
    """The body, at most ``cap`` bytes (decoded): past it, ``_TooLarge`` or (``truncate``) the first ``cap``."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > cap:
        raise _TooLarge
    parts: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > cap:
            if not truncate:
                raise _TooLarge
            parts.append(chunk[: len(chunk) - (total - cap)])
            break
        parts.append(chunk)
    return b"".join(parts)


async def fetch_capped(client: httpx.AsyncClient, request: httpx.Request, *, what: str, deadline: float,
                       cap: int = PAGE_CAP) -> tuple[httpx.Response, bytes]:
    """Send ``request`` and read its whole answer within ``deadline`` seconds (connect, headers and body)
    and ``cap`` bytes (error bodies are cut at ``SMALL_CAP`` instead). Every failure is one of our errors,
    raised with no httpx exception (or its request headers) chained to it.

    Returns the (closed) answer and its body.
    """
    failure: AepxError | None = None
    origin = _origin(request.url)
    try:
        async with asyncio.timeout(deadline):
            response = await client.send(request, stream=True)
            try:
                success = 200 <= response.status_code < 300
                body = await _read_capped(response, cap if success else min(cap, SMALL_CAP),
                                          truncate=not success)
            finally:
                await response.aclose()
    except TimeoutError:
        failure = ApiTimeoutError(f"{what} failed because {origin} did not send a complete answer within "
                                  f"{deadline:g} s; the service may be slow or stuck, so try again later (or "
                                  "raise request_timeout in the profile).")
    except _TooLarge:
        failure = ApiError(f"{what} failed because the answer from {origin} was larger than {_size(cap)}; the "
                           "server is misbehaving, so try again later or report it.",
                           status=response.status_code)
    except httpx.HTTPError as exc:
        failure = map_transport_error(exc, what=what, timeout=deadline)
    if failure is not None:  # raised outside the handler: no chained httpx request (and its headers)
        raise failure
    return response, body
BULK_READ = 256 * 1024


def _larger_reads() -> None:
    """httpcore asks for at most 64 KiB per receive; asyncio hands over up to 256 KiB. Data Access
    downloads stream hundreds of MB, and matching asyncio's size cuts the per-byte cost by about a
    third (bench: download_200mb). Small answers are unaffected (a receive returns what has arrived)."""
    import httpcore

    connection = getattr(httpcore, "AsyncHTTP11Connection", None)
    if connection is not None and getattr(connection, "READ_NUM_BYTES", BULK_READ) < BULK_READ:
        connection.READ_NUM_BYTES = BULK_READ


class HttpSession:
    """One long-lived ``AsyncClient`` for a profile: base URL, fixed headers, auth, timeouts."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        auth: httpx.Auth | None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        on_call: CallObserver | None = None,
    ) -> None:
        self._timeout = timeout
        self.on_call = on_call  # told every attempt (tui.api.calllog.CallRecord): call log, -v, metrics
        _larger_reads()
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=dict(headers),
            auth=auth,
            **client_options(transport),
            timeout=build_timeout(timeout),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"HttpSession(base_url={str(self._client.base_url)!r})"

    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cap: int = PAGE_CAP,
    ) -> RawResponse:
        """One attempt: send the request and read the whole answer within the profile's request_timeout
        (connect, headers and body together) and ``cap`` bytes; transport failures become our errors."""
        headers = {"Content-Type": "application/json"} if json is not None else None
        request = self._client.build_request(method, path, params=params, json=json, headers=headers)
        started = time.monotonic()
        try:
            response, body = await fetch_capped(self._client, request, what=what, deadline=self._timeout,
                                                cap=cap)
        except AepxError as exc:
            notify(self.on_call, record_for(method, str(request.url), status=exc.status, started=started,
                                            origin=_origin(request.url), error=str(exc)))
            raise
        notify(self.on_call, record_for(method, str(request.url), status=response.status_code, started=started,
                                        headers=response.headers, body=body, origin=_origin(request.url)))
        return RawResponse(status=response.status_code,
                           headers={k.lower(): v for k, v in response.headers.items()},
                           body=body, url=str(response.url.copy_with(query=None)))

    async def stream_to(self, method: str, url: str, *, what: str, sink: Callable[[bytes], None],
                        headers: Mapping[str, str] | None = None, error_cap: int = 64 * 1024,
                        check: Callable[[int, Mapping[str, str]], None] | None = None) -> RawResponse:
        """Send one request; a 2xx body goes to ``sink`` chunk by chunk (never held whole: Data Access
        downloads), any other body is read (at most ``error_cap`` bytes) into the answer. ``check`` sees a
        2xx status and the (lower-case) headers before the first byte and may raise to refuse the body.
        Exceptions ``check`` or the sink raise (a full disk, too many bytes) propagate unchanged."""
        failure: AepxError | None = None
        body = b""
        started = time.monotonic()
        size = 0
        response: httpx.Response | None = None
        try:
            async with self._client.stream(method, url, headers=headers) as response:
                if 200 <= response.status_code < 300:
                    if check is not None:
                        check(response.status_code, {k.lower(): v for k, v in response.headers.items()})
                    async for chunk in response.aiter_raw():
                        size += len(chunk)
                        sink(chunk)
                else:
                    parts: list[bytes] = []
                    async for chunk in response.aiter_raw():
                        parts.append(chunk)
                        if sum(map(len, parts)) >= error_cap:
                            break
                    body = b"".join(parts)[:error_cap]
        except httpx.HTTPError as exc:
            failure = map_transport_error(exc, what=what, timeout=self._timeout)
        finally:
            full = response.request.url if response is not None else self._client.base_url.join(url)
            notify(self.on_call, record_for(
                method, str(full), status=response.status_code if response is not None else None, started=started,
                headers=response.headers if response is not None else None, body=body, size=size or len(body),
                origin=_origin(full), error=str(failure) if failure is not None else None))
        if failure is not None:
            raise failure
        assert response is not None  # no failure recorded: the stream opened
        return RawResponse(status=response.status_code,
                           headers={k.lower(): v for k, v in response.headers.items()},
                           body=body, url=str(response.url.copy_with(query=None)))

    async def aclose(self) -> None:
        await self._client.aclose()
