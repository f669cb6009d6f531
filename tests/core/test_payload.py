from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import PayloadError
from tui.core.payload import Issue, ValidationResult, load_payload_file, validate_payload, validate_text

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed_create_example.json"

VALID: dict = {
    "fields": "identities.id,personalEmail.address",
    "mergePolicy": {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
    "additionalFields": {
        "eventList": {
            "fields": "environment.browserDetails.name",
            "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"},
        }
    },
    "destination": {"datasetId": "5b020a27e7040801dedba61b", "segmentPerBatch": False},
    "schema": {"name": "_xdm.context.profile"},
    "filter": {
        "segments": [{"segmentId": "seg-1", "segmentNs": "ups", "status": ["realized", "exited"]}],
        "segmentQualificationTime": {"startTime": "2018-01-01T00:00:00Z", "endTime": "2019-01-01T00:00:00Z"},
        "fromIngestTimestamp": "2018-01-01T00:00:00.123+02:00",
        "emptyProfiles": False,
    },
}


def payload_with(path: str, value: object) -> dict:
    payload = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return payload


_DELETE = object()


# --- the seed's own example -----------------------------------------------------------------------
def test_seed_example_is_rejected_with_the_right_line():
    text = SEED.read_text(encoding="utf-8")
    result = validate_text(text)
    assert not result.ok and result.payload is None
    error = result.first_error
    # "destination" on line 15 follows the additionalFields object closed on line 14 without a comma
    assert text.splitlines()[error.line - 1].strip().startswith('"destination"')
    assert (error.line, error.column) == (15, 5)
    assert error.message.startswith("Expecting ',' delimiter at line 15, column 5")
    assert "comma is probably missing after the value that ends on line 14" in error.message


def test_seed_example_with_the_comma_is_valid():
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[13].rstrip() == "    }"
    lines[13] = "    },\n"
    result = validate_text("".join(lines))
    assert result.ok and result.warnings == []
    assert result.payload["destination"]["datasetId"] == "5b020a27e7040801dedba61b"


def test_seed_example_file_fails_to_load(tmp_path):
    with pytest.raises(PayloadError) as caught:
        load_payload_file(SEED)
    assert (caught.value.line, caught.value.column) == (15, 5)
    assert caught.value.exit_code == 2 and str(caught.value).count("line 15, column 5") == 1


# --- syntax ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "column", "hint"),
    [
        ('{\n  "a": 1,\n}', 3, 1, "trailing comma on line 2"),
        ('{\n  "a": [1, 2,]\n}', 2, 14, "trailing comma on line 2"),
        ("{'a': 1}", 1, 2, "double quotes"),
        ('{"a" 1}', 1, 6, "colon is missing"),
        ('{"a": 1}\n}', 2, 1, "follows the end"),
        ('{"a": "open', 1, 7, "not closed"),
        ('{"a": ', 1, 7, "ends too early"),
        ('{"a": tru}', 1, 7, "value"),
    ],
)
def test_syntax_errors_have_position_and_hint(text, line, column, hint):
    result = validate_text(text)
    error = result.first_error
    assert (error.line, error.column) == (line, column)
    assert f"at line {line}, column {column}" in error.message and hint in error.message


def test_empty_text():
    assert validate_text("  \n").first_error.message.startswith("The payload is empty")


def test_non_object_top_level():
    result = validate_text("[1, 2]")
    assert not result.ok and result.payload is None and "JSON object" in result.first_error.message


def test_nan_is_rejected():
    text = json.dumps(VALID).replace('"version": 1', '"version": NaN')
    result = validate_text(text)
    assert any("NaN is not valid JSON" in e.message for e in result.errors)


def test_duplicate_key_warns_with_line():
    text = '{\n"destination": {"datasetId": "d"},\n"schema": {"name": "_xdm.context.profile"},\n"fields": "a",\n' \
           '"fields": "b"\n}'
    result = validate_text(text)
    assert result.ok
    assert [(w.line, "appears twice" in w.message) for w in result.warnings] == [(5, True)]


# --- semantics ---------------------------------------------------------------------------------------
def test_full_valid_payload():
    result = validate_payload(VALID)
    assert result.ok and result.warnings == [] and result.payload == VALID
    assert result.first_error is None


def test_minimal_valid_payload():
    result = validate_payload({"destination": {"datasetId": "d"}, "schema": {"name": "_xdm.context.profile"}})
    assert result.ok and result.warnings == []


@pytest.mark.parametrize(
    ("path", "value", "error_path", "words"),
    [
        ("destination", _DELETE, "", "destination is required"),
        ("destination.datasetId", _DELETE, "destination", "datasetId is required"),
        ("destination.datasetId", "", "destination.datasetId", "must not be empty"),
        ("destination.datasetId", 5, "destination.datasetId", "must be a string"),
        ("destination", "ds", "destination", "must be an object"),
        ("destination.segmentPerBatch", "false", "destination.segmentPerBatch", "true or false"),
        ("schema", _DELETE, "", "schema is required"),
        ("schema.name", _DELETE, "schema", "schema.name is required"),
        ("schema.name", ["x"], "schema.name", "must be a string"),
        ("fields", ["a", "b"], "fields", "comma-separated string"),
        ("fields", "a,,b", "fields", "empty entry"),
        ("fields", 3, "fields", "must be a string"),
        ("mergePolicy.id", 7, "mergePolicy.id", "must be a string"),
        ("mergePolicy.id", _DELETE, "mergePolicy", "mergePolicy.id is required"),
        ("mergePolicy.version", "1", "mergePolicy.version", "without quotes"),
        ("mergePolicy.version", 1.5, "mergePolicy.version", "must be an integer"),
        ("mergePolicy.version", True, "mergePolicy.version", "must be an integer"),
        ("mergePolicy.version", 0, "mergePolicy.version", "at least 1"),
        ("additionalFields.eventList", [], "additionalFields.eventList", "must be an object"),
        ("additionalFields.eventList.fields", 1, "additionalFields.eventList.fields", "must be a string"),
        ("additionalFields.eventList.filter.fromIngestTimestamp", "2018-10-25",
         "additionalFields.eventList.filter.fromIngestTimestamp", "RFC 3339"),
        ("filter.fromIngestTimestamp", "2018-10-25T13:22:04", "filter.fromIngestTimestamp", "time zone"),
        ("filter.fromIngestTimestamp", "2018-13-45T10:00:00Z", "filter.fromIngestTimestamp", "RFC 3339"),
        ("filter.segmentQualificationTime.endTime", "2017-01-01T00:00:00Z",
         "filter.segmentQualificationTime.endTime", "before startTime"),
        ("filter.segmentQualificationTime.startTime", 12, "filter.segmentQualificationTime.startTime",
         "must be a string"),
        ("filter.emptyProfiles", "no", "filter.emptyProfiles", "true or false"),
        ("filter.segments", {"segmentId": "x"}, "filter.segments", "list of segment objects"),
        ("filter.segments", ["seg"], "filter.segments[0]", "must be an object"),
        ("filter.segments", [{"segmentNs": "ups"}], "filter.segments[0]", "segmentId is required"),
        ("filter.segments", [{"segmentId": "s", "segmentNs": 3}], "filter.segments[0].segmentNs",
         "must be a string"),
        ("filter.segments", [{"segmentId": "s", "status": "realized"}], "filter.segments[0].status",
         '["realized"]'),
        ("filter.segments", [{"segmentId": "s", "status": ["realised"]}], "filter.segments[0].status[0]",
         "one of realized, existing, exited"),
    ],
)
def test_semantic_errors(path, value, error_path, words):
    result = validate_payload(payload_with(path, value))
    assert not result.ok
    assert any(e.path == error_path and words in e.message for e in result.errors), result.errors


@pytest.mark.parametrize(
    ("path", "value", "warning_path", "words"),
    [
        ("filter.segments", [{"segmentId": "s", "sgementNs": "ups"}], "filter.segments[0].sgementNs",
         "did you mean segmentNs?"),
        ("destination.datasetid", "x", "destination.datasetid", "did you mean datasetId?"),
        ("mergepolicy", {}, "mergepolicy", "did you mean mergePolicy?"),
        ("whatever", 1, "whatever", "known here"),
        ("fields", "a, b", "fields", "spaces"),
        ("fields", "", "fields", "every field"),
        ("schema.name", "_xdm.context.experienceevent", "schema.name", "_xdm.context.profile"),
        ("filter.segments", [], "filter.segments", "empty"),
    ],
)
def test_semantic_warnings(path, value, warning_path, words):
    result = validate_payload(payload_with(path, value))
    assert result.ok, result.errors
    assert any(w.path == warning_path and words in w.message and w.severity == "warning"
               for w in result.warnings), result.warnings


def test_dataSetId_alone_is_refused_with_the_request_spelling():
    """Item 22: the service answers 400 to a request spelling dataSetId; say so before sending."""
    payload = payload_with("destination", {"dataSetId": "d1"})
    result = validate_payload(payload)
    assert not result.ok
    assert [e.path for e in result.errors] == ["destination.dataSetId"]
    assert "requests spell it datasetId" in result.errors[0].message
    both = validate_payload(payload_with("destination", {"datasetId": "a", "dataSetId": "b"}))
    assert not both.ok
    same = validate_payload(payload_with("destination", {"datasetId": "a", "dataSetId": "a"}))
    assert same.ok and [w.path for w in same.warnings] == ["destination.dataSetId"]


@pytest.mark.parametrize("version", [1.0, 2.0, 1])
def test_integral_merge_policy_version_is_accepted(version):
    """Item 22: the spec types mergePolicy.version as number and its example is 1.0."""
    result = validate_payload(payload_with("mergePolicy.version", version))
    assert result.ok, result.errors


def test_fractional_or_small_merge_policy_version_is_refused():
    assert not validate_payload(payload_with("mergePolicy.version", 1.5)).ok
    assert not validate_payload(payload_with("mergePolicy.version", 0.0)).ok


def test_segment_per_batch_without_segments_warns():
    payload = payload_with("destination.segmentPerBatch", True)
    del payload["filter"]["segments"]
    result = validate_payload(payload)
    assert result.ok and any("no effect" in w.message for w in result.warnings)


def test_semantic_issue_carries_line_of_the_key():
    text = json.dumps(payload_with("filter.segments", [{"segmentId": "a"}, {"segmentId": "b", "sgementNs": "x",
                                                                            "status": ["nope"]}]), indent=2)
    result = validate_text(text)
    lines = text.splitlines()
    error = result.first_error
    assert error.path == "filter.segments[1].status[0]"
    assert '"nope"' in lines[error.line - 1]
    warning = result.warnings[0]
    assert '"sgementNs"' in lines[warning.line - 1]
    missing = validate_text('{\n  "schema": {"name": "_xdm.context.profile"},\n  "destination": {\n    "x": 1\n  }\n}')
    required = next(e for e in missing.errors if "datasetId is required" in e.message)
    assert required.line == 3  # the destination key


def test_issue_and_result_helpers():
    issue = Issue("bad", 3, 4)
    assert str(issue) == "line 3, column 4: bad" and str(Issue("x")) == "x"
    result = ValidationResult({}, [issue], [Issue("w", severity="warning")])
    assert not result.ok and result.first_error is issue and len(result.issues) == 2


def test_load_payload_file(tmp_path):
    good = tmp_path / "p.json"
    good.write_text(json.dumps(VALID))
    assert load_payload_file(good) == VALID
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(payload_with("destination.datasetId", _DELETE), indent=2))
    with pytest.raises(PayloadError) as caught:
        load_payload_file(bad)
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if '"destination"' in text)
    assert (caught.value.line, caught.value.column) == (line, 3)
    assert f"{bad}: line {line}, column 3: destination.datasetId is required" in str(caught.value)
    with pytest.raises(PayloadError, match="Cannot read payload file"):
        load_payload_file(tmp_path / "missing.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe{")
    with pytest.raises(PayloadError, match="UTF-8"):
        load_payload_file(binary)


# --- never raises -------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["destination", "datasetId", "schema", "name", "filter", "segments", "status",
                         "mergePolicy", "version", "fields", "additionalFields", "eventList", "x"])
        | st.text(max_size=6), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_never_raises(value):
    result = validate_payload(value)
    assert isinstance(result, ValidationResult)
    text_result = validate_text(json.dumps(value, indent=2))
    assert isinstance(text_result, ValidationResult)
    assert all(e.line is None or e.line >= 1 for e in text_result.errors + text_result.warnings)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60, alphabet=st.sampled_from('{}[]",: \n0123456789abtrufensl\\-')))
def test_arbitrary_text_never_raises(text):
    result = validate_text(text)
    assert isinstance(result, ValidationResult)
    if result.payload is None:
        assert not result.ok


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(list(VALID)), json_values, max_size=6))
def test_mutated_valid_payloads_never_raise(overrides):
    payload = {**copy.deepcopy(VALID), **overrides}
    result = validate_text(json.dumps(payload))
    assert isinstance(result, ValidationResult)


def test_deeply_nested_text_does_not_raise():
    result = validate_text("[" * 100_000 + "]" * 100_000)
    assert not result.ok
