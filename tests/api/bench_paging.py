"""Wall time to page N jobs through PlatformClient vs a bare httpx loop, against one emulator.

Run: ``.venv/bin/python -m tests.api.bench_paging [JOBS] [ROUNDS]`` (not collected by pytest).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from tests.api.emulator_support import bare_httpx_ids, emulator_client
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


async def client_ids(srv: EmulatorServer, limit: int) -> list[str]:
    async with emulator_client(srv) as client:
        return [j.id async for p in client.iter_jobs(limit=limit) for j in p.jobs]


async def measure(jobs: int, rounds: int, limit: int = 100) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"PlatformClient": [], "bare httpx": []}
    with EmulatorServer(EmulatorSettings(port=0, jobs=jobs)) as srv:
        await client_ids(srv, limit)  # warm up both paths once
        await bare_httpx_ids(srv, limit)
        for _ in range(rounds):
            for name, run in (("PlatformClient", client_ids), ("bare httpx", bare_httpx_ids)):
                started = time.perf_counter()
                ids = await run(srv, limit)
                times[name].append(time.perf_counter() - started)
                assert len(ids) == jobs == len(set(ids)), name
    return times


def main() -> None:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for name, values in asyncio.run(measure(jobs, rounds)).items():
        print(f"{name:15s} {jobs} jobs: median {statistics.median(values) * 1000:.0f} ms, "
              f"min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms over {rounds} rounds")


if __name__ == "__main__":
    main()
