"""IMS client credentials: form, caching, early refresh, single flight, 401 handling, errors, stores."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import parse_qs

import httpx
import pytest

from tests.api.platform_double import SECRET, PlatformDouble, json_response, make_secret
from tui.api.auth import ImsAuth, MemoryTokenStore, refresh_margin
from tui.api.mapping import ConnectFailed
from tui.core.errors import ApiTimeoutError, AuthError, ServerError


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_auth(double: PlatformDouble, **kw) -> ImsAuth:
    return ImsAuth(ims_url="https://ims.test/", client_id="cid-1", secret=kw.pop("secret", make_secret()),
                   scope="openid,AdobeID", transport=double.transport(), **kw)


async def api_client(auth: ImsAuth, double: PlatformDouble) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="https://platform.test", auth=auth, transport=double.transport())


async def test_token_request_is_a_client_credentials_form():
    double = PlatformDouble()
    auth = make_auth(double)
    assert await auth.token() == "tok-1"
    (req,) = double.requests
    assert str(req.url) == "https://ims.test/ims/token/v3"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(req.content.decode()) == {"grant_type": ["client_credentials"], "client_id": ["cid-1"],
                                              "client_secret": [SECRET], "scope": ["openid,AdobeID"]}
    await auth.aclose()


async def test_cached_then_refreshed_ahead_of_expiry():
    double = PlatformDouble(token_ttl=3600)
    clock = Clock()
    auth = make_auth(double, clock=clock)
    assert await auth.token() == "tok-1"
    clock.now += 3600 - 301
    assert await auth.token() == "tok-1"
    clock.now += 2  # inside the 300 s margin
    assert await auth.token() == "tok-2"
    assert auth.fetch_count == 2
    await auth.aclose()


def test_refresh_margin_is_ten_percent_for_short_tokens():
    assert refresh_margin(86399) == 300
    assert refresh_margin(60) == 6.0
    assert refresh_margin(0) == 0.0


async def test_concurrent_requests_fetch_one_token():
    double = PlatformDouble()
    auth = make_auth(double)
    async with await api_client(auth, double) as client:
        responses = await asyncio.gather(*(client.get("/data/core/ups/export/jobs") for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert double.tokens_issued == 1
    await auth.aclose()


async def test_revoked_token_concurrent_401s_refresh_once():
    double = PlatformDouble()
    auth = make_auth(double)
    async with await api_client(auth, double) as client:
        await client.get("/data/core/ups/export/jobs")
        double.valid_tokens.clear()  # revoke
        responses = await asyncio.gather(*(client.get("/data/core/ups/export/jobs") for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert double.tokens_issued == 2
    await auth.aclose()


async def test_second_401_is_returned_not_looped():
    double = PlatformDouble()
    always_401 = [lambda r: json_response(401, {"error_code": "401013", "message": "Oauth token is not valid"})] * 5
    double.fault("GET", "/data/core/ups/export/jobs", *always_401)
    auth = make_auth(double)
    async with await api_client(auth, double) as client:
        response = await client.get("/data/core/ups/export/jobs")
    assert response.status_code == 401
    assert double.calls("GET", "/data/core/ups/export/jobs") == 2
    assert double.tokens_issued == 2
    await auth.aclose()


async def test_wrong_secret_is_an_auth_error_with_the_ims_description():
    double = PlatformDouble()
    auth = make_auth(double, secret=make_secret("wrong"))
    with pytest.raises(AuthError) as info:
        await auth.token()
    message = str(info.value)
    assert message == ("IMS refused the client credentials (invalid_client: invalid client_secret). "
                       "Check client_id and the secret: `aepx login`.")
    assert info.value.exit_code == 3 and info.value.status == 400
    assert "wrong" not in message
    await auth.aclose()


async def test_invalid_scope_points_at_the_scopes():
    double = PlatformDouble()
    double.fault("POST", "/ims/token/v3",
                 lambda r: json_response(400, {"error": "invalid_scope", "error_description": "bad scope"}))
    auth = make_auth(double)
    with pytest.raises(AuthError, match=r"IMS refused the requested scopes \(invalid_scope: bad scope\)"):
        await auth.token()
    await auth.aclose()


@pytest.mark.parametrize(("answer", "pattern"), [
    ({"token_type": "bearer", "expires_in": 10}, "had no access token"),
    ({"error": "unauthorized_client"}, r"IMS refused the client credentials \(unauthorized_client\)"),
])
async def test_200_without_access_token(answer, pattern):
    double = PlatformDouble()
    double.fault("POST", "/ims/token/v3", lambda r: json_response(200, answer))
    auth = make_auth(double)
    with pytest.raises(AuthError, match=pattern):
        await auth.token()
    await auth.aclose()


async def test_ims_server_error_and_network_errors():
    double = PlatformDouble()
    double.fault("POST", "/ims/token/v3", lambda r: httpx.Response(503, text="down"))
    auth = make_auth(double)
    with pytest.raises(ServerError, match="IMS server error"):
        await auth.token()

    def refuse(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    double.fault("POST", "/ims/token/v3", refuse, slow)
    with pytest.raises(ConnectFailed) as info:
        await auth.token()
    assert str(info.value) == ("Could not reach https://ims.test: connection refused. "
                               "Check ims_url and your network.")
    with pytest.raises(ApiTimeoutError):
        await auth.token()
    await auth.aclose()


async def test_expires_in_milliseconds_is_understood():
    double = PlatformDouble(token_ttl=86399992)
    clock = Clock()
    auth = make_auth(double, clock=clock)
    await auth.token()
    assert auth.expires_at == pytest.approx(clock.now + 86399.992)
    await auth.aclose()


async def test_token_store_is_read_and_written():
    double = PlatformDouble()
    store = MemoryTokenStore()
    clock = Clock()
    auth = make_auth(double, token_store=store, clock=clock)
    await auth.token()
    await auth.aclose()
    assert store.load("cid-1") == ("tok-1", clock.now + 86399)
    second = make_auth(double, token_store=store, clock=clock)
    assert await second.token() == "tok-1"
    assert double.tokens_issued == 1
    await second.aclose()
    assert "tok-1" not in repr(store) and "tok-1" not in repr(second)


class BrokenStore:
    def load(self, client_id):
        raise RuntimeError("keyring exploded")

    def save(self, client_id, token, expires_at):
        raise RuntimeError("keyring exploded")


class GarbageStore:
    def load(self, client_id):
        return ("only-one",)

    def save(self, client_id, token, expires_at):
        return None


@pytest.mark.parametrize("store", [BrokenStore(), GarbageStore()])
async def test_a_failing_store_never_fails_a_request(store):
    double = PlatformDouble()
    auth = make_auth(double, token_store=store)
    assert await auth.token() == "tok-1"
    await auth.aclose()


async def test_expired_stored_token_is_replaced():
    double = PlatformDouble()
    store = MemoryTokenStore()
    clock = Clock()
    store.save("cid-1", "old-token", clock.now + 100)  # inside the refresh margin
    auth = make_auth(double, token_store=store, clock=clock)
    assert await auth.token() == "tok-1"
    await auth.aclose()


async def test_hanging_store_is_bounded(monkeypatch):
    import tui.api.auth as auth_module

    monkeypatch.setattr(auth_module, "STORE_TIMEOUT", 0.05)
    release = threading.Event()

    class Hanging:
        def load(self, client_id):
            release.wait(5)

        def save(self, client_id, token, expires_at):
            release.wait(5)

    double = PlatformDouble()
    auth = make_auth(double, token_store=Hanging())
    try:
        assert await auth.token() == "tok-1"
    finally:
        release.set()
        await auth.aclose()


async def test_repr_shows_no_secret():
    double = PlatformDouble()
    auth = make_auth(double)
    await auth.token()
    text = f"{auth!r} {auth!s} {vars(auth) if hasattr(auth, '__dict__') else ''}"
    assert SECRET not in repr(auth) and "tok-1" not in repr(auth) and SECRET not in str(auth)
    assert "cid-1" in text
    await auth.aclose()


def test_sync_use_is_refused():
    auth = ImsAuth(ims_url="https://ims.test", client_id="c", secret=make_secret(), scope="s",
                   transport=PlatformDouble().transport())
    with pytest.raises(RuntimeError, match="AsyncClient only"), httpx.Client(auth=auth,
                                                                             transport=httpx.MockTransport(
                                                                                 lambda r: httpx.Response(200))) as c:
        c.get("https://x.test/")
