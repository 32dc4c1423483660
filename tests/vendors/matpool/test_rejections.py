"""Every rejection is HTTP 200 with the vendor's code, and creates nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.vendors.matpool import HOST
from tests.vendors.matpool.client import MatpoolClient, form_fields, ok
from tests.vendors.matpool.conftest import job_fields

PARAM_ILLEGAL = (200, {"code": 6, "msg": "param illegal"})
BAD_TOKEN = (200, {"code": 176, "msg": "check jwt token failed"})


def assert_nothing_created(matpool: MatpoolClient) -> None:
    assert ok(matpool.list())["pagination"]["total"] == 0
    assert set(ok(matpool.stats())["stats"].values()) == {0}


BAD_FORMS: dict[str, dict[str, Any]] = {
    "no spec": job_fields(spec=None),
    "spec not JSON": job_fields(spec="NVIDIA A16"),
    "spec an array": job_fields(spec=["NVIDIA A16"]),
    "spec without gpuName": job_fields(spec={"gpu": "NVIDIA A16"}),
    "gpuName empty": job_fields(spec={"gpuName": " "}),
    "gpuName a number": job_fields(spec={"gpuName": 4090}),
    "no agent_domain": job_fields(agent_domain=None),
    "agent_domain not a number": job_fields(agent_domain="zone1"),
    "agent_domain negative": job_fields(agent_domain=-1),
    "no image nor snapshot": job_fields(from_image_id=None),
    "image and snapshot": job_fields(from_snapshot_id=5),
    "image id not a number": job_fields(from_image_id="ubuntu"),
    "image id zero": job_fields(from_image_id=0),
    "snapshot id negative": job_fields(from_image_id=None, from_snapshot_id=-3),
    "cmd over 512 bytes": job_fields(cmd="x" * 513),
    "cmd over 512 bytes of UTF-8": job_fields(cmd="训" * 171),  # 513 bytes, 171 characters
    "domain unknown": job_fields(domain="official"),
    "ports not JSON": job_fields(ports="22:1"),
    "ports an object": job_fields(ports={"port": 22, "protocol": 1}),
    "port out of range": job_fields(ports=[{"port": 70000, "protocol": 1}]),
    "port as a string": job_fields(ports=[{"port": "22", "protocol": 1}]),
    "protocol 5": job_fields(ports=[{"port": 22, "protocol": 5}]),
    "port without protocol": job_fields(ports=[{"port": 22}]),
    "a port twice": job_fields(ports=[{"port": 22, "protocol": 1}, {"port": 22, "protocol": 2}]),
}


@pytest.mark.parametrize("fields", BAD_FORMS.values(), ids=BAD_FORMS.keys())
def test_bad_create_fields_are_param_illegal(
    matpool: MatpoolClient, fields: dict[str, Any]
) -> None:
    assert matpool.create(fields) == PARAM_ILLEGAL
    assert_nothing_created(matpool)


def test_the_cmd_limit_is_inclusive_and_configurable(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    ok(matpool.create(job_fields(cmd="x" * 512)))
    gpu_emulator.load({"matpool": {"options": {"cmd_limit": 1000}}})
    ok(matpool.create(job_fields(cmd="x" * 553)))  # rejected by the real service
    assert matpool.create(job_fields(cmd="x" * 1001)) == PARAM_ILLEGAL
    assert ok(matpool.list())["pagination"]["total"] == 2


def test_both_sources_can_be_allowed(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    gpu_emulator.load({"matpool": {"options": {"allow_both_sources": True}}})
    job = ok(matpool.create(job_fields(from_snapshot_id=5)))["job"]
    assert (job["app"]["fromImageId"], job["app"]["fromSnapshotId"]) == (633839, 5)


def test_empty_optional_parts_count_as_absent(matpool: MatpoolClient) -> None:
    fields = {**form_fields(job_fields()), "from_snapshot_id": "", "domain": "", "ports": ""}
    job = ok(matpool.call("POST", "/v1/job", fields=fields))["job"]
    assert job["res"]["domain"] == "all"
    assert job["app"]["ports"] == []


def test_a_body_that_is_not_a_form_is_param_illegal(matpool: MatpoolClient) -> None:
    as_json = json.dumps(job_fields()).encode()
    assert matpool.call("POST", "/v1/job", body=as_json, content_type="application/json") == (
        PARAM_ILLEGAL
    )
    broken = b"--xyz\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
    reply = matpool.call(
        "POST", "/v1/job", body=broken, content_type="multipart/form-data; boundary=xyz"
    )
    assert reply == PARAM_ILLEGAL
    assert matpool.call("POST", "/v1/job") == PARAM_ILLEGAL
    assert_nothing_created(matpool)


def test_an_urlencoded_form_is_read_too(matpool: MatpoolClient) -> None:
    from urllib.parse import urlencode

    body = urlencode(form_fields(job_fields())).encode()
    reply = matpool.call(
        "POST", "/v1/job", body=body, content_type="application/x-www-form-urlencoded"
    )
    assert ok(reply)["job"]["app"]["envs"] == "model_code=3;env=hello"


def test_a_part_sent_as_a_file_is_read_as_text(gpu_emulator: Any) -> None:
    fields = form_fields(job_fields())
    files = {"spec": ("spec.json", fields.pop("spec"), "application/json")}
    response = httpx.post(
        gpu_emulator.url(HOST, "/v1/job"),
        data=fields,
        files=files,
        headers={"Authorization": "Bearer mp-token"},
    )
    assert response.status_code == 200
    assert response.json()["job"]["res"]["gpuName"] == "NVIDIA A16"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Token mp-token"}, {"Authorization": ""}],
    ids=["missing", "empty bearer", "other scheme", "empty header"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/job"),
        ("GET", "/v1/job?id=1"),
        ("DELETE", "/v1/job?id=1"),
        ("GET", "/v1/job/stats"),
        ("GET", "/v1/job/jobs"),
    ],
)
def test_every_operation_needs_a_bearer_token(
    gpu_emulator: Any, headers: dict[str, str], method: str, path: str
) -> None:
    files = form_fields(job_fields()) if method == "POST" else None
    response = httpx.request(
        method,
        gpu_emulator.url(HOST, path),
        headers=headers,
        files={k: (None, v) for k, v in files.items()} if files else None,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": 176, "msg": "check jwt token failed"}
    assert not gpu_emulator.state()["tenants"]


@pytest.mark.gpu_emulator(auth="strict", fixtures={"tenants": [{"key": "known"}]})
def test_strict_auth_refuses_unknown_tokens(gpu_emulator: Any) -> None:
    stranger = MatpoolClient(gpu_emulator.url(HOST), "stranger")
    assert stranger.stats() == BAD_TOKEN
    assert stranger.create(job_fields()) == BAD_TOKEN
    ok(MatpoolClient(gpu_emulator.url(HOST), "known").stats())


@pytest.mark.parametrize("value", ["", "abc", "1.5", "0x10"])
def test_bad_ids_are_param_illegal(matpool: MatpoolClient, value: str) -> None:
    assert matpool.get(value) == PARAM_ILLEGAL
    assert matpool.cancel(value) == PARAM_ILLEGAL
    assert matpool.call("GET", "/v1/job") == PARAM_ILLEGAL
    assert matpool.call("DELETE", "/v1/job") == PARAM_ILLEGAL


def test_unknown_ids_answer_code_1_and_it_is_configurable(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    assert matpool.get(424242) == (200, {"code": 1, "msg": "record not found"})
    assert matpool.cancel(424242) == (200, {"code": 1, "msg": "record not found"})
    gpu_emulator.load({"matpool": {"options": {"not_found": {"code": 7, "msg": "no such job"}}}})
    assert matpool.get(424242) == (200, {"code": 7, "msg": "no such job"})


def test_cancel_also_takes_the_id_as_a_form_field(matpool: MatpoolClient) -> None:
    job_id = ok(matpool.create(job_fields()))["job"]["id"]
    ok(matpool.call("DELETE", "/v1/job", fields={"id": str(job_id)}))
    assert ok(matpool.get(job_id))["job"]["status"] == 5


@pytest.mark.parametrize(
    "query",
    [
        {"page": 0},
        {"page": -1},
        {"page": "two"},
        {"per_page": 0},
        {"per_page": "ten"},
        {"order": "newest"},
    ],
)
def test_bad_paging_is_param_illegal(matpool: MatpoolClient, query: dict[str, Any]) -> None:
    assert matpool.call("GET", "/v1/job/jobs", query) == PARAM_ILLEGAL


def test_unknown_routes_and_methods_keep_the_envelope(gpu_emulator: Any) -> None:
    headers = {"Authorization": "Bearer mp-token"}
    missing = httpx.get(gpu_emulator.url(HOST, "/v1/jobs"), headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "msg": "404 page not found"}
    wrong = httpx.put(gpu_emulator.url(HOST, "/v1/job"), headers=headers)
    assert wrong.status_code == 405
    assert wrong.json() == {"code": 405, "msg": "405 method not allowed"}
