"""Shared bench helpers: an emulator in a child process, clients, a stall monitor, medians."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tui.emulator.settings import EmulatorSettings

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def emulator_settings(**overrides: Any) -> EmulatorSettings:
    overrides.setdefault("port", 0)
    return EmulatorSettings(**overrides)


def demo_profile(base_url: str, settings: EmulatorSettings) -> Any:
    from tui.core.profile import Profile

    return Profile(name="emulator", org_id=settings.org, client_id=settings.client_id, sandbox=settings.sandbox,
                   platform_url=base_url, ims_url=base_url, is_emulator=True)


def platform_client(base_url: str, settings: EmulatorSettings, **kwargs: Any) -> Any:
    from tui.api.client import PlatformClient
    from tui.core.secret import Secret

    return PlatformClient(demo_profile(base_url, settings), Secret(settings.client_secret), **kwargs)


@contextmanager
def emulator_process(**overrides: Any) -> Iterator[tuple[str, EmulatorSettings]]:
    """An emulator in a child process (so its CPU and memory are not the measured process's).
    Yields ``(base_url, settings)``; the child stops when its stdin closes."""
    settings = emulator_settings(**overrides)
    spec = {k: v for k, v in asdict(settings).items()}
    proc = subprocess.Popen([PYTHON, "-m", "bench._emulator", json.dumps(spec)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"the emulator child did not start (got {line!r})")
        yield line, settings
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed aepx runs from .pyc files (pip compiles them); a shell that forbids writing them
    # would make every child compile our sources again (~80 ms of a 0.4 s start), which no operator pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("TEXTUAL_ANIMATIONS", "none")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class StallMonitor:
    """Sleeps ``tick`` in a loop on the running event loop and records the worst lateness."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.max_late = 0.0
        self.phase = ""
        self.worst: list[tuple[float, str]] = []  # (lateness in ms, phase), the 5 worst
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.tick)
            late = loop.time() - start - self.tick
            self.max_late = max(self.max_late, late)
            if late > 0.02:
                self.worst = sorted([*self.worst, (round(late * 1000, 1), self.phase)], reverse=True)[:5]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        return self.max_late * 1000


def rss_mb() -> float:
    """Current resident set size of this process (VmRSS), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def wait_until(predicate: Any, limit_s: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


