"""``python -m bench``: every figure of issues 8, 11 (bench/history.py) and 17 (bench/watch.py), printed as a table and
written to ``bench/results.json``.

Ratios are against baselines measured in the same run (medians of interleaved runs), because the
machines are noisy. ``--quick`` takes fewer runs (for a smoke check).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench import figures, history, output_figures, pulse, watch

RESULTS = Path(__file__).with_name("results.json")

# (key, label, unit, target, lower is better)
TABLE: list[tuple[str, str, str, float | None]] = [
    ("startup_ratio", "startup: aepx / minimal Textual app", "x", 1.3),
    ("load_10k_ratio", "load 10k jobs: aepx / bare httpx", "x", 1.2),
    ("max_stall_ms", "longest event-loop stall (load, sort, filter)", "ms", 100),
    ("sort_10k_ms", "one sort of 10k jobs (+ table diff)", "ms", 50),
    ("rss_10k_mb", "resident memory with 10k jobs", "MB", 150),
    ("poll_requests_per_interval", "requests per refresh (10k loaded, 5 running)", "", None),
    ("cancel_latency_ms", "confirm key -> DELETE at the emulator", "ms", 100),
    ("history_upsert_100k_ratio", "history: upsert 100k / bare executemany", "x", 1.5),
    ("history_max_stall_ms", "history: longest UI stall, monitor writes 10k", "ms", 100),
    ("history_list_30d_ms", "history list --since 30d --json over 100k", "ms", 300),
    ("history_startup_delta_ms", "history: startup added (import + open 100k)", "ms", 20),
    ("download_200mb_ratio", "download a ~200 MB batch: aepx / curl", "x", 1.3),
    ("download_rss_mb", "peak RSS of the downloading process", "MB", 100),
    ("peek_requests", "requests for a Parquet footer peek", "", 2),
    ("peek_mib", "bytes read by that peek", "MiB", 1),
    *watch.TABLE,
    *pulse.TABLE,
]
EXPECTED = {"poll_requests_per_interval": "poll_expected_per_interval",
            "watch_requests_per_poll": "watch_expected_requests_per_poll"}

DETAILS = [
    "startup_aepx_s", "startup_baseline_s", "load_10k_aepx_s", "load_10k_baseline_s", "console_load_all_s",
    "sort_10k_model_only_ms", "max_stall_baseline_ms", "worst_stalls", "poll_expected_per_interval",
    "poll_list_requests",
    "poll_job_gets", "poll_other_requests", "poll_requests_per_minute", "poll_running_jobs",
    "cancel_latencies_ms",
    "history_upsert_100k_s", "history_bare_executemany_100k_s", "history_upsert_sql_only_ratio",
    "history_upsert_vs_same_cache_ratio",
    "history_import_ms", "history_open_100k_ms", "history_list_30d_runs_ms",
    "cancel_latencies_ms", "download_aepx_s", "download_curl_s", "download_batch_mb", "download_files",
    "peek_bytes", "peek_file_mb",
    *watch.DETAILS,
    *pulse.DETAILS,
]


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}


def verdict(value: Any, target: float | None, key: str, results: dict[str, Any]) -> str:
    if value is None:
        return "n/a"
    if target is None:
        expected = results.get(EXPECTED.get(key, "poll_expected_per_interval"))
        return "ok" if expected is not None and value <= expected else f"expected {expected}"
    return "ok" if value <= target else "MISSED"


def show(results: dict[str, Any]) -> None:
    print(f"{'figure':<48} {'value':>10}  {'target':>8}  verdict")
    for key, label, unit, target in TABLE:
        value = results.get(key)
        shown = "n/a" if value is None else f"{value:.2f}{unit}"
        goal = "" if target is None else f"<= {target:g}{unit}"
        print(f"{label:<48} {shown:>10}  {goal:>8}  {verdict(value, target, key, results)}")
    print()
    for key in DETAILS:
        if key in results:
            value = results[key]
            print(f"  {key}: {round(value, 3) if isinstance(value, float) else value}")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    results: dict[str, Any] = {}
    steps = [
        ("startup", lambda: figures.startup(runs=3 if quick else 7)),
        ("load_10k", lambda: figures.load_10k(runs=2 if quick else 5)),
        ("console_10k", figures.console_10k),
        ("baseline_stall", figures.baseline_stall),
        ("poll_and_cancel", lambda: figures.poll_and_cancel(window_s=3.0 if quick else 6.0)),
        ("history", lambda: history.run_all(quick)),
        ("download_200mb", lambda: output_figures.download_200mb(runs=2 if quick else 7)),
        ("watch", lambda: watch.watch_figures(45.0 if quick else 300.0)),
        ("pulse", lambda: pulse.run_all(quick)),
    ]
    import time

    for name, step in steps:
        print(f"running {name}…", file=sys.stderr, flush=True)
        began = time.perf_counter()
        results.update(step())
        print(f"  {name}: {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    if results["load_10k_ratio"] > 1.2:
        print("load_10k_ratio missed its target; cProfile of aepx's load (top functions by own time):",
              file=sys.stderr)
        print(figures.profile_load_10k(12), file=sys.stderr)
    results["machine"] = machine()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
