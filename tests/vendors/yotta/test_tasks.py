"""QUEUE tasks through ``SkywalkerTaskApi``: submit, dispatch, statuses, pages, count, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from yottaml.skywalker import SkywalkerTaskApi

from tests.vendors.yotta.conftest import create_body
from tests.vendors.yotta.spec import SpecChecker

T0_MS = 1_767_225_600_000


def _endpoint(http: httpx.Client, **changes: Any) -> str:
    endpoint_id: str = http.post("/v2/serverless", json=create_body(**changes)).json()["data"]["id"]
    return endpoint_id


def _submit(sky: SkywalkerTaskApi, endpoint_id: str, **fields: Any) -> str:
    response = sky.create_task(
        endpoint_id=endpoint_id,
        worker_port=fields.pop("worker_port", 8000),
        process_uri=fields.pop("process_uri", "/v1/generate"),
        input=fields.pop("input", {"prompt": "hello"}),
        **fields,
    )
    assert response["code"] == 10000, response
    task_id: str = response["data"]["taskId"]
    return task_id


def test_a_task_runs_on_a_worker_and_succeeds(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    endpoint_id = _endpoint(http, workers=1)
    task_id = _submit(
        sky, endpoint_id, task_id="my_task_001", headers={"Authorization": "Bearer t"}
    )
    assert task_id == "my_task_001"
    queued = sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]
    assert queued == {
        "taskId": "my_task_001",
        "endpointId": int(endpoint_id),
        "endpointName": "llama-inference",
        "status": "PROCESSING",
        "workerUrl": None,
        "webhook": None,
        "deliveryStatus": "INIT",
        "deliveryAttempts": 0,
        "error": None,
        "input": {"prompt": "hello"},
        "output": None,
        "headers": {"Authorization": "Bearer t"},
        "createdAt": T0_MS,
        "updatedAt": T0_MS,
        "deliveredAt": None,
    }
    assert sky.get_processing_count(endpoint_id=endpoint_id)["data"] == {"processing": 1}
    gpu_emulator.advance(20)  # the worker's cold start
    running = sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]
    assert running["status"] == "PROCESSING"
    assert running["workerUrl"].startswith("http://10.")
    assert running["workerUrl"].endswith(":8000/v1/generate")
    gpu_emulator.advance(2)  # the default 2 s execution
    done = sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]
    assert (done["status"], done["output"], done["error"]) == ("SUCCESS", {"prompt": "hello"}, None)
    assert done["updatedAt"] == T0_MS + 22_000
    assert sky.get_processing_count(endpoint_id=endpoint_id)["data"] == {"processing": 0}


@pytest.mark.gpu_emulator(
    fixtures=[{"behaviours": {"failing": {"failure_rate": 1.0, "error": "CUDA out of memory"}}}]
)
def test_a_failing_worker_fails_the_task(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    gpu_emulator.load({"yotta": {"options": {"behaviour": "failing"}}})
    endpoint_id = _endpoint(http, workers=1)
    task_id = _submit(sky, endpoint_id)
    gpu_emulator.advance(22)
    task = sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]
    assert (task["status"], task["error"], task["output"]) == ("FAILED", "CUDA out of memory", None)


def test_generated_task_ids_fit_the_user_pattern(http: httpx.Client, sky: SkywalkerTaskApi) -> None:
    endpoint_id = _endpoint(http)
    ids = {_submit(sky, endpoint_id) for _ in range(3)}
    assert len(ids) == 3
    for task_id in ids:
        assert len(task_id) == 32
        assert task_id.isalnum()


def test_pages_are_newest_first_and_filter_by_status(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    endpoint_id = _endpoint(http, workers=1)
    gpu_emulator.advance(20)
    ids = [_submit(sky, endpoint_id, task_id=f"t{n}") for n in range(25)]
    gpu_emulator.advance(2 * 12 + 1)  # one worker, 2 s each: 12 done, one running
    default = sky.list_tasks(endpoint_id=endpoint_id)["data"]
    assert (default["page"], default["size"], default["total"], default["pages"]) == (1, 10, 25, 3)
    assert [t["taskId"] for t in default["items"]] == ids[::-1][:10]
    third = sky.list_tasks(endpoint_id=endpoint_id, page=3, page_size=10)["data"]
    assert [t["taskId"] for t in third["items"]] == ids[::-1][20:]
    done = sky.list_tasks(endpoint_id=endpoint_id, status="SUCCESS", page_size=5)["data"]
    assert (done["total"], done["pages"]) == (12, 3)
    assert [t["taskId"] for t in done["items"]] == ["t11", "t10", "t9", "t8", "t7"]
    processing = sky.list_tasks(endpoint_id=endpoint_id, status="PROCESSING", page_size=100)
    assert [t["taskId"] for t in processing["data"]["items"]] == ids[::-1][:13]
    beyond = sky.list_tasks(endpoint_id=endpoint_id, page=9)["data"]
    assert (beyond["items"], beyond["total"]) == ([], 25)
    assert sky.get_processing_count(endpoint_id=endpoint_id)["data"] == {"processing": 13}
    raw = http.get(f"/v2/serverless/{endpoint_id}/tasks", params={"status": "BOGUS"}).json()
    assert raw["data"] == {"items": [], "page": 1, "size": 10, "total": 0, "pages": 0}


def test_a_duplicate_task_id_answers_the_existing_task(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    endpoint_id = _endpoint(http)
    assert _submit(sky, endpoint_id, task_id="same", input={"n": 1}) == "same"
    assert _submit(sky, endpoint_id, task_id="same", input={"n": 2}) == "same"
    listed = sky.list_tasks(endpoint_id=endpoint_id)["data"]
    assert listed["total"] == 1
    assert sky.get_task(endpoint_id=endpoint_id, task_id="same")["data"]["input"] == {"n": 1}
    gpu_emulator.load({"yotta": {"options": {"duplicate_task_id": "reject"}}})
    refused = http.post(
        f"/v2/serverless/{endpoint_id}/tasks",
        json={"taskId": "same", "input": {}, "workerPort": 80, "processUri": "/"},
    )
    assert (refused.status_code, refused.json()) == (
        200,
        {"message": "taskId [same] already exists", "code": 10001, "data": None},
    )


def test_task_errors(gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi) -> None:
    queue = _endpoint(http)
    alb = _endpoint(http, serviceMode="ALB", name="gateway")
    body = {"input": {"a": 1}, "workerPort": 8000, "processUri": "/run"}
    not_queue = http.post(f"/v2/serverless/{alb}/tasks", json=body)
    assert not_queue.json() == {
        "message": "Invalid request or non-QUEUE endpoint",
        "code": 10001,
        "data": None,
    }
    for path in ("tasks", "tasks/count", "tasks/x1"):
        assert http.get(f"/v2/serverless/{alb}/{path}").json()["code"] == 24001
    missing = sky.get_task(endpoint_id=queue, task_id="nope")
    assert missing == {"message": "Task does not exist", "code": 24011, "data": None}
    unknown = http.post("/v2/serverless/123456789012345678/tasks", json=body)
    assert unknown.json()["code"] == 14000
    http.post(f"/v2/serverless/{queue}/stop")
    stopped = http.post(f"/v2/serverless/{queue}/tasks", json=body)
    assert stopped.json() == {"message": "Serverless unavailable", "code": 24000, "data": None}


def test_tasks_wait_while_stopped_when_configured(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    gpu_emulator.load({"yotta": {"options": {"submit_when_stopped": "queue"}}})
    endpoint_id = _endpoint(http, workers=1)
    gpu_emulator.advance(20)
    running = _submit(sky, endpoint_id, task_id="running")
    http.post(f"/v2/serverless/{endpoint_id}/stop")  # the running task goes back to the queue
    waiting = _submit(sky, endpoint_id, task_id="waiting")
    gpu_emulator.advance(600)
    assert sky.get_processing_count(endpoint_id=endpoint_id)["data"] == {"processing": 2}
    http.post(f"/v2/serverless/{endpoint_id}/start")
    gpu_emulator.advance(20 + 2 + 2)
    for task_id in (running, waiting):
        assert sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]["status"] == "SUCCESS"


def test_dispatch_flavour_of_delivered(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi
) -> None:
    gpu_emulator.load({"yotta": {"options": {"delivered": "dispatch"}}})
    endpoint_id = _endpoint(http, workers=1)
    task_id = _submit(sky, endpoint_id)
    statuses = []
    for step in (0, 20, 2):
        gpu_emulator.advance(step)
        statuses.append(sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]["status"])
    assert statuses == ["PROCESSING", "DELIVERED", "SUCCESS"]


def test_every_operation_was_spec_checked(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, spec_checker: SpecChecker
) -> None:
    """A cross-check that the hooks validate every kind of answer (not a scenario of its own)."""
    spec_checker.checked.clear()
    endpoint_id = _endpoint(http, workers=1)
    gpu_emulator.advance(20)
    task_id = _submit(sky, endpoint_id)
    sky.get_task(endpoint_id=endpoint_id, task_id=task_id)
    sky.list_tasks(endpoint_id=endpoint_id)
    sky.get_processing_count(endpoint_id=endpoint_id)
    http.get("/v2/serverless")
    http.get(f"/v2/serverless/{endpoint_id}")
    update = {"name": "n", "resources": create_body()["resources"], "workers": 1}
    http.patch(f"/v2/serverless/{endpoint_id}", json={**update, "containerVolumeInGb": 30})
    http.put(f"/v2/serverless/{endpoint_id}/workers", params={"count": 1})
    worker = http.get(f"/v2/serverless/{endpoint_id}/workers").json()["data"][0]["id"]
    http.get(f"/v2/serverless/{endpoint_id}/workers/{worker}/logs")
    http.post(f"/v2/serverless/{endpoint_id}/stop")
    http.post(f"/v2/serverless/{endpoint_id}/start")
    http.delete(f"/v2/serverless/{endpoint_id}")
    assert set(spec_checker.checked) == {op.name for op in spec_checker.operations}, (
        "every spec operation (and the two extras) answered and validated"
    )
