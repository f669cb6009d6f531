"""Export-job payload templates, modelled on the Profile and Segmentation guides' examples.

Each template builds a payload that passes :func:`tui.core.payload.validate_payload` once a dataset
id is given. Values are fixed (no clock) so that the editor's snapshots stay stable; the operator
edits timestamps and field lists before launching.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.payload import PROFILE_SCHEMA

EXAMPLE_PROFILE_FIELDS = "identities.id,personalEmail.address"
EXAMPLE_EVENT_FIELDS = "environment.browserDetails.name,environment.browserDetails.version"
EXAMPLE_FROM_INGEST = "2018-10-25T13:22:04-07:00"
EXAMPLE_SEGMENT_ID = "42d4a596-b1c6-46c0-994e-ca5ef1f85130"


def _base(merge_policy_id: str, merge_policy_version: int | None, fields: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if fields:
        payload["fields"] = fields
    if merge_policy_id:
        policy: dict[str, Any] = {"id": merge_policy_id}
        if merge_policy_version is not None:
            policy["version"] = merge_policy_version
        payload["mergePolicy"] = policy
    return payload


def _tail(payload: dict[str, Any], dataset_id: str) -> dict[str, Any]:
    payload["destination"] = {"datasetId": dataset_id, "segmentPerBatch": False}
    payload["schema"] = {"name": PROFILE_SCHEMA}
    return payload


def _event_list() -> dict[str, Any]:
    return {"eventList": {"fields": EXAMPLE_EVENT_FIELDS,
                          "filter": {"fromIngestTimestamp": EXAMPLE_FROM_INGEST}}}


def _profile(dataset_id: str, policy_id: str, version: int | None) -> dict[str, Any]:
    return _tail(_base(policy_id, version, EXAMPLE_PROFILE_FIELDS), dataset_id)


def _profile_events(dataset_id: str, policy_id: str, version: int | None) -> dict[str, Any]:
    payload = _base(policy_id, version, EXAMPLE_PROFILE_FIELDS)
    payload["additionalFields"] = _event_list()
    return _tail(payload, dataset_id)


def _events(dataset_id: str, policy_id: str, version: int | None) -> dict[str, Any]:
    payload = _base(policy_id, version, "identityMap")
    payload["additionalFields"] = _event_list()
    return _tail(payload, dataset_id)


def _segment(dataset_id: str, policy_id: str, version: int | None) -> dict[str, Any]:
    payload = _base(policy_id, version, EXAMPLE_PROFILE_FIELDS)
    payload = _tail(payload, dataset_id)
    payload["filter"] = {
        "segments": [{"segmentId": EXAMPLE_SEGMENT_ID, "segmentNs": "ups", "status": ["realized"]}],
        "emptyProfiles": False,
    }
    return payload


_BUILDERS: dict[str, Callable[[str, str, int | None], dict[str, Any]]] = {
    "profile": _profile,
    "profile_events": _profile_events,
    "events": _events,
    "segment": _segment,
}


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str

    def build(self, dataset_id: str = "", merge_policy_id: str = "",
              merge_policy_version: int | None = 1) -> dict[str, Any]:
        """A fresh payload; ``mergePolicy`` is left out (Platform's default) when no id is given."""
        return _BUILDERS[self.key](dataset_id, merge_policy_id, merge_policy_version)


TEMPLATES: dict[str, Template] = {
    "profile": Template(
        "profile", "Profile attributes",
        "Profile attributes only (no time-series events). Edit fields to choose the attributes."),
    "profile_events": Template(
        "profile_events", "Profile + events",
        "Profile attributes plus their time-series events (additionalFields.eventList), events "
        "ingested since fromIngestTimestamp."),
    "events": Template(
        "events", "Events only",
        "Time-series events with just the identities (fields = identityMap) to join them on."),
    "segment": Template(
        "segment", "Segment export",
        "Profiles in one segment (filter.segments): replace segmentId with your segment's id; status "
        "realized, existing or exited."),
}


def render(payload: dict[str, Any]) -> str:
    """The payload as the editor shows it: JSON indented by two spaces."""
    return json.dumps(payload, indent=2, ensure_ascii=False)
