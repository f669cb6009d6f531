"""Logging that cannot leak a secret: a redacting filter on every handler, a 0600 log file.

``redact`` is also applied to every user-facing sentence: each ``AepxError`` message and server text,
the CLI's stderr lines and the console's stale header.

Register every secret the moment it is known (``register_secret``): the client secret when it is
resolved, each access token when IMS returns it. The filter also removes well-known secret shapes
(``Authorization: Bearer …``, ``client_secret=…``, ``"access_token": "…"``, JWT-like strings), in the
message, its arguments, a pre-rendered traceback (``exc_text``) and ``stack_info``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

from tui.core.paths import create_private_file, state_dir

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words

_registered: set[str] = set()
_registered_lock = threading.Lock()

_SECRET_NAMES = r"client_secret|access_token|refresh_token|id_token|password|api_secret"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bearer xxx anywhere (headers, dict reprs, curl lines)
    (re.compile(r"\b(Bearer)(\s+)[A-Za-z0-9\-._~+/=]+", re.IGNORECASE), rf"\1\2{MASK}"),
    # Authorization: Basic xxx / 'authorization': 'Basic xxx'
    (re.compile(r"(authorization[\"']?\s*[:=]\s*[\"']?Basic\s+)[A-Za-z0-9+/=]+", re.IGNORECASE),
     rf"\1{MASK}"),
    # JSON or Python-repr values: "access_token": "xxx", 'client_secret': 'xxx'
    (re.compile(rf"""(["']?(?:{_SECRET_NAMES})["']?\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2""", re.IGNORECASE),
     rf"\1\2{MASK}\2"),
    # form or query values: client_secret=xxx&...
    (re.compile(rf"\b((?:{_SECRET_NAMES})=)[^&\s'\",;]+", re.IGNORECASE), rf"\1{MASK}"),
    # JWT-like strings (IMS access tokens are JWTs)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
)


def _spellings(value: str) -> set[str]:
    """``value`` as a server or an exception may echo it: as is, URL-encoded (a form body), escaped (a
    ``repr``, bytes or JSON), or with control characters flattened to spaces (one-line server text)."""
    from urllib.parse import quote, quote_plus

    flat = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", value)).strip()
    forms = {value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1], json.dumps(value)[1:-1],
             repr(value.encode("utf-8", "backslashreplace"))[2:-1], flat}
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


def register_secret(value: str | None) -> None:
    """Redact ``value`` (and its usual encodings) from every log record and every error sentence from
    now on (very short values are ignored)."""
    if value and isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        forms = _spellings(value)
        with _registered_lock:
            _registered.update(forms)


def forget_secrets() -> None:
    """Drop every registered value (tests, logout)."""
    with _registered_lock:
        _registered.clear()


def redact(text: str) -> str:
    """``text`` with registered secrets and secret-shaped substrings masked."""
    if not text:
        return text
    with _registered_lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so no handler or formatter can see a secret."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not drop the record or raise
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def default_log_path() -> Path:
    return state_dir() / "aepx.log"


_HANDLER_MARK = "_aepx_handler"


def install_logging(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send log records (aepx, httpx, ...) to a 0600 file through the redacting filter.

    Idempotent: a second call replaces the handler installed by the first. Returns the log path.
    """
    path = path or default_log_path()
    create_private_file(path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.FileHandler(path, encoding="utf-8", delay=False)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path


def try_install_logging(path: Path | None = None, level: int = logging.INFO) -> tuple[Path | None, str]:
    """``install_logging`` that never raises: ``(path, "")``, or ``(None, one-sentence warning)`` when the
    state directory or the log file cannot be written (read-only home, a file where the directory
    should be, a full disk). aepx then runs without its log."""
    target = path or default_log_path()
    try:
        return install_logging(target, level), ""
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        root = logging.getLogger()
        if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
            root.addHandler(logging.NullHandler())  # else logging's last resort would print on the terminal
        return None, (f"the log file {target} cannot be written ({reason}); aepx continues without a log. "
                      "Fix the permissions of that directory (or set XDG_STATE_HOME) to get one.")

