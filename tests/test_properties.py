"""Property-based tests: parsers and the payload validator fed arbitrary JSON raise nothing and return
well-typed values (bounded example counts so the whole file runs in a few seconds)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.api.client import PlatformClient, parse_next_cursor
from tui.console.state import SORT_KEYS, JobListModel
from tui.core.models import Dataset, Job, JobError, MergePolicy, Page, Phase, to_int
from tui.core.payload import ValidationResult, validate_payload, validate_text

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = ["id", "status", "jobType", "creationTime", "updateTime", "destination", "datasetId", "dataSetId",
        "batchId", "segmentPerBatch", "metrics", "totalTime", "profileExportTime", "aCPDatasetWriteTime",
        "startTimeInMs", "endTimeInMs", "totalTimeInMs", "errors", "code", "msg", "message", "callStack",
        "filter", "segments", "segmentId", "additionalFields", "eventList", "fields", "fromIngestTimestamp",
        "computeGatewayJobId", "exportJob", "pushJob", "mergePolicy", "version", "schema", "name", "default",
        "schemaRef", "created", "records", "page", "link", "next", "pageSize", "sortField", "sort"]
STATUSES = st.sampled_from(["NEW", "PROCESSING", "SUCCEEDED", "FAILED", "", "weird", "new"])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | STATUSES
           | st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{1,3})?", fullmatch=True))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6),
                           max_leaves=40)
records = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=12)


@FAST
@given(json_values | records)
def test_job_parse_never_raises_and_is_well_typed(raw):
    job = Job.parse(raw)
    assert isinstance(job.id, str) and isinstance(job.status, str) and job.status
    for value in (job.created_ms, job.updated_ms, job.merge_policy_version):
        assert value is None or isinstance(value, int)
    assert all(isinstance(s, str) for s in job.segments)
    assert all(isinstance(e, JobError) for e in job.errors)
    assert isinstance(job.current_phase, str) and isinstance(job.error_text, str)
    duration = job.duration_ms(at_ms=1_800_000_000_000)
    assert duration is None or duration >= 0 or job.total is not None
    assert isinstance(job.sort_id, tuple)
    assert Job.parse(raw) == job  # deterministic


@FAST
@given(json_values, json_values)
def test_dataset_and_merge_policy_parse_never_raise(key, raw):
    dataset = Dataset.parse(key if isinstance(key, str) else "", raw)
    assert isinstance(dataset.id, str) and isinstance(dataset.name, str)
    assert isinstance(dataset.on_union_schema, bool)
    policy = MergePolicy.parse(raw)
    assert isinstance(policy.id, str) and isinstance(policy.default, bool)
    assert policy.version is None or isinstance(policy.version, int)


@FAST
@given(json_values)
def test_phase_and_to_int_never_raise(raw):
    phase = Phase.parse(raw)
    assert phase is None or phase.duration_ms(0) is None or isinstance(phase.duration_ms(0), int)
    value = to_int(raw)
    assert value is None or (isinstance(value, int) and not isinstance(value, bool))


@FAST
@given(json_values | st.fixed_dictionaries({"records": st.lists(records, max_size=5)},
                                           optional={"link": json_values, "page": json_values}),
       st.none() | st.text(max_size=8))
def test_list_page_parsing_never_raises(body, cursor):
    page = PlatformClient._page(body, cursor)
    assert isinstance(page, Page)
    assert all(isinstance(j, Job) for j in page.jobs)
    assert page.next_cursor is None or (isinstance(page.next_cursor, str) and page.next_cursor != cursor)
    assert page.page_size is None or isinstance(page.page_size, int)


@FAST
@given(json_values | st.text(max_size=40).map(lambda s: f"/export/jobs/?limit=2&offset={s}"))
def test_next_cursor_parsing_never_raises(link):
    cursor = parse_next_cursor(link)
    assert cursor is None or (isinstance(cursor, str) and cursor)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, max_size=15), st.sampled_from(SORT_KEYS), st.text(max_size=4))
def test_model_sorts_and_filters_any_parsed_jobs(raws, key, text):
    model = JobListModel(page_size=5, clock=lambda: 1_800_000_000.0)
    model.replace_all([Page(jobs=tuple(Job.parse(r) for r in raws))])
    model.set_sort(key)
    model.set_text_filter(text)
    visible = model.visible()
    assert len(visible) <= 5
    model.set_sort(key)  # reversed
    assert isinstance(model.status_line(), str)


@FAST
@given(json_values)
def test_validate_payload_returns_a_result_for_any_json(value):
    result = validate_payload(value)
    assert isinstance(result, ValidationResult)
    assert result.ok is False or isinstance(value, dict)


@FAST
@given(json_values.map(lambda v: json.dumps(v, allow_nan=True)) | st.text(max_size=80))
def test_validate_text_returns_a_result_for_any_text(text):
    result = validate_text(text)
    assert isinstance(result, ValidationResult)
    if result.ok:
        assert isinstance(result.payload, dict)
    else:
        assert result.first_error is not None


# --- every renderer, fed any record: one bad record never takes the console down ----------------------
TIMES = st.sampled_from([0, -1, 10**12, 10**15, -(10**15), 10**30, 1e30, 1_764_000_000_000, "1e30",
                         "NaN", float("inf"), 2**63, -(2**70)])
time_records = st.fixed_dictionaries(
    {"id": st.integers(0, 10**6) | st.text(max_size=8), "status": STATUSES},
    optional={"creationTime": TIMES, "updateTime": TIMES,
              "metrics": st.fixed_dictionaries({}, optional={
                  name: st.fixed_dictionaries({}, optional={"startTimeInMs": TIMES, "endTimeInMs": TIMES,
                                                            "totalTimeInMs": TIMES})
                  for name in ("totalTime", "profileExportTime", "aCPDatasetWriteTime")}),
              "errors": st.lists(st.fixed_dictionaries({}, optional={"code": json_values, "msg": json_values,
                                                                     "callStack": json_values}), max_size=3)})


def _render_everything(job, now):
    from tui.cli.jobs import job_row
    from tui.console.screens.confirm import job_line
    from tui.console.widgets.detail import raw_json, raw_json_display
    from tui.console.widgets.errors import error_heading, stack_content
    from tui.console.widgets.job_table import row_values
    from tui.console.widgets.timeline import render_rows, timeline_rows
    from tui.core.format import absolute_time, human_duration, offset, relative_time, time_pair

    texts = [*row_values(job, now_ms=now, marked=False, cancelling=False), *job_row(job, now)]
    rows = timeline_rows(job, now)
    for width in (20, 80, 200):
        rendered = render_rows(rows, width)
        assert all(len(line) <= max(width, 40) + 12 for line in rendered.plain.split("\n"))  # never to scale
    texts += [raw_json_display(job), raw_json(job), job_line(job, now).plain]
    for error in job.errors:
        texts += [error_heading(1, 1, error).plain, stack_content(error.call_stack).plain]
    for ms in (job.created_ms, job.updated_ms, job.duration_ms(now)):
        texts += [absolute_time(ms), relative_time(ms, now), time_pair(ms, now), human_duration(ms), offset(ms)]
    assert all(isinstance(t, str) for t in texts)


@FAST
@given(json_values | records | time_records)
def test_every_renderer_takes_any_record(raw):
    _render_everything(Job.parse(raw), 1_764_000_600_000)


@FAST
@given(time_records)
def test_insane_times_are_shown_as_invalid_time(raw):
    from tui.console.widgets.timeline import timeline_rows
    from tui.core.format import INVALID_TIME, human_duration, sane_duration

    job = Job.parse(raw)
    now = 1_764_000_600_000
    for row in timeline_rows(job, now):
        if row.duration_ms is not None:
            assert sane_duration(row.duration_ms)
        if row.start_offset_ms is not None:
            assert sane_duration(row.start_offset_ms)
    duration = job.duration_ms(now)
    if duration is not None and not sane_duration(duration):
        assert human_duration(duration) == INVALID_TIME
