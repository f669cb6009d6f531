"""Pulse's figures (issue 16), each a function returning its figures.

* ``history_stats_100k_ms``: wall time of ``aepx history stats --since 90d --json`` (a new process, to
  /dev/null) over a 100,000-job file spread over 90 days (every job in the window: the worst case).
  Details: the same with ``--by day`` and ``--by payload``, and ``history list --since 1m --json`` (a
  near-empty read: the process start and store open that every such command pays) measured in the same
  run, as a baseline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import PYTHON, child_env, median
from bench.history import _config, _wall, build_store

TABLE: list[tuple[str, str, str, float | None]] = [
    ("history_stats_100k_ms", "history stats --json over 100k (whole process)", "ms", 300),
]
DETAILS = ["history_stats_by_day_100k_ms", "history_stats_by_payload_100k_ms", "history_stats_process_floor_ms",
           "history_stats_runs_ms"]


def history_stats(runs: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = tmp / "history.sqlite3"
        build_store(store)
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


def run_all(quick: bool = False) -> dict[str, Any]:
    return history_stats(runs=3 if quick else 5)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run_all("--quick" in sys.argv), indent=2))
