"""`aepx jobs payload|diff|lint` and `jobs create --from-job/--set/--dry-run/--allow-duplicate` against
the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import SECRET, run
from tui.core.config import write_profile
from tui.core.fingerprint import fingerprint, request_from_record
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


@pytest.fixture(scope="module")
def server():
    # Real-time clock: seeded active jobs stay NEW/PROCESSING for the whole module.
    with EmulatorServer(EmulatorSettings(port=0, jobs=120)) as srv:
        yield srv


@pytest.fixture
def config_file(tmp_path, server) -> Path:
    settings = EmulatorSettings()
    path = tmp_path / "aepx.toml"
    write_profile(path, Profile(name="emu", org_id=settings.org, client_id=settings.client_id,
                                sandbox=settings.sandbox, platform_url=server.base_url, ims_url=server.base_url),
                  make_default=True)
    return path


def records(config_file) -> list[dict]:
    return json.loads(run(config_file, "jobs", "list", "--all", "--json").stdout)


def pick(config_file, *, status=("SUCCEEDED", "FAILED"), shape=None) -> dict:
    for record in records(config_file):
        if record["status"] not in status:
            continue
        if shape == "segments" and not record.get("filter"):
            continue
        if shape == "events" and not record.get("additionalFields"):
            continue
        return record
    raise AssertionError("no such seeded job")


def writes(server) -> list[tuple[str, str]]:
    """Every request that is not a GET, except the IMS token."""
    return [(r.method, r.path) for r in server.requests if r.method != "GET" and r.path != "/ims/token/v3"]


def test_payload_prints_the_request_rebuilt_from_the_record(config_file):
    record = pick(config_file, shape="segments")
    result = run(config_file, "jobs", "payload", str(record["id"]))
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == request_from_record(record)[0]
    assert "status" not in printed and "batchId" not in printed["destination"]


def test_create_from_job_dry_run_sends_nothing(config_file, server):
    record = pick(config_file, shape="events")
    before = writes(server)
    result = run(config_file, "jobs", "create", "--from-job", str(record["id"]), "--dry-run")
    assert writes(server) == before
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == request_from_record(record)[0]
    assert "Dry run: nothing was sent." in result.stderr
    assert "exports events ingested since" in result.stderr


def test_clone_then_create_echoes_the_original_request(config_file, server):
    record = pick(config_file)
    created = run(config_file, "jobs", "create", "--from-job", str(record["id"]), "--json")
    assert created.exit_code == 0, created.stderr
    new = json.loads(created.stdout)
    assert new["id"] != record["id"]
    assert request_from_record(new)[0] == request_from_record(record)[0]
    assert fingerprint(new) == fingerprint(record)
    assert writes(server).count(("POST", "/data/core/ups/export/jobs")) >= 1


def test_duplicate_of_an_active_job_is_refused_unless_allowed(config_file, server):
    active = pick(config_file, status=("NEW", "PROCESSING"))
    before = writes(server)
    refused = run(config_file, "jobs", "create", "--from-job", str(active["id"]))
    assert refused.exit_code == 2
    assert f"job {active['id']} with the same payload is {active['status']} since " in refused.stderr
    assert "--allow-duplicate" in refused.stderr
    assert writes(server) == before
    allowed = run(config_file, "jobs", "create", "--from-job", str(active["id"]), "--allow-duplicate")
    assert allowed.exit_code == 0, allowed.stderr
    assert writes(server) == [*before, ("POST", "/data/core/ups/export/jobs")]


def test_set_changes_values_and_refuses_a_non_object_parent(config_file, server):
    record = pick(config_file)
    result = run(config_file, "jobs", "create", "--from-job", str(record["id"]), "--dry-run",
                 "--set", "destination.datasetId=nope", "--set", "mergePolicy.version=99")
    assert result.exit_code == 2
    printed = json.loads(result.stdout)
    assert printed["destination"]["datasetId"] == "nope" and printed["mergePolicy"]["version"] == 99
    assert "'nope' does not exist in sandbox 'prod'" in result.stderr
    assert "mergePolicy.version 99 is not a version" in result.stderr
    bad = run(config_file, "jobs", "create", "--from-job", str(record["id"]), "--set", "schema.name.x=1")
    assert bad.exit_code == 2 and "schema.name is not an object" in bad.stderr
    neither = run(config_file, "jobs", "create")
    assert neither.exit_code == 2 and "--from-job" in neither.stderr


def test_diff_is_a_plain_unified_diff_when_not_a_tty(config_file):
    a, b = [r for r in records(config_file) if r["status"] == "SUCCEEDED"][:2]
    result = run(config_file, "jobs", "diff", str(a["id"]), str(b["id"]))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"--- job {a['id']}" and lines[1] == f"+++ job {b['id']}"
    assert "\x1b" not in result.stdout
    same = run(config_file, "jobs", "diff", str(a["id"]), str(a["id"]))
    assert same.exit_code == 0 and same.stdout == "" and "the same payload" in same.stderr


def test_diff_is_coloured_on_a_terminal(config_file, monkeypatch):
    from click.testing import CliRunner

    from tui.cli import _register, cli

    a, b = [r for r in records(config_file) if r["status"] == "SUCCEEDED"][:2]
    monkeypatch.setattr("tui.cli.rerun.stdout_is_tty", lambda: True)
    _register()
    result = CliRunner().invoke(cli, ["--config", str(config_file), "jobs", "diff", str(a["id"]), str(b["id"])],
                                env={"AEPX_CLIENT_SECRET": SECRET}, color=True, catch_exceptions=False)
    assert result.exit_code == 0
    assert "\x1b[32m+" in result.stdout and "\x1b[31m-" in result.stdout


def _lint(config_file, tmp_path, payload) -> object:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payload, indent=2) if not isinstance(payload, str) else payload)
    return run(config_file, "jobs", "lint", "--file", str(path))


def test_lint_passes_a_good_payload_with_warnings_on_stderr_and_sends_only_gets(config_file, server, tmp_path):
    record = pick(config_file, shape="segments")
    request = request_from_record(record)[0]
    request["destination"]["segmentPerBatch"] = True
    request["additionalFields"] = {"eventList": {"filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"}}}
    before = writes(server)
    result = _lint(config_file, tmp_path, request)
    assert writes(server) == before
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("segmentPerBatch" in w for w in warnings) and any("years ago" in w for w in warnings)
    assert all(", column " in w for w in warnings)
    assert "events ingested since 2018-10-25: 8 years" in result.stderr


def test_lint_blocks_placeholders_unknown_ids_and_local_errors(config_file, tmp_path):
    guide = {"mergePolicy": {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
             "destination": {"datasetId": "5b020a27e7040801dedba61b"}, "schema": {"name": "_xdm.context.profile"}}
    result = _lint(config_file, tmp_path, guide)
    assert result.exit_code == 2
    assert result.stderr.count("a placeholder left from an example") == 2
    unknown = dict(guide, mergePolicy={"id": "no-such-policy"}, destination={"datasetId": "nope"},
                   filter={"segments": [{"segmentId": "no-such-segment"}]})
    result = _lint(config_file, tmp_path, unknown)
    assert result.exit_code == 2
    for words in ("'nope' does not exist", "'no-such-policy' does not exist", "'no-such-segment' is not a segment"):
        assert words in result.stderr
    broken = _lint(config_file, tmp_path, '{"destination": {"dataSetId": "x"}, "schema": {"name": "s"}}')
    assert broken.exit_code == 2 and "requests spell it datasetId" in broken.stderr


def test_segment_definitions_route_has_the_documented_shape(config_file, server):
    import httpx

    record = pick(config_file, shape="segments")
    segment_id = record["filter"]["segments"][0]["segmentId"]
    token = httpx.post(f"{server.base_url}/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": EmulatorSettings().client_id,
        "client_secret": SECRET, "scope": "openid,AdobeID,read_organizations"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "x-api-key": EmulatorSettings().client_id,
               "x-gw-ims-org-id": EmulatorSettings().org, "x-sandbox-name": "prod"}
    url = f"{server.base_url}/data/core/ups/segment/definitions"
    found = httpx.get(f"{url}/{segment_id}", headers=headers)
    assert found.status_code == 200
    body = found.json()
    assert body["id"] == segment_id and body["expression"]["type"] == "PQL"
    assert {"name", "schema", "sandbox", "evaluationInfo", "creationTime", "updateTime"} <= set(body)
    missing = httpx.get(f"{url}/nope", headers=headers)
    assert missing.status_code == 404 and "404" in missing.json()["errors"]


def test_payload_of_a_hostile_record_is_valid_json_and_inert(config_file, server):
    from tui.emulator.catalog import PROFILE_UNION_SCHEMA

    tenant = server.store.tenant(EmulatorSettings().org, EmulatorSettings().sandbox)
    dataset = next(k for k, v in tenant.datasets.items() if v["schemaRef"]["id"] == PROFILE_UNION_SCHEMA)
    job = server.store.create_job(tenant, {
        "profile_instance_id": "ups", "schema": {"name": "_xdm.context.profile"},
        "merge_policy": {"id": tenant.merge_policies[0]["id"], "version": 1}, "dataset_id": dataset,
        "segment_per_batch": False, "fields": "a.b\x1b]52;c;QUJD\x07\x9b[2J\u202eevil",
        "additional_fields": None, "filter": None})
    result = run(config_file, "jobs", "payload", str(job.id))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["fields"] == "a.b\x1b]52;c;QUJD\x07\x9b[2J\u202eevil"
    assert not any(c in result.stdout for c in "\x1b\x07\x9b\u202e")
