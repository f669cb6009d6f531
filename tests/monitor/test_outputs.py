"""The stdout and desktop outputs of aepx watch, and the lazy prometheus_client import."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from tui.monitor.alerts import DesktopNotifier, StdoutSink
from tui.monitor.alerts.notify import unavailable_reason
from tui.monitor.rules import Alert

ALERT = Alert(event="failed", org="ORG@AdobeOrg", sandbox="prod", profile="emu", at_ms=1, status="FAILED",
              job_id="42", error_message="boom ␛[2J", command="aepx -p emu jobs show 42")


def test_stdout_lines_and_json_lines():
    human, as_json = io.StringIO(), io.StringIO()
    StdoutSink(stream=human).send(ALERT)
    StdoutSink(as_json=True, stream=as_json).send(ALERT)
    assert human.getvalue() == ALERT.message + "\n"
    line = as_json.getvalue()
    assert line.isascii() and line.count("\n") == 1
    data = json.loads(line)
    assert data["job_id"] == "42" and data["message"] == ALERT.message and data["at"] == 1


def test_a_closed_pipe_stops_stdout_quietly():
    class Closed(io.StringIO):
        def write(self, _text):
            raise BrokenPipeError

    out = StdoutSink(stream=Closed())
    out.send(ALERT)
    out.send(ALERT)
    assert out.closed


def test_notify_reasons():
    def none(_name):
        return None

    def found(_name):
        return "/usr/bin/notify-send"

    assert "not installed" in unavailable_reason({}, none)
    assert "SSH" in unavailable_reason({"SSH_CONNECTION": "1 2 3 4"}, found)
    assert "D-Bus" in unavailable_reason({}, found)
    assert unavailable_reason({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"}, found) is None


async def test_notify_send_is_called_and_a_failure_is_one_note(tmp_path):
    log = tmp_path / "calls.txt"
    script = tmp_path / "notify-send"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {log}\nexit ${{FAIL:-0}}\n")
    script.chmod(0o755)
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nowhere"}
    notes: list[str] = []
    notifier = DesktopNotifier(notes.append, env=env, which=lambda _n: str(script))
    notifier.start()
    notifier.send(ALERT)
    await notifier.flush()
    lines = log.read_text().splitlines()
    assert "--urgency=critical" in lines and "aepx: Job failed" in lines and ALERT.message in lines
    assert notifier.sent == 1 and notes == []
    script.write_text("#!/bin/sh\nexit 1\n")
    notifier.send(ALERT)
    await notifier.flush()
    notifier.send(ALERT)
    await notifier.flush()
    assert len(notes) == 1 and "notify-send failed" in notes[0]


def test_unavailable_notifications_are_one_note():
    notes: list[str] = []
    notifier = DesktopNotifier(notes.append, env={"SSH_TTY": "/dev/pts/1"}, which=lambda _n: "/usr/bin/notify-send")
    notifier.start()
    notifier.send(ALERT)
    notifier.send(ALERT)
    assert len(notes) == 1 and "SSH session" in notes[0] and "alerts still go to stdout" in notes[0]


def test_prometheus_client_is_loaded_only_by_watch_with_metrics():
    code = ("import sys\nfrom tui.cli import cli\nimport tui.monitor.watcher, tui.monitor.rules, tui.monitor.alerts\n"
            "print('prometheus_client' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
