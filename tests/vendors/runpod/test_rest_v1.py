"""REST v1 (``rest.runpod.io/v1``): endpoints, templates, network volumes, registry auth.

Every response goes through the v1 spec check of the ``v1`` client (see ``rest_spec.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from emulator.vendors.runpod.catalog import DATA_CENTER_IDS
from tests.vendors.runpod.rest_spec import SPECS
from tests.vendors.runpod.support import fixture

pytestmark = pytest.mark.gpu_emulator(fixtures=[fixture()])

T0_ISO = "2026-01-01T00:00:00.000Z"


def template(v1: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "worker", "imageName": "me/worker:1", "isServerless": True} | fields
    response = v1.post("/templates", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def endpoint(v1: httpx.Client, template_id: str, **fields: Any) -> dict[str, Any]:
    response = v1.post("/endpoints", json={"templateId": template_id} | fields)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def refused(response: httpx.Response, field: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["message"]
    assert message.startswith(f"{field}:"), message
    return message


# --------------------------------------------------------------------------- endpoints


def test_create_applies_the_spec_defaults(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"])
    assert re.fullmatch(r"[a-z0-9]{14}", created["id"])
    assert created["createdAt"] == T0_ISO
    assert created["userId"].startswith("user_")
    expected = {
        "computeType": "GPU",
        "gpuCount": 1,
        "gpuTypeIds": ["NVIDIA GeForce RTX 4090"],
        "idleTimeout": 5,
        "scalerType": "QUEUE_DELAY",
        "scalerValue": 4,
        "dataCenterIds": list(DATA_CENTER_IDS),
        "workersMin": 0,
        "workersMax": 3,
        "executionTimeoutMs": 600_000,
        "templateId": tpl["id"],
        "env": {},
        "version": 0,
        "networkVolumeIds": [],
        "allowedCudaVersions": [],
        "name": "",
    }
    assert {k: created[k] for k in expected} == expected
    assert "template" not in created
    assert "workers" not in created
    assert list(created) == sorted(created)  # keys as RunPod's examples list them


def test_endpoints_list_is_a_bare_array_and_get_is_by_id(v1: httpx.Client) -> None:
    tpl = template(v1)
    first = endpoint(v1, tpl["id"], name="one")
    second = endpoint(v1, tpl["id"], name="two")
    listed = v1.get("/endpoints").json()
    assert isinstance(listed, list)
    assert [e["id"] for e in listed] == [first["id"], second["id"]]
    assert v1.get(f"/endpoints/{second['id']}").json() == second


@pytest.mark.parametrize("path", ["/endpoints", "/endpoints/{id}"])
def test_include_flags_add_keys_only_when_true(
    gpu_emulator: Any, v1: httpx.Client, path: str
) -> None:
    tpl = template(v1, env={"MODEL": "tiny"})
    created = endpoint(v1, tpl["id"], workersMin=1)
    gpu_emulator.advance(30)
    url = path.format(id=created["id"])

    def one(params: dict[str, str]) -> dict[str, Any]:
        body = v1.get(url, params=params).json()
        doc: dict[str, Any] = body[0] if isinstance(body, list) else body
        return doc

    plain = one({})
    assert "template" not in plain
    assert "workers" not in plain
    for value in ("false", "0"):
        assert "template" not in one({"includeTemplate": value, "includeWorkers": value})
    both = one({"includeTemplate": "true", "includeWorkers": "true"})
    assert both["template"]["id"] == tpl["id"]
    assert both["template"]["env"] == {"MODEL": "tiny"}
    assert len(both["workers"]) == 1
    assert "workers" not in one({"includeTemplate": "true"})
    assert "template" not in one({"includeWorkers": "true"})
    response = v1.get(url, params={"includeWorkers": "maybe"})
    refused(response, "includeWorkers")


def test_workers_are_pods_of_the_scaling_engine(gpu_emulator: Any, v1: httpx.Client) -> None:
    tpl = template(v1, env={"A": "1"}, containerDiskInGb=30)
    created = endpoint(v1, tpl["id"], workersMin=2, gpuTypeIds=["NVIDIA L40S"], gpuCount=2)
    url = f"/endpoints/{created['id']}"
    starting = v1.get(url, params={"includeWorkers": "true"}).json()["workers"]
    assert len(starting) == 2
    gpu_emulator.advance(30)
    pods = v1.get(url, params={"includeWorkers": "true"}).json()["workers"]
    assert sorted(p["id"] for p in pods) == sorted(p["id"] for p in starting)
    pod = pods[0]
    assert re.fullmatch(r"[a-z0-9]{14}", pod["id"])
    assert pod["desiredStatus"] == "RUNNING"
    assert pod["endpointId"] == created["id"]
    assert pod["image"] == "me/worker:1"
    assert pod["env"] == {"A": "1"}
    assert pod["containerDiskInGb"] == 30
    assert pod["gpu"]["id"] == "NVIDIA L40S"
    assert pod["gpu"]["count"] == 2
    assert pod["gpu"]["displayName"] == "L40S"
    assert pod["costPerHr"] == pytest.approx(0.00053 * 3600 * 2)  # ADA_48_PRO flex price
    assert pod["machine"]["gpuTypeId"] == "NVIDIA L40S"
    assert pod["machine"]["dataCenterId"] in DATA_CENTER_IDS
    assert re.fullmatch(r"[a-z0-9]{12}", pod["machineId"])
    assert pod["slsVersion"] == 0
    assert pod["lastStartedAt"] == "2026-01-01T00:00:20.000Z"  # ready after the cold start


def test_patch_and_update_synonym_change_fields(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"])
    patched = v1.patch(f"/endpoints/{created['id']}", json={"workersMax": 5, "name": "p"})
    assert patched.status_code == 200
    assert (patched.json()["workersMax"], patched.json()["name"]) == (5, "p")
    updated = v1.post(f"/endpoints/{created['id']}/update", json={"idleTimeout": 60})
    assert updated.status_code == 200
    body = updated.json()
    assert (body["idleTimeout"], body["workersMax"], body["version"]) == (60, 5, 0)
    assert v1.get(f"/endpoints/{created['id']}").json() == body


def test_a_change_of_template_or_env_bumps_the_version(gpu_emulator: Any, v1: httpx.Client) -> None:
    first = template(v1, name="first")
    second = template(v1, name="second", imageName="me/worker:2")
    created = endpoint(v1, first["id"], workersMin=1)
    gpu_emulator.advance(30)
    url = f"/endpoints/{created['id']}"
    old_worker = v1.get(url, params={"includeWorkers": "true"}).json()["workers"][0]["id"]
    assert v1.patch(url, json={"workersMax": 4}).json()["version"] == 0
    assert v1.patch(url, json={"templateId": second["id"]}).json()["version"] == 1
    assert v1.patch(f"/templates/{second['id']}", json={"env": {"K": "v"}}).status_code == 200
    assert v1.patch(f"/templates/{second['id']}", json={"readme": "docs"}).status_code == 200
    body = v1.get(url, params={"includeWorkers": "true"}).json()
    assert body["version"] == 2  # the env change rolled; the readme did not
    assert body["env"] == {"K": "v"}
    gpu_emulator.advance(30)
    pods = v1.get(url, params={"includeWorkers": "true"}).json()["workers"]
    assert [p["slsVersion"] for p in pods] == [2]  # rolled over to the new version
    assert pods[0]["id"] != old_worker
    assert pods[0]["image"] == "me/worker:2"


def test_delete_is_204_then_gone(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"])
    response = v1.delete(f"/endpoints/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    missing = v1.get(f"/endpoints/{created['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Endpoint not found"}
    assert v1.get("/endpoints").json() == []
    assert v1.delete(f"/endpoints/{created['id']}").status_code == 400  # as the spec documents
    assert v1.patch(f"/endpoints/{created['id']}", json={"name": "x"}).status_code == 400
    assert v1.delete(f"/templates/{tpl['id']}").status_code == 204  # no longer in use


@pytest.mark.gpu_emulator(fixtures=[fixture(options={"rest_v1_not_found": "404"})])
def test_missing_objects_can_be_404_on_writes_too(v1: httpx.Client) -> None:
    assert v1.delete("/endpoints/nope").status_code == 404
    assert v1.patch("/templates/nope", json={}).status_code == 404
    assert v1.post("/networkvolumes/nope/update", json={}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "templateId"),
        ({"templateId": 7}, "templateId"),
        ({"gpuTypeIds": ["NVIDIA GTX 9000"]}, "gpuTypeIds[0]"),
        ({"gpuTypeIds": "NVIDIA A40"}, "gpuTypeIds"),
        ({"gpuTypeIds": ["Tesla T4"]}, "gpuTypeIds"),  # in the enum, not on Serverless
        ({"gpuTypeIds": []}, "gpuTypeIds"),
        ({"dataCenterIds": ["MARS-1"]}, "dataCenterIds[0]"),
        ({"allowedCudaVersions": ["10.1"]}, "allowedCudaVersions[0]"),
        ({"minCudaVersion": "9.0"}, "minCudaVersion"),
        ({"computeType": "TPU"}, "computeType"),
        ({"computeType": "CPU", "cpuFlavorIds": ["cpu9x"]}, "cpuFlavorIds[0]"),
        ({"computeType": "CPU", "vcpuCount": 3}, "vcpuCount"),
        ({"scalerType": "LATENCY"}, "scalerType"),
        ({"scalerValue": 0}, "scalerValue"),
        ({"idleTimeout": 0}, "idleTimeout"),
        ({"idleTimeout": 3601}, "idleTimeout"),
        ({"idleTimeout": "5"}, "idleTimeout"),
        ({"gpuCount": 0}, "gpuCount"),
        ({"workersMin": -1}, "workersMin"),
        ({"workersMax": -1}, "workersMax"),
        ({"workersMin": 4, "workersMax": 2}, "workersMin"),
        ({"name": "x" * 192}, "name"),
        ({"executionTimeoutMs": 10}, "executionTimeoutMs"),
        ({"flashboot": "yes"}, "flashboot"),
        ({"networkVolumeId": "nosuchvol1"}, "networkVolumeIds"),
    ],
)
def test_bad_endpoint_input_is_400_naming_the_field(
    v1: httpx.Client, body: dict[str, Any], field: str
) -> None:
    tpl = template(v1)
    if "templateId" not in body and body:
        body = {"templateId": tpl["id"]} | body
    refused(v1.post("/endpoints", json=body), field)
    assert v1.get("/endpoints").json() == []  # nothing half-created
    assert v1.get("/templates", params={"includeEndpointBoundTemplates": "true"}).json() == [tpl]
    assert v1.delete(f"/templates/{tpl['id']}").status_code == 204  # nothing points at it


def test_bad_updates_change_nothing(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"], workersMax=2)
    url = f"/endpoints/{created['id']}"
    refused(v1.patch(url, json={"workersMin": 3, "name": "changed"}), "workersMin")
    refused(v1.patch(url, json={"templateId": "nosuchtpl0"}), "templateId")
    refused(v1.patch(url, json={"idleTimeout": 0, "workersMax": 9}), "idleTimeout")
    assert v1.get(url).json() == created


def test_unknown_or_pod_templates_are_refused(v1: httpx.Client) -> None:
    pod_template = template(v1, isServerless=False)
    message = refused(v1.post("/endpoints", json={"templateId": pod_template["id"]}), "templateId")
    assert "Serverless" in message
    refused(v1.post("/endpoints", json={"templateId": "nosuchtpl0"}), "templateId")
    assert v1.get("/endpoints").json() == []


def test_unknown_fields_are_ignored_and_bad_json_refused(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"], hubReleaseId="rel_1")  # runpodctl sends it
    assert "hubReleaseId" not in created
    response = v1.post(
        "/endpoints", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("invalid JSON")
    assert v1.post("/endpoints", json=[1]).status_code == 400


def test_cpu_endpoints_list_instance_ids(gpu_emulator: Any, v1: httpx.Client) -> None:
    tpl = template(v1, category="CPU")
    created = endpoint(
        v1, tpl["id"], computeType="CPU", cpuFlavorIds=["cpu3c", "cpu5g"], vcpuCount=8
    )
    assert created["instanceIds"] == ["cpu3c-8-16", "cpu5g-8-32"]
    assert "gpuTypeIds" not in created
    v1.patch(f"/endpoints/{created['id']}", json={"workersMin": 1})
    gpu_emulator.advance(30)
    pod = v1.get(f"/endpoints/{created['id']}", params={"includeWorkers": "true"}).json()[
        "workers"
    ][0]
    assert (pod["cpuFlavorId"], pod["vcpuCount"], pod["memoryInGb"]) == ("cpu3c", 8, 16)
    assert "gpu" not in pod


# --------------------------------------------------------------------------- templates


def test_template_create_defaults_and_unique_names(v1: httpx.Client) -> None:
    created = template(v1, name="t", isServerless=False)
    assert re.fullmatch(r"[a-z0-9]{10}", created["id"])
    expected = {
        "category": "NVIDIA",
        "containerDiskInGb": 50,
        "dockerEntrypoint": [],
        "dockerStartCmd": [],
        "env": {},
        "isPublic": False,
        "isRunpod": False,
        "isServerless": False,
        "ports": ["8888/http", "22/tcp"],
        "readme": "",
        "volumeInGb": 20,
        "volumeMountPath": "/workspace",
    }
    assert {k: created[k] for k in expected} == expected
    refused(v1.post("/templates", json={"name": "t", "imageName": "x"}), "name")
    refused(v1.post("/templates", json={"imageName": "x"}), "name")
    refused(v1.post("/templates", json={"name": "u"}), "imageName")
    new = {"name": "u", "imageName": "x"}
    refused(v1.post("/templates", json=new | {"category": "TPU"}), "category")
    refused(v1.post("/templates", json=new | {"ports": ["80"]}), "ports[0]")
    refused(v1.post("/templates", json=new | {"env": {"A": 1}}), "env.A")
    assert [t["id"] for t in v1.get("/templates").json()] == [created["id"]]


def test_template_update_get_delete(v1: httpx.Client) -> None:
    created = template(v1)
    url = f"/templates/{created['id']}"
    assert v1.patch(url, json={"imageName": "me/worker:2"}).json()["imageName"] == "me/worker:2"
    assert v1.post(f"{url}/update", json={"readme": "hi"}).json()["readme"] == "hi"
    got = v1.get(url).json()
    assert (got["imageName"], got["readme"]) == ("me/worker:2", "hi")
    other = template(v1, name="other")
    refused(v1.patch(url, json={"name": "other"}), "name")
    assert v1.delete(f"/templates/{other['id']}").status_code == 204
    assert v1.delete(url).status_code == 204
    assert v1.get(url).status_code == 404
    assert v1.get(url).json() == {"message": "Template not found"}


def test_template_include_flags(v1: httpx.Client) -> None:
    own = template(v1)
    listed = v1.get("/templates").json()
    assert [t["id"] for t in listed] == [own["id"]]
    official = v1.get("/templates", params={"includeRunpodTemplates": "true"}).json()
    runpod = [t for t in official if t["isRunpod"]]
    assert runpod
    assert all(t["isPublic"] for t in runpod)
    assert v1.get(f"/templates/{runpod[0]['id']}").status_code == 404
    found = v1.get(f"/templates/{runpod[0]['id']}", params={"includeRunpodTemplates": "true"})
    assert found.json() == runpod[0]
    public = v1.get("/templates", params={"includePublicTemplates": "true"}).json()
    assert [t["id"] for t in public] == [own["id"]]


def test_template_in_use_cannot_be_deleted(v1: httpx.Client) -> None:
    tpl = template(v1)
    created = endpoint(v1, tpl["id"])
    message = v1.delete(f"/templates/{tpl['id']}")
    assert message.status_code == 400
    assert created["id"] in message.json()["message"]


# --------------------------------------------------------------------------- network volumes


def test_network_volume_crud_and_size_rules(v1: httpx.Client) -> None:
    body = {"name": "data", "size": 50, "dataCenterId": "EU-RO-1"}
    response = v1.post("/networkvolumes", json=body)
    assert response.status_code == 200
    volume = response.json()
    assert re.fullmatch(r"[a-z0-9]{10}", volume["id"])
    assert volume == {"dataCenterId": "EU-RO-1", "id": volume["id"], "name": "data", "size": 50}
    url = f"/networkvolumes/{volume['id']}"
    assert v1.get("/networkvolumes").json() == [volume]
    assert v1.get(url).json() == volume
    refused(v1.patch(url, json={"size": 40}), "size")
    assert v1.patch(url, json={"size": 100}).json()["size"] == 100
    assert v1.post(f"{url}/update", json={"name": "renamed"}).json()["name"] == "renamed"
    refused(v1.patch(url, json={"size": 4001}), "size")
    assert v1.delete(url).status_code == 204
    assert v1.get(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "d", "size": -1, "dataCenterId": "EU-RO-1"}, "size"),
        ({"name": "d", "size": 4001, "dataCenterId": "EU-RO-1"}, "size"),
        ({"name": "d", "dataCenterId": "EU-RO-1"}, "size"),
        ({"name": "d", "size": 10}, "dataCenterId"),
        ({"name": "d", "size": 10, "dataCenterId": "MARS-1"}, "dataCenterId"),
        ({"size": 10, "dataCenterId": "EU-RO-1"}, "name"),
    ],
)
def test_bad_volume_input_is_400(v1: httpx.Client, body: dict[str, Any], field: str) -> None:
    refused(v1.post("/networkvolumes", json=body), field)
    assert v1.get("/networkvolumes").json() == []


def test_size_zero_and_four_thousand_are_allowed(v1: httpx.Client) -> None:
    for size in (0, 4000):
        body = {"name": f"v{size}", "size": size, "dataCenterId": "US-TX-3"}
        assert v1.post("/networkvolumes", json=body).status_code == 200


def test_endpoints_attach_volumes_in_their_data_center(gpu_emulator: Any, v1: httpx.Client) -> None:
    volume = v1.post(
        "/networkvolumes", json={"name": "d", "size": 20, "dataCenterId": "US-KS-2"}
    ).json()
    tpl = template(v1)
    refused(
        v1.post(
            "/endpoints",
            json={
                "templateId": tpl["id"],
                "networkVolumeId": volume["id"],
                "dataCenterIds": ["EU-RO-1"],
            },
        ),
        "networkVolumeIds",
    )
    created = endpoint(v1, tpl["id"], networkVolumeId=volume["id"], workersMin=1)
    assert created["networkVolumeId"] == volume["id"]
    assert created["networkVolumeIds"] == [volume["id"]]
    gpu_emulator.advance(30)
    pod = v1.get(f"/endpoints/{created['id']}", params={"includeWorkers": "true"}).json()[
        "workers"
    ][0]
    assert pod["machine"]["dataCenterId"] == "US-KS-2"
    assert pod["networkVolume"] == v1.get(f"/networkvolumes/{volume['id']}").json()
    assert v1.delete(f"/networkvolumes/{volume['id']}").status_code == 400  # attached
    v1.patch(f"/endpoints/{created['id']}", json={"networkVolumeIds": []})
    assert v1.delete(f"/networkvolumes/{volume['id']}").status_code == 204


# --------------------------------------------------------------------------- registry auth


def test_container_registry_auth(v1: httpx.Client) -> None:
    body = {"name": "hub", "username": "me", "password": "secret"}
    response = v1.post("/containerregistryauth", json=body)
    assert response.status_code == 200
    auth = response.json()
    assert set(auth) == {"id", "name"}
    assert re.fullmatch(r"c[a-z0-9]{24}", auth["id"])
    assert v1.get("/containerregistryauth").json() == [auth]
    assert v1.get(f"/containerregistryauth/{auth['id']}").json() == auth
    refused(v1.post("/containerregistryauth", json=body), "name")
    refused(v1.post("/containerregistryauth", json={"name": "x", "username": "u"}), "password")
    tpl = template(v1, containerRegistryAuthId=auth["id"])
    assert tpl["containerRegistryAuthId"] == auth["id"]
    refused(
        v1.post(
            "/templates", json={"name": "n", "imageName": "i", "containerRegistryAuthId": "nope"}
        ),
        "containerRegistryAuthId",
    )
    assert v1.delete(f"/containerregistryauth/{auth['id']}").status_code == 204
    assert "containerRegistryAuthId" not in v1.get(f"/templates/{tpl['id']}").json()
    assert v1.get(f"/containerregistryauth/{auth['id']}").status_code == 404


# --------------------------------------------------------------------------- auth and docs


def test_auth_is_a_bearer_key(gpu_emulator: Any) -> None:
    url = gpu_emulator.url("rest.runpod.io", "/v1/endpoints")
    response = httpx.get(url, trust_env=False)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert httpx.get(url, headers={"Authorization": "Bearer other"}, trust_env=False).json() == []


@pytest.mark.gpu_emulator(auth="strict")
def test_strict_auth_refuses_unknown_keys(gpu_emulator: Any) -> None:
    url = gpu_emulator.url("rest.runpod.io", "/v1/endpoints")
    response = httpx.get(url, headers={"Authorization": "Bearer stranger"}, trust_env=False)
    assert response.status_code == 401


def test_openapi_json_is_served_without_auth(gpu_emulator: Any) -> None:
    response = httpx.get(gpu_emulator.url("rest.runpod.io", "/v1/openapi.json"), trust_env=False)
    assert response.status_code == 200
    assert response.json() == json.loads((SPECS / "rest-v1.openapi.json").read_text())
    docs = httpx.get(gpu_emulator.url("rest.runpod.io", "/v1/docs"), trust_env=False)
    assert docs.headers["content-type"].startswith("text/html")
    for name in ("rest-v1", "rest-v2"):
        served = httpx.get(
            f"{gpu_emulator.base_url}/_emulator/specs/runpod/{name}", trust_env=False
        )
        assert served.json() == json.loads((SPECS / f"{name}.openapi.json").read_text())


def test_undocumented_routes_and_pods_answer_in_v1_shape(v1: httpx.Client) -> None:
    assert v1.get("/nothing-here").json() == {"message": "Not Found"}
    pods = v1.get("/pods")
    assert pods.status_code == 501
    assert "not implemented" in pods.json()["message"]
