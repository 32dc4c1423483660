"""PPIO / Novita GPU API v2 routes: the five endpoint operations, the data plane, worker logs.

One table serves both hosts; the vendor (``ppio`` or ``novita``) comes from the mount, so each
host is its own world per API key.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from emulator.http import JSONResponse, bearer_token, origin, parse, read_json, world_for
from emulator.vendors.ppio import errors
from emulator.vendors.ppio.backend import Call, PpioWorld, call_payload
from emulator.vendors.ppio.paging import Key
from emulator.vendors.ppio.render import call_response, endpoint_json, worker_log
from emulator.vendors.ppio.schemas import CreateEndpointIn, UpdateEndpointIn

MAX_CURSOR = 1024
MAX_ID = 255
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _world(request: Request) -> PpioWorld:
    world: PpioWorld = world_for(
        request,
        request.scope["emulator.vendor"],
        bearer_token(request),
        missing=errors.missing_key,
        refused=errors.invalid_key,
    )
    return world


def _base(request: Request) -> str:
    """This host's base URL on the emulator, as the client reached it."""
    root: str = request.scope.get("root_path", "")
    return origin(request) + root


def _endpoint_id(request: Request) -> str:
    endpoint_id: str = request.path_params["endpoint_id"]
    if len(endpoint_id) > MAX_ID:
        raise errors.invalid(f"length must be between 1 and {MAX_ID}", "endpoint_id")
    return endpoint_id


def _limit(request: Request, world: PpioWorld) -> int:
    raw = request.query_params.get("limit")
    options = world.options
    if raw is None or raw == "":
        return options.default_limit
    try:
        limit = int(raw)
    except ValueError:
        raise errors.invalid("must be a non-negative integer", "limit") from None
    if limit < 0:
        raise errors.invalid("must be a non-negative integer", "limit")
    if limit == 0:
        return options.default_limit
    if limit > options.max_limit:
        if options.limit_over_max == "reject":
            raise errors.invalid(f"must be at most {options.max_limit}", "limit")
        return options.max_limit
    return limit


def _cursor(request: Request, world: PpioWorld) -> Key | None:
    cursor = request.query_params.get("cursor") or ""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR:
        raise errors.invalid(f"length must be at most {MAX_CURSOR}", "cursor")
    key = world.cursors.decode(cursor)
    if key is None:
        raise errors.invalid("invalid cursor", "cursor")
    return key


# ---------------------------------------------------------------------------- control plane


async def create_endpoint(request: Request) -> Response:
    """``POST /gpus/v2/endpoints`` → ``{"id"}``."""
    world = _world(request)
    body = parse(CreateEndpointIn, await read_json(request, errors.invalid), errors.invalid)
    return JSONResponse({"id": world.create(body).id})


async def list_endpoints(request: Request) -> Response:
    """``GET /gpus/v2/endpoints`` → ``{data, next_cursor, has_more}`` (keyset cursor, no total)."""
    world = _world(request)
    limit = _limit(request, world)
    cursor = _cursor(request, world)
    params = request.query_params
    members = {m.strip() for m in (params.get("member_ids") or "").split(",") if m.strip()}
    items, next_cursor = world.list_page(
        cursor=cursor,
        limit=limit,
        keyword=params.get("keyword") or None,
        member_ids=members or None,
    )
    base = _base(request)
    options = world.options
    return JSONResponse(
        {
            "data": [endpoint_json(ep, options, base) for ep in items],
            "next_cursor": next_cursor,
            "has_more": bool(next_cursor),
        }
    )


async def get_endpoint(request: Request) -> Response:
    """``GET /gpus/v2/endpoints/{id}`` → the bare endpoint object."""
    world = _world(request)
    endpoint = world.get(_endpoint_id(request))
    return JSONResponse(endpoint_json(endpoint, world.options, _base(request)))


async def update_endpoint(request: Request) -> Response:
    """``PUT /gpus/v2/endpoints/{id}`` → ``{}`` (partial update)."""
    world = _world(request)
    endpoint_id = _endpoint_id(request)
    world.get(endpoint_id)
    body = parse(UpdateEndpointIn, await read_json(request, errors.invalid), errors.invalid)
    world.update(endpoint_id, body)
    return JSONResponse({})


async def delete_endpoint(request: Request) -> Response:
    """``DELETE /gpus/v2/endpoints/{id}`` → ``{}``."""
    world = _world(request)
    world.delete(_endpoint_id(request))
    return JSONResponse({})


# ---------------------------------------------------------------------------- data plane


async def invoke(request: Request) -> Response:
    """Any request below an endpoint's ``url``: one invocation, answered when its task ends."""
    world = _world(request)
    endpoint_id = request.path_params["endpoint_id"]
    world.get(endpoint_id)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    payload, is_json = call_payload(body, content_type)
    call = Call(
        endpoint_id=endpoint_id,
        method=request.method,
        path="/" + request.path_params.get("path", ""),
        query=request.url.query,
        headers=list(request.headers.items()),
        body=body,
        content_type=content_type,
        is_json=is_json,
    )
    task = world.invoke(endpoint_id, call, payload)
    if not task.terminal:
        await world.waiters.wait(
            task.id, emulator_seconds=None, wall_seconds=world.wall_seconds(call.timeout)
        )
    if not task.terminal:
        world.abandon(task)
    return call_response(task)


async def worker_logs(request: Request) -> Response:
    """A worker's ``log`` URL: its state history as text."""
    world = _world(request)
    worker = world.worker(request.path_params["endpoint_id"], request.path_params["worker_id"])
    return PlainTextResponse(worker_log(worker, world.options))


routes = [
    Route("/gpus/v2/endpoints", create_endpoint, methods=["POST"]),
    Route("/gpus/v2/endpoints", list_endpoints, methods=["GET"]),
    Route("/gpus/v2/endpoints/{endpoint_id}", get_endpoint, methods=["GET"]),
    Route("/gpus/v2/endpoints/{endpoint_id}", update_endpoint, methods=["PUT"]),
    Route("/gpus/v2/endpoints/{endpoint_id}", delete_endpoint, methods=["DELETE"]),
    Route("/serverless/{endpoint_id}", invoke, methods=ANY_METHOD),
    Route("/serverless/{endpoint_id}/{path:path}", invoke, methods=ANY_METHOD),
    Route("/logs/{endpoint_id}/{worker_id}", worker_logs, methods=["GET"]),
]
