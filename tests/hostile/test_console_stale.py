"""In the console, a Platform that trickles its answer makes the header STALE within the request timeout,
and polling goes on (never "refreshing…" forever with no further poll)."""

from __future__ import annotations

import asyncio

from tests.hostile.server import JOBS_PATH
from tui.api.client import PlatformClient
from tui.console.run import make_console
from tui.console.widgets.header import header_text
from tui.core.config import ConsoleSettings


async def until(pilot, predicate, limit: float = 20.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while loop.time() < end:
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


async def test_trickling_platform_makes_the_console_stale_and_it_keeps_polling(hostile, profile, secret):
    hostile.scenario("trickle", pause=0.2)  # each byte well inside a read timeout
    api = PlatformClient(profile, secret, timeout=0.5)
    app = make_console(api, settings=ConsoleSettings(refresh_seconds=1))
    async with app.run_test(size=(100, 30)) as pilot:
        assert await until(pilot, lambda: app.poll.stale)
        text = header_text(app.header_state()).plain
        assert "STALE" in text and "did not send a complete answer within 0.5 s" in text
        first = hostile.count("GET", JOBS_PATH)
        assert await until(pilot, lambda: hostile.count("GET", JOBS_PATH) > first)  # it polls again
    await api.aclose()
