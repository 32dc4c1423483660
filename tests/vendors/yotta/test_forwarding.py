"""Tasks forwarded to a real worker: POST ``{worker_base_url}{processUri}`` with the headers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from yottaml.skywalker import SkywalkerTaskApi

from emulator.server import ThreadedServer
from tests.vendors.yotta.conftest import RESOURCES, create_body


async def generate(request: Request) -> Response:
    body = await request.json()
    return JSONResponse(
        {
            "text": f"echo: {body['prompt']}",
            "authorization": request.headers.get("authorization"),
            "contentType": request.headers.get("content-type"),
        }
    )


async def broken(request: Request) -> Response:
    return JSONResponse({"detail": "model not loaded"}, status_code=503)


@pytest.fixture(scope="module")
def worker_url() -> Iterator[str]:
    """A real worker process answering on ``/v1/generate`` (and failing on ``/broken``)."""
    app = Starlette(
        routes=[
            Route("/v1/generate", generate, methods=["POST"]),
            Route("/broken", broken, methods=["POST"]),
        ]
    )
    with ThreadedServer(app) as server:
        yield server.url


def _fixture_endpoint(gpu_emulator: Any, base_url: str) -> str:
    endpoint_id = "378888638324150969"
    gpu_emulator.load(
        {
            "yotta": {
                "endpoints": [
                    {
                        **create_body(name="real-worker", workers=1),
                        "id": endpoint_id,
                        "worker_base_url": base_url,
                    }
                ]
            }
        }
    )
    return endpoint_id


def test_a_fixture_endpoint_forwards_to_its_worker(
    gpu_emulator: Any, sky: SkywalkerTaskApi, worker_url: str
) -> None:
    endpoint_id = _fixture_endpoint(gpu_emulator, worker_url)
    submitted = sky.create_task(
        endpoint_id=endpoint_id,
        task_id="fwd_1",
        worker_port=8000,
        process_uri="v1/generate",
        input={"prompt": "hello"},
        headers={"Authorization": "Bearer worker-token"},
    )
    assert submitted["data"] == {"taskId": "fwd_1"}
    gpu_emulator.advance(0)  # let the forwarded request answer
    task = sky.get_task(endpoint_id=endpoint_id, task_id="fwd_1")["data"]
    assert task["status"] == "SUCCESS"
    assert task["output"] == {
        "text": "echo: hello",
        "authorization": "Bearer worker-token",
        "contentType": "application/json",
    }
    assert task["workerUrl"] == f"{worker_url}/v1/generate"


def test_a_worker_error_fails_the_task(
    gpu_emulator: Any, sky: SkywalkerTaskApi, worker_url: str
) -> None:
    endpoint_id = _fixture_endpoint(gpu_emulator, worker_url)
    sky.create_task(
        endpoint_id=endpoint_id, task_id="fwd_2", worker_port=8000, process_uri="/broken", input=[1]
    )
    gpu_emulator.advance(0)
    task = sky.get_task(endpoint_id=endpoint_id, task_id="fwd_2")["data"]
    assert task["status"] == "FAILED"
    assert task["error"] == 'worker answered HTTP 503: {"detail":"model not loaded"}'
    assert task["output"] is None


def test_an_unreachable_worker_fails_the_task(gpu_emulator: Any, sky: SkywalkerTaskApi) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    endpoint_id = _fixture_endpoint(gpu_emulator, dead)
    sky.create_task(
        endpoint_id=endpoint_id, task_id="fwd_3", worker_port=8000, process_uri="/x", input={"a": 1}
    )
    gpu_emulator.advance(0)
    task = sky.get_task(endpoint_id=endpoint_id, task_id="fwd_3")["data"]
    assert task["status"] == "FAILED"
    assert task["error"].startswith("worker unreachable: ConnectError")


def test_the_option_points_api_created_endpoints_at_a_worker(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, worker_url: str
) -> None:
    gpu_emulator.load({"yotta": {"options": {"worker_base_url": worker_url}}})
    body = create_body(workers=1, resources=RESOURCES)
    endpoint_id = http.post("/v2/serverless", json=body).json()["data"]["id"]
    sky.create_task(
        endpoint_id=endpoint_id,
        task_id="fwd_4",
        worker_port=8000,
        process_uri="/v1/generate",
        input={"prompt": "queued first"},
    )
    gpu_emulator.advance(20)  # cold start, then the forward
    task = sky.get_task(endpoint_id=endpoint_id, task_id="fwd_4")["data"]
    assert (task["status"], task["output"]["text"]) == ("SUCCESS", "echo: queued first")
