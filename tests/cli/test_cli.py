"""The CLI against the emulator over real HTTP on 127.0.0.1 (click's CliRunner, sync tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import _register, cli
from tui.core.config import write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

SECRET = "emulator-secret"


@pytest.fixture(scope="module")
def server():
    # A very fast clock: seeded jobs settle quickly and --wait finishes in well under a second.
    with EmulatorServer(EmulatorSettings(port=0, jobs=240, speed=2000.0)) as srv:
        yield srv


@pytest.fixture
def config_file(tmp_path, server) -> Path:
    settings = EmulatorSettings()
    path = tmp_path / "aepx.toml"
    write_profile(path, Profile(name="emu", org_id=settings.org, client_id=settings.client_id,
                                sandbox=settings.sandbox, platform_url=server.base_url, ims_url=server.base_url),
                  make_default=True)
    return path


def run(config_file: Path | None, *args: str, secret: str | None = SECRET, stdin: str | None = None):
    _register()
    env = {"AEPX_CLIENT_SECRET": secret} if secret is not None else {}
    base = ["--config", str(config_file)] if config_file else []
    return CliRunner().invoke(cli, [*base, *args], env=env, input=stdin, catch_exceptions=False)


def test_jobs_list_table_and_json(config_file):
    result = run(config_file, "jobs", "list", "--limit", "20")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["ID", "STATUS"]
    assert len(lines) == 21
    assert "more available" in result.stderr
    as_json = run(config_file, "jobs", "list", "--limit", "20", "--json")
    records = json.loads(as_json.stdout)
    assert len(records) == 20 and all("status" in r and "id" in r for r in records)


def test_jobs_list_all_pages_is_complete_and_exact(config_file):
    result = run(config_file, "jobs", "list", "--all", "--limit", "50", "--json")
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in json.loads(result.stdout)]
    assert len(ids) == len(set(ids)) >= 240


def test_jobs_list_status_filter_and_bad_status(config_file):
    result = run(config_file, "jobs", "list", "--status", "failed", "--all", "--json")
    assert result.exit_code == 0
    statuses = {r["status"] for r in json.loads(result.stdout)}
    assert statuses == {"FAILED"}
    bad = run(config_file, "jobs", "list", "--status", "SUCEEDED")
    assert bad.exit_code == 2
    assert "Unknown status 'SUCEEDED'" in bad.stderr


def test_jobs_show_and_unknown_id(config_file):
    first = json.loads(run(config_file, "jobs", "list", "--limit", "1", "--json").stdout)[0]
    shown = run(config_file, "jobs", "show", str(first["id"]))
    assert shown.exit_code == 0
    assert f"id              {first['id']}" in shown.stdout
    raw = json.loads(run(config_file, "jobs", "show", str(first["id"]), "--json").stdout)
    assert raw["id"] == first["id"]
    missing = run(config_file, "jobs", "show", "999999999")
    assert missing.exit_code == 1
    assert len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr


def test_jobs_show_of_a_failed_job_says_which_phases_it_never_reached(config_file):
    """Seen against the emulator: a FAILED job's unreached dataset write read "pending"."""
    failed = json.loads(run(config_file, "jobs", "list", "--status", "FAILED", "--all", "--json").stdout)
    unreached = [r for r in failed if "aCPDatasetWriteTime" not in (r.get("metrics") or {})]
    assert unreached, "the emulator seeded no FAILED job that stopped before the dataset write"
    shown = run(config_file, "jobs", "show", str(unreached[0]["id"])).stdout
    assert "dataset write   not reached" in shown and "pending" not in shown and "(running)" not in shown


def test_create_wait_and_cancel_rules(config_file, server, tmp_path):
    ds = run(config_file, "datasets", "create", "--name", "CLI target")
    assert ds.exit_code == 0, ds.stderr
    dataset_id = ds.stdout.strip()
    assert dataset_id in run(config_file, "datasets", "list").stdout
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"fields": "identities.id", "schema": {"name": "_xdm.context.profile"},
                                   "destination": {"datasetId": dataset_id}}))
    created = run(config_file, "jobs", "create", "--yes", "--file", str(payload), "--wait", "--poll", "0.1", "--json")
    final = json.loads(created.stdout)
    assert final["status"] in ("SUCCEEDED", "FAILED")
    assert created.exit_code == (0 if final["status"] == "SUCCEEDED" else 1)
    # A finished job is refused and no DELETE is sent.
    before = sum(1 for r in list(server.requests) if r.method == "DELETE")
    refused = run(config_file, "jobs", "cancel", str(final["id"]), "--yes")
    assert refused.exit_code == 1
    assert "only NEW or PROCESSING jobs can be cancelled" in refused.stderr
    assert sum(1 for r in list(server.requests) if r.method == "DELETE") == before


def test_cancel_active_job(config_file, tmp_path):
    ds = run(config_file, "datasets", "create", "--name", "cancel target").stdout.strip()
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"schema": {"name": "_xdm.context.profile"}, "destination": {"datasetId": ds}}))
    job_id = run(config_file, "jobs", "create", "--yes", "--file", str(payload)).stdout.strip()
    result = run(config_file, "jobs", "cancel", job_id, "--yes")
    # The fast clock may finish the job first; either way the outcome is stated for the job.
    assert job_id in result.stderr
    if result.exit_code == 0:
        assert "cancel requested" in result.stderr
    unconfirmed = run(config_file, "jobs", "cancel", job_id)
    assert unconfirmed.exit_code in (1, 2)


def test_create_warns_about_unknown_payload_keys(config_file, tmp_path):
    ds = run(config_file, "datasets", "create", "--name", "warn target").stdout.strip()
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"schema": {"name": "_xdm.context.profile"}, "destination": {"datasetId": ds},
                                   "feilds": "identities.id"}))
    result = run(config_file, "jobs", "create", "--yes", "--file", str(payload))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "feilds" in warnings[0] and "line 1" in warnings[0]


def test_create_rejects_invalid_payload_with_line_and_column(config_file, tmp_path):
    payload = tmp_path / "bad.json"
    payload.write_text('{\n  "schema": {"name": "_xdm.context.profile"}\n  "destination": {}\n}\n')
    result = run(config_file, "jobs", "create", "--yes", "--file", str(payload))
    assert result.exit_code == 2
    assert "line 3" in result.stderr


def test_missing_and_wrong_secret_exit_3(config_file):
    missing = run(config_file, "jobs", "list", secret=None)
    assert missing.exit_code == 3
    assert "AEPX_CLIENT_SECRET" in missing.stderr
    wrong = run(config_file, "jobs", "list", secret="not-the-secret")
    assert wrong.exit_code == 3
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert "not-the-secret" not in wrong.stderr


def test_no_config_exits_3(tmp_path):
    result = run(tmp_path / "nothing.toml", "jobs", "list")
    assert result.exit_code == 3
    assert "aepx config init" in result.stderr


def test_login_logout_and_doctor(config_file, memory_keyring):
    stored = run(config_file, "login", "--secret-stdin", secret=None, stdin="s3cr3t-value\n")
    assert stored.exit_code == 0, stored.stderr
    assert "s3cr3t-value" in memory_keyring.store.values()
    doctor = run(config_file, "creds", "doctor", secret=None)
    assert doctor.exit_code == 0
    assert "s3cr3t-value" not in doctor.stdout + doctor.stderr
    shown = run(config_file, "config", "show", secret=None)
    assert "s3cr3t-value" not in shown.stdout
    assert "s3cr3t-value" not in config_file.read_text()
    out = run(config_file, "logout", secret=None)
    assert out.exit_code == 0
    assert "s3cr3t-value" not in memory_keyring.store.values()


def test_login_without_keyring_exits_3_and_explains(config_file):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    result = run(config_file, "login", "--secret-stdin", secret=None, stdin="abc\n")
    assert result.exit_code == 3
    assert "AEPX_CLIENT_SECRET" in result.stderr


def test_config_init_and_path(tmp_path):
    path = tmp_path / "new.toml"
    result = run(path, "config", "init", "--name", "prod", "--org-id", "ABC@AdobeOrg", "--client-id", "cid",
                 "--sandbox", "Prod")
    assert result.exit_code == 0, result.stderr
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert run(path, "config", "path").stdout.strip() == str(path)
    assert 'sandbox = "prod"' in path.read_text()


def test_config_init_unwritable_location_is_one_line_exit_3(tmp_path, monkeypatch):
    from tui.core import paths

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.tempfile, "mkstemp", no_space)
    path = tmp_path / "new.toml"
    result = run(path, "config", "init", "--name", "prod", "--org-id", "ABC@AdobeOrg", "--client-id", "cid",
                 "--sandbox", "prod")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        f"aepx: Cannot write config file {path}: No space left on device; choose a writable location with "
        "--config or AEPX_CONFIG."]
    assert not path.exists()


def test_jobs_list_never_imports_textual(config_file):
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('TEXTUAL' if any(m == 'textual' or m.startswith('textual.') "
            "for m in sys.modules) else 'CLEAN', file=sys.stderr))\n"
            f"sys.argv = ['aepx', '--config', {str(config_file)!r}, 'jobs', 'list', '--limit', '5']\n"
            "from tui.cli import main\nmain()\n")
    env = {**os.environ, "AEPX_CLIENT_SECRET": SECRET}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("CLEAN")


def test_unexpected_error_is_one_line_and_logged(config_file, monkeypatch, tmp_path):
    from tui.api.client import PlatformClient

    async def broken(self, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(PlatformClient, "list_jobs", broken)
    result = run(config_file, "jobs", "list")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unexpected error (ZeroDivisionError: boom)" in lines[0]
    assert "Traceback" not in result.stderr
    log = Path(lines[0].split("the details are in ")[1].split(",")[0])
    assert "ZeroDivisionError" in log.read_text()


def _verbose_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " → " in line]


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_prints_one_line_per_request_with_the_emulators_request_ids(config_file, server, where):
    before = len(server.requests)
    args = ["-v", "jobs", "list", "--limit", "5"] if where == "before" else ["jobs", "list", "--limit", "5", "-v"]
    result = run(config_file, *args)
    assert result.exit_code == 0, result.stderr
    sent = [r for r in server.requests[before:]]
    lines = _verbose_lines(result.stderr)
    assert len(lines) == len(sent) >= 2  # the IMS token call and the page
    platform = [r for r in sent if not r.path.startswith("/ims/")]
    for record in platform:
        expected = f"GET {record.path}?{record.query} → {record.status} in "
        matching = [line for line in lines if line.startswith(expected)]
        assert matching and f"(request {record.request_id})" in matching[0], (expected, lines)
    assert any(line.startswith("IMS POST /ims/token/v3 → 200") for line in lines)
    for line in lines:
        assert SECRET not in line and "Bearer" not in line and "Authorization" not in line
    assert SECRET not in result.output


def test_no_verbose_no_request_lines_and_vv_adds_headers(config_file, server):
    quiet = run(config_file, "jobs", "list", "--limit", "2")
    assert quiet.exit_code == 0 and _verbose_lines(quiet.stderr) == []
    server.settings.fault_rate_429 = 1.0
    try:
        loud = run(config_file, "-vv", "jobs", "list", "--limit", "2")
    finally:
        server.settings.fault_rate_429 = 0.0
    throttled = [line for line in _verbose_lines(loud.stderr) if "→ 429" in line]
    assert throttled and any("retry-after: " in line for line in throttled), loud.stderr
    assert any("(attempt 2)" in line for line in _verbose_lines(loud.stderr))


def test_failed_request_sentence_names_its_request_id(config_file, server):
    before = len(server.requests)
    result = run(config_file, "jobs", "show", "999999999")
    assert result.exit_code == 1
    failed = [r for r in server.requests[before:] if r.status == 404]
    assert failed and f"request id {failed[-1].request_id}" in result.stderr
def test_production_needs_yes_for_create_and_cancel_and_the_summary_names_the_type(config_file, server, tmp_path):
    ds = run(config_file, "datasets", "create", "--name", "prod target").stdout.strip()
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"schema": {"name": "_xdm.context.profile"}, "destination": {"datasetId": ds}}))
    posts = sum(1 for r in list(server.requests) if r.method == "POST" and "export/jobs" in r.path)
    refused = run(config_file, "jobs", "create", "--file", str(payload))
    assert refused.exit_code == 2 and "production sandbox: pass --yes" in refused.stderr
    assert sum(1 for r in list(server.requests) if r.method == "POST" and "export/jobs" in r.path) == posts
    created = run(config_file, "jobs", "create", "--yes", "--file", str(payload))
    assert created.exit_code == 0 and "sandbox prod (production)" in created.stderr
    job_id = created.stdout.strip()
    deletes = sum(1 for r in list(server.requests) if r.method == "DELETE")
    no_yes = run(config_file, "jobs", "cancel", job_id)
    assert no_yes.exit_code == 2 and "pass --yes" in no_yes.stderr
    assert sum(1 for r in list(server.requests) if r.method == "DELETE") == deletes
    done = run(config_file, "jobs", "cancel", job_id, "--yes")
    assert "in profile" in done.stderr and "sandbox prod (production)" in done.stderr.splitlines()[-1]
