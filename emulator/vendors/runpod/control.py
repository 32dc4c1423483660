"""RunPod's additions to the control plane: attach real workers (admin route and CLI command).

``POST /_emulator/runpod/external-workers`` with ``{"endpoint_id", "api_key"[, "url"]}`` puts
the endpoint in external-worker mode and answers ``{"env": {...}}``: what one
``runpod.serverless.start`` process needs to serve it. ``gpu-emulator runpod-worker-env``
prints the same as ``export`` lines.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.hosting import VendorCommand
from emulator.http import JSONResponse, state_of

ADMIN_PATH = "/_emulator/runpod/external-workers"


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: a non-empty string is required")
    return value


async def external_workers(request: Request) -> Response:
    """Attach real workers to an endpoint: answers the env of one worker process."""
    state = state_of(request)
    state.sync()
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        endpoint_id = _text(body, "endpoint_id")
        api_key = _text(body, "api_key")
        url = _text(body, "url", required=False)
    except ValueError as exc:
        return _error(400, str(exc))
    if endpoint_id is None or api_key is None:  # required above; narrows the types
        return _error(400, "endpoint_id and api_key are required")
    tenant = state.tenants.lookup(api_key)
    if tenant is None:
        return _error(403, "api_key: refused (the emulator runs with auth: strict)")
    world = state.world(tenant, "runpod")
    endpoint = world.endpoints.get(endpoint_id)
    if endpoint is None:
        return _error(404, f"endpoint_id: no endpoint {endpoint_id} for this api_key")
    origin = url or f"{request.url.scheme}://{request.url.netloc}"
    return JSONResponse({"env": world.workers.environment(endpoint, api_key, origin)})


admin_routes = (Route("/external-workers", external_workers, methods=["POST"]),)


# ---------------------------------------------------------------------- CLI


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", required=True, help="endpoint id to serve")
    parser.add_argument("--api-key", required=True, help="the API key (tenant) owning it")
    parser.add_argument(
        "--url",
        help="emulator base URL (default: EMULATOR_URL, else http://127.0.0.1:8000)",
    )


def _run(args: argparse.Namespace) -> int:
    import httpx

    base = (args.url or os.environ.get("EMULATOR_URL") or "http://127.0.0.1:8000").rstrip("/")
    body = {"endpoint_id": args.endpoint, "api_key": args.api_key, "url": base}
    try:
        response = httpx.post(base + ADMIN_PATH, json=body, timeout=30, trust_env=False)
    except httpx.HTTPError as exc:
        print(f"gpu-emulator: cannot reach the emulator at {base}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        try:
            message = response.json().get("error", response.text)
        except ValueError:
            message = response.text
        print(f"gpu-emulator: {response.status_code} {message}", file=sys.stderr)
        return 1
    for name, value in response.json()["env"].items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


worker_env_command = VendorCommand(
    name="runpod-worker-env",
    help="print the env of a real runpod.serverless.start worker serving an emulated endpoint",
    add_arguments=_arguments,
    run=_run,
)
