"""The ``yotta:`` fixture section: warm endpoints, catalog and prices, and the options."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from yottaml.elastic import ElasticApi

from emulator.fixtures import FixtureError, parse_document
from emulator.vendors import default_vendors
from tests.vendors.yotta.conftest import RESOURCES, create_body

ENDPOINTS = [
    {**create_body(name="warm", workers=2), "id": "378888638324150969"},
    {
        **create_body(name="parked", serviceMode="CUSTOM"),
        "id": 384414489660887859,
        "status": "STOPPED",
    },
]


@pytest.mark.gpu_emulator(fixtures=[{"yotta": {"endpoints": ENDPOINTS}}])
def test_fixture_endpoints_start_warm_or_stopped(gpu_emulator: Any, elastic: ElasticApi) -> None:
    warm = elastic.get_deployment_detail("378888638324150969")["data"]
    assert (warm["status"], warm["runningWorkers"], warm["totalWorkers"]) == ("RUNNING", 2, 2)
    parked = elastic.get_deployment_detail(384414489660887859)["data"]
    assert (parked["status"], parked["runningWorkers"], parked["id"]) == (
        "STOPPED",
        0,
        "384414489660887859",
    )
    assert elastic.get_workers(384414489660887859)["data"] == []
    elastic.start_deployment(384414489660887859)
    gpu_emulator.advance(20)
    assert elastic.get_deployment_detail(384414489660887859)["data"]["status"] == "RUNNING"


CATALOG = {
    "regions": [{"code": "eu-north-1", "name": "EU North 1"}],
    "gpus": [
        {
            "code": "NVIDIA_L40S_48G",
            "displayName": "L40S",
            "vramGb": 48,
            "vcpu": 12,
            "ramGb": 96,
            "pricePerHour": 0.99,
            "regions": ["eu-north-1"],
        }
    ],
    "prices": {"NVIDIA_RTX_4090_24G": 0.36},
}


@pytest.mark.gpu_emulator(fixtures=[{"yotta": {"catalog": CATALOG}}])
def test_the_catalog_and_prices_come_from_the_fixtures(http: httpx.Client) -> None:
    l40s = [{"region": "eu-north-1", "gpuType": "NVIDIA_L40S_48G", "gpuCount": 2}]
    data = http.post("/v2/serverless", json=create_body(resources=l40s)).json()["data"]
    assert data["resources"][0]["regionDisplayName"] == "EU North 1"
    assert data["resources"][0]["gpuDisplayName"] == "L40S"
    assert data["perHourPrice"] == 1.98
    cheap = http.post("/v2/serverless", json=create_body(resources=RESOURCES)).json()["data"]
    assert (cheap["perHourPrice"], cheap["perSecondPrice"]) == (0.36, 0.0001)


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "yotta": {
                "options": {
                    "id_format": "integer",
                    "task_endpoint_id_format": "string",
                    "business_error_status": 404,
                    "validation_error_status": 422,
                    "auth_error_status": 403,
                    "auth_error_code": 10004,
                    "auth_error_message": "no permissions",
                    "delete_active": "allow",
                    "creator": "ops@example.com",
                }
            }
        }
    ]
)
def test_options_change_the_open_choices(base_url: str, http: httpx.Client) -> None:
    created = http.post("/v2/serverless", json=create_body(credentialId=42)).json()["data"]
    assert isinstance(created["id"], int)
    assert created["credentialId"] == 42
    assert created["creator"] == "ops@example.com"
    endpoint_id = created["id"]
    task = {"taskId": "t1", "input": {}, "workerPort": 1, "processUri": "/"}
    http.post(f"/v2/serverless/{endpoint_id}/tasks", json=task)
    listed = http.get(f"/v2/serverless/{endpoint_id}/tasks").json()["data"]["items"]
    assert listed[0]["endpointId"] == str(endpoint_id)
    worker = http.get(f"/v2/serverless/{endpoint_id}/workers").json()["data"][0]
    assert isinstance(worker["id"], int)
    not_found = http.get("/v2/serverless/1")
    assert (not_found.status_code, not_found.json()["code"]) == (404, 14000)
    invalid = http.post("/v2/serverless", json=create_body(workers=0))
    assert (invalid.status_code, invalid.json()["code"]) == (422, 10001)
    refused = httpx.get(f"{base_url}/v2/serverless")
    assert (refused.status_code, refused.json()) == (
        403,
        {"message": "no permissions", "code": 10004, "data": None},
    )
    assert http.delete(f"/v2/serverless/{endpoint_id}").json()["code"] == 10000
    assert http.get("/v2/serverless").json()["data"] == []


def test_worker_limit_is_a_business_error(http: httpx.Client) -> None:
    too_many = http.post("/v2/serverless", json=create_body(workers=65))
    assert too_many.json() == {
        "message": "workers must not exceed 64 per endpoint",
        "code": 10001,
        "data": None,
    }
    endpoint_id = http.post("/v2/serverless", json=create_body()).json()["data"]["id"]
    assert (
        http.put(f"/v2/serverless/{endpoint_id}/workers", params={"count": 65}).json()["code"]
        == 10001
    )


def test_scale_alias_forms(base_url: str, http: httpx.Client) -> None:
    """Not in the spec (so not spec-checked): YottaML's openapi.yaml and the v1/tutorial forms."""
    endpoint_id = http.post("/v2/serverless", json=create_body(workers=1)).json()["data"]["id"]
    key = {"X-Api-Key": http.headers["X-Api-Key"]}
    url = f"{base_url}/v2/serverless/{endpoint_id}/workers"
    assert httpx.put(f"{url}/3", headers=key).json()["code"] == 10000
    assert http.get(f"/v2/serverless/{endpoint_id}").json()["data"]["totalWorkers"] == 3
    via_body = httpx.post(url, json={"workers": 2}, headers=key)
    assert via_body.json()["code"] == 10000
    assert http.get(f"/v2/serverless/{endpoint_id}").json()["data"]["totalWorkers"] == 2


def test_a_bad_fixture_names_the_place() -> None:
    bad = {"yotta": {"endpoints": [create_body(workers=0)], "options": {"id_format": "hex"}}}
    with pytest.raises(FixtureError) as caught:
        parse_document(bad, default_vendors(), "bad.yaml")
    message = str(caught.value)
    assert "bad.yaml: yotta.options.id_format" in message
    assert "bad.yaml: yotta.endpoints[0].workers" in message
