"""Wire JSON of endpoints and workers, and the HTTP answer of a data-plane invocation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from emulator.core.tasks import Task, TaskState
from emulator.core.workers import Worker, WorkerState
from emulator.http import JSONResponse
from emulator.vendors.ppio import errors
from emulator.vendors.ppio.backend import Call, Endpoint, WorkerLog, forwarded
from emulator.vendors.ppio.schemas import PpioOptions

_HEALTHY = frozenset({WorkerState.IDLE, WorkerState.RUNNING, WorkerState.DRAINING})
_UNHEALTHY, _DRAINING = WorkerState.UNHEALTHY, WorkerState.DRAINING
_VALUE = {state: state.value for state in WorkerState}  # enum .value is a slow property
_UNHEALTHY_ERROR = "WORKER_START_FAILED"
_UNHEALTHY_MESSAGE = "the worker failed to start; it will be restarted"
# Response headers that belong to the hop to the real worker, not to the client's answer.
_HOP_HEADERS = frozenset({"content-length", "connection", "keep-alive", "transfer-encoding"})


def endpoint_url(base: str, endpoint_id: str) -> str:
    """The endpoint's data-plane URL (any request below it is an invocation)."""
    return f"{base}/serverless/{endpoint_id}"


def worker_json(
    worker: Worker, endpoint_id: str, options: PpioOptions, base: str
) -> dict[str, Any]:
    """One ``workers[]`` entry."""
    state = worker.state
    value = _VALUE[state]
    unhealthy = state == _UNHEALTHY
    return {
        "id": worker.id,
        "status": {
            "status": getattr(options.worker_status, value, value),
            "error": _UNHEALTHY_ERROR if unhealthy else "",
            "message": _UNHEALTHY_MESSAGE if unhealthy else "",
        },
        "log": f"{base}/logs/{endpoint_id}/{worker.id}",
        "health": state in _HEALTHY,
        "drain": state == _DRAINING,
    }


def endpoint_json(endpoint: Endpoint, options: PpioOptions, base: str) -> dict[str, Any]:
    """The endpoint object of list items and of ``GET /gpus/v2/endpoints/{id}``.

    The nested values are the endpoint's own (no copies): the document is serialized at once.
    """
    endpoint_id = endpoint.id
    return {
        "id": endpoint_id,
        "type": endpoint.type,
        "name": endpoint.name,
        "app_name": endpoint.app_name,
        "status": {
            "status": getattr(options.endpoint_status, endpoint.phase),
            "error": endpoint.error,
            "message": endpoint.message,
        },
        "url": f"{base}/serverless/{endpoint_id}",
        "product_id": endpoint.product_id,
        "worker_config": endpoint.worker_config,
        "policy": endpoint.policy,
        "image": endpoint.image,
        "registry_auth_id": endpoint.registry_auth_id,
        "entrypoint": endpoint.entrypoint,
        "command": endpoint.command,
        "volumes": endpoint.volumes,
        "envs": endpoint.envs,
        "ports": endpoint.ports,
        "workers": [
            worker_json(w, endpoint_id, options, base) for w in endpoint.pool.workers.values()
        ],
        "health_check": endpoint.health_check,
        "region_id": endpoint.region_id,
        "member_id": endpoint.member_id,
        "owner_id": endpoint.owner_id,
        "created_at": endpoint.created_at,
    }


def worker_log(worker: Worker, options: PpioOptions) -> str:
    """The text served at a worker's ``log`` URL: its state history, one line each."""
    log = worker.data
    lines = log.lines if isinstance(log, WorkerLog) else ()
    out = []
    for at, state in lines:
        stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        shown = getattr(options.worker_status, state, state)
        out.append(f"{stamp} worker {worker.id} {state} ({shown})\n")
    return "".join(out)


def call_response(task: Task) -> Response:
    """The answer to a data-plane request once its task ended."""
    call: Call = task.data
    state = task.state
    if state == TaskState.COMPLETED:
        result = forwarded(task.output)
        if result is not None:
            headers = {k: v for k, v in result.headers if k.lower() not in _HOP_HEADERS}
            return Response(result.body, status_code=result.status or 200, headers=headers)
        output = task.output
        if output is None and not call.body:
            return Response(b"", status_code=200)
        if isinstance(output, str) and not call.is_json:
            return Response(output.encode(), media_type=call.content_type or "text/plain")
        return JSONResponse(output)
    if state == TaskState.FAILED:
        reason = "BAD_GATEWAY" if call.forward_failed else "WORKER_ERROR"
        raise errors.error(reason, task.error or "worker error")
    if call.timed_out or state == TaskState.TIMED_OUT:
        message = errors.MSG_REQUEST_TIMEOUT.format(seconds=call.timeout)
        raise errors.error("REQUEST_TIMEOUT", message)
    raise errors.error("SERVICE_UNAVAILABLE", errors.MSG_ENDPOINT_GONE)
