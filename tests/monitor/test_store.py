"""The history store: upsert, migration, isolation, permissions, bad files, two processes, kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fakes import T0, job_record
from tui.core.fingerprint import fingerprint
from tui.core.models import Job
from tui.monitor.history import store as store_mod
from tui.monitor.history.store import SCHEMA_VERSION, HistoryStore, HistoryUnavailable

ROOT = Path(__file__).resolve().parents[2]
ORG, SB = "TEST@AdobeOrg", "prod"


def jobs(*records) -> list[Job]:
    return [Job.parse(r) for r in records]


@pytest.fixture
def path(tmp_path):
    return tmp_path / "aepx" / "history.sqlite3"


def test_upsert_keeps_the_raw_record_and_the_derived_columns(path):
    store = HistoryStore.open(path)
    rec = job_record(7, "SUCCEEDED", duration_s=600)
    store.upsert(ORG, SB, jobs(rec))
    row = store.read("SELECT status, created_ms, total_ms, dataset_id, merge_policy_id, fingerprint, raw "
                     "FROM jobs WHERE job_id = '7'")[0]
    assert row[:5] == ("SUCCEEDED", rec["creationTime"], 600_000, "ds-1", "mp-default")
    assert row[5] == fingerprint(rec) and json.loads(row[6]) == rec
    store.upsert(ORG, SB, jobs(job_record(7, "FAILED")))  # same key: updated, not duplicated
    assert store.count(ORG, SB) == 1
    assert store.read("SELECT status, error_code FROM jobs")[0] == ("FAILED", "0090000009")


def test_background_writes_then_list_newest_first_with_filters(path):
    store = HistoryStore.open(path)
    store.submit(ORG, SB, jobs(*[job_record(i, "FAILED" if i % 3 == 0 else "SUCCEEDED",
                                             dataset="ds-2" if i % 2 else "ds-1") for i in range(1, 11)]))
    assert store.flush(10)
    ids = [json.loads(r)["id"] for r in store.list_raw(ORG, SB)]
    assert ids == list(range(1, 11))  # job 1 is the newest in the fake
    assert [json.loads(r)["id"] for r in store.list_raw(ORG, SB, status="FAILED")] == [3, 6, 9]
    assert [json.loads(r)["id"] for r in store.list_raw(ORG, SB, dataset="ds-2", status="SUCCEEDED")] == [1, 5, 7]
    since = T0 - 4 * 60_000
    assert [json.loads(r)["id"] for r in store.list_raw(ORG, SB, since_ms=since)] == [1, 2, 3, 4]
    assert store.synced_ms(ORG, SB) is not None
    store.close()


def test_another_org_or_sandbox_never_mixes(path):
    store = HistoryStore.open(path)
    store.upsert(ORG, SB, jobs(job_record(1)))
    store.upsert("OTHER@AdobeOrg", SB, jobs(job_record(1, "FAILED"), job_record(2)))
    store.upsert(ORG, "dev", jobs(job_record(3)))
    assert store.count(ORG, SB) == 1 and [json.loads(r)["status"] for r in store.list_raw(ORG, SB)] == ["SUCCEEDED"]
    assert store.count("OTHER@AdobeOrg", SB) == 2 and store.count(ORG, "dev") == 1


def test_file_is_private_and_in_wal_mode(path):
    store = HistoryStore.open(path)
    store.upsert(ORG, SB, jobs(job_record(1)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.read("PRAGMA journal_mode")[0][0] == "wal"
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


def test_an_older_file_is_migrated(path):
    path.parent.mkdir(mode=0o700)
    conn = sqlite3.connect(path)
    for statement in store_mod.MIGRATIONS[1]:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO jobs (org, sandbox, job_id, status, raw, seen_ms) VALUES (?, ?, '9', 'SUCCEEDED', "
                 "'{\"id\": 9}', 0)", (ORG, SB))
    conn.commit()
    conn.close()
    store = HistoryStore.open(path)
    assert store.read("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert store.count(ORG, SB) == 1  # kept
    assert store.mark_fired(ORG, SB, "9", "failed") and not store.mark_fired(ORG, SB, "9", "failed")


def test_fired_rules_persist_across_reopen(path):
    store = HistoryStore.open(path)
    assert store.mark_fired(ORG, SB, "1", "stuck")
    store.close()
    again = HistoryStore.open(path)
    assert not again.mark_fired(ORG, SB, "1", "stuck") and again.mark_fired(ORG, SB, "1", "failed")


@pytest.mark.parametrize("content, words", [
    (b"this is not a database, just some text" * 100, "not a readable aepx history"),
    (None, "not an aepx history"),
    ("newer", "newer aepx"),
])
def test_corrupt_foreign_or_newer_file_is_one_sentence_and_untouched(path, content, words):
    path.parent.mkdir(mode=0o700)
    if content is None:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.commit()
        conn.close()
    elif content == "newer":
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(HistoryUnavailable) as caught:
        HistoryStore.open(path)
    sentence = str(caught.value)
    assert words in sentence and str(path) in sentence and "\n" not in sentence
    assert path.read_bytes() == before


def test_read_only_file_turns_history_off_with_a_warning(path):
    store = HistoryStore.open(path)
    store.close()
    os.chmod(path, 0o400)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("running as root: permissions do not bind")
        try:
            store = HistoryStore.open(path)
        except HistoryUnavailable as exc:  # refused at open: also one sentence
            assert str(path) in str(exc)
            return
        store.submit(ORG, SB, jobs(job_record(1)))
        store.flush(10)
        problem = store.take_problem()
        assert problem and "History is off" in problem and str(path) in problem
        assert store.take_problem() is None and not store.enabled
    finally:
        os.chmod(path, 0o600)


@pytest.mark.parametrize("reason, hint", [("database or disk is full", "free some disk space"),
                                          ("attempt to write a readonly database", "permissions")])
def test_disk_full_or_read_only_turns_history_off_never_raises(path, monkeypatch, reason, hint):
    store = HistoryStore.open(path)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError(reason)

    monkeypatch.setattr(store, "_upsert", full)
    store.submit(ORG, SB, jobs(job_record(1)))
    assert store.flush(10)
    problem = store.take_problem()
    assert reason in problem and hint in problem and str(path) in problem and not store.enabled
    store.submit(ORG, SB, jobs(job_record(2)))  # ignored, no error
    store.close()


def test_unwritable_directory_is_one_sentence(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    os.chmod(parent, 0o500)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip("running as root")
        with pytest.raises(HistoryUnavailable, match="cannot create"):
            HistoryStore.open(parent / "aepx" / "history.sqlite3")
    finally:
        os.chmod(parent, 0o700)


WRITER = textwrap.dedent("""
    import sys
    from tests.fakes import job_record
    from tui.core.models import Job
    from tui.monitor.history.store import HistoryStore
    path, first, count, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    store = HistoryStore.open(path)
    print("open", flush=True)
    for start in range(first, first + count, batch):
        store.upsert("TEST@AdobeOrg", "prod", [Job.parse(job_record(i)) for i in range(start, start + batch)])
    store.close()
    print("done", flush=True)
""")


def _writer(path, first, count, batch=50):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(first), str(count), str(batch)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_processes_write_the_same_file(path):
    HistoryStore.open(path).close()
    procs = [_writer(path, 1, 3000), _writer(path, 100_001, 3000)]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, errors) in zip(procs, outs, strict=True):
        assert proc.returncode == 0 and "done" in out, errors
        assert "locked" not in errors
    store = HistoryStore.open(path)
    assert store.count(ORG, SB) == 6000 and store.integrity_ok()


@pytest.mark.slow
def test_kill_9_mid_write_leaves_a_sound_file(path):
    HistoryStore.open(path).close()
    proc = _writer(path, 1, 10_000_000, batch=500)
    assert proc.stdout.readline().strip() == "open"
    conn = sqlite3.connect(path, timeout=5)
    while conn.execute("SELECT count(*) FROM jobs").fetchone()[0] < 2000:  # it is writing
        pass
    conn.close()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = HistoryStore.open(path)
    assert store.count(ORG, SB) >= 2000 and store.integrity_ok()


def test_baseline_payload_then_dataset_then_sandbox(path):
    store = HistoryStore.open(path)
    same = [job_record(i, duration_s=100 * i) for i in range(1, 21)]  # 20 runs of one payload
    other = [job_record(100 + i, duration_s=50, fields="a.b", dataset="ds-9") for i in range(6)]
    store.upsert(ORG, SB, jobs(*same, *other))
    fp = fingerprint(same[0])
    payload = store.baseline(ORG, SB, fp, "ds-1")
    assert (payload.kind, payload.samples, payload.value_ms) == ("payload", 20, 1_900_000)
    assert "p95 of 20 earlier runs of this payload" in payload.describe()
    dataset = store.baseline(ORG, SB, "unknown-fp", "ds-9")
    assert (dataset.kind, dataset.samples, dataset.value_ms) == ("dataset", 6, 50_000)
    sandbox = store.baseline(ORG, SB, "unknown-fp", "ds-none")
    assert (sandbox.kind, sandbox.samples) == ("sandbox", 26)
    assert store.baseline(ORG, "empty", fp, "ds-1") is None  # under 5 samples anywhere: no baseline


def test_nearest_rank_percentiles():
    from tui.monitor.history.baselines import nearest_rank

    assert nearest_rank([], 95) is None and nearest_rank([1, 2, 3, 4], 95) is None
    assert nearest_rank([1, 2, 3, 4, 5], 95) == 5 and nearest_rank([1, 2, 3, 4, 5], 50) == 3
    assert nearest_rank(list(range(1, 101)), 95) == 95 and nearest_rank([7] * 5, 95) == 7


def test_fingerprint_cache_never_gives_a_wrong_fingerprint():
    from tui.monitor.history.store import job_row

    cache: dict = {}
    recs = [job_record(1), job_record(2, fields="a.b"), job_record(3, filter={"segments": [{"segmentId": "s1"}]}),
            job_record(4, filter={"segments": [{"segmentId": "s2"}]}), job_record(5, fields=["odd", "list"]),
            job_record(6, destination={"dataSetId": "ds-1"}), job_record(7)]
    for rec in recs:
        assert job_row(ORG, SB, Job.parse(rec), 0, cache)[13] == fingerprint(rec)
    assert job_row(ORG, SB, Job.parse(recs[0]), 0, cache)[13] == job_row(ORG, SB, Job.parse(recs[6]), 0, cache)[13]


def test_a_big_batch_is_written_whole_and_a_failure_mid_way_leaves_nothing(path, monkeypatch):
    store = HistoryStore.open(path)
    many = jobs(*[job_record(i) for i in range(1, 6001)])  # over two chunks: rows built ahead on a thread
    store.upsert(ORG, SB, many)
    assert store.count(ORG, SB) == 6000
    calls = {"n": 0}
    original = store_mod.job_row

    def broken(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4500:
            raise ValueError("a defect")
        return original(*args, **kwargs)

    monkeypatch.setattr(store_mod, "job_row", broken)
    with pytest.raises(HistoryUnavailable, match="History is off"):
        store.upsert("OTHER@AdobeOrg", SB, many)
    assert store.count("OTHER@AdobeOrg", SB) == 0  # one transaction: rolled back
    assert not store.enabled
    store.close()
