"""Run the emulator in-process: uvicorn on a daemon thread, for tests, benchmarks and the CLI.

``start()`` binds the socket itself (so ``port=0`` yields a known free port and connections queue in
the kernel backlog at once), then waits until uvicorn has finished its startup before returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType

import uvicorn

from tui.emulator.app import create_app
from tui.emulator.clock import EmulatedClock
from tui.emulator.settings import EmulatorSettings
from tui.emulator.store import RequestLog, Store

STARTUP_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


class EmulatorStartError(RuntimeError):
    """The emulator could not start (port taken, bad host, uvicorn failure)."""


class _Server(uvicorn.Server):
    """uvicorn that reports readiness through an event (off the main thread it installs no signal handlers)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await super().startup(sockets)
        self.ready.set()

    async def main_loop(self) -> None:
        """uvicorn's tick loop, but woken at once by :meth:`request_exit` instead of up to 100 ms later."""
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864_000
            if self._wake is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def request_exit(self) -> None:
        """Thread-safe: ask the server to shut down now."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(wake.set)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets of that proto, and
    # without it small responses stall ~40 ms on Nagle + delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        sock.close()
        raise EmulatorStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    def __init__(self, settings: EmulatorSettings, *, clock: EmulatedClock | None = None,
                 startup_timeout: float = STARTUP_TIMEOUT_S) -> None:
        self.settings = settings
        self.startup_timeout = startup_timeout
        self.app = create_app(settings, clock=clock)
        self.store: Store = self.app.state.store
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def requests(self) -> RequestLog:
        return self.store.requests

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1] if self._socket is not None else 0

    def start(self) -> str:
        if self._thread is not None:
            return self.base_url
        sock = bind_socket(self.settings.host, self.settings.port)
        config = uvicorn.Config(self.app, host=self.settings.host, port=sock.getsockname()[1],
                                log_level="warning", access_log=False, lifespan="off", ws="none",
                                timeout_graceful_shutdown=2,
                                # Longer than clients keep idle connections (aepx: 30 s), as gateways do;
                                # uvicorn's 5 s default closed them just as a 5 s poll reused them.
                                timeout_keep_alive=65)
        server = _Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="aepx-emulator",
                                  daemon=True)
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not server.ready.wait(0.05):
            if not thread.is_alive():
                self._cleanup()
                raise EmulatorStartError("the emulator server thread exited during startup")
            if time.monotonic() > deadline:
                server.request_exit()
                thread.join(STOP_TIMEOUT_S)
                self._cleanup()
                raise EmulatorStartError(f"the emulator did not start within {self.startup_timeout:g} s")
        host = self.settings.host
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{sock.getsockname()[1]}"
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.request_exit()
        thread.join(STOP_TIMEOUT_S)
        self._cleanup()
        self.app.state.batches.close()  # generated Parquet files of a temporary cache

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
