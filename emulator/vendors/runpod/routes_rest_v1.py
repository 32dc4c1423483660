"""``rest.runpod.io/v1``: the REST v1 management API (thin handlers).

Lists are bare JSON arrays, errors ``{"message": ...}``, auth ``Authorization: Bearer <key>``.
A missing object is a 404 on GET and, as the v1 spec documents it, a 400 on PATCH, update and
DELETE (option ``rest_v1_not_found: "404"`` answers 404 everywhere).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from emulator.core.errors import ApiError
from emulator.http import FieldProblem, JSONResponse, bearer_token, parse, query_bool, world_for
from emulator.vendors.runpod import render_rest as render
from emulator.vendors.runpod.errors import (
    NOT_FOUND,
    invalid,
    not_implemented,
    rest_unauthorized,
)
from emulator.vendors.runpod.problems import v1_words

# The request-body models (``schemas_v1``) are imported by the write handlers that use them:
# building their classes costs start-up time that a server which never sees a v1 write saves.
if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import RunpodWorld
    from emulator.vendors.runpod.schemas_v1 import V1Body

SPEC = Path(__file__).resolve().parents[2] / "specs" / "runpod" / "rest-v1.openapi.json"
BodyT = TypeVar("BodyT", bound="V1Body")
T = TypeVar("T")


def _unauthorized() -> ApiError:
    return rest_unauthorized("Unauthorized")


def world_of(request: Request) -> RunpodWorld:
    """The caller's RunPod world (``Authorization: Bearer <key>``)."""
    world: RunpodWorld = world_for(
        request, "runpod", bearer_token(request), missing=_unauthorized, refused=_unauthorized
    )
    return world


def _bad_body(problem: FieldProblem | str) -> ApiError:
    if isinstance(problem, str):
        return ApiError(400, problem, reason="invalid")
    return ApiError(400, v1_words(problem), field=problem.field, reason="invalid")


async def _body(request: Request, model: type[BodyT]) -> BodyT:
    raw = await request.body()
    if not raw.strip():
        raise _bad_body("request body is empty")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _bad_body(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _bad_body("request body must be a JSON object")
    return parse(model, data, _bad_body)


def _flag(request: Request, name: str) -> bool:
    try:
        return bool(query_bool(request.query_params.get(name)))
    except ValueError:
        raise invalid(name, "must be true or false") from None


def _found(world: RunpodWorld, request: Request, lookup: Callable[[str], T], key: str) -> T:
    """``lookup(path id)``; a missing object on a write is a 400 under the spec option."""
    try:
        return lookup(request.path_params[key])
    except ApiError as exc:
        if (
            exc.reason == NOT_FOUND
            and request.method != "GET"
            and world.options.rest_v1_not_found == "spec"
        ):
            exc.status = 400
        raise


def _no_content() -> Response:
    return Response(status_code=204)


# --------------------------------------------------------------------------- docs


async def openapi(request: Request) -> Response:  # noqa: ARG001 - route signature
    """``GET /openapi.json`` (no auth): the v1 spec the emulator follows."""
    return Response(SPEC.read_bytes(), media_type="application/json")


async def docs(request: Request) -> Response:
    """``GET /docs`` (no auth): a page pointing at the spec."""
    spec = f"{request.scope.get('root_path', '')}/v1/openapi.json"
    return HTMLResponse(
        "<!doctype html><html><head><title>Runpod API</title></head><body>"
        f'<h1>Runpod API (emulated)</h1><p>OpenAPI: <a href="{spec}">{spec}</a></p>'
        "</body></html>"
    )


# --------------------------------------------------------------------------- endpoints


async def list_endpoints(request: Request) -> Response:
    """``GET /endpoints[?includeTemplate][&includeWorkers]``: a bare array."""
    world = world_of(request)
    template, workers = _flag(request, "includeTemplate"), _flag(request, "includeWorkers")
    return JSONResponse(
        [
            render.v1_endpoint(e, template=template, workers=workers)
            for e in world.endpoints.values()
        ]
    )


async def get_endpoint(request: Request) -> Response:
    """``GET /endpoints/{endpointId}[?includeTemplate][&includeWorkers]``."""
    world = world_of(request)
    template, workers = _flag(request, "includeTemplate"), _flag(request, "includeWorkers")
    endpoint = _found(world, request, world.find_endpoint, "endpoint_id")
    return JSONResponse(render.v1_endpoint(endpoint, template=template, workers=workers))


async def create_endpoint(request: Request) -> Response:
    """``POST /endpoints``: 200 with the new endpoint."""
    from emulator.vendors.runpod.schemas_v1 import EndpointCreate

    world = world_of(request)
    body = await _body(request, EndpointCreate)
    endpoint = world.add_endpoint(body.to_config(), container=None, names={})
    return JSONResponse(render.v1_endpoint(endpoint))


async def update_endpoint(request: Request) -> Response:
    """``PATCH /endpoints/{endpointId}`` and ``POST /endpoints/{endpointId}/update``."""
    from emulator.vendors.runpod.schemas_v1 import EndpointUpdate

    world = world_of(request)
    endpoint = _found(world, request, world.find_endpoint, "endpoint_id")
    body = await _body(request, EndpointUpdate)
    world.update_endpoint(endpoint, body.to_changes(endpoint.cpuConfigs), names={})
    return JSONResponse(render.v1_endpoint(endpoint))


async def delete_endpoint(request: Request) -> Response:
    """``DELETE /endpoints/{endpointId}``: 204."""
    world = world_of(request)
    _found(world, request, world.delete_endpoint, "endpoint_id")
    return _no_content()


# --------------------------------------------------------------------------- templates


def _template_flags(request: Request) -> tuple[bool, bool]:
    bound = _flag(request, "includeEndpointBoundTemplates")
    _flag(request, "includePublicTemplates")  # other users' public templates: none here
    return bound, _flag(request, "includeRunpodTemplates")


async def list_templates(request: Request) -> Response:
    """``GET /templates``: own templates (bound and RunPod's with their flags)."""
    world = world_of(request)
    bound, official = _template_flags(request)
    library = world.library
    docs = [render.v1_template(t) for t in library.templates.values() if bound or t.boundTo is None]
    if official:
        docs.extend(render.v1_template(t) for t in library.official.values())
    return JSONResponse(docs)


async def get_template(request: Request) -> Response:
    """``GET /templates/{templateId}``."""
    world = world_of(request)
    bound, official = _template_flags(request)
    lookup = world.library.template
    template = _found(
        world, request, lambda i: lookup(i, bound=bound, official=official), "template_id"
    )
    return JSONResponse(render.v1_template(template))


async def create_template(request: Request) -> Response:
    """``POST /templates``: 200 with the new template (names are unique)."""
    from emulator.vendors.runpod.schemas_v1 import TemplateCreate

    world = world_of(request)
    fields = (await _body(request, TemplateCreate)).to_fields()
    world.library.check_template(fields, {})
    return JSONResponse(render.v1_template(world.library.new_template(fields)))


async def update_template(request: Request) -> Response:
    """``PATCH /templates/{templateId}`` and ``POST .../update``: endpoints using it roll."""
    from emulator.vendors.runpod.schemas_v1 import TemplateUpdate

    world = world_of(request)
    template = _found(world, request, world.library.template, "template_id")
    body = await _body(request, TemplateUpdate)
    world.update_template(template, body.given(), {})
    return JSONResponse(render.v1_template(template))


async def delete_template(request: Request) -> Response:
    """``DELETE /templates/{templateId}``: 204; a template in use is a 400."""
    world = world_of(request)
    _found(world, request, world.library.delete_template, "template_id")
    return _no_content()


# --------------------------------------------------------------------------- network volumes


async def list_volumes(request: Request) -> Response:
    """``GET /networkvolumes``."""
    world = world_of(request)
    return JSONResponse([render.v1_volume(v) for v in world.library.volumes.values()])


async def get_volume(request: Request) -> Response:
    """``GET /networkvolumes/{networkVolumeId}``."""
    world = world_of(request)
    return JSONResponse(render.v1_volume(_found(world, request, world.library.volume, "volume_id")))


async def create_volume(request: Request) -> Response:
    """``POST /networkvolumes``: 200 (size 0-4000 GB in a known data center)."""
    from emulator.vendors.runpod.schemas_v1 import NetworkVolumeCreate

    world = world_of(request)
    body = await _body(request, NetworkVolumeCreate)
    volume = world.add_volume(body.name, body.size, body.dataCenterId)
    return JSONResponse(render.v1_volume(volume))


async def update_volume(request: Request) -> Response:
    """``PATCH /networkvolumes/{networkVolumeId}`` and ``POST .../update`` (size only grows)."""
    from emulator.vendors.runpod.schemas_v1 import NetworkVolumeUpdate

    world = world_of(request)
    volume = _found(world, request, world.library.volume, "volume_id")
    body = await _body(request, NetworkVolumeUpdate)
    world.library.update_volume(volume, body.name, body.size)
    return JSONResponse(render.v1_volume(volume))


async def delete_volume(request: Request) -> Response:
    """``DELETE /networkvolumes/{networkVolumeId}``: 204; attached to an endpoint: 400."""
    world = world_of(request)
    _found(world, request, world.library.delete_volume, "volume_id")
    return _no_content()


# --------------------------------------------------------------------------- registry auth


async def list_registries(request: Request) -> Response:
    """``GET /containerregistryauth``."""
    world = world_of(request)
    return JSONResponse([render.registry(r) for r in world.library.registries.values()])


async def get_registry(request: Request) -> Response:
    """``GET /containerregistryauth/{containerRegistryAuthId}``."""
    world = world_of(request)
    return JSONResponse(
        render.registry(_found(world, request, world.library.registry, "registry_id"))
    )


async def create_registry(request: Request) -> Response:
    """``POST /containerregistryauth``: 200 ``{id, name}``."""
    from emulator.vendors.runpod.schemas_v1 import RegistryCreate

    world = world_of(request)
    body = await _body(request, RegistryCreate)
    auth = world.library.new_registry(body.name, body.username, body.password)
    return JSONResponse(render.registry(auth))


async def delete_registry(request: Request) -> Response:
    """``DELETE /containerregistryauth/{containerRegistryAuthId}``: 204."""
    world = world_of(request)
    _found(world, request, world.library.delete_registry, "registry_id")
    return _no_content()


# --------------------------------------------------------------------------- not emulated


async def unimplemented(request: Request) -> Response:
    """Documented v1 operations the emulator does not serve (pods, billing): 501."""
    world_of(request)
    path = request.url.path.split("/v1", 1)[-1]
    raise not_implemented(request.method, "/v1" + path)


def _route(path: str, handler: Any, *methods: str) -> Route:
    return Route(f"/v1{path}", handler, methods=list(methods))


routes = [
    _route("/openapi.json", openapi, "GET"),
    _route("/docs", docs, "GET"),
    _route("/endpoints", list_endpoints, "GET"),
    _route("/endpoints", create_endpoint, "POST"),
    _route("/endpoints/{endpoint_id}", get_endpoint, "GET"),
    _route("/endpoints/{endpoint_id}", update_endpoint, "PATCH"),
    _route("/endpoints/{endpoint_id}", delete_endpoint, "DELETE"),
    _route("/endpoints/{endpoint_id}/update", update_endpoint, "POST"),
    _route("/templates", list_templates, "GET"),
    _route("/templates", create_template, "POST"),
    _route("/templates/{template_id}", get_template, "GET"),
    _route("/templates/{template_id}", update_template, "PATCH"),
    _route("/templates/{template_id}", delete_template, "DELETE"),
    _route("/templates/{template_id}/update", update_template, "POST"),
    _route("/networkvolumes", list_volumes, "GET"),
    _route("/networkvolumes", create_volume, "POST"),
    _route("/networkvolumes/{volume_id}", get_volume, "GET"),
    _route("/networkvolumes/{volume_id}", update_volume, "PATCH"),
    _route("/networkvolumes/{volume_id}", delete_volume, "DELETE"),
    _route("/networkvolumes/{volume_id}/update", update_volume, "POST"),
    _route("/containerregistryauth", list_registries, "GET"),
    _route("/containerregistryauth", create_registry, "POST"),
    _route("/containerregistryauth/{registry_id}", get_registry, "GET"),
    _route("/containerregistryauth/{registry_id}", delete_registry, "DELETE"),
    _route("/pods", unimplemented, "GET", "POST"),
    _route("/pods/{rest:path}", unimplemented, "GET", "POST", "PATCH", "DELETE"),
    _route("/billing/{rest:path}", unimplemented, "GET"),
]
