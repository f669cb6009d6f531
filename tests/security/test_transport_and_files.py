"""TLS verification is never disabled, the emulator listens on loopback unless told otherwise, and the
config is written atomically with mode 0600."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from tui.core.config import load_config, write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

TUI = Path(__file__).resolve().parents[2] / "tui"
DISABLED_VERIFY = re.compile(r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context")


def test_tls_verification_is_never_disabled():
    offenders = [f"{p.relative_to(TUI.parent)}:{n}" for p in TUI.rglob("*.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if DISABLED_VERIFY.search(line)]
    assert offenders == []
    assert DISABLED_VERIFY.search("httpx.AsyncClient(verify=False)")  # the pattern does catch it


def test_emulator_binds_loopback_by_default():
    from tui.emulator.command import emulator

    assert EmulatorSettings().host == "127.0.0.1"
    host_option = next(p for p in emulator.params if p.name == "host")
    assert host_option.default == "127.0.0.1"
    with EmulatorServer(EmulatorSettings(port=0, jobs=0)) as server:
        assert server._socket is not None
        assert server._socket.getsockname()[0] == "127.0.0.1"


def test_config_written_atomically_and_private(tmp_path, monkeypatch):
    import os

    path = tmp_path / "conf" / "aepx.toml"
    profile = Profile(name="p", org_id="ORG@AdobeOrg", client_id="cid", sandbox="prod")
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((str(src), str(dst)))
        assert stat.S_IMODE(os.stat(src).st_mode) == 0o600  # private before it becomes visible
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_profile(path, profile, make_default=True)
    assert replaced and replaced[-1][1] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path).profiles["p"].client_id == "cid"

