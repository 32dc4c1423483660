"""``api.runpod.ai/v2/{endpoint_id}/...``: the serverless job API (thin handlers)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.http import JSONResponse, bearer_token, parse, world_for
from emulator.vendors.runpod import render
from emulator.vendors.runpod.errors import (
    bad_request,
    body_too_large,
    invalid_body,
    job_not_found,
    unauthorized,
)
from emulator.vendors.runpod.schemas import RunRequest

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld
    from emulator.vendors.runpod.jobs import Job


def world_of(request: Request) -> RunpodWorld:
    """The caller's RunPod world (``Authorization: Bearer k`` or a raw ``k``)."""
    world: RunpodWorld = world_for(
        request,
        "runpod",
        bearer_token(request, allow_raw=True),
        missing=unauthorized,
        refused=unauthorized,
    )
    return world


def endpoint_of(request: Request) -> tuple[RunpodWorld, Endpoint]:
    """The caller's world and the endpoint named in the path."""
    world = world_of(request)
    return world, world.endpoint(request.path_params["endpoint_id"])


async def _run_request(request: Request, limit: int) -> RunRequest:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)
    body = await request.body()
    if len(body) > limit:
        raise body_too_large(limit)
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise invalid_body(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise invalid_body("a JSON object is required")
    return parse(RunRequest, data, invalid_body)


def _wait_seconds(request: Request, world: RunpodWorld, default_ms: int) -> float:
    raw = request.query_params.get("wait")
    options = world.options
    if raw is None:
        return default_ms / 1000
    try:
        wait_ms = int(raw)
    except ValueError:
        raise bad_request(f"wait: {raw!r} is not an integer number of milliseconds") from None
    low, high = options.wait_min_ms, options.wait_max_ms
    if not low <= wait_ms <= high:
        if options.wait_out_of_range == "reject":
            raise bad_request(f"wait: must be between {low} and {high} milliseconds")
        wait_ms = min(max(wait_ms, low), high)
    return wait_ms / 1000


async def run(request: Request) -> Response:
    """``POST /run``: queue a job, answer ``{"id", "status": "IN_QUEUE"}``."""
    world, endpoint = endpoint_of(request)
    body = await _run_request(request, world.options.max_body_run_bytes)
    job = world.jobs.submit(endpoint, body, sync=False)
    return JSONResponse(render.submitted(job))


async def runsync(request: Request) -> Response:
    """``POST /runsync[?wait=ms]``: the final status document, or the id and a live status."""
    world, endpoint = endpoint_of(request)
    wait = _wait_seconds(request, world, world.options.runsync_wait_default_ms)
    body = await _run_request(request, world.options.max_body_runsync_bytes)
    job = world.jobs.submit(endpoint, body, sync=True)
    await world.jobs.wait(job, wait)
    return JSONResponse(_doc_or_gone(world, job))


def _doc_or_gone(world: RunpodWorld, job: Job) -> dict[str, Any]:
    """The job's status document; the unknown-job error if its TTL removed it meanwhile."""
    if job.removed:
        raise job_not_found(job.id, world.options.unknown_job_status)
    return render.status_doc(job, world.ctx.now)


async def status(request: Request) -> Response:
    """``GET|POST /status/{job_id}``."""
    world, endpoint = endpoint_of(request)
    job = world.jobs.get(endpoint, request.path_params["job_id"])
    return JSONResponse(render.status_doc(job, world.ctx.now))


async def status_sync(request: Request) -> Response:
    """``GET|POST /status-sync/{job_id}[?wait=ms]`` (JS SDK): hold until final or ``wait``."""
    world, endpoint = endpoint_of(request)
    job = world.jobs.get(endpoint, request.path_params["job_id"])
    await world.jobs.wait(job, _wait_seconds(request, world, world.options.runsync_wait_default_ms))
    return JSONResponse(_doc_or_gone(world, job))


async def stream(request: Request) -> Response:
    """``GET|POST /stream/{job_id}[?wait=ms]``: drain buffered chunks (hold with ``wait``)."""
    world, endpoint = endpoint_of(request)
    job = world.jobs.get(endpoint, request.path_params["job_id"])
    if "wait" in request.query_params:
        await world.jobs.wait(job, _wait_seconds(request, world, 0), until_chunks=True)
        endpoint = world.endpoint(endpoint.id)
    return JSONResponse(world.jobs.stream(endpoint, job.id))


async def cancel(request: Request) -> Response:
    """``POST /cancel/{job_id}`` (no body, or ``{}``)."""
    world, endpoint = endpoint_of(request)
    return JSONResponse(world.jobs.cancel(endpoint, request.path_params["job_id"]))


async def retry(request: Request) -> Response:
    """``POST /retry/{job_id}``: FAILED or TIMED_OUT jobs only."""
    world, endpoint = endpoint_of(request)
    return JSONResponse(world.jobs.retry(endpoint, request.path_params["job_id"]))


async def purge_queue(request: Request) -> Response:
    """``POST /purge-queue``."""
    world, endpoint = endpoint_of(request)
    return JSONResponse(world.jobs.purge(endpoint))


async def health(request: Request) -> Response:
    """``GET /health``."""
    world, endpoint = endpoint_of(request)
    return JSONResponse(world.jobs.health(endpoint))


PREFIX = "/v2/{endpoint_id}"

routes = [
    Route(f"{PREFIX}/run", run, methods=["POST"]),
    Route(f"{PREFIX}/runsync", runsync, methods=["POST"]),
    Route(f"{PREFIX}/status/{{job_id}}", status, methods=["GET", "POST"]),
    Route(f"{PREFIX}/status-sync/{{job_id}}", status_sync, methods=["GET", "POST"]),
    Route(f"{PREFIX}/stream/{{job_id}}", stream, methods=["GET", "POST"]),
    Route(f"{PREFIX}/cancel/{{job_id}}", cancel, methods=["POST"]),
    Route(f"{PREFIX}/retry/{{job_id}}", retry, methods=["POST"]),
    Route(f"{PREFIX}/purge-queue", purge_queue, methods=["POST"]),
    Route(f"{PREFIX}/health", health, methods=["GET"]),
]
