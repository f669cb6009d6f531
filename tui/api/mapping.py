"""Turn an HTTP error answer from any AEP service into one error of ``tui.core.errors``.

Pure functions (no ``httpx``): the input is the status, the headers and the body bytes. Every
documented error shape is read: the gateway's ``error_code``/``message``,
problem details (``type``/``title``/``status``/``detail``), UPS ``{requestId, errors: {"404": [...]}}``,
the Schema Registry ``report``, Profile ``{message, statusCode}``, the 429 array with ``retryAfterMs``,
OAuth ``{error, error_description}``, plain text and empty bodies. The server's words are kept as
plain text (control characters removed, length bounded); the message is one sentence: what failed,
why, what to do.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.errors import (
    ApiError,
    ApiTimeoutError,
    AuthError,
    ForbiddenError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from tui.core.models import to_int
from tui.core.sanitise import (
    MAX_SERVER_TEXT,  # noqa: F401  - re-exported
    one_line,
)

#: The longest server-requested wait (Retry-After, retryAfterMs) that aepx honours as it is; longer ones
#: are capped at the backoff maximum (the retry policy's and the console's) and said as capped.
MAX_HONOURED_WAIT = 300.0


class ConnectFailed(NetworkError):
    """The connection could not be opened: the request never reached the server (safe to resend)."""


class NameNotResolved(ConnectFailed):
    """The host name could not be resolved: never sent, and resending will not help (fail fast)."""


class ConnectTimedOut(ApiTimeoutError):
    """Connecting (or waiting for a pooled connection) timed out: the request was never sent."""


class TooDeeplyNested(ApiError):
    """A JSON answer nested deeper than Python's parser goes (a hostile or broken server)."""


def decode_json(body: bytes, *, strict: bool = False) -> Any:
    """The parsed JSON body, or ``None`` when it is empty or not JSON.

    JSON nested too deeply to parse is ``None`` too, unless ``strict``: then ``TooDeeplyNested``, one
    sentence (for a successful answer, where "no JSON body" would mislead).
    """
    if not body or not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    except RecursionError:
        if not strict:
            return None
        raise TooDeeplyNested("The server's answer is JSON nested deeper than aepx reads (about 1,000 levels), so "
                              "it was refused; try again, and report it to whoever runs that server if it "
                              "persists.") from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _join(parts: list[str]) -> str | None:
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen) if seen else None


def _with_code(message: str, code: Any) -> str:
    code_text = _text(code)
    return f"{message} [{code_text}]" if message and code_text and code_text not in message else message


def _from_mapping(data: Mapping[str, Any]) -> str | None:
    if "error_description" in data or ("error" in data and isinstance(data.get("error"), str)):
        error = _text(data.get("error"))
        description = _text(data.get("error_description"))
        return f"{error}: {description}" if error and description else (description or error or None)
    errors = data.get("errors")
    if isinstance(errors, Mapping):  # UPS: {"404": [{"code", "message"}]}
        parts = []
        for items in errors.values():
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, Mapping):
                    parts.append(_with_code(_text(item.get("message", item.get("msg"))), item.get("code")))
                elif item is not None:
                    parts.append(_text(item))
        joined = _join(parts)
        if joined:
            return joined
    if isinstance(errors, list):
        joined = _join([_from_any(item) or "" for item in errors])
        if joined:
            return joined
    if "error_code" in data:  # gateway
        return _with_code(_text(data.get("message")), data.get("error_code")) or _text(data["error_code"])
    report = data.get("report")
    if isinstance(report, Mapping):  # Schema Registry
        detailed = _text(report.get("detailed-message"))
        return _join([_text(data.get("detail")) or _text(data.get("title")), detailed])
    for key in ("detail", "message", "title", "msg", "error"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _from_any(data: Any) -> str | None:
    if isinstance(data, Mapping):
        return _from_mapping(data)
    if isinstance(data, list):
        return _join([_from_any(item) or "" for item in data])
    if isinstance(data, str):
        return data or None
    return None


def server_message(body: bytes) -> str | None:
    """The server's explanation from any documented shape; plain text bodies are used as they are."""
    data = decode_json(body)
    if data is None:
        if not body or not body.strip():
            return None
        text = body.decode("utf-8", errors="replace")
        if text.lstrip().startswith("<"):  # an HTML error page: its title at most
            match = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            text = match.group(1) if match else ""
        cleaned = one_line(text)
        return cleaned or None
    message = _from_any(data)
    return one_line(message) if message else None


def request_id_of(headers: Mapping[str, str], body: bytes) -> str | None:
    """``x-request-id`` (or its usual siblings), else a body ``requestId``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("x-request-id", "x-requestid", "x-amzn-requestid"):
        if lowered.get(name):
            return one_line(lowered[name], 120)
    data = decode_json(body)
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, Mapping):
            for key in ("requestId", "request_id"):
                if item.get(key):
                    return one_line(_text(item[key]), 120)
            report = item.get("report")
            if isinstance(report, Mapping) and report.get("registryRequestId"):
                return one_line(_text(report["registryRequestId"]), 120)
    return None


def _why(status: int, server: str | None) -> str:
    return f"HTTP {status}: {server}" if server else f"HTTP {status}"


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    what: str,
    sandbox: str = "",
    now: float | None = None,
) -> ApiError:
    """The error for a non-success answer to the operation ``what`` (e.g. "Listing export jobs")."""
    server = server_message(body)
    request_id = request_id_of(headers, body)
    kw: dict[str, Any] = {"status": status, "request_id": request_id, "server_message": server}
    why = _why(status, server)
    in_sandbox = f" '{sandbox}'" if sandbox else ""
    if status == 401:
        return AuthError(f"{what} failed because the Platform refused the credentials ({why}); check the "
                         "client id, org id and secret (`aepx login`).", **kw)
    if status == 403:
        return ForbiddenError(f"{what} failed because access was denied ({why}); check that the API "
                              f"credential has access to sandbox{in_sandbox} and that the org id is right.",
                              **kw)
    if status == 404:
        return NotFoundError(f"{what} failed because it was not found ({why}); check the id and that you "
                             f"are using the right sandbox{in_sandbox}.", **kw)
    if status == 408:
        return ApiTimeoutError(f"{what} failed because the server timed out ({why}); try again.", **kw)
    if status == 429:
        lowered = {k.lower(): v for k, v in headers.items()}
        wait = parse_retry_after(lowered.get("retry-after"), decode_json(body), now=now)
        if wait is None:
            when = "wait a minute"
        elif wait > MAX_HONOURED_WAIT:
            when = (f"it asked for a wait of {_long_wait(wait)}, longer than the {MAX_HONOURED_WAIT / 60:g} minutes "
                    "aepx waits at most, so try again in a few minutes")
        else:
            when = f"wait {max(1, round(wait))} s"
        return RateLimitedError(f"{what} failed because the Platform is rate limiting requests ({why}); "
                                f"{when}{'' if wait is not None and wait > MAX_HONOURED_WAIT else ' and try again'}.",
                                retry_after=wait, **kw)
    if 400 <= status < 500:
        return InvalidRequestError(f"{what} failed because the Platform rejected the request ({why}); "
                                   "fix the request and try again.", **kw)
    if status >= 500:
        support = f" with request id {request_id}" if request_id else ""
        return ServerError(f"{what} failed because of a Platform server error ({why}); try again in a "
                           f"minute, and if it keeps failing contact Adobe support{support}.", **kw)
    return ApiError(f"{what} failed with an unexpected answer ({why}); try again or report it.", **kw)


def _long_wait(seconds: float) -> str:
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds / size
            amount = f"{count:,.0f}" if count >= 10 else f"{count:.1f}".rstrip("0").rstrip(".")
            return f"{amount} {unit}{'' if amount == '1' else 's'}"
    return f"{seconds:g} s"


def parse_retry_after(header: str | None, body: Any = None, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or HTTP date) or a body ``retryAfterMs``.

    The header wins; the body may be a mapping or the Profile API's array of error objects. Returns
    ``None`` when neither gives a usable, non-negative value.
    """
    from_header = _retry_after_header(header, now=now)
    if from_header is not None:
        return from_header
    return _retry_after_body(body)


def _retry_after_header(header: str | None, *, now: float | None) -> float | None:
    if not header or not header.strip():
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC).timestamp()
    return max(0.0, when.timestamp() - current)


def _retry_after_body(body: Any) -> float | None:
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, Mapping):
            ms = to_int(item.get("retryAfterMs"))
            if ms is not None and ms >= 0:
                return ms / 1000.0
    return None
