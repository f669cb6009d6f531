"""The HTTP session: the one place (with ``auth.py``, whose class must subclass ``httpx.Auth``) that
uses ``httpx``. ``client.py`` sees only ``RawResponse`` and the errors of ``tui.core.errors``.

* One long-lived ``AsyncClient`` per profile; timeouts explicit; pool limits and TLS verification set
  on the ``AsyncHTTPTransport`` (client-level limits are ignored when a transport is given,
  engineering-notes §2.1). Proxies from the environment are honoured explicitly for the same reason.
* httpx exceptions become ``ConnectFailed`` (never sent, safe to resend), ``ConnectTimedOut``,
  ``ApiTimeoutError`` or ``NetworkError`` with a one-sentence message naming the host.
"""

from __future__ import annotations

import functools
import socket
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui.api.mapping import ConnectFailed, ConnectTimedOut, clean_text, decode_json
from tui.core.errors import AepxError, ApiTimeoutError, ConfigError, NetworkError

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30.0)
CONNECT_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
TOKEN_PATH = "/ims/token/v3"

__all__ = ["LIMITS", "TOKEN_PATH", "HttpSession", "RawResponse", "build_timeout", "default_transport",
           "env_proxy", "map_transport_error"]


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


def env_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (``HTTPS_PROXY`` and friends, minus ``NO_PROXY``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(parts.scheme or "https")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process (certifi's CA bundle, as httpx's ``verify=True`` uses).

    Building it costs about 20 ms, which httpx would otherwise pay for every client it creates.
    Verification is never disabled: hostname checks and CERT_REQUIRED stay on.
    """
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def default_transport(url: str) -> httpx.AsyncHTTPTransport:
    """The production transport for ``url``: verified TLS, bounded pool, environment proxy if any."""
    return httpx.AsyncHTTPTransport(verify=tls_context(), limits=LIMITS, proxy=env_proxy(url))


def _origin(url: httpx.URL | str) -> str:
    parsed = httpx.URL(str(url))
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _setting_for(url: httpx.URL | str) -> str:
    return "ims_url" if str(httpx.URL(str(url)).path).endswith(TOKEN_PATH) else "platform_url"


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
        return "the host name could not be resolved"
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                  "name resolution", "no address associated")):
        return "the host name could not be resolved"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in lowered or "ssl" in lowered:
        return f"the TLS connection failed ({clean_text(text, 120)})"
    if "reset" in lowered:
        return "the connection was reset"
    return clean_text(text, 120) or type(exc).__name__


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
        return ConnectFailed(f"Could not reach {origin}: {_reason(exc)}. Check {setting} and your network.")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigError(f"{what} failed because the URL {clean_text(str(url), 200)} is not usable; "
                           f"fix {setting} in the profile.")
    if isinstance(exc, httpx.ProxyError):
        return NetworkError(f"{what} failed because the proxy refused the connection to {origin}; check "
                            "HTTPS_PROXY and NO_PROXY.")
    return NetworkError(f"{what} failed because the connection to {origin} broke ({_reason(exc)}); check "
                        "your network and try again.")


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
    ) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=dict(headers),
            auth=auth,
            transport=transport or default_transport(base_url),
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
    ) -> RawResponse:
        """Send one request and read the whole answer; transport failures become our errors."""
        headers = {"Content-Type": "application/json"} if json is not None else None
        failure: AepxError | None = None
        try:
            response = await self._client.request(method, path, params=params, json=json, headers=headers)
            body = await response.aread()
        except httpx.HTTPError as exc:
            failure = map_transport_error(exc, what=what, timeout=self._timeout)
        if failure is not None:  # raised outside the handler: no chained httpx request (and its headers)
            raise failure
        return RawResponse(status=response.status_code,
                           headers={k.lower(): v for k, v in response.headers.items()},
                           body=body, url=str(response.url.copy_with(query=None)))

    async def aclose(self) -> None:
        await self._client.aclose()
