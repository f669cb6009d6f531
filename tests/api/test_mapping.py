"""Every documented error shape of the Platform and IMS maps to the right error with the server's words."""

from __future__ import annotations

import json

import pytest

from tui.api.mapping import error_from_response, parse_retry_after, request_id_of, server_message
from tui.core.errors import (
    ApiError,
    ApiTimeoutError,
    AuthError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from tui.core.sanitise import one_line


def body(data) -> bytes:
    return json.dumps(data).encode()


SHAPES = [
    # (status, body, expected class, expected server text)
    (401, body({"error_code": "401013", "message": "Oauth token is not valid"}), AuthError,
     "Oauth token is not valid [401013]"),
    (403, body({"error_code": "403025", "message": "Profile is not valid"}), ForbiddenError,
     "Profile is not valid [403025]"),
    (400, body({"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                "detail": "A valid content-type must be specified"}), InvalidRequestError,
     "A valid content-type must be specified"),
    (404, body({"requestId": "rq-1", "errors": {"404": [{"code": "UPAPI-113430-404", "message": "Job not found"}]},
                "type": "https://ns.adobe.com/aep/errors/UPAPI-113430-404", "title": "Not Found", "status": 404}),
     NotFoundError, "Job not found [UPAPI-113430-404]"),
    (404, body({"errors": {"404": [{"code": 113430, "message": "numeric code"}]}}), NotFoundError,
     "numeric code [113430]"),
    (400, body({"type": "http://ns.adobe.com/aep/errors/XDM-1009-400", "title": "Invalid field",
                "status": 400, "report": {"registryRequestId": "reg-9", "timestamp": "t",
                                          "detailed-message": "field x is unknown", "sub-errors": []},
                "detail": "The request is invalid"}), InvalidRequestError,
     "The request is invalid; field x is unknown"),
    (403, body({"message": "UPS-ACC-1000004: IMS Org is not provisioned.", "statusCode": "403"}),
     ForbiddenError, "UPS-ACC-1000004: IMS Org is not provisioned."),
    (404, body({"statusCode": "404"}), NotFoundError, None),
    (429, body([{"message": "Too many requests", "cause": "{\"Errors\":[\"Request rate is large\"]}",
                 "retryAfterMs": "500", "statusCode": "429"}]), RateLimitedError, "Too many requests"),
    (429, body({"error_code": "429050", "message": "Too many requests"}), RateLimitedError,
     "Too many requests [429050]"),
    (400, body({"error": "invalid_scope", "error_description": "scope x is not allowed"}), InvalidRequestError,
     "invalid_scope: scope x is not allowed"),
    (502, b"Bad Gateway\n", ServerError, "Bad Gateway"),
    (503, b"<html><head><title>503 Service Unavailable</title></head><body>x</body></html>", ServerError,
     "503 Service Unavailable"),
    (500, b"", ServerError, None),
    (504, b"   ", ServerError, None),
    (408, b"", ApiTimeoutError, None),
    (418, body({"message": "teapot"}), InvalidRequestError, "teapot"),
    (302, b"", ApiError, None),
]


@pytest.mark.parametrize(("status", "raw", "cls", "text"), SHAPES)
def test_every_documented_shape_maps(status, raw, cls, text):
    error = error_from_response(status, {}, raw, what="Listing export jobs", sandbox="dev")
    assert type(error) is cls
    assert error.status == status
    assert error.server_message == text
    message = str(error)
    assert message.startswith("Listing export jobs failed")
    assert "\n" not in message and message.endswith(".")
    if text:  # quoted inside the sentence, its own final stop given way to the sentence's (tidy)
        assert text.rstrip(".") in message and ".)" not in message


def test_request_id_from_header_then_body():
    assert request_id_of({"X-Request-Id": "hdr-1"}, body({"requestId": "b"})) == "hdr-1"
    assert request_id_of({}, body({"requestId": "rq-2"})) == "rq-2"
    assert request_id_of({}, body({"report": {"registryRequestId": "reg-3"}})) == "reg-3"
    assert request_id_of({}, b"not json") is None
    error = error_from_response(503, {"x-request-id": "abc"}, b"", what="Reading export job 1")
    assert error.request_id == "abc"
    assert "with request id abc" in str(error)


def test_rate_limit_carries_wait_from_header_or_body():
    e1 = error_from_response(429, {"Retry-After": "38"}, b"", what="x")
    assert isinstance(e1, RateLimitedError) and e1.retry_after == 38
    assert "wait 38 s" in str(e1)
    e2 = error_from_response(429, {}, body([{"retryAfterMs": "1500"}]), what="x")
    assert e2.retry_after == 1.5
    e3 = error_from_response(429, {}, b"", what="x")
    assert e3.retry_after is None and "wait a minute" in str(e3)


def test_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-1") is None
    assert parse_retry_after("nonsense") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412500.0) == 0.0
    assert parse_retry_after(None, {"retryAfterMs": 250}) == 0.25
    assert parse_retry_after("", [{"message": "x"}, {"retryAfterMs": "750"}]) == 0.75
    assert parse_retry_after(None, {"retryAfterMs": "soon"}) is None


def test_server_text_is_flattened_and_bounded():
    assert one_line("a\x1b[31mred\x00\nline") == "a␛[31mred␀ line"  # visible, never interpreted
    long = server_message(("x" * 1000).encode())
    assert long is not None and len(long) <= 300
    assert server_message(b"\xff\xfe garbage") == "\ufffd\ufffd garbage"
    assert server_message(body({"message": "[bold]markup[/bold]"})) == "[bold]markup[/bold]"
