"""Fixtures: a real emulator over HTTP on 127.0.0.1 (port 0), a manual clock, an authenticated client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tui.emulator.clock import ManualClock
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
JOBS = "/data/core/ups/export/jobs"
DATASETS = "/data/foundation/catalog/dataSets"
POLICIES = "/data/core/ups/config/mergePolicies"
UNION = "https://ns.adobe.com/xdm/context/profile__union"
BASE_SETTINGS = EmulatorSettings(port=0, jobs=40)


def get_token(client: httpx.Client, settings: EmulatorSettings) -> str:
    response = client.post("/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": settings.client_id,
        "client_secret": settings.client_secret, "scope": "openid,AdobeID,read_organizations"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def platform_headers(token: str, settings: EmulatorSettings, sandbox: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "x-api-key": settings.client_id,
            "x-gw-ims-org-id": settings.org, "x-sandbox-name": sandbox or settings.sandbox}


class Emu:
    """A running emulator with an authenticated httpx client."""

    def __init__(self, server: EmulatorServer, clock: ManualClock) -> None:
        self.server = server
        self.clock = clock
        self.settings = server.settings
        self.http = httpx.Client(base_url=server.base_url, timeout=10)
        self.token = get_token(self.http, self.settings)
        self.headers = platform_headers(self.token, self.settings)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, headers=kw.pop("headers", self.headers), **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(path, headers=kw.pop("headers", self.headers), **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.delete(path, headers=kw.pop("headers", self.headers), **kw)

    def union_dataset(self) -> str:
        body = self.get(DATASETS, params={"property": f"schemaRef.id=={UNION}"}).json()
        return next(iter(body))

    def create_job(self, **overrides: Any) -> dict[str, Any]:
        payload = {"destination": {"datasetId": self.union_dataset()}, "schema": {"name": "_xdm.context.profile"}}
        payload.update(overrides)
        response = self.post(JOBS, json=payload)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_MS)


@pytest.fixture
def make_emu(clock: ManualClock) -> Iterator[Callable[..., Emu]]:
    started: list[Emu] = []

    def factory(**overrides: Any) -> Emu:
        server = EmulatorServer(replace(BASE_SETTINGS, **overrides), clock=clock)
        server.start()
        emu = Emu(server, clock)
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.close()
        emu.server.stop()


@pytest.fixture
def emu(make_emu: Callable[..., Emu]) -> Emu:
    return make_emu()


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[Emu]:
    """One emulator per test module, for tests that only read (or whose writes do not matter)."""
    clock = ManualClock(START_MS)
    server = EmulatorServer(BASE_SETTINGS, clock=clock)
    server.start()
    emu = Emu(server, clock)
    yield emu
    emu.close()
    server.stop()
