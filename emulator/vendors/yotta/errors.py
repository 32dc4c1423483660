"""Yotta's ``{"message", "code", "data"}`` envelope, its business codes and exact messages.

Success is ``code`` 10000 with ``message`` "success". Business errors (not found, state
conflicts) come back on HTTP 200 with the error in ``code``; request validation on HTTP 400 with
10001; a missing or unknown key on HTTP 401. Each status is configurable per fixture
(``yotta.options``); the routes pass the chosen status in the :class:`ApiError`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from emulator.core.errors import ApiError
from emulator.http import JSONResponse

SUCCESS = 10000
INVALID_PARAMS = 10001
SYSTEM_ERROR = 10002
NO_PERMISSIONS = 10004
RECORD_NOT_EXIST = 10007
ENDPOINT_NOT_FOUND = 14000
SERVERLESS_UNAVAILABLE = 24000
SERVERLESS_NOT_EXIST = 24001
ACTION_NOT_ALLOWED = 24002
TASK_NOT_EXIST = 24011
UNAUTHORIZED = 401
TOO_MANY_REQUESTS = 429

# The vendor's own wording (docs' code table, SDK tests and examples, v1 queue doc).
MESSAGES: dict[int, str] = {
    SUCCESS: "success",
    INVALID_PARAMS: "Invalid request parameters",
    SYSTEM_ERROR: "System error",
    NO_PERMISSIONS: "no permissions",
    RECORD_NOT_EXIST: "Record not exist",
    11000: "VM not found",
    11001: "VM status invalid",
    11002: "No terminate permissions",
    12000: "Pod not exist",
    12001: "Resource status invalid",
    13000: "Pod not found",
    ENDPOINT_NOT_FOUND: "Endpoint not found",
    20001: "Create elastic deployment failed",
    20002: "Update elastic deployment failed",
    SERVERLESS_UNAVAILABLE: "Serverless unavailable",
    SERVERLESS_NOT_EXIST: "Serverless does not exist",
    ACTION_NOT_ALLOWED: "Elastic action not allowed",
    TASK_NOT_EXIST: "Task does not exist",
    UNAUTHORIZED: "Unauthorized",
    TOO_MANY_REQUESTS: "too many requests",
}

NON_QUEUE_ENDPOINT = "Invalid request or non-QUEUE endpoint"


def envelope(data: Any) -> dict[str, Any]:
    """The success envelope around ``data``."""
    return {"message": "success", "code": SUCCESS, "data": data}


def error(status: int, code: int, message: str | None = None) -> ApiError:
    """An error with a Yotta code (message from the code table unless given)."""
    return ApiError(status, message or MESSAGES.get(code, "error"), code=code)


class YottaErrors:
    """Renders every error in the envelope, with the status the raiser chose."""

    def render(self, error: ApiError) -> Response:
        """``{"message", "code", "data": null}`` with the error's HTTP status."""
        code = error.code if isinstance(error.code, int) else SYSTEM_ERROR
        body = {"message": error.message, "code": code, "data": error.extra.get("data")}
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    def not_found(self, method: str, path: str) -> ApiError:
        """No such route: HTTP 404 in the envelope."""
        return ApiError(404, f"No endpoint {method} {path}.", code=404)

    def method_not_allowed(self, method: str, path: str) -> ApiError:  # noqa: ARG002
        """Known path, wrong method: HTTP 405 with Spring's wording."""
        return ApiError(405, f"Request method '{method}' is not supported", code=405)

    def internal(self, exc: BaseException) -> ApiError:  # noqa: ARG002
        """An emulator bug: HTTP 500, code 10002."""
        return error(500, SYSTEM_ERROR)

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error: by Yotta code, by HTTP status, or both."""
        number = int(code) if isinstance(code, str) and code.isdigit() else code
        if isinstance(number, int):
            if status is None:
                status = _default_status(number)
            return error(status, number)
        status = status or 500
        if status >= 500:
            return error(status, SYSTEM_ERROR)
        if status == 400:
            return error(status, INVALID_PARAMS)
        return error(status, status, MESSAGES.get(status, f"HTTP {status}"))


def _default_status(code: int) -> int:
    if code == SYSTEM_ERROR:
        return 500
    if code in (UNAUTHORIZED, TOO_MANY_REQUESTS):
        return code
    if code == INVALID_PARAMS:
        return 400
    return 200
