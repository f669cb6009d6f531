"""A job's request, rebuilt from its record, and the payload fingerprint that groups reruns.

The Platform echoes the request fields in every job record (``fields``, ``mergePolicy``,
``additionalFields``, ``filter``, ``destination``, ``schema``) and adds its own (``id``, ``status``,
``metrics``, ``batchId``, ...). :func:`request_from_record` keeps only what a create request may carry,
spelled as a request spells it (``destination.datasetId``, never the response's ``dataSetId``).

:func:`fingerprint` is a stable hash of that request: key order, whitespace and the dataset-id
spelling do not change it, so the history can say "the 41 earlier runs of this payload" and the launch
guard can spot a duplicate of a running job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# The request fields of CreateExportJobRequest, in the order a person writes them.
REQUEST_FIELDS = ("fields", "mergePolicy", "additionalFields", "filter", "destination", "schema")
# What a request's destination may hold; the record adds batchId and batches.
DESTINATION_FIELDS = ("datasetId", "segmentPerBatch")
MERGE_POLICY_FIELDS = ("id", "version")
FINGERPRINT_LENGTH = 16


def request_from_record(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The create request a job record echoes, and the names of the request fields it lacked.

    Never raises on odd shapes: a field of the wrong type is reported missing rather than copied.
    """
    request: dict[str, Any] = {}
    missing: list[str] = []
    for name in REQUEST_FIELDS:
        value = record.get(name) if isinstance(record, Mapping) else None
        if value is None:
            if name in ("destination", "schema"):
                missing.append(name)
            continue
        if name == "destination":
            destination = _destination(value)
            if destination is None:
                missing.append("destination.datasetId")
                continue
            request[name] = destination
        elif name == "mergePolicy":
            if not isinstance(value, Mapping):
                missing.append(name)
                continue
            request[name] = {k: value[k] for k in MERGE_POLICY_FIELDS if k in value}
        elif name == "schema":
            if not isinstance(value, Mapping) or not value.get("name"):
                missing.append("schema.name")
                continue
            request[name] = {"name": value["name"]}
        else:
            request[name] = _plain(value)
    return request, missing


def _destination(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    dataset = value.get("datasetId", value.get("dataSetId"))
    if not isinstance(dataset, str) or not dataset:
        return None
    out: dict[str, Any] = {"datasetId": dataset}
    if isinstance(value.get("segmentPerBatch"), bool):
        out["segmentPerBatch"] = value["segmentPerBatch"]
    return out


def _plain(value: Any) -> Any:
    """A JSON-plain deep copy (mappings become dicts), so callers may edit the result freely."""
    return json.loads(json.dumps(value, default=str))


def canonical(payload: Mapping[str, Any]) -> str:
    """The canonical text of a request: its request fields only, sorted keys, no whitespace.

    ``destination.dataSetId`` is read as ``datasetId`` and ``segmentPerBatch: false`` (the default)
    is dropped, so two spellings of the same request share one text.
    """
    picked: dict[str, Any] = {}
    for name in REQUEST_FIELDS:
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        if name == "destination" and isinstance(value, Mapping):
            dest = _destination(value) or dict(value)
            if dest.get("segmentPerBatch") is False:
                dest.pop("segmentPerBatch")
            value = dest
        elif name == "mergePolicy" and isinstance(value, Mapping):
            value = {k: value[k] for k in MERGE_POLICY_FIELDS if k in value}
            if isinstance(value.get("version"), float) and value["version"].is_integer():
                value["version"] = int(value["version"])
        elif name == "schema" and isinstance(value, Mapping) and "name" in value:
            value = {"name": value["name"]}
        elif name == "fields" and isinstance(value, str):
            value = ",".join(part.strip() for part in value.split(",") if part.strip())
        picked[name] = value
    return json.dumps(picked, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A short stable hash of a request (or of a job record: only its request fields count)."""
    digest = hashlib.sha256(canonical(payload).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]
