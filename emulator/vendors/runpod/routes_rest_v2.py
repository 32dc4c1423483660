"""``api.runpod.io/v2``: the REST v2 management API (thin handlers).

Creates answer 201, deletes 204, lists are wrapped (``{"endpoints": [...]}``), errors are
RFC 9457 problem+json. A body that breaks the spec's schema is a 422 listing every violation
(option ``rest_v2_schema_status: 400``); the rules beyond the schema are 400s.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.errors import ApiError
from emulator.http import JSONResponse, bearer_token, world_for
from emulator.vendors.runpod import render_rest as render
from emulator.vendors.runpod.errors import (
    not_found,
    not_implemented,
    rest_unauthorized,
    schema_violation,
)
from emulator.vendors.runpod.problems import v2_problems

# The request-body models (``schemas_v2``, and ``translate_v2`` built on them) are imported by
# the write handlers that use them: building their classes costs start-up time that a server
# which never sees a v2 write saves.
if TYPE_CHECKING:
    from emulator.core.workers import Worker
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld
    from emulator.vendors.runpod.schemas_v2 import V2Body

BodyT = TypeVar("BodyT", bound="V2Body")
JOBS_HOST = "api.runpod.ai"
MAX_TAIL = 5000


def _missing_key() -> ApiError:
    return rest_unauthorized("missing bearer token")


def _refused_key() -> ApiError:
    return rest_unauthorized("invalid api key")


def world_of(request: Request) -> RunpodWorld:
    """The caller's RunPod world (``Authorization: Bearer <key>``)."""
    world: RunpodWorld = world_for(
        request, "runpod", bearer_token(request), missing=_missing_key, refused=_refused_key
    )
    return world


async def _body(request: Request, world: RunpodWorld, model: type[BodyT]) -> BodyT:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    if data is None:
        raise ApiError(400, "request body is required")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise schema_violation(v2_problems(exc), world.options.rest_v2_schema_status) from None


def _query_problem(world: RunpodWorld, message: str) -> ApiError:
    return schema_violation([message], world.options.rest_v2_schema_status)


def _jobs_base(request: Request) -> str:
    """Where this client reaches the job API: the emulator's ``/api.runpod.ai`` mount."""
    url = request.url
    origin = f"{url.scheme}://{url.netloc}"
    if url.hostname == "api.runpod.io":  # routed by Host header: keep to real host names
        return f"{url.scheme}://{JOBS_HOST}/v2"
    return f"{origin}/{JOBS_HOST}/v2"


def _no_content() -> Response:
    return Response(status_code=204)


# --------------------------------------------------------------------------- serverless


def _endpoint(request: Request, world: RunpodWorld) -> Endpoint:
    return world.find_endpoint(request.path_params["endpoint_id"])


async def list_endpoints(request: Request) -> Response:
    """``GET /v2/serverless``: ``{"endpoints": [...]}``."""
    world = world_of(request)
    base = _jobs_base(request)
    return JSONResponse(
        {"endpoints": [render.v2_endpoint(e, base) for e in world.endpoints.values()]}
    )


async def create_endpoint(request: Request) -> Response:
    """``POST /v2/serverless``: 201 with the endpoint (its container in a bound template)."""
    from emulator.vendors.runpod.schemas_v2 import ENDPOINT_NAMES, CreateEndpoint
    from emulator.vendors.runpod.translate_v2 import create_config

    world = world_of(request)
    body = await _body(request, world, CreateEndpoint)
    config, container = create_config(world, body)
    endpoint = world.add_endpoint(config, container=container, names=ENDPOINT_NAMES)
    return JSONResponse(render.v2_endpoint(endpoint, _jobs_base(request)), status_code=201)


async def get_endpoint(request: Request) -> Response:
    """``GET /v2/serverless/{id}``."""
    world = world_of(request)
    return JSONResponse(render.v2_endpoint(_endpoint(request, world), _jobs_base(request)))


async def update_endpoint(request: Request) -> Response:
    """``PATCH /v2/serverless/{id}``: only the fields sent change."""
    from emulator.vendors.runpod.schemas_v2 import ENDPOINT_NAMES, UpdateEndpoint
    from emulator.vendors.runpod.translate_v2 import update_changes

    world = world_of(request)
    endpoint = _endpoint(request, world)
    body = await _body(request, world, UpdateEndpoint)
    changes, container = update_changes(world, endpoint, body)
    world.update_endpoint(endpoint, changes, container=container, names=ENDPOINT_NAMES)
    return JSONResponse(render.v2_endpoint(endpoint, _jobs_base(request)))


async def delete_endpoint(request: Request) -> Response:
    """``DELETE /v2/serverless/{id}``: 204 (its bound template goes too)."""
    world = world_of(request)
    world.delete_endpoint(request.path_params["endpoint_id"])
    return _no_content()


async def list_workers(request: Request) -> Response:
    """``GET /v2/serverless/{id}/workers``: active workers and a ``summary`` by status."""
    world = world_of(request)
    return JSONResponse(render.v2_workers(_endpoint(request, world), world.ctx.now))


def _worker(endpoint: Endpoint, worker_id: str) -> Worker:
    worker = endpoint.pool.workers.get(worker_id)
    if worker is None:  # recently terminated workers keep their logs a while
        worker = next((w for w in endpoint.pool.retired if w.id == worker_id), None)
    if worker is None:
        raise not_found("worker")
    return worker


async def worker_logs(request: Request) -> Response:
    """``GET /v2/serverless/{id}/workers/{workerId}/logs``: the log so far as SSE events."""
    world = world_of(request)
    endpoint = _endpoint(request, world)
    worker = _worker(endpoint, request.path_params["worker_id"])
    query = request.query_params
    source = query.get("source")
    if source is not None and source not in ("container", "system"):
        raise _query_problem(world, "$.source: value must be one of 'container', 'system'")
    raw_tail = query.get("tail", "100")
    try:
        tail = int(raw_tail)
    except ValueError:
        raise _query_problem(world, f"$.tail: got {raw_tail!r}, want integer") from None
    if not 0 <= tail <= MAX_TAIL:
        raise _query_problem(world, f"$.tail: must be between 0 and {MAX_TAIL}, got {tail}")
    cursor = _cursor(world, request.headers.get("last-event-id"), query.get("since"))
    body = render.sse_logs(worker, source, cursor, tail)
    return Response(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _cursor(world: RunpodWorld, last_event: str | None, since: str | None) -> render.LogCursor:
    """Resume point: ``Last-Event-ID`` (``<ts>[/<seq>]``) first, else ``since``."""
    raw = last_event or since
    if not raw:
        return None
    stamp, _, seq = raw.partition("/")
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        name = "Last-Event-ID" if last_event else "since"
        raise _query_problem(world, f"$.{name}: {raw!r} is not an RFC 3339 time") from None
    return (at, int(seq) if seq.isdigit() else None)


# --------------------------------------------------------------------------- templates


async def list_templates(request: Request) -> Response:
    """``GET /v2/templates``: the caller's own templates (not the endpoint-bound ones)."""
    world = world_of(request)
    return JSONResponse(
        {
            "templates": [
                render.v2_template(t) for t in world.library.templates.values() if t.boundTo is None
            ]
        }
    )


async def create_template(request: Request) -> Response:
    """``POST /v2/templates``: 201."""
    from emulator.vendors.runpod.schemas_v2 import TEMPLATE_NAMES, CreateTemplate

    world = world_of(request)
    fields = (await _body(request, world, CreateTemplate)).to_create()
    world.library.check_template(fields, TEMPLATE_NAMES)
    return JSONResponse(render.v2_template(world.library.new_template(fields)), status_code=201)


async def get_template(request: Request) -> Response:
    """``GET /v2/templates/{id}``: own templates and RunPod's public ones."""
    world = world_of(request)
    template = world.library.template(request.path_params["template_id"], official=True)
    return JSONResponse(render.v2_template(template))


async def update_template(request: Request) -> Response:
    """``PATCH /v2/templates/{id}`` (own templates only)."""
    from emulator.vendors.runpod.schemas_v2 import TEMPLATE_NAMES, UpdateTemplate

    world = world_of(request)
    template = world.library.template(request.path_params["template_id"])
    body = await _body(request, world, UpdateTemplate)
    world.update_template(template, body.to_fields(), TEMPLATE_NAMES)
    return JSONResponse(render.v2_template(template))


async def delete_template(request: Request) -> Response:
    """``DELETE /v2/templates/{id}``: 204; bound to an endpoint: 400."""
    world = world_of(request)
    world.library.delete_template(request.path_params["template_id"])
    return _no_content()


# --------------------------------------------------------------------------- network volumes


async def list_volumes(request: Request) -> Response:
    """``GET /v2/network-volumes``."""
    world = world_of(request)
    return JSONResponse(
        {"networkVolumes": [render.v2_volume(v) for v in world.library.volumes.values()]}
    )


async def create_volume(request: Request) -> Response:
    """``POST /v2/network-volumes``: 201."""
    from emulator.vendors.runpod.schemas_v2 import CreateNetworkVolume

    world = world_of(request)
    body = await _body(request, world, CreateNetworkVolume)
    kind = body.type or "STANDARD"
    volume = world.add_volume(body.name, body.size, body.dataCenter, kind, field="dataCenter")
    return JSONResponse(render.v2_volume(volume), status_code=201)


async def get_volume(request: Request) -> Response:
    """``GET /v2/network-volumes/{id}``."""
    world = world_of(request)
    return JSONResponse(render.v2_volume(world.library.volume(request.path_params["volume_id"])))


async def update_volume(request: Request) -> Response:
    """``PATCH /v2/network-volumes/{id}``: rename and/or grow."""
    from emulator.vendors.runpod.schemas_v2 import UpdateNetworkVolume

    world = world_of(request)
    volume = world.library.volume(request.path_params["volume_id"])
    body = await _body(request, world, UpdateNetworkVolume)
    if not body.model_fields_set:
        raise _query_problem(world, "$: minProperties: got 0, want 1")
    world.library.update_volume(volume, body.name, body.size)
    return JSONResponse(render.v2_volume(volume))


async def delete_volume(request: Request) -> Response:
    """``DELETE /v2/network-volumes/{id}``: 204; attached to an endpoint: 400."""
    world = world_of(request)
    world.library.delete_volume(request.path_params["volume_id"])
    return _no_content()


# --------------------------------------------------------------------------- registries


async def list_registries(request: Request) -> Response:
    """``GET /v2/registries``."""
    world = world_of(request)
    return JSONResponse(
        {"registries": [render.registry(r) for r in world.library.registries.values()]}
    )


async def create_registry(request: Request) -> Response:
    """``POST /v2/registries``: 201 ``{id, name}`` (credentials are write-only)."""
    from emulator.vendors.runpod.schemas_v2 import CreateRegistry

    world = world_of(request)
    body = await _body(request, world, CreateRegistry)
    auth = world.library.new_registry(body.name, body.username, body.password)
    return JSONResponse(render.registry(auth), status_code=201)


async def get_registry(request: Request) -> Response:
    """``GET /v2/registries/{id}``."""
    world = world_of(request)
    return JSONResponse(render.registry(world.library.registry(request.path_params["registry_id"])))


async def delete_registry(request: Request) -> Response:
    """``DELETE /v2/registries/{id}``: 204; templates using it lose the reference."""
    world = world_of(request)
    world.library.delete_registry(request.path_params["registry_id"])
    return _no_content()


# --------------------------------------------------------------------------- not emulated


async def unimplemented(request: Request) -> Response:
    """Documented v2 operations the emulator does not serve: 501."""
    world_of(request)
    raise not_implemented(request.method, "/v2" + request.url.path.split("/v2", 1)[-1])


def _route(path: str, handler: Any, *methods: str) -> Route:
    return Route(f"/v2{path}", handler, methods=list(methods))


_ALL = ("GET", "POST", "PUT", "PATCH", "DELETE")

routes = [
    _route("/serverless", list_endpoints, "GET"),
    _route("/serverless", create_endpoint, "POST"),
    _route("/serverless/{endpoint_id}", get_endpoint, "GET"),
    _route("/serverless/{endpoint_id}", update_endpoint, "PATCH"),
    _route("/serverless/{endpoint_id}", delete_endpoint, "DELETE"),
    _route("/serverless/{endpoint_id}/workers", list_workers, "GET"),
    _route("/serverless/{endpoint_id}/workers/{worker_id}/logs", worker_logs, "GET"),
    _route("/serverless/{endpoint_id}/releases", unimplemented, "GET"),
    _route("/templates", list_templates, "GET"),
    _route("/templates", create_template, "POST"),
    _route("/templates/{template_id}", get_template, "GET"),
    _route("/templates/{template_id}", update_template, "PATCH"),
    _route("/templates/{template_id}", delete_template, "DELETE"),
    _route("/network-volumes", list_volumes, "GET"),
    _route("/network-volumes", create_volume, "POST"),
    _route("/network-volumes/{volume_id}", get_volume, "GET"),
    _route("/network-volumes/{volume_id}", update_volume, "PATCH"),
    _route("/network-volumes/{volume_id}", delete_volume, "DELETE"),
    _route("/registries/delegations", unimplemented, "GET", "POST"),
    _route("/registries/delegations/{rest:path}", unimplemented, "DELETE"),
    _route("/registries", list_registries, "GET"),
    _route("/registries", create_registry, "POST"),
    _route("/registries/{registry_id}", get_registry, "GET"),
    _route("/registries/{registry_id}", delete_registry, "DELETE"),
    *(
        _route(path, unimplemented, *_ALL)
        for path in (
            "/pods",
            "/pods/{rest:path}",
            "/clusters",
            "/clusters/{rest:path}",
            "/catalog/{rest:path}",
            "/billing",
            "/billing/{rest:path}",
            "/account/{rest:path}",
        )
    ),
]
