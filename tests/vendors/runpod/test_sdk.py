"""The official ``runpod`` SDK (1.12.0), pointed at the emulator only by its base URL."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.vendors.runpod.support import KEY, ClockDriver

EP = "sdkendpoint001"
STREAMER = "sdkstreamer001"
BROKEN = "sdkbroken00001"
ENDPOINTS = {
    "behaviours": {
        "default": {"cold_start": 20, "execution": 2, "shutdown": 0},
        "streamer": {"cold_start": 20, "execution": 4, "stream_chunks": 3},
        "broken": {"cold_start": 20, "execution": 1, "failure_rate": 1.0, "error": "CUDA OOM"},
    },
    "runpod": {
        "endpoints": [
            {"id": EP, "workersMax": 2},
            {"id": STREAMER, "behaviour": "streamer"},
            {"id": BROKEN, "behaviour": "broken"},
        ]
    },
}

pytestmark = pytest.mark.gpu_emulator(fixtures=[ENDPOINTS])


def test_run_then_status_then_output(gpu_emulator: Any, runpod_sdk: Any) -> None:
    endpoint = runpod_sdk.Endpoint(EP)
    job = endpoint.run({"prompt": "a cat"})
    assert job.status() == "IN_QUEUE"
    gpu_emulator.advance(20)
    assert job.status() == "IN_PROGRESS"
    gpu_emulator.advance(2)
    assert job.status() == "COMPLETED"
    assert job.output() == {"prompt": "a cat"}


def test_run_passes_webhook_and_policy_through(
    gpu_emulator: Any, runpod_sdk: Any, receiver: Any
) -> None:
    endpoint = runpod_sdk.Endpoint(EP)
    job = endpoint.run(
        {"input": {"n": 1}, "webhook": f"{receiver.url}/done", "policy": {"executionTimeout": 5000}}
    )
    gpu_emulator.advance(22)
    assert job.status() == "COMPLETED"
    assert receiver.hits[0].body["id"] == job.job_id
    assert receiver.hits[0].body["input"] == {"n": 1}


def test_output_with_a_timeout_polls_until_done(gpu_emulator: Any, runpod_sdk: Any) -> None:
    job = runpod_sdk.Endpoint(EP).run({"n": 2})
    with ClockDriver(gpu_emulator.base_url, step=5):
        assert job.output(timeout=60) == {"n": 2}


def test_run_sync_returns_the_output(gpu_emulator: Any, runpod_sdk: Any) -> None:
    with ClockDriver(gpu_emulator.base_url):
        assert runpod_sdk.Endpoint(EP).run_sync({"n": 3}, timeout=60) == {"n": 3}
        assert runpod_sdk.Endpoint(BROKEN).run_sync({"n": 4}, timeout=60) is None


def test_stream_yields_every_chunk_and_terminates(gpu_emulator: Any, runpod_sdk: Any) -> None:
    job = runpod_sdk.Endpoint(STREAMER).run({"input": "abcdef"})
    with ClockDriver(gpu_emulator.base_url):
        assert list(job.stream()) == ["ab", "cd", "ef"]
    assert job.status() == "COMPLETED"


def test_cancel_health_and_purge_queue(gpu_emulator: Any, runpod_sdk: Any) -> None:
    endpoint = runpod_sdk.Endpoint(EP)
    jobs = [endpoint.run({"n": n}) for n in range(4)]
    assert jobs[0].cancel() == {"id": jobs[0].job_id, "status": "CANCELLED"}
    assert jobs[0].status() == "CANCELLED"
    health = endpoint.health()
    assert health["jobs"]["inQueue"] == 3
    assert health["workers"]["initializing"] == 1
    assert endpoint.purge_queue() == {"removed": 3, "status": "completed"}
    assert endpoint.health()["jobs"]["inQueue"] == 0


def test_errors_surface_as_the_sdk_reports_them(gpu_emulator: Any, runpod_sdk: Any) -> None:
    job = runpod_sdk.Endpoint(BROKEN).run({"n": 1})
    gpu_emulator.advance(21)
    assert job.status() == "FAILED"
    assert job.output() is None  # the SDK never raises on FAILED
    missing = runpod_sdk.Endpoint("nosuchendpoint")
    with pytest.raises(requests.HTTPError, match="404"):
        missing.health()


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": KEY}]}, ENDPOINTS])
def test_a_refused_key_is_the_sdks_401_error(runpod_sdk: Any) -> None:
    assert runpod_sdk.Endpoint(EP).health()["jobs"]["inQueue"] == 0
    with pytest.raises(RuntimeError, match="401 Unauthorized"):
        runpod_sdk.Endpoint(EP, api_key="not-declared").health()


@pytest.mark.anyio
async def test_the_asyncio_endpoint_end_to_end(gpu_emulator: Any, runpod_sdk: Any) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        endpoint = runpod_sdk.AsyncioEndpoint(EP, session)
        job = await endpoint.run({"prompt": "async"})
        assert await job.status() == "IN_QUEUE"
        with ClockDriver(gpu_emulator.base_url):
            assert await job.output(timeout=60) == {"prompt": "async"}
        assert await job.status() == "COMPLETED"

        streaming = await runpod_sdk.AsyncioEndpoint(STREAMER, session).run("abcdef")
        with ClockDriver(gpu_emulator.base_url):
            assert [chunk async for chunk in streaming.stream()] == ["ab", "cd", "ef"]

        queued = [await endpoint.run({"n": n}) for n in range(3)]
        assert await queued[0].cancel() == {"id": queued[0].job_id, "status": "CANCELLED"}
        health = await endpoint.health()
        assert health["jobs"]["inQueue"] == 2
        assert await endpoint.purge_queue() == {"removed": 2, "status": "completed"}
        assert (await endpoint.health())["jobs"]["inQueue"] == 0
