"""The error hierarchy shared by the API layer, config, credentials, payload validation and CLI.

Every error carries one user-facing sentence (what failed, why, what to do) in ``str(error)``.
No error ever holds a secret: messages are built from server text and our own words only, and both the
message and the server text pass ``redact`` (registered secrets and tokens, secret-shaped text).
``__rich__`` makes Textual's crash handler print the sentence instead of a locals traceback.
"""

from __future__ import annotations

from tui.core.logging import redact
from tui.core.sentences import tidy


class AepxError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with when this error ends a command."""

    exit_code = 1
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        server_message: str | None = None,
    ) -> None:
        # a server may echo the secret or a token: mask it before anyone sees it; mend the seams of the parts
        message = tidy(redact(message))
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.server_message = redact(server_message) if server_message else server_message

    def __str__(self) -> str:
        return self.message

    def __rich__(self) -> str:  # pragma: no cover - exercised through Textual's crash path
        return f"aepx error: {self.message}"

    def with_request_id(self) -> str:
        """The sentence plus the request id, for support tickets."""
        return f"{self.message} (request id {self.request_id})" if self.request_id else self.message


# --- API errors (exit 1) -------------------------------------------------------------------------
class ApiError(AepxError):
    kind = "api"


class AuthError(ApiError):
    """401, or IMS refused the credentials. Exit 3: the fix is in config or credentials."""

    exit_code = 3
    kind = "auth"


class ForbiddenError(ApiError):
    kind = "forbidden"


class NotFoundError(ApiError):
    kind = "not_found"


class InvalidRequestError(ApiError):
    kind = "invalid_request"


class RateLimitedError(ApiError):
    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    kind = "server"


class ApiTimeoutError(ApiError):
    kind = "timeout"


class NetworkError(ApiError):
    kind = "network"


class AmbiguousCreateError(ApiError):
    """The create POST may have reached the server, and reconciliation could not tell whether a job
    was created. Never resend blindly: the message says to check the job list."""

    kind = "ambiguous_create"


# --- Local errors ----------------------------------------------------------------------------------
class UsageError(AepxError):
    exit_code = 2
    kind = "usage"


class PayloadError(UsageError):
    """An invalid export-job payload. ``line``/``column`` are 1-based when known."""

    kind = "payload"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ConfigError(AepxError):
    exit_code = 3
    kind = "config"


class CredentialsError(AepxError):
    """``why``: the main reason alone (say, "no usable OS keyring: …"), for a prompt that offers the
    remedy itself; the message also lists the ways to provide a secret."""

    exit_code = 3
    kind = "credentials"

    def __init__(self, message: str, *, why: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.why = redact(why)
