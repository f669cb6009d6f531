"""Typed, tolerant models of what the Platform returns.

Parsing never fails on shape surprises: ``datasetId`` and ``dataSetId`` are both read, numbers may
arrive as strings, missing metrics phases are ``None``, unknown statuses are kept as they are, unknown
fields stay in ``raw`` (the record exactly as received, for display and ``--json``).
"""

from __future__ import annotations

import marshal
import sys
import time
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any

from tui.core.statuses import ACTIVE_STATUSES, FAILED, FINAL_STATUSES, NEW, PROCESSING, SUCCEEDED

PROFILE_UNION_SCHEMA = "https://ns.adobe.com/xdm/context/profile__union"

def now_ms() -> int:
    return int(time.time() * 1000)


def destination_dataset(destination: Mapping[str, Any]) -> Any:
    """The dataset id of a ``destination`` object as sent: ``datasetId`` (how a request spells it),
    else ``dataSetId`` (how the create and get responses spell it)."""
    return destination.get("datasetId", destination.get("dataSetId"))


def to_int(value: Any) -> int | None:
    """An int from an int, a float or a numeric string; ``None`` for anything else."""
    kind = type(value)
    if kind is int:  # the common case first: exact types skip the slower isinstance chain
        return value
    if value is None or kind is bool:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                return None
            return int(f) if f == f and abs(f) != float("inf") else None
    return None


def _str(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


_EMPTY: Mapping[str, Any] = {}


def _map(value: Any) -> Mapping[str, Any]:
    # ``type(...) is dict`` first: decoded JSON is always a dict, and isinstance against the Mapping ABC
    # is several times slower (it dominated loading 10,000 jobs).
    if type(value) is dict or isinstance(value, Mapping):
        return value
    return _EMPTY


def _is_map(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


class CompactRecord(Mapping[str, Any]):
    """A decoded JSON record kept as ``marshal`` bytes: about a tenth of the memory of the dict tree
    (10,000 loaded jobs were most of the console's resident memory), ~1 µs to build, ~2 µs to decode.

    Read-only; every access decodes a fresh copy, so a caller that reads many keys takes
    :func:`plain` once. Only for this process's memory: never written anywhere (marshal's format
    belongs to one Python version)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def load(self) -> dict[str, Any]:
        loaded: dict[str, Any] = marshal.loads(self.data)
        return loaded

    def __getitem__(self, key: str) -> Any:
        return self.load()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.load().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())

    def __contains__(self, key: object) -> bool:
        return key in self.load()

    def keys(self) -> KeysView[str]:
        return self.load().keys()

    def items(self) -> ItemsView[str, Any]:
        return self.load().items()

    def values(self) -> ValuesView[Any]:
        return self.load().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self.load() == dict(plain(other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CompactRecord({self.load()!r})"


def compact(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """``raw`` as a :class:`CompactRecord` (a plain JSON dict), else unchanged."""
    if type(raw) is dict:
        try:
            return CompactRecord(marshal.dumps(raw))
        except ValueError:  # a value marshal cannot hold (not from JSON): keep the dict
            return raw
    return raw


def plain(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The record as a decoded mapping (one decode of a :class:`CompactRecord`)."""
    return raw.load() if type(raw) is CompactRecord else raw


@dataclass(frozen=True, slots=True)
class Phase:
    start_ms: int | None = None
    end_ms: int | None = None
    total_ms: int | None = None

    @classmethod
    def parse(cls, raw: Any) -> Phase | None:
        if raw is None or not _is_map(raw):
            return None
        return cls(to_int(raw.get("startTimeInMs")), to_int(raw.get("endTimeInMs")),
                   to_int(raw.get("totalTimeInMs")))

    @property
    def finished(self) -> bool:
        return self.end_ms is not None

    def duration_ms(self, at_ms: int | None = None) -> int | None:
        """Total if known, else end - start, else (for a running phase) at_ms - start."""
        if self.total_ms is not None:
            return self.total_ms
        if self.start_ms is None:
            return None
        if self.end_ms is not None:
            return max(0, self.end_ms - self.start_ms)
        return max(0, (at_ms if at_ms is not None else now_ms()) - self.start_ms)


@dataclass(frozen=True, slots=True)
class JobError:
    code: str
    msg: str
    call_stack: str = ""

    @classmethod
    def parse(cls, raw: Any) -> JobError:
        if not _is_map(raw):
            return cls(code="", msg=_str(raw))
        return cls(code=_str(raw.get("code")), msg=_str(raw.get("msg", raw.get("message"))),
                   call_stack=_str(raw.get("callStack")))


@dataclass(slots=True)
class Job:
    id: str
    status: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    job_type: str = ""
    created_ms: int | None = None
    updated_ms: int | None = None
    dataset_id: str = ""
    batch_id: str = ""
    request_id: str = ""
    profile_instance_id: str = ""
    ims_org_id: str = ""
    merge_policy_id: str = ""
    merge_policy_version: int | None = None
    schema_name: str = ""
    fields: str = ""
    event_fields: str = ""
    event_from_ingest: str = ""
    from_ingest: str = ""
    segments: tuple[str, ...] = ()
    segment_per_batch: bool = False
    export_job_id: str = ""
    push_job_id: str = ""
    total: Phase | None = None
    profile_export: Phase | None = None
    dataset_write: Phase | None = None
    errors: tuple[JobError, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Job:
        """Parse one job record. Never raises: a non-mapping becomes an empty record."""
        # Hot path (10,000 records on a full load): names bound locally, exact-type fast paths in
        # _map/_str/to_int, and the common empty sub-records skipped.
        # Values most jobs share (status, type, org, dataset, policy, schema, fields) are interned:
        # one string each instead of one per job (10,000 jobs: megabytes).
        s, n, m, i = _str, to_int, _map, sys.intern
        data: Mapping[str, Any] = m(raw)
        get = data.get
        dest = m(get("destination"))
        mp = m(get("mergePolicy"))
        flt = m(get("filter"))
        additional = get("additionalFields")
        events = m(m(additional).get("eventList")) if additional is not None else _EMPTY
        gw = m(get("computeGatewayJobId"))
        metrics = m(get("metrics"))
        segments = flt.get("segments") if flt else None
        seg_ids: tuple[str, ...] = ()
        if isinstance(segments, list):
            seg_ids = tuple(s(x.get("segmentId")) for x in segments if _is_map(x))
        errors = get("errors")
        phase = Phase.parse
        return cls(
            id=s(get("id")),
            status=i(s(get("status")) or "UNKNOWN"),
            raw=data,
            job_type=i(s(get("jobType"))),
            created_ms=n(get("creationTime")),
            updated_ms=n(get("updateTime")),
            dataset_id=i(s(destination_dataset(dest))),
            batch_id=s(dest.get("batchId")),
            request_id=s(get("requestId")),
            profile_instance_id=i(s(get("profileInstanceId"))),
            ims_org_id=i(s(get("imsOrgId"))),
            merge_policy_id=i(s(mp.get("id"))),
            merge_policy_version=n(mp.get("version")),
            schema_name=i(s(m(get("schema")).get("name"))),
            fields=i(s(get("fields"))),
            event_fields=s(events.get("fields")) if events else "",
            event_from_ingest=s(m(events.get("filter")).get("fromIngestTimestamp")) if events else "",
            from_ingest=s(flt.get("fromIngestTimestamp")) if flt else "",
            segments=seg_ids,
            segment_per_batch=dest.get("segmentPerBatch") is True,
            export_job_id=s(gw.get("exportJob")) if gw else "",
            push_job_id=s(gw.get("pushJob")) if gw else "",
            total=phase(metrics.get("totalTime")) if metrics else None,
            profile_export=phase(metrics.get("profileExportTime")) if metrics else None,
            dataset_write=phase(metrics.get("aCPDatasetWriteTime")) if metrics else None,
            errors=tuple(JobError.parse(e) for e in errors) if isinstance(errors, list) else (),
        )

    # Numeric id first (ids are integers on the wire), for sorting; computed once, sorts call it 10,000s of times.
    sort_id: tuple[int, str] = field(init=False, repr=False, compare=False)

    def compact_raw(self) -> None:
        """Keep ``raw`` as a :class:`CompactRecord` (same mapping, a tenth of the memory)."""
        self.raw = compact(self.raw)

    def __post_init__(self) -> None:
        n = to_int(self.id)
        self.sort_id = (n if n is not None else -1, self.id)

    # --- derived values ---------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def duration_ms(self, at_ms: int | None = None) -> int | None:
        """Total run time: the ``totalTime`` metric when finished, else a running total since creation."""
        if self.total is not None and self.total.total_ms is not None:
            return self.total.total_ms
        start = self.total.start_ms if self.total and self.total.start_ms is not None else self.created_ms
        if start is None:
            return None
        if self.is_active:
            return max(0, (at_ms if at_ms is not None else now_ms()) - start)
        end = (self.total.end_ms if self.total else None) or self.updated_ms
        return max(0, end - start) if end is not None else None

    @property
    def current_phase(self) -> str:
        """A short label: queued, profile export, dataset write, done, failed, or the raw status."""
        if self.status == NEW:
            return "queued"
        if self.status == PROCESSING:
            if self.dataset_write is not None and not self.dataset_write.finished:
                return "dataset write"
            if self.profile_export is not None and self.profile_export.finished:
                return "dataset write"
            if self.profile_export is not None:
                return "profile export"
            return "starting"
        if self.status == SUCCEEDED:
            return "done"
        if self.status == FAILED:
            return "failed"
        return self.status.lower()

    @property
    def error_text(self) -> str:
        return " ".join(f"{e.code} {e.msg}" for e in self.errors)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the job list. ``next_cursor`` is the ``offset`` of the next page, ``None`` at the end."""

    jobs: tuple[Job, ...]
    next_cursor: str | None = None
    next_link: str = ""
    page_offset: str = ""
    page_size: int | None = None
    sort_field: str = ""
    sort: str = ""
    #: One sentence each: what the client did about a misbehaving answer (a page larger than asked for,
    #: a ``next`` link that brought nothing new, the page limit reached).
    warnings: tuple[str, ...] = ()

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True, slots=True)
class Dataset:
    id: str
    name: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    schema_id: str = ""
    created_ms: int | None = None

    @classmethod
    def parse(cls, dataset_id: str, raw: Any) -> Dataset:
        data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        ref = _map(data.get("schemaRef"))
        return cls(id=_str(dataset_id or data.get("id")), name=_str(data.get("name")), raw=data,
                   schema_id=_str(ref.get("id")), created_ms=to_int(data.get("created")))

    @property
    def on_union_schema(self) -> bool:
        return self.schema_id == PROFILE_UNION_SCHEMA


@dataclass(frozen=True, slots=True)
class MergePolicy:
    id: str
    name: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    version: int | None = None
    default: bool = False
    schema_name: str = ""

    @classmethod
    def parse(cls, raw: Any) -> MergePolicy:
        data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        return cls(id=_str(data.get("id")), name=_str(data.get("name")), raw=data,
                   version=to_int(data.get("version")), default=data.get("default") is True,
                   schema_name=_str(_map(data.get("schema")).get("name")))


@dataclass(frozen=True, slots=True)
class CancelResult:
    """One result type for both documented DELETE responses (204 empty, 200 with a message) and 404."""

    job_id: str
    already_gone: bool = False
    message: str = ""

    @property
    def outcome(self) -> str:
        return "already gone" if self.already_gone else "cancel requested"


@dataclass(frozen=True, slots=True)
class CreateResult:
    """``reconciled`` is True when the POST's answer was lost and the job was found by listing."""

    job: Job
    reconciled: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """Where an API client points: shown in headers and confirmations. Holds no secret."""

    profile: str
    org_id: str
    sandbox: str
    platform_url: str
    client_id: str = ""
    is_emulator: bool = False
