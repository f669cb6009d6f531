"""SVG snapshots of the Output screen at 80×24 and 120×40 (fixed data, UTC)."""

from __future__ import annotations

from textual.app import App

from tests.console.conftest import settle
from tests.console.test_output import FakeSource, Host, _job


async def screenshot(app: App, size: tuple[int, int], *keys: str) -> str:
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        return app.export_screenshot()


async def test_output_80x24(svg_snapshot, utc):
    assert await screenshot(Host(FakeSource(), _job()), (80, 24)) == svg_snapshot


async def test_output_second_file_120x40(svg_snapshot, utc):
    assert await screenshot(Host(FakeSource(), _job()), (120, 40), "down") == svg_snapshot
