"""The job list's state, in plain Python (no Textual): loaded jobs, the server cursor stack, local
sort and filter, marks, pending cancels and watched-job transitions.

Two modes:

* **server pages** (the default): the model holds the current page of the API. ``]``/``[`` fetch the
  next/previous page by cursor; earlier cursors are remembered on a stack. Sort and filter apply to
  the jobs of this page only, and the status line says so.
* **all loaded** (after ``A``): every page has been fetched; sort and filter cover all of them and
  ``]``/``[`` move through local pages of ``page_size`` rows.

The visible rows are computed here (a sorted, filtered slice of at most ``page_size`` jobs) so the
mounted table stays small. Sorting 10,000 jobs takes a few milliseconds (see ``tests/console``).

Watched jobs: any job seen NEW or PROCESSING during this session (which includes launched and marked
active jobs). When such a job is later seen SUCCEEDED or FAILED, ``merge`` reports a transition.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.models import Job, Page
from tui.core.statuses import FAILED, NEW, PROCESSING, SUCCEEDED

SORT_KEYS = ("status", "created", "updated", "duration", "id")
STATUS_CYCLE: tuple[str | None, ...] = (None, NEW, PROCESSING, SUCCEEDED, FAILED)
_STATUS_RANK = {FAILED: 0, PROCESSING: 1, NEW: 2, SUCCEEDED: 3}
# First press: newest/longest first for times, alphabetical-ish for the rest.
_DEFAULT_REVERSE = {"status": False, "created": True, "updated": True, "duration": True, "id": True}


@dataclass(frozen=True, slots=True)
class Transition:
    """A watched job that reached a final state."""

    job: Job
    previous: str


@dataclass(frozen=True, slots=True)
class PageInfo:
    number: int  # 1-based
    first_row: int  # 1-based; 0 when the page is empty
    last_row: int
    more: bool
    all_loaded: bool
    loaded: int
    shown: int
    pages: int | None  # known page count (all-loaded mode only)


FILTER_FLAGS = ("stuck", "slow", "failed")


def split_filter(text: str) -> tuple[str, tuple[str, ...]]:
    """``/`` text: ``is:stuck``, ``is:slow``, ``is:failed`` words (all must hold) and the plain rest
    (a substring of id, status, dataset id or name, batch id or error text, as before)."""
    words = text.split()
    flags = tuple(w[3:] for w in words if w.startswith("is:") and w[3:] in FILTER_FLAGS)
    rest = " ".join(w for w in words if not (w.startswith("is:") and w[3:] in FILTER_FLAGS))
    return rest, flags


class JobListModel:
    """All loaded jobs and how they are shown. Every method is synchronous and cheap."""

    def __init__(self, *, page_size: int = 100, clock: Callable[[], float] | None = None) -> None:
        self.page_size = max(1, page_size)
        self.clock = clock or time.time
        self.jobs: dict[str, Job] = {}  # insertion order = server order
        self.cursor: str | None = None  # cursor of the current server page
        self.cursor_stack: list[str | None] = []
        self.next_cursor: str | None = None
        self.all_loaded = False
        self.loading = True  # no answer yet for this view (start, new status filter, new target)
        self.local_page = 0
        self.status_filter: str | None = None
        self.text_filter = ""
        self.sort_key: str | None = None
        self.sort_reverse = False
        self.marks: set[str] = set()
        self.pending_cancel: set[str] = set()
        self.seen_active: set[str] = set()
        self.followed: str | None = None
        self._order: list[str] | None = None  # cache of filtered + sorted ids
        self._haystacks: dict[str, str] = {}
        #: Dataset id -> name (the Catalog's, loaded once per target): shown instead of the id, and filtered on.
        self.dataset_names: dict[str, str] = {}
        #: ``job -> {"stuck", "slow"}`` (set by the app from the monitor's baselines): the row markers
        #: and the ``is:stuck`` / ``is:slow`` filters.
        self.flagger: Callable[[Job], frozenset[str]] | None = None

    # --- loading ----------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def replace_page(self, page: Page, cursor: str | None) -> list[Transition]:
        """Show ``page`` (fetched with ``cursor``) as the current server page."""
        self.cursor = cursor
        self.next_cursor = page.next_cursor
        self.all_loaded = False
        self.loading = False
        self.local_page = 0
        old = self.jobs
        self.jobs = {}
        self._haystacks.clear()
        transitions = self._absorb(page.jobs, old)
        self._order = None
        return transitions

    def page_forward(self, page: Page, cursor: str) -> list[Transition]:
        self.cursor_stack.append(self.cursor)
        return self.replace_page(page, cursor)

    def page_back(self, page: Page) -> list[Transition]:
        cursor = self.cursor_stack.pop() if self.cursor_stack else None
        return self.replace_page(page, cursor)

    def previous_cursor(self) -> tuple[bool, str | None]:
        """``(True, cursor)`` of the previous server page, ``(False, None)`` on the first page."""
        if not self.cursor_stack:
            return False, None
        return True, self.cursor_stack[-1]

    def replace_all(self, pages: Iterable[Page]) -> list[Transition]:
        """Every page loaded (``A``): sort and filter now cover all of them."""
        old = self.jobs
        self.jobs = {}
        self._haystacks.clear()
        transitions: list[Transition] = []
        for page in pages:
            transitions += self._absorb(page.jobs, old)
        self.cursor = None
        self.cursor_stack.clear()
        self.next_cursor = None
        self.all_loaded = True
        self.loading = False
        self.local_page = 0
        self._order = None
        return transitions

    def merge(self, jobs: Iterable[Job], *, front: bool = False) -> list[Transition]:
        """Update known jobs in place and add new ones (at the front when ``front``)."""
        incoming = list(jobs)
        if front:
            fresh = [j for j in incoming if j.id not in self.jobs]
            if fresh:
                rest = self.jobs
                self.jobs = {j.id: j for j in fresh}
                self.jobs.update(rest)
        transitions = self._absorb(incoming, self.jobs)
        self._order = None
        return transitions

    def reset(self, *, status: str | None = None) -> None:
        """Forget pages and cursors (new status filter, new profile or sandbox). Marks stay."""
        self.jobs = {}
        self._haystacks.clear()
        self.cursor = None
        self.cursor_stack.clear()
        self.next_cursor = None
        self.all_loaded = False
        self.loading = True
        self.local_page = 0
        self.status_filter = status
        self._order = None

    def _absorb(self, jobs: Iterable[Job], previous: dict[str, Job]) -> list[Transition]:
        transitions: list[Transition] = []
        for job in jobs:
            before = previous.get(job.id)
            self.jobs[job.id] = job
            self._haystacks.pop(job.id, None)
            if job.is_active:
                self.seen_active.add(job.id)
            else:
                self.pending_cancel.discard(job.id)
                if job.is_final and job.id in self.seen_active:
                    self.seen_active.discard(job.id)
                    transitions.append(Transition(job, before.status if before else PROCESSING))
        return transitions

    # --- sort and filter --------------------------------------------------------------------------
    def set_sort(self, key: str) -> None:
        """Sort by ``key``; the same key again reverses."""
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        if self.sort_key == key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = key
            self.sort_reverse = _DEFAULT_REVERSE[key]
        self._order = None

    def set_text_filter(self, text: str) -> None:
        text = text.strip().lower()
        if text != self.text_filter:
            self.text_filter = text
            self.local_page = 0
            self._order = None

    def next_status_filter(self) -> str | None:
        index = STATUS_CYCLE.index(self.status_filter) if self.status_filter in STATUS_CYCLE else 0
        return STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)]

    def set_dataset_names(self, names: dict[str, str]) -> None:
        self.dataset_names = dict(names)
        self._haystacks.clear()
        self._order = None

    def _haystack(self, job: Job) -> str:
        text = self._haystacks.get(job.id)
        if text is None:
            text = " ".join((job.id, job.status, job.dataset_id, self.dataset_names.get(job.dataset_id, ""),
                             job.batch_id, job.error_text)).lower()
            self._haystacks[job.id] = text
        return text

    def _sort_func(self) -> Callable[[Job], Any]:
        key = self.sort_key
        if key == "status":
            return lambda j: (_STATUS_RANK.get(j.status, 4), j.status, -(j.created_ms or 0))
        if key == "created":
            return lambda j: (j.created_ms is not None, j.created_ms or 0, j.sort_id)
        if key == "updated":
            return lambda j: (j.updated_ms is not None, j.updated_ms or 0, j.sort_id)
        if key == "duration":
            now = self.now_ms()

            def duration(j: Job) -> tuple[bool, int]:
                d = j.duration_ms(now)
                return (d is not None, d or 0)

            return duration
        return lambda j: j.sort_id

    def ordered_ids(self) -> list[str]:
        """Filtered and sorted ids of every loaded job (cached until something changes)."""
        if self._order is None:
            jobs: Iterable[Job] = self.jobs.values()
            if self.text_filter:
                needle, wanted = split_filter(self.text_filter)
                if needle:
                    jobs = [j for j in jobs if needle in self._haystack(j)]
                for flag in wanted:
                    jobs = [j for j in jobs if self._has_flag(j, flag)]
            if self.sort_key is not None:
                jobs = sorted(jobs, key=self._sort_func(), reverse=self.sort_reverse)
            self._order = [j.id for j in jobs]
        return self._order

    def flags(self, job: Job) -> frozenset[str]:
        return self.flagger(job) if self.flagger is not None else frozenset()

    def _has_flag(self, job: Job, flag: str) -> bool:
        if flag == "failed":
            return job.status == "FAILED"
        return flag in self.flags(job)

    # --- the visible window -----------------------------------------------------------------------
    def local_pages(self) -> int:
        return max(1, -(-len(self.ordered_ids()) // self.page_size))

    def visible(self) -> list[Job]:
        ids = self.ordered_ids()
        if self.all_loaded:
            self.local_page = min(self.local_page, self.local_pages() - 1)
            start = self.local_page * self.page_size
            ids = ids[start:start + self.page_size]
        return [self.jobs[i] for i in ids]

    def local_next(self) -> bool:
        if self.local_page + 1 < self.local_pages():
            self.local_page += 1
            return True
        return False

    def local_prev(self) -> bool:
        if self.local_page > 0:
            self.local_page -= 1
            return True
        return False

    def page_info(self) -> PageInfo:
        shown = len(self.visible())
        if self.all_loaded:
            start = self.local_page * self.page_size
            more = self.local_page + 1 < self.local_pages()
            return PageInfo(self.local_page + 1, start + 1 if shown else 0, start + shown, more, True,
                            len(self.jobs), shown, self.local_pages())
        number = len(self.cursor_stack) + 1
        start = (number - 1) * self.page_size
        count = len(self.jobs)
        return PageInfo(number, start + 1 if count else 0, start + count, self.next_cursor is not None,
                        False, count, shown, None)

    def status_line(self, sandbox: str = "") -> str:
        """``page 2 · rows 101–200 · more available · sorted by created ▼ within this page``; before
        the first answer ``loading…``, and for an empty answer what is empty (``no PROCESSING jobs in
        sandbox prod``), never "rows 0–0"."""
        where = f" in sandbox {sandbox}" if sandbox else ""
        if self.loading and not self.jobs:
            what = f"{self.status_filter} jobs" if self.status_filter else "jobs"
            return f"loading {what}{where}…"
        if not self.jobs:
            what = f"{self.status_filter} jobs" if self.status_filter else "jobs"
            return f"no {what}{where}" + (" on this page ([ goes back)" if self.cursor_stack else "")
        info = self.page_info()
        if info.all_loaded:
            parts = [f"page {info.number}/{info.pages}",
                     f"rows {info.first_row}–{info.last_row} of {len(self.ordered_ids()):,}",
                     f"all {info.loaded:,} jobs loaded"]
        else:
            parts = [f"page {info.number}", f"rows {info.first_row}–{info.last_row}",
                     "more available (] next)" if info.more else "last page"]
        if self.status_filter:
            parts.append(f"status {self.status_filter}")
        if self.text_filter:
            parts.append(f"{len(self.ordered_ids()):,} match “{self.text_filter}”")
        if self.sort_key:
            arrow = "▼" if self.sort_reverse else "▲"
            scope = "all loaded jobs" if self.all_loaded else "this page only"
            parts.append(f"sorted by {self.sort_key} {arrow} within {scope}")
        if self.marks:
            parts.append(f"{len(self.marks)} marked")
        return " · ".join(parts)

    # --- marks and cancels ------------------------------------------------------------------------
    def toggle_mark(self, job_id: str) -> bool:
        if job_id in self.marks:
            self.marks.discard(job_id)
            return False
        self.marks.add(job_id)
        return True

    def marked_jobs(self) -> list[Job]:
        """Marked jobs that are loaded (marks of jobs on other server pages are kept but not listed)."""
        return [self.jobs[i] for i in sorted(self.marks) if i in self.jobs]

    def begin_cancel(self, job_ids: Iterable[str]) -> None:
        self.pending_cancel.update(job_ids)

    def end_cancel(self, job_id: str) -> None:
        self.pending_cancel.discard(job_id)

    def is_cancelling(self, job_id: str) -> bool:
        return job_id in self.pending_cancel

