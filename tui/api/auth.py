"""Adobe IMS OAuth server-to-server (client credentials) as an ``httpx.Auth``.

* The token request goes through a separate, small ``AsyncClient`` with its own timeout: requests made
  inside an auth flow carry no timeout otherwise.
* The token is cached with its expiry and refreshed ahead of it (300 s, or 10 % of the lifetime for
  short-lived tokens); one fetch at a time (``asyncio.Lock``, never held across a ``yield``).
* On a 401 the token is refreshed once, and only if the token that failed is still the current one
  (so ten concurrent 401s cause one IMS call); a second 401 is returned to the caller, who maps it to
  ``AuthError``. A POST answered 401 is never resent here: it may have taken effect, so the caller
  reconciles it like any ambiguous answer.
* Tokens can be persisted through a ``TokenStore`` (the credentials module provides a keyring one),
  filed under ``cache_key`` (``Profile.token_cache_key``: IMS URL, platform URL, org and client id);
  store calls run in a thread and their failures never fail a request.
* Nothing here shows the secret or a token in ``repr``, ``str`` or error messages; both are registered
  with the redacting log filter (``tui.core.logging.register_secret``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, Protocol, runtime_checkable

import httpx

from tui.api.calllog import CallObserver, notify, record_for
from tui.api.mapping import decode_json, request_id_of, server_message
from tui.api.transport import SMALL_CAP, TOKEN_PATH, client_options, fetch_capped
from tui.core.errors import AepxError, AuthError, ServerError
from tui.core.logging import register_secret
from tui.core.sanitise import one_line
from tui.core.secret import Secret

REFRESH_AHEAD = 300.0
STORE_TIMEOUT = 5.0
_RESENDABLE = frozenset({"GET", "HEAD", "DELETE", "PUT", "OPTIONS"})  # never a POST: it may have taken effect
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token: no CR, LF or spaces
_MAX_SECONDS_TTL = 7 * 86400  # larger values are milliseconds (the legacy JWT exchange's unit)


@runtime_checkable
class TokenStore(Protocol):
    """Persists access tokens between runs. Synchronous; called from a worker thread."""

    def load(self, client_id: str) -> tuple[str, float] | None:
        """The cached ``(token, expires_at)`` (epoch seconds), or ``None``."""
        ...

    def save(self, client_id: str, token: str, expires_at: float) -> None: ...


class MemoryTokenStore:
    """A ``TokenStore`` that keeps tokens for the life of the process."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}

    def load(self, client_id: str) -> tuple[str, float] | None:
        return self._tokens.get(client_id)

    def save(self, client_id: str, token: str, expires_at: float) -> None:
        self._tokens[client_id] = (token, expires_at)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(clients={sorted(self._tokens)!r})"


def refresh_margin(ttl: float) -> float:
    """How long before expiry to refresh: 300 s, or 10 % of the lifetime for short-lived tokens."""
    return min(REFRESH_AHEAD, ttl * 0.1) if ttl > 0 else 0.0


class ImsAuth(httpx.Auth):
    """Bearer tokens from IMS client credentials, for one ``client_id``."""

    def __init__(
        self,
        *,
        ims_url: str,
        client_id: str,
        secret: Secret,
        scope: str,
        token_store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        cache_key: str | None = None,
        on_call: CallObserver | None = None,
    ) -> None:
        self._token_url = ims_url.rstrip("/") + TOKEN_PATH
        self._ims_origin = ims_url.rstrip("/")
        self._client_id = client_id
        self._cache_key = cache_key or client_id  # what the token store files the token under
        self._secret = secret
        register_secret(secret.reveal())  # the redacting log filter scrubs it wherever it might appear
        self._scope = scope
        self._store = token_store
        self._clock = clock
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._store_loaded = token_store is None
        self._lock = asyncio.Lock()
        self._saves: set[asyncio.Task[None]] = set()
        self.on_call = on_call  # told about each token call (a CallRecord marked "ims"; never the form)
        self.fetch_count = 0  # IMS calls made: for diagnostics and tests
        self._client = httpx.AsyncClient(
            **client_options(transport, httpx.Limits(max_connections=2, max_keepalive_connections=1)),
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ImsAuth(client_id={self._client_id!r}, token_url={self._token_url!r})"

    __str__ = __repr__

    # --- httpx.Auth ---------------------------------------------------------------------------------
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("ImsAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and request.method in _RESENDABLE:
            token = await self.token(failed=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    # --- tokens -------------------------------------------------------------------------------------
    async def token(self, *, failed: str | None = None) -> str:
        """A valid access token. ``failed`` names a token the server just refused."""
        async with self._lock:
            if not self._store_loaded:
                await self._load_from_store()
            if self._token is not None and self._token != failed and self._clock() < self._refresh_at:
                return self._token
            return await self._fetch()

    @property
    def expires_at(self) -> float:
        return self._expires_at

    async def _load_from_store(self) -> None:
        self._store_loaded = True
        assert self._store is not None
        try:
            cached = await asyncio.wait_for(asyncio.to_thread(self._store.load, self._cache_key),
                                            STORE_TIMEOUT)
        except Exception:  # a broken or hanging store must never fail a request
            return
        if not (isinstance(cached, tuple) and len(cached) == 2):
            return
        token, expires_at = cached
        if isinstance(token, str) and token and isinstance(expires_at, int | float):
            self._token = token
            self._expires_at = float(expires_at)
            self._refresh_at = float(expires_at) - REFRESH_AHEAD

    async def _fetch(self) -> str:
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._secret.reveal(), "scope": self._scope}
        self.fetch_count += 1
        try:
            request = self._client.build_request("POST", self._token_url, data=form)
            started = time.monotonic()
            try:
                response, body = await fetch_capped(self._client, request, what="Getting an access token from IMS",
                                                    deadline=self._timeout, cap=SMALL_CAP)
            except AepxError as exc:
                notify(self.on_call, record_for("POST", self._token_url, status=exc.status, started=started,
                                                service="ims", origin=self._ims_origin, error=str(exc)))
                raise
        finally:
            form.clear()
        try:
            token, ttl = self._parse_token_response(response.status_code, response.headers, body)  # registers it
        finally:
            # Recorded once the token is registered (so an echo of it is masked); the body holds the token:
            # it is read for a request id only, and the record keeps its size alone.
            notify(self.on_call, record_for("POST", self._token_url, status=response.status_code,
                                            started=started, headers=response.headers, body=body, service="ims",
                                            origin=self._ims_origin))
        register_secret(token)
        now = self._clock()
        self._token = token
        self._expires_at = now + ttl
        self._refresh_at = now + ttl - refresh_margin(ttl)
        self._save_in_background(token, self._expires_at)
        return token

    def _parse_token_response(self, status: int, headers: Any, body: bytes) -> tuple[str, float]:
        data = decode_json(body)
        payload = data if isinstance(data, dict) else {}
        token = payload.get("access_token")
        if isinstance(token, str):
            register_secret(token)  # even a token refused below must never be echoed back on screen
        if 200 <= status < 300 and isinstance(token, str) and token:
            if not _TOKEN_CHARS.fullmatch(token):
                raise AuthError("Getting an access token from IMS failed because its token holds characters "
                                "that cannot be sent in a header; check ims_url in the profile.", status=status,
                                request_id=request_id_of(headers, body))
            return token, _ttl_seconds(payload.get("expires_in"))
        request_id = request_id_of(headers, body)
        described = server_message(body)
        error = one_line(str(payload.get("error", ""))) if payload.get("error") else ""
        kw: dict[str, Any] = {"status": status, "request_id": request_id, "server_message": described}
        if status >= 500:
            raise ServerError(f"Getting an access token from IMS failed because of an IMS server error "
                              f"(HTTP {status}{': ' + described if described else ''}); try again in a minute.",
                              **kw)
        if error:
            raise AuthError(_ims_refusal(error, described), **kw)
        if 200 <= status < 300:
            raise AuthError("Getting an access token from IMS failed because its answer had no access "
                            "token; check ims_url in the profile and try again.", **kw)
        raise AuthError(f"Getting an access token from IMS failed (HTTP {status}"
                        f"{': ' + described if described else ''}); check ims_url, the client id and the "
                        "secret (`aepx login`).", **kw)

    def _save_in_background(self, token: str, expires_at: float) -> None:
        if self._store is None:
            return
        task = asyncio.get_running_loop().create_task(self._save(token, expires_at))
        self._saves.add(task)
        task.add_done_callback(self._saves.discard)

    async def _save(self, token: str, expires_at: float) -> None:
        assert self._store is not None
        with contextlib.suppress(Exception):  # a store failure never fails a request
            await asyncio.wait_for(asyncio.to_thread(self._store.save, self._cache_key, token, expires_at),
                                   STORE_TIMEOUT)

    async def aclose(self) -> None:
        if self._saves:
            await asyncio.gather(*self._saves, return_exceptions=True)
        await self._client.aclose()


def _ttl_seconds(raw: Any) -> float:
    try:
        ttl = float(raw)
    except (TypeError, ValueError):
        return 3600.0
    if not ttl == ttl or ttl <= 0:
        return 3600.0
    return ttl / 1000.0 if ttl > _MAX_SECONDS_TTL else ttl


def _ims_refusal(error: str, described: str | None) -> str:
    detail = described if described and described.startswith(error) else (
        f"{error}: {described}" if described else error)
    if error == "invalid_scope":
        return (f"IMS refused the requested scopes ({detail}). Check the scopes in the profile against the "
                "Developer Console project.")
    return f"IMS refused the client credentials ({detail}). Check client_id and the secret: `aepx login`."
