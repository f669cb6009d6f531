"""Child process for the startup benchmark: ``python -m bench._startup {aepx|baseline} BASE_URL``.

Both variants run headless, fetch one page of jobs from the emulator, fill a table and exit as soon as
the table has rows (checked every 5 ms by the same timer in both), so the parent's wall time of the
child process is "process start to populated job table".
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECK_S = 0.005


def run_aepx(base_url: str, screen: bool = False) -> int:
    import tui.cli  # noqa: F401  - the real entry point's import cost
    import tui.console.app as app_module
    from bench.common import emulator_settings, platform_client
    from tui.console.app import AepxApp
    from tui.console.widgets.job_table import JobTable
    from tui.core.config import ConsoleSettings

    settings = emulator_settings()
    api = platform_client(base_url, settings)

    class Timed(AepxApp):
        CSS_PATH = str(Path(app_module.__file__).with_name("styles") / "app.tcss")

        def on_mount(self) -> None:
            super().on_mount()
            if not screen:
                self.set_interval(CHECK_S, self._check)

        def _check(self) -> None:
            tables = self.screen.query(JobTable)
            if tables and tables.first().row_count > 0:
                self.exit(0)

    app = Timed(api, settings=ConsoleSettings(refresh_seconds=3600))
    app.run(headless=not screen)
    return app.return_code or 0


def run_baseline(base_url: str, screen: bool = False) -> int:
    import httpx
    from textual import work
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    from tui.emulator.settings import EmulatorSettings

    s = EmulatorSettings()
    columns = ("id", "status", "created", "updated", "dataset", "batch", "errors")

    class Minimal(App[int]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            self.query_one(DataTable).add_columns(*columns)
            if not screen:
                self.set_interval(CHECK_S, self._check)
            self._load()

        @work(exit_on_error=True)
        async def _load(self) -> None:
            async with httpx.AsyncClient(base_url=base_url) as client:
                token = (await client.post("/ims/token/v3", data={
                    "grant_type": "client_credentials", "client_id": s.client_id,
                    "client_secret": s.client_secret, "scope": "openid"})).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}", "x-api-key": s.client_id,
                           "x-gw-ims-org-id": s.org, "x-sandbox-name": s.sandbox}
                body = (await client.get("/data/core/ups/export/jobs", params={"limit": 100},
                                         headers=headers)).json()
            table = self.query_one(DataTable)
            for r in body["records"]:
                dest = r.get("destination") or {}
                table.add_row(str(r.get("id")), str(r.get("status")), str(r.get("creationTime")),
                              str(r.get("updateTime")), str(dest.get("datasetId", "")),
                              str(dest.get("batchId", ""))[:8], str(len(r.get("errors") or [])))

        def _check(self) -> None:
            if self.query_one(DataTable).row_count > 0:
                self.exit(0)

    app = Minimal()
    app.run(headless=not screen)
    return app.return_code or 0


def main() -> int:
    kind, base_url = sys.argv[1], sys.argv[2]
    screen = sys.argv[3:] == ["--screen"]  # on a real terminal until killed (bench/tmux_startup.py)
    return run_aepx(base_url, screen) if kind == "aepx" else run_baseline(base_url, screen)


if __name__ == "__main__":
    sys.exit(main())
