"""Every preflight rule: placeholders, event age, segmentPerBatch, field paths, dataset, merge policy,
segments, and failed lookups reported as not checked (never blocking)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tui.core.preflight import (
    FAILED,
    FOUND,
    MISSING,
    PROFILE_UNION_SCHEMA,
    SKIPPED,
    Facts,
    Lookup,
    event_window,
    finding_line,
    is_placeholder,
    local_rules,
    preflight,
)

NOW = int(datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp() * 1000)
UNION = Lookup(FOUND, {"name": "target", "schemaRef": {"id": PROFILE_UNION_SCHEMA}})
POLICY = Lookup(FOUND, {"id": "mp1", "version": 3})


def payload(**changes) -> dict:
    base = {
        "fields": "identities.id,personalEmail.address",
        "mergePolicy": {"id": "mp1", "version": 2},
        "destination": {"datasetId": "ds1", "segmentPerBatch": False},
        "schema": {"name": "_xdm.context.profile"},
    }
    base.update(changes)
    return base


def facts(**changes) -> Facts:
    values = {"sandbox": "prod", "dataset": UNION, "merge_policy": POLICY, "segments": {}}
    values.update(changes)
    return Facts(**values)


def check(p: dict, f: Facts | None = None, **kw):
    text = json.dumps(p, indent=2)
    return preflight(p, f if f is not None else facts(), now_ms=NOW, text=text, **kw)


def test_a_good_payload_has_no_finding():
    report = check(payload())
    assert report.findings == [] and report.ok


@pytest.mark.parametrize("value", ["5b020a27e7040801dedba61b", "00000000-0000-0000-0000-000000000000",
                                   "<dataset id>", "{DATASET_ID}", "000000000000000000000000"])
def test_placeholder_dataset_ids_block(value):
    report = check(payload(destination={"datasetId": value}))
    assert [f.path for f in report.blocking] == ["destination.datasetId"]
    assert "placeholder" in report.blocking[0].message
    assert report.blocking[0].line == 8


def test_the_guides_merge_policy_and_segment_ids_block():
    p = payload(mergePolicy={"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
                filter={"segments": [{"segmentId": "42d4a596-b1c6-46c0-994e-ca5ef1f85130"}]})
    report = check(p)
    assert sorted(f.path for f in report.blocking) == ["filter.segments[0].segmentId", "mergePolicy.id"]


def test_real_looking_ids_are_not_placeholders():
    assert not is_placeholder("0927590d-228f-4277-a3da-a73da17f6ee0")
    assert not is_placeholder("timestampOrdered-none-mp")


def test_old_event_window_warns_with_the_limit_and_the_span():
    events = {"eventList": {"fields": "a.b", "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"}}}
    report = check(payload(additionalFields=events))
    assert report.ok
    (warning,) = report.warnings
    assert warning.path == "additionalFields.eventList.filter.fromIngestTimestamp"
    assert "8 years" in warning.message and "max_event_age_days = 90" in warning.message
    assert warning.line is not None and warning.column is not None
    assert event_window(payload(additionalFields=events), NOW) == "events ingested since 2018-10-25: 8 years"


def test_event_age_limit_is_configurable_and_recent_windows_pass():
    recent = {"eventList": {"filter": {"fromIngestTimestamp": "2026-11-01T00:00:00Z"}}}
    assert check(payload(additionalFields=recent)).findings == []
    assert len(check(payload(additionalFields=recent), max_event_age_days=10).warnings) == 1
    assert event_window(payload(additionalFields=recent), NOW) == "events ingested since 2026-11-01: 30 days"
    assert event_window(payload(), NOW) == "no events"
    assert event_window(payload(additionalFields={"eventList": {}}), NOW).startswith("all events")


def test_segment_per_batch_true_warns():
    p = payload(destination={"datasetId": "ds1", "segmentPerBatch": True},
                filter={"segments": [{"segmentId": "s1"}]})
    report = check(p, facts(segments={"s1": Lookup(FOUND, {"id": "s1"})}))
    assert [w.path for w in report.warnings] == ["destination.segmentPerBatch"]
    assert "slow" in report.warnings[0].message and report.ok


@pytest.mark.parametrize("fields", ["identities.id, person name", "a..b", "1abc", "a.b-c", "a.b.",
                                    "person.name[0]"])
def test_field_paths_that_are_not_dotted_identifiers_warn(fields):
    report = check(payload(fields=fields.replace(", ", ",")))
    assert [w.path for w in report.warnings] == ["fields"] and report.ok


def test_event_field_paths_are_checked_too():
    report = check(payload(additionalFields={"eventList": {"fields": "web.page name"}}))
    assert [w.path for w in report.warnings] == ["additionalFields.eventList.fields"]


def test_dotted_identifiers_with_underscores_pass():
    assert check(payload(fields="_tenant.loyalty.tier,identityMap,person.name.firstName")).findings == []


def test_missing_dataset_blocks_and_names_the_sandbox():
    report = check(payload(), facts(dataset=Lookup(MISSING)))
    (error,) = report.blocking
    assert error.path == "destination.datasetId" and "'prod'" in error.message


def test_dataset_not_on_the_union_schema_blocks():
    other = Lookup(FOUND, {"schemaRef": {"id": "https://ns.adobe.com/emulator/schemas/x"}})
    (error,) = check(payload(), facts(dataset=other)).blocking
    assert "profile union schema" in error.message


def test_a_dataset_answer_without_its_schema_is_not_checked_not_blocking():
    report = check(payload(), facts(dataset=Lookup(FOUND, {"name": "target"})))
    assert report.ok and len(report.unchecked) == 1 and "not checked" in report.unchecked[0].message


def test_missing_merge_policy_blocks():
    (error,) = check(payload(), facts(merge_policy=Lookup(MISSING))).blocking
    assert error.path == "mergePolicy.id"


@pytest.mark.parametrize("version,ok", [(1, True), (3, True), (3.0, True), (4, False), (0, False)])
def test_merge_policy_version_must_be_one_it_has(version, ok):
    report = check(payload(mergePolicy={"id": "mp1", "version": version}))
    assert report.ok is ok
    if not ok:
        assert report.blocking[0].path == "mergePolicy.version" and "1 to 3" in report.blocking[0].message


def test_unknown_segment_blocks_with_its_index():
    p = payload(filter={"segments": [{"segmentId": "s1"}, {"segmentId": "s2"}]})
    report = check(p, facts(segments={"s1": Lookup(FOUND, {}), "s2": Lookup(MISSING)}))
    assert [f.path for f in report.blocking] == ["filter.segments[1].segmentId"]


def test_skipped_segment_endpoint_is_said_once_and_does_not_block():
    p = payload(filter={"segments": [{"segmentId": "s1"}, {"segmentId": "s2"}]})
    skipped = Lookup(SKIPPED, reason="the endpoint answered 404 for the route itself")
    report = check(p, facts(segments={"s1": skipped, "s2": skipped}))
    assert report.ok and len(report.unchecked) == 1
    assert "skipped" in report.unchecked[0].message


@pytest.mark.parametrize("which", ["dataset", "merge_policy"])
def test_failed_lookups_are_not_checked_and_never_block(which):
    failed = Lookup(FAILED, reason="the Platform answered HTTP 503")
    report = check(payload(), facts(**{which: failed}))
    assert report.ok
    (unchecked,) = report.unchecked
    assert "not checked" in unchecked.message and "503" in unchecked.message
    assert finding_line(unchecked).endswith("(not checked)")


def test_local_rules_need_no_facts():
    report = local_rules(payload(destination={"datasetId": "<dataset id>"}), now_ms=NOW)
    assert not report.ok and report.blocking[0].line is None
    assert local_rules(payload(), now_ms=NOW).findings == []


def test_findings_come_in_text_order_with_positions():
    p = payload(fields="a b", destination={"datasetId": "<x>", "segmentPerBatch": True})
    report = check(p)
    lines = [f.line for f in report.findings]
    assert lines == sorted(lines) and all(isinstance(n, int) for n in lines)
    assert finding_line(report.blocking[0]).startswith(f"line {report.blocking[0].line}, column ")
