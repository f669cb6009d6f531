"""The API call log: one record per attempt (Platform and IMS), bounded, and never a token or a secret."""

from __future__ import annotations

import json

import httpx
import pytest

from tui.api.calllog import CALL_LOG_SIZE, CallLog, CallRecord, fan_out, safe_path
from tui.api.client import PlatformClient
from tui.core.curl import request_as_curl
from tui.core.errors import AepxError
from tui.core.logging import forget_secrets
from tui.core.profile import Profile
from tui.core.secret import Secret

TOKEN = "tok-PLANTED-4f9a1c2b7e"
SECRET = "sec-PLANTED-8d1e5a0c33"
REQUEST_ID = "9f3c2a0011"


async def _no_sleep(_: float) -> None:
    return None


def record(n: int = 0, **kw) -> CallRecord:
    return CallRecord(method="GET", path=f"/p/{n}", status=200, latency_ms=1.0, **kw)


def test_the_log_keeps_the_last_thousand_newest_first():
    log = CallLog()
    log.extend(record(i) for i in range(CALL_LOG_SIZE + 250))
    assert len(log) == CALL_LOG_SIZE
    newest = log.newest_first()
    assert newest[0].path == f"/p/{CALL_LOG_SIZE + 249}" and newest[-1].path == "/p/250"


def test_a_failing_observer_never_stops_the_others():
    seen: list[CallRecord] = []

    def broken(_: CallRecord) -> None:
        raise RuntimeError("boom")

    tell = fan_out(broken, None, seen.append)
    assert tell is not None
    tell(record())
    assert len(seen) == 1
    assert fan_out(None, None) is None


def test_safe_path_masks_secret_named_parameters():
    shown = safe_path(f"https://x.test/a?limit=5&client_secret={SECRET}&access_token={TOKEN}&offset=10")
    assert SECRET not in shown and TOKEN not in shown
    assert shown.startswith("/a?limit=5&client_secret=***&access_token=***&offset=10")


def test_the_line_reads_like_the_issue_says():
    line = CallRecord(method="GET", path="/data/core/ups/export/jobs?limit=100", status=200, latency_ms=12.4,
                      request_id="9f3c").line()
    assert line == "GET /data/core/ups/export/jobs?limit=100 → 200 in 12 ms (request 9f3c)"


class Hostile:
    """IMS and a Platform that echo the token and the secret in every header and body they send back."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        echo = {"x-request-id": REQUEST_ID, "retry-after": "0", "x-ratelimit-remaining": f"{TOKEN} {SECRET}",
                "x-echo": f"Bearer {TOKEN}; client_secret={SECRET}"}
        if request.url.path.endswith("/ims/token/v3"):
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3600}, headers=echo)
        if request.method == "GET" and request.url.path.endswith("/export/jobs"):
            return httpx.Response(200, json={"records": [], "secret": SECRET, "token": TOKEN}, headers=echo)
        return httpx.Response(503, json={"requestId": REQUEST_ID, "message": f"echo {SECRET} {TOKEN}"},
                              headers=echo)


@pytest.fixture(autouse=True)
def _fresh_secrets():
    forget_secrets()
    yield
    forget_secrets()


async def test_a_planted_token_and_secret_reach_no_record_no_line_and_no_curl():
    hostile = Hostile()
    log = CallLog()
    lines: list[str] = []
    profile = Profile(name="t", org_id="ORG@AdobeOrg", client_id="cid", sandbox="dev",
                      platform_url="https://platform.test", ims_url="https://ims.test")
    client = PlatformClient(profile, Secret(SECRET), transport=httpx.MockTransport(hostile),
                            on_call=fan_out(log, lambda r: lines.append(r.line(verbose=3))), sleep=_no_sleep,
                            deadline=5)
    try:
        # every query aepx sends: limit, offset (the cursor) and status; the cursor carries both values
        await client.list_jobs(cursor=f"{TOKEN}&client_secret={SECRET}&access_token={TOKEN}", limit=3,
                               status="NEW")
        with pytest.raises(AepxError):
            await client.get_job(f"{TOKEN}-{SECRET}")  # a path segment too
        with pytest.raises(AepxError):
            await client.create_job({"secret": SECRET, "token": TOKEN})  # a body: never logged
    finally:
        await client.aclose()
    sent_headers = " ".join(f"{k}: {v}" for r in hostile.requests for k, v in r.headers.items())
    assert TOKEN in sent_headers  # the planted token really went out in a header
    assert len(log) >= 4 and any(r.is_ims for r in log) and any(r.attempt > 1 for r in log)
    assert any(r.request_id == REQUEST_ID for r in log)
    everything = [repr(r) for r in log] + lines + [
        request_as_curl(r.method, "https://platform.test" + r.path, api_key="cid", org_id="o", sandbox="s",
                        ims=r.is_ims, client_id="cid", scope="openid") for r in log]
    for text in everything:
        assert TOKEN not in text and SECRET not in text, text
        assert "Authorization" not in text or "$ACCESS_TOKEN" in text
    posted = [r for r in log if r.method == "POST" and not r.is_ims]
    assert posted and all("secret" not in json.dumps(r.headers) for r in posted)


async def test_no_answer_is_recorded_with_its_reason():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    log = CallLog()
    profile = Profile(name="t", org_id="ORG@AdobeOrg", client_id="cid", sandbox="dev",
                      platform_url="https://platform.test", ims_url="https://ims.test")
    client = PlatformClient(profile, Secret(SECRET), transport=httpx.MockTransport(refuse), on_call=log,
                            sleep=_no_sleep, deadline=1)
    try:
        with pytest.raises(AepxError):
            await client.list_jobs(limit=1)
    finally:
        await client.aclose()
    assert log.newest_first()[0].status is None and log.newest_first()[0].error
    assert "no answer" in log.newest_first()[0].line()


async def test_attempts_are_numbered_and_start_again_at_one_for_the_next_call():
    from tui.api.calllog import ATTEMPT
    from tui.api.retry import RetryPolicy, call_with_retries
    from tui.core.errors import ServerError

    seen: list[int] = []
    failures = iter([True, True, False])

    async def flaky() -> str:
        seen.append(ATTEMPT.get())
        if next(failures):
            raise ServerError("busy", status=503)
        return "ok"

    assert await call_with_retries(flaky, RetryPolicy(sleep=_no_sleep, jitter=lambda: 0.0)) == "ok"
    assert seen == [1, 2, 3]
    assert ATTEMPT.get() == 1  # a create POST after it (no retry loop) is attempt 1, not 3
