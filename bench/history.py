"""The history store's figures, each a function returning its figures.

* ``history_upsert_100k_ratio``: ``HistoryStore.upsert`` of 100,000 parsed job records (row building,
  fingerprints, the ON CONFLICT upsert) / a bare ``executemany`` of plain INSERTs of the same rows,
  already built, into the same schema (fresh files both; medians of interleaved runs), the bare loop on
  SQLite's default connection settings. Details: the SQL-only ratio (rows built outside the timing on
  both sides) and the ratio against a bare loop given the store's 16 MB page cache too.
* ``history_max_stall_ms``: the console (AepxApp, headless) while its monitor takes 10,000 jobs in
  pages of 100 and the writer thread stores them: the worst event-loop lateness.
* ``history_list_30d_100k_ms``: wall time of ``aepx history list --since 30d --json`` (a new process, to
  /dev/null) over a 100,000-job file spread over 90 days.
* ``history_startup_delta_ms``: what the store adds to the console's start, measured inside a new
  process: importing the history module (and ``sqlite3``) plus opening a 100,000-job file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, StallMonitor, child_env, median

ORG, SANDBOX = "BENCH@AdobeOrg", "prod"
DAY_MS = 86_400_000
PAYLOADS = [("identities.id,personalEmail.address", "ds-1"), ("person.name,homeAddress", "ds-2"),
            ("identities.id", "ds-3"), ("loyalty.points,person.birthDate", "ds-1")]


def record(i: int, now_ms: int, span_days: int = 90) -> dict[str, Any]:
    created = now_ms - (i * span_days * DAY_MS) // 100_000 - 1
    fields, dataset = PAYLOADS[i % len(PAYLOADS)]
    status = "FAILED" if i % 17 == 0 else "PROCESSING" if i < 5 else "SUCCEEDED"
    total = 600_000 + (i * 7919) % 1_200_000
    rec: dict[str, Any] = {
        "id": 900_000 - i, "jobType": "BATCH", "profileInstanceId": "ups", "status": status,
        "requestId": f"req-{i}", "imsOrgId": ORG, "schema": {"name": "_xdm.context.profile"},
        "mergePolicy": {"id": "mp-default", "version": 1}, "fields": fields,
        "destination": {"datasetId": dataset, "segmentPerBatch": False, "batchId": f"BATCH{i:08d}"},
        "computeGatewayJobId": {"exportJob": f"exp-{i}", "pushJob": f"push-{i}"},
        "creationTime": created, "updateTime": created + total,
        "metrics": {"totalTime": {"startTimeInMs": created, "endTimeInMs": created + total, "totalTimeInMs": total},
                    "profileExportTime": {"startTimeInMs": created + 1000, "endTimeInMs": created + total // 2,
                                          "totalTimeInMs": total // 2 - 1000},
                    "aCPDatasetWriteTime": {"startTimeInMs": created + total // 2, "endTimeInMs": created + total,
                                            "totalTimeInMs": total - total // 2}},
    }
    if status == "FAILED":
        rec["errors"] = [{"code": "0090000009", "msg": "Error writing profiles to output path", "callStack": "x"}]
    return rec


def make_jobs(n: int, now_ms: int | None = None) -> list[Any]:
    from tui.core.models import Job

    now = now_ms if now_ms is not None else int(time.time() * 1000)
    return [Job.parse(record(i, now)) for i in range(n)]


def build_store(path: Path, n: int = 100_000, span_days: int = 90) -> None:
    from tui.core.models import Job
    from tui.monitor.history.store import HistoryStore

    store = HistoryStore.open(path)
    now = int(time.time() * 1000)
    for start in range(0, n, 10_000):
        store.upsert(ORG, SANDBOX, [Job.parse(record(i, now, span_days)) for i in range(start, min(n, start + 10_000))])
    store.close()


_BUILT: dict[int, Path] = {}
_KEEP: list[tempfile.TemporaryDirectory[str]] = []


def _keep(path: Path) -> Path:
    tmp = tempfile.TemporaryDirectory(prefix="aepx-bench-history-")
    _KEEP.append(tmp)
    kept = Path(tmp.name) / "history.sqlite3"
    shutil.copyfile(path, kept)  # closed, so checkpointed: the one file is the whole store
    return kept


def shared_store(span_days: int = 90) -> Path:
    """A 100,000-job history file spread over ``span_days``, built once per bench run and shared by
    the figures that only read it (the file is copied by none of them; they open it read-mostly)."""
    if span_days not in _BUILT:
        tmp = tempfile.TemporaryDirectory(prefix="aepx-bench-history-")
        _KEEP.append(tmp)
        path = Path(tmp.name) / "history.sqlite3"
        build_store(path, span_days=span_days)
        _BUILT[span_days] = path
    return _BUILT[span_days]


# --- upsert vs bare executemany ----------------------------------------------------------------------
def _bare(path: Path, rows: list[tuple], cache_kib: int | None = None) -> float:
    from tui.monitor.history.store import JOB_COLUMNS, HistoryStore

    HistoryStore.open(path).close()  # the same schema, pragmas and indexes
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    if cache_kib is not None:
        conn.execute(f"PRAGMA cache_size = {cache_kib}")
    sql = f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ({', '.join('?' * len(JOB_COLUMNS))})"
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _ours(path: Path, jobs: list[Any]) -> float:
    from tui.monitor.history.store import HistoryStore

    store = HistoryStore.open(path)
    start = time.perf_counter()
    store.upsert(ORG, SANDBOX, jobs)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def _ours_rows(path: Path, rows: list[tuple]) -> float:
    from tui.monitor.history.store import _UPSERT, HistoryStore, _connect

    HistoryStore.open(path).close()
    conn = _connect(path)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for i in range(0, len(rows), 2000):
        conn.executemany(_UPSERT, rows[i:i + 2000])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def history_upsert(n: int = 100_000, runs: int = 3, details: bool = True) -> dict[str, Any]:
    from tui.monitor.history.store import CACHE_KIB, job_row

    jobs = make_jobs(n)
    seen = int(time.time() * 1000)
    rows = [job_row(ORG, SANDBOX, j, seen) for j in jobs]
    ours: list[float] = []
    bare: list[float] = []
    sql_only: list[float] = []
    tuned: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            bare.append(_bare(Path(tmp) / f"bare{run}.sqlite3", rows))
            ours.append(_ours(Path(tmp) / f"ours{run}.sqlite3", jobs))
            if details:
                tuned.append(_bare(Path(tmp) / f"tuned{run}.sqlite3", rows, CACHE_KIB))
                sql_only.append(_ours_rows(Path(tmp) / f"rows{run}.sqlite3", rows))
        # the file our last run wrote is the 90-day 100k store the read figures need: keep it
        if n == 100_000 and 90 not in _BUILT:
            _BUILT[90] = _keep(Path(tmp) / f"ours{runs - 1}.sqlite3")
    out = {"history_upsert_100k_ratio": median(ours) / median(bare),
           "history_upsert_100k_s": median(ours), "history_bare_executemany_100k_s": median(bare)}
    if details:
        out["history_upsert_sql_only_ratio"] = median(sql_only) / median(bare)
        # the bare loop given the store's own page cache too: what our Python side costs on top
        out["history_upsert_vs_same_cache_ratio"] = median(ours) / median(tuned)
    return out


# --- the console's longest stall while the monitor writes 10k jobs ------------------------------------
def quiet_console(path: Path) -> tuple[Any, Any]:
    """A console on the history file at ``path`` whose API answers empty pages and never refreshes on
    its own: what it shows comes from the store. Returns ``(app, store)``."""
    from tui.console.app import AepxApp
    from tui.core.config import ConsoleSettings
    from tui.core.models import Page, Target
    from tui.monitor.history.store import HistoryStore

    class NoAPI:
        target = Target(profile="bench", org_id=ORG, sandbox=SANDBOX, platform_url="http://127.0.0.1:9")

        async def list_jobs(self, **kwargs):
            return Page(jobs=())

        async def aclose(self) -> None:
            return None

    store = HistoryStore.open(path)
    app = AepxApp(NoAPI(), settings=ConsoleSettings(refresh_seconds=3600), history=store)  # type: ignore[arg-type]
    return app, store


async def _console_stall(path: Path, n: int) -> float:
    app, store = quiet_console(path)
    jobs = make_jobs(n)
    async with app.run_test() as pilot:
        await pilot.pause()
        stall = StallMonitor()
        stall.start()
        for start in range(0, n, 100):  # as pages arrive from the Platform
            app.monitor.observe(jobs[start:start + 100], "page")
            await asyncio.sleep(0.001)
        await asyncio.to_thread(store.flush, 120)
        worst = await stall.stop()
    store.close()
    return worst


def history_stall(n: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        worst = asyncio.run(_console_stall(Path(tmp) / "h.sqlite3", n))
    return {"history_max_stall_ms": worst}


# --- history list --since 30d --json over 100k, and the startup delta ---------------------------------
def _config(tmp: Path, store: Path) -> Path:
    path = tmp / "aepx.toml"
    path.write_text(f'default_profile = "bench"\n[history]\npath = "{store}"\n[profiles.bench]\n'
                    f'org_id = "{ORG}"\nclient_id = "bench"\nsandbox = "{SANDBOX}"\n'
                    'platform_url = "http://127.0.0.1:9"\nims_url = "http://127.0.0.1:9"\n')
    os.chmod(path, 0o600)
    return path


def _wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args[2:]} failed: {done.stderr[-500:]}")
    return elapsed


_OPEN = ("import sys, time\n"
         "import asyncio, logging, tui.core.models, tui.core.fingerprint, tui.core.config, tui.core.protocol\n"
         "t0 = time.perf_counter()\n"
         "import sqlite3\n"
         "import tui.monitor.history.store as h\n"
         "t1 = time.perf_counter()\n"
         "import tui.cli, tui.console.app\n"
         "t2 = time.perf_counter()\n"
         "s = h.HistoryStore.open(sys.argv[1]); s.count(sys.argv[2], sys.argv[3])\n"
         "t3 = time.perf_counter()\n"
         "print(t1 - t0, t3 - t2)\n")


def _open_cost(store: Path, env: dict[str, str]) -> tuple[float, float]:
    """(import of the history module with sqlite3, opening the store) in a new process, in seconds."""
    done = subprocess.run([PYTHON, "-c", _OPEN, str(store), ORG, SANDBOX], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-500:])
    imported, opened = (float(x) for x in done.stdout.split())
    return imported, opened


def history_list_and_startup(runs: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = shared_store()
        env = child_env()
        env["AEPX_CONFIG"] = str(_config(tmp, store))
        args = [PYTHON, "-m", "tui", "history", "list", "--since", "30d", "--json"]
        _wall(args, env)  # warm the page cache and .pyc files
        walls = [_wall(args, env) for _ in range(runs)]
        _open_cost(store, env)
        costs = [_open_cost(store, env) for _ in range(runs)]
    imported = median([c[0] for c in costs]) * 1000
    opened = median([c[1] for c in costs]) * 1000
    return {"history_list_30d_100k_ms": median(walls) * 1000, "history_startup_delta_ms": imported + opened,
            "history_import_ms": imported, "history_open_100k_ms": opened,
            "history_list_30d_runs_ms": [round(w * 1000) for w in walls]}


def run_all(quick: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results.update(history_upsert(runs=1 if quick else 3, details=not quick))
    results.update(history_stall())
    results.update(history_list_and_startup(runs=3 if quick else 5))
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run_all("--quick" in sys.argv), indent=2))
