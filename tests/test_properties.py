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
