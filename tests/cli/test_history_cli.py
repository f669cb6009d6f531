"""`aepx history sync|list` against the emulator (real HTTP on 127.0.0.1) and offline."""

from __future__ import annotations

import json
import re

import pytest

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
    for sub in ("sync", "list", "stats", "export"):
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


def _expected_from_raw(records: list[dict], since: int, until: int) -> dict:
    """The figures computed directly from raw API records (not through the store)."""
    import math

    inside = [r for r in records if since <= r["creationTime"] <= until]
    counts = {s: 0 for s in ("NEW", "PROCESSING", "SUCCEEDED", "FAILED")}
    for r in inside:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    done = counts["SUCCEEDED"] + counts["FAILED"]
    totals = sorted(r["metrics"]["totalTime"]["totalTimeInMs"] for r in inside if r["status"] == "SUCCEEDED"
                    and (r.get("metrics") or {}).get("totalTime", {}).get("totalTimeInMs") is not None)

    def rank(p):
        return totals[max(1, math.ceil(p / 100 * len(totals))) - 1] if len(totals) >= 5 else None

    return {"counts": counts, "success_rate": counts["SUCCEEDED"] / done if done else None,
            "total_time_ms": {"p50": rank(50), "p95": rank(95), "samples": len(totals)}, "jobs": len(inside)}


def test_stats_json_matches_figures_from_the_emulators_jobs_after_resyncs(config_file):  # noqa: F811
    for args in (("history", "sync", "--all"), ("history", "sync", "--all"), ("jobs", "list", "--limit", "50"),
                 ("history", "sync")):
        assert run(config_file, *args).exit_code == 0  # the same jobs recorded four times
    for _ in range(5):  # a settled emulator: the raw jobs are the same before and after the last sync
        before = json.loads(run(config_file, "jobs", "list", "--all", "--json").stdout)
        assert run(config_file, "history", "sync", "--all").exit_code == 0
        live = json.loads(run(config_file, "jobs", "list", "--all", "--json").stdout)
        if live == before:
            break
    result = run(config_file, "history", "stats", "--since", "3650d", "--json", secret=None)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert set(got) >= {"window", "counts", "success_rate", "total_time_ms"}
    expected = _expected_from_raw(live, got["window"]["since"], got["window"]["until"])
    assert got["jobs"] == expected["jobs"] == len(live)  # a job counted twice after a resync is a defect
    assert got["counts"] == expected["counts"]
    assert got["success_rate"] == pytest.approx(expected["success_rate"])
    assert got["total_time_ms"] == expected["total_time_ms"]
    by_day = json.loads(run(config_file, "history", "stats", "--since", "3650d", "--by", "day", "--json").stdout)
    assert sum(g["jobs"] for g in by_day["groups"]) == len(live)
    assert all(set(g) >= {"key", "counts", "success_rate", "total_time_ms"} for g in by_day["groups"])
    by_error = json.loads(run(config_file, "history", "stats", "--since", "3650d", "--by", "error", "--json").stdout)
    assert sum(g["jobs"] for g in by_error["groups"]) == expected["counts"]["FAILED"]
    text = run(config_file, "history", "stats", "--since", "3650d", "--by", "dataset", secret=None)
    assert text.exit_code == 0 and f"{len(live):,} job(s) created in the last 3,650 days" in text.stdout
    assert "DATASET" in text.stdout and "times in UTC" in text.stderr


def test_stats_shows_a_dash_under_five_samples(config_file):  # noqa: F811
    assert run(config_file, "jobs", "list", "--limit", "1").exit_code == 0
    got = run(config_file, "history", "stats", "--since", "3650d", secret=None)
    assert got.exit_code == 0 and "p50 —, p95 —" in got.stdout


def test_export_csv_and_jsonl_one_row_per_job(config_file, tmp_path):  # noqa: F811
    import csv
    import stat

    assert run(config_file, "history", "sync", "--all").exit_code == 0
    assert run(config_file, "history", "sync", "--all").exit_code == 0
    lines = run(config_file, "history", "export", "--format", "jsonl", secret=None).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == len({r["id"] for r in rows}) == 240
    assert set(rows[0]) >= {"id", "status", "created", "updated", "queue_ms", "export_ms", "write_ms", "total_ms",
                            "dataset_id", "merge_policy_id", "fingerprint", "error_code"}
    assert [r["created_ms"] for r in rows] == sorted(r["created_ms"] for r in rows)
    out = tmp_path / "jobs.csv"
    done = run(config_file, "history", "export", "--format", "csv", "--output", str(out), secret=None)
    assert done.exit_code == 0 and "Exported 240 job(s)" in done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="") as fh:
        table_rows = list(csv.DictReader(fh))
    assert len(table_rows) == 240 and {r["id"] for r in table_rows} == {r["id"] for r in rows}
    failed = [r for r in table_rows if r["status"] == "FAILED"]
    assert failed and all(r["error_code"] for r in failed)


def test_the_demo_uses_a_scratch_history_that_is_gone_after_the_run(monkeypatch):
    import tui.console.run as console_run
    from tui.monitor.history.store import default_history_path

    seen = {}

    def fake_run_console(api, *, history_settings=None, **kwargs):
        seen["path"] = history_settings.path
        seen["enabled"] = history_settings.enabled
        seen["existed"] = history_settings.path.parent.is_dir()
        return 0

    monkeypatch.setattr(console_run, "run_console", fake_run_console)
    assert console_run.run_demo() == 0
    assert seen["enabled"] and seen["existed"]
    assert seen["path"] != default_history_path() and seen["path"].name == "history.sqlite3"
    assert not seen["path"].parent.exists()  # removed with the run


@pytest.mark.parametrize(("since", "words"), [("7d", "in the last 7 days"), ("1w", "in the last week"),
                                               ("12H", "in the last 12 hours"), ("2026-11-01", "since 2026-11-01")])
def test_the_stats_window_reads_as_words(since, words):
    from tui.cli.history import since_words

    assert since_words(since) == words
