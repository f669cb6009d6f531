"""SVG snapshots of rerun: two marked jobs side by side (`=`) at 80×24, and a clone in the editor (`R`)
with its title at 120×40.

Update after reviewing a deliberate change: ``pytest tests/console/test_snapshots_rerun.py --snapshot-update``.
"""

from __future__ import annotations

from tests.fakes import FakeJobsAPI, job_record

EVENTS = {"eventList": {"fields": "web.webPageDetails.name",
                        "filter": {"fromIngestTimestamp": "2026-11-01T00:00:00Z"}}}


def fixed_api() -> FakeJobsAPI:
    return FakeJobsAPI([job_record(1, "FAILED"), job_record(2, "SUCCEEDED", fields="identityMap",
                                                            additionalFields=EVENTS)])


async def shoot(app, wait, size, *keys) -> str:
    async with app.run_test(size=size) as pilot:
        await wait(app, pilot)
        for key in keys:
            await pilot.press(key)
            await wait(app, pilot)
        if hasattr(app.screen, "editor"):
            app.screen.editor.cursor_blink = False
            await pilot.pause()
        return app.export_screenshot(title="aepx")


async def test_diff_side_by_side_80x24(make_app, wait, utc, svg_snapshot):
    app = make_app(fixed_api())
    assert await shoot(app, wait, (80, 24), "space", "space", "equals_sign") == svg_snapshot


async def test_clone_in_the_editor_120x40(make_app, wait, utc, svg_snapshot, tmp_path):
    app = make_app(fixed_api())
    assert await shoot(app, wait, (120, 40), "R") == svg_snapshot
