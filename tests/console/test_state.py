"""Unit tests of the pure-Python job list model (no Textual)."""

from __future__ import annotations

import gc
import time

import pytest

from tests.fakes import T0, job_record
from tui.console.state import JobListModel
from tui.core.models import Job, Page


def jobs(*specs: tuple[int, str]) -> tuple[Job, ...]:
    return tuple(Job.parse(job_record(i, status)) for i, status in specs)


def page(*specs: tuple[int, str], next_cursor: str | None = None) -> Page:
    return Page(jobs=jobs(*specs), next_cursor=next_cursor)


def model(**kw) -> JobListModel:
    return JobListModel(clock=lambda: T0 / 1000 + 3600, **kw)


def ids(m: JobListModel) -> list[str]:
    return [j.id for j in m.visible()]


def test_server_order_without_sort():
    m = model()
    m.replace_page(page((3, "NEW"), (1, "FAILED"), (2, "SUCCEEDED")), None)
    assert ids(m) == ["3", "1", "2"]


@pytest.mark.parametrize(("key", "first", "second"), [
    ("id", ["3", "2", "1"], ["1", "2", "3"]),
    ("created", ["1", "2", "3"], ["3", "2", "1"]),  # job_record: higher id = older
    ("updated", ["1", "2", "3"], ["3", "2", "1"]),
    ("status", ["1", "3", "2"], ["2", "3", "1"]),  # FAILED, PROCESSING, SUCCEEDED
])
def test_each_sort_key_and_its_reverse(key, first, second):
    m = model()
    m.replace_page(page((1, "FAILED"), (2, "SUCCEEDED"), (3, "PROCESSING")), None)
    m.set_sort(key)
    assert ids(m) == first
    m.set_sort(key)
    assert ids(m) == second
    assert m.sort_key == key


def test_duration_sort_uses_running_total_for_live_jobs():
    m = model()
    # job 2 runs since T0-120s, evaluated at T0+3600s: longer than the 600 s finished job 1
    m.replace_page(Page(jobs=(Job.parse(job_record(1, "SUCCEEDED")), Job.parse(job_record(2, "PROCESSING")))),
                   None)
    m.set_sort("duration")
    assert ids(m) == ["2", "1"]
    m.set_sort("duration")
    assert ids(m) == ["1", "2"]


def test_status_line_is_honest_about_sort_scope():
    m = model(page_size=2)
    m.replace_page(page((1, "NEW"), (2, "NEW"), next_cursor="2"), None)
    m.set_sort("created")
    assert "page 1 · rows 1–2 · more available" in m.status_line()
    assert "within this page only" in m.status_line()
    m.replace_all([page((1, "NEW"), (2, "NEW"), next_cursor="2"), page((3, "NEW"))])
    assert "within all loaded jobs" in m.status_line()
    assert "page 1/2" in m.status_line()


def test_text_filter_matches_id_status_dataset_batch_and_error_text():
    m = model()
    m.replace_page(Page(jobs=(
        Job.parse(job_record(1, "SUCCEEDED", dataset="alpha")),
        Job.parse(job_record(2, "FAILED", errors=[{"code": "E1", "msg": "Quota exceeded"}])),
        Job.parse(job_record(3, "NEW", dataset="beta")),
    )), None)
    for text, expected in [("alpha", ["1"]), ("quota", ["2"]), ("batch00000001", ["1"]), ("new", ["3"]),
                           ("3", ["3"])]:
        m.set_text_filter(text)
        assert ids(m) == expected, text
    m.set_text_filter("")
    assert ids(m) == ["1", "2", "3"]


def test_cursor_stack_pages_forward_and_back():
    m = model(page_size=2)
    m.replace_page(page((1, "NEW"), (2, "NEW"), next_cursor="2"), None)
    m.page_forward(page((3, "NEW"), (4, "NEW"), next_cursor="4"), "2")
    assert m.page_info().number == 2 and m.page_info().first_row == 3
    assert m.previous_cursor() == (True, None)
    m.page_back(page((1, "NEW"), (2, "NEW"), next_cursor="2"))
    assert m.page_info().number == 1 and m.cursor is None
    assert m.previous_cursor() == (False, None)


def test_all_loaded_local_paging():
    m = model(page_size=2)
    m.replace_all([page((1, "NEW"), (2, "NEW"), next_cursor="2"), page((3, "NEW"))])
    assert ids(m) == ["1", "2"]
    assert m.local_next() and ids(m) == ["3"]
    assert not m.local_next()
    assert m.local_prev() and ids(m) == ["1", "2"]


def test_marks_survive_page_replacement():
    m = model()
    m.replace_page(page((1, "NEW"), (2, "PROCESSING")), None)
    assert m.toggle_mark("2")
    m.replace_page(page((1, "NEW"), (2, "PROCESSING")), None)
    assert [j.id for j in m.marked_jobs()] == ["2"]
    assert not m.toggle_mark("2")
    assert m.marked_jobs() == []


def test_watched_transition_reported_once_and_pending_cancel_cleared():
    m = model()
    m.replace_page(page((1, "PROCESSING"), (2, "SUCCEEDED")), None)
    m.begin_cancel(["1"])
    transitions = m.replace_page(page((1, "FAILED"), (2, "SUCCEEDED")), None)
    assert [(t.job.id, t.previous, t.job.status) for t in transitions] == [("1", "PROCESSING", "FAILED")]
    assert not m.is_cancelling("1")
    assert m.replace_page(page((1, "FAILED"), (2, "SUCCEEDED")), None) == []


def test_pending_cancel_stays_while_server_still_shows_active():
    m = model()
    m.replace_page(page((1, "PROCESSING"),), None)
    m.begin_cancel(["1"])
    m.replace_page(page((1, "PROCESSING"),), None)
    assert m.is_cancelling("1")


def test_merge_front_adds_new_job_first():
    m = model()
    m.replace_page(page((1, "SUCCEEDED"),), None)
    m.merge(jobs((9, "NEW")), front=True)
    assert ids(m) == ["9", "1"]


def test_status_filter_cycles():
    m = model()
    seen = []
    for _ in range(5):
        m.reset(status=m.next_status_filter())
        seen.append(m.status_filter)
    assert seen == ["NEW", "PROCESSING", "SUCCEEDED", "FAILED", None]


def big_model(n: int = 10_000) -> JobListModel:
    statuses = ("NEW", "PROCESSING", "SUCCEEDED", "FAILED")
    records = [job_record(i, statuses[i % 4], created=T0 - (i * 7919 % n) * 1000) for i in range(1, n + 1)]
    m = model()
    m.replace_all([Page(jobs=tuple(Job.parse(r) for r in records))])
    return m


def test_sort_and_filter_10000_jobs_measured(capsys):
    m = big_model()
    gc.collect()  # building 10,000 records leaves a collection pending; do not time it
    timings = {}
    for key in ("status", "created", "updated", "duration", "id"):
        m.set_sort(key)
        start = time.perf_counter()
        visible = m.visible()
        timings[key] = (time.perf_counter() - start) * 1000
        assert len(visible) == 100
    m.set_text_filter("failed")
    start = time.perf_counter()
    filtered = m.ordered_ids()
    timings["filter (cold)"] = (time.perf_counter() - start) * 1000
    m.set_text_filter("processing")
    start = time.perf_counter()
    m.ordered_ids()
    timings["filter (warm)"] = (time.perf_counter() - start) * 1000
    assert len(filtered) == 2500
    with capsys.disabled():
        print("\n10,000 jobs, ms: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    m.set_text_filter("")
    m.set_sort("created")
    created = [j.created_ms for j in m.visible()]
    assert created == sorted(created, reverse=m.sort_reverse)


def test_is_filters_combine_with_plain_text():
    from tui.console.state import split_filter

    assert split_filter("is:stuck ds-1") == ("ds-1", ("stuck",))
    assert split_filter("is:slow is:failed") == ("", ("slow", "failed"))
    assert split_filter("is:blue") == ("is:blue", ())  # not a flag: plain text, as before
    m = model()
    m.replace_page(page((1, "FAILED"), (2, "SUCCEEDED"), (3, "PROCESSING")), None)
    m.flagger = lambda j: frozenset({"stuck", "slow"}) if j.id == "3" else frozenset()
    for text, expected in (("is:failed", ["1"]), ("is:stuck", ["3"]), ("is:slow processing", ["3"]),
                           ("is:slow succeeded", [])):
        m.set_text_filter(text)
        assert ids(m) == expected, text
