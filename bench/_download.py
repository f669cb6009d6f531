"""Child process: download every file of a batch with aepx's DataAccess; print JSON {seconds, rss_peak_mb}.

argv: base_url, settings JSON, batch id, target directory. The peak RSS is this process's own
(VmHWM), so it covers Python, httpx and aepx while the files stream to disk.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from bench.common import platform_client
from tui.emulator.settings import EmulatorSettings


async def run(url: str, settings: EmulatorSettings, batch_id: str, target: Path) -> float:
    async with platform_client(url, settings) as api:
        da = api.data_access()
        files = await da.list_files(batch_id)
        start = time.perf_counter()
        for file in files:
            await da.download_file(file, target)
        return time.perf_counter() - start


def main() -> None:
    url, spec, batch_id, target = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    spec["latency_ms"] = tuple(spec.get("latency_ms", (0, 0)))
    seconds = asyncio.run(run(url, EmulatorSettings(**spec), batch_id, target))
    print(json.dumps({"seconds": seconds, "rss_peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM). Not ``ru_maxrss``: Linux carries the forking
    parent's peak across exec into it, so a child of a big bench process would report the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
