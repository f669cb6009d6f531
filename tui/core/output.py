"""What an export job produced: its batches (Catalog) and their files (Data Access), as parsed records.

Shapes: a Catalog GET is keyed by id (``{"<id>": {...}}``; ``?aggregate=true``
puts the fields at the root); counts come as ``recordCount`` or ``metrics.recordsWritten``; Data
Access numbers (``records``, ``size``, ``length``, ``created``) are strings. Parsers never raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.core.models import Job, to_int

DEFAULT_DOWNLOAD_DIR = "~/Downloads/aepx"
SUCCESS_STATUSES = frozenset({"success", "active", "loaded"})
FAILED_STATUSES = frozenset({"failure", "failed", "aborted", "abandoned", "deleted"})


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _s(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class BatchRef:
    """A batch named by a job: the main ``batchId`` or one of ``destination.batches`` (per segment)."""

    batch_id: str
    segment_id: str = ""


def job_batches(job: Job) -> list[BatchRef]:
    """Every batch a job names: ``destination.batches`` (array, or an object as the spec types it) first,
    then ``destination.batchId`` when it is not already listed. Empty ids (a FAILED job) are skipped."""
    dest = _map(_map(job.raw).get("destination"))
    raw = dest.get("batches")
    entries = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    refs: list[BatchRef] = []
    for entry in entries:
        entry = _map(entry)
        batch_id = _s(entry.get("batchId")).strip()
        if batch_id and all(r.batch_id != batch_id for r in refs):
            refs.append(BatchRef(batch_id, _s(entry.get("segmentId"))))
    main = (job.batch_id or _s(dest.get("batchId"))).strip()
    if main and all(r.batch_id != main for r in refs):
        refs.insert(0, BatchRef(main))
    return refs


def exported_profiles(job: Job) -> str:
    """``metrics.totalExportedProfileCounter`` (and the per-namespace counts) as text, or ``""``."""
    metrics = _map(_map(job.raw).get("metrics"))
    total = to_int(metrics.get("totalExportedProfileCounter"))
    if total is None:
        return ""
    by_ns = _map(metrics.get("exportedProfileByNamespaceCounter"))
    parts = [f"{_s(k)} {to_int(v):,}" for k, v in list(by_ns.items())[:6] if to_int(v) is not None]
    return f"{total:,}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True, slots=True)
class Batch:
    id: str
    status: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    record_count: int | None = None
    failed_record_count: int | None = None
    size: int | None = None
    started_ms: int | None = None
    completed_ms: int | None = None
    dataset_id: str = ""
    errors: tuple[str, ...] = ()

    @classmethod
    def parse(cls, batch_id: str, body: Any) -> Batch:
        """From a Catalog answer: ``{id: {...}}`` or (aggregate) the fields at the root."""
        data = _map(body)
        inner = data.get(batch_id) if isinstance(data.get(batch_id), Mapping) else None
        if inner is None and len(data) == 1 and isinstance(next(iter(data.values())), Mapping) \
                and "status" not in data:
            inner = next(iter(data.values()))
        record = _map(inner if inner is not None else data)
        metrics = _map(record.get("metrics"))
        count = to_int(record.get("recordCount"))
        if count is None:
            count = to_int(metrics.get("recordsWritten"))
        failed = to_int(record.get("failedRecordCount"))
        if failed is None:
            failed = to_int(metrics.get("recordsFailed"))
        dataset = ""
        for related in record.get("relatedObjects") or []:
            related = _map(related)
            if _s(related.get("type")).lower() == "dataset":
                dataset = _s(related.get("id"))
                break
        errors = []
        for e in record.get("errors") or []:
            e = _map(e)
            text = " ".join(p for p in (_s(e.get("code")), _s(e.get("description") or e.get("message")))
                            if p)
            if text:
                errors.append(text)
        return cls(id=batch_id, status=_s(record.get("status")) or "unknown", raw=record, record_count=count,
                   failed_record_count=failed, size=to_int(record.get("size")),
                   started_ms=to_int(record.get("started", metrics.get("startTime"))),
                   completed_ms=to_int(record.get("completed", metrics.get("endTime"))), dataset_id=dataset,
                   errors=tuple(errors))

    @property
    def succeeded(self) -> bool:
        return self.status.lower() in SUCCESS_STATUSES

    @property
    def failed(self) -> bool:
        return self.status.lower() in FAILED_STATUSES

    def as_json(self) -> dict[str, Any]:
        """The batch object unwrapped from its id key, with ``id`` added."""
        return {"id": self.id, **dict(self.raw)}


@dataclass(frozen=True, slots=True)
class BatchFile:
    """One downloadable file of a batch (a Data Access file entry, joined with its listing item)."""

    file_id: str
    name: str
    size: int | None = None
    records: int | None = None
    is_valid: bool = True
    created_ms: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"dataSetFileId": self.file_id, "name": self.name, "size": self.size, "records": self.records}


def listing_item(raw: Any) -> dict[str, Any]:
    """A ``/batches/{id}/files`` item with its string numbers as ints."""
    item = _map(raw)
    return {"file_id": _s(item.get("dataSetFileId")), "records": to_int(item.get("records")),
            "size": to_int(item.get("size")), "is_valid": item.get("isValid") is not False,
            "created_ms": to_int(item.get("created"))}


def safe_file_name(name: str) -> str:
    """A server-given file name reduced to one harmless path component (no directories, no controls)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isprintable() and c not in '<>:"|?*' else "_" for c in base).strip()
    if cleaned in ("", ".", ".."):
        return "file"
    return cleaned[:200]


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` with the default port filled in, or ``None`` for a relative URL."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, parts.hostname.lower(), port if port is not None else (default or 0)


def same_origin(url: str, base: str) -> bool:
    """Whether absolute ``url`` is on ``base``'s origin (``https://h`` and ``https://h:443`` are one)."""
    a, b = origin_of(url), origin_of(base)
    return a is not None and a == b


def batch_download_dir(configured: str | None, batch_id: str) -> Path:
    """``[output] download_dir`` (default ``~/Downloads/aepx``) / the batch id, ``~`` expanded."""
    return Path(configured or DEFAULT_DOWNLOAD_DIR).expanduser() / safe_file_name(batch_id)


def cell_text(value: Any, limit: int = 80) -> str:
    """A Parquet value as one line of plain text (still to be sanitised before a terminal)."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
