"""Webhook deliveries through the outbox, against our own HTTP server on 127.0.0.1 (no sleeps: a fake clock)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tui.monitor.alerts.webhook import WebhookSink, backoff_s
from tui.monitor.history.store import HistoryStore
from tui.monitor.rules import Alert

TOKEN = "T0KEN-in-the-path-XYZ"


class Hook:
    """A webhook receiver: ``mode`` is ``ok``, ``503``, ``400``, ``redirect-away``, ``redirect-here``."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[dict] = []
        self.mode = "ok"
        self.location = ""
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                mode = hook.mode
                if mode == "ok" or (mode == "redirect-here" and self.path.endswith("/moved")):
                    hook.received.append(json.loads(body))
                    self._answer(200)
                elif mode in ("redirect-away", "redirect-here"):
                    self.send_response(307)
                    self.send_header("Location", hook.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._answer(int(mode))

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self._handler = Handler
        self.server: ThreadingHTTPServer | None = None
        self.port = port
        self.start()

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{TOKEN}"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hook():
    server = Hook()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path):
    opened = HistoryStore.open(tmp_path / "h.sqlite3")
    yield opened
    opened.close()


def alert(n: int) -> Alert:
    return Alert(event="failed", org="ORG@AdobeOrg", sandbox="prod", profile="emu", at_ms=n, status="FAILED",
                 job_id=str(n), command=f"aepx -p emu jobs show {n}")


def sink(url: str, store: HistoryStore, clock: Clock, notes: list[str], **kw) -> WebhookSink:
    return WebhookSink(url, store, note=notes.append, clock=clock, timeout=5, **kw)


async def test_a_webhook_down_for_a_while_gets_every_alert_exactly_once_afterwards(hook, store):
    clock, notes = Clock(), []
    out = sink(hook.url, store, clock, notes)
    try:
        hook.mode = "503"
        for n in range(1, 6):
            out.send(alert(n))
        assert await out.deliver_due() == 0 and out.pending() == 5
        assert await out.deliver_due() == 0  # not due yet: backing off, not hammering
        hook.stop()  # now connections are refused
        clock.now += backoff_s(1) + 1
        assert await out.deliver_due() == 0
        clock.now += backoff_s(2) + 1
        assert await out.deliver_due() == 0
        hook.mode = "ok"
        hook.start()
        clock.now += backoff_s(3) + 1
        assert await out.deliver_due() == 5
        clock.now += 3600
        assert await out.deliver_due() == 0
    finally:
        await out.aclose()
    assert [r["job_id"] for r in hook.received] == ["1", "2", "3", "4", "5"]  # in order, each once
    first = hook.received[0]
    assert first["text"] == alert(1).message and first["event"] == "failed" and first["sandbox"] == "prod"
    assert out.pending() == 0
    assert len(notes) == 2  # one sentence when it starts failing, one when it takes alerts again
    assert "does not take alerts now (HTTP 503)" in notes[0] and "retried for up to 60 minutes" in notes[0]
    assert "takes alerts again" in notes[1] and all(TOKEN not in n for n in notes)


async def test_queued_alerts_survive_a_restart(hook, store, tmp_path):
    clock, notes = Clock(), []
    hook.mode = "503"
    first = sink(hook.url, store, clock, notes)
    first.send(alert(1))
    first.send(alert(2))
    await first.deliver_due()
    await first.aclose()  # aepx watch stops: the outbox keeps them
    store.close()
    reopened = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        hook.mode = "ok"
        clock.now += 60
        second = sink(hook.url, reopened, clock, notes)
        assert await second.deliver_due() == 2
        await second.aclose()
        assert [r["job_id"] for r in hook.received] == ["1", "2"]
        other = sink(hook.url + "-other", reopened, clock, notes)  # another URL has its own queue
        assert other.pending() == 0
        await other.aclose()
    finally:
        reopened.close()


async def test_4xx_is_not_retried_and_said_once(hook, store):
    clock, notes = Clock(), []
    hook.mode = "400"
    out = sink(hook.url, store, clock, notes)
    out.send(alert(1))
    out.send(alert(2))
    assert await out.deliver_due() == 0
    clock.now += 3600
    assert await out.deliver_due() == 0
    await out.aclose()
    assert out.pending() == 0 and out.dropped == 2
    assert len(notes) == 1 and "refused an alert (HTTP 400)" in notes[0] and "not retried" in notes[0]
    assert TOKEN not in notes[0] and f"http://127.0.0.1:{hook.port}" in notes[0]


async def test_a_redirect_to_another_host_is_not_followed(hook, store):
    elsewhere = Hook()
    try:
        clock, notes = Clock(), []
        hook.mode = "redirect-away"
        hook.location = f"http://localhost:{elsewhere.port}/steal"
        out = sink(hook.url, store, clock, notes)
        out.send(alert(1))
        await out.deliver_due()
        await out.aclose()
        assert elsewhere.received == [] and hook.received == [] and out.pending() == 0
        assert len(notes) == 1 and "another host" in notes[0]
    finally:
        elsewhere.stop()


async def test_a_307_on_the_same_host_is_followed(hook, store):
    clock, notes = Clock(), []
    hook.mode = "redirect-here"
    hook.location = "/hooks/moved"
    out = sink(hook.url, store, clock, notes)
    out.send(alert(1))
    assert await out.deliver_due() == 1
    await out.aclose()
    assert [r["job_id"] for r in hook.received] == ["1"] and notes == []


async def test_given_up_after_webhook_retry_minutes(hook, store):
    clock, notes = Clock(), []
    hook.mode = "503"
    out = sink(hook.url, store, clock, notes, retry_minutes=1)
    out.send(alert(1))
    await out.deliver_due()
    clock.now += 120
    await out.deliver_due()
    await out.aclose()
    assert out.pending() == 0 and out.dropped == 1
    assert len(notes) == 2 and "within 1 minutes" in notes[1]


def test_the_url_never_reaches_the_log(hook, store, tmp_path):
    import logging

    from tui.core.logging import install_logging

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        path = install_logging(tmp_path / "aepx.log")
        out = WebhookSink(hook.url, store, note=lambda _s: None)
        logging.getLogger("aepx.test").warning("posting to %s", hook.url)
        for handler in root.handlers:
            handler.flush()
        text = path.read_text()
        assert "posting to" in text and TOKEN not in text
        assert repr(out) == f"WebhookSink(http://127.0.0.1:{hook.port})"
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
