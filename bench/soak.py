"""``python -m bench.soak``: the console under faults, driven by Pilot, with checked outcomes.

The emulator (in this process, loopback) answers 20% of Platform calls with 429, 10% with 5xx and
adds 0-300 ms of latency; its tokens live 60 s, and every ``TOKEN_JUMP_S`` its token clock jumps ahead
so that live tokens expire under the client's feet (401, then one refresh). Meanwhile the console pages,
sorts, filters, launches 20 jobs through the launch screen (retrying refused launches as an operator
would) and cancels 10 of them through the cancel confirmation.

Checked at the end (exit 1 on any violation): no crash and no "failed unexpectedly" sentence; exactly
20 successful POSTs and 20 new jobs in the emulator; exactly 10 successful DELETEs and those 10 jobs
cancelled; the console's final list equal to the emulator's state at a frozen instant.

Then the hostile phase (``bench/hostile.py``): every scenario of the hostile loopback server, bounded in
time and count, each ending in the expected one-sentence outcome with no secret in it and bounded memory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

LAUNCHES = 20
CANCELS = 10
TOKEN_TTL_S = 60
TOKEN_JUMP_S = 12.0
BUDGET_S = 240.0
JOBS_PATH = "/data/core/ups/export/jobs"


class FreezableClock:
    """Real time for job lifecycles, until ``freeze()`` stops it (for the final comparison)."""

    def __init__(self) -> None:
        self._start_ms = int(time.time() * 1000)
        self._start = time.monotonic()
        self._frozen: int | None = None
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return self._start_ms + int((time.monotonic() - self._start) * 1000)

    def freeze(self) -> int:
        now = self.now_ms()
        with self._lock:
            self._frozen = now
        return now


@dataclass
class Report:
    launched: list[str] = field(default_factory=list)
    launch_attempts: int = 0
    cancelled: list[str] = field(default_factory=list)
    cancel_attempts: int = 0
    token_jumps: int = 0
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class TokenClock:
    """The emulator's token clock (``Store.monotonic``), which can jump ahead to expire tokens."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


async def until(predicate: Any, limit_s: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return bool(predicate())


async def settle_fetch(app: Any, limit_s: float = 90) -> None:
    await until(lambda: not app.poll.in_flight, limit_s)


async def browse(app: Any, pilot: Any) -> None:
    """Page forward and back, sort by every key, filter and clear."""
    for key in ("right_square_bracket", "right_square_bracket", "left_square_bracket"):
        await pilot.press(key)
        await settle_fetch(app)
    for key in "SSCUDI":
        await pilot.press(key)
        await pilot.pause()
    await pilot.press("slash", *"fail")
    await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()


async def confirm(app: Any, pilot: Any) -> None:
    """Answer the confirmation on screen yes: a production sandbox's asks for its name typed first."""
    typed = getattr(app.screen, "typed_name", None)
    if typed:  # once its input has focus (keys pressed before would reach the screen's bindings)
        await until(lambda: getattr(app.focused, "id", None) == "typed-name", 10)
        await pilot.press(*typed)
        await pilot.pause()
        await pilot.press("enter")
    else:
        await pilot.press("y")


async def launch_one(app: Any, pilot: Any, report: Report) -> str | None:
    """Open the launch screen and press ctrl+s then y until a job is created (or 8 refusals)."""
    from tui.console.screens.launch import ConfirmLaunch, LaunchScreen

    await pilot.press("n")
    if not await until(lambda: isinstance(app.screen, LaunchScreen), 10):
        report.violations.append("the launch screen did not open")
        return None
    screen = app.screen
    for _ in range(8):
        if not await until(lambda s=screen: s._lookups_state != "loading", 90):
            break
        if screen._lookups_state == "failed":
            screen._load_lookups()  # the lookups failed under faults: reload them, as reopening would
            continue
        report.launch_attempts += 1
        await pilot.press("ctrl+s")
        if not await until(lambda: isinstance(app.screen, ConfirmLaunch), 10):
            report.notes.append("a launch was refused before its confirmation")
            continue
        await confirm(app, pilot)
        await until(lambda s=screen: not s.launching or not isinstance(app.screen, LaunchScreen | ConfirmLaunch),
                    120)
        await pilot.pause()
        if not isinstance(app.screen, LaunchScreen | ConfirmLaunch):
            return app.model.followed
    report.violations.append("a launch kept failing 8 times in a row")
    await pilot.press("escape")
    return None


async def cancel_one(app: Any, pilot: Any, job_id: str, report: Report) -> bool:
    """The cancel confirmation for ``job_id``, answered with y; retried while the DELETE fails."""
    from tui.console.screens.confirm import ConfirmScreen
    from tui.core.models import Job

    for _ in range(6):
        job = app.model.jobs.get(job_id)
        if job is None:
            job = await app.api.get_job(job_id)  # not on the page shown: the same record the detail has
        if not isinstance(job, Job) or not job.is_active:
            report.violations.append(f"job {job_id} was not active when its cancel was due ({job.status})")
            return False
        report.cancel_attempts += 1
        before = len(app.message_log)
        app.request_cancel([job])
        if not await until(lambda: isinstance(app.screen, ConfirmScreen), 10):
            report.violations.append(f"no cancel confirmation for job {job_id}")
            return False
        await confirm(app, pilot)
        # until a sentence about this job arrives (polls log other jobs' transitions meanwhile)
        await until(lambda n=before: any(job_id in m for _, m in list(app.message_log)[n:]), 120)
        await until(lambda: not any(w.group == "cancel" and not w.is_finished for w in app.workers), 120)
        texts = " ".join(m for _, m in list(app.message_log)[before:])
        if f"Job {job_id}: cancel requested." in texts:
            return True
        report.notes.append(f"cancel of {job_id} refused, retrying: {texts[:160]}")
    report.violations.append(f"cancelling job {job_id} kept failing")
    return False


async def final_refresh(app: Any, pilot: Any, log: Any) -> bool:
    """Pause polling, then refresh until one poll succeeds end to end."""
    if not app.poll.paused:
        await pilot.press("p")
    for _ in range(15):
        await settle_fetch(app)
        mark = len(log)
        app.refresh_now()
        await pilot.pause()
        await settle_fetch(app)
        await pilot.pause()
        fresh = log.snapshot()[mark:]
        ok = any(r.method == "GET" and r.path.rstrip("/") == JOBS_PATH and r.status == 200 for r in fresh)
        if ok and app.poll.error is None:
            return True
    return False


def compare(app: Any, server: Any, settings: Any, now: int, report: Report) -> None:
    from tui.core.models import Job

    store = server.store
    tenant = store.tenant(settings.org, settings.sandbox)
    page, _ = store.list_jobs(tenant, before=None, limit=app.model.page_size, status=None, skip=0, now=now)
    truth = [Job.parse(j.render(now, list_form=True)) for j in page]
    shown = list(app.model.jobs.values())
    if [j.id for j in shown] != [j.id for j in truth]:
        report.violations.append(f"final list ids differ: console {[j.id for j in shown][:8]}… vs emulator "
                                 f"{[j.id for j in truth][:8]}…")
        return
    for mine, real in zip(shown, truth, strict=True):
        if (mine.status, mine.updated_ms, len(mine.errors)) != (real.status, real.updated_ms, len(real.errors)):
            report.violations.append(f"job {mine.id}: console {mine.status}/{mine.updated_ms} vs emulator "
                                     f"{real.status}/{real.updated_ms}")


def check_server(server: Any, settings: Any, before_ids: set[int], report: Report, now: int) -> None:
    log = server.requests.snapshot()
    posts = [r for r in log if r.method == "POST" and r.path.rstrip("/") == JOBS_PATH and 200 <= r.status < 300]
    deletes = [r for r in log if r.method == "DELETE" and 200 <= r.status < 300]
    tenant = server.store.tenant(settings.org, settings.sandbox)
    created = [j for i, j in tenant.jobs.items() if i not in before_ids]
    cancelled = [j for j in created if j.cancelled_at is not None]
    if len(posts) != LAUNCHES or len(created) != LAUNCHES:
        report.violations.append(f"expected {LAUNCHES} jobs created: {len(posts)} successful POSTs, "
                                 f"{len(created)} new jobs in the emulator")
    if len(deletes) != CANCELS or len(cancelled) != CANCELS:
        report.violations.append(f"expected {CANCELS} jobs cancelled: {len(deletes)} successful DELETEs, "
                                 f"{len(cancelled)} cancelled jobs in the emulator")
    wanted = set(report.cancelled)
    if {str(j.id) for j in cancelled} != wanted:
        report.violations.append("the cancelled jobs are not the ones the console cancelled")
    report.notes.append(f"requests: {len(log)} total, {sum(r.status == 429 for r in log)} x 429, "
                        f"{sum(r.status >= 500 for r in log)} x 5xx, {sum(r.status == 401 for r in log)} x 401, "
                        f"{sum(r.path.startswith('/ims') for r in log)} token requests")


async def token_jumper(clock: TokenClock, report: Report) -> None:
    while True:
        await asyncio.sleep(TOKEN_JUMP_S)
        clock.offset += TOKEN_TTL_S  # every token issued so far is now expired on the server
        report.token_jumps += 1


async def drive(server: Any, settings: Any, clock: FreezableClock, report: Report) -> None:
    from bench.common import platform_client
    from tui.console.app import AepxApp
    from tui.core.config import ConsoleSettings

    token_clock = TokenClock()
    server.store.monotonic = token_clock
    tenant = server.store.tenant(settings.org, settings.sandbox)
    before_ids = set(tenant.jobs)
    app = AepxApp(platform_client(server.base_url, settings), settings=ConsoleSettings(refresh_seconds=1.0,
                                                                                       page_size=50))
    jumper: asyncio.Task[None] | None = None
    async with app.run_test(size=(120, 40)) as pilot:
        jumper = asyncio.get_running_loop().create_task(token_jumper(token_clock, report))
        if not await until(lambda: app.jobs_screen is not None and app.jobs_screen.table.row_count > 0, 120):
            report.violations.append("the first page never showed")
        await browse(app, pilot)
        for _ in range(LAUNCHES):
            job_id = await launch_one(app, pilot, report)
            if job_id is None:
                break
            report.launched.append(job_id)
            if len(report.launched) % 5 == 0:
                await browse(app, pilot)
        for job_id in report.launched[:CANCELS]:
            if await cancel_one(app, pilot, job_id, report):
                report.cancelled.append(job_id)
        jumper.cancel()
        await settle_fetch(app)
        for _ in range(10):  # back to the first page, where the comparison is made
            if not app.model.cursor_stack:
                break
            await pilot.press("left_square_bracket")
            await settle_fetch(app)
        if app.model.all_loaded or app.model.cursor_stack or app.model.status_filter or app.model.text_filter:
            report.notes.append("view was not on the first page at the end")
        now = clock.freeze()
        if await final_refresh(app, pilot, server.requests):
            compare(app, server, settings, now, report)
        else:
            report.violations.append("no final refresh succeeded")
        unexpected = [m for _, m in app.message_log if "unexpectedly" in m]
        if unexpected:
            report.violations.append(f"unexpected failures: {unexpected[:3]}")
        await app.action_quit()
    if app._exception is not None:  # the crash Textual would have printed
        report.violations.append(f"the console crashed: {type(app._exception).__name__}")
    check_server(server, settings, before_ids, report, now)


def main() -> int:
    home = tempfile.mkdtemp(prefix="aepx-soak-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = os.path.join(home, var.lower())
    os.environ["HOME"] = home
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    settings = EmulatorSettings(port=0, jobs=300, fault_rate_429=0.2, fault_rate_5xx=0.1, latency_ms=(0, 300),
                                token_ttl=TOKEN_TTL_S)
    clock = FreezableClock()
    report = Report()
    started = time.monotonic()
    with EmulatorServer(settings, clock=clock) as server:
        try:
            asyncio.run(asyncio.wait_for(drive(server, settings, clock, report), BUDGET_S))
        except TimeoutError:
            report.violations.append(f"the soak did not finish within {BUDGET_S:.0f} s")
        except Exception as exc:  # the soak itself must report, not crash
            report.violations.append(f"the soak failed: {type(exc).__name__}: {exc}")
    from bench.hostile import hostile_phase

    try:
        report.violations.extend(f"hostile: {v}" for v in hostile_phase())
    except Exception as exc:  # the soak itself must report, not crash
        report.violations.append(f"the hostile phase failed: {type(exc).__name__}: {exc}")
    elapsed = time.monotonic() - started
    print(f"soak: {elapsed:.0f} s; launched {len(report.launched)} ({report.launch_attempts} attempts), "
          f"cancelled {len(report.cancelled)} ({report.cancel_attempts} attempts), "
          f"{report.token_jumps} forced token expiries")
    for note in report.notes:
        print(f"  note: {note}")
    for violation in report.violations:
        print(f"  VIOLATION: {violation}")
    print("soak: OK" if not report.violations else f"soak: FAILED ({len(report.violations)} violations)")
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
