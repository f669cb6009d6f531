"""`aepx history sync|list` against the emulator (real HTTP on 127.0.0.1) and offline."""

from __future__ import annotations

import json
import re

from tests.cli.test_cli import config_file, run, server  # noqa: F401  - fixtures
from tui.cli.history import parse_since
from tui.monitor.history.store import default_history_path


def ids(text: str) -> list[str]:
    return [str(r["id"]) for r in json.loads(text)]


def test_sync_all_then_list_json_matches_jobs_list(config_file):  # noqa: F811
    result = run(config_file, "history", "sync", "--all")
    assert result.exit_code == 0, result.output
    assert re.search(r"Synced 240 job\(s\) from 3 page\(s\) \(240 new", result.stderr)
    listed = run(config_file, "history", "list", "--json")
    assert listed.exit_code == 0
    records = json.loads(listed.stdout)
    assert len(records) == 240 and all("status" in r and "id" in r for r in records)
    live = json.loads(run(config_file, "jobs", "list", "--all", "--json").stdout)
    assert set(ids(listed.stdout)) == {str(r["id"]) for r in live}
    created = [r["creationTime"] for r in records]
    assert created == sorted(created, reverse=True)  # newest first
    assert "job(s) from the history of org" in listed.stderr and "ago" in listed.stderr
    assert default_history_path().exists()


def test_sync_without_all_stops_at_known_jobs(config_file):  # noqa: F811
    assert run(config_file, "history", "sync", "--all").exit_code == 0
    again = run(config_file, "history", "sync")
    assert again.exit_code == 0 and "from 1 page(s)" in again.stderr


def test_list_works_offline_and_filters(config_file):  # noqa: F811
    assert run(config_file, "history", "sync", "--all").exit_code == 0
    offline = run(config_file, "history", "list", "--status", "failed", "--json", secret=None)
    assert offline.exit_code == 0, offline.output
    statuses = {r["status"] for r in json.loads(offline.stdout)}
    assert statuses <= {"FAILED"}
    table = run(config_file, "history", "list", "--since", "3650d", secret=None)
    assert table.exit_code == 0 and table.stdout.splitlines()[0].startswith("ID")
    future = run(config_file, "history", "list", "--since", "2999-01-01", "--json", secret=None)
    assert future.exit_code == 0 and json.loads(future.stdout) == []
    one = json.loads(run(config_file, "history", "list", "--json", secret=None).stdout)[0]
    dataset = (one.get("destination") or {}).get("datasetId") or (one.get("destination") or {}).get("dataSetId")
    by_dataset = json.loads(run(config_file, "history", "list", "--dataset", dataset, "--json").stdout)
    assert by_dataset and all((r["destination"].get("datasetId") or r["destination"].get("dataSetId")) == dataset
                              for r in by_dataset)


def test_jobs_list_records_into_the_history(config_file):  # noqa: F811
    assert run(config_file, "jobs", "list", "--limit", "5").exit_code == 0
    listed = run(config_file, "history", "list", "--json", secret=None)
    assert len(json.loads(listed.stdout)) == 5
    assert "never synced" not in listed.stderr


def test_bad_since_and_no_history_yet_are_one_sentence(config_file):  # noqa: F811
    missing = run(config_file, "history", "list")
    assert missing.exit_code == 3 and missing.stderr.count("\n") == 1 and "No job history" in missing.stderr
    bad = run(config_file, "history", "list", "--since", "last tuesday")
    assert bad.exit_code == 2 and "Cannot read --since" in bad.stderr and bad.stderr.count("\n") == 1


def test_history_turned_off_in_config(config_file):  # noqa: F811
    config_file.write_text(config_file.read_text() + "\n[history]\nenabled = false\n")
    assert run(config_file, "jobs", "list", "--limit", "5").exit_code == 0
    assert not default_history_path().exists()
    off = run(config_file, "history", "list")
    assert off.exit_code == 3 and "turned off" in off.stderr


def test_history_path_from_config(config_file, tmp_path):  # noqa: F811
    target = tmp_path / "elsewhere" / "h.sqlite3"
    config_file.write_text(config_file.read_text() + f"\n[history]\npath = \"{target}\"\n")
    assert run(config_file, "history", "sync").exit_code == 0
    assert target.exists() and not default_history_path().exists()


def test_help_describes_the_store():
    result = run(None, "history", "--help")
    assert "history.sqlite3" in result.stdout and "enabled = false" in result.stdout
    for sub in ("sync", "list"):
        assert sub in result.stdout
    assert "--since" in run(None, "history", "list", "--help").stdout


def test_parse_since():
    now = 10 * 86_400_000
    assert parse_since("7d", now) == 3 * 86_400_000 and parse_since("12h", now) == now - 12 * 3_600_000
    assert parse_since("2026-11-01", now) == 1_793_491_200_000
    assert parse_since(None, now) is None


def test_sync_re_reads_stored_running_jobs_beyond_the_new_pages(config_file):  # noqa: F811
    import sqlite3

    assert run(config_file, "history", "sync", "--all").exit_code == 0
    oldest = json.loads(run(config_file, "history", "list", "--json").stdout)[-1]
    conn = sqlite3.connect(default_history_path())
    conn.execute("UPDATE jobs SET status = 'PROCESSING', raw = json_set(raw, '$.status', 'PROCESSING') "
                 "WHERE job_id = ?", (str(oldest["id"]),))  # as if it was stored while running
    conn.commit()
    conn.close()
    again = run(config_file, "history", "sync")
    assert again.exit_code == 0 and "1 running job(s) re-read" in again.stderr
    statuses = {str(r["id"]): r["status"] for r in json.loads(run(config_file, "history", "list", "--json").stdout)}
    assert statuses[str(oldest["id"])] == oldest["status"] != "PROCESSING"
    conn = sqlite3.connect(default_history_path())
    assert conn.execute("SELECT status FROM jobs WHERE job_id = ?", (str(oldest["id"]),)).fetchone()[0] == \
        oldest["status"]
    conn.close()
