"""Yotta in the control plane: state dump, served spec, route table, injected errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.vendors.yotta.errors import YottaErrors
from tests.vendors.yotta.conftest import KEY, create_body
from tests.vendors.yotta.spec import SPEC_PATH


def test_state_dump_shows_endpoints_workers_and_tasks(
    gpu_emulator: Any, http: httpx.Client
) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body(workers=1)).json()["data"]["id"]
    http.post(
        f"/v2/serverless/{endpoint_id}/tasks",
        json={"input": {"a": 1}, "workerPort": 8000, "processUri": "/run"},
    )
    tenants = gpu_emulator.state()["tenants"]
    (mine,) = [t for t in tenants if t["key"] == KEY]
    (endpoint,) = mine["worlds"]["yotta"]["endpoints"]
    assert (endpoint["id"], endpoint["status"], endpoint["tasks"]) == (
        endpoint_id,
        "INITIALIZING",
        1,
    )
    assert [w["status"] for w in endpoint["workers"]] == ["INITIALIZE"]


def test_the_spec_and_base_url_are_served(gpu_emulator: Any) -> None:
    specs = httpx.get(gpu_emulator.url("_emulator", "/specs/yotta")).json()
    assert specs["serverless-v2"] == json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    routes = httpx.get(gpu_emulator.url("_emulator", "/routes")).json()["routes"]
    (yotta,) = [r for r in routes if r["vendor"] == "yotta"]
    assert yotta["realBaseUrl"] == "https://api.yottalabs.ai"
    assert yotta["emulatorBaseUrl"] == gpu_emulator.url("api.yottalabs.ai")


def test_the_host_header_routes_without_a_prefix(gpu_emulator: Any) -> None:
    response = httpx.get(
        gpu_emulator.base_url + "/v2/serverless",
        headers={"Host": "api.yottalabs.ai", "X-Api-Key": KEY},
    )
    assert response.json() == {"message": "success", "code": 10000, "data": []}


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (None, 10002, (500, 10002, "System error")),
        (None, "24002", (200, 24002, "Elastic action not allowed")),
        (None, 401, (401, 401, "Unauthorized")),
        (503, None, (503, 10002, "System error")),
        (400, None, (400, 10001, "Invalid request parameters")),
        (429, None, (429, 429, "too many requests")),
        (404, 14000, (404, 14000, "Endpoint not found")),
    ],
)
def test_injected_errors_take_the_envelope(
    status: int | None, code: int | str | None, expected: tuple[int, int, str]
) -> None:
    errors = YottaErrors()
    response = errors.render(errors.injected(status, code))
    body = json.loads(bytes(response.body))
    assert (response.status_code, body["code"], body["message"]) == expected
    assert body["data"] is None
