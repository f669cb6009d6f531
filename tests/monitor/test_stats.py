"""Pulse's statistics (tui.monitor.history.stats) against hand-computed cases."""

from __future__ import annotations

import pytest

from tests.fakes import T0, job_record
from tui.core.models import Job
from tui.monitor.history.baselines import nearest_rank
from tui.monitor.history.stats import export_rows, fmt_ms, fmt_rate, stats, success_rate
from tui.monitor.history.store import HistoryStore

ORG, SB = "TEST@AdobeOrg", "prod"
DAY = 86_400_000
WIDE = (T0 - 365 * DAY, T0 + DAY)


@pytest.fixture
def store(tmp_path):
    s = HistoryStore.open(tmp_path / "h.sqlite3")
    yield s
    s.close()


def put(store, *records, org=ORG, sandbox=SB):
    store.upsert(org, sandbox, [Job.parse(r) for r in records])


def test_empty_store_has_zero_counts_and_no_figures(store):
    out = stats(store, ORG, SB, *WIDE, by="day")
    assert out["window"] == {"since": WIDE[0], "until": WIDE[1]}
    assert out["counts"] == {"NEW": 0, "PROCESSING": 0, "SUCCEEDED": 0, "FAILED": 0}
    assert out["jobs"] == 0 and out["success_rate"] is None
    assert out["total_time_ms"] == {"p50": None, "p95": None, "samples": 0}
    assert out["phases_ms"]["queue"] == {"p50": None, "p95": None, "samples": 0}
    assert out["groups"] == []


def test_one_job_counts_but_has_no_percentile(store):
    put(store, job_record(1, "SUCCEEDED", duration_s=60))
    out = stats(store, ORG, SB, *WIDE)
    assert out["counts"]["SUCCEEDED"] == 1 and out["jobs"] == 1 and out["success_rate"] == 1.0
    assert out["total_time_ms"] == {"p50": None, "p95": None, "samples": 1}  # under 5 samples: "—"
    assert fmt_ms(out["total_time_ms"]["p50"]) == "—"


def test_percentiles_are_nearest_rank_on_hand_computed_values(store):
    # 10 SUCCEEDED jobs of 1..10 minutes: p50 = rank ceil(5) = 5 min; p95 = rank ceil(9.5) = 10 min.
    put(store, *[job_record(i, "SUCCEEDED", duration_s=60 * i) for i in range(1, 11)])
    out = stats(store, ORG, SB, *WIDE)
    assert out["total_time_ms"] == {"p50": 300_000, "p95": 600_000, "samples": 10}
    # the fake's profile export is half the run minus 1 s, its write the other half; queue wait 1 s
    assert out["phases_ms"]["queue"] == {"p50": 1000, "p95": 1000, "samples": 10}
    assert out["phases_ms"]["export"]["p50"] == 150_000 - 1000
    assert out["phases_ms"]["write"]["p95"] == 300_000
    values = sorted(60_000 * i for i in range(1, 11))
    assert (nearest_rank(values, 50), nearest_rank(values, 95)) == (300_000, 600_000)


def test_exactly_five_samples_and_ties(store):
    # 5 values 1,2,2,2,9 min: p50 = rank 3 = 2 min; p95 = rank ceil(4.75) = 5 = 9 min
    minutes = [1, 2, 2, 2, 9]
    put(store, *[job_record(i + 1, "SUCCEEDED", duration_s=60 * m) for i, m in enumerate(minutes)])
    out = stats(store, ORG, SB, *WIDE)
    assert out["total_time_ms"] == {"p50": 120_000, "p95": 540_000, "samples": 5}
    # all tied: every percentile is that value
    put(store, *[job_record(100 + i, "SUCCEEDED", dataset="ds-tie", duration_s=30) for i in range(7)])
    groups = {g["key"]: g for g in stats(store, ORG, SB, *WIDE, by="dataset")["groups"]}
    assert groups["ds-tie"]["total_time_ms"] == {"p50": 30_000, "p95": 30_000, "samples": 7}
    assert groups["ds-1"]["total_time_ms"]["samples"] == 5


def test_all_failed(store):
    put(store, *[job_record(i, "FAILED") for i in range(1, 7)])
    out = stats(store, ORG, SB, *WIDE, by="error")
    assert out["counts"] == {"NEW": 0, "PROCESSING": 0, "SUCCEEDED": 0, "FAILED": 6}
    assert out["success_rate"] == 0.0 and fmt_rate(out["success_rate"]) == "0.0 %"
    assert out["total_time_ms"]["p50"] is None  # percentiles are over SUCCEEDED jobs only
    [group] = out["groups"]
    assert group["key"] == "0090000009" and group["jobs"] == 6 and group["counts"]["FAILED"] == 6
    assert group["newest_job_id"] == "1"  # job 1 is the newest in the fake
    assert group["last_created_ms"] == T0 - 60_000


def test_success_rate_definition():
    assert success_rate({"SUCCEEDED": 3, "FAILED": 1, "NEW": 50}) == 0.75  # active jobs do not count
    assert success_rate({"NEW": 2}) is None


def test_window_and_scope(store):
    put(store, job_record(1, "SUCCEEDED", created=T0), job_record(2, "NEW", created=T0 - 2 * DAY))
    put(store, job_record(3, "FAILED", created=T0), sandbox="dev")  # another sandbox: never mixed in
    put(store, job_record(4, "FAILED", created=T0), org="OTHER@AdobeOrg")
    out = stats(store, ORG, SB, T0 - DAY, T0)  # bounds are inclusive
    assert out["counts"] == {"NEW": 0, "PROCESSING": 0, "SUCCEEDED": 1, "FAILED": 0}
    assert stats(store, ORG, SB, T0 - 3 * DAY, T0)["counts"]["NEW"] == 1


def test_a_resynced_job_is_counted_once(store):
    put(store, job_record(1, "PROCESSING"))
    put(store, job_record(1, "SUCCEEDED"))
    put(store, job_record(1, "SUCCEEDED"))
    out = stats(store, ORG, SB, *WIDE)
    assert out["jobs"] == 1 and out["counts"]["SUCCEEDED"] == 1 and out["counts"]["PROCESSING"] == 0


def test_by_day_in_utc_and_by_payload(store):
    put(store, job_record(1, "SUCCEEDED", created=T0), job_record(2, "FAILED", created=T0 - DAY),
        job_record(3, "SUCCEEDED", created=T0 - DAY, dataset="ds-2"))
    days = stats(store, ORG, SB, *WIDE, by="day")["groups"]
    assert [(g["key"], g["jobs"]) for g in days] == [("2025-11-23", 2), ("2025-11-24", 1)]
    payloads = stats(store, ORG, SB, *WIDE, by="payload")["groups"]
    assert sorted(g["dataset_id"] for g in payloads) == ["ds-1", "ds-2"]
    assert all(g["fields"] == "identities.id,personalEmail.address" for g in payloads)
    assert sum(g["jobs"] for g in payloads) == 3


def test_unknown_grouping_is_refused(store):
    with pytest.raises(ValueError):
        stats(store, ORG, SB, *WIDE, by="colour")


def test_export_rows_one_per_job_oldest_first(store):
    put(store, job_record(1, "SUCCEEDED", created=T0), job_record(2, "FAILED", created=T0 - DAY))
    rows = list(export_rows(store, ORG, SB, None, None))
    assert [r["id"] for r in rows] == ["2", "1"]
    assert rows[0]["error_code"] == "0090000009" and rows[0]["created"] == "2025-11-23T16:00:00.000+00:00"
    assert rows[1]["total_ms"] == 600_000 and rows[1]["dataset_id"] == "ds-1"
    assert [r["id"] for r in export_rows(store, ORG, SB, T0 - 1, None)] == ["1"]


def test_by_day_in_local_time(store, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # UTC+9: 2025-11-24T16:00Z is 2025-11-25 01:00 there
    time.tzset()
    try:
        put(store, job_record(1, "SUCCEEDED", created=T0))
        assert [g["key"] for g in stats(store, ORG, SB, *WIDE, by="day", timezone="local")["groups"]] == ["2025-11-25"]
        assert [g["key"] for g in stats(store, ORG, SB, *WIDE, by="day")["groups"]] == ["2025-11-24"]
        assert stats(store, ORG, SB, *WIDE, timezone="local")["timezone"] == "local"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_pulse_days_are_zero_filled_calendar_days(store):
    from tui.monitor.history.stats import pulse

    put(store, job_record(1, "SUCCEEDED", created=T0), job_record(2, "FAILED", created=T0 - 3 * DAY))
    data = pulse(store, ORG, SB, T0 + 3_600_000)
    assert len(data["days"]) == 14 and data["days"][-1]["key"] == "2025-11-24"
    assert [d["jobs"] for d in data["days"]][-4:] == [1, 0, 0, 1]
    assert data["errors"][0]["jobs"] == 1 and data["day"]["jobs"] == 1 and data["week"]["jobs"] == 2
