"""Pulse's figures, each a function returning its figures.

* ``history_stats_100k_ms``: wall time of ``aepx history stats --since 90d --json`` (a new process, to
  /dev/null) over a 100,000-job file spread over 90 days (every job in the window: the worst case).
  Details: the same with ``--by day`` and ``--by payload``, and ``history list --since 1m --json`` (a
  near-empty read: the process start and store open that every such command pays) measured in the same
  run, as a baseline.
* ``pulse_first_paint_ms``: the console (AepxApp, headless) with 100,000 jobs in its history (all in
  the last 14 days: the worst case for Pulse's windows): ``P`` → the Pulse screen is up and painted.
  ``pulse_figures_ms``: ``P`` → the history's figures painted (the worker's read included).
  ``pulse_max_stall_ms``: the worst event-loop lateness from ``P`` until the figures are painted.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, StallMonitor, child_env, median
from bench.history import _config, _wall, quiet_console, shared_store

TABLE: list[tuple[str, str, str, float | None]] = [
    ("history_stats_100k_ms", "history stats --json over 100k (whole process)", "ms", 300),
    ("pulse_first_paint_ms", "Pulse: P -> screen painted (100k in history)", "ms", 500),
    ("pulse_max_stall_ms", "Pulse: longest UI stall until figures shown", "ms", 100),
]
DETAILS = ["pulse_figures_ms", "history_stats_by_day_100k_ms", "history_stats_by_payload_100k_ms",
           "history_stats_process_floor_ms", "history_stats_runs_ms"]


def history_stats(runs: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = shared_store()
        env = child_env()
        env["AEPX_CONFIG"] = str(_config(tmp, store))
        base = [PYTHON, "-m", "tui", "history"]
        plain = [*base, "stats", "--since", "90d", "--json"]
        by_day = [*plain, "--by", "day"]
        by_payload = [*plain, "--by", "payload"]
        floor = [*base, "list", "--since", "1m", "--json"]
        _wall(plain, env)  # warm the page cache and .pyc files
        walls: dict[str, list[float]] = {"plain": [], "day": [], "payload": [], "floor": []}
        for _ in range(runs):  # interleaved: the machine is shared
            for name, args in (("plain", plain), ("day", by_day), ("payload", by_payload), ("floor", floor)):
                walls[name].append(_wall(args, env))
    return {"history_stats_100k_ms": median(walls["plain"]) * 1000,
            "history_stats_by_day_100k_ms": median(walls["day"]) * 1000,
            "history_stats_by_payload_100k_ms": median(walls["payload"]) * 1000,
            "history_stats_process_floor_ms": median(walls["floor"]) * 1000,
            "history_stats_runs_ms": [round(w * 1000) for w in walls["plain"]]}


async def _pulse_once(path: Path) -> tuple[float, float, float]:
    from tui.console.screens.pulse import PulseScreen

    app, store = quiet_console(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        stall = StallMonitor()
        stall.start()
        start = time.perf_counter()
        await pilot.press("P")
        while not isinstance(app.screen, PulseScreen):  # noqa: ASYNC110 - a bench polls what it times
            await asyncio.sleep(0.001)
        while app.screen.painted_at is None:  # noqa: ASYNC110 - a bench polls what it times
            await asyncio.sleep(0.001)
        painted = app.screen.painted_at - start  # after its first refresh: placeholders and the "now" line
        while app.screen.data is None:  # noqa: ASYNC110 - a bench polls what it times
            await asyncio.sleep(0.002)
        await pilot.pause()
        figures = time.perf_counter() - start
        worst = await stall.stop()
    store.close()
    return painted * 1000, figures * 1000, worst


def pulse_paint(runs: int = 3, span_days: int = 14) -> dict[str, Any]:
    path = shared_store(span_days)  # 14: every job in Pulse's windows, the worst case
    results = [asyncio.run(_pulse_once(path)) for _ in range(runs)]
    return {"pulse_first_paint_ms": median([r[0] for r in results]),
            "pulse_figures_ms": median([r[1] for r in results]),
            "pulse_max_stall_ms": median([r[2] for r in results])}


def _rss_child(path: str) -> None:
    """In a new process: the console opened on a 100,000-job history, Pulse shown with its figures;
    prints this process's resident memory then (MB)."""
    from bench.common import rss_mb

    asyncio.run(_pulse_once(Path(path)))
    print(rss_mb())


def console_history_rss(runs: int = 1, span_days: int = 14) -> dict[str, Any]:
    """``rss_100k_history_console_mb``: resident memory of a fresh process holding the console with
    100,000 jobs in its history and Pulse shown (median of ``runs`` processes)."""
    path = shared_store(span_days)
    values: list[float] = []
    for _ in range(runs):
        done = subprocess.run([PYTHON, "-m", "bench.pulse", "--rss", str(path)], cwd=ROOT, env=child_env(),
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"the console RSS child failed: {done.stderr[-1000:]}")
        values.append(float(done.stdout.strip().splitlines()[-1]))
    return {"rss_100k_history_console_mb": median(values)}


def run_all(quick: bool = False) -> dict[str, Any]:
    results = history_stats(runs=1 if quick else 5)
    # --quick reuses the 90-day store (a smoke check: fewer of its jobs fall in Pulse's windows)
    span = 90 if quick else 14
    results.update(pulse_paint(runs=1 if quick else 3, span_days=span))
    results.update(console_history_rss(runs=1 if quick else 3, span_days=span))
    return results


if __name__ == "__main__":
    import json
    import sys

    if sys.argv[1:2] == ["--rss"]:
        _rss_child(sys.argv[2])
    else:
        print(json.dumps(run_all("--quick" in sys.argv), indent=2))
