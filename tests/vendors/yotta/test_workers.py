"""Workers of an endpoint and their logs (``search_after`` paging, filters, directions)."""

from __future__ import annotations

from typing import Any

import httpx
from yottaml.elastic import ElasticApi

from tests.vendors.yotta.conftest import create_body

T0_MS = 1_767_225_600_000


def test_workers_follow_the_pool(
    gpu_emulator: Any, http: httpx.Client, elastic: ElasticApi
) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body(workers=2)).json()["data"]["id"]
    starting = elastic.get_workers(endpoint_id)["data"]
    assert [w["status"] for w in starting] == ["INITIALIZE", "INITIALIZE"]
    worker = starting[0]
    assert isinstance(worker["id"], str)
    assert len(worker["id"]) == 18
    assert worker["createdAt"] == T0_MS
    assert (worker["gpuType"], worker["gpuCount"], worker["uptime"], worker["cost"]) == (
        "NVIDIA_RTX_4090_24G",
        1,
        0,
        0,
    )
    gpu_emulator.advance(30)
    assert [w["uptime"] for w in elastic.get_workers(endpoint_id)["data"]] == [10, 10]
    assert elastic.get_workers(endpoint_id, status_list=["INITIALIZE"])["data"] == []
    raw = http.get(
        f"/v2/serverless/{endpoint_id}/workers", params={"statusList": "running,TERMINATED"}
    )
    assert len(raw.json()["data"]) == 2
    missing = http.get("/v2/serverless/123456789012345678/workers").json()
    assert missing["code"] == 14000


def _logs(http: httpx.Client, endpoint_id: str, worker_id: str, **params: Any) -> Any:
    response = http.get(f"/v2/serverless/{endpoint_id}/workers/{worker_id}/logs", params=params)
    return response.json()


def test_worker_logs_page_with_search_after(gpu_emulator: Any, http: httpx.Client) -> None:
    body = create_body(workers=1, initializationCommand="pip install vllm")
    endpoint_id = http.post("/v2/serverless", json=body).json()["data"]["id"]
    gpu_emulator.advance(20)
    for n in range(3):
        task = {"taskId": f"job{n}", "input": {"n": n}, "workerPort": 8000, "processUri": "/run"}
        http.post(f"/v2/serverless/{endpoint_id}/tasks", json=task)
    gpu_emulator.advance(10)
    worker_id = http.get(f"/v2/serverless/{endpoint_id}/workers").json()["data"][0]["id"]

    everything = _logs(http, endpoint_id, worker_id)["data"]
    lines = [entry["log"] for entry in everything["logs"]]
    assert lines[2:7] == [
        "Pulling image vllm/vllm-openai:latest",
        "Container started",
        "Running initialization command: pip install vllm",
        f"Worker {worker_id} is ready",
        "POST /run task=job0",
    ]
    assert lines[-1] == "Task job2 SUCCESS in 2000 ms"
    assert everything["hasMore"] is False
    assert everything["logs"][0]["timestamp"] == "2026-01-01T00:00:00.000Z"
    offsets = [entry["offset"] for entry in everything["logs"]]
    assert offsets == sorted(offsets)
    assert offsets[0] == 0

    first = _logs(http, endpoint_id, worker_id, pageSize=4)["data"]
    assert [e["log"] for e in first["logs"]] == lines[:4]
    assert first["hasMore"] is True
    assert first["nextSearchAfterOffset"] == str(first["logs"][-1]["offset"])
    rest = _logs(
        http,
        endpoint_id,
        worker_id,
        searchAfterTime=first["nextSearchAfterTime"],
        searchAfterOffset=first["nextSearchAfterOffset"],
    )["data"]
    assert [e["log"] for e in rest["logs"]] == lines[4:]

    newest = _logs(http, endpoint_id, worker_id, direction="Backward", pageSize=2)["data"]
    assert [e["log"] for e in newest["logs"]] == lines[::-1][:2]
    older = _logs(
        http,
        endpoint_id,
        worker_id,
        direction="Backward",
        pageSize=2,
        searchAfterTime=newest["nextSearchAfterTime"],
        searchAfterOffset=newest["nextSearchAfterOffset"],
    )["data"]
    assert [e["log"] for e in older["logs"]] == lines[::-1][2:4]

    keyword = _logs(http, endpoint_id, worker_id, keyword="success")["data"]
    assert [e["log"] for e in keyword["logs"]] == [
        f"Task job{n} SUCCESS in 2000 ms" for n in range(3)
    ]
    window = _logs(
        http,
        endpoint_id,
        worker_id,
        startTime="2026-01-01T00:00:21Z",
        endTime=str(T0_MS + 24_000),
    )["data"]
    assert [e["log"] for e in window["logs"]] == [  # job0 ran 20-22 s, job1 22-24 s, ...
        "Task job0 SUCCESS in 2000 ms",
        "POST /run task=job1",
        "Task job1 SUCCESS in 2000 ms",
        "POST /run task=job2",
    ]


def test_worker_log_errors(http: httpx.Client) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body(workers=1)).json()["data"]["id"]
    worker_id = http.get(f"/v2/serverless/{endpoint_id}/workers").json()["data"][0]["id"]
    unknown = _logs(http, endpoint_id, "123")
    assert unknown == {"message": "Record not exist", "code": 10007, "data": None}
    assert _logs(http, endpoint_id, worker_id, pageSize=1001)["code"] == 10001
    assert _logs(http, endpoint_id, worker_id, direction="Sideways")["code"] == 10001
    assert _logs(http, endpoint_id, worker_id, startTime="yesterday")["code"] == 10001
    empty = _logs(http, endpoint_id, worker_id, keyword="nothing-like-this")["data"]
    assert empty == {
        "logs": [],
        "hasMore": False,
        "nextSearchAfterTime": None,
        "nextSearchAfterOffset": None,
    }
