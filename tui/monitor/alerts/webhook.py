"""Alerts to an HTTP webhook, through an outbox in the history store (table ``outbox``).

* ``send`` only queues (one row: the JSON body, keyed by a hash of the URL, never the URL itself,
  which often holds a token); :meth:`WebhookSink.run` delivers in order, so an alert survives a
  webhook outage and a restart of ``aepx watch`` (at least once), and a row is deleted as soon as a
  2xx comes back (never sent twice after a success).
* Body: ``{"text": <the human line>, ...the JSON Lines fields}``: Slack, Mattermost and Teams
  incoming webhooks show ``text`` as it is.
* 5xx, 429, 408, timeouts and connection failures: retried with backoff (5 s doubling, at most 5 min
  apart) until the alert is ``webhook_retry_minutes`` old, then dropped with one sentence.
* Other 4xx: not retried (the request itself is wrong), one sentence per webhook.
* Redirects: a 307/308 to the same origin is followed (at most 3); any other redirect, notably to
  another host, is not followed and counts as a refusal.
* The URL is registered with the redacting log filter; messages name only its origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from tui.api.webhook import WebhookClient, WebhookUnreachable
from tui.core.logging import register_secret
from tui.monitor.history.store import HistoryStore, HistoryUnavailable
from tui.monitor.rules import Alert

log = logging.getLogger("aepx.watch.webhook")

TIMEOUT_S = 10.0
DEADLINE_S = 15.0
BODY_CAP = 64 * 1024
FIRST_BACKOFF_S = 5.0
MAX_BACKOFF_S = 300.0
MAX_REDIRECTS = 3
IDLE_WAIT_S = 30.0
_RETRYABLE_4XX = {408, 425, 429}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.netloc else "the webhook"


def sink_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def backoff_s(attempts: int) -> float:
    """Delay before attempt ``attempts + 1``: 5 s, 10 s, 20 s, … capped at 5 minutes."""
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(0, attempts - 1))


class _Refused(Exception):
    """Not worth retrying (4xx, a redirect elsewhere): ``str`` is the reason."""


class _Failed(Exception):
    """Worth retrying (5xx, timeout, connection): ``str`` is the reason."""


def body_for(alert: Alert) -> str:
    return json.dumps({"text": alert.message, **alert.to_dict()}, ensure_ascii=True, separators=(",", ":"))


class WebhookSink:
    def __init__(self, url: str, store: HistoryStore, *, note: Callable[[str], None],
                 retry_minutes: float = 60.0, clock: Callable[[], float] | None = None,
                 transport: Any = None, timeout: float = TIMEOUT_S) -> None:
        register_secret(url)
        path = urlsplit(url).path
        if len(path) > 8:
            register_secret(path)  # a token in the path stays out of the log whatever form the URL takes
        self.url = url
        self.origin = origin_of(url)
        self.key = sink_key(url)
        self.store = store
        self.note = note
        self.retry_ms = int(retry_minutes * 60_000)
        self.clock = clock or time.time
        self.timeout = timeout
        self._client = WebhookClient(timeout=timeout, deadline=DEADLINE_S, body_cap=BODY_CAP,
                                     user_agent="aepx-watch", transport=transport)
        self._wake = asyncio.Event()
        self._stopped = False
        self._refused_noted = False
        self._failing_noted = False
        self.delivered = 0
        self.dropped = 0
        self.queue_problem: str | None = None

    def __repr__(self) -> str:
        return f"WebhookSink({self.origin})"

    # --- queueing -----------------------------------------------------------------------------------
    def send(self, alert: Alert) -> None:
        try:
            self.store.outbox_put(self.key, body_for(alert), self._now_ms())
        except HistoryUnavailable as exc:
            if self.queue_problem is None:
                self.queue_problem = str(exc)
                self.note(f"Alerts can no longer be queued for the webhook at {self.origin}: {exc}")
            return
        self._wake.set()

    def pending(self) -> int:
        return self.store.outbox_count(self.key)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # --- delivering -----------------------------------------------------------------------------------
    async def deliver_due(self, *, ignore_backoff: bool = False) -> int:
        """One round: deliver the due rows in order until one fails; returns how many were delivered.
        ``ignore_backoff`` (``--once``, run by cron: its schedule is the backoff) tries the oldest now."""
        done = 0
        while not self._stopped:
            now = self._now_ms()
            due = self.store.outbox_due(self.key, 2**62 if ignore_backoff else now, limit=20)
            ignore_backoff = False  # after one attempt, the usual schedule
            if not due:
                return done
            for delivery_id, body, created_ms, attempts in due:
                if self.retry_ms >= 0 and now - created_ms > self.retry_ms and attempts > 0:
                    self._give_up(delivery_id, attempts)
                    continue
                try:
                    await self._post(body)
                except _Refused as exc:
                    self.store.outbox_done(delivery_id)
                    self.dropped += 1
                    log.warning("webhook %s refused an alert: %s", self.origin, exc)
                    if not self._refused_noted:
                        self._refused_noted = True
                        self.note(f"The webhook at {self.origin} refused an alert ({exc}); it is not retried, "
                                  "check the webhook URL (later refusals are only logged).")
                    continue
                except _Failed as exc:
                    wait = backoff_s(attempts + 1)
                    self.store.outbox_retry(delivery_id, self._now_ms() + int(wait * 1000), str(exc))
                    if not self._failing_noted:
                        self._failing_noted = True
                        minutes = self.retry_ms / 60_000
                        self.note(f"The webhook at {self.origin} does not take alerts now ({exc}); they stay "
                                  f"queued and are retried for up to {minutes:g} minutes.")
                    return done
                self.store.outbox_done(delivery_id)  # at once: a 2xx is never followed by a second send
                self.delivered += 1
                done += 1
                if self._failing_noted:
                    self._failing_noted = False
                    self.note(f"The webhook at {self.origin} takes alerts again; the queued ones are being sent.")
        return done

    def _give_up(self, delivery_id: int, attempts: int) -> None:
        self.store.outbox_done(delivery_id)
        self.dropped += 1
        minutes = self.retry_ms / 60_000
        log.warning("webhook %s: an alert was dropped after %d attempts over %g minutes", self.origin, attempts,
                    minutes)
        self.note(f"An alert could not be delivered to the webhook at {self.origin} within {minutes:g} minutes "
                  f"({attempts} attempts); it was dropped, see the log and raise webhook_retry_minutes if "
                  "outages last longer.")

    async def _post(self, body: str) -> None:
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = await self._client.post_json(url, body.encode("ascii"))
            except WebhookUnreachable as exc:
                raise _Failed(str(exc)) from None
            status = answer.status
            if 200 <= status < 300:
                return
            if status in (307, 308):
                target = urljoin(url, answer.location)
                if origin_of(target) == origin_of(url) and urlsplit(target).scheme in ("http", "https"):
                    url = target
                    continue
                raise _Refused(f"HTTP {status}, a redirect to another host, which is not followed")
            if 300 <= status < 400:
                raise _Refused(f"HTTP {status}, a redirect, which is not followed")
            if status >= 500 or status in _RETRYABLE_4XX:
                raise _Failed(f"HTTP {status}")
            raise _Refused(f"HTTP {status}")
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")

    async def run(self) -> None:
        """Deliver until :meth:`stop`; waits for new alerts or the next retry, never in a tight loop."""
        while not self._stopped:
            try:
                await self.deliver_due()
            except HistoryUnavailable as exc:
                if self.queue_problem is None:
                    self.queue_problem = str(exc)
                    self.note(f"Webhook deliveries to {self.origin} stopped: {exc}")
                return
            except Exception:  # a defect of ours: logged, and the next round comes on the usual schedule
                log.exception("webhook %s: delivery round failed", self.origin)
            if self._stopped:
                return
            next_ms = self.store.outbox_next_ms(self.key)
            wait = IDLE_WAIT_S if next_ms is None else max(0.05, min(IDLE_WAIT_S, (next_ms - self._now_ms()) / 1000))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    def stop(self) -> None:
        """Stop delivering; what is queued stays in the outbox for the next run."""
        self._stopped = True
        self._wake.set()

    async def aclose(self) -> None:
        self.stop()
        await self._client.aclose()

    def stats(self) -> dict[str, Any]:
        return {"origin": self.origin, "delivered": self.delivered, "dropped": self.dropped,
                "pending": self.pending()}
