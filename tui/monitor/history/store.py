"""The local job history: one SQLite file (stdlib ``sqlite3``, WAL), keyed by (org, sandbox, job id).

* **Where**: ``[history] path`` or ``~/.local/share/aepx/history.sqlite3`` (the platform data dir);
  the file is 0600, its directory 0700. ``[history] enabled = false`` turns it off.
* **What**: per job the raw record exactly as the API returned it (compact JSON), its status,
  created/updated times, phase times (queue wait, profile export, dataset write, total), dataset,
  merge policy, the payload fingerprint (:func:`tui.core.fingerprint.fingerprint`) and the first error
  code. Every query is scoped by (org, sandbox): another org's rows never mix into a view.
* **Schema**: versioned by ``PRAGMA user_version`` with the steps in :data:`MIGRATIONS` (a newer
  aepx opens an older file and migrates it in one transaction); ``PRAGMA application_id`` marks the
  file as aepx's. A corrupt, foreign or newer file raises :class:`HistoryUnavailable` (one sentence
  naming the file) and is never written.
* **Writes**: :meth:`HistoryStore.submit` queues records for one writer thread that upserts them in
  batches (one transaction per batch), off the caller's (the UI's) thread. A second process on the
  same file waits on the busy timeout. Disk full or a read-only file turns history off for the run
  with one sentence (:meth:`HistoryStore.take_problem`), never an exception in the caller.

One module because the schema, its migrations and every query on it change together.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tui.core.fingerprint import fingerprint
from tui.core.models import Job, plain
from tui.core.paths import create_private_file, data_dir, tighten
from tui.core.statuses import SUCCEEDED
from tui.monitor.history.baselines import DATASET, MIN_SAMPLES, PAYLOAD, SANDBOX, Baseline

log = logging.getLogger("aepx.history")

APPLICATION_ID = 0x61657078  # "aepx"
SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 5000
# Page cache per connection (negative: KiB). 16 MB keeps the four indexes' pages in memory during a
# big sync: about 35 % faster than SQLite's default 2 MB; it only fills while writing that much.
CACHE_KIB = -16_000
BATCH_ROWS = 2000
BASELINE_TTL_S = 60.0  # baselines move slowly: re-read at most once a minute per payload
FILE_NAME = "history.sqlite3"

JOB_COLUMNS = ("org", "sandbox", "job_id", "status", "created_ms", "updated_ms", "queue_ms", "export_ms",
               "write_ms", "total_ms", "dataset_id", "merge_policy_id", "merge_policy_version", "fingerprint",
               "error_code", "raw", "seen_ms")

# version → the statements that bring a file from version-1 to it. Append; never edit a shipped step.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE jobs (
            org TEXT NOT NULL, sandbox TEXT NOT NULL, job_id TEXT NOT NULL,
            status TEXT NOT NULL, created_ms INTEGER, updated_ms INTEGER,
            queue_ms INTEGER, export_ms INTEGER, write_ms INTEGER, total_ms INTEGER,
            dataset_id TEXT NOT NULL DEFAULT '', merge_policy_id TEXT NOT NULL DEFAULT '',
            merge_policy_version INTEGER, fingerprint TEXT NOT NULL DEFAULT '',
            error_code TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL, seen_ms INTEGER NOT NULL,
            PRIMARY KEY (org, sandbox, job_id))""",  # a rowid table: rows of ~1 KB do not suit WITHOUT ROWID
        "CREATE INDEX jobs_created ON jobs (org, sandbox, created_ms)",
        "CREATE INDEX jobs_payload ON jobs (org, sandbox, fingerprint, status, total_ms)",
        "CREATE INDEX jobs_dataset ON jobs (org, sandbox, dataset_id, status, total_ms)",
        "CREATE INDEX jobs_status ON jobs (org, sandbox, status, total_ms)",
    ),
    2: (
        # when a (org, sandbox) was last written from the Platform: "data as of"
        "CREATE TABLE syncs (org TEXT NOT NULL, sandbox TEXT NOT NULL, synced_ms INTEGER NOT NULL, "
        "PRIMARY KEY (org, sandbox)) WITHOUT ROWID",
        # rules fired once per job and event, across restarts (aepx watch)
        "CREATE TABLE fired (org TEXT NOT NULL, sandbox TEXT NOT NULL, job_id TEXT NOT NULL, "
        "event TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (org, sandbox, job_id, event)) WITHOUT ROWID",
    ),
    3: (
        # aepx watch: alerts waiting for a webhook (sink = a hash of the URL, never the URL: it may hold a token)
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, body TEXT NOT NULL, "
        "created_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
        "last_error TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX outbox_due ON outbox (sink, next_ms)",
    ),
    4: (
        # Pulse and `history stats`: a covering index for the window's aggregates (no 1 KB row is read)
        "CREATE INDEX jobs_pulse ON jobs (org, sandbox, created_ms, status, total_ms, queue_ms, export_ms, "
        "write_ms, dataset_id, fingerprint, error_code, job_id)",
    ),
}

_UPSERT = (
    f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ({', '.join('?' * len(JOB_COLUMNS))}) "
    "ON CONFLICT (org, sandbox, job_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in JOB_COLUMNS[3:])
    + " WHERE jobs.raw IS NOT excluded.raw"
)
_SYNCED = ("INSERT INTO syncs (org, sandbox, synced_ms) VALUES (?, ?, ?) ON CONFLICT (org, sandbox) "
           "DO UPDATE SET synced_ms = max(synced_ms, excluded.synced_ms)")


class HistoryUnavailable(Exception):
    """History is off for this run; ``str()`` is the one sentence to show."""


def default_history_path() -> Path:
    return data_dir() / FILE_NAME


# ASCII only: no control, C1 or bidi character survives unescaped into the file or `history list --json`.
# One encoder for every row (json.dumps with options builds a new one per call).
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str).encode


def _dumps(raw: Any) -> str:
    return _ENCODE(raw)


def job_row(org: str, sandbox: str, job: Job, seen_ms: int, fingerprints: dict[Any, str] | None = None) -> tuple:
    """The ``jobs`` row of one record (column order of :data:`JOB_COLUMNS`)."""
    raw = plain(job.raw)
    total = job.total
    export = job.profile_export
    write = job.dataset_write
    final = job.is_final
    total_ms = (total.total_ms if total is not None and total.total_ms is not None
                else (job.duration_ms() if final else None))
    queue_ms = None
    if export is not None and export.start_ms is not None and job.created_ms is not None:
        queue_ms = max(0, export.start_ms - job.created_ms)
    export_ms = export.total_ms if export is not None else None
    write_ms = write.total_ms if write is not None else None
    text = _dumps(raw)
    return (org, sandbox, job.id, job.status, job.created_ms, job.updated_ms, queue_ms, export_ms, write_ms,
            total_ms, job.dataset_id, job.merge_policy_id, job.merge_policy_version, _fingerprint(raw, fingerprints),
            job.errors[0].code if job.errors else "", text, seen_ms)


def _fingerprint(raw: Any, cache: dict[Any, str] | None) -> str:
    try:
        if cache is None:
            return fingerprint(raw)
        # Most runs repeat a few payloads: key the cache by the request fields (cheap to build; a
        # different spelling of the same request only costs a miss, never a wrong fingerprint).
        get = raw.get
        mp = get("mergePolicy")
        dest = get("destination")
        schema = get("schema")
        extra = (get("additionalFields"), get("filter"))
        key = (get("fields"),
               (mp.get("id"), mp.get("version")) if type(mp) is dict else repr(mp),
               (dest.get("datasetId"), dest.get("dataSetId"), dest.get("segmentPerBatch"))
               if type(dest) is dict else repr(dest),
               schema.get("name") if type(schema) is dict else repr(schema),
               repr(extra) if extra != (None, None) else None)
        try:
            value = cache.get(key)
        except TypeError:  # an odd, unhashable shape: no caching
            return fingerprint(raw)
        if value is None:
            if len(cache) > 10_000:
                cache.clear()
            value = cache[key] = fingerprint(raw)
        return value
    except Exception:  # an odd record never stops the history
        return ""



def _succeeded_runs(org: str, sandbox: str, fingerprint: str | None,
                    dataset: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of the SUCCEEDED runs with a total time in one scope: a
    payload (``fingerprint``), else a dataset, else the whole sandbox."""
    where = "org = ? AND sandbox = ? AND status = ? AND total_ms IS NOT NULL"
    params: list[Any] = [org, sandbox, SUCCEEDED]
    if fingerprint is not None:
        where += " AND fingerprint = ?"
        params.append(fingerprint)
    elif dataset is not None:
        where += " AND dataset_id = ?"
        params.append(dataset)
    return where, params

class HistoryStore:
    """One history file. Open with :meth:`open`; every method is safe to call after :meth:`close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn  # reads on the caller's thread (guarded by _lock)
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[str, str, tuple[Job, ...], int] | None] = queue.SimpleQueue()
        self._pending = 0
        self._pending_lock = threading.Condition()
        self._writer: threading.Thread | None = None
        self._problem: str | None = None
        self._problem_taken = False
        self.enabled = True
        self._fingerprints: dict[Any, str] = {}
        self.baseline_cache: dict[tuple[str, str, str, str, str], tuple[float, Baseline | None]] = {}

    # --- opening ------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None = None, *, create: bool = True) -> HistoryStore:
        """Open (creating and migrating when needed) or raise :class:`HistoryUnavailable`."""
        path = Path(path) if path is not None else default_history_path()
        path = path.expanduser()
        try:
            if not path.exists():
                if not create:
                    raise HistoryUnavailable(f"No job history at {path} yet; run `aepx history sync` or the "
                                             "console to record some.")
                create_private_file(path, exclusive=True)
            elif not path.is_file():
                raise HistoryUnavailable(f"History is off for this run: {path} is not a regular file; "
                                         "set [history] path to a file.")
        except OSError as exc:
            raise HistoryUnavailable(f"History is off for this run: cannot create {path} "
                                     f"({exc.strerror or exc}); check the directory's permissions or set "
                                     "[history] path.") from None
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryUnavailable(f"History is off for this run: cannot open {path} ({exc}).") from None
        try:
            _check_and_migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        tighten(path)
        return cls(path, conn)

    # --- writing (the writer thread) ------------------------------------------------------------------
    def submit(self, org: str, sandbox: str, jobs: Iterable[Job], seen_ms: int | None = None) -> None:
        """Queue records for the writer thread; returns at once. Does nothing once history is off."""
        batch = tuple(jobs)
        if not batch or not self.enabled:
            return
        with self._pending_lock:
            self._pending += 1
        self._queue.put((org, sandbox, batch, seen_ms if seen_ms is not None else int(time.time() * 1000)))
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_loop, name="aepx-history", daemon=True)
            self._writer.start()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every submitted record is written (or dropped); ``False`` on timeout."""
        with self._pending_lock:
            return self._pending_lock.wait_for(lambda: self._pending == 0, timeout)

    def _write_loop(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(self.path)
            while True:
                item = self._queue.get()
                if item is None:
                    return
                items = [item]
                while len(items) < 64:  # coalesce what is queued into one transaction
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        self._queue.put(None)
                        break
                    items.append(more)
                try:
                    if self.enabled:
                        self._write(conn, items)
                finally:
                    with self._pending_lock:
                        self._pending -= len(items)
                        self._pending_lock.notify_all()
        except sqlite3.Error as exc:
            self._turn_off(exc)
        finally:
            if conn is not None:
                conn.close()
            self._drain()

    def _drain(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                with self._pending_lock:
                    self._pending -= 1
                    self._pending_lock.notify_all()

    def _write(self, conn: sqlite3.Connection, items: list[tuple[str, str, tuple[Job, ...], int]]) -> None:
        for attempt in range(5):
            try:
                self._upsert(conn, items)
                return
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and attempt < 4:
                    time.sleep(0.2 * (attempt + 1))  # another aepx holds the file past the busy timeout
                    continue
                self._turn_off(exc)
                return
            except Exception as exc:  # sqlite3.Error or a defect of ours: history off, the caller runs on
                self._turn_off(exc)
                return

    def _chunks(self, items: Sequence[tuple[str, str, Sequence[Job], int]]) -> Iterator[list[tuple]]:
        cache = self._fingerprints
        for org, sandbox, jobs, seen in items:
            for start in range(0, len(jobs), BATCH_ROWS):
                yield [job_row(org, sandbox, j, seen, cache) for j in jobs[start:start + BATCH_ROWS]]

    def _upsert(self, conn: sqlite3.Connection, items: Sequence[tuple[str, str, Sequence[Job], int]]) -> None:
        synced: dict[tuple[str, str], int] = {}
        for org, sandbox, _, seen in items:
            synced[(org, sandbox)] = max(seen, synced.get((org, sandbox), 0))
        rows = sum(len(jobs) for _, _, jobs, _ in items)
        # Big batches: build the next chunk's rows (JSON, fingerprints) on a helper thread while SQLite
        # writes this one (sqlite3 releases the GIL while it steps).
        chunks = _prefetched(self._chunks(items)) if rows > 2 * BATCH_ROWS else self._chunks(items)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for chunk in chunks:
                conn.executemany(_UPSERT, chunk)
            conn.executemany(_SYNCED, [(o, s, t) for (o, s), t in synced.items()])
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def upsert(self, org: str, sandbox: str, jobs: Sequence[Job], seen_ms: int | None = None) -> None:
        """Write now, on this thread (the CLI's sync and the bench); raises :class:`HistoryUnavailable`."""
        if not self.enabled:
            raise HistoryUnavailable(self._problem or f"History at {self.path} is off for this run.")
        seen = seen_ms if seen_ms is not None else int(time.time() * 1000)
        with self._lock:
            try:
                self._upsert(self._conn, [(org, sandbox, jobs, seen)])
            except Exception as exc:
                self._turn_off(exc)
                raise HistoryUnavailable(self._problem) from None
        self.baseline_cache.clear()

    def _turn_off(self, exc: BaseException) -> None:
        if self._problem is None:
            reason = str(exc) or type(exc).__name__
            hint = ("free some disk space" if "full" in reason else
                    "check the file's permissions" if "readonly" in reason or "read-only" in reason else
                    "set [history] enabled = false to silence this")
            self._problem = f"History is off for this run: writing {self.path} failed ({reason}); {hint}."
            log.warning("%s", self._problem)
        self.enabled = False

    def take_problem(self) -> str | None:
        """The sentence saying why history turned off, once (then ``None``)."""
        if self._problem is None or self._problem_taken:
            return None
        self._problem_taken = True
        return self._problem

    @property
    def problem(self) -> str | None:
        return self._problem

    def close(self) -> None:
        """Write what is queued, stop the writer, close the file."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join(timeout=30)
            self._writer = None
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()

    # --- reading ------------------------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.ProgrammingError:  # closed
                return []

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Any read-only query (Pulse's aggregates). Scope it by ``org`` and ``sandbox`` yourself."""
        return self._read(sql, params)

    def count(self, org: str, sandbox: str) -> int:
        return self._read("SELECT count(*) FROM jobs WHERE org = ? AND sandbox = ?", (org, sandbox))[0][0]

    def list_raw(self, org: str, sandbox: str, *, since_ms: int | None = None, status: str | None = None,
                 dataset: str | None = None, limit: int | None = None) -> list[str]:
        """Stored records (their JSON text as the API returned them), newest created first."""
        sql = ["SELECT raw FROM jobs WHERE org = ? AND sandbox = ?"]
        params: list[Any] = [org, sandbox]
        if since_ms is not None:
            sql.append("AND created_ms >= ?")
            params.append(since_ms)
        if status:
            sql.append("AND status = ?")
            params.append(status)
        if dataset:
            sql.append("AND dataset_id = ?")
            params.append(dataset)
        sql.append("ORDER BY created_ms DESC, length(job_id) DESC, job_id DESC")
        if limit is not None:
            sql.append("LIMIT ?")
            params.append(limit)
        return [row[0] for row in self._read(" ".join(sql), params)]

    def known_ids(self, org: str, sandbox: str, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self._read(f"SELECT job_id FROM jobs WHERE org = ? AND sandbox = ? AND job_id IN "
                              f"({', '.join('?' * len(chunk))})", [org, sandbox, *chunk])
            found.update(r[0] for r in rows)
        return found

    def active_ids(self, org: str, sandbox: str) -> list[str]:
        """Stored jobs last seen NEW or PROCESSING, oldest created first."""
        rows = self._read("SELECT job_id FROM jobs WHERE org = ? AND sandbox = ? AND status IN ('NEW', 'PROCESSING') "
                          "ORDER BY created_ms", (org, sandbox))
        return [r[0] for r in rows]

    def synced_ms(self, org: str, sandbox: str) -> int | None:
        rows = self._read("SELECT synced_ms FROM syncs WHERE org = ? AND sandbox = ?", (org, sandbox))
        return rows[0][0] if rows else None

    def durations(self, org: str, sandbox: str, *, fingerprint: str | None = None,
                  dataset: str | None = None) -> list[int]:
        """Ascending total times of stored SUCCEEDED jobs (of a payload, or a dataset, or the sandbox)."""
        where, params = _succeeded_runs(org, sandbox, fingerprint, dataset)
        return [r[0] for r in self._read(f"SELECT total_ms FROM jobs WHERE {where} ORDER BY total_ms", params)]

    def percentile(self, org: str, sandbox: str, percent: float, *, fingerprint: str | None = None,
                   dataset: str | None = None, exclude: str | None = None) -> tuple[int | None, int]:
        """``(nearest-rank percentile, samples)`` of SUCCEEDED total times, computed in SQL on the index
        (no row per job in Python); the value is ``None`` under :data:`MIN_SAMPLES` samples."""
        where, params = _succeeded_runs(org, sandbox, fingerprint, dataset)
        if exclude is not None:  # "earlier runs": a finished job is not its own baseline
            where += " AND job_id != ?"
            params.append(exclude)
        rows = self._read(f"SELECT count(*) FROM jobs WHERE {where}", params)
        n = rows[0][0] if rows else 0
        if n < MIN_SAMPLES:
            return None, n
        rank = max(1, math.ceil(percent / 100.0 * n))
        value = self._read(f"SELECT total_ms FROM jobs WHERE {where} ORDER BY total_ms LIMIT 1 OFFSET ?",
                           [*params, min(n, rank) - 1])
        return (int(value[0][0]) if value else None), n

    def baseline(self, org: str, sandbox: str, fingerprint: str, dataset: str,
                 exclude: str | None = None) -> Baseline | None:
        """p95 of the same payload, else dataset, else sandbox (≥ 5 samples each); ``None`` if none has.
        Cached for :data:`BASELINE_TTL_S` (and dropped by a synchronous :meth:`upsert`)."""
        key = (org, sandbox, fingerprint, dataset, exclude or "")
        now = time.monotonic()
        cached = self.baseline_cache.get(key)
        if cached is not None and now - cached[0] < BASELINE_TTL_S:
            return cached[1]
        found: Baseline | None = None
        for kind, selector in ((PAYLOAD, {"fingerprint": fingerprint} if fingerprint else None),
                               (DATASET, {"dataset": dataset} if dataset else None), (SANDBOX, {})):
            if selector is None:
                continue
            value, samples = self.percentile(org, sandbox, 95, exclude=exclude, **selector)
            if value is not None:
                found = Baseline(kind, value, samples)
                break
        self.baseline_cache[key] = (now, found)
        return found

    def mark_fired(self, org: str, sandbox: str, job_id: str, event: str, at_ms: int | None = None) -> bool:
        """Record that a rule fired for (job, event); ``True`` the first time only (across restarts)."""
        at = at_ms if at_ms is not None else int(time.time() * 1000)
        with self._lock:
            try:
                cur = self._conn.execute("INSERT OR IGNORE INTO fired (org, sandbox, job_id, event, at_ms) "
                                         "VALUES (?, ?, ?, ?, ?)", (org, sandbox, job_id, event, at))
                return cur.rowcount == 1
            except sqlite3.Error as exc:
                self._turn_off(exc)
                return True  # history off: fire rather than stay silent

    def open_outage(self, org: str, sandbox: str) -> tuple[int, bool] | None:
        """aepx watch: the latest outage (``api_unreachable`` row) without its ``api_ok``:
        ``(start epoch ms, whether api_down fired for it)``."""
        rows = self._read(
            "SELECT d.job_id, EXISTS (SELECT 1 FROM fired a WHERE a.org = d.org AND a.sandbox = d.sandbox AND "
            "a.job_id = d.job_id AND a.event = 'api_down') FROM fired d WHERE d.org = ? AND d.sandbox = ? AND "
            "d.event = 'api_unreachable' AND NOT EXISTS (SELECT 1 FROM fired r WHERE r.org = d.org AND "
            "r.sandbox = d.sandbox AND r.job_id = d.job_id AND r.event = 'api_ok') ORDER BY d.at_ms DESC LIMIT 1",
            (org, sandbox))
        if not rows or not str(rows[0][0]).startswith("api@"):
            return None
        try:
            return int(str(rows[0][0])[4:]), bool(rows[0][1])
        except ValueError:
            return None

    # --- the webhook outbox (aepx watch) ------------------------------------------------------------------
    def _outbox_write(self, sql: str, params: Sequence[Any]) -> int:
        with self._lock:
            try:
                cur = self._conn.execute(sql, params)
                return int(cur.lastrowid or 0) if sql.lstrip().upper().startswith("INSERT") else cur.rowcount
            except sqlite3.Error as exc:
                self._turn_off(exc)
                raise HistoryUnavailable(self._problem) from None

    def outbox_put(self, sink: str, body: str, now_ms: int) -> int:
        """Queue one delivery; returns its id. Raises :class:`HistoryUnavailable` if the file fails."""
        return self._outbox_write("INSERT INTO outbox (sink, body, created_ms, next_ms) VALUES (?, ?, ?, ?)",
                                  (sink, body, now_ms, now_ms))

    def outbox_due(self, sink: str, now_ms: int, limit: int = 50) -> list[tuple[int, str, int, int]]:
        """``(id, body, created_ms, attempts)`` of the oldest deliveries for ``sink``, in order, up to the
        first that is not due yet (deliveries keep their order: one waiting for a retry holds the rest)."""
        rows = self._read("SELECT id, body, created_ms, attempts, next_ms FROM outbox WHERE sink = ? ORDER BY id "
                          "LIMIT ?", (sink, limit))
        due = []
        for row in rows:
            if row[4] > now_ms:
                break
            due.append(row[:4])
        return due

    def outbox_next_ms(self, sink: str) -> int | None:
        """When the oldest delivery for ``sink`` is due (``None``: nothing queued)."""
        rows = self._read("SELECT next_ms FROM outbox WHERE sink = ? ORDER BY id LIMIT 1", (sink,))
        return rows[0][0] if rows else None

    def outbox_done(self, delivery_id: int) -> None:
        """Delivered (or given up): forget it."""
        self._outbox_write("DELETE FROM outbox WHERE id = ?", (delivery_id,))

    def outbox_retry(self, delivery_id: int, next_ms: int, error: str) -> None:
        self._outbox_write("UPDATE outbox SET attempts = attempts + 1, next_ms = ?, last_error = ? WHERE id = ?",
                           (next_ms, error[:500], delivery_id))

    def outbox_count(self, sink: str | None = None) -> int:
        rows = (self._read("SELECT count(*) FROM outbox") if sink is None
                else self._read("SELECT count(*) FROM outbox WHERE sink = ?", (sink,)))
        return rows[0][0] if rows else 0

    def integrity_ok(self) -> bool:
        rows = self._read("PRAGMA integrity_check")
        return bool(rows) and rows[0][0] == "ok"


def _prefetched(source: Iterator[list[tuple]], depth: int = 2) -> Iterator[list[tuple]]:
    """Run ``source`` on a helper thread, ``depth`` chunks ahead of the consumer."""
    done = object()
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in source:
                while not stop.is_set():
                    try:
                        box.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(done)
        except BaseException as exc:  # handed to the consumer
            box.put(exc)

    thread = threading.Thread(target=produce, name="aepx-history-rows", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = {CACHE_KIB}")
    return conn


def _check_and_migrate(conn: sqlite3.Connection, path: Path) -> None:
    off = f"History is off for this run: {path}"
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise HistoryUnavailable(f"{off} is not a readable aepx history ({exc}); move it aside or set "
                                 "[history] path to start a new one.") from None
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
        raise HistoryUnavailable(f"{off} is not an aepx history (another program's database); it was left "
                                 "untouched, set [history] path to another file.")
    if version > SCHEMA_VERSION:
        raise HistoryUnavailable(f"{off} was written by a newer aepx (schema {version}, this one knows "
                                 f"{SCHEMA_VERSION}); upgrade aepx or set [history] path to another file.")
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {CACHE_KIB}")
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[step]:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        if str(mode).lower() != "wal":
            log.warning("history %s is in journal mode %s, not WAL", path, mode)
    except sqlite3.DatabaseError as exc:
        raise HistoryUnavailable(f"{off} cannot be prepared ({exc}); check the disk and the file's permissions, "
                                 "or set [history] enabled = false.") from None


def open_configured(settings: Any) -> tuple[HistoryStore | None, str | None]:
    """The store per ``[history]`` (``enabled``, ``path``): ``(store, None)``, ``(None, None)`` when
    turned off, or ``(None, sentence)`` when the file cannot be used (history off for this run)."""
    if settings is not None and not getattr(settings, "enabled", True):
        return None, None
    try:
        return HistoryStore.open(getattr(settings, "path", None)), None
    except HistoryUnavailable as exc:
        return None, str(exc)
