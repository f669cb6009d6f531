"""What a SUCCEEDED export job produced: Catalog batches and their real Parquet part files.

Every export job that reached its dataset-write phase has a batch (``job.batch_id``, and with
``segmentPerBatch`` one batch per segment). Its rows are plausible profile rows built from the job's
``fields`` and the seed. Nothing is written until a batch is first read: then its part files are
generated once (column-wise with ``pyarrow.compute``, one row group at a time, so a 5,000,000-row
batch never sits in memory) into the emulator's cache directory and served from disk.

``pyarrow`` is imported lazily (inside the functions that write files): the emulator's other routes
do not pay for it.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.emulator.jobs import FAILED, PROCESSING, SUCCEEDED, Job, rand_uuid

if TYPE_CHECKING:
    from tui.emulator.store import Store, Tenant

ROW_GROUP = 65_536
DEFAULT_FIELDS = ("identities.id", "personalEmail.address", "person.name.firstName", "homeAddress.country",
                  "_repo.modifyDate")

FIRST_NAMES = ("Ada", "Grace", "Linus", "Margaret", "Alan", "Katherine", "Dennis", "Barbara", "Ken", "Frances",
               "Tim", "Radia", "Guido", "Hedy", "John", "Sophie", "Yukihiro", "Anita", "Edsger", "Mary")
LAST_NAMES = ("Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Johnson", "Ritchie", "Liskov", "Thompson",
              "Allen", "Berners-Lee", "Perlman", "van Rossum", "Lamarr", "Backus", "Wilson", "Matsumoto", "Borg",
              "Dijkstra", "Keller")
COUNTRIES = ("US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "NL", "SE", "MX", "KR")
CITIES = ("San Jose", "Berlin", "Paris", "London", "Tokyo", "São Paulo", "Bengaluru", "Toronto", "Sydney",
          "Madrid", "Milan", "Amsterdam", "Stockholm", "Mexico City", "Seoul")
LANGUAGES = ("en-US", "de-DE", "fr-FR", "en-GB", "ja-JP", "pt-BR", "hi-IN", "es-ES", "it-IT", "nl-NL")
TIERS = ("bronze", "silver", "gold", "platinum")
CONSENT = ("y", "n", "p", "dy", "u")
BASE_TS = 1_700_000_000_000  # 2023-11-14, epoch ms


@dataclass(frozen=True, slots=True)
class PartFile:
    file_id: str  # the dataSetFileId
    name: str
    rows: int
    first_row: int


@dataclass(slots=True)
class Batch:
    id: str
    job: Job
    status: str  # success, processing, failed
    dataset_id: str
    rows: int
    parts: tuple[PartFile, ...]
    columns: tuple[str, ...]
    truncated: bool
    segment: int | None = None
    sizes: dict[str, int] = field(default_factory=dict)  # file name -> bytes, once generated

    @property
    def generated(self) -> bool:
        return len(self.sizes) == len(self.parts)

    def render(self, store_org: str) -> dict[str, Any]:
        """The Catalog object (not yet keyed by id)."""
        s = self.job.schedule
        started = s.write_start or self.job.created
        body: dict[str, Any] = {
            "imsOrg": store_org,
            "status": self.status,
            "created": started,
            "updated": s.write_end if self.status != "processing" and s.write_end else started,
            "createdUser": "aepx-emulator@AdobeID",
            "createdClient": "acp_ups_export",
            "started": started,
            "relatedObjects": [{"type": "dataSet", "id": self.dataset_id}],
            "version": "1.0.0",
            "inputFormat": {"format": "parquet"},
            "errors": [],
            "tags": {"exportJobId": [str(self.job.id)]},
        }
        if self.segment is not None:
            segments = (self.job.filter or {}).get("segments") or []
            if self.segment < len(segments):
                body["tags"]["segmentId"] = [str(segments[self.segment].get("segmentId", ""))]
        if self.status == "processing":
            return body
        body["completed"] = s.write_end or started
        if self.status == "failed":
            body["failedRecordCount"] = self.rows
            body["recordCount"] = 0
            body["errors"] = [{"code": "101", "description": "Batch write failed: the export job could not "
                                                             "commit its files to the dataset."}]
            body["metrics"] = {"recordsRead": self.rows, "recordsWritten": 0, "recordsFailed": self.rows,
                               "startTime": started, "endTime": s.write_end or started}
            return body
        body["recordCount"] = self.rows
        body["failedRecordCount"] = 0
        body["metrics"] = {"recordsRead": self.rows, "recordsWritten": self.rows, "startTime": started,
                           "endTime": s.write_end or started}
        if self.generated:
            body["size"] = sum(self.sizes.values())
        return body


def _columns(fields: str | None) -> tuple[str, ...]:
    wanted = [f.strip() for f in (fields or "").split(",") if f.strip()] or list(DEFAULT_FIELDS)
    out = ["_id"]
    for name in wanted:
        if name not in out:
            out.append(name)
    return tuple(out)


def _split(rng: random.Random, rows: int) -> list[int]:
    if rows <= 0:
        return []
    parts = min(rows, rng.randint(2, 5))
    weights = [rng.uniform(0.8, 1.2) for _ in range(parts)]
    total = sum(weights)
    counts = [max(1, int(rows * w / total)) for w in weights]
    counts[-1] += rows - sum(counts)
    if counts[-1] < 1:  # tiny batches: fall back to an even split
        counts = [rows // parts + (1 if i < rows % parts else 0) for i in range(parts)]
    return counts


class BatchFactory:
    """Resolves batch ids to batches (at emulated time ``now``) and writes their files on first use."""

    def __init__(self, store: Store, cache_dir: str | None = None) -> None:
        self.store = store
        self.settings = store.settings
        self._own_dir = cache_dir is None
        self._dir = Path(cache_dir) if cache_dir else None
        self._lock = threading.Lock()
        self._index: dict[str, tuple[str, str, int, int | None]] = {}  # batch -> (org, sandbox, job, segment)
        self._indexed = 0
        self._batch_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, Batch] = {}

    # --- lookup ------------------------------------------------------------------------------------
    def _reindex(self) -> None:
        with self.store.lock:
            total = sum(len(t.jobs) for t in self.store.tenants.values())
            if total == self._indexed:
                return
            for (org, sandbox), tenant in self.store.tenants.items():
                for job in tenant.jobs.values():
                    self._index.setdefault(job.batch_id, (org, sandbox, job.id, None))
                    for k, seg_batch in enumerate(job.segment_batches):
                        self._index.setdefault(seg_batch, (org, sandbox, job.id, k))
            self._indexed = total

    def find(self, tenant: Tenant, batch_id: str, now: int) -> Batch | None:
        """The batch as the Catalog shows it now, or ``None`` (unknown, not written yet, another tenant)."""
        with self._lock:
            self._reindex()
            entry = self._index.get(batch_id)
        if entry is None or (entry[0], entry[1]) != (tenant.org, tenant.sandbox):
            return None
        job = tenant.jobs.get(entry[2])
        if job is None:
            return None
        status = self._status(job, now)
        if status is None:
            return None
        with self._lock:
            batch = self._cache.get(batch_id)
            if batch is None:
                batch = self._plan(job, batch_id, entry[3])
                self._cache[batch_id] = batch
        batch.status = status
        return batch

    def list_for_dataset(self, tenant: Tenant, dataset_id: str, now: int) -> list[Batch]:
        with self._lock:
            self._reindex()
            ids = [b for b, (org, sb, _j, _s) in self._index.items() if (org, sb) == (tenant.org, tenant.sandbox)]
        found = []
        for batch_id in ids:
            entry = self._index[batch_id]
            job = tenant.jobs.get(entry[2])
            if job is None or job.dataset_id != dataset_id:
                continue
            batch = self.find(tenant, batch_id, now)
            if batch is not None:
                found.append(batch)
        found.sort(key=lambda b: (b.job.schedule.write_start or 0, b.id), reverse=True)
        return found

    @staticmethod
    def _status(job: Job, now: int) -> str | None:
        s = job.schedule
        written = s.write_start is not None and now >= s.write_start
        if job.cancelled_at is not None and job.cancelled_at <= (s.write_start or now + 1):
            return None  # cancelled before anything was written
        status = job.status_at(now)
        if status == SUCCEEDED:
            return "success"
        if status == FAILED:
            return "failed" if written and job.failure is not None and job.failure.phase == "write" else None
        if status == PROCESSING and written:
            return "processing"
        return None

    def _plan(self, job: Job, batch_id: str, segment: int | None) -> Batch:
        rng = random.Random(f"{self.settings.seed}:batch:{batch_id}")
        counts = _split(rng, self.settings.batch_rows)
        uuid = rand_uuid(rng)
        parts, first = [], 0
        for k, n in enumerate(counts):
            parts.append(PartFile(f"{batch_id}-{k + 1}", f"part-{k:05d}-{uuid}-c000.snappy.parquet", n, first))
            first += n
        truncated = bool(parts) and rng.random() < self.settings.truncated_share
        return Batch(batch_id, job, "success", job.dataset_id, sum(counts), tuple(parts), _columns(job.fields),
                     truncated, segment)

    # --- files -------------------------------------------------------------------------------------
    def directory(self) -> Path:
        with self._lock:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="aepx-emulator-"))
            self._dir.mkdir(parents=True, exist_ok=True)
            return self._dir

    def path(self, batch: Batch, part: PartFile) -> Path:
        return self.directory() / batch.id / part.name

    def materialise(self, batch: Batch) -> None:
        """Write every part file of ``batch`` once (blocking: call it in a worker thread)."""
        if batch.generated:
            return
        with self._lock:
            lock = self._batch_locks.setdefault(batch.id, threading.Lock())
        with lock:
            if batch.generated:
                return
            folder = self.directory() / batch.id
            folder.mkdir(parents=True, exist_ok=True)
            for i, part in enumerate(batch.parts):
                target = folder / part.name
                if not target.exists():
                    tmp = folder / f".{part.name}.tmp"
                    write_part(tmp, batch.columns, part.first_row, part.rows, self._seed_of(batch, part))
                    if batch.truncated and i == len(batch.parts) - 1:
                        with open(tmp, "r+b") as fh:
                            fh.truncate(max(1, os.path.getsize(tmp) // 2))
                    os.replace(tmp, target)
                batch.sizes[part.name] = target.stat().st_size

    def _seed_of(self, batch: Batch, part: PartFile) -> int:
        digest = hashlib.sha256(f"{self.settings.seed}:{batch.id}:{part.name}".encode()).digest()
        return int.from_bytes(digest[:7], "big")

    def close(self) -> None:
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


# --- Parquet ----------------------------------------------------------------------------------------
def _column(name: str, idx: Any, n: int, seed: int) -> Any:
    """One column of ``n`` rows for field ``name`` (vectorised: no per-row Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    salt = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    rnd = pc.random(n, initializer=(seed ^ salt) & 0x7FFF_FFFF_FFFF)

    def ints(k: int) -> Any:
        return pc.cast(pc.floor(pc.multiply(rnd, k)), pa.int64())

    def pick(values: tuple[str, ...]) -> Any:
        return pc.take(pa.array(values, pa.string()), ints(len(values)))

    def stamps(span_days: int) -> Any:
        return pc.cast(pc.add(ints(span_days * 86_400_000), BASE_TS), pa.timestamp("ms", tz="UTC"))

    text = pc.cast(idx, pa.string())
    leaf = name.rsplit(".", 1)[-1].lower()
    if name == "_id" or leaf == "id":
        prefix = "prof-" if name == "_id" else "ecid-"
        return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text, 10, "0"), "")
    if leaf == "val":
        return pick(CONSENT)
    if "email" in name.lower() or leaf == "address":
        return pc.binary_join_element_wise(pc.utf8_lower(pick(FIRST_NAMES)), ".", text, "@example.com", "")
    if leaf == "firstname":
        return pick(FIRST_NAMES)
    if leaf == "lastname":
        return pick(LAST_NAMES)
    if leaf == "country":
        return pick(COUNTRIES)
    if leaf == "city":
        return pick(CITIES)
    if leaf == "preferredlanguage":
        return pick(LANGUAGES)
    if leaf == "tier":
        return pick(TIERS)
    if leaf == "points":
        return ints(250_000)
    if leaf == "number":
        return pc.binary_join_element_wise("+1-555-", pc.utf8_lpad(pc.cast(ints(10_000_000), pa.string()), 7, "0"),
                                           "")
    if leaf == "birthdayandmonth":
        month = pc.utf8_lpad(pc.cast(pc.add(ints(12), 1), pa.string()), 2, "0")
        day = pc.utf8_lpad(pc.cast(pc.add(pc.subtract(idx, pc.multiply(pc.divide(idx, 28), 28)), 1), pa.string()),
                           2, "0")
        return pc.binary_join_element_wise(month, day, "-")
    if leaf == "identitymap":
        return pc.binary_join_element_wise('{"ECID":[{"id":"', pc.utf8_lpad(text, 12, "0"), '"}]}', "")
    if "date" in leaf or "timestamp" in leaf or leaf.endswith("time"):
        return stamps(700)
    return pc.binary_join_element_wise(pick(("alpha", "beta", "gamma", "delta")), "-", text, "")


def write_part(path: Path, columns: tuple[str, ...], first_row: int, rows: int, seed: int) -> None:
    """Write one snappy Parquet part file, one row group of at most ``ROW_GROUP`` rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        done = 0
        while done < rows or writer is None:
            n = min(ROW_GROUP, rows - done)
            start = first_row + done
            idx = pa.array(range(start, start + n), pa.int64())
            arrays = [_column(name, idx, n, seed + start) for name in columns]
            table = pa.Table.from_arrays(arrays, names=list(columns))
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema, compression="snappy",
                                          metadata_collector=None)
            if n:
                writer.write_table(table, row_group_size=ROW_GROUP)
            done += n
            if rows == 0:
                break
    finally:
        if writer is not None:
            writer.close()
