"""Helpers shared by the emulator tests and the paging benchmark."""

from __future__ import annotations

import asyncio

import httpx

from tui.api.client import PlatformClient
from tui.core.profile import Profile
from tui.core.secret import Secret
from tui.emulator.server import EmulatorServer

EMULATOR_SECRET = "emulator-secret"


def emulator_profile(srv: EmulatorServer) -> Profile:
    s = srv.settings
    return Profile(name="emulator", org_id=s.org, client_id=s.client_id, sandbox=s.sandbox,
                   platform_url=srv.base_url, ims_url=srv.base_url, is_emulator=True)


async def fast_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def emulator_client(srv: EmulatorServer, *, secret: str = EMULATOR_SECRET, **kw) -> PlatformClient:
    kw.setdefault("sleep", fast_sleep)
    return PlatformClient(emulator_profile(srv), Secret(secret), **kw)


async def bare_httpx_ids(srv: EmulatorServer, limit: int = 100) -> list[str]:
    """The plain loop PlatformClient is compared with: one token, then follow link.next."""
    s = srv.settings
    async with httpx.AsyncClient(base_url=srv.base_url, timeout=30.0) as http:
        token = (await http.post("/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": s.client_id, "client_secret": EMULATOR_SECRET,
            "scope": "openid,AdobeID"})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "x-api-key": s.client_id, "x-gw-ims-org-id": s.org,
                   "x-sandbox-name": s.sandbox}
        ids: list[str] = []
        params: dict[str, str | int] = {"limit": limit}
        while True:
            body = (await http.get("/data/core/ups/export/jobs", params=params, headers=headers)).json()
            ids.extend(str(r["id"]) for r in body["records"])
            nxt = body["link"]["next"]
            if not nxt:
                return ids
            params = dict(httpx.URL(nxt).params)
