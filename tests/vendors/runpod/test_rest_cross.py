"""One world behind three hosts: REST v1, REST v2 and the job API see the same endpoints."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.runpod.support import ClockDriver, fixture

pytestmark = pytest.mark.gpu_emulator(fixtures=[fixture()])


def _v1_endpoint(v1: httpx.Client) -> dict[str, Any]:
    tpl = v1.post(
        "/templates",
        json={"name": "w", "imageName": "me/w:1", "isServerless": True, "env": {"A": "1"}},
    ).json()
    created: dict[str, Any] = v1.post(
        "/endpoints",
        json={"templateId": tpl["id"], "name": "cross", "gpuTypeIds": ["NVIDIA A40"]},
    ).json()
    return created


def _v2_endpoint(v2: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = v2.post(
        "/serverless",
        json={
            "name": "cross",
            "type": "QUEUE",
            "image": "me/w:2",
            "env": {"B": "2"},
            "gpu": {"pools": ["AMPERE_48"], "excludedTypes": ["NVIDIA RTX A6000"]},
            "scaling": {"type": "QUEUE_DELAY", "queueDelay": 4},
            "workers": {"min": 0, "max": 2},
        },
    ).json()
    return created


def _run_and_watch(
    gpu_emulator: Any, v1: httpx.Client, v2: httpx.Client, api: httpx.Client, endpoint_id: str
) -> None:
    """A job through the job API brings up a worker both REST APIs list while it runs."""
    assert v2.get(f"/serverless/{endpoint_id}/workers").json()["summary"]["total"] == 0
    job = api.post(f"/{endpoint_id}/run", json={"input": {"prompt": "hi"}}).json()
    assert job["status"] == "IN_QUEUE"
    gpu_emulator.advance(21)  # cold start 20 s, the job takes 2 s
    status = api.get(f"/{endpoint_id}/status/{job['id']}").json()
    assert status["status"] == "IN_PROGRESS"
    pods = v1.get(f"/endpoints/{endpoint_id}", params={"includeWorkers": "true"}).json()["workers"]
    listed = v2.get(f"/serverless/{endpoint_id}/workers").json()
    assert [p["id"] for p in pods] == [status["workerId"]]
    assert [w["id"] for w in listed["workers"]] == [status["workerId"]]
    assert listed["workers"][0]["status"] == "RUNNING"
    assert listed["summary"] == {
        "running": 1, "idle": 0, "initializing": 0, "throttled": 0, "unhealthy": 0, "total": 1,
    }  # fmt: skip
    assert pods[0]["gpu"]["id"] == listed["workers"][0]["gpuTypeId"] == "NVIDIA A40"
    assert pods[0]["machine"]["dataCenterId"] == listed["workers"][0]["dataCenterId"]
    gpu_emulator.advance(2)
    assert api.get(f"/{endpoint_id}/status/{job['id']}").json()["status"] == "COMPLETED"
    after = v2.get(f"/serverless/{endpoint_id}/workers").json()["workers"]
    assert [w["status"] for w in after] == ["IDLE"]
    health = api.get(f"/{endpoint_id}/health").json()
    assert health["workers"]["idle"] == 1
    assert health["jobs"]["completed"] == 1


def test_created_in_v1_seen_in_v2_running_jobs(
    gpu_emulator: Any, v1: httpx.Client, v2: httpx.Client, api: httpx.Client
) -> None:
    created = _v1_endpoint(v1)
    seen = v2.get(f"/serverless/{created['id']}").json()
    assert seen["name"] == "cross"
    assert seen["image"] == "me/w:1"
    assert seen["env"] == {"A": "1"}
    assert seen["gpu"]["pools"] == ["AMPERE_48"]
    assert seen["gpu"]["excludedTypes"] == ["NVIDIA RTX A6000"]
    assert seen["workers"] == {"min": 0, "max": 3, "idleTimeout": 5}
    assert seen["timeout"] == created["executionTimeoutMs"]
    assert seen["requestUrls"]["run"] == gpu_emulator.url(
        "api.runpod.ai", f"/v2/{created['id']}/run"
    )
    _run_and_watch(gpu_emulator, v1, v2, api, created["id"])


def test_created_in_v2_seen_in_v1_running_jobs(
    gpu_emulator: Any, v1: httpx.Client, v2: httpx.Client, api: httpx.Client
) -> None:
    created = _v2_endpoint(v2)
    seen = v1.get(f"/endpoints/{created['id']}", params={"includeTemplate": "true"}).json()
    assert seen["gpuTypeIds"] == ["NVIDIA A40"]
    assert (seen["workersMin"], seen["workersMax"], seen["idleTimeout"]) == (0, 2, 10)
    assert seen["executionTimeoutMs"] == 300_000
    assert seen["env"] == {"B": "2"}
    assert seen["template"]["imageName"] == "me/w:2"
    assert seen["template"]["id"] == seen["templateId"]
    assert [e["id"] for e in v1.get("/endpoints").json()] == [created["id"]]
    bound = v1.get("/templates", params={"includeEndpointBoundTemplates": "true"}).json()
    assert [t["id"] for t in bound] == [seen["templateId"]]
    assert bound[0]["name"].startswith("cross__template__")
    assert v1.get("/templates").json() == []  # bound templates hide without the flag
    _run_and_watch(gpu_emulator, v1, v2, api, created["id"])


def test_changes_through_one_api_show_in_the_other(v1: httpx.Client, v2: httpx.Client) -> None:
    created = _v1_endpoint(v1)
    endpoint_id = created["id"]
    v2.patch(f"/serverless/{endpoint_id}", json={"workers": {"max": 7}, "env": {"C": "3"}})
    seen = v1.get(f"/endpoints/{endpoint_id}").json()
    assert seen["workersMax"] == 7
    assert seen["env"] == {"A": "1", "C": "3"}  # merged into the endpoint's own copy
    assert seen["templateId"] != created["templateId"]  # the shared template was not touched
    assert seen["version"] == 1
    assert v1.get(f"/templates/{created['templateId']}").json()["env"] == {"A": "1"}
    v1.patch(f"/endpoints/{endpoint_id}", json={"scalerType": "REQUEST_COUNT", "scalerValue": 2})
    again = v2.get(f"/serverless/{endpoint_id}").json()
    assert again["scaling"] == {"type": "REQUEST_COUNT", "requestCount": 2}
    assert "idleTimeout" not in again["workers"]
    assert v2.delete(f"/serverless/{endpoint_id}").status_code == 204
    assert v1.get(f"/endpoints/{endpoint_id}").status_code == 404
    assert v1.get("/endpoints").json() == []


def test_deleting_through_rest_stops_the_job_api(
    gpu_emulator: Any, v2: httpx.Client, api: httpx.Client
) -> None:
    created = _v2_endpoint(v2)
    job = api.post(f"/{created['id']}/run", json={"input": 1}).json()
    assert v2.delete(f"/serverless/{created['id']}").status_code == 204
    gone = api.get(f"/{created['id']}/status/{job['id']}")
    assert gone.status_code == 404


def test_the_official_sdk_runs_jobs_on_a_rest_created_endpoint(
    gpu_emulator: Any, v2: httpx.Client, runpod_sdk: Any
) -> None:
    created = _v2_endpoint(v2)
    endpoint = runpod_sdk.Endpoint(created["id"])
    with ClockDriver(gpu_emulator.base_url, step=1.0):
        output = endpoint.run_sync({"n": 3}, timeout=60)
    assert output == {"n": 3}
    workers = v2.get(f"/serverless/{created['id']}/workers").json()
    assert workers["summary"]["total"] == 1
