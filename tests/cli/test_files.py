"""`aepx batches|files …` and `jobs verify` against the emulator over real HTTP (CliRunner)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tui.core.config import write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


def _config(tmp_path: Path, srv: EmulatorServer, name: str = "aepx.toml") -> Path:
    s = srv.settings
    path = tmp_path / name
    write_profile(path, Profile(name="emu", org_id=s.org, client_id=s.client_id, sandbox=s.sandbox,
                                platform_url=srv.base_url, ims_url=srv.base_url), make_default=True)
    return path


@pytest.fixture(scope="module")
def srv():
    with EmulatorServer(EmulatorSettings(port=0, jobs=40)) as server:
        yield server


@pytest.fixture
def cfg(tmp_path, srv) -> Path:
    return _config(tmp_path, srv)


def _succeeded(cfg: Path) -> dict:
    out = run(cfg, "jobs", "list", "--status", "SUCCEEDED", "--limit", "5", "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)[0]


def _batch(cfg: Path) -> str:
    return _succeeded(cfg)["destination"]["batchId"]


def test_batches_show_text_and_json(cfg) -> None:
    batch_id = _batch(cfg)
    text = run(cfg, "batches", "show", batch_id)
    assert text.exit_code == 0 and "batch status    success" in text.stdout and "records         20,000" in text.stdout
    body = json.loads(run(cfg, "batches", "show", batch_id, "--json").stdout)
    assert body["id"] == batch_id and body["status"] == "success" and body["recordCount"] == 20_000
    missing = run(cfg, "batches", "show", "f" * 32)
    assert missing.exit_code == 1
    assert missing.stderr.count("\n") == 1 and "was not found in sandbox prod" in missing.stderr


def test_files_list_json_has_integers(cfg) -> None:
    batch_id = _batch(cfg)
    items = json.loads(run(cfg, "files", "list", batch_id, "--json").stdout)
    assert items and all(set(i) == {"dataSetFileId", "name", "size", "records"} for i in items)
    assert all(isinstance(i["size"], int) and isinstance(i["records"], int) for i in items)
    assert sum(i["records"] for i in items) == 20_000
    text = run(cfg, "files", "list", batch_id)
    assert all(i["name"] in text.stdout for i in items)


def test_download_prints_paths_resumes_and_names_failures(cfg, srv, tmp_path) -> None:
    batch_id = _batch(cfg)
    out = run(cfg, "files", "download", batch_id, "--to", str(tmp_path / "out"))
    assert out.exit_code == 0, out.output
    paths = [Path(line) for line in out.stdout.splitlines()]
    assert paths and all(p.parent == tmp_path / "out" and p.exists() for p in paths)
    assert "downloading" not in out.stderr  # no progress bar when not on a terminal
    factory = srv.app.state.batches
    s = srv.settings
    batch = factory.find(srv.store.tenant(s.org, s.sandbox), batch_id, srv.store.now_ms())
    for part in batch.parts:
        assert hashlib.sha256((tmp_path / "out" / part.name).read_bytes()).digest() == \
            hashlib.sha256(factory.path(batch, part).read_bytes()).digest()
    again = run(cfg, "files", "download", batch_id, "--to", str(tmp_path / "out"))
    assert again.exit_code == 0 and again.stdout == out.stdout
    one = run(cfg, "files", "download", batch_id, "--to", str(tmp_path / "one"), "--file", paths[0].name)
    assert one.exit_code == 0 and [Path(x).name for x in one.stdout.split()] == [paths[0].name]
    unknown = run(cfg, "files", "download", batch_id, "--file", "nope.parquet")
    assert unknown.exit_code == 2 and "has no file named 'nope.parquet'" in unknown.stderr
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    failed = run(cfg, "files", "download", batch_id, "--to", str(blocker / "sub"))
    assert failed.exit_code == 1
    assert f"{len(paths)} of {len(paths)} file(s) failed: {paths[0].name}" in failed.stderr


def test_download_default_directory_comes_from_the_config(cfg, tmp_path) -> None:
    batch_id = _batch(cfg)
    target = tmp_path / "dl"
    cfg.write_text(cfg.read_text() + f'\n[output]\ndownload_dir = "{target}"\n')
    out = run(cfg, "files", "download", batch_id)
    assert out.exit_code == 0, out.output
    assert all(Path(p).parent == target / batch_id for p in out.stdout.split())


def test_peek_text_json_and_rows(cfg) -> None:
    batch_id = _batch(cfg)
    peeks = json.loads(run(cfg, "files", "peek", batch_id, "--json").stdout)
    assert all(set(p) == {"name", "num_rows", "row_groups", "schema"} for p in peeks)
    assert sum(p["num_rows"] for p in peeks) == 20_000
    assert peeks[0]["schema"][0] == {"name": "_id", "type": "string"}
    with_rows = json.loads(run(cfg, "files", "peek", batch_id, "--json", "--rows", "3").stdout)
    assert [r["_id"] for r in with_rows[0]["rows"]] == ["prof-0000000000", "prof-0000000001", "prof-0000000002"]
    text = run(cfg, "files", "peek", batch_id, "--rows", "2")
    assert text.exit_code == 0 and "rows in" in text.stdout and "prof-0000000001" in text.stdout


def test_jobs_show_adds_batch_facts_and_verify_passes(cfg) -> None:
    job = _succeeded(cfg)
    shown = run(cfg, "jobs", "show", str(job["id"]))
    assert "batch status    success" in shown.stdout and "files " in shown.stdout
    assert shown.stdout.count(job["destination"]["batchId"]) == 1
    verify = run(cfg, "jobs", "verify", str(job["id"]))
    assert verify.exit_code == 0, verify.output
    assert verify.stdout.count("ok  ") == 6 and "FAIL" not in verify.stdout


def test_truncated_file_fails_peek_and_verify_but_downloads(tmp_path) -> None:
    with EmulatorServer(EmulatorSettings(port=0, jobs=20, truncated_share=1.0)) as server:
        cfg = _config(tmp_path, server)
        job = _succeeded(cfg)
        batch_id = job["destination"]["batchId"]
        peek = run(cfg, "files", "peek", batch_id)
        assert peek.exit_code == 1 and "not a Parquet file (no PAR1 footer)" in peek.stdout
        verify = run(cfg, "jobs", "verify", str(job["id"]))
        assert verify.exit_code == 1 and "FAIL" in verify.stdout and "not valid" in verify.stdout
        down = run(cfg, "files", "download", batch_id, "--to", str(tmp_path / "d"))
        assert down.exit_code == 0, down.output


def test_zero_files_failed_batch_and_unfinished_job(tmp_path) -> None:
    with EmulatorServer(EmulatorSettings(port=0, jobs=120, batch_rows=0)) as server:
        cfg = _config(tmp_path, server)
        batch_id = _batch(cfg)
        empty = run(cfg, "files", "list", batch_id)
        assert empty.exit_code == 0 and f"Batch {batch_id} has no files" in empty.stderr
        s = server.settings
        tenant = server.store.tenant(s.org, s.sandbox)
        now = server.store.now_ms()
        failed = next(j for j in tenant.jobs.values()
                      if j.status_at(now) == "FAILED" and j.failure is not None and j.failure.phase == "write")
        out = run(cfg, "files", "list", failed.batch_id)
        assert out.exit_code == 1 and out.stderr.count("\n") == 1
        assert f"Batch {failed.batch_id} failed" in out.stderr
        assert run(cfg, "batches", "show", failed.batch_id).exit_code == 1
        verify = run(cfg, "jobs", "verify", str(failed.id))
        assert verify.exit_code == 1 and "FAIL  job" in verify.stdout


def test_a_job_id_stands_for_the_batch_it_wrote(cfg, tmp_path) -> None:
    """An operator has the job id (the console, `jobs list`), not the batch id: both are accepted."""
    job = _succeeded(cfg)
    by_batch = json.loads(run(cfg, "files", "list", job["destination"]["batchId"], "--json").stdout)
    by_job = run(cfg, "files", "list", str(job["id"]), "--json")
    assert by_job.exit_code == 0 and json.loads(by_job.stdout) == by_batch
    assert by_job.stderr.strip() == f"Job {job['id']} wrote batch {job['destination']['batchId']}."
    shown = run(cfg, "batches", "show", str(job["id"]), "--json")
    assert json.loads(shown.stdout)["id"] == job["destination"]["batchId"]
    failed = json.loads(run(cfg, "jobs", "list", "--status", "FAILED", "--limit", "1", "--json").stdout)[0]
    refused = run(cfg, "files", "peek", str(failed["id"]))
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert f"Job {failed['id']} is FAILED and names no batch" in refused.stderr


async def test_a_job_with_a_batch_per_segment_asks_which() -> None:
    from tests.fakes import FakeJobsAPI, job_record
    from tui.cli.batches import batch_id_of
    from tui.core.errors import UsageError

    record = job_record(7, "SUCCEEDED")
    record["destination"]["batches"] = [{"segmentId": f"seg-{i}", "batchId": f"BATCH-{i}"} for i in range(7)]
    with pytest.raises(UsageError, match=r"Job 7 wrote 8 batches \(one per segment\): BATCH00000007, BATCH-0, .* …; "
                                         r"pass one of them\."):
        await batch_id_of(FakeJobsAPI([record]), "7")
    assert await batch_id_of(FakeJobsAPI([record]), "3e37355efbdc678abf33551df6292535") == \
        "3e37355efbdc678abf33551df6292535"
