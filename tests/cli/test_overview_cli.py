"""`aepx overview [--json]` against the emulator: keys, counts, types, an unreachable profile."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import _register, cli
from tui.core.config import load_config, save_config, write_profile
from tui.core.profile import Profile
from tui.emulator.clock import ManualClock
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings
from tui.monitor.overview import JSON_KEYS

TYPES = {"prod": "production", "dev1": "development"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    with EmulatorServer(EmulatorSettings(port=0, jobs=40, sandbox_types=TYPES), clock=ManualClock()) as srv:
        yield srv


def config(tmp_path: Path, srv: EmulatorServer, *, dead: bool = False) -> Path:
    s = srv.settings
    path = tmp_path / "aepx.toml"
    write_profile(path, Profile(name="emu", org_id=s.org, client_id=s.client_id, sandbox="prod",
                                sandboxes=("prod", "dev1", "stage"), platform_url=srv.base_url,
                                ims_url=srv.base_url), make_default=True)
    if dead:
        url = f"http://127.0.0.1:{free_port()}"
        write_profile(path, Profile(name="gone", org_id="GONE@AdobeOrg", client_id=s.client_id, sandbox="prod",
                                    platform_url=url, ims_url=url, request_timeout=2), make_default=False)
    cfg = load_config(path)
    cfg.history.enabled = False
    save_config(cfg)
    return path


def run(path: Path, *args: str):
    _register()
    return CliRunner().invoke(cli, ["--config", str(path), *args], env={"AEPX_CLIENT_SECRET": "emulator-secret"},
                              catch_exceptions=False)


def test_overview_json_has_exactly_the_keys_and_the_counts(tmp_path, server):
    result = run(config(tmp_path, server), "overview", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["profile"], r["sandbox"]) for r in rows] == [("emu", "prod"), ("emu", "dev1"), ("emu", "stage")]
    for row in rows:
        assert list(row) == list(JSON_KEYS) and set(row["counts"]) == {"NEW", "PROCESSING"}
        assert row["ok"] is True and row["error"] is None
    assert [r["type"] for r in rows] == ["production", "development", "unknown"]  # stage is not listed
    tenant = server.store.tenant(server.settings.org, "prod")
    now = server.store.now_ms()
    live = [j.status_at(now) for j in tenant.jobs.values()]
    assert rows[0]["counts"] == {"NEW": live.count("NEW"), "PROCESSING": live.count("PROCESSING")}
    assert rows[0]["last_success_ms"] is not None


def test_an_unreachable_profile_is_a_row_that_says_why_and_exit_1(tmp_path, server, monkeypatch):
    from tui.cli import overview as overview_cli

    monkeypatch.setattr(overview_cli, "POLL_DEADLINE_S", 1.0)  # the dead port: give up after a second
    result = run(config(tmp_path, server, dead=True), "overview")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["PROFILE", "SANDBOX", "TYPE"]
    gone = [line for line in lines if line.startswith("gone")]
    assert len(gone) == 1 and "unknown" in gone[0] and len(gone[0].split("  ")) > 3
    assert sum(1 for line in lines if line.startswith("emu ")) == 3  # the others are shown
    assert "treats it as production" in result.stderr
    assert "Traceback" not in result.stderr
