"""Yotta Labs Serverless v2 routes: auth → parse → backend → render, in the code-10000 envelope."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.errors import ApiError
from emulator.http import FieldProblem, JSONResponse, parse, read_json, state_of, world_for
from emulator.vendors.yotta import errors, render
from emulator.vendors.yotta.backend import YottaWorld
from emulator.vendors.yotta.logs import LogQuery
from emulator.vendors.yotta.schemas import (
    INT64_MAX,
    CreateEndpointIn,
    ScaleIn,
    SubmitTaskIn,
    UpdateEndpointIn,
    YottaOptions,
    validation_message,
)

VENDOR = "yotta"
_INTEGER = re.compile(r"^[+-]?\d+$")
_JAVA_TYPES = {"long": "java.lang.Long", "int": "java.lang.Integer"}


# ---------------------------------------------------------------------------- helpers


def _startup_options(request: Request) -> YottaOptions:
    """Options of the fixtures loaded for every tenant (auth errors happen before a world)."""
    options = YottaOptions()
    for preload in state_of(request).preloads:
        section = preload.section
        if preload.vendor == VENDOR and preload.tenant is None and section.options is not None:
            options = options.merged(section.options)
    return options


def _auth_error(request: Request) -> ApiError:
    options = _startup_options(request)
    return errors.error(
        options.auth_error_status, options.auth_error_code, options.auth_error_message
    )


def _world(request: Request) -> YottaWorld:
    key = (request.headers.get("x-api-key") or "").strip()
    world: YottaWorld = world_for(
        request,
        VENDOR,
        key,
        missing=lambda: _auth_error(request),
        refused=lambda: _auth_error(request),
    )
    return world


def _ok(data: Any) -> Response:
    return JSONResponse(errors.envelope(data))


def _number(world: YottaWorld, name: str, raw: str, kind: str = "long") -> int:
    """Spring's conversion of a path/query value to Long/Integer."""
    limit = INT64_MAX if kind == "long" else 2**31 - 1
    if _INTEGER.match(raw) and abs(int(raw)) <= limit:
        return int(raw)
    raise world.invalid(
        f"{name}: Failed to convert value of type 'java.lang.String' to required type "
        f"'{_JAVA_TYPES[kind]}'; For input string: \"{raw}\""
    )


def _endpoint_id(request: Request, world: YottaWorld) -> int:
    return _number(world, "id", request.path_params["id"])


def _query_int(
    request: Request, world: YottaWorld, name: str, *, default: int | None, minimum: int
) -> int:
    raw = request.query_params.get(name)
    if raw is None or (raw == "" and default is not None):
        if default is None:
            raise world.invalid(
                f"Required request parameter '{name}' for method parameter type Integer "
                "is not present"
            )
        return default
    value = _number(world, name, raw.strip(), "int")
    if value < minimum:
        raise world.invalid(f"{name}: must be greater than or equal to {minimum}")
    return value


def _status_list(request: Request, name: str = "statusList") -> set[str] | None:
    """``statusList`` comma-separated and/or repeated."""
    wanted = {
        part.strip().upper()
        for value in request.query_params.getlist(name)
        for part in value.split(",")
        if part.strip()
    }
    return wanted or None


async def _body(request: Request, world: YottaWorld) -> Any:
    return await read_json(request, world.invalid)


def _invalid_for(world: YottaWorld) -> Any:
    def invalid(problem: FieldProblem) -> ApiError:
        error = world.invalid(validation_message(problem))
        error.field = problem.field
        return error

    return invalid


# ---------------------------------------------------------------------------- endpoints


async def create_endpoint(request: Request) -> Response:
    """POST /v2/serverless."""
    world = _world(request)
    body = parse(CreateEndpointIn, await _body(request, world), _invalid_for(world))
    return _ok(render.endpoint(world, world.create(body)))


async def list_endpoints(request: Request) -> Response:
    """GET /v2/serverless?statusList=..."""
    world = _world(request)
    found = world.list_endpoints(_status_list(request))
    return _ok([render.endpoint(world, ep) for ep in found])


async def get_endpoint(request: Request) -> Response:
    """GET /v2/serverless/{id}."""
    world = _world(request)
    return _ok(render.endpoint(world, world.get(_endpoint_id(request, world))))


async def update_endpoint(request: Request) -> Response:
    """PATCH /v2/serverless/{id}."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    body = parse(UpdateEndpointIn, await _body(request, world), _invalid_for(world))
    return _ok(render.endpoint(world, world.update(endpoint_id, body)))


async def delete_endpoint(request: Request) -> Response:
    """DELETE /v2/serverless/{id}."""
    world = _world(request)
    world.delete(_endpoint_id(request, world))
    return _ok(None)


async def start_endpoint(request: Request) -> Response:
    """POST /v2/serverless/{id}/start."""
    world = _world(request)
    world.start(_endpoint_id(request, world))
    return _ok(None)


async def stop_endpoint(request: Request) -> Response:
    """POST /v2/serverless/{id}/stop."""
    world = _world(request)
    world.stop(_endpoint_id(request, world))
    return _ok(None)


async def scale_workers(request: Request) -> Response:
    """PUT /v2/serverless/{id}/workers?count=N."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    count = _query_int(request, world, "count", default=None, minimum=0)
    world.scale(endpoint_id, count)
    return _ok(None)


async def scale_workers_path(request: Request) -> Response:
    """PUT /v2/serverless/{id}/workers/{count} (the form in YottaML's own openapi.yaml)."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    count = _number(world, "count", request.path_params["count"], "int")
    if count < 0:
        raise world.invalid("count: must be greater than or equal to 0")
    world.scale(endpoint_id, count)
    return _ok(None)


async def scale_workers_body(request: Request) -> Response:
    """POST /v2/serverless/{id}/workers {"workers": N} (the v1 / tutorial form)."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    body = parse(ScaleIn, await _body(request, world), _invalid_for(world))
    world.scale(endpoint_id, body.workers)
    return _ok(None)


async def list_workers(request: Request) -> Response:
    """GET /v2/serverless/{id}/workers?statusList=..."""
    world = _world(request)
    found = world.workers(_endpoint_id(request, world), _status_list(request))
    return _ok([render.worker(world, w) for w in found])


def _log_time(world: YottaWorld, name: str, raw: str | None) -> int | None:
    """Epoch milliseconds or ISO 8601 → epoch milliseconds."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if _INTEGER.match(raw):
        return int(raw)
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise world.invalid(f"{name}: must be epoch milliseconds or ISO 8601") from None


async def worker_logs(request: Request) -> Response:
    """GET /v2/serverless/{id}/workers/{workerId}/logs."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    params = request.query_params
    size = _query_int(request, world, "pageSize", default=100, minimum=1)
    if size > 1000:
        raise world.invalid("pageSize: must be less than or equal to 1000")
    direction = (params.get("direction") or "Forward").strip().capitalize()
    if direction not in ("Forward", "Backward"):
        raise world.invalid("direction: must be Forward or Backward")
    offset = params.get("searchAfterOffset")
    query = LogQuery(
        page_size=size,
        keyword=params.get("keyword") or None,
        start=_log_time(world, "startTime", params.get("startTime")),
        end=_log_time(world, "endTime", params.get("endTime")),
        after_time=_log_time(world, "searchAfterTime", params.get("searchAfterTime")),
        after_offset=_number(world, "searchAfterOffset", offset.strip()) if offset else None,
        direction="Forward" if direction == "Forward" else "Backward",
    )
    page = world.worker_logs(endpoint_id, request.path_params["worker_id"], query)
    return _ok(render.logs(page))


# ---------------------------------------------------------------------------- tasks


async def submit_task(request: Request) -> Response:
    """POST /v2/serverless/{id}/tasks."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    body = parse(SubmitTaskIn, await _body(request, world), _invalid_for(world))
    task = world.submit(endpoint_id, body)
    return _ok({"taskId": task.data.task_id})


async def list_tasks(request: Request) -> Response:
    """GET /v2/serverless/{id}/tasks?status=&pageNumber=&pageSize=."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    raw = (request.query_params.get("status") or "").strip().upper()
    status = raw or None
    number = _query_int(request, world, "pageNumber", default=1, minimum=1)
    size = _query_int(request, world, "pageSize", default=10, minimum=1)
    # An unknown status matches nothing (the parameter is a plain string in the spec).
    endpoint, items, total, pages = world.tasks(endpoint_id, status, number, size)
    return _ok(render.task_page(world, endpoint, items, number, size, total, pages))


async def task_count(request: Request) -> Response:
    """GET /v2/serverless/{id}/tasks/count."""
    world = _world(request)
    return _ok({"processing": world.processing(_endpoint_id(request, world))})


async def get_task(request: Request) -> Response:
    """GET /v2/serverless/{id}/tasks/{taskId}."""
    world = _world(request)
    endpoint_id = _endpoint_id(request, world)
    endpoint, task = world.task(endpoint_id, request.path_params["task_id"])
    return _ok(render.task(world, endpoint, task, detail=True))


_E = "/v2/serverless/{id}"

routes = [
    Route("/v2/serverless", list_endpoints, methods=["GET"]),
    Route("/v2/serverless", create_endpoint, methods=["POST"]),
    Route(_E, get_endpoint, methods=["GET"]),
    Route(_E, update_endpoint, methods=["PATCH"]),
    Route(_E, delete_endpoint, methods=["DELETE"]),
    Route(f"{_E}/start", start_endpoint, methods=["POST"]),
    Route(f"{_E}/stop", stop_endpoint, methods=["POST"]),
    Route(f"{_E}/workers", list_workers, methods=["GET"]),
    Route(f"{_E}/workers", scale_workers, methods=["PUT"]),
    Route(f"{_E}/workers", scale_workers_body, methods=["POST"]),
    Route(f"{_E}/workers/{{count}}", scale_workers_path, methods=["PUT"]),
    Route(f"{_E}/workers/{{worker_id}}/logs", worker_logs, methods=["GET"]),
    Route(f"{_E}/tasks", submit_task, methods=["POST"]),
    Route(f"{_E}/tasks", list_tasks, methods=["GET"]),
    # ``count`` also matches the taskId pattern: it must come first.
    Route(f"{_E}/tasks/count", task_count, methods=["GET"]),
    Route(f"{_E}/tasks/{{task_id}}", get_task, methods=["GET"]),
]
