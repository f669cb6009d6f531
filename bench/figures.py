"""Each benchmark of the console, client and emulator as a function returning its figures (``bench.__main__``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bench.common import (
    PYTHON,
    ROOT,
    StallMonitor,
    child_env,
    emulator_process,
    emulator_settings,
    median,
    platform_client,
    rss_mb,
    wait_until,
)

PAGE = 100
JOBS_PATH = "/data/core/ups/export/jobs"


# --- startup ---------------------------------------------------------------------------------------
def _startup_once(kind: str, base_url: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "bench._startup", kind, base_url], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"startup child {kind} failed: {done.stderr[-2000:]}")
    return elapsed


def startup(runs: int = 7) -> dict[str, Any]:
    """Process start to a populated job table: aepx vs a minimal Textual + httpx app (interleaved)."""
    aepx: list[float] = []
    base: list[float] = []
    with emulator_process() as (url, _):
        _startup_once("baseline", url)  # warm the OS file cache and .pyc files for both
        _startup_once("aepx", url)
        for _ in range(runs):
            base.append(_startup_once("baseline", url))
            aepx.append(_startup_once("aepx", url))
    return {"startup_aepx_s": median(aepx), "startup_baseline_s": median(base),
            "startup_ratio": median(aepx) / median(base)}


# --- loading 10,000 jobs ---------------------------------------------------------------------------
async def aepx_load_all(url: str, settings: Any) -> int:
    """aepx's path: PlatformClient.iter_jobs, then the model as the console's ``A`` feeds it."""
    from tui.console.state import JobListModel

    model = JobListModel(page_size=PAGE)
    async with platform_client(url, settings) as api:
        pages = [page async for page in api.iter_jobs(limit=PAGE)]
    model.replace_all(pages)
    return len(model.jobs)


async def httpx_load_all(url: str, settings: Any) -> int:
    """The baseline: a bare httpx loop over the same pages (token, then GET following link.next),
    keeping the decoded records as any loader must (a loop that dropped them would not be loading)."""
    kept: list[Any] = []
    async with httpx.AsyncClient(base_url=url) as client:
        token = (await client.post("/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": settings.client_id,
            "client_secret": settings.client_secret, "scope": "openid"})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "x-api-key": settings.client_id,
                   "x-gw-ims-org-id": settings.org, "x-sandbox-name": settings.sandbox}
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            body = (await client.get(JOBS_PATH, params=params, headers=headers)).json()
            kept.extend(body["records"])
            offset = parse_qs(urlsplit((body.get("link") or {}).get("next") or "").query).get("offset")
            if not offset:
                return len(kept)
            params = {"limit": PAGE, "offset": offset[0]}


def load_10k(runs: int = 5) -> dict[str, Any]:
    aepx: list[float] = []
    base: list[float] = []
    with emulator_process(jobs=10_000) as (url, settings):
        asyncio.run(httpx_load_all(url, settings))  # warm-up (and a sanity check of the counts)
        counts = {asyncio.run(aepx_load_all(url, settings))}
        for _ in range(runs):
            start = time.perf_counter()
            counts.add(asyncio.run(httpx_load_all(url, settings)))
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            counts.add(asyncio.run(aepx_load_all(url, settings)))
            aepx.append(time.perf_counter() - start)
    if counts != {10_000}:
        raise RuntimeError(f"the loads disagree on the number of jobs: {sorted(counts)}")
    return {"load_10k_aepx_s": median(aepx), "load_10k_baseline_s": median(base),
            "load_10k_ratio": median(aepx) / median(base)}


def load_100k(runs: int = 1, baseline: bool = True) -> dict[str, Any]:
    """100,000 jobs through aepx's load path (the emulator seeded with 100k); ``load_100k_ratio`` is this
    time over 10 x the 10k time of the same run (1.0: the cost grows linearly). The bare httpx loop
    over the same 100k is a detail, to tell aepx's growth from the emulator's."""
    aepx: list[float] = []
    base: list[float] = []
    with emulator_process(jobs=100_000) as (url, settings):
        for _ in range(runs):
            start = time.perf_counter()
            count = asyncio.run(aepx_load_all(url, settings))
            aepx.append(time.perf_counter() - start)
            if count != 100_000:
                raise RuntimeError(f"aepx loaded {count} of 100,000 jobs")
            if baseline:
                start = time.perf_counter()
                asyncio.run(httpx_load_all(url, settings))
                base.append(time.perf_counter() - start)
    return {"load_100k_aepx_s": median(aepx), "load_100k_baseline_s": median(base) if base else None}


def profile_load_10k(top: int = 25) -> str:
    """cProfile of aepx's 10k load (for the report when the ratio misses)."""
    import cProfile
    import io
    import pstats

    with emulator_process(jobs=10_000) as (url, settings):
        prof = cProfile.Profile()
        prof.enable()
        asyncio.run(aepx_load_all(url, settings))
        prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- the console with 10,000 jobs: stalls, one sort, memory ---------------------------------------
def _console_app(url: str, settings: Any, refresh: float) -> Any:
    from tui.console.app import AepxApp
    from tui.core.config import ConsoleSettings

    return AepxApp(platform_client(url, settings), settings=ConsoleSettings(refresh_seconds=refresh))


async def _load_all_in_app(app: Any, pilot: Any) -> None:
    screen_ready = await wait_until(lambda: app.jobs_screen is not None and app.jobs_screen.table.row_count > 0,
                                    60)
    if not screen_ready:
        raise RuntimeError("the console never showed the first page")
    await pilot.press("A")
    if not await wait_until(lambda: app.model.all_loaded, 180):
        raise RuntimeError(f"loading every page did not finish: {app.poll.error}")
    await pilot.pause()


async def _console_10k(url: str, settings: Any) -> dict[str, Any]:
    app = _console_app(url, settings, refresh=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        monitor = StallMonitor()
        monitor.start()
        start = time.perf_counter()
        monitor.phase = "load all (A)"
        await _load_all_in_app(app, pilot)
        load_s = time.perf_counter() - start
        for key in "SSCCUUDDII":
            monitor.phase = f"sort key {key}"
            await pilot.press(key)
            await pilot.pause()
        monitor.phase = "filter typing"
        await pilot.press("slash", *"fail")
        await pilot.pause()
        monitor.phase = "filter clear"
        await pilot.press("escape")
        await pilot.pause()
        for key in "]]][":
            monitor.phase = f"local page {key}"
            await pilot.press(key)
            await pilot.pause()
        stall_ms = await monitor.stop()
        screen = app.jobs_screen
        sorts: list[float] = []
        model_sorts: list[float] = []
        for key in ("status", "created", "updated", "duration", "id") * 3:
            begin = time.perf_counter()
            screen.action_sort(key)  # model sort + the table diff of the visible window
            sorts.append((time.perf_counter() - begin) * 1000)
            await pilot.pause()
            app.model.set_sort(key)
            begin = time.perf_counter()
            app.model.ordered_ids()
            model_sorts.append((time.perf_counter() - begin) * 1000)
        loaded = len(app.model.jobs)
        rss = rss_mb()
        await app.action_quit()
    return {"console_load_all_s": load_s, "console_max_stall_ms": stall_ms, "worst_stalls": monitor.worst,
            "sort_10k_ms": median(sorts), "sort_10k_model_only_ms": median(model_sorts), "rss_10k_mb": rss,
            "console_loaded_jobs": loaded}


async def _baseline_stall(refills: int = 10) -> float:
    """The stall floor of Textual itself here: a bare DataTable (100 rows x 10 columns, Header, Footer)
    cleared and refilled, the same work the console's table does when a sort changes every row."""
    import random

    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> Any:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            self.query_one(DataTable).add_columns(*(f"c{i}" for i in range(10)))

        def fill(self, seed: int) -> None:
            table = self.query_one(DataTable)
            table.clear()
            rng = random.Random(seed)
            for i in range(PAGE):
                table.add_row(*(Text(str(rng.randint(0, 10**8))) for _ in range(10)), key=str(i))

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        app.fill(0)
        await pilot.pause()
        monitor = StallMonitor()
        monitor.start()
        for seed in range(1, refills + 1):
            app.fill(seed)
            await pilot.pause()
            await asyncio.sleep(0.1)
        return await monitor.stop()


def baseline_stall() -> dict[str, Any]:
    return {"max_stall_baseline_ms": asyncio.run(_baseline_stall())}


def _console_10k_child() -> None:
    with emulator_process(jobs=10_000) as (url, settings):
        print(json.dumps(asyncio.run(_console_10k(url, settings))))


def console_10k() -> dict[str, Any]:
    """In a new process, so its resident memory is the console's, not what earlier figures left."""
    done = subprocess.run([PYTHON, "-m", "bench.figures", "--console-10k"], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the console_10k child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- steady polling and cancel latency (emulator in this process, for its request log) ----------
def _is_list(path: str) -> bool:
    return path.rstrip("/") == JOBS_PATH


def _keep_running(server: Any, settings: Any, keep: int) -> int:
    """Leave exactly ``keep`` NEW/PROCESSING jobs (stuck ones first, they never finish)."""
    store = server.store
    tenant = store.tenant(settings.org, settings.sandbox)
    now = store.now_ms()
    active = [j for j in tenant.jobs.values() if j.status_at(now) in ("NEW", "PROCESSING")]
    active.sort(key=lambda j: j.schedule.final is not None)
    for job in active[keep:]:
        store.cancel_job(job, now)
    return min(keep, len(active))


async def _poll_and_cancel(server: Any, settings: Any, window_s: float, settle: int = 3) -> dict[str, Any]:
    from tui.console.screens.confirm import ConfirmScreen

    interval = 1.0  # the console's minimum refresh interval
    app = _console_app(server.base_url, settings, refresh=interval)
    log = server.requests
    async with app.run_test(size=(120, 40)) as pilot:
        await _load_all_in_app(app, pilot)
        await asyncio.sleep(interval * settle)  # settle into the steady rhythm
        newest = sorted(app.model.jobs.values(), key=lambda j: (j.created_ms or 0, j.sort_id), reverse=True)
        first_page = {j.id for j in newest[:PAGE]}
        active = [j for j in app.model.jobs.values() if j.is_active]
        expected = 1 + len([j for j in active if j.id not in first_page])
        mark = len(log)
        stall = StallMonitor()
        stall.start()
        await asyncio.sleep(window_s)  # polls arrive and are merged into the 10k model
        poll_stall = await stall.stop()
        window = log.snapshot()[mark:]
        # Whole poll cycles only: from the first list request to just before the last one, so a cycle cut
        # by the window's edges is not counted by halves.
        starts = [i for i, r in enumerate(window) if r.method == "GET" and _is_list(r.path)]
        window = window[starts[0]:starts[-1]] if len(starts) > 1 else window
        polls = sum(1 for r in window if r.method == "GET" and _is_list(r.path))
        gets = sum(1 for r in window if r.method == "GET" and r.path.startswith(JOBS_PATH + "/")
                   and not _is_list(r.path))
        other = len(window) - polls - gets
        per_interval = len(window) / polls if polls else float("nan")

        latencies: list[float] = []
        for job in [j for j in app.model.jobs.values() if j.is_active][:3]:
            app.request_cancel([job])
            await pilot.pause()
            if not isinstance(app.screen, ConfirmScreen):
                raise RuntimeError("the cancel confirmation did not open")
            typed = app.screen.typed_name  # a production sandbox: the operator types its name first
            if typed:
                await pilot.press(*typed)
                await pilot.pause()
            mark = len(log)
            pressed = time.monotonic()
            await pilot.press("enter" if typed else "y")  # the confirming key
            found = await wait_until(lambda m=mark: any(r.method == "DELETE" for r in log.snapshot()[m:]), 10,
                                     step=0.001)
            if not found:
                raise RuntimeError("no DELETE reached the emulator after the confirmation")
            delete = next(r for r in log.snapshot()[mark:] if r.method == "DELETE")
            latencies.append((delete.t - pressed) * 1000)
            await pilot.pause()
        await app.action_quit()
    return {"poll_requests_per_interval": per_interval, "poll_max_stall_ms": poll_stall,
            "poll_expected_per_interval": expected,
            "poll_window_s": window_s, "poll_list_requests": polls, "poll_job_gets": gets,
            "poll_other_requests": other, "poll_requests_per_minute": per_interval * 60 / interval,
            "poll_running_jobs": len(active), "cancel_latency_ms": median(latencies) if latencies else None,
            "cancel_latencies_ms": latencies}


def poll_and_cancel(window_s: float = 6.0, settle: int = 3) -> dict[str, Any]:
    from tui.emulator.server import EmulatorServer

    settings = emulator_settings(jobs=10_000)
    with EmulatorServer(settings) as server:
        _keep_running(server, settings, 5)
        return asyncio.run(_poll_and_cancel(server, settings, window_s, settle))


if __name__ == "__main__":
    if sys.argv[1:] == ["--console-10k"]:
        _console_10k_child()
