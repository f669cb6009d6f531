"""Every attempt has a whole-response deadline (connect + headers + body) and a size
cap; each failure is one sentence; the retry policy's deadline bounds all attempts. Real loopback server."""

from __future__ import annotations

import time

import pytest

from tests.hostile.conftest import run_cli
from tests.hostile.server import JOBS_PATH
from tui.api.client import PlatformClient
from tui.core.config import load_config
from tui.core.errors import ApiError, ApiTimeoutError, ConfigError

PAGE_CAP = 16 * 1024 * 1024


def one_sentence(text: str) -> None:
    assert "\n" not in text.strip() and "Traceback" not in text
    assert text.strip().endswith((".", ")")), text


@pytest.mark.parametrize("scenario", ["trickle", "slow_headers"])
async def test_slow_answers_end_at_the_request_timeout(hostile, profile, secret, scenario):
    hostile.scenario(scenario, **({"pause": 0.05} if scenario == "trickle" else {}))
    async with PlatformClient(profile, secret, timeout=0.5, deadline=5) as api:
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError, match=r"did not send a complete answer within 0\.5 s") as info:
            await api.list_jobs()
        assert time.monotonic() - started < 5
    one_sentence(str(info.value))


async def test_never_ending_body_is_capped(hostile, profile, secret):
    hostile.scenario("never_ending_chunked")
    async with PlatformClient(profile, secret, timeout=30) as api:
        with pytest.raises(ApiError, match="larger than 16 MiB") as info:
            await api.list_jobs()
    one_sentence(str(info.value))
    assert hostile.count("GET", JOBS_PATH) == 1  # not retried


async def test_declared_oversized_body_is_refused_before_reading(hostile, profile, secret):
    async def huge(req, out):
        await out.head(200, {"Content-Type": "application/json", "Content-Length": str(PAGE_CAP + 1)})
        await out.raw(b"{")
    hostile.route("GET", JOBS_PATH, huge)
    async with PlatformClient(profile, secret, timeout=30) as api:
        with pytest.raises(ApiError, match="larger than 16 MiB"):
            await api.list_jobs()


async def test_huge_ims_answer_is_capped_at_one_mib(hostile, profile, secret):
    async def token(req, out):
        await out.json(200, {"access_token": "x" * (2 * 1024 * 1024), "expires_in": 3600})
    hostile.route("POST", "/ims/token/v3", token)
    async with PlatformClient(profile, secret) as api:
        with pytest.raises(ApiError, match=r"Getting an access token from IMS failed .*larger than 1 MiB"):
            await api.list_jobs()


async def test_error_bodies_are_read_up_to_one_mib_only(hostile, profile, secret):
    async def endless_error(req, out):
        await out.head(400, {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"})
        while True:
            await out.raw(b"10000\r\n" + b"e" * 0x10000 + b"\r\n")
    hostile.route("GET", JOBS_PATH, endless_error)
    async with PlatformClient(profile, secret, timeout=10) as api:
        with pytest.raises(ApiError, match="rejected the request") as info:
            await api.list_jobs()
    assert len(str(info.value)) < 600


async def test_slow_ims_ends_in_one_sentence(hostile, profile, secret):
    hostile.scenario("slow_ims")
    async with PlatformClient(profile, secret, timeout=0.5) as api:
        with pytest.raises(ApiTimeoutError, match=r"Getting an access token from IMS failed .*within 0\.4 s") as info:
            await api.list_jobs()
    one_sentence(str(info.value))


async def test_retry_deadline_bounds_every_attempt(hostile, profile, secret):
    """A 503, then a retry that trickles: the 1 s policy deadline cuts the retry short (request_timeout is
    10 s) and the caller sees the 503's sentence."""
    served = []

    async def flaky(req, out):
        served.append(req)
        if len(served) == 1:
            await out.json(503, {"title": "Service Unavailable", "detail": "try later"})
            return
        await out.head(200, {"Content-Type": "application/json", "Content-Length": "100"})
        await out.raw(b"{")
        import asyncio
        await asyncio.sleep(3600)
    hostile.route("GET", JOBS_PATH, flaky)
    async with PlatformClient(profile, secret, timeout=10, deadline=1.0, retry_wait_cap=0.05) as api:
        started = time.monotonic()
        with pytest.raises(ApiError, match="server error") as info:
            await api.list_jobs()
        assert time.monotonic() - started < 5
    assert len(served) == 2
    assert info.value.status == 503


def test_cli_never_hangs_on_a_trickling_body(hostile, config_file):
    hostile.scenario("trickle", pause=0.2)
    result = run_cli(config_file, "jobs", "list")
    assert result.exit_code == 1
    assert "did not send a complete answer within 2 s" in result.stderr
    one_sentence(result.stderr)


def test_request_timeout_is_read_and_validated(tmp_path):
    path = tmp_path / "aepx.toml"
    path.write_text('[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "c"\nrequest_timeout = 12.5\n')
    assert load_config(path).profile("p").request_timeout == 12.5
    path.write_text('[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "c"\n')
    assert load_config(path).profile("p").request_timeout == 30.0
    for bad in ("0", "-1", "601", '"30"', "nan"):
        path.write_text(f'[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "c"\nrequest_timeout = {bad}\n')
        with pytest.raises(ConfigError, match="request_timeout"):
            load_config(path)


async def test_profile_request_timeout_is_the_attempt_deadline(hostile, profile, secret):
    from dataclasses import replace

    hostile.scenario("trickle", pause=0.05)
    async with PlatformClient(replace(profile, request_timeout=1.0), secret) as api:
        with pytest.raises(ApiTimeoutError, match=r"within 1 s"):
            await api.list_jobs()
