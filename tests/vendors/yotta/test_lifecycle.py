"""Endpoint lifecycle through the official ``yottaml`` client, on the manual clock."""

from __future__ import annotations

from typing import Any

import pytest
from yottaml.elastic import ElasticApi

from tests.vendors.yotta.conftest import RESOURCES, create_body, wait_for


def _create(elastic: ElasticApi, **changes: Any) -> dict[str, Any]:
    body = create_body(**changes)
    response = elastic.create_deployment(
        name=body["name"],
        image=body["image"],
        resources=body["resources"],
        workers=body["workers"],
        service_mode=body["serviceMode"],
        container_volume_in_gb=body["containerVolumeInGb"],
        environment_vars=body.get("environmentVars"),
        webhook=body.get("webhook"),
    )
    assert response["code"] == 10000, response
    data: dict[str, Any] = response["data"]
    return data


def _status(elastic: ElasticApi, endpoint_id: str) -> Any:
    return lambda: elastic.get_deployment_detail(endpoint_id)["data"]["status"]


def test_the_official_lifecycle_script(gpu_emulator: Any, elastic: ElasticApi) -> None:
    """YottaML's scripts/test_serverless.sh: create … RUNNING … scale … stop … start … delete."""
    created = _create(elastic)
    endpoint_id = created["id"]
    assert isinstance(endpoint_id, str)
    assert len(endpoint_id) == 18
    assert endpoint_id.isdigit()
    assert created["status"] == "INITIALIZING"
    assert (created["totalWorkers"], created["runningWorkers"]) == (2, 0)

    waited = wait_for(
        gpu_emulator, _status(elastic, endpoint_id), "RUNNING", timeout=600, interval=10
    )
    assert waited == 20  # the default behaviour's 20 s cold start

    workers = elastic.get_workers(endpoint_id)["data"]
    assert [w["status"] for w in workers] == ["RUNNING", "RUNNING"]
    first_ids = {w["id"] for w in workers}

    assert elastic.scale_workers(endpoint_id, len(workers) + 1)["code"] == 10000
    scaled = elastic.get_deployment_detail(endpoint_id)["data"]
    assert (scaled["status"], scaled["totalWorkers"], scaled["runningWorkers"]) == ("RUNNING", 3, 2)
    gpu_emulator.advance(20)
    assert elastic.get_deployment_detail(endpoint_id)["data"]["runningWorkers"] == 3

    assert elastic.stop_deployment(endpoint_id) == {
        "message": "success",
        "code": 10000,
        "data": None,
    }
    assert elastic.get_deployment_detail(endpoint_id)["data"]["status"] == "STOPPING"
    wait_for(gpu_emulator, _status(elastic, endpoint_id), "STOPPED", timeout=300, interval=10)
    stopped = elastic.get_deployment_detail(endpoint_id)["data"]
    assert (stopped["totalWorkers"], stopped["runningWorkers"]) == (3, 0)
    assert {w["status"] for w in elastic.get_workers(endpoint_id)["data"]} == {"TERMINATED"}

    listed = elastic.get_deployments(status_list=["STOPPED"])["data"]
    assert [ep["id"] for ep in listed] == [endpoint_id]
    assert elastic.get_deployments(status_list=["RUNNING"])["data"] == []

    assert elastic.start_deployment(endpoint_id)["code"] == 10000
    assert elastic.get_deployment_detail(endpoint_id)["data"]["status"] == "INITIALIZING"
    wait_for(gpu_emulator, _status(elastic, endpoint_id), "RUNNING", timeout=600, interval=10)
    running = elastic.get_workers(endpoint_id, status_list=["RUNNING"])["data"]
    assert len(running) == 3
    assert not first_ids & {w["id"] for w in running}, "a restart brings new worker ids"

    elastic.stop_deployment(endpoint_id)
    wait_for(gpu_emulator, _status(elastic, endpoint_id), "STOPPED", timeout=300, interval=10)
    assert elastic.delete_deployment(endpoint_id) == {
        "message": "success",
        "code": 10000,
        "data": None,
    }
    gone = elastic.get_deployment_detail(endpoint_id)
    assert gone == {"message": "Endpoint not found", "code": 14000, "data": None}


def test_delete_is_refused_while_the_endpoint_runs(gpu_emulator: Any, elastic: ElasticApi) -> None:
    endpoint_id = _create(elastic)["id"]
    refused = elastic.delete_deployment(endpoint_id)
    assert refused == {"message": "Elastic action not allowed", "code": 24002, "data": None}
    gpu_emulator.advance(20)
    assert elastic.delete_deployment(endpoint_id)["code"] == 24002
    elastic.stop_deployment(endpoint_id)
    assert elastic.delete_deployment(endpoint_id)["code"] == 24002  # still STOPPING
    gpu_emulator.advance(5)
    assert elastic.delete_deployment(endpoint_id)["code"] == 10000
    assert elastic.get_deployments()["data"] == []


@pytest.mark.gpu_emulator(
    fixtures=[
        {"behaviours": {"broken": {"crash_loop": True, "cold_start": 30, "restart_delay": 60}}}
    ]
)
def test_a_crashing_image_fails_the_endpoint(gpu_emulator: Any, elastic: ElasticApi) -> None:
    gpu_emulator.load({"yotta": {"options": {"behaviour": "broken"}}})
    endpoint_id = _create(elastic, workers=1)["id"]
    gpu_emulator.advance(30)
    failed = elastic.get_deployment_detail(endpoint_id)["data"]
    assert (failed["status"], failed["runningWorkers"]) == ("FAILED", 0)
    assert [w["status"] for w in elastic.get_workers(endpoint_id)["data"]] == ["FAILED"]
    gpu_emulator.advance(90)  # the restart crashes again: still FAILED, never billed
    failed = elastic.get_deployment_detail(endpoint_id)["data"]
    assert (failed["status"], failed["cost"]) == ("FAILED", 0)
    assert elastic.delete_deployment(endpoint_id)["code"] == 10000


@pytest.mark.gpu_emulator(fixtures=[{"behaviours": {"broken": {"crash_loop": True}}}])
def test_start_replaces_the_workers_of_a_failed_endpoint(
    gpu_emulator: Any, elastic: ElasticApi
) -> None:
    gpu_emulator.load({"yotta": {"options": {"behaviour": "broken"}}})
    endpoint_id = _create(elastic, workers=1)["id"]
    gpu_emulator.advance(20)
    assert elastic.get_deployment_detail(endpoint_id)["data"]["status"] == "FAILED"
    (broken,) = elastic.get_workers(endpoint_id)["data"]
    elastic.start_deployment(endpoint_id)
    assert elastic.get_deployment_detail(endpoint_id)["data"]["status"] == "INITIALIZING"
    workers = {w["id"]: w["status"] for w in elastic.get_workers(endpoint_id)["data"]}
    assert workers.pop(broken["id"]) == "TERMINATING"
    assert list(workers.values()) == ["INITIALIZE"]
    gpu_emulator.advance(20)
    assert elastic.get_deployment_detail(endpoint_id)["data"]["status"] == "FAILED"


def test_cost_accrues_per_second_only_while_workers_run(
    gpu_emulator: Any, elastic: ElasticApi
) -> None:
    created = _create(elastic, workers=2)
    endpoint_id = created["id"]
    assert created["perHourPrice"] == 0.59
    assert created["perSecondPrice"] == round(0.59 / 3600, 8)
    gpu_emulator.advance(20)  # cold start is not billed
    assert elastic.get_deployment_detail(endpoint_id)["data"]["cost"] == 0
    gpu_emulator.advance(100)
    cost = elastic.get_deployment_detail(endpoint_id)["data"]["cost"]
    assert cost == pytest.approx(2 * 100 * 0.59 / 3600, abs=1e-6)
    workers = elastic.get_workers(endpoint_id)["data"]
    assert [w["uptime"] for w in workers] == [100, 100]
    assert sum(w["cost"] for w in workers) == pytest.approx(cost, abs=1e-5)
    elastic.stop_deployment(endpoint_id)
    gpu_emulator.advance(3600)  # draining (5 s) is billed, stopped time is not
    final = elastic.get_deployment_detail(endpoint_id)["data"]["cost"]
    assert final == pytest.approx(2 * 105 * 0.59 / 3600, abs=1e-6)


def test_patch_updates_fields_and_worker_count(gpu_emulator: Any, elastic: ElasticApi) -> None:
    endpoint_id = _create(elastic, workers=1, environmentVars=[{"key": "MODEL", "value": "a"}])[
        "id"
    ]
    gpu_emulator.advance(20)
    h100 = [{"region": "us-east-3", "gpuType": "NVIDIA_H100_80G", "gpuCount": 2}]
    updated = elastic.update_deployment(
        endpoint_id,
        name="renamed",
        resources=h100,
        workers=2,
        container_volume_in_gb=50,
        environment_vars=[{"key": "MODEL", "value": "b"}],
        webhook="https://hooks.example.com/yotta",
    )
    assert updated["code"] == 10000
    data = updated["data"]
    assert (data["name"], data["containerVolumeInGb"], data["totalWorkers"]) == ("renamed", 50, 2)
    assert data["environmentVars"] == [{"key": "MODEL", "value": "b"}]
    assert data["webhook"] == "https://hooks.example.com/yotta"
    assert data["resources"] == [
        {
            "region": "us-east-3",
            "regionDisplayName": "US East 3",
            "gpuType": "NVIDIA_H100_80G",
            "gpuDisplayName": "H100",
            "gpuCount": 2,
            "singleCardVramInGb": 80,
            "singleCardVcpu": 20,
            "singleCardRamInGb": 224,
        }
    ]
    assert data["perHourPrice"] == round(2 * 2.29, 4)
    assert data["runningWorkers"] == 1
    gpu_emulator.advance(20)
    workers = elastic.get_workers(endpoint_id)["data"]
    assert sorted(w["gpuType"] for w in workers) == ["NVIDIA_H100_80G", "NVIDIA_RTX_4090_24G"]
    # Optional fields left out of a PATCH keep their values.
    again = elastic.update_deployment(
        endpoint_id, name="renamed", resources=h100, workers=2, container_volume_in_gb=50
    )["data"]
    assert again["webhook"] == "https://hooks.example.com/yotta"
    assert again["environmentVars"] == [{"key": "MODEL", "value": "b"}]


def test_scale_down_drains_the_extra_workers(gpu_emulator: Any, elastic: ElasticApi) -> None:
    endpoint_id = _create(elastic, workers=3)["id"]
    gpu_emulator.advance(20)
    elastic.scale_workers(endpoint_id, 1)
    detail = elastic.get_deployment_detail(endpoint_id)["data"]
    assert (detail["totalWorkers"], detail["runningWorkers"]) == (1, 1)
    statuses = sorted(w["status"] for w in elastic.get_workers(endpoint_id)["data"])
    assert statuses == ["RUNNING", "TERMINATING", "TERMINATING"]
    gpu_emulator.advance(5)
    statuses = sorted(w["status"] for w in elastic.get_workers(endpoint_id)["data"])
    assert statuses == ["RUNNING", "TERMINATED", "TERMINATED"]


def test_list_filters_by_status_and_starts_stopped_ones(
    gpu_emulator: Any, elastic: ElasticApi
) -> None:
    first = _create(elastic, name="first")["id"]
    gpu_emulator.advance(20)
    second = _create(elastic, name="second")["id"]
    everything = elastic.get_deployments()["data"]
    assert [ep["id"] for ep in everything] == [second, first]  # newest first
    both = elastic.get_deployments(status_list=["RUNNING", "INITIALIZING"])["data"]
    assert {ep["id"] for ep in both} == {first, second}
    assert [ep["id"] for ep in elastic.get_deployments(status_list=["initializing"])["data"]] == [
        second
    ]
    assert elastic.start_deployment(first)["code"] == 10000  # already running: no change
    assert elastic.get_deployment_detail(first)["data"]["status"] == "RUNNING"
    elastic.stop_deployment(first)
    assert elastic.start_deployment(first)["code"] == 24002  # still stopping
    assert elastic.stop_deployment(first)["code"] == 10000  # stopping again is harmless


def test_every_resource_field_comes_from_the_catalog(elastic: ElasticApi) -> None:
    data = _create(elastic, resources=RESOURCES)
    assert data["resources"][0]["gpuDisplayName"] == "RTX 4090"
    assert data["resources"][0]["singleCardVramInGb"] == 24
    assert data["creator"].count("@") == 1
    assert data["domain"] is None
    alb = _create(elastic, serviceMode="ALB")
    assert alb["domain"].endswith(".yottadeos.com")


def test_status_list_may_be_repeated_or_comma_separated(
    gpu_emulator: Any, elastic: ElasticApi
) -> None:
    running = _create(elastic, name="running")["id"]
    gpu_emulator.advance(20)
    stopped = _create(elastic, name="stopped")["id"]
    elastic.stop_deployment(stopped)
    gpu_emulator.advance(5)  # its workers drain
    repeated = elastic.http_get("/v2/serverless", payload={"statusList": ["RUNNING", "STOPPED"]})[
        "data"
    ]
    assert [ep["id"] for ep in repeated] == [stopped, running]
    joined = elastic.http_get("/v2/serverless", payload={"statusList": "RUNNING,STOPPED"})
    assert [ep["id"] for ep in joined["data"]] == [stopped, running]
    assert elastic.http_get("/v2/serverless", payload={"statusList": "FAILED"})["data"] == []
