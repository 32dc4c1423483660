"""PPIO / Novita error names and messages, and the ``{code, reason, message, metadata}`` envelope.

Observed on the wire (a no-key call to api.novita.ai): HTTP 403
``{"code":403,"reason":"INVALID_API_KEY","message":"invalid api-key"}``: ``code`` is the HTTP
status, ``reason`` an error name from Novita's error-code table. ``metadata`` (a string map, as in
go-kratos errors) is an assumption; it carries the offending ``field`` when there is one.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from emulator.core.errors import ApiError
from emulator.http import FieldProblem, JSONResponse

# Reason names (Novita "API Error Codes") and the status each one is sent with.
REASON_STATUS: dict[str, int] = {
    "INVALID_REQUEST_BODY": 400,
    "MISSING_API_KEY": 400,
    "UNAUTHORIZED": 401,
    "FAILED_TO_AUTH": 401,
    "FORBIDDEN": 403,
    "INVALID_API_KEY": 403,
    "NOT_ENOUGH_BALANCE": 403,
    "NOT_FOUND": 404,
    "API_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "RATE_LIMIT_EXCEEDED": 429,
    "UNKNOWN": 500,
    "WORKER_ERROR": 500,
    "BAD_GATEWAY": 502,
    "SERVICE_UNAVAILABLE": 503,
    "REQUEST_TIMEOUT": 504,
}

# The reason used for a bare HTTP status (fault injection by status, framework errors).
STATUS_REASON: dict[int, str] = {
    400: "INVALID_REQUEST_BODY",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RATE_LIMIT_EXCEEDED",
    500: "UNKNOWN",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "REQUEST_TIMEOUT",
}

MSG_MISSING_KEY = "missing or malformed Authorization header, expected 'Bearer <api key>'"
MSG_INVALID_KEY = "invalid api-key"
MSG_ENDPOINT_NOT_FOUND = "endpoint not found"
MSG_WORKER_NOT_FOUND = "worker not found"
MSG_INVALID_CURSOR = "cursor: invalid cursor"
MSG_REQUEST_TIMEOUT = "request timed out after {seconds}s"
MSG_ENDPOINT_GONE = "endpoint was deleted while the request was in flight"
MSG_INTERNAL = "internal server error"


def error(reason: str, message: str, *, field: str | None = None) -> ApiError:
    """An error by reason name, sent with that reason's status."""
    return ApiError(REASON_STATUS.get(reason, 500), message, reason=reason, field=field)


def missing_key() -> ApiError:
    """No ``Authorization: Bearer <key>``."""
    return error("UNAUTHORIZED", MSG_MISSING_KEY)


def invalid_key() -> ApiError:
    """A key the emulator does not accept (``auth: strict``)."""
    return error("INVALID_API_KEY", MSG_INVALID_KEY)


def endpoint_not_found() -> ApiError:
    """Unknown (or deleted, or another tenant's) endpoint id."""
    return error("NOT_FOUND", MSG_ENDPOINT_NOT_FOUND)


def invalid(problem: FieldProblem | str, field: str | None = None) -> ApiError:
    """400 ``INVALID_REQUEST_BODY`` naming the field at fault."""
    if isinstance(problem, str):
        text = f"{field}: {problem}" if field else problem
        return error("INVALID_REQUEST_BODY", text, field=field)
    name = problem.field or "body"
    return error("INVALID_REQUEST_BODY", f"{name}: {problem.message}", field=name)


class PpioErrors:
    """The :class:`~emulator.hosting.WireErrors` of both the PPIO and the Novita host."""

    def render(self, error: ApiError) -> Response:
        """``{"code": status, "reason", "message", "metadata"}`` with that HTTP status."""
        reason = error.reason or (error.code if isinstance(error.code, str) else None)
        metadata: dict[str, Any] = {k: str(v) for k, v in error.extra.items()}
        if error.field:
            metadata["field"] = error.field
        body = {
            "code": error.status,
            "reason": reason or STATUS_REASON.get(error.status, "UNKNOWN"),
            "message": error.message,
            "metadata": metadata,
        }
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    def not_found(self, method: str, path: str) -> ApiError:
        """No such route."""
        return error("API_NOT_FOUND", f"api not found: {method} {path}")

    def method_not_allowed(self, method: str, path: str) -> ApiError:
        """The path exists, the method does not."""
        return error("METHOD_NOT_ALLOWED", f"method {method} not allowed on {path}")

    def internal(self, exc: BaseException) -> ApiError:
        """An emulator bug, in the vendor's 500 shape (details go to the admin API, not here)."""
        del exc
        return error("UNKNOWN", MSG_INTERNAL)

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error: by reason name (``code``) and/or HTTP status."""
        if isinstance(code, str):
            reason = code.upper()
            return ApiError(
                status or REASON_STATUS.get(reason, 500), f"injected {reason}", reason=reason
            )
        status = status or (code if isinstance(code, int) else None) or 500
        reason = STATUS_REASON.get(status, "UNKNOWN")
        return ApiError(status, f"injected {reason}", reason=reason)
