"""``startup_tmux_ratio``: the start as an operator sees it, in a real terminal (tmux, 120x40): from
launching the process to 5 rows of the first page on screen, aepx / the same floor app as
``startup_ratio`` (medians of interleaved runs). ``None`` (printed ``n/a``) without tmux.

The screen is read with ``tmux capture-pane`` every 5 ms; a row counts once its job id is shown.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import time
from typing import Any

from bench.common import PYTHON, ROOT, child_env, emulator_process, median

ROWS = 5


async def _first_ids(url: str, settings: Any) -> list[str]:
    from bench.common import platform_client

    async with platform_client(url, settings) as api:
        return [job.id for job in (await api.list_jobs(limit=100)).jobs]


_RUNS = iter(range(1_000_000))


def _once(tmux: str, kind: str, url: str, ids: list[str]) -> float:
    session = f"aepx-bench-{os.getpid()}-{kind}-{next(_RUNS)}"
    env = child_env()
    command = " ".join(shlex.quote(x) for x in [PYTHON, "-m", "bench._startup", kind, url, "--screen"])
    exports = " ".join(f"{k}={shlex.quote(env[k])}" for k in ("PYTHONPATH", "TEXTUAL_ANIMATIONS"))
    wanted = [i[:7] for i in ids[:ROWS]]  # aepx shortens long ids to 7 characters and an ellipsis
    start = time.perf_counter()
    subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", str(ROOT),
                    f"env -u PYTHONDONTWRITEBYTECODE {exports} {command}"], check=True)
    try:
        deadline = start + 30
        while time.perf_counter() < deadline:
            pane = subprocess.run([tmux, "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout
            if all(w in pane for w in wanted):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"{kind}: {ROWS} rows never showed in tmux")
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], capture_output=True)


def startup_tmux(runs: int = 5) -> dict[str, Any]:
    tmux = shutil.which("tmux")
    if tmux is None:
        return {"startup_tmux_ratio": None}
    aepx: list[float] = []
    base: list[float] = []
    # One idle session keeps the tmux server up: killing the last session stops the server, and a
    # session started right then can meet the server on its way out.
    keeper = f"aepx-bench-{os.getpid()}-keeper"
    subprocess.run([tmux, "new-session", "-d", "-s", keeper, "sleep 900"], check=True)
    try:
        return _measure(tmux, runs, aepx, base)
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        return {"startup_tmux_ratio": None, "startup_tmux_error": str(exc)[:300]}
    finally:
        subprocess.run([tmux, "kill-session", "-t", keeper], capture_output=True)


def _measure(tmux: str, runs: int, aepx: list[float], base: list[float]) -> dict[str, Any]:
    with emulator_process() as (url, settings):
        ids = asyncio.run(_first_ids(url, settings))
        _once(tmux, "baseline", url, ids)  # warm-up
        _once(tmux, "aepx", url, ids)
        for _ in range(runs):
            base.append(_once(tmux, "baseline", url, ids))
            aepx.append(_once(tmux, "aepx", url, ids))
    return {"startup_tmux_ratio": median(aepx) / median(base), "startup_tmux_aepx_s": median(aepx),
            "startup_tmux_baseline_s": median(base)}


if __name__ == "__main__":
    print(startup_tmux())
