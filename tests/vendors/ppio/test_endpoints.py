"""The five endpoint operations, their wire shapes, lifecycle, auth and error envelopes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.ppio.conftest import (
    DOC_EXAMPLE,
    KEY,
    NOVITA,
    PPIO,
    assert_error,
    client_for,
    create,
    endpoint_schema,
    get,
    list_schema,
    validate,
    worker_config,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z, the manual clock's start


def test_create_returns_only_the_id_and_get_returns_every_documented_field(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    response = ppio.post("/gpus/v2/endpoints", json=DOC_EXAMPLE)
    assert response.status_code == 200
    assert list(response.json()) == ["id"]
    endpoint_id = response.json()["id"]
    found = get(ppio, endpoint_id)
    validate(found, endpoint_schema())
    assert found["id"] == endpoint_id
    for field in ("type", "name", "app_name", "product_id", "image", "registry_auth_id"):
        assert found[field] == DOC_EXAMPLE[field]
    for field in ("entrypoint", "command", "envs", "ports", "health_check", "region_id"):
        assert found[field] == DOC_EXAMPLE[field]
    assert found["worker_config"] == DOC_EXAMPLE["worker_config"]
    assert found["policy"] == {"type": "queue", "value": 100}
    # `size` is only returned for local volumes (the example's volume is a network one).
    assert found["volumes"] == [{"id": "storage-id", "type": "network", "mount_point": "/data"}]
    assert found["created_at"] == T0
    assert found["url"] == gpu_emulator.url(PPIO, f"/serverless/{endpoint_id}")
    assert found["status"] == {"status": "creating", "error": "", "message": ""}
    assert found["workers"] == []
    assert found["owner_id"]
    assert found["member_id"]


def test_get_matches_the_documented_example_shape_key_for_key(ppio: httpx.Client) -> None:
    documented = [
        "id", "type", "name", "app_name", "status", "url", "product_id", "worker_config",
        "policy", "image", "registry_auth_id", "entrypoint", "command", "volumes", "envs",
        "ports", "workers", "health_check", "region_id", "member_id", "owner_id", "created_at",
    ]  # fmt: skip
    assert list(get(ppio, create(ppio))) == documented


def test_local_volumes_return_their_size(ppio: httpx.Client) -> None:
    volumes = [
        {"type": "local", "size": 50, "mount_point": "/scratch"},
        {"id": "nas-1", "type": "network", "size": 10, "mount_point": "/data"},
    ]
    found = get(ppio, create(ppio, volumes=volumes))
    assert found["volumes"] == [
        {"id": "", "type": "local", "size": 50, "mount_point": "/scratch"},
        {"id": "nas-1", "type": "network", "mount_point": "/data"},
    ]
    validate(found, endpoint_schema())


def test_defaults_fill_what_the_body_leaves_out(ppio: httpx.Client) -> None:
    minimal = {
        "type": "async",
        "name": "m",
        "product_id": "p",
        "image": "img",
        "worker_config": {"max_replicas": 3},
    }
    endpoint_id = ppio.post("/gpus/v2/endpoints", json=minimal).json()["id"]
    found = get(ppio, endpoint_id)
    validate(found, endpoint_schema())
    assert found["worker_config"] == {**DOC_EXAMPLE["worker_config"], "max_replicas": 3}
    assert found["policy"] == {"type": "queue", "value": 100}
    assert found["app_name"] == endpoint_id
    assert (found["volumes"], found["envs"], found["ports"]) == ([], [], [])
    assert found["health_check"] == {"path": "", "port": 0}
    assert (found["entrypoint"], found["command"], found["registry_auth_id"]) == ("", "", "")


def test_status_goes_creating_then_running_and_min_replicas_come_up(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id = create(ppio, worker_config=worker_config(min_replicas=2, max_replicas=3))
    assert get(ppio, endpoint_id)["status"]["status"] == "creating"
    gpu_emulator.advance(5)
    found = get(ppio, endpoint_id)
    assert found["status"] == {"status": "running", "error": "", "message": ""}
    assert [w["status"]["status"] for w in found["workers"]] == ["pulling", "pulling"]
    assert all(w["health"] is False and w["drain"] is False for w in found["workers"])
    gpu_emulator.advance(20)  # the default behaviour's cold start
    found = get(ppio, endpoint_id)
    validate(found, endpoint_schema())
    workers = found["workers"]
    assert [w["status"] for w in workers] == [{"status": "ready", "error": "", "message": ""}] * 2
    assert all(w["health"] is True and w["drain"] is False for w in workers)
    assert all(w["id"].startswith(endpoint_id + "-") for w in workers)
    assert workers[0]["log"] == gpu_emulator.url(PPIO, f"/logs/{endpoint_id}/{workers[0]['id']}")
    log = ppio.get(workers[0]["log"])
    assert log.status_code == 200
    assert log.text.splitlines() == [
        f"2026-01-01T00:00:05.000Z worker {workers[0]['id']} provisioning (pending)",
        f"2026-01-01T00:00:05.000Z worker {workers[0]['id']} initializing (pulling)",
        f"2026-01-01T00:00:25.000Z worker {workers[0]['id']} idle (ready)",
    ]
    # min_replicas are kept: long idle does not remove them.
    gpu_emulator.advance(3600)
    assert len(get(ppio, endpoint_id)["workers"]) == 2


def test_update_is_partial_and_passes_through_updating(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    endpoint_id = create(ppio)
    gpu_emulator.advance(5)
    response = ppio.put(
        f"/gpus/v2/endpoints/{endpoint_id}",
        json={
            "name": "renamed",
            "image": "",  # allowed on update (0-500): left unchanged
            "worker_config": {"max_replicas": 5, "min_replicas": 1},
            "envs": [{"key": "A", "value": "1"}],
        },
    )
    assert response.status_code == 200
    assert response.json() == {}
    found = get(ppio, endpoint_id)
    assert found["status"]["status"] == "updating"
    assert found["name"] == "renamed"
    assert found["image"] == DOC_EXAMPLE["image"]
    assert found["worker_config"] == {
        **DOC_EXAMPLE["worker_config"],
        "max_replicas": 5,
        "min_replicas": 1,
    }
    assert found["envs"] == [{"key": "A", "value": "1"}]  # arrays are replaced
    assert found["ports"] == [8080]
    assert found["policy"] == {"type": "queue", "value": 100}
    assert len(found["workers"]) == 1  # the new min_replicas applies at once
    gpu_emulator.advance(5)
    assert get(ppio, endpoint_id)["status"]["status"] == "running"
    ppio.put(
        f"/gpus/v2/endpoints/{endpoint_id}", json={"policy": {"type": "concurrency", "value": 4}}
    )
    assert get(ppio, endpoint_id)["policy"] == {"type": "concurrency", "value": 4}


def test_update_ignores_type_and_keeps_the_endpoint_type(ppio: httpx.Client) -> None:
    endpoint_id = create(ppio)
    assert ppio.put(f"/gpus/v2/endpoints/{endpoint_id}", json={"type": "async"}).status_code == 200
    assert get(ppio, endpoint_id)["type"] == "sync"


def test_update_worker_config_requires_max_replicas_and_checks_min_against_max(
    ppio: httpx.Client,
) -> None:
    endpoint_id = create(ppio)
    missing = ppio.put(
        f"/gpus/v2/endpoints/{endpoint_id}", json={"worker_config": {"min_replicas": 1}}
    )
    error = assert_error(missing, 400, "INVALID_REQUEST_BODY")
    assert error["metadata"] == {"field": "worker_config.max_replicas"}
    assert "worker_config.max_replicas" in error["message"]
    above = ppio.put(
        f"/gpus/v2/endpoints/{endpoint_id}",
        json={"worker_config": {"max_replicas": 1, "min_replicas": 2}},
    )
    assert assert_error(above, 400, "INVALID_REQUEST_BODY")["metadata"] == {
        "field": "worker_config.min_replicas"
    }
    # merged with the stored config: min 0 stays valid against a new max of 0
    ok = ppio.put(f"/gpus/v2/endpoints/{endpoint_id}", json={"worker_config": {"max_replicas": 0}})
    assert ok.status_code == 200
    assert get(ppio, endpoint_id)["worker_config"]["max_replicas"] == 0
    # a failed update changes nothing
    bad = ppio.put(f"/gpus/v2/endpoints/{endpoint_id}", json={"name": "x", "ports": [0]})
    assert_error(bad, 400, "INVALID_REQUEST_BODY")
    assert get(ppio, endpoint_id)["name"] == DOC_EXAMPLE["name"]


def test_delete_removes_the_endpoint_and_its_workers(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id = create(ppio, worker_config=worker_config(min_replicas=1))
    gpu_emulator.advance(30)
    assert len(get(ppio, endpoint_id)["workers"]) == 1
    deleted = ppio.delete(f"/gpus/v2/endpoints/{endpoint_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {}
    assert_error(ppio.get(f"/gpus/v2/endpoints/{endpoint_id}"), 404, "NOT_FOUND")
    assert_error(ppio.delete(f"/gpus/v2/endpoints/{endpoint_id}"), 404, "NOT_FOUND")
    assert_error(ppio.put(f"/gpus/v2/endpoints/{endpoint_id}", json={}), 404, "NOT_FOUND")
    assert ppio.get("/gpus/v2/endpoints").json()["data"] == []


def test_unknown_ids_are_404_not_found(ppio: httpx.Client) -> None:
    for response in (
        ppio.get("/gpus/v2/endpoints/nope"),
        ppio.put("/gpus/v2/endpoints/nope", json={"name": "x"}),
        ppio.delete("/gpus/v2/endpoints/nope"),
        ppio.post("/serverless/nope/run", json={}),
    ):
        error = assert_error(response, 404, "NOT_FOUND")
        assert error["message"] == "endpoint not found"


def test_an_over_long_path_id_is_400(ppio: httpx.Client) -> None:
    error = assert_error(ppio.get("/gpus/v2/endpoints/" + "x" * 256), 400, "INVALID_REQUEST_BODY")
    assert error["metadata"] == {"field": "endpoint_id"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/gpus/v2/endpoints/abc"),  # what objctp/novita-cli sends for update
        ("POST", "/gpus/v2/endpoints/abc"),
        ("PUT", "/gpus/v2/endpoints"),
        ("DELETE", "/gpus/v2/endpoints"),
        ("PATCH", "/gpus/v2/endpoints"),
    ],
)
def test_other_methods_are_405(ppio: httpx.Client, method: str, path: str) -> None:
    assert_error(ppio.request(method, path, json={}), 405, "METHOD_NOT_ALLOWED")


def test_other_paths_are_404_api_not_found(ppio: httpx.Client) -> None:
    for path in ("/gpus/v2/instances", "/gpus/v1/endpoints", "/gpus/v2/endpoints/a/b"):
        assert_error(ppio.get(path), 404, "API_NOT_FOUND")


def test_missing_or_malformed_bearer_is_401(gpu_emulator: Any) -> None:
    url = gpu_emulator.url(PPIO, "/gpus/v2/endpoints")
    for headers in (
        {},
        {"Authorization": KEY},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ):
        error = assert_error(httpx.get(url, headers=headers), 401, "UNAUTHORIZED")
        assert "Bearer" in error["message"]


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": "sk_known"}]}])
def test_unknown_key_in_strict_auth_is_403_invalid_api_key(gpu_emulator: Any) -> None:
    with client_for(gpu_emulator, PPIO, key="sk_stranger") as stranger:
        error = assert_error(stranger.get("/gpus/v2/endpoints"), 403, "INVALID_API_KEY")
        assert error["message"] == "invalid api-key"
        assert_error(stranger.post("/gpus/v2/endpoints", json=DOC_EXAMPLE), 403, "INVALID_API_KEY")
    with client_for(gpu_emulator, PPIO, key="sk_known") as known:
        assert known.get("/gpus/v2/endpoints").status_code == 200


def test_body_errors_name_the_problem(ppio: httpx.Client) -> None:
    empty = assert_error(ppio.post("/gpus/v2/endpoints", content=b""), 400, "INVALID_REQUEST_BODY")
    assert "empty" in empty["message"]
    garbage = ppio.post(
        "/gpus/v2/endpoints", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in assert_error(garbage, 400, "INVALID_REQUEST_BODY")["message"]
    array = assert_error(ppio.post("/gpus/v2/endpoints", json=[1]), 400, "INVALID_REQUEST_BODY")
    assert array["metadata"] == {"field": "body"}
    assert ppio.get("/gpus/v2/endpoints").json()["data"] == []  # nothing half-created


def test_each_key_and_each_host_is_its_own_world(
    gpu_emulator: Any, ppio: httpx.Client, novita: httpx.Client
) -> None:
    on_ppio = create(ppio, name="on-ppio")
    on_novita = create(novita, name="on-novita")
    assert [e["name"] for e in ppio.get("/gpus/v2/endpoints").json()["data"]] == ["on-ppio"]
    assert [e["name"] for e in novita.get("/gpus/v2/endpoints").json()["data"]] == ["on-novita"]
    assert_error(novita.get(f"/gpus/v2/endpoints/{on_ppio}"), 404, "NOT_FOUND")
    assert get(novita, on_novita)["url"] == gpu_emulator.url(NOVITA, f"/serverless/{on_novita}")
    with client_for(gpu_emulator, PPIO, key="sk_other") as other:
        assert other.get("/gpus/v2/endpoints").json()["data"] == []
        assert_error(other.get(f"/gpus/v2/endpoints/{on_ppio}"), 404, "NOT_FOUND")


def test_the_host_header_routes_without_the_prefix(gpu_emulator: Any, ppio: httpx.Client) -> None:
    endpoint_id = create(ppio)
    response = httpx.get(
        f"{gpu_emulator.base_url}/gpus/v2/endpoints/{endpoint_id}",
        headers={"Host": PPIO, "Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200
    assert response.json()["id"] == endpoint_id


def test_list_and_get_validate_against_the_list_spec(gpu_emulator: Any, ppio: httpx.Client) -> None:
    create(ppio, name="a", worker_config=worker_config(min_replicas=1))
    create(ppio, name="b", volumes=[{"type": "local", "size": 20, "mount_point": "/x"}])
    gpu_emulator.advance(60)
    listed = ppio.get("/gpus/v2/endpoints").json()
    validate(listed, list_schema())
    validate(listed, list_schema(strict=False))  # and the spec exactly as published
    assert set(listed) == {"data", "next_cursor", "has_more"}  # no `total`
    for item in listed["data"]:
        assert get(ppio, item["id"]) == item


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "ppio": {
                "options": {
                    "endpoint_status": {"running": "serving"},
                    "worker_status": {"idle": "Running"},
                    "create_seconds": 0,
                },
                "endpoints": [
                    {
                        "id": "fixture-ep",
                        "type": "sync",
                        "name": "from-fixture",
                        "product_id": "p",
                        "image": "img",
                        "member_id": "member-7",
                        "created_at": 1_700_000_000,
                        "worker_config": {"max_replicas": 2, "min_replicas": 1},
                    }
                ],
            }
        }
    ]
)
def test_fixture_endpoints_start_running_and_warm_with_configured_strings(
    ppio: httpx.Client, novita: httpx.Client
) -> None:
    found = get(ppio, "fixture-ep")
    assert found["status"]["status"] == "serving"
    assert [w["status"]["status"] for w in found["workers"]] == ["Running"]
    assert (found["member_id"], found["created_at"]) == ("member-7", 1_700_000_000)
    created = get(ppio, create(ppio))
    assert created["status"]["status"] == "serving"  # create_seconds: 0
    assert novita.get("/gpus/v2/endpoints").json()["data"] == []  # the ppio: section only


def test_specs_are_served_by_the_admin_api(gpu_emulator: Any) -> None:
    for vendor in ("ppio", "novita"):
        specs = httpx.get(f"{gpu_emulator.base_url}/_emulator/specs/{vendor}").json()
        assert "/gpus/v2/endpoints" in specs["list-endpoint"]["paths"]
        assert (
            "delete" in specs["novita-delete-endpoint"]["paths"]["/gpus/v2/endpoints/{endpoint_id}"]
        )


def test_a_bad_fixture_section_fails_at_load_naming_the_path(gpu_emulator: Any) -> None:
    from emulator.admin_client import AdminError

    with pytest.raises(AdminError, match=r"ppio\.options\.limit_default"):
        gpu_emulator.load({"ppio": {"options": {"limit_default": 5}}})
    with pytest.raises(AdminError, match=r"novita\.endpoints\[0\]\.worker_config\.gpu_num"):
        gpu_emulator.load(
            {
                "novita": {
                    "endpoints": [
                        {
                            "type": "sync",
                            "name": "n",
                            "product_id": "p",
                            "image": "i",
                            "worker_config": {"max_replicas": 1, "gpu_num": 9},
                        }
                    ]
                }
            }
        )
