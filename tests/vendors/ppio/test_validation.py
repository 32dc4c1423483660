"""Every documented range and enum of the create and update bodies: 400 naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.ppio.conftest import assert_error, body, create, get, worker_config

WC = "worker_config"


def _wc(**changes: Any) -> dict[str, Any]:
    return {WC: worker_config(**changes)}


# (body changes, the field the error names)
REJECTED: list[tuple[dict[str, Any], str]] = [
    ({"type": None}, "type"),
    ({"type": "stream"}, "type"),  # objctp/novita-cli's --type stream
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "n" * 256}, "name"),
    ({"name": 7}, "name"),
    ({"product_id": None}, "product_id"),
    ({"product_id": ""}, "product_id"),
    ({"product_id": "p" * 256}, "product_id"),
    ({"image": None}, "image"),
    ({"image": ""}, "image"),
    ({"image": "i" * 501}, "image"),
    ({WC: None}, WC),
    ({WC: "big"}, WC),
    (_wc(max_replicas=None), f"{WC}.max_replicas"),
    (_wc(max_replicas=-1), f"{WC}.max_replicas"),
    (_wc(max_replicas=1001), f"{WC}.max_replicas"),
    (_wc(max_replicas="2"), f"{WC}.max_replicas"),
    (_wc(max_replicas=2.0), f"{WC}.max_replicas"),
    (_wc(max_replicas=True), f"{WC}.max_replicas"),
    (_wc(min_replicas=-1), f"{WC}.min_replicas"),
    (_wc(min_replicas=1001, max_replicas=1000), f"{WC}.min_replicas"),
    (_wc(min_replicas=3, max_replicas=2), f"{WC}.min_replicas"),
    (_wc(idle_timeout=0), f"{WC}.idle_timeout"),
    (_wc(idle_timeout=1001), f"{WC}.idle_timeout"),
    (_wc(max_concurrent_per_worker=0), f"{WC}.max_concurrent_per_worker"),
    (_wc(max_concurrent_per_worker=1001), f"{WC}.max_concurrent_per_worker"),
    (_wc(gpu_num=0), f"{WC}.gpu_num"),
    (_wc(gpu_num=9), f"{WC}.gpu_num"),
    (_wc(rootfs_size_gb=9), f"{WC}.rootfs_size_gb"),
    (_wc(rootfs_size_gb=101), f"{WC}.rootfs_size_gb"),
    (_wc(min_cuda_version="12.0"), f"{WC}.min_cuda_version"),
    (_wc(min_cuda_version=12.4), f"{WC}.min_cuda_version"),
    (_wc(request_timeout=0), f"{WC}.request_timeout"),
    (_wc(request_timeout=1801), f"{WC}.request_timeout"),
    ({"policy": {"type": "request_count", "value": 1}}, "policy.type"),  # novita-cli's name
    ({"policy": {"type": "queue", "value": 0}}, "policy.value"),
    ({"policy": {"type": "queue", "value": 1001}}, "policy.value"),
    ({"policy": {"type": "queue"}}, "policy.value"),
    ({"policy": {"value": 3}}, "policy.type"),
    ({"volumes": [{"id": "v", "type": "ssd", "mount_point": "/d"}]}, "volumes[0].type"),
    ({"volumes": [{"type": "local", "mount_point": "/d"}]}, "volumes[0].size"),
    ({"volumes": [{"type": "local", "size": 0, "mount_point": "/d"}]}, "volumes[0].size"),
    ({"volumes": [{"type": "network", "mount_point": "/d"}]}, "volumes[0].id"),
    (
        {"volumes": [{"id": "v", "type": "network", "mount_point": "m" * 4096}]},
        "volumes[0].mount_point",
    ),
    ({"envs": [{"key": "k" * 512, "value": "v"}]}, "envs[0].key"),
    ({"envs": [{"key": "K", "value": "v" * 4096}]}, "envs[0].value"),
    ({"envs": [{"value": "v"}]}, "envs[0].key"),
    ({"ports": [0]}, "ports[0]"),
    ({"ports": [80, 65536]}, "ports[1]"),
    ({"ports": ["8080"]}, "ports[0]"),
    ({"ports": [{"port": 8080, "protocol": "http"}]}, "ports[0]"),  # novita-cli's 8080:http
    ({"ports": [8080, 2222]}, "ports[1]"),
    ({"ports": [2223]}, "ports[0]"),
    ({"ports": [2224]}, "ports[0]"),
    ({"health_check": {"path": "/h", "port": -1}}, "health_check.port"),
    ({"health_check": {"path": "/h", "port": 65536}}, "health_check.port"),
    ({"app_name": "a" * 256}, "app_name"),
    ({"registry_auth_id": "r" * 256}, "registry_auth_id"),
]


@pytest.mark.parametrize(("changes", "field"), REJECTED, ids=[f for _, f in REJECTED])
def test_create_rejects_out_of_range_values_naming_the_field(
    ppio: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    response = ppio.post("/gpus/v2/endpoints", json=body(**changes))
    error = assert_error(response, 400, "INVALID_REQUEST_BODY")
    assert error["metadata"] == {"field": field}
    assert error["message"].startswith(f"{field}: ")
    assert ppio.get("/gpus/v2/endpoints").json()["data"] == []


ACCEPTED: list[dict[str, Any]] = [
    {"name": "n" * 255, "product_id": "p" * 255, "image": "i" * 500},
    {"app_name": "", "registry_auth_id": "r" * 255},
    _wc(max_replicas=0, min_replicas=0),
    _wc(max_replicas=1000, min_replicas=1000),
    _wc(idle_timeout=1, max_concurrent_per_worker=1, gpu_num=1, rootfs_size_gb=10),
    _wc(idle_timeout=1000, max_concurrent_per_worker=1000, gpu_num=8, rootfs_size_gb=100),
    _wc(request_timeout=1),
    _wc(request_timeout=1800),
    *[_wc(min_cuda_version=v) for v in ("12.4", "12.6", "12.8", "12.9", "13.0")],
    {"policy": {"type": "concurrency", "value": 1}},
    {"policy": {"type": "queue", "value": 1000}},
    {"ports": [1, 65535, 8080, 8081]},  # more than one port is accepted
    {"health_check": {"path": "/", "port": 0}},
    {"health_check": {"path": "/", "port": 65535}},
    {"envs": [{"key": "", "value": ""}, {"key": "k" * 511, "value": "v" * 4095}]},
    {"volumes": [{"id": "v", "type": "network", "mount_point": "m" * 4095}]},
    {"type": "async"},
    {"unknown_field": {"ignored": True}},
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_create_accepts_the_documented_bounds(ppio: httpx.Client, changes: dict[str, Any]) -> None:
    endpoint_id = create(ppio, **changes)
    found = get(ppio, endpoint_id)
    for key, value in changes.items():
        if key == WC:
            assert found[WC] == value
        elif key != "unknown_field":
            assert found[key] == value
    assert "unknown_field" not in found


UPDATE_REJECTED: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name"),
    ({"product_id": ""}, "product_id"),
    ({"image": "i" * 501}, "image"),
    ({WC: {"min_replicas": 1}}, f"{WC}.max_replicas"),
    ({WC: {"max_replicas": 1, "gpu_num": 9}}, f"{WC}.gpu_num"),
    ({"policy": {"type": "fifo", "value": 1}}, "policy.type"),
    ({"ports": [70000]}, "ports[0]"),
    ({"ports": [2222]}, "ports[0]"),
    ({"envs": [{"key": "k" * 512}]}, "envs[0].key"),
    ({"volumes": [{"type": "local", "mount_point": "/d"}]}, "volumes[0].size"),
    ({"health_check": {"port": 65536}}, "health_check.port"),
]


@pytest.mark.parametrize(("changes", "field"), UPDATE_REJECTED, ids=[f for _, f in UPDATE_REJECTED])
def test_update_rejects_out_of_range_values_and_changes_nothing(
    ppio: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    endpoint_id = create(ppio)
    before = get(ppio, endpoint_id)
    error = assert_error(
        ppio.put(f"/gpus/v2/endpoints/{endpoint_id}", json=changes), 400, "INVALID_REQUEST_BODY"
    )
    assert error["metadata"] == {"field": field}
    assert get(ppio, endpoint_id) == before


@pytest.mark.gpu_emulator(
    fixtures=[{"ppio": {"options": {"worker_config_optional": True, "reserved_ports": []}}}]
)
def test_options_allow_omitting_worker_config_and_reserved_ports(ppio: httpx.Client) -> None:
    # objctp/novita-cli sends no worker_config when no flag is given
    endpoint_id = create(ppio, worker_config=None, ports=[2222])
    found = get(ppio, endpoint_id)
    assert found[WC] == worker_config()
    assert found["ports"] == [2222]
    # a given worker_config still needs max_replicas
    response = ppio.post("/gpus/v2/endpoints", json=body(worker_config={"min_replicas": 0}))
    assert assert_error(response, 400, "INVALID_REQUEST_BODY")["metadata"] == {
        "field": f"{WC}.max_replicas"
    }
