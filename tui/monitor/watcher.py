"""``aepx watch`` headless: one :class:`~tui.monitor.Monitor` per target, the rules, the outputs.

The monitors do all the polling (:meth:`Monitor.run` / :meth:`Monitor.poll_once`); this only wires
them: every event goes to the :class:`~tui.monitor.rules.RuleEngine` (and to the metrics), every
alert to each output. Requests of all targets share a semaphore (bounded concurrency). One history
store holds the rules' "fired" rows and the webhook outbox for every target.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from tui.api.protocol import JobsAPI
from tui.core.models import Job, Page
from tui.monitor import events as ev
from tui.monitor.history.store import HistoryStore
from tui.monitor.monitor import Monitor
from tui.monitor.rules import Alert, RuleEngine, Rules

log = logging.getLogger("aepx.watch")


def _log_end(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("watch task %s ended", task.get_name(), exc_info=task.exception())


class LimitedAPI:
    """A ``JobsAPI`` whose polling calls wait for a shared slot; remembers the last poll error."""

    def __init__(self, api: JobsAPI, slots: asyncio.Semaphore) -> None:
        self.api = api
        self.target = api.target
        self._slots = slots
        self.last_error: BaseException | None = None
        self.requests = 0

    async def list_jobs(self, *, cursor: str | None = None, limit: int = 100, status: str | None = None) -> Page:
        async with self._slots:
            self.requests += 1
            try:
                page = await self.api.list_jobs(cursor=cursor, limit=limit, status=status)
            except Exception as exc:
                self.last_error = exc
                raise
        self.last_error = None
        return page

    async def get_job(self, job_id: str) -> Job:
        async with self._slots:
            self.requests += 1
            return await self.api.get_job(job_id)

    def __getattr__(self, name: str) -> Any:  # everything else (never used by polls) goes straight through
        return getattr(self.api, name)


class Watcher:
    def __init__(self, apis: Sequence[JobsAPI], *, rules: Rules, store: HistoryStore, outputs: Sequence[Any] = (),
                 interval: float = 15.0, concurrency: int = 4, clock: Callable[[], float] | None = None,
                 metrics: Any = None, note: Callable[[str], None] | None = None,
                 after_poll: Callable[[], None] | None = None,
                 sleep: Callable[[float], Any] | None = None) -> None:
        self.clock = clock or time.time
        self.rules = rules
        self.store = store
        self.outputs = list(outputs)
        self.metrics = metrics
        self.note = note or (lambda sentence: log.warning("%s", sentence))
        self.after_poll = after_poll
        self.sleep = sleep
        slots = asyncio.Semaphore(max(1, concurrency))
        self.apis = [LimitedAPI(api, slots) for api in apis]
        self.monitors = [Monitor(api, interval=interval, clock=self.clock, store=store,
                                 stuck_factor=rules.stuck_factor) for api in self.apis]
        by_target = {(m.target.org_id, m.target.sandbox): m for m in self.monitors}

        def baseline(target: Any, job: Job) -> Any:
            monitor = by_target.get((target.org_id, target.sandbox))
            return monitor.baseline_for(job) if monitor is not None else None

        self.engine = RuleEngine(rules, store, clock=self.clock, baselines=baseline)
        for monitor in self.monitors:
            # jobs the history last saw running (say, before a restart) are followed even when they are
            # no longer on the newest page: the first poll GETs each once, a final one is dropped
            for job_id in store.active_ids(monitor.target.org_id, monitor.target.sandbox)[-monitor.max_followed:]:
                monitor.follow(job_id)
            if metrics is not None:
                metrics.add_target(monitor.target)
                monitor.subscribe(metrics.handle)
            monitor.subscribe(self._on_event)
        self.fired: list[Alert] = []
        self._stop = asyncio.Event()

    # --- events → alerts → outputs -------------------------------------------------------------------
    def _on_event(self, event: ev.MonitorEvent) -> None:
        if isinstance(event, ev.HistoryProblem):
            self.note(event.sentence)
        for alert in self.engine.handle(event):
            self.fired.append(alert)
            log.info("alert %s", alert.message)
            for output in self.outputs:
                try:
                    output.send(alert)
                except Exception:  # one faulty output never stops the others or the monitor
                    log.exception("alert output %r failed", output)
        if isinstance(event, ev.PollFinished):
            if not event.ok:
                log.info("poll of %s failed: %s", event.target.sandbox, event.sentence)
            if self.after_poll is not None:
                try:
                    self.after_poll()
                except Exception:
                    log.exception("after-poll hook failed")

    # --- running --------------------------------------------------------------------------------------
    async def once(self, *, ignore_backoff: bool = True) -> list[Alert]:
        """One poll of every target (concurrently, within the limit), then one delivery round (which by
        default tries the oldest queued webhook alert at once: for cron, the schedule is the backoff)."""
        await asyncio.gather(*(monitor.poll_once() for monitor in self.monitors))
        await self.flush_outputs(ignore_backoff=ignore_backoff)
        return self.fired

    async def flush_outputs(self, *, ignore_backoff: bool = False) -> None:
        for output in self.outputs:
            with contextlib.suppress(Exception):
                if hasattr(output, "deliver_due"):
                    await output.deliver_due(ignore_backoff=ignore_backoff)
                elif hasattr(output, "flush"):
                    await output.flush()

    async def run(self) -> None:
        """Poll every target on its schedule until :meth:`stop`; outputs deliver in the background."""
        tasks = [asyncio.create_task(m.run(sleep=self.sleep), name=f"watch {m.target.sandbox}")
                 for m in self.monitors]
        tasks += [asyncio.create_task(o.run(), name=f"output {o!r}") for o in self.outputs if hasattr(o, "run")]
        for task in tasks:
            task.add_done_callback(_log_end)
        try:
            await self._stop.wait()  # a task that ends early is logged; the others go on
        finally:
            for monitor in self.monitors:
                monitor.stop()
            for output in self.outputs:
                if hasattr(output, "stop"):
                    output.stop()
            for task in tasks:
                task.cancel()  # an in-flight poll is released; queued webhook deliveries stay in the outbox
            await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        self._stop.set()

    def poll_errors(self) -> list[BaseException]:
        return [api.last_error for api in self.apis if api.last_error is not None]
