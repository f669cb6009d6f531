"""SVG snapshots of the jobs screen (fixed data, fixed clock, UTC) at 80×24, 120×40 and NO_COLOR.

Update after reviewing a deliberate change: ``pytest tests/console/test_snapshots_jobs.py --snapshot-update``.
"""

from __future__ import annotations

from tests.fakes import FakeJobsAPI, job_record

NOTICE = "No config found: running on the built-in emulator. Press F2 to set up a real profile."


def fixed_api() -> FakeJobsAPI:
    statuses = ("SUCCEEDED", "PROCESSING", "NEW", "FAILED", "SUCCEEDED", "SUCCEEDED")
    records = [job_record(i, statuses[i % 6], dataset=f"ds-{i % 3 + 1}") for i in range(1, 41)]
    return FakeJobsAPI(records)


async def shoot(app, wait, size, *keys) -> str:
    async with app.run_test(size=size) as pilot:
        await wait(app, pilot)
        for key in keys:
            await pilot.press(key)
            await wait(app, pilot)
        return app.export_screenshot(title="aepx")


async def test_jobs_80x24(make_app, wait, utc, svg_snapshot):
    app = make_app(fixed_api(), notice=NOTICE)
    assert await shoot(app, wait, (80, 24), "space", "down", "C") == svg_snapshot


async def test_jobs_120x40_with_detail(make_app, wait, utc, svg_snapshot):
    app = make_app(fixed_api())
    assert await shoot(app, wait, (120, 40), "down", "down", "down", "down") == svg_snapshot


async def test_jobs_no_color_read_only(make_app, wait, utc, svg_snapshot, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(fixed_api(), read_only=True)
    assert app.no_color
    assert await shoot(app, wait, (80, 24)) == svg_snapshot
