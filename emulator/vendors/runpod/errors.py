"""Errors of the serverless job host (``api.runpod.ai``): RFC 9457 problem+json.

The one real error body known for this host is ``{"status":400,"title":"Bad Request",
"detail":"bad request: body: exceeded max body size of 10MiB"}``; every other error uses the
same shape with its own status and detail.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.responses import Response

from emulator.core.errors import ApiError
from emulator.http import FieldProblem

PROBLEM_JSON = "application/problem+json"


def title(status: int) -> str:
    """The HTTP reason phrase used as the problem title."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def bad_request(detail: str, field: str | None = None) -> ApiError:
    """400 with RunPod's ``bad request: ...`` detail."""
    return ApiError(400, f"bad request: {detail}", field=field)


def body_too_large(limit: int) -> ApiError:
    """The documented oversize-body error (``10MiB`` for /run, ``20MiB`` for /runsync)."""
    size = f"{limit // (1024 * 1024)}MiB" if limit % (1024 * 1024) == 0 else f"{limit}B"
    return bad_request(f"body: exceeded max body size of {size}")


def invalid_body(problem: FieldProblem | str) -> ApiError:
    """A body that is not JSON, or a field with the wrong type or range."""
    if isinstance(problem, str):
        return bad_request(f"body: {problem}")
    return bad_request(f"body: {problem.field}: {problem.message}", field=problem.field)


def unauthorized() -> ApiError:
    """No key, or a key the emulator refuses (``auth: strict``)."""
    return ApiError(401, "unauthorized: missing or invalid api key")


def endpoint_not_found(endpoint_id: str) -> ApiError:
    """No such endpoint for this key."""
    return ApiError(404, f"endpoint {endpoint_id} not found")


def job_not_found(job_id: str, status: int = 404) -> ApiError:
    """Unknown, expired (retention), TTL-removed or purged job id."""
    return ApiError(status, f"request {job_id} does not exist")


class JobApiErrors:
    """Renders every error on ``api.runpod.ai`` as problem+json."""

    def render(self, error: ApiError) -> Response:
        """``{"status", "title", "detail"}`` with the error's status."""
        body = {"status": error.status, "title": title(error.status), "detail": error.message}
        return Response(
            json.dumps(body, separators=(",", ":")).encode(),
            status_code=error.status,
            headers=error.headers,
            media_type=PROBLEM_JSON,
        )

    def not_found(self, method: str, path: str) -> ApiError:
        """No such route."""
        return ApiError(404, f"no route for {method} {path}")

    def method_not_allowed(self, method: str, path: str) -> ApiError:
        """The route exists, the method does not."""
        return ApiError(405, f"method {method} not allowed on {path}")

    def internal(self, exc: BaseException) -> ApiError:  # noqa: ARG002 - protocol signature
        """An emulator bug, rendered like a RunPod 500."""
        return ApiError(500, "internal server error")

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error (the job API has no vendor codes: the status decides)."""
        status = status or (code if isinstance(code, int) and 400 <= code < 600 else 500)
        return ApiError(status, title(status).lower())
