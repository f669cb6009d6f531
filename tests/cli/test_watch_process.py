"""`aepx watch` as a real process: SIGTERM/SIGINT stop it cleanly, undelivered webhook alerts stay queued
for the next run, the metrics endpoint serves prometheus_client's format, nothing secret is printed."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_watch_cli import SECRET, config_file, server  # noqa: F401  - fixtures
from tests.monitor.test_webhook import TOKEN, Hook

pytestmark = pytest.mark.slow


def start(config_file, *args: str, env: dict | None = None) -> subprocess.Popen:  # noqa: F811
    environment = dict(os.environ, AEPX_CLIENT_SECRET=SECRET, **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "tui", "--config", str(config_file), "watch", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def read_line(stream, limit_s: float = 30.0) -> str:
    """The next line, waiting at most ``limit_s`` (select, no sleep)."""
    ready, _, _ = select.select([stream], [], [], limit_s)
    assert ready, "no output in time"
    return stream.readline()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly_and_keeps_pending_deliveries(config_file, sig):  # noqa: F811
    hook = Hook()
    hook.stop()  # the webhook is down: deliveries wait in the outbox
    try:
        proc = start(config_file, "--json", "--webhook", "env:AEPX_TEST_HOOK", env={"AEPX_TEST_HOOK": hook.url})
        first = json.loads(read_line(proc.stdout))
        assert first["sandbox"] == "prod"
        started = time.monotonic()
        proc.send_signal(sig)
        out, errors = proc.communicate(timeout=30)
        assert time.monotonic() - started < 20
        assert proc.returncode == 0, errors
        assert "aepx watch stopped" in errors and "stay queued for the next run" in errors
        assert "Traceback" not in errors and TOKEN not in errors + out and SECRET not in errors + out
        alerts = 1 + len([line for line in out.splitlines() if line.strip()])
        hook.start()
        later = subprocess.run([sys.executable, "-m", "tui", "--config", str(config_file), "watch", "--once",
                                "--webhook", "env:AEPX_TEST_HOOK"], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, AEPX_CLIENT_SECRET=SECRET, AEPX_TEST_HOOK=hook.url))
        assert later.returncode == 0, later.stderr  # nothing new fired: the earlier alerts are not repeated
        assert len(hook.received) == alerts  # but every queued one was delivered, once
    finally:
        hook.stop()


def test_metrics_endpoint_serves_the_prometheus_format(config_file):  # noqa: F811
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = start(config_file, "--json", "--metrics-listen", f"127.0.0.1:{port}")
    try:
        read_line(proc.stdout)  # the first poll has happened
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        names = {f.name for f in text_string_to_metric_families(text)}
        assert {"aepx_export_jobs", "aepx_api_up", "aepx_export_job_duration_seconds",
                "aepx_export_job_transitions", "aepx_api_requests", "aepx_last_poll_timestamp_seconds",
                "aepx_export_jobs_stuck"} <= names
    finally:
        proc.send_signal(signal.SIGTERM)
        _, errors = proc.communicate(timeout=30)
    assert proc.returncode == 0 and f"metrics on http://127.0.0.1:{port}/metrics" in errors


def test_refused_credentials_end_a_long_running_watch_at_once(config_file):  # noqa: F811
    proc = subprocess.Popen([sys.executable, "-m", "tui", "--config", str(config_file), "watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, AEPX_CLIENT_SECRET="wrong-secret"))
    out, errors = proc.communicate(timeout=60)
    assert proc.returncode == 3 and out == ""
    assert errors.count("\n") == 1 and "IMS refused the client credentials" in errors
    assert "wrong-secret" not in errors
