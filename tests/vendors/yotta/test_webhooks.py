"""Task result webhooks: X-API-Key, the notify payload the SDK validates, retries at 1/5/15 min."""

from __future__ import annotations

from typing import Any

import httpx
from yottaml.skywalker import SkywalkerTaskApi

from tests.support.receiver import Receiver
from tests.vendors.yotta.conftest import create_body

T0 = 1_767_225_600.0
READY = 20.0  # the default behaviour's cold start
DONE = READY + 2.0  # ... plus its 2 s execution


def _setup(http: httpx.Client, gpu_emulator: Any, **changes: Any) -> str:
    endpoint_id: str = http.post("/v2/serverless", json=create_body(workers=1, **changes)).json()[
        "data"
    ]["id"]
    return endpoint_id


def _task(sky: SkywalkerTaskApi, endpoint_id: str, task_id: str) -> dict[str, Any]:
    data: dict[str, Any] = sky.get_task(endpoint_id=endpoint_id, task_id=task_id)["data"]
    return data


def test_a_receiver_failing_twice_gets_the_result_on_the_third_attempt(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, receiver: Receiver
) -> None:
    receiver.respond(500, 503)
    endpoint_id = _setup(http, gpu_emulator)
    sky.create_task(
        endpoint_id=endpoint_id,
        task_id="hooked_1",
        worker_port=8000,
        process_uri="/run",
        input={"prompt": "hi"},
        webhook=receiver.url + "/yotta/results",
        webhook_auth_key="s3cret",
    )
    gpu_emulator.advance(DONE)
    first = _task(sky, endpoint_id, "hooked_1")
    assert (first["status"], first["deliveryStatus"], first["deliveryAttempts"]) == (
        "SUCCESS",
        "FAILED",
        1,
    )
    gpu_emulator.advance(60)
    second = _task(sky, endpoint_id, "hooked_1")
    assert (second["deliveryStatus"], second["deliveryAttempts"]) == ("FAILED", 2)
    gpu_emulator.advance(300)
    done = _task(sky, endpoint_id, "hooked_1")
    assert (done["status"], done["deliveryStatus"], done["deliveryAttempts"]) == (
        "DELIVERED",
        "SUCCESS",
        3,
    )
    delivered_at = (T0 + DONE + 60 + 300) * 1000
    assert done["deliveredAt"] == delivered_at
    assert done["updatedAt"] == delivered_at
    assert done["output"] == {"prompt": "hi"}

    (delivery,) = gpu_emulator.webhooks(vendor="yotta")
    times = [attempt["at"] - T0 for attempt in delivery["attempts"]]
    assert times == [DONE, DONE + 60, DONE + 60 + 300]
    assert [attempt["status"] for attempt in delivery["attempts"]] == [500, 503, 200]
    assert [hit.path for hit in receiver.hits] == ["/yotta/results"] * 3
    for number, hit in enumerate(receiver.hits, start=1):
        assert hit.headers["x-api-key"] == "s3cret"
        SkywalkerTaskApi.validate_notify_payload(hit.body)
        assert hit.body == {
            "task_id": hit.body["task_id"],
            "user_task_id": "hooked_1",
            "endpoint_id": endpoint_id,
            "status": "Success",
            "success": True,
            "timestamp": hit.body["timestamp"],
            "retry_count": number,
            "result": {"prompt": "hi"},
        }
    assert isinstance(receiver.hits[0].body["task_id"], int)
    assert [hit.body["timestamp"] for hit in receiver.hits] == [
        "2026-01-01 00:00:22.000",
        "2026-01-01 00:01:22.000",
        "2026-01-01 00:06:22.000",
    ]


def test_retries_run_out_after_15_minutes(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, receiver: Receiver
) -> None:
    receiver.default = 500
    endpoint_id = _setup(http, gpu_emulator)
    sky.create_task(
        endpoint_id=endpoint_id,
        task_id="never_heard",
        worker_port=8000,
        process_uri="/run",
        input={"x": 1},
        webhook=receiver.url,
    )
    gpu_emulator.advance(DONE + 60 + 300 + 899)
    pending = _task(sky, endpoint_id, "never_heard")
    assert (pending["deliveryStatus"], pending["deliveryAttempts"]) == ("FAILED", 3)
    gpu_emulator.advance(1)
    final = _task(sky, endpoint_id, "never_heard")
    assert (final["status"], final["deliveryStatus"], final["deliveryAttempts"]) == (
        "SUCCESS",
        "MAX_RETRIES_EXCEEDED",
        4,
    )
    assert final["deliveredAt"] is None
    assert [hit.body["retry_count"] for hit in receiver.hits] == [1, 2, 3, 4]
    assert "x-api-key" not in receiver.hits[0].headers  # no webhookAuthKey, no header


def test_a_failed_task_notifies_its_reason(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, receiver: Receiver
) -> None:
    gpu_emulator.load(
        {
            "behaviours": {"oom": {"failure_rate": 1.0, "error": "CUDA out of memory"}},
            "yotta": {"options": {"behaviour": "oom"}},
        }
    )
    endpoint_id = _setup(http, gpu_emulator)
    sky.create_task(
        endpoint_id=endpoint_id,
        task_id="doomed",
        worker_port=8000,
        process_uri="/run",
        input={"x": 1},
        webhook=receiver.url,
    )
    gpu_emulator.advance(DONE)
    (hit,) = receiver.hits
    SkywalkerTaskApi.validate_notify_payload(hit.body)
    assert (hit.body["status"], hit.body["success"]) == ("Failed", False)
    assert hit.body["failed_reason"] == "CUDA out of memory"
    assert "result" not in hit.body
    task = _task(sky, endpoint_id, "doomed")
    assert (task["status"], task["deliveryStatus"]) == ("DELIVERED", "SUCCESS")


def test_the_endpoint_webhook_receives_results_of_tasks_without_one(
    gpu_emulator: Any, http: httpx.Client, sky: SkywalkerTaskApi, receiver: Receiver
) -> None:
    endpoint_id = _setup(http, gpu_emulator, webhook=receiver.url + "/endpoint")
    sky.create_task(endpoint_id=endpoint_id, worker_port=8000, process_uri="/run", input={"x": 1})
    gpu_emulator.advance(DONE)
    (hit,) = receiver.hits
    assert hit.path == "/endpoint"
    SkywalkerTaskApi.validate_notify_payload(hit.body)
    listed = sky.list_tasks(endpoint_id=endpoint_id)["data"]["items"][0]
    assert (listed["webhook"], listed["status"]) == (receiver.url + "/endpoint", "DELIVERED")
