"""SVG snapshots of the launch screen at 80×24 and 120×40: fixed templates, fake data, no cursor blink."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tests.fakes import FakeJobsAPI
from tui.console.screens.launch import LaunchScreen
from tui.core.models import Target

BROKEN_TAIL = '  "schema": {"name": "_xdm.context.profile"}\n  "fields": 3\n}\n'


class SnapHost(App[None]):
    def __init__(self, draft_path: Path, *, emulator: bool = False) -> None:
        super().__init__()
        target = Target(profile="demo", org_id="TEST@AdobeOrg", sandbox="prod", platform_url="http://fake",
                        client_id="test-client", is_emulator=emulator)
        self.api = FakeJobsAPI(target=target)
        self.draft_path = draft_path

    def on_mount(self) -> None:
        self.push_screen(LaunchScreen(self.api, draft_path=self.draft_path, validate_delay=0.01,
                                      draft_delay=0.01))


async def screenshot(app: SnapHost, size: tuple[int, int], *keys: str, text: str | None = None) -> str:
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        screen.editor.cursor_blink = False
        if text is not None:
            screen.editor.replace_all(text)
            await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        return app.export_screenshot()


async def test_launch_profile_template_80x24(svg_snapshot, tmp_path):
    assert await screenshot(SnapHost(tmp_path / "d.json"), (80, 24)) == svg_snapshot


async def test_launch_profile_template_emulator_120x40(svg_snapshot, tmp_path):
    assert await screenshot(SnapHost(tmp_path / "d.json", emulator=True), (120, 40)) == svg_snapshot


async def test_launch_invalid_payload_80x24(svg_snapshot, tmp_path):
    text = '{\n  "destination": {"datasetId": "ds-1"},\n' + BROKEN_TAIL
    assert await screenshot(SnapHost(tmp_path / "d.json"), (80, 24), text=text) == svg_snapshot


async def test_launch_confirmation_120x40(svg_snapshot, tmp_path):
    assert await screenshot(SnapHost(tmp_path / "d.json"), (120, 40), "ctrl+s") == svg_snapshot
