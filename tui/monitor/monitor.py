"""``Monitor``: the one place that polls the Platform for one profile+sandbox (see the package doc).

A poll lists one page (the ``query`` the host asks for, by default the newest page), then refreshes
the **followed jobs** not on that page: every job seen NEW/PROCESSING in this run plus those passed to
:meth:`Monitor.follow` (launched, marked), one ``GET`` each, at most ``max_followed`` a poll, the
least recently checked first. Every record received goes through :meth:`Monitor.observe`: it is kept
as the Platform's latest truth, queued for the history store, and compared with what was known to
emit transitions (once each per job in a run) to the subscribers.

Hosts drive the schedule: headless ones call :meth:`run`; the console arms its own timer and calls
:meth:`begin_poll` / :meth:`refresh` / :meth:`poll_succeeded` or :meth:`poll_failed` in a worker.
Either way the delays (interval, backoff, ``Retry-After``) come from :attr:`schedule`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.errors import AepxError, NotFoundError, RateLimitedError
from tui.core.fingerprint import fingerprint
from tui.core.models import Job, Page, plain
from tui.core.protocol import JobsAPI
from tui.core.statuses import FAILED, NEW, PROCESSING, SUCCEEDED
from tui.monitor import events as ev
from tui.monitor.history import baselines
from tui.monitor.history.baselines import Baseline
from tui.monitor.schedule import PollState

if TYPE_CHECKING:
    from tui.monitor.history.store import HistoryStore

log = logging.getLogger("aepx.monitor")
MAX_FOLLOWED = 50


def error_sentence(error: BaseException, what: str = "The request") -> str:
    """One sentence for any failure: ours carry theirs (and the request id, to quote to support);
    anything else gets a generic one."""
    if isinstance(error, AepxError):
        return error.with_request_id()
    return (f"{what} failed unexpectedly ({type(error).__name__}); the console keeps running, "
            f"try again or report it.")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Which list page a poll fetches (the host's view: cursor, page size, server status filter)."""

    cursor: str | None = None
    limit: int = 100
    status: str | None = None


@dataclass(frozen=True, slots=True)
class PollResult:
    page: Page
    query: ListQuery
    followed: tuple[Job, ...]  # the followed jobs refreshed by their own GET
    followed_error: str | None = None  # why the GETs stopped early (the page itself was good)


class Monitor:
    def __init__(self, api: JobsAPI, *, interval: float = 5.0, clock: Callable[[], float] | None = None,
                 store: HistoryStore | None = None, stuck_factor: float = 3.0,
                 max_followed: int = MAX_FOLLOWED) -> None:
        self.api = api
        self.target = api.target
        self.clock = clock or time.time
        self.schedule = PollState(interval=interval)
        self.store = store
        self.stuck_factor = stuck_factor
        self.max_followed = max(0, max_followed)
        self.view = ListQuery()
        self.jobs: dict[str, Job] = {}  # the latest record of every job seen in this run
        self._followed: dict[str, float] = {}  # job id → when last checked (epoch s; 0 = never)
        self._emitted: set[tuple[str, str]] = set()  # (job id, kind) transitions and "stuck" already told
        self._subscribers: list[ev.Subscriber] = []
        self._down_since: float | None = None
        self._fingerprints: dict[str, str] = {}
        self._today: Baseline | None = None
        self._today_dirty = True
        self._wake = asyncio.Event()
        self._stopped = False

    # --- subscribers --------------------------------------------------------------------------------
    def subscribe(self, subscriber: ev.Subscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event from now on; returns the unsubscribe function."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def emit(self, event: ev.MonitorEvent) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # one faulty subscriber never stops the monitor or the others
                log.exception("monitor subscriber failed on %s", type(event).__name__)

    # --- followed jobs ------------------------------------------------------------------------------
    @property
    def followed(self) -> tuple[str, ...]:
        return tuple(self._followed)

    def follow(self, job: Job | str) -> None:
        """Keep this job refreshed whatever the host shows (launched or marked jobs)."""
        if isinstance(job, Job):
            self.observe([job], "observed")
            if not job.is_active:
                return
            job = job.id
        self._followed.setdefault(str(job), 0.0)

    def unfollow(self, job_id: str) -> None:
        self._followed.pop(job_id, None)

    def due_followed(self, exclude: Iterable[str] = (), prefer: Iterable[str] = ()) -> list[str]:
        """The followed jobs a poll GETs: not in ``exclude``; those in ``prefer`` (the rows a host
        shows) first, then the least recently checked; at most ``max_followed``."""
        skip = set(exclude)
        followed = self._followed
        first = [i for i in dict.fromkeys(prefer) if i in followed and i not in skip]
        skip.update(first)
        due = sorted((checked, i) for i, checked in followed.items() if i not in skip)
        return (first + [i for _, i in due])[:self.max_followed]

    # --- what the Platform said -----------------------------------------------------------------------
    def observe(self, jobs: Iterable[Job], source: str = "observed") -> None:
        """Take fresh records from anywhere (a page, a GET, a launch, the CLI): remember, store, emit."""
        batch = tuple(j for j in jobs if j.id)
        if not batch:
            return
        now = self.clock()
        now_ms = int(now * 1000)
        after: list[ev.MonitorEvent] = []
        for job in batch:
            before = self.jobs.get(job.id)
            previous = before.status if before is not None else None
            self.jobs[job.id] = job
            if job.status == SUCCEEDED or previous == SUCCEEDED:
                self._today_dirty = True
            if job.is_active:
                self._followed[job.id] = now
                if previous == NEW and job.status == PROCESSING:
                    self._once(after, job.id, ev.STARTED,
                               ev.JobTransition(self.target, job, previous, ev.STARTED))
                baseline = self.baseline_for(job)
                if baselines.is_stuck(job, baseline, self.stuck_factor, now_ms) and baseline is not None:
                    self._once(after, job.id, "stuck", ev.JobStuck(
                        self.target, job, job.duration_ms(now_ms) or 0, self.stuck_factor, baseline))
            elif job.id in self._followed:
                del self._followed[job.id]
                kind = {SUCCEEDED: ev.SUCCEEDED, FAILED: ev.FAILED}.get(job.status)
                if kind is not None:
                    self._once(after, job.id, kind,
                               ev.JobTransition(self.target, job, previous or PROCESSING, kind))
        for job in batch:  # what the monitor and its subscribers keep, kept small (10,000s of jobs)
            job.compact_raw()
        if self.store is not None:
            self.store.submit(self.target.org_id, self.target.sandbox, batch, now_ms)
        self.emit(ev.JobsUpdated(self.target, batch, source))
        for event in after:
            self.emit(event)
        self._check_store()

    def _once(self, out: list[ev.MonitorEvent], job_id: str, kind: str, event: ev.MonitorEvent) -> None:
        if (job_id, kind) not in self._emitted:
            self._emitted.add((job_id, kind))
            out.append(event)

    def _check_store(self) -> None:
        if self.store is not None and (sentence := self.store.take_problem()):
            self.emit(ev.HistoryProblem(sentence))

    # --- baselines ----------------------------------------------------------------------------------
    def fingerprint_of(self, job: Job) -> str:
        value = self._fingerprints.get(job.id)
        if value is None:
            try:
                value = fingerprint(plain(job.raw))
            except Exception:
                value = ""
            self._fingerprints[job.id] = value
        return value

    def baseline_for(self, job: Job) -> Baseline | None:
        """The history p95 of this payload / dataset / sandbox (≥ 5 samples), else today's median."""
        store = self.store
        if store is not None and store.enabled:
            found = store.baseline(self.target.org_id, self.target.sandbox, self.fingerprint_of(job), job.dataset_id,
                                   exclude=job.id if job.is_final else None)
            if found is not None:
                return found
        return self.today_baseline()

    def today_baseline(self) -> Baseline | None:
        """Today's rule: the median of the SUCCEEDED jobs seen in this run (recomputed only when one
        of them changed, so a poll of 10,000 loaded jobs does not pay it per running job)."""
        if self._today_dirty:
            self._today = baselines.today(self.jobs.values())
            self._today_dirty = False
        return self._today

    # --- requests -----------------------------------------------------------------------------------
    async def list_page(self, cursor: str | None = None, *, limit: int = 100, status: str | None = None) -> Page:
        page = await self.api.list_jobs(cursor=cursor, limit=limit, status=status)
        self.observe(page.jobs, "page")
        return page

    async def iter_pages(self, *, limit: int = 100, status: str | None = None) -> AsyncIterator[Page]:
        async for page in self.api.iter_jobs(limit=limit, status=status):
            self.observe(page.jobs, "page")
            yield page

    async def get_job(self, job_id: str) -> Job:
        job = await self.api.get_job(job_id)
        self.observe([job], "get")
        return job

    async def refresh(self, query: ListQuery | None = None, *, prefer: Iterable[str] = ()) -> PollResult:
        """The body of one poll: the page, then the due followed jobs (``prefer``: ids to take first,
        e.g. the rows on screen). Raises what the API raises."""
        query = query or self.view
        page = await self.list_page(query.cursor, limit=query.limit, status=query.status)
        refreshed: list[Job] = []
        followed_error: str | None = None
        try:
            for job_id in self.due_followed((j.id for j in page.jobs), prefer):
                try:
                    refreshed.append(await self.api.get_job(job_id))
                except NotFoundError:  # gone (or another sandbox's): nothing left to follow
                    self.unfollow(job_id)
                except RateLimitedError:
                    raise  # the whole poll backs off
                except AepxError as error:  # the page is good: keep it, try these jobs next poll
                    followed_error = str(error)
                    log.info("followed jobs not refreshed this poll: %s", error)
                    break
        finally:
            self.observe(refreshed, "followed")
        return PollResult(page, query, tuple(refreshed), followed_error)

    # --- the schedule -------------------------------------------------------------------------------
    def begin_poll(self) -> bool:
        """Claim the poll slot (polls never overlap); ``False`` if one is running."""
        return self.schedule.try_start()

    def poll_succeeded(self) -> float:
        now = self.clock()
        delay = self.schedule.succeeded(now)
        if self._down_since is not None:
            down, self._down_since = now - self._down_since, None
            self.emit(ev.ApiRecovered(self.target, down))
        self.emit(ev.PollFinished(self.target, True, delay))
        self._check_store()
        return delay

    def poll_failed(self, error: BaseException, what: str = "Refreshing the job list") -> float:
        now = self.clock()
        delay = self.schedule.failed(now, error)
        sentence = error_sentence(error, what)
        self.schedule.error = sentence
        if self._down_since is None:
            self._down_since = now
            self.emit(ev.ApiUnreachable(self.target, sentence, now))
        self.emit(ev.PollFinished(self.target, False, delay, sentence))
        return delay

    def poll_released(self) -> None:
        self.schedule.released()

    async def poll_once(self, query: ListQuery | None = None) -> float | None:
        """One whole poll; returns the delay before the next, ``None`` if one was already running."""
        if not self.begin_poll():
            return None
        try:
            await self.refresh(query)
        except asyncio.CancelledError:
            self.poll_released()
            raise
        except Exception as error:  # every failure becomes the schedule's backoff and one sentence
            return self.poll_failed(error)
        return self.poll_succeeded()

    def wake(self) -> None:
        """Poll now (``run`` stops waiting)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self, *, sleep: Callable[[float], object] | None = None) -> None:
        """Poll until :meth:`stop`: headless hosts (``aepx watch``). ``sleep`` is for fake clocks."""
        while not self._stopped:
            if self.schedule.paused:
                delay: float | None = self.schedule.interval
            else:
                delay = await self.poll_once()
            await self._wait(delay if delay is not None else self.schedule.interval, sleep)

    async def _wait(self, delay: float, sleep: Callable[[float], object] | None) -> None:
        self._wake.clear()
        if sleep is not None:
            await sleep(delay)  # type: ignore[misc]
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        except TimeoutError:
            pass
