"""The bundled scenario presets, each shown through a real client of each vendor it affects.

Every preset loads through the plugin marker here; the CLI (`--fixtures scenario:NAME`) and the
admin API (`POST /_emulator/reset {"fixtures": ["scenario:NAME"]}`) are checked at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from yottaml.api import ClientError
from yottaml.elastic import ElasticApi
from yottaml.error import ServerError

from emulator.fixtures import default_fixture_path, load_file
from emulator.vendors import default_vendors
from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import job_fields
from tests.vendors.ppio.conftest import PPIO
from tests.vendors.ppio.conftest import body as ppio_body
from tests.vendors.yotta.conftest import create_body

RUNPOD_EP = "scenarioendpt1"
ENDPOINTS = {
    "behaviours": {"default": {"cold_start": 20, "execution": 2, "shutdown": 0}},
    "runpod": {"endpoints": [{"id": RUNPOD_EP, "workersMax": 1}]},
}
SCENARIOS = sorted(p.stem for p in (default_fixture_path().parent / "scenarios").glob("*.yaml"))


def scenario(name: str) -> pytest.MarkDecorator:
    """Start the test from the preset (after endpoints whose behaviour it may override)."""
    return pytest.mark.gpu_emulator(fixtures=[ENDPOINTS, f"scenario:{name}"])


@pytest.fixture
def runpod(gpu_emulator: Any) -> Iterator[Any]:
    import runpod as sdk

    saved = (sdk.endpoint_url_base, sdk.api_key)
    sdk.endpoint_url_base = gpu_emulator.url("api.runpod.ai", "/v2")
    sdk.api_key = "scenario-key"
    try:
        yield sdk
    finally:
        sdk.endpoint_url_base, sdk.api_key = saved


@pytest.fixture
def yotta(gpu_emulator: Any) -> ElasticApi:
    return ElasticApi("scenario-key", base_url=gpu_emulator.url("api.yottalabs.ai"))


@pytest.fixture
def matpool(gpu_emulator: Any) -> MatpoolClient:
    return MatpoolClient(gpu_emulator.url("paas.matpool.com"), "scenario-key")


@pytest.fixture
def ppio(gpu_emulator: Any) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=gpu_emulator.url(PPIO), headers={"Authorization": "Bearer scenario-key"}
    ) as client:
        yield client


def create_yotta(yotta: ElasticApi) -> str:
    body = create_body()
    created = yotta.create_deployment(
        name=body["name"],
        image=body["image"],
        resources=body["resources"],
        workers=1,
        service_mode="QUEUE",
        container_volume_in_gb=20,
    )
    assert created["code"] == 10000, created
    endpoint_id: str = created["data"]["id"]
    return endpoint_id


def yotta_status(yotta: ElasticApi, endpoint_id: str) -> str:
    status: str = yotta.get_deployment_detail(endpoint_id)["data"]["status"]
    return status


def test_every_bundled_scenario_is_a_valid_fixture() -> None:
    assert SCENARIOS == [
        "capacity-shortage",
        "crash-loop",
        "flaky-api",
        "rate-limited",
        "slow-cold-start",
    ]
    vendors = default_vendors()
    for name in SCENARIOS:
        load_file(f"scenario:{name}", vendors)


@scenario("capacity-shortage")
def test_capacity_shortage_keeps_every_vendor_waiting(
    gpu_emulator: Any, runpod: Any, yotta: ElasticApi, matpool: MatpoolClient, ppio: httpx.Client
) -> None:
    job = runpod.Endpoint(RUNPOD_EP).run({"n": 1})
    yotta_id = create_yotta(yotta)
    matpool_job = ok(matpool.create(job_fields()))["job"]["id"]
    ppio_id = ppio.post(
        "/gpus/v2/endpoints", json=ppio_body(worker_config={"min_replicas": 1, "max_replicas": 1})
    ).json()["id"]
    gpu_emulator.advance(3600)
    assert job.status() == "IN_QUEUE"
    assert runpod.Endpoint(RUNPOD_EP).health()["workers"]["throttled"] == 1
    assert yotta_status(yotta, yotta_id) == "INITIALIZING"
    assert ok(matpool.get(matpool_job))["job"]["status"] == 1
    workers = ppio.get(f"/gpus/v2/endpoints/{ppio_id}").json()["workers"]
    assert [w["status"]["status"] for w in workers] == ["pending"]

    gpu_emulator.faults.clear()  # capacity returns
    gpu_emulator.advance(120)
    assert job.status() == "COMPLETED"
    assert yotta_status(yotta, yotta_id) == "RUNNING"
    assert ok(matpool.get(matpool_job))["job"]["status"] == 3


@scenario("crash-loop")
def test_crash_loop_leaves_jobs_queued_and_endpoints_failed(
    gpu_emulator: Any, runpod: Any, yotta: ElasticApi
) -> None:
    job = runpod.Endpoint(RUNPOD_EP).run({"n": 1})
    yotta_id = create_yotta(yotta)
    # Each worker cycles: 20 s starting, crash, 30 s until the restart; 630 s is in a crash.
    gpu_emulator.advance(630)
    assert job.status() == "IN_QUEUE"
    assert runpod.Endpoint(RUNPOD_EP).health()["workers"]["unhealthy"] == 1
    assert yotta_status(yotta, yotta_id) == "FAILED"


@scenario("slow-cold-start")
def test_slow_cold_start_takes_minutes(
    gpu_emulator: Any, runpod: Any, yotta: ElasticApi, matpool: MatpoolClient
) -> None:
    job = runpod.Endpoint(RUNPOD_EP).run({"n": 1})
    yotta_id = create_yotta(yotta)
    matpool_job = ok(matpool.create(job_fields()))["job"]["id"]
    gpu_emulator.advance(170)
    assert job.status() == "IN_QUEUE"
    assert yotta_status(yotta, yotta_id) == "INITIALIZING"
    assert ok(matpool.get(matpool_job))["job"]["status"] in (1, 2)
    gpu_emulator.advance(600)
    assert job.status() == "COMPLETED"
    assert yotta_status(yotta, yotta_id) == "RUNNING"
    assert ok(matpool.get(matpool_job))["job"]["status"] == 3


@scenario("flaky-api")
def test_flaky_api_fails_about_five_percent_in_each_vendor_shape(
    gpu_emulator: Any, runpod: Any, ppio: httpx.Client, yotta: ElasticApi
) -> None:
    answers = [ppio.get("/gpus/v2/endpoints") for _ in range(200)]
    failed = [a for a in answers if a.status_code != 200]
    assert 2 <= len(failed) <= 25  # 5 % of 200, as the seeded draws fall
    assert {a.status_code for a in failed} == {503}
    assert failed[0].json() == {
        "code": 503,
        "reason": "SERVICE_UNAVAILABLE",
        "message": "injected SERVICE_UNAVAILABLE",
        "metadata": {},
    }
    endpoint = runpod.Endpoint(RUNPOD_EP)
    outcomes = []
    for _ in range(100):
        try:
            endpoint.health()
            outcomes.append("ok")
        except requests.HTTPError as exc:
            outcomes.append(str(exc.response.status_code))
    assert set(outcomes) == {"ok", "503"}
    yotta_statuses = []
    for _ in range(100):
        try:
            yotta.get_deployments()
            yotta_statuses.append(200)
        except ServerError as exc:  # yottaml raises ServerError for 5xx
            yotta_statuses.append(exc.status_code)
    assert set(yotta_statuses) == {200, 503}


@scenario("flaky-api")
def test_flaky_api_fails_the_same_requests_for_the_same_seed(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    first = [ppio.get("/gpus/v2/endpoints").status_code for _ in range(100)]
    gpu_emulator.reset(fixtures=[ENDPOINTS, "scenario:flaky-api"])
    assert [ppio.get("/gpus/v2/endpoints").status_code for _ in range(100)] == first


@scenario("rate-limited")
def test_rate_limited_apis_answer_429_until_the_window_rolls(
    gpu_emulator: Any, runpod: Any, yotta: ElasticApi, matpool: MatpoolClient
) -> None:
    endpoint = runpod.Endpoint(RUNPOD_EP)
    for n in range(10):
        endpoint.run({"n": n})
    with pytest.raises(requests.HTTPError) as refused:
        endpoint.run({"n": 10})  # POST: the SDK does not retry it
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "10"
    for _ in range(10):
        yotta.get_deployments()
    with pytest.raises(ClientError) as limited:
        yotta.get_deployments()
    assert limited.value.status_code == 429
    for _ in range(10):
        matpool.stats()
    assert matpool.stats()[0] == 429
    gpu_emulator.advance(10)
    assert endpoint.run({"n": 11}).job_id
    assert yotta.get_deployments()["code"] == 10000


def test_scenarios_load_through_the_admin_api(gpu_emulator: Any, ppio: httpx.Client) -> None:
    gpu_emulator.reset(fixtures=["scenario:rate-limited"])
    assert len(gpu_emulator.faults.list()) >= 5
    unknown = httpx.post(
        f"{gpu_emulator.base_url}/_emulator/reset", json={"fixtures": ["scenario:nope"]}
    )
    assert unknown.status_code == 400
    assert "no such scenario" in unknown.json()["error"]


def test_scenarios_load_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.cli import main

    assert main(["validate", *(f"scenario:{name}" for name in SCENARIOS)]) == 0
    assert capsys.readouterr().out.count(": ok") == len(SCENARIOS)
    assert main(["validate", "scenario:missing"]) == 1


def test_the_runpod_sdk_retries_a_429_get_as_documented(gpu_emulator: Any, runpod: Any) -> None:
    gpu_emulator.load(ENDPOINTS)
    rule = {
        "host": "api.runpod.ai",
        "method": "GET",
        "path": "/v2/{endpoint_id}/health",
        "action": {"type": "error", "status": 429, "retry_after": 0},
    }
    gpu_emulator.faults.add(rule, times=2)
    health = runpod.Endpoint(RUNPOD_EP).health()  # urllib3 retries 429 on http:// URLs
    assert set(health) == {"jobs", "workers"}
    assert [r["status"] for r in gpu_emulator.requests(path="/health")] == [429, 429, 200]
    # (Forever, it would give up after 1 try + 5 retries with RetryError, after ~30 s of the
    # SDK's own exponential backoff: too slow to show here.)
    gpu_emulator.faults.add(host="api.runpod.ai", method="POST", action=rule["action"])
    with pytest.raises(requests.HTTPError) as refused:  # a POST is not retried
        runpod.Endpoint(RUNPOD_EP).run({"n": 1})
    assert refused.value.response.status_code == 429
    assert len(gpu_emulator.requests(method="POST", path="/run")) == 1


def test_yottaml_sees_a_business_code_on_http_200(gpu_emulator: Any, yotta: ElasticApi) -> None:
    endpoint_id = create_yotta(yotta)
    gpu_emulator.faults.add(
        host="api.yottalabs.ai",
        method="GET",
        path="/v2/serverless/{id}",
        times=1,
        action={"type": "error", "code": 24000},
    )
    answer = yotta.get_deployment_detail(endpoint_id)
    assert answer["code"] == 24000
    assert answer["data"] is None
    assert yotta.get_deployment_detail(endpoint_id)["code"] == 10000
