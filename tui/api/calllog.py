"""The API call log: one ``CallRecord`` per HTTP attempt the API layer makes (Platform and IMS).

``HttpSession`` and ``ImsAuth`` tell one observer (``on_call``) about every attempt; the console keeps
the last 1,000 in a ``CallLog`` (``L``), ``aepx -v`` prints them on stderr and ``aepx watch`` counts them
for Prometheus. A record never holds a request header, a request body or a response body: only the
method, the path with its query (masked by ``tui.core.logging.redact``, and any secret-named parameter
masked outright), the status, the latency, the attempt number, the request id, the byte count and the
few response headers that explain throttling (rate limit, retry-after). No Textual, no httpx here.
"""

from __future__ import annotations

import contextvars
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from tui.api.mapping import request_id_of
from tui.core.logging import MASK, redact
from tui.core.sanitise import one_line

__all__ = [
    "ATTEMPT",
    "CALL_LOG_SIZE",
    "CallLog",
    "CallObserver",
    "CallRecord",
    "fan_out",
    "notify",
    "record_for",
    "safe_path",
]

CALL_LOG_SIZE = 1000
BODY_SCAN_LIMIT = 64 * 1024
#: The attempt number (1 for the first) of the call running in this task, set by ``call_with_retries``.
ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("aepx_attempt", default=1)

# Response headers worth keeping (and showing with -vv): why the server throttled, and for how long.
KEPT_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")
_SECRET_PARAMS = frozenset({"client_secret", "access_token", "refresh_token", "id_token", "password",
                            "api_secret", "token", "code", "api_key", "apikey", "sig", "signature"})


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One attempt. ``status`` is None when no answer came (timeout, refused connection)."""

    method: str
    path: str  # path and query, masked
    status: int | None
    latency_ms: float
    attempt: int = 1
    request_id: str | None = None
    bytes: int = 0
    service: str = "platform"  # "platform" or "ims"
    origin: str = ""  # scheme://host[:port]
    error: str | None = None  # the one-sentence reason when there was no answer
    headers: Mapping[str, str] = field(default_factory=dict)  # KEPT_HEADERS only
    at: float = field(default_factory=time.time)  # wall clock, for display

    @property
    def is_ims(self) -> bool:
        return self.service == "ims"

    def line(self, *, verbose: int = 1) -> str:
        """``GET /data/core/ups/export/jobs?limit=100 → 200 in 12 ms (request 9f3c…)``; ``verbose`` ≥ 2
        adds the throttling headers."""
        outcome = str(self.status) if self.status is not None else "no answer"
        parts = [f"{'IMS ' if self.is_ims else ''}{self.method} {self.path} → {outcome} in "
                 f"{self.latency_ms:.0f} ms"]
        if self.attempt > 1:
            parts.append(f"(attempt {self.attempt})")
        if self.request_id:
            parts.append(f"(request {self.request_id})")
        if verbose >= 2 and self.headers:
            parts.append(" ".join(f"{k}: {v}" for k, v in self.headers.items()))
        if self.status is None and self.error:
            parts.append(f"— {self.error}")
        return " ".join(parts)


CallObserver = Callable[[CallRecord], None]


def safe_path(url: str) -> str:
    """The path and query of ``url`` for a log: secret-named parameters masked, then ``redact``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        pairs = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            shown = MASK if key.lower() in _SECRET_PARAMS else quote(value, safe=",:@")
            pairs.append(f"{quote(key, safe='')}={shown}")
        path += "?" + "&".join(pairs)
    return one_line(redact(path), 400)


def record_for(method: str, url: str, *, status: int | None, started: float, headers: Mapping[str, str] | None = None,
               body: bytes = b"", size: int | None = None, service: str = "platform", origin: str = "",
               error: str | None = None) -> CallRecord:
    """A record for an attempt that began at ``started`` (``time.monotonic``). The body is read for its
    request id only (never stored)."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    kept = {k: one_line(redact(lowered[k]), 80) for k in KEPT_HEADERS if lowered.get(k)}
    # A body is searched for a request id only when it is small (error bodies, IMS answers): a 16 MiB
    # page without an x-request-id header is not parsed a second time just for the log.
    request_id = request_id_of(lowered, body if len(body) <= BODY_SCAN_LIMIT else b"") if (lowered or body) else None
    return CallRecord(method=method.upper(), path=safe_path(url), status=status,
                      latency_ms=max(0.0, (time.monotonic() - started) * 1000), attempt=ATTEMPT.get(),
                      request_id=redact(request_id) if request_id else None,
                      bytes=len(body) if size is None else size, service=service, origin=origin,
                      error=redact(error) if error else None, headers=kept)


def notify(observer: CallObserver | None, record: CallRecord) -> None:
    """Tell ``observer``; an observer that fails never fails a request."""
    if observer is not None:
        try:
            observer(record)
        except Exception:
            pass


def fan_out(*observers: CallObserver | None) -> CallObserver | None:
    """One observer telling each of ``observers`` (None ones skipped)."""
    live = [o for o in observers if o is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]

    def tell(record: CallRecord) -> None:
        for observer in live:
            notify(observer, record)

    return tell


class CallLog:
    """The last ``size`` records, oldest first; itself an observer (``log(record)``)."""

    def __init__(self, size: int = CALL_LOG_SIZE) -> None:
        self._records: deque[CallRecord] = deque(maxlen=size)
        self._listeners: list[Callable[[CallRecord], None]] = []

    def __call__(self, record: CallRecord) -> None:
        self._records.append(record)
        for listener in list(self._listeners):
            notify(listener, record)

    def listen(self, listener: Callable[[CallRecord], None]) -> None:
        self._listeners.append(listener)

    def unlisten(self, listener: Callable[[CallRecord], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def size(self) -> int:
        """The bound: how many records are kept."""
        return self._records.maxlen or 0

    def __iter__(self) -> Iterator[CallRecord]:
        return iter(list(self._records))

    def newest_first(self) -> list[CallRecord]:
        return list(reversed(self._records))

    def extend(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            self(record)
