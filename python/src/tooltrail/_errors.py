"""The errors of the tooltrail client, one class per error code of HTTP API v1."""

from __future__ import annotations


class Error(Exception):
    """An error answered by tooltrail, or a failure to reach it.

    ``code`` is the API's error code (``invalid_argument``, ``unavailable``
    and so on), ``status`` the HTTP status (0 when no answer came), and
    ``message`` what the server said, which names the field at fault where
    the caller can fix it.
    """

    code: str = "error"

    def __init__(self, message: str, *, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        if self.status:
            return f"tooltrail: {self.message} ({self.status} {self.code})"
        return f"tooltrail: {self.message}"


class InvalidArgument(Error, ValueError):
    """A parameter or field the server refused (400); the message names it."""

    code = "invalid_argument"


class TooLarge(InvalidArgument):
    """A field or the whole request over its limit (413)."""

    code = "too_large"


class Unauthenticated(Error, PermissionError):
    """No token, or one the server does not know or has revoked (401)."""

    code = "unauthenticated"


class PermissionDenied(Error, PermissionError):
    """The token's role may not do this (403): a writer token that queries,
    or any token but an admin's that purges."""

    code = "permission_denied"


class NotFound(Error, LookupError):
    """No such entry or path (404)."""

    code = "not_found"


class Conflict(Error):
    """A ``call_id`` recorded before with other content (409)."""

    code = "conflict"


class RateLimited(Error):
    """The token is past its rate (429), still so after the retries."""

    code = "rate_limited"


class Unavailable(Error, ConnectionError):
    """The server could not be reached, timed out, or answered 503, still so
    after the retries. For a record, nothing may have been stored; a retry
    with the same ``call_id`` is safe."""

    code = "unavailable"


class Internal(Error):
    """A fault of the server (500); its log has the details."""

    code = "internal"


_BY_CODE: dict[str, type[Error]] = {
    cls.code: cls
    for cls in (InvalidArgument, TooLarge, Unauthenticated, PermissionDenied, NotFound, Conflict,
                RateLimited, Unavailable, Internal)
}

_BY_STATUS: dict[int, type[Error]] = {
    400: InvalidArgument, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound,
    405: InvalidArgument, 408: Unavailable, 409: Conflict, 413: TooLarge, 429: RateLimited,
    500: Internal, 502: Unavailable, 503: Unavailable, 504: Unavailable,
}


def error_for(status: int, code: str | None, message: str) -> Error:
    """Return the error for an answer of the server: by its error code, or by
    its status when the body had none (a proxy's answer, say)."""
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status) or Error
    return cls(message, status=status, code=code)
