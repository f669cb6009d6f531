"""`aepx watch` from the command line against the emulator (real HTTP on 127.0.0.1, a frozen clock)."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from tui.cli import _register, cli
from tui.core.config import write_profile
from tui.core.profile import Profile
from tui.emulator.clock import ManualClock
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

SECRET = "emulator-secret"
JSON_KEYS = {"event", "org", "sandbox", "profile", "status", "at", "message"}


@pytest.fixture(scope="module")
def server():
    # Frozen at the wall clock's now: the seeded jobs' ages are what aepx watch computes too.
    with EmulatorServer(EmulatorSettings(port=0, jobs=40), clock=ManualClock(int(time.time() * 1000))) as srv:
        yield srv


@pytest.fixture
def config_file(tmp_path, server):
    settings = server.settings
    path = tmp_path / "aepx.toml"
    for name, sandbox in (("a", "prod"), ("b", "dev")):
        write_profile(path, Profile(name=name, org_id=settings.org, client_id=settings.client_id, sandbox=sandbox,
                                    platform_url=server.base_url, ims_url=server.base_url), make_default=name == "a")
    return path


def run(config_file, *args: str, secret: str | None = SECRET, env: dict | None = None):
    _register()
    environment = {"AEPX_CLIENT_SECRET": secret} if secret is not None else {}
    environment.update(env or {})
    return CliRunner().invoke(cli, ["--config", str(config_file), *args], env=environment, catch_exceptions=False)


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def metrics_of(path) -> dict[tuple[str, tuple], float]:
    values = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_once_exit_codes_and_restart_repeats_nothing(config_file):
    first = run(config_file, "watch", "--once", "--json")
    assert first.exit_code == 1, first.output
    alerts = lines(first)
    assert alerts and all(JSON_KEYS <= set(a) for a in alerts)
    assert {a["event"] for a in alerts} <= {"failed", "stuck", "queued_too_long"}
    assert all(isinstance(a["job_id"], str) and a["sandbox"] == "prod" and a["profile"] == "a" for a in alerts)
    assert len({(a["job_id"], a["event"]) for a in alerts}) == len(alerts)
    again = run(config_file, "watch", "--once", "--json")
    assert again.exit_code == 0, again.output
    assert again.stdout == ""


def test_human_lines_name_the_job_and_the_command(config_file):
    result = run(config_file, "watch", "--once")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert "job " in first and "sandbox prod" in first and "open it with: aepx -p a jobs show" in first


def test_two_profiles_share_one_token_and_the_metrics_equal_the_truth(config_file, server, tmp_path):
    server.requests.clear()
    textfile = tmp_path / "aepx.prom"
    result = run(config_file, "watch", "-p", "a", "-p", "b", "--once", "--metrics-textfile", str(textfile))
    assert result.exit_code == 1, result.output
    tokens = [r for r in server.requests if r.path == "/ims/token/v3"]
    assert len(tokens) == 1  # one client id: one IMS token for both targets
    values = metrics_of(textfile)
    org = server.settings.org
    now = server.store.now_ms()
    truth = Counter(j.status_at(now) for j in server.store.tenant(org, "prod").jobs.values())
    for status in ("NEW", "PROCESSING", "SUCCEEDED", "FAILED"):
        labels = (("org", org), ("sandbox", "prod"), ("status", status))
        assert values[("aepx_export_jobs", labels)] == truth.get(status, 0)
        assert values[("aepx_export_jobs", (("org", org), ("sandbox", "dev"), ("status", status)))] == 0
    for sandbox in ("prod", "dev"):
        assert values[("aepx_api_up", (("org", org), ("sandbox", sandbox)))] == 1
    answered = sum(v for (name, _), v in values.items() if name == "aepx_api_requests_total")
    assert answered == sum(1 for r in server.requests if not r.path.startswith("/ims/"))  # Platform only


def test_the_group_profile_option_picks_the_target(config_file):
    result = run(config_file, "-p", "b", "watch", "--once", "--json")
    assert result.exit_code == 0, result.output  # the dev sandbox is empty: nothing to say
    assert result.stdout == ""


def test_sandbox_option_watches_each_sandbox(config_file, tmp_path):
    textfile = tmp_path / "m.prom"
    result = run(config_file, "watch", "--sandbox", "dev", "--sandbox", "qa", "--once", "--metrics-textfile",
                 str(textfile))
    assert result.exit_code == 0, result.output
    sandboxes = {dict(k[1]).get("sandbox") for k in metrics_of(textfile) if k[0] == "aepx_api_up"}
    assert sandboxes == {"dev", "qa"}


def test_a_bad_rule_value_is_one_sentence_naming_key_and_file(config_file):
    config_file.write_text(config_file.read_text() + '\n[watch]\nmax_queue_minutes = "soon"\n')
    result = run(config_file, "watch", "--once")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "watch.max_queue_minutes" in result.stderr and str(config_file) in result.stderr


def test_rule_flags_override_the_config(config_file):
    config_file.write_text(config_file.read_text() + "\n[watch]\nfailed = false\nstuck_factor = 0\n"
                                                     "max_queue_minutes = 0\n")
    quiet = run(config_file, "watch", "--once")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    loud = run(config_file, "watch", "--once", "--json", "--stuck-factor", "3")
    assert loud.exit_code == 1 and {a["event"] for a in lines(loud)} == {"stuck"}
    bad = run(config_file, "watch", "--once", "--stuck-factor", "0.5")
    assert bad.exit_code == 2 and "--stuck-factor" in bad.stderr


def test_credentials_and_webhook_env_problems_exit_3(config_file):
    missing = run(config_file, "watch", "--once", secret=None)
    assert missing.exit_code == 3 and "AEPX_CLIENT_SECRET" in missing.stderr
    no_env = run(config_file, "watch", "--once", "--webhook", "env:AEPX_TEST_HOOK")
    assert no_env.exit_code == 3 and "AEPX_TEST_HOOK" in no_env.stderr and no_env.stderr.count("\n") == 1


def test_a_webhook_from_the_environment_gets_the_alerts(config_file):
    from tests.monitor.test_webhook import TOKEN, Hook

    hook = Hook()
    try:
        result = run(config_file, "watch", "--once", "--webhook", "env:AEPX_TEST_HOOK",
                     env={"AEPX_TEST_HOOK": hook.url})
        assert result.exit_code == 1, result.output
        assert len(hook.received) == len(result.stdout.splitlines()) > 0
        assert all(r["text"] and r["event"] for r in hook.received)
        assert TOKEN not in result.output
    finally:
        hook.stop()


def test_notify_over_ssh_is_one_clear_note(config_file, monkeypatch):
    for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    result = run(config_file, "watch", "--once", "--notify")
    assert result.exit_code == 1
    notes = [line for line in result.stderr.splitlines() if "Desktop notifications are off" in line]
    assert len(notes) == 1


def test_help_lists_the_rules_and_keys():
    _register()
    result = CliRunner().invoke(cli, ["watch", "--help"])
    assert result.exit_code == 0
    for word in ("--once", "--webhook", "--metrics-listen", "--metrics-textfile", "queued_too_long", "job_id"):
        assert word in result.stdout


def test_group_and_command_profiles_add_up(config_file, tmp_path):
    textfile = tmp_path / "m.prom"
    result = run(config_file, "-p", "b", "watch", "-p", "a", "--once", "--metrics-textfile", str(textfile))
    assert result.exit_code == 1, result.output
    sandboxes = {dict(k[1]).get("sandbox") for k in metrics_of(textfile) if k[0] == "aepx_api_up"}
    assert sandboxes == {"prod", "dev"}


def test_an_unwritable_metrics_file_is_one_sentence(config_file, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    result = run(config_file, "watch", "--once", "--metrics-textfile", str(blocked / "aepx.prom"))
    assert result.exit_code == 1  # the alerts still fired
    notes = [line for line in result.stderr.splitlines() if "Cannot write the metrics file" in line]
    assert len(notes) == 1 and "Traceback" not in result.stderr


def test_without_history_it_warns_that_alerts_may_repeat(config_file):
    config_file.write_text(config_file.read_text() + "\n[history]\nenabled = false\n")
    first = run(config_file, "watch", "--once")
    assert first.exit_code == 1 and "keeps no state across restarts" in first.stderr
    assert run(config_file, "watch", "--once").exit_code == 1  # said: no memory of the first run
