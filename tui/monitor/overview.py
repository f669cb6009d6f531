"""Every target at a glance (the console's Overview, ``aepx overview``): one row per (profile, sandbox).

One :class:`~tui.monitor.Monitor` per target does the requests (so the job history sees them); all
targets share one request semaphore (``[overview] max_parallel``). A row is refreshed on its own: a
target that hangs or fails holds at most its own slot and says why in ``error``; the other rows go on.

Per row: NEW and PROCESSING counts (every page of each), how many of those are possibly stuck (the
monitor's baseline × ``stuck_factor``), FAILED jobs that ended in the last 24 h (newest pages until the
jobs are created more than 48 h ago), the newest success, the sandbox type (one available-sandboxes
call per profile: :meth:`Overview.learn_types`; unknown = production).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core.models import Job
from tui.core.protocol import JobsAPI
from tui.core.sandboxes import UNKNOWN, SandboxInfo, SandboxKind, kind_of
from tui.monitor.history.baselines import is_stuck
from tui.monitor.history.store import HistoryStore
from tui.monitor.monitor import Monitor, error_sentence
from tui.monitor.watcher import LimitedAPI

DAY_MS = 86_400_000
PAGE = 100
MAX_PAGES = 50  # per status and refresh: 5,000 active jobs is far beyond any real sandbox
JSON_KEYS = ("profile", "org", "sandbox", "type", "ok", "error", "counts", "stuck", "failed_24h", "last_success_ms")


@dataclass
class OverviewRow:
    profile: str
    org: str
    sandbox: str
    type: str = UNKNOWN
    ok: bool | None = None  # None: not refreshed yet
    error: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"NEW": 0, "PROCESSING": 0})
    stuck: int = 0
    failed_24h: int = 0
    last_success_ms: int | None = None
    refreshed_ms: int | None = None  # the last good refresh
    in_flight: bool = False
    kind: SandboxKind | None = None

    @property
    def is_production(self) -> bool:
        return self.kind is None or self.kind.is_production

    def to_dict(self) -> dict[str, Any]:
        """The ``aepx overview --json`` object: exactly :data:`JSON_KEYS`."""
        return {"profile": self.profile, "org": self.org, "sandbox": self.sandbox, "type": self.type,
                "ok": bool(self.ok), "error": self.error, "counts": dict(self.counts), "stuck": self.stuck,
                "failed_24h": self.failed_24h, "last_success_ms": self.last_success_ms}


@dataclass
class _Entry:
    api: LimitedAPI
    monitor: Monitor
    row: OverviewRow
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Overview:
    def __init__(self, apis: Sequence[JobsAPI], *, max_parallel: int = 4, clock: Callable[[], float] | None = None,
                 store: HistoryStore | None = None, stuck_factor: float = 3.0,
                 on_row: Callable[[int, OverviewRow], object] | None = None) -> None:
        self.clock = clock or time.time
        self.store = store
        self.stuck_factor = stuck_factor
        self.on_row = on_row
        self._slots = asyncio.Semaphore(max(1, max_parallel))
        self.entries: list[_Entry] = []
        #: profile name → its available sandboxes (None: the Sandbox API failed; the sentence is in ``_why``)
        self.available: dict[str, list[SandboxInfo] | None] = {}
        self._why: dict[str, str] = {}
        for api in apis:
            self.add(api)

    @property
    def rows(self) -> list[OverviewRow]:
        return [e.row for e in self.entries]

    def add(self, api: JobsAPI) -> int:
        """Add a target (``a`` in the console); returns its row index. Its type comes from the profile's list."""
        limited = LimitedAPI(api, self._slots)
        t = api.target
        row = OverviewRow(profile=t.profile, org=t.org_id, sandbox=t.sandbox)
        self.entries.append(_Entry(limited, Monitor(limited, clock=self.clock, store=self.store,
                                                    stuck_factor=self.stuck_factor), row))
        if t.profile in self.available:
            self._set_kind(row)
        return len(self.entries) - 1

    def _set_kind(self, row: OverviewRow) -> None:
        row.kind = kind_of(row.sandbox, self.available.get(row.profile), self._why.get(row.profile))
        row.type = row.kind.type

    # --- types: one available-sandboxes call per profile -------------------------------------------
    async def learn_types(self) -> list[str]:
        """Ask each profile's Sandbox API once; returns the fail-closed sentences (one per unknown type)."""
        asked: set[str] = set()
        for entry in self.entries:
            profile = entry.row.profile
            if profile in self.available or profile in asked:
                continue
            asked.add(profile)
            lister = getattr(entry.api.api, "list_sandboxes", None)
            try:
                if lister is None:
                    raise LookupError("this connection has no Sandbox API")
                async with self._slots:
                    self.available[profile] = await lister()
            except Exception as exc:
                self.available[profile] = None
                self._why[profile] = str(exc) if str(exc) else type(exc).__name__
        notes = []
        for entry in self.entries:
            self._set_kind(entry.row)
            if entry.row.kind is not None and entry.row.kind.note:
                notes.append(f"Profile {entry.row.profile}: {entry.row.kind.note}")
        return notes

    def offered(self, profile: str) -> list[SandboxInfo]:
        """The profile's available sandboxes not yet shown (for ``a``)."""
        shown = {(e.row.profile, e.row.sandbox) for e in self.entries}
        return [s for s in self.available.get(profile) or [] if (profile, s.name) not in shown]

    # --- refreshing ------------------------------------------------------------------------------------
    async def refresh_all(self) -> list[OverviewRow]:
        """Every row once, concurrently within the slots; each row is told to ``on_row`` as it finishes."""
        if any(e.row.profile not in self.available for e in self.entries):
            await self.learn_types()
        await asyncio.gather(*(self.refresh(i) for i in range(len(self.entries))))
        return self.rows

    async def refresh(self, index: int) -> OverviewRow:
        entry = self.entries[index]
        if entry.lock.locked():  # polls of one row never overlap
            return entry.row
        async with entry.lock:
            row = entry.row
            row.in_flight = True
            self._tell(index)
            try:
                await self._refresh(entry)
            except Exception as exc:  # one sentence in the row; the others go on
                row.ok = False
                row.error = error_sentence(exc, f"Refreshing sandbox {row.sandbox}")
            else:
                row.ok = True
                row.error = None
                row.refreshed_ms = int(self.clock() * 1000)
            finally:
                row.in_flight = False
            self._tell(index)
            return row

    def _tell(self, index: int) -> None:
        if self.on_row is not None:
            self.on_row(index, self.entries[index].row)

    async def _pages(self, monitor: Monitor, status: str, stop: Callable[[list[Job]], bool] | None = None,
                     limit: int = PAGE) -> list[Job]:
        jobs: list[Job] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await monitor.list_page(cursor, limit=limit, status=status)
            jobs.extend(page.jobs)
            cursor = page.next_cursor
            if not cursor or not page.jobs or (stop is not None and stop(list(page.jobs))):
                break
        return jobs

    async def _refresh(self, entry: _Entry) -> None:
        monitor, row = entry.monitor, entry.row
        now_ms = int(self.clock() * 1000)
        cutoff = now_ms - DAY_MS
        succeeded = await monitor.list_page(None, limit=50, status="SUCCEEDED")  # today's baseline, last success
        new = await self._pages(monitor, "NEW")
        processing = await self._pages(monitor, "PROCESSING")

        def old(jobs: list[Job]) -> bool:
            created = [j.created_ms for j in jobs if j.created_ms is not None]
            return bool(created) and min(created) < cutoff - DAY_MS

        failed = await self._pages(monitor, "FAILED", stop=old)
        row.counts = {"NEW": len(new), "PROCESSING": len(processing)}
        row.stuck = sum(1 for job in new + processing
                        if is_stuck(job, monitor.baseline_for(job), self.stuck_factor, now_ms))
        row.failed_24h = sum(1 for job in failed if (job.updated_ms or job.created_ms or 0) >= cutoff)
        ends = [end for j in succeeded.jobs if (end := j.updated_ms or j.created_ms)]
        row.last_success_ms = max(ends) if ends else row.last_success_ms
