"""Bad input: 400 + 10001 naming the field, business checks, auth, path ids; nothing half-made."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.yotta.conftest import create_body

RESOURCE = {"region": "us-east-1", "gpuType": "NVIDIA_RTX_4090_24G", "gpuCount": 1}
NAME_RULE = 'must match "^(?=[A-Za-z])[A-Za-z0-9@._-]{1,20}$"'

CREATE_CASES = [
    ({"name": "1starts-with-digit"}, "name", NAME_RULE),
    ({"name": "a" * 21}, "name", NAME_RULE),
    ({"name": "bad name"}, "name", NAME_RULE),
    ({"name": None}, "name", "must not be null"),
    ({"image": ""}, "image", "size must be between 1 and 255"),
    ({"image": "i" * 256}, "image", "size must be between 1 and 255"),
    ({"imageRegistry": "r" * 256}, "imageRegistry", "size must be between 0 and 255"),
    ({"resources": []}, "resources", "must not be empty"),
    ({"resources": None}, "resources", "must not be null"),
    (
        {"resources": [{"gpuType": "NVIDIA_H100_80G", "gpuCount": 1}]},
        "resources[0].region",
        "must not be null",
    ),
    ({"resources": [{**RESOURCE, "gpuType": ""}]}, "resources[0].gpuType", "must not be blank"),
    (
        {"resources": [{"region": "us-east-1", "gpuType": "X"}]},
        "resources[0].gpuCount",
        "must not be null",
    ),
    ({"workers": 0}, "workers", "must be greater than or equal to 1"),
    ({"workers": "two"}, "workers", "Cannot deserialize value of type `Integer` from 'two'"),
    ({"workers": 2**31}, "workers", "Numeric value out of range of int"),
    ({"containerVolumeInGb": 19}, "containerVolumeInGb", "must be greater than or equal to 20"),
    ({"minSingleCardVramInGb": -1}, "minSingleCardVramInGb", "must be greater than or equal to 0"),
    (
        {"minSingleCardVramInGb": 1537},
        "minSingleCardVramInGb",
        "must be less than or equal to 1536",
    ),
    ({"minSingleCardRamInGb": 1537}, "minSingleCardRamInGb", "must be less than or equal to 1536"),
    ({"webhook": "ftp://example.com"}, "webhook", 'must match "^https?://.*"'),
    ({"webhook": "https://x/" + "a" * 510}, "webhook", "size must be between 0 and 512"),
    (
        {"expose": {"port": 0, "protocol": "http"}},
        "expose.port",
        "must be greater than or equal to 1",
    ),
    (
        {"expose": {"port": 65536, "protocol": "http"}},
        "expose.port",
        "must be less than or equal to 65535",
    ),
    ({"expose": {"port": 8000}}, "expose.protocol", "must not be null"),
    ({"envVars": [{"key": "", "value": "x"}]}, "envVars[0].key", "must not be blank"),
    ({"environmentVars": [{"key": "A"}]}, "environmentVars[0].value", "must not be null"),
    ({"serviceMode": "BATCH"}, "serviceMode", "must be one of ALB, QUEUE, CUSTOM"),
    ({"credentialId": "9" * 30}, "credentialId", "Numeric value out of range of long"),
]


@pytest.mark.parametrize(("changes", "field", "rule"), CREATE_CASES)
def test_create_rejects_each_rule_naming_the_field(
    http: httpx.Client, changes: dict[str, Any], field: str, rule: str
) -> None:
    response = http.post("/v2/serverless", json=create_body(**changes))
    assert response.status_code == 400
    assert response.json() == {"message": f"{field}: {rule}", "code": 10001, "data": None}
    assert http.get("/v2/serverless").json()["data"] == [], "nothing half-created"


@pytest.mark.parametrize(
    "missing", ["name", "image", "resources", "workers", "containerVolumeInGb", "serviceMode"]
)
def test_create_requires_its_fields(http: httpx.Client, missing: str) -> None:
    body = create_body()
    del body[missing]
    response = http.post("/v2/serverless", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == f"{missing}: must not be null"


def test_unreadable_bodies_are_400s(http: httpx.Client) -> None:
    for content in (b"", b"{nope", b"[1, 2]"):
        response = http.post(
            "/v2/serverless", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["code"] == 10001


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            [{"region": "us-east-1", "gpuType": "NVIDIA_GTX_1080_8G", "gpuCount": 1}],
            "gpu type [NVIDIA_GTX_1080_8G] not supported",
        ),
        (
            [{"region": "us-east-1", "gpuType": "NVIDIA_L4_24G", "gpuCount": 1}],
            "gpu type [NVIDIA_L4_24G] not supported in region [us-east-1]",
        ),
        (
            [{"region": "us-east-1", "gpuType": "NVIDIA_H100_80G", "gpuCount": 3}],
            "resources[0].gpuCount: GPU count must be a power of 2 (1, 2, 4, 8, ...)",
        ),
        (
            [
                {"region": "us-east-1", "gpuType": "NVIDIA_H100_80G", "gpuCount": 1},
                {"region": "us-east-1", "gpuType": "NVIDIA_A100_80G", "gpuCount": 2},
            ],
            "all resources must use the same gpuCount",
        ),
    ],
)
def test_catalog_checks_are_business_errors(
    http: httpx.Client, resources: list[dict[str, Any]], message: str
) -> None:
    response = http.post("/v2/serverless", json=create_body(resources=resources))
    assert response.status_code == 200
    assert response.json() == {"message": message, "code": 10001, "data": None}
    assert http.get("/v2/serverless").json()["data"] == []


def test_lenient_catalog_accepts_unknown_gpu_codes(gpu_emulator: Any, http: httpx.Client) -> None:
    gpu_emulator.load({"yotta": {"options": {"strict_gpu_types": False}}})
    resources = [{"region": "us-east-1", "gpuType": "RTX_4090_24G", "gpuCount": 1}]
    data = http.post("/v2/serverless", json=create_body(resources=resources)).json()["data"]
    assert data["resources"][0]["gpuDisplayName"] == "RTX_4090_24G"
    assert data["resources"][0]["singleCardVramInGb"] == 24


def test_client_aliases_are_accepted(http: httpx.Client) -> None:
    body = create_body(
        containerRegistryAuthId=123,
        environmentVars=[{"key": "MODEL", "value": "llama"}, {"name": "CLI", "value": "yes"}],
    )
    data = http.post("/v2/serverless", json=body).json()["data"]
    assert data["credentialId"] == "123"
    assert data["environmentVars"] == [
        {"key": "MODEL", "value": "llama"},
        {"key": "CLI", "value": "yes"},
    ]
    seed_names = create_body(credentialId="7", envVars=[{"key": "A", "value": "b"}])
    data = http.post("/v2/serverless", json=seed_names).json()["data"]
    assert (data["credentialId"], data["environmentVars"]) == ("7", [{"key": "A", "value": "b"}])


def test_update_requires_its_fields_and_checks_them(http: httpx.Client) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body()).json()["data"]["id"]
    update = {"name": "x", "resources": [RESOURCE], "workers": 1, "containerVolumeInGb": 20}
    for field in update:
        partial = {k: v for k, v in update.items() if k != field}
        response = http.patch(f"/v2/serverless/{endpoint_id}", json=partial)
        assert (response.status_code, response.json()["message"]) == (
            400,
            f"{field}: must not be null",
        )
    bad = http.patch(f"/v2/serverless/{endpoint_id}", json={**update, "workers": 0})
    assert bad.json()["message"] == "workers: must be greater than or equal to 1"
    assert http.get(f"/v2/serverless/{endpoint_id}").json()["data"]["name"] == "llama-inference"
    missing = http.patch("/v2/serverless/123456789012345678", json=update)
    assert missing.json() == {"message": "Endpoint not found", "code": 14000, "data": None}


SUBMIT = {"input": {"prompt": "hi"}, "workerPort": 8000, "processUri": "/run"}
SUBMIT_CASES = [
    ({"taskId": "has-hyphen"}, "taskId", 'must match "^[A-Za-z0-9_]*$"'),
    ({"taskId": "t" * 256}, "taskId", "size must be between 0 and 255"),
    ({"workerPort": 0}, "workerPort", "must be greater than or equal to 1"),
    ({"workerPort": 65536}, "workerPort", "must be less than or equal to 65535"),
    ({"workerPort": None}, "workerPort", "must not be null"),
    ({"processUri": "/" + "p" * 255}, "processUri", "size must be between 0 and 255"),
    ({"processUri": None}, "processUri", "must not be null"),
    ({"input": None}, "input", "must not be null"),
    ({"webhook": "mailto:x@y.z"}, "webhook", 'must match "^https?://.*"'),
    ({"webhookAuthKey": "k" * 256}, "webhookAuthKey", "size must be between 0 and 255"),
    (
        {"headers": {"X-Count": 1}},
        "headers.X-Count",
        "Cannot deserialize value of type `String` from 1",
    ),
]


@pytest.mark.parametrize(("changes", "field", "rule"), SUBMIT_CASES)
def test_submit_rejects_each_rule_naming_the_field(
    http: httpx.Client, changes: dict[str, Any], field: str, rule: str
) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body()).json()["data"]["id"]
    response = http.post(f"/v2/serverless/{endpoint_id}/tasks", json={**SUBMIT, **changes})
    assert response.status_code == 400
    assert response.json() == {"message": f"{field}: {rule}", "code": 10001, "data": None}
    listed = http.get(f"/v2/serverless/{endpoint_id}/tasks").json()["data"]
    assert listed["total"] == 0, "nothing half-created"


def test_path_ids_must_be_numbers(http: httpx.Client) -> None:
    for path in ("/v2/serverless/abc", "/v2/serverless/12x/tasks", "/v2/serverless/1e5/stop"):
        method = "POST" if path.endswith("stop") else "GET"
        response = http.request(method, path)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == 10001
        assert body["message"].startswith("id: Failed to convert value of type 'java.lang.String'")
    too_big = http.get("/v2/serverless/99999999999999999999")
    assert too_big.status_code == 400
    assert http.get("/v2/serverless/00042").json()["code"] == 14000


def test_query_parameters_are_checked(http: httpx.Client) -> None:
    endpoint_id = http.post("/v2/serverless", json=create_body()).json()["data"]["id"]
    base = f"/v2/serverless/{endpoint_id}"
    missing = http.put(f"{base}/workers")
    assert missing.status_code == 400
    assert missing.json()["message"] == (
        "Required request parameter 'count' for method parameter type Integer is not present"
    )
    assert http.put(f"{base}/workers", params={"count": -1}).json()["message"] == (
        "count: must be greater than or equal to 0"
    )
    assert http.put(f"{base}/workers", params={"count": "x"}).status_code == 400
    assert http.get(f"{base}/tasks", params={"pageNumber": 0}).json()["message"] == (
        "pageNumber: must be greater than or equal to 1"
    )
    assert http.get(f"{base}/tasks", params={"pageSize": 0}).status_code == 400


def test_auth_needs_a_key_in_any_casing(base_url: str, http: httpx.Client) -> None:
    for headers in ({}, {"X-Api-Key": ""}):
        response = httpx.get(f"{base_url}/v2/serverless", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized", "code": 401, "data": None}
    created = http.post("/v2/serverless", json=create_body()).json()["data"]
    for name in ("x-api-key", "X-API-Key", "X-API-KEY"):
        seen = httpx.get(f"{base_url}/v2/serverless", headers={name: "yotta-test-key"}).json()
        assert [ep["id"] for ep in seen["data"]] == [created["id"]]
    other = httpx.get(f"{base_url}/v2/serverless/{created['id']}", headers={"X-Api-Key": "other"})
    assert other.json()["code"] == 14000, "each key is its own world"


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": "known"}]}])
def test_strict_auth_refuses_unknown_keys(base_url: str) -> None:
    refused = httpx.get(f"{base_url}/v2/serverless", headers={"X-Api-Key": "stranger"})
    assert (refused.status_code, refused.json()["code"]) == (401, 401)
    assert httpx.get(f"{base_url}/v2/serverless", headers={"X-Api-Key": "known"}).status_code == 200


def test_unknown_routes_and_methods_keep_the_envelope(http: httpx.Client, base_url: str) -> None:
    headers = {"X-Api-Key": "k"}
    missing = httpx.get(f"{base_url}/v2/nothing", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"message": "No endpoint GET /v2/nothing.", "code": 404, "data": None}
    wrong = httpx.put(f"{base_url}/v2/serverless", headers=headers)
    assert wrong.status_code == 405
    assert wrong.json()["message"] == "Request method 'PUT' is not supported"
