"""Desktop notifications through ``notify-send`` (libnotify, the freedesktop notification service).

Used only when ``notify-send`` is on PATH **and** a D-Bus session bus is reachable
(``DBUS_SESSION_BUS_ADDRESS`` or ``$XDG_RUNTIME_DIR/bus``). Otherwise (over SSH, in a container, on a
headless server) one clear note says so, once, and alerts keep going to the other outputs. A failing
``notify-send`` turns notifications off for the run with one note too: never an error per alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from tui.monitor.rules import API_DOWN, FAILED_EVENT, STUCK, Alert

log = logging.getLogger("aepx.watch.notify")
TIMEOUT_S = 5.0
_URGENT = {FAILED_EVENT, API_DOWN, STUCK}


def unavailable_reason(env: Mapping[str, str] | None = None,
                       which: Callable[[str], str | None] = shutil.which) -> str | None:
    """Why desktop notifications cannot work here, or ``None`` when they can."""
    env = os.environ if env is None else env
    if which("notify-send") is None:
        return "notify-send (package libnotify-bin) is not installed"
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if not env.get("DBUS_SESSION_BUS_ADDRESS") and not (runtime and Path(runtime, "bus").exists()):
        over_ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
        return ("this is an SSH session with no desktop D-Bus session to notify" if over_ssh
                else "no D-Bus session bus is reachable (no desktop session)")
    return None


class DesktopNotifier:
    def __init__(self, note: Callable[[str], None], *, env: Mapping[str, str] | None = None,
                 which: Callable[[str], str | None] = shutil.which) -> None:
        self.note = note
        self.reason = unavailable_reason(env, which)
        self.command = which("notify-send") if self.reason is None else None
        self._noted = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0

    def start(self) -> None:
        """Say once, at start, when notifications cannot work here."""
        if self.reason is not None:
            self._off(self.reason)

    def _off(self, reason: str) -> None:
        self.command = None
        if not self._noted:
            self._noted = True
            self.note(f"Desktop notifications are off for this run: {reason}; alerts still go to stdout and "
                      "any webhook.")

    def send(self, alert: Alert) -> None:
        if self.command is None:
            return
        try:
            task = asyncio.get_running_loop().create_task(self._run(self.command, alert))
        except RuntimeError:  # no loop (never in aepx watch)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, command: str, alert: Alert) -> None:
        urgency = "critical" if alert.event in _URGENT else "normal"
        args = [command, "--app-name=aepx", f"--urgency={urgency}", f"aepx: {alert.title}", alert.message]
        try:
            proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL,
                                                        stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.PIPE)
            try:
                _, errors = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
                self._off(f"notify-send did not finish within {TIMEOUT_S:g} s")
                return
        except OSError as exc:
            self._off(f"notify-send could not run ({exc.strerror or exc})")
            return
        if proc.returncode != 0:
            log.warning("notify-send exited %s: %s", proc.returncode, (errors or b"")[:300])
            self._off(f"notify-send failed (exit {proc.returncode}); see the log")
            return
        self.sent += 1

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
