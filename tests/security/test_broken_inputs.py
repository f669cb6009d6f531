"""Broken inputs get one clear sentence, never "unexpected error": deep JSON, a lone surrogate, payload
files that are devices, FIFOs or huge, a keyring answering a non-string, a closed stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.hostile import records as R
from tests.security.test_hostile_output import VALID_PAYLOAD, hostile, run  # noqa: F401  - the fixture

pytestmark = pytest.mark.usefixtures("hostile")


def test_deeply_nested_json_from_the_server_is_one_sentence(hostile):  # noqa: F811
    hostile.list_body = R.deep_text(5000)
    result = run(hostile, "jobs", "list")
    assert result.exit_code == 1
    assert "nested deeper than aepx reads" in result.stderr and "unexpected" not in result.stderr


def test_a_lone_surrogate_from_the_server_is_shown_and_printed_as_json(hostile):  # noqa: F811
    record = R.job(1, "FAILED")
    record["requestId"] = "bad\ud800id"
    hostile.list_body = json.dumps({"records": [record]}, ensure_ascii=True).encode()
    text = run(hostile, "jobs", "list")
    assert text.exit_code == 0, text.stderr
    shown = run(hostile, "jobs", "list", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert "bad\\ud800id" in shown.stdout
    assert json.loads(shown.stdout)[0]["requestId"] == "bad\ud800id"


def test_a_lone_surrogate_in_a_payload_file_is_refused(hostile, tmp_path):  # noqa: F811
    payload = tmp_path / "p.json"
    text = json.dumps({**VALID_PAYLOAD, "fields": "a\ud800b"}, ensure_ascii=True)
    payload.write_text(text, encoding="utf-8")
    result = run(hostile, "jobs", "create", "--file", str(payload))
    assert result.exit_code == 2
    assert "lone surrogate" in result.stderr and "unexpected" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_before_a_byte_is_read(hostile):  # noqa: F811
    result = run(hostile, "jobs", "create", "--file", "/dev/zero")
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(hostile, tmp_path):  # noqa: F811
    fifo = tmp_path / "payload.fifo"
    os.mkfifo(fifo)
    result = run(hostile, "jobs", "create", "--file", str(fifo))
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_a_payload_over_one_mib_is_refused(hostile, tmp_path):  # noqa: F811
    big = tmp_path / "big.json"
    big.write_text(json.dumps({**VALID_PAYLOAD, "fields": "x" * (1024 * 1024)}))
    result = run(hostile, "jobs", "create", "--file", str(big))
    assert result.exit_code == 2 and "over the 1,024 KiB limit" in result.stderr


def test_a_payload_file_with_a_bom_is_read(hostile, tmp_path):  # noqa: F811
    payload = tmp_path / "bom.json"
    payload.write_bytes(b"\xef\xbb\xbf" + json.dumps(VALID_PAYLOAD).encode())
    result = run(hostile, "jobs", "create", "--file", str(payload))
    assert result.exit_code == 0, result.stderr


def test_a_keyring_answering_a_non_string_is_one_sentence(hostile, memory_keyring, monkeypatch):  # noqa: F811
    monkeypatch.setattr(memory_keyring, "get_password", lambda service, user: b"bytes-not-text")
    from click.testing import CliRunner

    from tui.cli import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["--config", str(hostile.config), "jobs", "list"], env={},
                                catch_exceptions=False)
    assert result.exit_code == 3, result.stderr
    assert "answered a bytes instead of text" in result.stderr and "unexpected" not in result.stderr


def test_a_closed_stdout_exits_quietly_with_0(hostile):  # noqa: F811
    env = {**os.environ, "AEPX_CLIENT_SECRET": "s3cret-value"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before aepx writes a byte (`| head` after its lines)
    try:
        proc = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "--config",
                               str(hostile.config), "jobs", "show", "1"], stdout=write_end,
                              stderr=subprocess.PIPE, env=env, timeout=60, check=False)
    finally:
        os.close(write_end)
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    assert stderr == "", stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
def test_ctrl_c_before_the_create_answer_says_the_job_may_exist(hostile):  # noqa: F811
    import signal

    hostile.hang_posts = True
    env = {**os.environ, "AEPX_CLIENT_SECRET": "s3cret-value"}
    proc = subprocess.Popen([sys.executable, "-c", "from tui.cli import main; main()", "--config",
                             str(hostile.config), "jobs", "create", "--file", str(hostile.payload)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert hostile.post_seen.wait(30), "the create request never arrived"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = err.decode()
    assert proc.returncode == 130, stderr
    assert "the job may exist" in stderr and "aepx jobs list" in stderr
    assert "Traceback" not in stderr
