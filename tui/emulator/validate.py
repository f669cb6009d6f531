"""Validation of an export-job create request, as the real service would do it.

Each failure raises a ``ValueError`` whose text names the offending field; the route turns it into a
400 in the UPS error shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui.emulator.catalog import PROFILE_SCHEMA_NAME, PROFILE_UNION_SCHEMA
from tui.emulator.store import Tenant

SEGMENT_STATUSES = ("realized", "existing", "exited")


def _obj(value: Any, name: str, *, required: bool = False) -> dict[str, Any] | None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


def _str(value: Any, name: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if required and not value.strip():
        raise ValueError(f"{name} must not be empty")
    return value


def _required_obj(value: Any, name: str) -> dict[str, Any]:
    found = _obj(value, name, required=True)
    if found is None:  # pragma: no cover - _obj raised already
        raise ValueError(f"{name} is required")
    return found


def _required_str(value: Any, name: str) -> str:
    found = _str(value, name, required=True)
    if found is None:  # pragma: no cover - _str raised already
        raise ValueError(f"{name} is required")
    return found


def _bool(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _timestamp(value: Any, name: str) -> None:
    text = _str(value, name)
    if text is None:
        return
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be an RFC 3339 timestamp such as 2018-10-25T13:22:04-07:00") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{name} must include a time zone offset (e.g. Z or -07:00)")


def _segments(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise ValueError("filter.segments must be an array")
    for i, seg in enumerate(value):
        name = f"filter.segments[{i}]"
        seg = _required_obj(seg, name)
        _required_str(seg.get("segmentId"), f"{name}.segmentId")
        _str(seg.get("segmentNs"), f"{name}.segmentNs")
        statuses = seg.get("status")
        if statuses is not None:
            if not isinstance(statuses, list) or not all(s in SEGMENT_STATUSES for s in statuses):
                raise ValueError(f"{name}.status must be an array of {', '.join(SEGMENT_STATUSES)}")


def _filter(value: Any) -> dict[str, Any] | None:
    flt = _obj(value, "filter")
    if flt is None:
        return None
    _segments(flt.get("segments"))
    sqt = _obj(flt.get("segmentQualificationTime"), "filter.segmentQualificationTime")
    if sqt is not None:
        _timestamp(sqt.get("startTime"), "filter.segmentQualificationTime.startTime")
        _timestamp(sqt.get("endTime"), "filter.segmentQualificationTime.endTime")
    _timestamp(flt.get("fromIngestTimestamp"), "filter.fromIngestTimestamp")
    _bool(flt.get("emptyProfiles"), "filter.emptyProfiles")
    return flt


def _additional(value: Any) -> dict[str, Any] | None:
    extra = _obj(value, "additionalFields")
    if extra is None:
        return None
    events = _obj(extra.get("eventList"), "additionalFields.eventList")
    if events is not None:
        _str(events.get("fields"), "additionalFields.eventList.fields")
        ev_filter = _obj(events.get("filter"), "additionalFields.eventList.filter")
        if ev_filter is not None:
            _timestamp(ev_filter.get("fromIngestTimestamp"),
                       "additionalFields.eventList.filter.fromIngestTimestamp")
    return extra


def _destination(value: Any, tenant: Tenant) -> tuple[str, bool]:
    dest = _required_obj(value, "destination")
    if dest.get("datasetId") is None and dest.get("dataSetId") is not None:
        raise ValueError("destination.datasetId is required (requests spell it datasetId, not dataSetId)")
    dataset_id = _required_str(dest.get("datasetId"), "destination.datasetId")
    per_batch = _bool(dest.get("segmentPerBatch"), "destination.segmentPerBatch") or False
    dataset = tenant.datasets.get(dataset_id)
    if dataset is None:
        raise ValueError(f"destination.datasetId {dataset_id!r} does not exist in sandbox {tenant.sandbox!r}")
    schema_id = dataset.get("schemaRef", {}).get("id")
    if schema_id != PROFILE_UNION_SCHEMA:
        raise ValueError(f"destination.datasetId {dataset_id!r} is not based on the profile union schema "
                         f"{PROFILE_UNION_SCHEMA} (its schema is {schema_id})")
    return dataset_id, per_batch


def _merge_policy(value: Any, tenant: Tenant) -> dict[str, Any]:
    mp = _obj(value, "mergePolicy")
    if mp is None:
        default = tenant.default_merge_policy()
        return {"id": default["id"], "version": default["version"]}
    policy_id = _required_str(mp.get("id"), "mergePolicy.id")
    version = mp.get("version")
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # the spec types it number; its example is 1.0
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise ValueError("mergePolicy.version must be a positive integer")
    policy = tenant.merge_policy(policy_id)
    if policy is None:
        raise ValueError(f"mergePolicy.id {policy_id!r} does not exist in sandbox {tenant.sandbox!r}")
    if version is not None and version > policy["version"]:
        raise ValueError(f"mergePolicy.version {version} does not exist (latest is {policy['version']})")
    return {"id": policy_id, "version": version if version is not None else policy["version"]}


def validate_export_request(body: Any, tenant: Tenant, profile_instance_id: str) -> dict[str, Any]:
    """A validated job spec for ``Store.create_job``; raises ``ValueError`` naming the bad field."""
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    fields = _str(body.get("fields"), "fields (a comma-separated string)")
    schema = _required_obj(body.get("schema"), "schema")
    schema_name = _required_str(schema.get("name"), "schema.name")
    if schema_name != PROFILE_SCHEMA_NAME:
        raise ValueError(f"schema.name must be {PROFILE_SCHEMA_NAME!r} (got {schema_name!r})")
    dataset_id, per_batch = _destination(body.get("destination"), tenant)
    return {
        "profile_instance_id": profile_instance_id,
        "schema": {"name": schema_name},
        "merge_policy": _merge_policy(body.get("mergePolicy"), tenant),
        "dataset_id": dataset_id,
        "segment_per_batch": per_batch,
        "fields": fields,
        "additional_fields": _additional(body.get("additionalFields")),
        "filter": _filter(body.get("filter")),
    }
