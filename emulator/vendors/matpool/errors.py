"""Matpool's error codes, exact messages, and its ``{"code", "msg"}`` envelope (HTTP 200)."""

from __future__ import annotations

from starlette.responses import Response

from emulator.core.errors import ApiError
from emulator.http import JSONResponse

OK = 0
# Code 1 occurs in the wild with no documented meaning; the emulator uses it for an unknown id.
NOT_FOUND = 1
PARAM_ILLEGAL = 6
TOKEN_EXPIRED = 7
BAD_TOKEN = 176

MESSAGES: dict[int, str] = {
    NOT_FOUND: "record not found",
    PARAM_ILLEGAL: "param illegal",
    TOKEN_EXPIRED: "token expired",
    BAD_TOKEN: "check jwt token failed",
}

# Statuses the API itself never uses (its errors are HTTP 200): only routing and crashes.
_HTTP_MESSAGES: dict[int, str] = {
    404: "404 page not found",
    405: "405 method not allowed",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def error(code: int, msg: str | None = None, *, field: str | None = None) -> ApiError:
    """A business error: HTTP 200 with ``code`` and its exact message."""
    return ApiError(200, MESSAGES.get(code, "") if msg is None else msg, code=code, field=field)


def bad_token() -> ApiError:
    """Missing, malformed or refused ``Authorization: Bearer`` token."""
    return error(BAD_TOKEN)


def param_illegal(field: str | None = None) -> ApiError:
    """Any bad parameter: the message never says which one (the field is kept for the journal)."""
    return error(PARAM_ILLEGAL, field=field)


class MatpoolErrors:
    """Renders every error as ``{"code": int, "msg": str}``."""

    def render(self, error: ApiError) -> Response:
        """The envelope with the error's HTTP status (200 for every API error)."""
        code = error.code if isinstance(error.code, int) else error.status
        body = {"code": code, "msg": error.message, **error.extra}
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    def not_found(self, method: str, path: str) -> ApiError:  # noqa: ARG002
        """No such route (the API's own errors never use 404)."""
        return ApiError(404, _HTTP_MESSAGES[404], code=404)

    def method_not_allowed(self, method: str, path: str) -> ApiError:  # noqa: ARG002
        """The path exists, the method does not."""
        return ApiError(405, _HTTP_MESSAGES[405], code=405)

    def internal(self, exc: BaseException) -> ApiError:  # noqa: ARG002
        """An unexpected failure inside the emulator."""
        return ApiError(500, _HTTP_MESSAGES[500], code=500)

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error: a Matpool code on HTTP 200, or an HTTP status."""
        if code is not None:
            number = _as_int(code)
            if number is None:
                return ApiError(status or 200, str(code), code=status or 200)
            return ApiError(status or 200, MESSAGES.get(number, "error"), code=number)
        status = status or 500
        return ApiError(status, _HTTP_MESSAGES.get(status, f"{status} error"), code=status)


def _as_int(value: int | str) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        return None
