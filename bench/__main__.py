"""``python -m bench``: every figure of issue 20's table (with those of issues 8, 11, 15, 16, 17 behind
it), printed with a verdict per line and written to ``bench/results.json``.

Ratios are against baselines measured in the same run (medians of interleaved runs), because the
machines are noisy. ``--quick`` takes fewer runs and a shorter watch window (a smoke check, under a
minute of work per figure group) and writes ``bench/results-quick.json`` instead. A figure whose
capability is missing prints ``n/a``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench import figures, history, output_figures, pulse, scan, tmux_startup, watch

RESULTS = Path(__file__).with_name("results.json")
QUICK_RESULTS = Path(__file__).with_name("results-quick.json")

# (key, label, unit, target: lower is better; None: at most the expected figure of the same run)
TABLE: list[tuple[str, str, str, float | None]] = [
    ("startup_ratio", "startup: aepx / Textual + token + one page", "x", 1.15),
    ("load_10k_ratio", "load 10k jobs: aepx / bare httpx", "x", 1.05),
    ("max_stall_ms", "longest stall: load, sort, filter, poll, history", "ms", 50),
    ("sort_10k_ms", "one sort of 10k jobs (+ table diff)", "ms", 20),
    ("rss_10k_mb", "resident memory with 10k jobs", "MB", 100),
    ("cancel_latency_ms", "confirm key -> DELETE at the emulator", "ms", 20),
    ("poll_requests_per_interval", "requests per refresh (10k loaded, 5 running)", "", None),
    ("history_upsert_100k_ratio", "history: upsert 100k / bare executemany", "x", 1.5),
    ("history_stats_100k_ms", "history stats --json over 100k (whole process)", "ms", 300),
    ("history_list_30d_100k_ms", "history list --since 30d --json over 100k", "ms", 300),
    ("download_200mb_ratio", "download a ~200 MB batch: aepx / curl", "x", 1.3),
    ("download_rss_mb", "peak RSS of the downloading process", "MB", 100),
    *watch.TABLE[:2],
    ("rss_100k_history_console_mb", "console RSS, 100k jobs in history, Pulse shown", "MB", 150),
    ("load_100k_ratio", "load 100k / 10 x load 10k (linear growth)", "x", 1.1),
    ("startup_tmux_ratio", "startup in tmux: 5 rows on screen, aepx / floor", "x", 1.15),
    # figures of earlier issues, kept
    ("history_max_stall_ms", "history: longest UI stall, monitor writes 10k", "ms", 100),
    ("history_startup_delta_ms", "history: startup added (import + open 100k)", "ms", 20),
    ("peek_requests", "requests for a Parquet footer peek", "", 2),
    ("peek_mib", "bytes read by that peek", "MiB", 1),
    *watch.TABLE[2:],
    *pulse.TABLE[1:],
    ("scan_1mib_ratio", "locate every path of 1 MiB / json.loads of it", "x", 30),
]
EXPECTED = {"poll_requests_per_interval": "poll_expected_per_interval",
            "watch_requests_per_poll": "watch_expected_requests_per_poll"}

DETAILS = [
    "startup_aepx_s", "startup_baseline_s", "startup_tmux_aepx_s", "startup_tmux_baseline_s",
    "load_10k_aepx_s", "load_10k_baseline_s", "load_100k_aepx_s",
    "load_100k_baseline_s", "load_100k_vs_httpx_ratio", "console_load_all_s",
    "sort_10k_model_only_ms", "console_max_stall_ms", "poll_max_stall_ms", "max_stall_baseline_ms",
    "worst_stalls", "poll_expected_per_interval", "poll_list_requests",
    "poll_job_gets", "poll_other_requests", "poll_requests_per_minute", "poll_running_jobs",
    "cancel_latencies_ms",
    "history_upsert_100k_s", "history_bare_executemany_100k_s", "history_upsert_sql_only_ratio",
    "history_upsert_vs_same_cache_ratio",
    "history_import_ms", "history_open_100k_ms", "history_list_30d_runs_ms",
    "download_aepx_s", "download_curl_s", "download_batch_mb", "download_files",
    "peek_bytes", "peek_file_mb",
    *watch.DETAILS,
    *pulse.DETAILS,
    "scan_1mib_ms", "scan_1mib_json_loads_ms", "scan_prefixes_ms",
    "step_seconds", "total_seconds",
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


def derive(results: dict[str, Any]) -> None:
    """The figures computed from others of the same run."""
    stalls = [results.get(k) for k in ("console_max_stall_ms", "poll_max_stall_ms", "history_max_stall_ms")]
    known = [v for v in stalls if v is not None]
    results["max_stall_ms"] = max(known) if known else None
    if results.get("load_100k_aepx_s") and results.get("load_10k_aepx_s"):
        results["load_100k_ratio"] = results["load_100k_aepx_s"] / (10 * results["load_10k_aepx_s"])
    if results.get("load_100k_aepx_s") and results.get("load_100k_baseline_s"):
        results["load_100k_vs_httpx_ratio"] = results["load_100k_aepx_s"] / results["load_100k_baseline_s"]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    results: dict[str, Any] = {}
    steps = [
        ("startup", lambda: figures.startup(runs=3 if quick else 9)),
        # not in --quick (its minute): n/a there
        ("startup_tmux", lambda: {} if quick else tmux_startup.startup_tmux(runs=5)),
        ("load_10k", lambda: figures.load_10k(runs=2 if quick else 5)),
        ("load_100k", lambda: figures.load_100k(runs=1, baseline=not quick)),
        ("console_10k", figures.console_10k),
        ("baseline_stall", figures.baseline_stall),
        ("poll_and_cancel", lambda: figures.poll_and_cancel(window_s=2.5 if quick else 6.0,
                                                            settle=2 if quick else 3)),
        ("history", lambda: history.run_all(quick)),
        ("download_200mb", lambda: output_figures.download_200mb(runs=1 if quick else 3)),
        # 5 minutes in the issue; 60 s (4 polls of every sandbox) keeps `make bench` under 5 minutes
        ("watch", lambda: watch.watch_figures(5.0 if quick else 60.0, jobs=500 if quick else watch.JOBS,
                                                    refresh_s=4.0 if quick else watch.REFRESH_S)),
        ("pulse", lambda: pulse.run_all(quick)),
        ("scan", lambda: scan.scan_figures(runs=3 if quick else 7)),
    ]
    began_all = time.perf_counter()
    step_seconds: dict[str, float] = {}
    for name, step in steps:
        print(f"running {name}…", file=sys.stderr, flush=True)
        began = time.perf_counter()
        results.update(step())
        step_seconds[name] = round(time.perf_counter() - began, 1)
        print(f"  {name}: {step_seconds[name]} s", file=sys.stderr, flush=True)
    derive(results)
    results["step_seconds"] = step_seconds
    results["total_seconds"] = round(time.perf_counter() - began_all, 1)
    if results["load_10k_ratio"] > 1.05:
        print("load_10k_ratio missed its target; cProfile of aepx's load (top functions by own time):",
              file=sys.stderr)
        print(figures.profile_load_10k(12), file=sys.stderr)
    results["machine"] = machine()
    results["quick"] = quick
    out = QUICK_RESULTS if quick else RESULTS
    out.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
