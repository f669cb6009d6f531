"""Preflight: what the server would refuse (or regret), found before the create POST.

Pure rules over a payload and the facts the API layer fetched for it (:class:`Facts`: the dataset,
the merge policy and each segment definition, each a :class:`Lookup`). Nothing here does I/O: the
API layer's ``tui.api.preflight.gather`` runs the GETs, the CLI and the console show the findings.

Every finding is a :class:`tui.core.payload.Issue` with a line and column (when the payload's text is
given), one sentence, and a severity: ``error`` blocks a launch, ``warning`` does not, ``unchecked``
(a lookup that failed: 5xx, timeout, no permission) never blocks and says the check was not done.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.core.models import PROFILE_UNION_SCHEMA, destination_dataset
from tui.core.payload import Issue, _Locator

DEFAULT_MAX_EVENT_AGE_DAYS = 90
DAY_MS = 86_400_000

FOUND, MISSING, SKIPPED, FAILED = "found", "missing", "skipped", "failed"
UNCHECKED = "unchecked"

# Ids printed in Adobe's export guides (Profile and Segmentation) and in aepx's own templates: a payload
# still carrying one was copied from an example and never pointed at this sandbox.
GUIDE_IDS = frozenset({
    "5b020a27e7040801dedba61b",  # dataset, "Create a target dataset"
    "5cf6bcf79ecc7c14530fe436",  # dataSetId in the create/get responses
    "5b7c86968f7b6501e21ba9df", "5bb4c46757920712f924a3eb",  # list-response datasets
    "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2",  # mergePolicy.id in every create example
    "0bf16e61-90e9-4204-b8fa-ad250360957b", "7972e3d6-96ea-4ece-9627-cbfd62709c5d",
    "7a93d2ff-a220-4bae-9a4e-5f3c35032be3",  # segmentId in the list response
    "42d4a596-b1c6-46c0-994e-ca5ef1f85130",  # aepx's segment template
})
_ZERO_ID = re.compile(r"^0{8}(-?0{4}){3}-?0{12}$|^0{24}$")
_ANGLE = re.compile(r"<[^<>]*>")
_BRACED = re.compile(r"^\{[A-Z][A-Z0-9_]*\}$")  # {DATASET_ID}, {IMS_ORG}
_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True, slots=True)
class Lookup:
    """One GET done for the preflight: ``found`` (with the record), ``missing`` (a 404 for that id),
    ``skipped`` (the endpoint itself is unavailable: 403, or a 404 for the route) or ``failed``
    (5xx, timeout, network); ``reason`` says why for the last two."""

    state: str
    data: Mapping[str, Any] | None = None
    reason: str = ""

    @property
    def checked(self) -> bool:
        return self.state in (FOUND, MISSING)


@dataclass
class Facts:
    """What the API layer found for a payload; ``None`` where nothing was looked up."""

    sandbox: str = ""
    dataset: Lookup | None = None
    merge_policy: Lookup | None = None
    segments: dict[str, Lookup] = field(default_factory=dict)


@dataclass
class Report:
    findings: list[Issue] = field(default_factory=list)

    @property
    def blocking(self) -> list[Issue]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def unchecked(self) -> list[Issue]:
        return [f for f in self.findings if f.severity == UNCHECKED]

    @property
    def ok(self) -> bool:
        return not self.blocking


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def dataset_id_of(payload: Mapping[str, Any]) -> str:
    dest = _map(payload.get("destination"))
    value = destination_dataset(dest)
    return value if isinstance(value, str) else ""


def merge_policy_of(payload: Mapping[str, Any]) -> tuple[str, Any]:
    policy = _map(payload.get("mergePolicy"))
    policy_id = policy.get("id")
    return (policy_id if isinstance(policy_id, str) else ""), policy.get("version")


def segment_ids_of(payload: Mapping[str, Any]) -> list[tuple[int, str]]:
    segments = _map(payload.get("filter")).get("segments")
    out = []
    for index, item in enumerate(segments if isinstance(segments, list) else []):
        segment_id = _map(item).get("segmentId")
        if isinstance(segment_id, str) and segment_id.strip():
            out.append((index, segment_id))
    return out


def event_from(payload: Mapping[str, Any]) -> str | None:
    events = _map(_map(payload.get("additionalFields")).get("eventList"))
    value = _map(events.get("filter")).get("fromIngestTimestamp")
    return value if isinstance(value, str) else None


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _span(days: float) -> str:
    if days >= 365:
        years = int(days // 365)
        return f"{years} year{'s' if years != 1 else ''}"
    if days >= 60:
        months = int(days // 30)
        return f"{months} months"
    whole = max(0, int(days))
    return f"{whole} day{'s' if whole != 1 else ''}"


def event_window(payload: Mapping[str, Any], now_ms: int) -> str:
    """What the job exports of time-series events, for the confirmation:
    ``events ingested since 2018-10-25: 8 years``, ``all events ever ingested``, ``no events``."""
    events = _map(payload.get("additionalFields")).get("eventList")
    if not isinstance(events, Mapping):
        return "no events"
    text = event_from(payload)
    moment = _parse_time(text) if text else None
    if moment is None:
        return "all events ever ingested (no fromIngestTimestamp)"
    days = (now_ms - moment.timestamp() * 1000) / DAY_MS
    if days < 0:
        return f"events ingested since {moment.date().isoformat()} (in the future: none yet)"
    return f"events ingested since {moment.date().isoformat()}: {_span(days)}"


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return (text in GUIDE_IDS or bool(_ZERO_ID.match(text)) or bool(_ANGLE.search(text))
            or bool(_BRACED.match(text)))


def _strings(value: Any, path: str):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from _strings(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, f"{path}[{index}]")


class _Rules:
    def __init__(self, text: str | None) -> None:
        self.locator = _Locator(text) if text else None
        self.findings: list[Issue] = []

    def add(self, severity: str, path: str, message: str) -> None:
        line, column = self.locator.position(path) if self.locator is not None else (None, None)
        self.findings.append(Issue(message, line, column, path=path, severity=severity))


def local_rules(payload: Mapping[str, Any], *, now_ms: int,
                max_event_age_days: int = DEFAULT_MAX_EVENT_AGE_DAYS, text: str | None = None) -> Report:
    """The rules that need no lookup: placeholders, old event window, segmentPerBatch, field paths."""
    return preflight(payload, None, now_ms=now_ms, max_event_age_days=max_event_age_days, text=text)


def preflight(payload: Mapping[str, Any], facts: Facts | None, *, now_ms: int,
              max_event_age_days: int = DEFAULT_MAX_EVENT_AGE_DAYS, text: str | None = None) -> Report:
    """Every preflight finding for ``payload`` (a payload that passed local validation), in text order.

    ``facts`` is ``None`` for the local rules only; a lookup that is ``None`` inside it was not done.
    """
    rules = _Rules(text)
    _placeholders(rules, payload)
    _event_age(rules, payload, now_ms, max_event_age_days)
    _per_batch(rules, payload)
    _field_paths(rules, payload)
    if facts is not None:
        _dataset(rules, payload, facts)
        _merge_policy(rules, payload, facts)
        _segments(rules, payload, facts)
    rules.findings.sort(key=lambda f: (f.line or 0, f.column or 0))
    return Report(rules.findings)


def _placeholders(rules: _Rules, payload: Mapping[str, Any]) -> None:
    for path, value in _strings(payload, ""):
        if is_placeholder(value):
            rules.add("error", path, f"{path} is {value!r}, a placeholder left from an example or template; "
                                     "put this sandbox's real value there.")


def _event_age(rules: _Rules, payload: Mapping[str, Any], now_ms: int, max_days: int) -> None:
    text = event_from(payload)
    moment = _parse_time(text) if text else None
    if moment is None:
        return
    days = (now_ms - moment.timestamp() * 1000) / DAY_MS
    if days > max_days:
        path = "additionalFields.eventList.filter.fromIngestTimestamp"
        rules.add("warning", path, f"{path} is {moment.date().isoformat()}, {_span(days)} ago (more than "
                                   f"max_event_age_days = {max_days}): the job exports every event ingested "
                                   "since then; move it forward unless you mean it.")


def _per_batch(rules: _Rules, payload: Mapping[str, Any]) -> None:
    if _map(payload.get("destination")).get("segmentPerBatch") is True:
        rules.add("warning", "destination.segmentPerBatch",
                  "destination.segmentPerBatch is true: one batch per segment, which Adobe warns can slow "
                  "the export down; set it to false unless you need the split.")


def _field_paths(rules: _Rules, payload: Mapping[str, Any]) -> None:
    events = _map(_map(payload.get("additionalFields")).get("eventList"))
    for path, value in (("fields", payload.get("fields")), ("additionalFields.eventList.fields",
                                                            events.get("fields"))):
        if not isinstance(value, str) or not value.strip():
            continue
        bad = [part.strip() for part in value.split(",") if part.strip() and not _FIELD_PATH.match(part.strip())]
        if bad:
            shown = ", ".join(repr(b) for b in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
            rules.add("warning", path, f"{path} has {shown}, not a dotted field path (letters, digits and "
                                       "'_' between dots, such as person.name.firstName).")


def _not_checked(rules: _Rules, path: str, what: str, lookup: Lookup) -> bool:
    """Report a lookup that could not be done; True when there is nothing more to check."""
    if lookup.state == SKIPPED:
        rules.add(UNCHECKED, path, f"{what}: check skipped ({lookup.reason or 'the endpoint is unavailable'}).")
        return True
    if lookup.state == FAILED:
        rules.add(UNCHECKED, path, f"{what}: not checked ({lookup.reason or 'the lookup failed'}); the launch "
                                   "is not blocked by it.")
        return True
    return False


def _dataset(rules: _Rules, payload: Mapping[str, Any], facts: Facts) -> None:
    dataset_id = dataset_id_of(payload)
    lookup = facts.dataset
    if not dataset_id or lookup is None or is_placeholder(dataset_id):
        return
    path = "destination.datasetId"
    where = f" {facts.sandbox!r}" if facts.sandbox else ""
    if _not_checked(rules, path, f"Dataset {dataset_id}", lookup):
        return
    if lookup.state == MISSING:
        rules.add("error", path, f"destination.datasetId {dataset_id!r} does not exist in sandbox{where}; pick "
                                 "one with F3 (console) or `aepx datasets list`.")
        return
    schema = _map(_map(lookup.data).get("schemaRef")).get("id")
    if not schema:
        rules.add(UNCHECKED, path, f"Dataset {dataset_id}: its schema is not in Catalog's answer, so whether it "
                                   "is on the profile union schema was not checked.")
        return
    if schema != PROFILE_UNION_SCHEMA:
        rules.add("error", path, f"destination.datasetId {dataset_id!r} is not on the profile union schema "
                                 f"(its schema is {schema or 'unknown'}); export jobs can only write to a "
                                 "dataset based on the XDM Individual Profile union schema.")


def _merge_policy(rules: _Rules, payload: Mapping[str, Any], facts: Facts) -> None:
    policy_id, version = merge_policy_of(payload)
    lookup = facts.merge_policy
    if not policy_id or lookup is None or is_placeholder(policy_id):
        return
    path = "mergePolicy.id"
    where = f" {facts.sandbox!r}" if facts.sandbox else ""
    if _not_checked(rules, path, f"Merge policy {policy_id}", lookup):
        return
    if lookup.state == MISSING:
        rules.add("error", path, f"mergePolicy.id {policy_id!r} does not exist in sandbox{where}; pick one "
                                 "with F5 (console) or remove mergePolicy for the default.")
        return
    latest = _map(lookup.data).get("version")
    if isinstance(version, int | float) and not isinstance(version, bool) and isinstance(latest, int):
        if version > latest or version < 1:
            rules.add("error", "mergePolicy.version",
                      f"mergePolicy.version {version:g} is not a version of this merge policy (it has 1 to "
                      f"{latest}); use {latest} or leave version out for the latest.")


def _segments(rules: _Rules, payload: Mapping[str, Any], facts: Facts) -> None:
    skipped_said = False
    for index, segment_id in segment_ids_of(payload):
        lookup = facts.segments.get(segment_id)
        if lookup is None or is_placeholder(segment_id):
            continue
        path = f"filter.segments[{index}].segmentId"
        if lookup.state == SKIPPED:
            if not skipped_said:  # one sentence for the endpoint, not one per segment
                skipped_said = True
                _not_checked(rules, path, "Segment ids", lookup)
            continue
        if _not_checked(rules, path, f"Segment {segment_id}", lookup):
            continue
        if lookup.state == MISSING:
            where = f" {facts.sandbox!r}" if facts.sandbox else ""
            rules.add("error", path, f"{path} {segment_id!r} is not a segment definition in sandbox{where}; "
                                     "check the id in the Segments UI or the segment definitions API.")


def finding_line(issue: Issue, *, tag: bool = True) -> str:
    """``line 3, column 5: sentence (blocks)`` for the CLI and the confirmation."""
    where = f"line {issue.line}, column {issue.column or 1}" if issue.line else ""
    message = issue.message.replace(f" at {where}", "") if where else issue.message
    where = f"{where}: " if where else ""
    label = {"error": "blocks", "warning": "warning", UNCHECKED: "not checked"}.get(issue.severity, issue.severity)
    return f"{where}{message} ({label})" if tag else f"{where}{message}"


