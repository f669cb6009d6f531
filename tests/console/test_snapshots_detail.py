"""SVG snapshots of the full-screen job detail at 80×24 and 120×40, with a fixed clock and UTC."""

from __future__ import annotations

from textual.app import App

from tests.fakes import T0, FakeJobsAPI, job_record
from tui.console.screens.detail import DetailScreen
from tui.core.models import Job


def fixed(ms: int):
    return lambda: ms / 1000


class SnapHost(App[None]):
    def __init__(self, rec: dict, *, now_ms: int, median_ms: int | None = None) -> None:
        super().__init__()
        self.rec, self.now_ms, self.median_ms = rec, now_ms, median_ms

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(FakeJobsAPI([self.rec]), Job.parse(self.rec), median_ms=self.median_ms,
                                      poll_seconds=0, clock=fixed(self.now_ms),
                                      dataset_names={"ds-1": "Profile export target"},
                                      on_cancel=lambda job: None))


async def screenshot(app: App, size: tuple[int, int], *keys: str) -> str:
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        return app.export_screenshot()


async def test_stuck_processing_job_80x24(svg_snapshot, utc):
    rec = job_record(42, "PROCESSING", created=T0)
    app = SnapHost(rec, now_ms=T0 + 47 * 60_000, median_ms=10 * 60_000)
    assert await screenshot(app, (80, 24)) == svg_snapshot


async def test_failed_job_with_hostile_strings_120x40(svg_snapshot, utc):
    rec = job_record(43, "FAILED", errors=[
        {"code": "[bold]0090000009[/bold]",
         "msg": "Error writing profiles to output path [link=http://x]s3://bucket[/link] \x1b[31mdenied\x1b[0m; "
                "the destination dataset rejected the batch after 3 retries.",
         "callStack": "\n".join(f"at com.adobe.export.Writer.write{i}(Writer.java:{i})" for i in range(5000))},
        {"code": "unknown", "msg": "Job aborted.", "callStack": ""},
    ])
    app = SnapHost(rec, now_ms=T0 + 3_600_000)
    assert await screenshot(app, (120, 40)) == svg_snapshot


async def test_succeeded_job_raw_json_80x24(svg_snapshot, utc):
    rec = job_record(44, "SUCCEEDED")
    app = SnapHost(rec, now_ms=T0 + 3_600_000)
    assert await screenshot(app, (80, 24), "y") == svg_snapshot


async def test_succeeded_job_120x40(svg_snapshot, utc):
    rec = job_record(45, "SUCCEEDED", filter={"segments": [{"segmentId": "seg-vip"}]})
    app = SnapHost(rec, now_ms=T0 + 3_600_000)
    assert await screenshot(app, (120, 40)) == svg_snapshot
