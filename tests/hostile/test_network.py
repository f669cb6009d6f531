"""A host name that does not resolve fails at once (no retries), and IMS and Platform
both honour HTTP(S)_PROXY / NO_PROXY exactly as a plain httpx client does. The hostile server plays the
proxy (it answers absolute-form request targets)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.hostile.server import JOBS_PATH, TOKEN_PATH
from tui.api.client import PlatformClient
from tui.core.errors import NetworkError


class CountingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.mark.parametrize("where", ["platform_url", "ims_url"])
async def test_unresolvable_host_fails_fast(profile, secret, where):
    sleep = CountingSleep()
    broken = replace(profile, **{where: "http://no-such-host.invalid"})
    async with PlatformClient(broken, secret, sleep=sleep) as api:
        with pytest.raises(NetworkError, match=rf"could not be resolved\. Check {where}") as info:
            await api.list_jobs()
    assert sleep.calls == []  # not one retry
    assert "\n" not in str(info.value)


async def test_ims_goes_through_the_proxy_and_no_proxy_platform_goes_direct(hostile, profile, secret,
                                                                            monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", hostile.base_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    via_proxy = replace(profile, ims_url="http://ims.hostile.test")
    async with PlatformClient(via_proxy, secret) as api:
        await api.list_jobs()
    token = [r for r in hostile.requests if r.path == TOKEN_PATH]
    jobs = [r for r in hostile.requests if r.path == JOBS_PATH]
    assert [r.target for r in token] == ["http://ims.hostile.test" + TOKEN_PATH]
    assert jobs and not any(r.via_proxy for r in jobs)


async def test_platform_goes_through_the_proxy_and_no_proxy_ims_goes_direct(hostile, profile, secret,
                                                                            monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", hostile.base_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    via_proxy = replace(profile, platform_url="http://platform.hostile.test")
    async with PlatformClient(via_proxy, secret) as api:
        await api.list_jobs()
    token = [r for r in hostile.requests if r.path == TOKEN_PATH]
    jobs = [r for r in hostile.requests if r.path == JOBS_PATH]
    assert token and not any(r.via_proxy for r in token)
    assert jobs and all(r.target.startswith("http://platform.hostile.test" + JOBS_PATH) for r in jobs)


async def test_same_proxy_for_both_hosts(hostile, profile, secret, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", hostile.base_url)
    both = replace(profile, platform_url="http://platform.hostile.test", ims_url="http://ims.hostile.test")
    async with PlatformClient(both, secret) as api:
        await api.list_jobs()
    assert hostile.requests and all(r.via_proxy for r in hostile.requests)
