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


# --------------------------------------------------------------------------- REST (v1 and v2)
#
# The backend raises these with v1 field names in ``field``; the v2 routes pass their own names.
# ``reason`` tells the two REST renderers apart what each API answers with a different status:
# "reference" = the body names an object that does not exist (v1: 400, v2: 404).

REFERENCE = "reference"
NOT_FOUND = "not_found"


def rest_unauthorized(detail: str = "missing bearer token") -> ApiError:
    """No ``Authorization: Bearer`` key, or one the emulator refuses."""
    return ApiError(401, detail, reason="unauthorized")


def not_found(kind: str, *, field: str | None = None, object_id: str | None = None) -> ApiError:
    """No such object for this key: ``endpoint not found`` (v1: ``Endpoint not found``).

    With ``field`` it is a reference from a request body (``templateId: template x not found``).
    """
    if field is not None:
        message = f"{field}: {kind} {object_id} not found"
        return ApiError(404, message, field=field, reason=REFERENCE)
    return ApiError(404, f"{kind} not found", reason=NOT_FOUND)


def invalid(field: str, problem: str) -> ApiError:
    """A value the API refuses: ``idleTimeout: must be at most 3600``."""
    return ApiError(400, f"{field}: {problem}", field=field, reason="invalid")


def in_use(kind: str, object_id: str, users: str) -> ApiError:
    """An object that cannot go while others use it."""
    return ApiError(400, f"{kind} {object_id} is in use by {users}", reason="in_use")


def not_implemented(method: str, path: str) -> ApiError:
    """A documented operation the emulator does not serve."""
    return ApiError(501, f"{method} {path} is not implemented by the emulator")


def _json(body: dict[str, object], status: int, headers: dict[str, str], media: str) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=status,
        headers=headers,
        media_type=media,
    )


class RestV1Errors:
    """``rest.runpod.io/v1``: ``{"message": "..."}``; a missing reference is a 400."""

    def render(self, error: ApiError) -> Response:
        """The v1 body with the error's status (a bad reference in a body: 400)."""
        status = 400 if error.reason == REFERENCE else error.status
        message = error.message
        if error.reason == NOT_FOUND:  # v1 capitalises: {"message": "Pod not found"}
            message = message[:1].upper() + message[1:]
        return _json({"message": message}, status, error.headers, "application/json")

    def not_found(self, method: str, path: str) -> ApiError:  # noqa: ARG002 - protocol
        """No such route."""
        return ApiError(404, "Not Found")

    def method_not_allowed(self, method: str, path: str) -> ApiError:  # noqa: ARG002
        """The route exists, the method does not."""
        return ApiError(405, "Method Not Allowed")

    def internal(self, exc: BaseException) -> ApiError:  # noqa: ARG002 - protocol signature
        """An emulator bug, rendered like a RunPod 500."""
        return ApiError(500, "Internal Server Error")

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error (v1 has no vendor codes: the status decides)."""
        status = status or (code if isinstance(code, int) and 400 <= code < 600 else 500)
        return ApiError(status, title(status))


class RestV2Errors:
    """``api.runpod.io/v2``: RFC 9457 ``{title, status, detail, errors?}`` problem+json."""

    def render(self, error: ApiError) -> Response:
        """The problem document; ``errors`` lists schema violations when there are any."""
        body: dict[str, object] = {
            "title": title(error.status),
            "status": error.status,
            "detail": error.message,
        }
        problems = error.extra.get("errors")
        if problems:
            body["errors"] = list(problems)
        return _json(body, error.status, error.headers, PROBLEM_JSON)

    def not_found(self, method: str, path: str) -> ApiError:  # noqa: ARG002 - protocol
        """No such route."""
        return ApiError(404, "resource not found")

    def method_not_allowed(self, method: str, path: str) -> ApiError:  # noqa: ARG002
        """The route exists, the method does not."""
        return ApiError(405, "The requested method is not allowed for this path.")

    def internal(self, exc: BaseException) -> ApiError:  # noqa: ARG002 - protocol signature
        """An emulator bug."""
        return ApiError(500, "internal server error")

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """A fault rule's error; a 429 says which window, as RunPod's does."""
        status = status or (code if isinstance(code, int) and 400 <= code < 600 else 500)
        if status == 429:
            return ApiError(429, "rate limit exceeded for the minute window")
        return ApiError(status, title(status).lower())


def schema_violation(problems: list[str], status: int = 422) -> ApiError:
    """A v2 body that breaks the spec's schema: 422 ``Request validation failed.``."""
    detail = "Request validation failed." if status == 422 else f"bad request: {problems[0]}"
    return ApiError(status, detail, reason="schema", extra={"errors": problems})
