"""``aepx watch``'s figures: 5 sandboxes × 2,000 jobs at ``refresh_seconds = 15``.

* ``watch_cpu_pct``: CPU time of the ``aepx watch`` process (user + system, /proc) over the measured
  window, as a percentage of one core; the window starts after the first poll of every target (the
  startup is reported apart as ``watch_startup_cpu_s``). Target ≤ 2 % over 5 minutes.
* ``watch_rss_mb``: its resident memory at the end (``watch_peak_rss_mb``: the high-water mark).
  Target ≤ 120 MB.
* ``watch_requests_per_poll``: requests per poll per sandbox seen by the emulators (list pages + job
  GETs, over the list count): 1 list page + 1 GET per followed job off that page, so at most
  ``watch_expected_requests_per_poll`` = 1 + the active jobs off the first page (per sandbox).

Each sandbox is its own emulator in a child process (the emulator seeds one sandbox), so their CPU is
not counted. ``python -m bench.watch --quick`` measures 45 s (a smoke run); ``make bench`` 5 minutes.
Figures that cannot be measured here (no /proc) are ``None`` (printed ``n/a``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, child_env, emulator_settings

SANDBOXES = 5
JOBS = 2000
REFRESH_S = 15.0


def _proc_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _proc_rss_mb(pid: int, key: str = "VmRSS") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


class _Emulator:
    def __init__(self, sandbox: str, jobs: int, seed: int) -> None:
        settings = emulator_settings(sandbox=sandbox, jobs=jobs, seed=seed)
        self.settings = settings
        self.proc = subprocess.Popen([PYTHON, "-m", "bench._watch_emulator", json.dumps(asdict(settings))],
                                     cwd=ROOT, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError(f"the emulator child for {sandbox} did not start")

    def counts(self) -> dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _config(path: Path, emulators: list[_Emulator]) -> None:
    lines = [f'default_profile = "{emulators[0].settings.sandbox}"', "[history]",
             f'path = "{path.parent / "h.sqlite3"}"']
    for emu in emulators:
        s = emu.settings
        lines += [f"[profiles.{s.sandbox}]", f'platform_url = "{emu.url}"', f'ims_url = "{emu.url}"',
                  f'org_id = "{s.org}"', f'client_id = "{s.client_id}"', f'sandbox = "{s.sandbox}"']
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def _wait_for(path: Path, polls: int, limit_s: float) -> bool:
    """Until the metrics file shows ``polls`` successful polls of every sandbox (aepx_api_up = 1)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            text = path.read_text()
            ups = [line for line in text.splitlines() if line.startswith("aepx_api_up{")]
            if len(ups) >= polls and all(line.rstrip().endswith(" 1.0") for line in ups):
                return True
        time.sleep(0.2)
    return False


def watch_figures(duration_s: float = 300.0, *, sandboxes: int = SANDBOXES, jobs: int = JOBS,
                  refresh_s: float = REFRESH_S) -> dict[str, Any]:
    emulators: list[_Emulator] = []
    results: dict[str, Any] = {"watch_window_s": duration_s, "watch_sandboxes": sandboxes, "watch_jobs": jobs}
    with tempfile.TemporaryDirectory(prefix="aepx-bench-watch-") as tmp:
        home = Path(tmp)
        try:
            emulators = [_Emulator(f"sb{i + 1}", jobs, i) for i in range(sandboxes)]
            config = home / "config.toml"
            _config(config, emulators)
            textfile = home / "aepx.prom"
            env = child_env()
            env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "c"), XDG_DATA_HOME=str(home / "d"),
                       XDG_STATE_HOME=str(home / "s"), XDG_CACHE_HOME=str(home / "k"),
                       AEPX_CLIENT_SECRET=emulators[0].settings.client_secret)
            args = [PYTHON, "-m", "tui", "--config", str(config), "watch", "--json", "--refresh", f"{refresh_s:g}",
                    "--metrics-textfile", str(textfile)]
            for emu in emulators:
                args += ["-p", emu.settings.sandbox]
            started = time.monotonic()
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            try:
                if not _wait_for(textfile, sandboxes, 120):
                    raise RuntimeError("aepx watch did not poll every sandbox within 120 s")
                results["watch_startup_s"] = time.monotonic() - started
                cpu0, wall0 = _proc_cpu_s(proc.pid), time.monotonic()
                before = [emu.counts() for emu in emulators]
                results["watch_startup_cpu_s"] = cpu0
                deadline = wall0 + duration_s
                while time.monotonic() < deadline and proc.poll() is None:
                    select.select([], [], [], min(5.0, max(0.0, deadline - time.monotonic())))
                cpu1, wall1 = _proc_cpu_s(proc.pid), time.monotonic()
                after = [emu.counts() for emu in emulators]
                results["watch_rss_mb"] = _proc_rss_mb(proc.pid)
                results["watch_peak_rss_mb"] = _proc_rss_mb(proc.pid, "VmHWM")
            finally:
                proc.terminate()
                try:
                    _, errors = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, errors = proc.communicate()
            results["watch_exit_code"] = proc.returncode
            if proc.returncode != 0:
                print(errors[-2000:], file=sys.stderr)
            results["watch_cpu_pct"] = (None if cpu0 is None or cpu1 is None
                                        else 100.0 * (cpu1 - cpu0) / max(1e-9, wall1 - wall0))
            lists = sum(a["lists"] - b["lists"] for a, b in zip(after, before, strict=True))
            gets = sum(a["gets"] - b["gets"] for a, b in zip(after, before, strict=True))
            other = sum(a["other"] + a["tokens"] - b["other"] - b["tokens"] for a, b in zip(after, before, strict=True))
            results["watch_polls"] = lists
            results["watch_job_gets"] = gets
            results["watch_other_requests"] = other
            results["watch_requests_per_poll"] = (lists + gets) / lists if lists else None
            off_page = sum(a["active_off_page"] for a in after)
            results["watch_expected_requests_per_poll"] = 1 + off_page / sandboxes
        finally:
            for emu in emulators:
                emu.stop()
    return results


TABLE = [
    ("watch_cpu_pct", "aepx watch CPU, 5 sandboxes x 2,000 jobs, 15 s", "%", 2.0),
    ("watch_rss_mb", "aepx watch resident memory (same run)", "MB", 120.0),
    ("watch_requests_per_poll", "aepx watch requests per poll per sandbox", "", None),
]
DETAILS = ["watch_window_s", "watch_startup_s", "watch_startup_cpu_s", "watch_peak_rss_mb", "watch_polls",
           "watch_job_gets", "watch_other_requests", "watch_expected_requests_per_poll", "watch_exit_code"]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    results = watch_figures(45.0 if quick else 300.0)
    for key, label, unit, target in TABLE:
        value = results.get(key)
        shown = "n/a" if value is None else f"{value:.2f}{unit}"
        if target is None:
            expected = results.get("watch_expected_requests_per_poll")
            verdict = "n/a" if value is None or expected is None else (
                "ok" if value <= expected + 1e-9 else f"expected {expected:.2f}")
            goal = ""
        else:
            verdict = "n/a" if value is None else ("ok" if value <= target else "MISSED")
            goal = f"<= {target:g}{unit}"
        print(f"{label:<48} {shown:>10}  {goal:>8}  {verdict}")
    for key in DETAILS:
        if key in results:
            value = results[key]
            print(f"  {key}: {round(value, 3) if isinstance(value, float) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
