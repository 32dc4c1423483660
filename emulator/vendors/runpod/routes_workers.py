"""``api.runpod.ai/v2/{endpoint_id}/job-take|job-stop|job-done|job-stream|ping/...``: the
worker-side protocol real ``runpod.serverless.start`` workers speak (thin handlers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.http import JSONResponse
from emulator.vendors.runpod.errors import bad_request
from emulator.vendors.runpod.routes_jobs import PREFIX, endpoint_of

NO_CONTENT = 204


async def job_take(request: Request) -> Response:
    """``GET /job-take/{worker_id}``: one job (200) or nothing within the poll window (204)."""
    world, endpoint = endpoint_of(request)
    jobs = await world.workers.take(endpoint, request.path_params["worker_id"], 1)
    if not jobs:
        return Response(status_code=NO_CONTENT)
    return JSONResponse(jobs[0])


async def job_take_batch(request: Request) -> Response:
    """``GET /job-take-batch/{worker_id}?batch_size=N``: a list of jobs (200) or 204."""
    world, endpoint = endpoint_of(request)
    raw = request.query_params.get("batch_size", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request(f"batch_size: {raw!r} is not a positive integer")
    jobs = await world.workers.take(endpoint, request.path_params["worker_id"], int(raw))
    if not jobs:
        return Response(status_code=NO_CONTENT)
    return JSONResponse(jobs)


async def job_stop(request: Request) -> Response:
    """``GET /job-stop/{worker_id}``: ``{"jobsToStop": [...]}`` (200) or 204."""
    world, endpoint = endpoint_of(request)
    stop = await world.workers.stop_signals(endpoint, request.path_params["worker_id"])
    if not stop:
        return Response(status_code=NO_CONTENT)
    return JSONResponse({"jobsToStop": stop})


async def job_done(request: Request) -> Response:
    """``POST /job-done/{worker_id}/{job_id}?isStream=true|false``: result or progress."""
    world, endpoint = endpoint_of(request)
    params = request.path_params
    body = await request.body()
    world.workers.done(endpoint, params["worker_id"], params["job_id"], body)
    return Response(status_code=200)


async def job_stream(request: Request) -> Response:
    """``POST /job-stream/{worker_id}/{job_id}``: one stream chunk."""
    world, endpoint = endpoint_of(request)
    params = request.path_params
    world.workers.stream(endpoint, params["worker_id"], params["job_id"], await request.body())
    return Response(status_code=200)


async def ping(request: Request) -> Response:
    """``GET /ping/{worker_id}?job_id=...&runpod_version=...``: heartbeat."""
    world, endpoint = endpoint_of(request)
    version = request.query_params.get("runpod_version")
    world.workers.ping(endpoint, request.path_params["worker_id"], version)
    return Response(status_code=200)


routes = [
    Route(f"{PREFIX}/job-take/{{worker_id}}", job_take, methods=["GET"]),
    Route(f"{PREFIX}/job-take-batch/{{worker_id}}", job_take_batch, methods=["GET"]),
    Route(f"{PREFIX}/job-stop/{{worker_id}}", job_stop, methods=["GET"]),
    Route(f"{PREFIX}/job-done/{{worker_id}}/{{job_id}}", job_done, methods=["POST"]),
    Route(f"{PREFIX}/job-stream/{{worker_id}}/{{job_id}}", job_stream, methods=["POST"]),
    Route(f"{PREFIX}/ping/{{worker_id}}", ping, methods=["GET"]),
]
