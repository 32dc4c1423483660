"""The live data plane: requests to an endpoint's ``url`` queue, scale workers, run and answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.server import ThreadedServer
from tests.vendors.ppio.conftest import (
    KEY,
    NOVITA,
    Burst,
    assert_error,
    body,
    endpoint_schema,
    get,
    in_flight,
    validate,
    wait_until,
    worker_config,
)

BEHAVIOUR = {"cold_start": 20, "execution": 10, "shutdown": 5}


def options(**behaviour: Any) -> list[dict[str, Any]]:
    """Fixtures: endpoints are created at once, their workers behave as given."""
    opts = {"create_seconds": 0, "behaviour": {**BEHAVIOUR, **behaviour}}
    return [{"ppio": {"options": opts}, "novita": {"options": opts}}]


def make(client: httpx.Client, policy: dict[str, Any], **config: Any) -> tuple[str, str]:
    """Create an endpoint; returns its id and data-plane URL."""
    created = client.post(
        "/gpus/v2/endpoints", json=body(policy=policy, worker_config=worker_config(**config))
    )
    assert created.status_code == 200, created.text
    endpoint_id = created.json()["id"]
    return endpoint_id, get(client, endpoint_id)["url"]


def workers(client: httpx.Client, endpoint_id: str) -> list[dict[str, Any]]:
    """The endpoint's ``workers[]`` (validated against the spec on the way)."""
    found = get(client, endpoint_id)
    validate(found, endpoint_schema())
    listed: list[dict[str, Any]] = found["workers"]
    return listed


def states(client: httpx.Client, endpoint_id: str) -> list[tuple[str, bool, bool]]:
    """(status, health, drain) of each worker."""
    return [(w["status"]["status"], w["health"], w["drain"]) for w in workers(client, endpoint_id)]


def burst(gpu_emulator: Any, endpoint_id: str, url: str, count: int, **kwargs: Any) -> Burst:
    """``count`` concurrent POSTs to ``url/run``; returns once all are queued on the endpoint."""
    sender = Burst()
    for n in range(count):
        sender.send("POST", f"{url}/run", json={"n": n}, **kwargs)
    wait_until(lambda: in_flight(gpu_emulator, endpoint_id) == count, f"{count} requests queued")
    return sender


@pytest.mark.gpu_emulator(fixtures=options())
def test_a_burst_under_concurrency_scales_to_max_replicas_then_idles_back_to_min(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(
        ppio,
        {"type": "concurrency", "value": 1},
        min_replicas=0,
        max_replicas=3,
        max_concurrent_per_worker=1,
        idle_timeout=30,
        request_timeout=300,
    )
    assert workers(ppio, endpoint_id) == []  # min_replicas 0: nothing until traffic
    sender = burst(gpu_emulator, endpoint_id, url, 6)
    # desired = ceil(6 in flight / 1), capped at max_replicas: three cold starts at once
    assert states(ppio, endpoint_id) == [("pulling", False, False)] * 3
    gpu_emulator.advance(19.9)
    assert states(ppio, endpoint_id) == [("pulling", False, False)] * 3
    gpu_emulator.advance(0.1)  # t=20: warm; each takes one request (max_concurrent_per_worker)
    assert states(ppio, endpoint_id) == [("ready", True, False)] * 3
    assert in_flight(gpu_emulator, endpoint_id) == 6
    gpu_emulator.advance(10)  # t=30: the first three answered, the next three start
    wait_until(lambda: len(sender.responses) == 3, "three answers")
    assert in_flight(gpu_emulator, endpoint_id) == 3
    gpu_emulator.advance(10)  # t=40: all answered
    responses = sender.join()
    assert sorted(r.json()["n"] for r in responses) == list(range(6))  # echo
    assert all(r.status_code == 200 for r in responses)
    assert len(workers(ppio, endpoint_id)) == 3
    gpu_emulator.advance(29.9)
    assert states(ppio, endpoint_id) == [("ready", True, False)] * 3
    gpu_emulator.advance(0.1)  # t=70: idle_timeout passed: scale to min_replicas, draining
    assert states(ppio, endpoint_id) == [("ready", True, True)] * 3
    gpu_emulator.advance(5)  # the behaviour's shutdown time
    assert workers(ppio, endpoint_id) == []
    assert get(ppio, endpoint_id)["status"]["status"] == "running"


@pytest.mark.gpu_emulator(fixtures=options(execution=100))
def test_the_queue_policy_adds_a_worker_each_time_a_request_waited_value_seconds(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(
        ppio,
        {"type": "queue", "value": 10},
        min_replicas=1,
        max_replicas=3,
        max_concurrent_per_worker=1,
        idle_timeout=60,
        request_timeout=1800,
    )
    gpu_emulator.advance(20)
    assert states(ppio, endpoint_id) == [("ready", True, False)]  # min_replicas, warm
    sender = burst(gpu_emulator, endpoint_id, url, 4)  # one runs, three wait
    counts = []
    for step in (9.9, 0.1, 9.9, 0.1, 9.9, 0.1):
        gpu_emulator.advance(step)
        counts.append(len(workers(ppio, endpoint_id)))
    assert counts == [1, 2, 2, 3, 3, 3]  # at t=+10 and t=+20, capped at max_replicas
    gpu_emulator.advance(20)  # both new workers warm (+30, +40): three requests running
    assert [s for s, _, _ in states(ppio, endpoint_id)] == ["ready"] * 3
    assert in_flight(gpu_emulator, endpoint_id) == 4
    gpu_emulator.advance(200)
    assert all(r.status_code == 200 for r in sender.join())
    gpu_emulator.advance(100)  # idle: back to min_replicas
    assert len(workers(ppio, endpoint_id)) == 1


@pytest.mark.gpu_emulator(fixtures=options())
def test_max_concurrent_per_worker_shares_one_worker(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id, url = make(
        ppio,
        {"type": "concurrency", "value": 4},
        max_replicas=5,
        max_concurrent_per_worker=4,
        idle_timeout=30,
    )
    sender = burst(gpu_emulator, endpoint_id, url, 4)
    assert len(workers(ppio, endpoint_id)) == 1  # ceil(4 / 4)
    gpu_emulator.advance(30)  # one cold start, then all four run side by side
    assert [r.status_code for r in sender.join()] == [200] * 4


@pytest.mark.gpu_emulator(fixtures=options(execution=100))
def test_request_timeout_answers_504_and_frees_the_worker(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(
        ppio, {"type": "concurrency", "value": 1}, max_replicas=1, request_timeout=30
    )
    sender = burst(gpu_emulator, endpoint_id, url, 1)
    gpu_emulator.advance(29)
    assert in_flight(gpu_emulator, endpoint_id) == 1
    gpu_emulator.advance(1)
    (response,) = sender.join()
    error = assert_error(response, 504, "REQUEST_TIMEOUT")
    assert error["message"] == "request timed out after 30s"
    assert in_flight(gpu_emulator, endpoint_id) == 0
    assert states(ppio, endpoint_id) == [("ready", True, False)]


@pytest.mark.gpu_emulator(fixtures=options())
def test_a_scaled_to_zero_endpoint_cold_starts_again(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id, url = make(
        ppio, {"type": "queue", "value": 5}, max_replicas=1, idle_timeout=10, request_timeout=600
    )
    first = burst(gpu_emulator, endpoint_id, url, 1)
    gpu_emulator.advance(30)
    assert first.join()[0].status_code == 200
    gpu_emulator.advance(15)  # idle 10 s, shutdown 5 s
    assert workers(ppio, endpoint_id) == []
    second = burst(gpu_emulator, endpoint_id, url, 1)
    assert states(ppio, endpoint_id) == [("pulling", False, False)]
    gpu_emulator.advance(29.9)
    assert in_flight(gpu_emulator, endpoint_id) == 1  # 20 s cold start + 10 s run
    gpu_emulator.advance(0.1)
    assert second.join()[0].json() == {"n": 0}


@pytest.mark.gpu_emulator(fixtures=options(cold_start=0, execution=1, output={"value": {"ok": 1}}))
def test_a_fixed_output_behaviour_answers_every_request(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = Burst()
    sender.send("GET", f"{url}/anything?x=1")
    wait_until(lambda: in_flight(gpu_emulator, endpoint_id) == 1, "queued")
    gpu_emulator.advance(1)
    (response,) = sender.join()
    assert response.status_code == 200
    assert response.json() == {"ok": 1}


@pytest.mark.gpu_emulator(fixtures=options(cold_start=0, execution=1))
def test_echo_returns_a_text_body_with_its_content_type(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = Burst()
    sender.send("PUT", url, content=b"hello world", headers={"Content-Type": "text/plain"})
    wait_until(lambda: in_flight(gpu_emulator, endpoint_id) == 1, "queued")
    gpu_emulator.advance(1)
    (response,) = sender.join()
    assert response.status_code == 200
    assert response.text == "hello world"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.gpu_emulator(fixtures=options(cold_start=0, failure_rate=1.0, error="CUDA OOM"))
def test_a_failing_worker_answers_500_worker_error(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = burst(gpu_emulator, endpoint_id, url, 1)
    gpu_emulator.advance(10)
    error = assert_error(sender.join()[0], 500, "WORKER_ERROR")
    assert error["message"] == "CUDA OOM"


@pytest.mark.gpu_emulator(fixtures=options())
def test_deleting_an_endpoint_ends_its_requests_503(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = burst(gpu_emulator, endpoint_id, url, 2)
    assert ppio.delete(f"/gpus/v2/endpoints/{endpoint_id}").status_code == 200
    for response in sender.join():
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert_error(
        httpx.post(f"{url}/run", headers={"Authorization": f"Bearer {KEY}"}), 404, "NOT_FOUND"
    )


@pytest.mark.gpu_emulator(fixtures=options())
def test_requests_before_the_endpoint_is_running_wait_for_it(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    gpu_emulator.load({"ppio": {"options": {"create_seconds": 10}}})
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = burst(gpu_emulator, endpoint_id, url, 1)
    assert workers(ppio, endpoint_id) == []  # still creating: no workers yet
    gpu_emulator.advance(10)
    assert states(ppio, endpoint_id) == [("pulling", False, False)]
    gpu_emulator.advance(30)
    assert sender.join()[0].json() == {"n": 0}


def test_the_data_plane_needs_the_tenants_key(gpu_emulator: Any, ppio: httpx.Client) -> None:
    _endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    assert_error(httpx.post(f"{url}/run"), 401, "UNAUTHORIZED")
    other = httpx.post(f"{url}/run", headers={"Authorization": "Bearer sk_someone_else"})
    assert_error(other, 404, "NOT_FOUND")


@pytest.mark.gpu_emulator(fixtures=[{"ppio": {"options": {"wall_timeout": 0.2}}}])
def test_a_client_never_hangs_longer_than_the_wall_bound(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    response = httpx.post(f"{url}/run", json={}, headers={"Authorization": f"Bearer {KEY}"})
    assert_error(response, 504, "REQUEST_TIMEOUT")
    assert in_flight(gpu_emulator, endpoint_id) == 0  # the abandoned request left the queue


@pytest.mark.gpu_emulator(fixtures=options(cold_start=0, execution=1))
def test_novita_has_its_own_data_plane(gpu_emulator: Any, novita: httpx.Client) -> None:
    endpoint_id, url = make(novita, {"type": "concurrency", "value": 1}, max_replicas=1)
    assert url == gpu_emulator.url(NOVITA, f"/serverless/{endpoint_id}")
    sender = Burst()
    sender.send("POST", f"{url}/run", json={"hi": True})
    wait_until(lambda: in_flight(gpu_emulator, endpoint_id, vendor="novita") == 1, "queued")
    gpu_emulator.advance(1)
    assert sender.join()[0].json() == {"hi": True}


# ---------------------------------------------------------------------------- forwarding


async def _worker_app(request: Request) -> Response:
    """A stand-in for the user's real worker: reports what it received."""
    raw = await request.body()
    report = {
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "body": json.loads(raw) if raw else None,
        "custom": request.headers.get("x-custom"),
        "authorization": request.headers.get("authorization"),
    }
    return Response(json.dumps(report), status_code=201, media_type="application/json")


@pytest.fixture
def real_worker() -> Iterator[str]:
    """A real HTTP worker on a free port."""
    app = Starlette(routes=[Route("/{path:path}", _worker_app, methods=["GET", "POST", "PUT"])])
    with ThreadedServer(app) as server:
        yield server.url


def test_a_forward_url_sends_the_request_to_a_real_worker_with_the_same_path(
    gpu_emulator: Any, ppio: httpx.Client, real_worker: str
) -> None:
    gpu_emulator.load(
        {
            "ppio": {
                "options": {
                    "create_seconds": 0,
                    "behaviour": {"cold_start": 5, "forward_url": real_worker},
                }
            }
        }
    )
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = Burst()
    sender.send("POST", f"{url}/v1/predict?steps=3", json={"x": 1}, headers={"X-Custom": "yes"})
    wait_until(lambda: in_flight(gpu_emulator, endpoint_id) == 1, "queued")
    gpu_emulator.advance(5)  # cold start, then the forwarded call (real I/O) settles
    (response,) = sender.join()
    assert response.status_code == 201
    assert response.json() == {
        "method": "POST",
        "path": "/v1/predict",
        "query": "steps=3",
        "body": {"x": 1},
        "custom": "yes",
        "authorization": None,  # the platform key is not passed on to the worker
    }


def test_an_unreachable_forward_url_is_502(gpu_emulator: Any, ppio: httpx.Client) -> None:
    gpu_emulator.load(
        {
            "ppio": {
                "options": {
                    "create_seconds": 0,
                    "behaviour": {"cold_start": 0, "forward_url": "http://127.0.0.1:9"},
                }
            }
        }
    )
    endpoint_id, url = make(ppio, {"type": "concurrency", "value": 1}, max_replicas=1)
    sender = burst(gpu_emulator, endpoint_id, url, 1)
    gpu_emulator.advance(1)
    assert_error(sender.join()[0], 502, "BAD_GATEWAY")


@pytest.mark.gpu_emulator(fixtures=options(crash_loop=True, restart_delay=30))
def test_a_worker_that_cannot_start_shows_failed_and_unhealthy(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id, _ = make(ppio, {"type": "concurrency", "value": 1}, min_replicas=1)
    gpu_emulator.advance(20)
    (worker,) = workers(ppio, endpoint_id)
    assert worker["status"] == {
        "status": "failed",
        "error": "WORKER_START_FAILED",
        "message": "the worker failed to start; it will be restarted",
    }
    assert (worker["health"], worker["drain"]) == (False, False)
    gpu_emulator.advance(30)  # restarted: pulling again
    assert states(ppio, endpoint_id) == [("pulling", False, False)]
    assert get(ppio, endpoint_id)["status"]["status"] == "running"
