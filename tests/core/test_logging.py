from __future__ import annotations

import logging
import stat

import platformdirs
import pytest

from tui.core.logging import (
    RedactingFilter,
    default_log_path,
    forget_secrets,
    install_logging,
    redact,
    register_secret,
)

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLXBhcnQ"
SECRET = "p8e-S3CRET-value-0123456789"


@pytest.fixture(autouse=True)
def clean_registry():
    forget_secrets()
    yield
    forget_secrets()


@pytest.fixture
def captured():
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("aepx.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, lambda: [handler.format(r) for r in records]
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("headers={'authorization': 'Bearer opaque-token-1234'}", "opaque-token-1234"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("grant_type=client_credentials&client_id=abc&client_secret=topsecret99&scope=openid", "topsecret99"),
        ('{"access_token": "tok-1234567", "expires_in": 86399}', "tok-1234567"),
        ("{'client_secret': 'sq-secret-1'}", "sq-secret-1"),
        (f"token looks like {JWT} here", JWT),
        ("password=hunter22", "hunter22"),
    ],
)
def test_redact_patterns(text, leaked):
    cleaned = redact(text)
    assert leaked not in cleaned and "***" in cleaned


def test_redact_keeps_ordinary_text():
    text = "GET /data/core/ups/export/jobs 200 (client_id=abc, Basic information)"
    assert redact(text) == text


def test_registered_secret_in_message_args_and_traceback(captured):
    logger, lines = captured
    register_secret(SECRET)
    register_secret("ab")  # too short to register: would blank ordinary words
    logger.info("secret is %s", SECRET)
    try:
        raise RuntimeError(f"boom with {SECRET} and Bearer {JWT}")
    except RuntimeError:
        logger.exception("failed")
    logger.info("stack", stack_info=True)
    output = "\n".join(lines())
    assert SECRET not in output and JWT not in output
    assert "secret is ***" in output and "RuntimeError: boom with ***" in output
    assert redact("a cab about") == "a cab about"  # the short value was not registered


def test_bad_format_string_does_not_raise(captured):
    logger, lines = captured
    logger.info("%d items", "not-a-number")
    assert lines()


def test_install_logging_writes_private_redacted_file(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = install_logging()
        assert path == default_log_path()
        assert path.parent == platformdirs.user_state_path("aepx")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        install_logging()  # idempotent: one handler
        ours = [h for h in root.handlers if h not in before]
        assert len(ours) == 1
        register_secret(SECRET)
        logging.getLogger("httpx").info("POST form client_secret=%s", SECRET)
        ours[0].flush()
        text = path.read_text()
        assert "client_secret=***" in text and SECRET not in text
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
