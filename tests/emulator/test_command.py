"""The ``aepx emulator`` command: flags, help, start/stop via signals, errors; and the no-Textual rule."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tui.emulator import command as command_module
from tui.emulator.command import emulator, is_loopback

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ("--host", "--port", "--speed", "--seed", "--jobs", "--client-id", "--client-secret", "--org",
         "--sandbox", "--cancel-response", "--fault-rate-429", "--fault-rate-5xx", "--latency-ms", "--token-ttl",
         "--batch-rows", "--fault-rate-cut", "--truncated-files", "--link-origin")


def test_exact_flags_with_help() -> None:
    options = [p for p in emulator.params if p.name != "help"]
    assert sorted(o for p in options for o in p.opts) == sorted(FLAGS)
    assert all(p.help for p in options)
    result = CliRunner().invoke(emulator, ["--help"])
    assert result.exit_code == 0
    for flag in FLAGS:
        assert flag in result.output


def test_defaults_match_settings() -> None:
    defaults = {p.name: p.default for p in emulator.params}
    assert defaults["port"] == 8085 and defaults["host"] == "127.0.0.1" and defaults["jobs"] == 250
    assert defaults["cancel_response"] == "204" and defaults["latency_ms"] == "0"
    assert defaults["token_ttl"] == 86399 and defaults["sandbox"] == "prod"


@pytest.mark.parametrize(("args", "word"), [
    (["--latency-ms", "fast"], "latency"), (["--cancel-response", "201"], "cancel-response"),
    (["--fault-rate-429", "2"], "fault-rate-429"), (["--speed", "0"], "speed"), (["--port", "-1"], "port"),
    (["--fault-rate-429", "0.7", "--fault-rate-5xx", "0.7"], "must not exceed"),
])
def test_bad_flags_are_usage_errors(args: list[str], word: str) -> None:
    result = CliRunner().invoke(emulator, args)
    assert result.exit_code == 2
    assert word in result.output


def test_non_loopback_host_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    served = []
    monkeypatch.setattr(command_module, "serve", served.append)
    result = CliRunner().invoke(emulator, ["--host", "0.0.0.0", "--latency-ms", "5-10"])
    assert result.exit_code == 0
    assert "not a loopback address" in result.stderr
    assert served[0].host == "0.0.0.0" and served[0].latency_ms == (5, 10)
    quiet = CliRunner().invoke(emulator, [])
    assert "loopback" not in quiet.stderr


@pytest.mark.parametrize(("host", "expected"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("10.1.2.3", False),
                                                ("example.com", False)])
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_port_in_use_is_one_sentence() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(emulator, ["--port", str(port), "--jobs", "0"])
    assert result.exit_code == 1
    assert "could not start" in result.output and "Traceback" not in result.output


def _read_until(proc: subprocess.Popen, pattern: str, timeout: float = 20.0) -> str:
    """Read the child's stdout until ``pattern`` shows up; bounded by ``timeout``."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    text = ""
    while pattern not in text:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {pattern!r}; got {text!r}"
        if selector.select(remaining):
            chunk = os.read(proc.stdout.fileno(), 65536).decode()
            assert chunk, f"process ended early: {text!r}"
            text += chunk
    selector.close()
    return text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_starts_on_free_port_and_stops_cleanly(sig: signal.Signals) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "tui", "emulator", "--port", "0", "--jobs", "5"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out = _read_until(proc, "Press Ctrl-C to stop.")
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+)) \(port (\d+)\)", out)
        assert match and match.group(2) == match.group(3) and match.group(2) != "0"
        assert "[profiles.emulator]" in out and f'platform_url = "{match.group(1)}"' in out
        assert "client_secret" not in out
        response = httpx.post(f"{match.group(1)}/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": "aepx-emulator", "client_secret": "emulator-secret"})
        assert response.status_code == 200
        proc.send_signal(sig)
        rest, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=5)
    assert proc.returncode == 0, err
    assert "Emulator stopped." in rest.decode()
    assert b"Traceback" not in err


def test_emulator_modules_never_import_textual() -> None:
    code = ("import tui.emulator.app, tui.emulator.server, tui.emulator.command, sys; "
            "assert 'textual' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()


def test_command_module_is_light() -> None:
    """``aepx --help`` stays fast: importing the command pulls in neither uvicorn nor starlette."""
    code = ("import tui.emulator.command, sys; "
            "assert not {'uvicorn', 'starlette'} & set(sys.modules), sorted(sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()[-500:]
