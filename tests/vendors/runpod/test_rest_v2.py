"""REST v2 (``api.runpod.io/v2``): serverless, workers and logs, templates, volumes, registries.

Every response goes through the v2 spec check of the ``v2`` client (see ``rest_spec.py``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.vendors.runpod.support import KEY, fixture

pytestmark = pytest.mark.gpu_emulator(fixtures=[fixture()])

GPU = {"pools": ["ADA_24"]}
QUEUE_DELAY = {"type": "QUEUE_DELAY", "queueDelay": 4}
REQUEST_COUNT = {"type": "REQUEST_COUNT", "requestCount": 2}


def create(v2: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "gen", "type": "QUEUE", "image": "me/gen:1", "gpu": GPU, "scaling": QUEUE_DELAY}
    response = v2.post("/serverless", json=body | fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def problem(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    text = " ".join([body["detail"], *body.get("errors", [])])
    for fragment in fragments:
        assert fragment in text, text
    return body


# --------------------------------------------------------------------------- serverless


def test_create_is_201_with_v2_defaults(gpu_emulator: Any, v2: httpx.Client) -> None:
    created = create(v2)
    assert re.fullmatch(r"[a-z0-9]{14}", created["id"])
    assert created["createdAt"] == "2026-01-01T00:00:00Z"
    assert created["workers"] == {"min": 0, "max": 3, "idleTimeout": 10}
    assert created["timeout"] == 300_000
    assert created["flashboot"] == "OFF"
    assert created["dataCenterIds"] == []
    assert created["networkVolumes"] == []
    assert (created["args"], created["disk"], created["ports"], created["env"]) == ("", 20, [], {})
    assert created["registry"] is None
    assert created["gpu"] == {
        "pools": ["ADA_24"],
        "count": 1,
        "allowedCudaVersions": [],
        "minCudaVersion": None,
    }
    jobs = gpu_emulator.url("api.runpod.ai", f"/v2/{created['id']}")
    assert created["requestUrls"]["run"] == f"{jobs}/run"
    assert created["requestUrls"]["status"] == f"{jobs}/status/{{job_id}}"
    assert "cpu" not in created


def test_list_is_wrapped_get_patch_delete(v2: httpx.Client) -> None:
    first, second = create(v2, name="a"), create(v2, name="b")
    assert [e["id"] for e in v2.get("/serverless").json()["endpoints"]] == [
        first["id"],
        second["id"],
    ]
    url = f"/serverless/{first['id']}"
    assert v2.get(url).json() == first
    patched = v2.patch(
        url,
        json={
            "workers": {"max": 10},
            "scaling": {"type": "QUEUE_DELAY", "queueDelay": 8},
            "flashboot": "FLASHBOOT",
        },
    ).json()
    assert patched["workers"] == {"min": 0, "max": 10, "idleTimeout": 10}
    assert patched["scaling"] == {"type": "QUEUE_DELAY", "queueDelay": 8}
    assert patched["flashboot"] == "FLASHBOOT"
    assert patched["name"] == "a"
    assert v2.delete(url).status_code == 204
    problem(v2.get(url), 404, "endpoint not found")
    problem(v2.delete(url), 404)
    assert [e["id"] for e in v2.get("/serverless").json()["endpoints"]] == [second["id"]]


def test_gpu_selection_is_pools_minus_exclusions(v2: httpx.Client) -> None:
    created = create(v2, gpu={"pools": ["ADA_24", "AMPERE_48"], "excludedTypes": [" NVIDIA L4"]})
    assert created["gpu"]["pools"] == ["ADA_24", "AMPERE_48"]
    assert created["gpu"]["excludedTypes"] == ["NVIDIA L4"]
    url = f"/serverless/{created['id']}"
    narrowed = v2.patch(url, json={"gpu": {"count": 2}}).json()["gpu"]
    assert narrowed["excludedTypes"] == ["NVIDIA L4"]  # omitting pools keeps both
    assert narrowed["count"] == 2
    cleared = v2.patch(url, json={"gpu": {"pools": ["ADA_24"]}}).json()["gpu"]
    assert "excludedTypes" not in cleared  # pools without excludedTypes clears them
    cuda = v2.patch(url, json={"gpu": {"minCudaVersion": "12.4"}}).json()["gpu"]
    assert cuda["minCudaVersion"] == "12.4"
    floorless = v2.patch(url, json={"gpu": {"minCudaVersion": ""}}).json()["gpu"]
    assert floorless["minCudaVersion"] is None


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"bogus": 1}, ["$: additional properties 'bogus' not allowed"]),
        ({"name": ""}, ["$.name: minLength"]),
        ({"name": None}, ["$.name"]),
        ({"type": "BATCH"}, ["$.type: value must be one of"]),
        ({"scaling": {"type": "FAST"}}, ["$.scaling.type"]),
        (
            {"scaling": {"type": "QUEUE_DELAY", "queueDelay": 0.4}},
            ["$.scaling.QUEUE_DELAY.queueDelay: minimum"],
        ),
        ({"workers": {"min": -1}}, ["$.workers.min: minimum: got -1, want 0"]),
        ({"workers": {"idleTimeout": 3601}}, ["$.workers.idleTimeout: maximum"]),
        ({"workers": {"max": "3"}}, ["$.workers.max: got string, want integer"]),
        ({"gpu": {"pools": []}}, ["$.gpu.pools: minItems"]),
        ({"gpu": {"pools": ["ADA_24"], "minCudaVersion": "twelve"}}, ["does not match pattern"]),
        ({"gpu": {"pools": ["ADA_24"], "vram": 24}}, ["additional properties 'vram'"]),
        ({"cpu": [{"id": "cpu3c", "vcpuCount": 1}], "gpu": None}, ["$.cpu[0].vcpuCount: minimum"]),
        ({"type": "LOAD_BALANCER"}, ["REQUEST_COUNT"]),
        ({"image": None}, ["image"]),
    ],
)
def test_schema_violations_are_422_listing_them(
    v2: httpx.Client, body: dict[str, Any], fragments: list[str]
) -> None:
    base = {"name": "gen", "type": "QUEUE", "image": "me/gen:1", "gpu": GPU, "scaling": QUEUE_DELAY}
    merged = {k: v for k, v in (base | body).items() if v is not None or k not in ("gpu", "image")}
    response = v2.post("/serverless", json=merged)
    body_out = problem(response, 422, *fragments)
    assert body_out["detail"] == "Request validation failed."
    assert body_out["errors"]
    assert v2.get("/serverless").json() == {"endpoints": []}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"gpu": None}, "exactly one of gpu or cpu"),
        ({"cpu": [{"id": "cpu3c", "vcpuCount": 2}]}, "exactly one of gpu or cpu"),
        ({"gpu": {"pools": ["NOPE_24"]}}, "gpu.pools: unknown GPU pool"),
        ({"gpu": {"pools": ["ADA_24"], "excludedTypes": ["NVIDIA A40"]}}, "gpu.excludedTypes"),
        (
            {"gpu": GPU | {"excludedTypes": ["NVIDIA L4", "NVIDIA GeForce RTX 4090"]}},
            "leaves no GPU type",
        ),
        (
            {"gpu": GPU | {"allowedCudaVersions": ["12.8"], "minCudaVersion": "12.1"}},
            "gpu.minCudaVersion",
        ),
        (
            {"scaling": REQUEST_COUNT, "workers": {"idleTimeout": 5}},
            "workers.idleTimeout",
        ),
        ({"workers": {"min": 5, "max": 2}}, "workers.min: must not be greater than workers.max"),
        ({"dataCenterIds": ["MARS-1"]}, "dataCenterIds: unknown data center"),
        ({"timeout": 1}, "timeout: must be between"),
        ({"cpu": [{"id": "cpu3c", "vcpuCount": 6}], "gpu": None}, "power of two"),
        ({"cpu": [{"id": "cpu9z", "vcpuCount": 2}], "gpu": None}, "unknown CPU flavor"),
        ({"registry": "nosuchregistry"}, "registry"),
    ],
)
def test_rules_beyond_the_schema_are_400(
    v2: httpx.Client, body: dict[str, Any], fragment: str
) -> None:
    base = {"name": "gen", "type": "QUEUE", "image": "me/gen:1", "gpu": GPU, "scaling": QUEUE_DELAY}
    merged = {k: v for k, v in (base | body).items() if v is not None}
    status = 404 if "registry" in body else 400
    problem(v2.post("/serverless", json=merged), status, fragment)
    assert v2.get("/serverless").json() == {"endpoints": []}
    assert v2.get("/templates").json() == {"templates": []}


def test_request_count_scaling_omits_idle_timeout(v2: httpx.Client) -> None:
    created = create(v2, scaling={"type": "REQUEST_COUNT", "requestCount": 3})
    assert created["workers"] == {"min": 0, "max": 3}
    assert created["scaling"] == {"type": "REQUEST_COUNT", "requestCount": 3}
    url = f"/serverless/{created['id']}"
    problem(v2.patch(url, json={"workers": {"idleTimeout": 30}}), 400, "workers.idleTimeout")
    switched = v2.patch(url, json={"scaling": QUEUE_DELAY, "workers": {"idleTimeout": 30}})
    assert switched.json()["workers"] == {"min": 0, "max": 3, "idleTimeout": 30}


def test_patch_rules(v2: httpx.Client) -> None:
    created = create(v2)
    url = f"/serverless/{created['id']}"
    problem(v2.patch(url, json={"cpu": [{"id": "cpu3c", "vcpuCount": 2}]}), 400, "cpu")
    problem(v2.patch(url, json={"gpu": {"excludedTypes": ["NVIDIA L4"]}}), 422, "requires pools")
    problem(v2.patch(url, json={"workers": {"min": 4}}), 400, "workers.min")
    problem(v2.patch(url, json={"name": 5}), 422, "$.name: got integer, want string")
    problem(v2.patch("/serverless/nosuchendpoint", json={}), 404)
    assert v2.get(url).json() == created


def test_cpu_endpoints(v2: httpx.Client) -> None:
    response = v2.post(
        "/serverless",
        json={
            "name": "cpu",
            "type": "QUEUE",
            "image": "python:3.11-slim",
            "cpu": [{"id": "cpu5c", "vcpuCount": 4}, {"id": "cpu5g", "vcpuCount": 8}],
            "scaling": QUEUE_DELAY,
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["cpu"] == [
        {"id": "cpu5c", "vcpuCount": 4, "memory": 8},
        {"id": "cpu5g", "vcpuCount": 8, "memory": 32},
    ]
    assert "gpu" not in created
    problem(v2.patch(f"/serverless/{created['id']}", json={"gpu": GPU}), 400, "gpu")


def test_templates_seed_a_bound_copy(v2: httpx.Client) -> None:
    tpl = v2.post(
        "/templates",
        json={
            "name": "base",
            "image": "me/base:1",
            "serverless": True,
            "env": {"A": "1", "B": "1"},
            "args": "python -u handler.py",
            "allowedCudaVersions": ["12.8"],
        },
    ).json()
    created = create(v2, templateId=tpl["id"], image=None, env={"B": "2"}, disk=30)
    assert created["image"] == "me/base:1"
    assert created["env"] == {"A": "1", "B": "2"}
    assert created["args"] == "python -u handler.py"
    assert created["disk"] == 30
    assert created["gpu"]["allowedCudaVersions"] == ["12.8"]  # seeded from the template
    v2.patch(f"/templates/{tpl['id']}", json={"image": "me/base:2"})
    assert v2.get(f"/serverless/{created['id']}").json()["image"] == "me/base:1"
    assert [t["id"] for t in v2.get("/templates").json()["templates"]] == [tpl["id"]]
    assert v2.delete(f"/templates/{tpl['id']}").status_code == 204  # the endpoint has a copy
    pod_tpl = v2.post("/templates", json={"name": "pod", "image": "me/pod"}).json()
    from_template = {"name": "x", "type": "QUEUE", "gpu": GPU, "scaling": QUEUE_DELAY}
    problem(
        v2.post(
            "/serverless",
            json=from_template | {"templateId": pod_tpl["id"]},
        ),
        422,
        "serverless",
    )
    problem(
        v2.post(
            "/serverless",
            json=from_template | {"templateId": "nosuchtpl0"},
        ),
        404,
        "templateId",
    )


def test_container_changes_roll_a_new_version(gpu_emulator: Any, v2: httpx.Client) -> None:
    created = create(v2, workers={"min": 1})
    url = f"/serverless/{created['id']}"
    gpu_emulator.advance(30)
    before = v2.get(f"{url}/workers").json()
    assert before["endpointVersion"] == 0
    assert [w["status"] for w in before["workers"]] == ["IDLE"]
    assert v2.patch(url, json={"workers": {"max": 5}}).status_code == 200
    assert v2.get(f"{url}/workers").json()["endpointVersion"] == 0
    patched = v2.patch(url, json={"image": "me/gen:2", "env": {"X": "y"}}).json()
    assert (patched["image"], patched["env"]) == ("me/gen:2", {"X": "y"})
    after = v2.get(f"{url}/workers").json()
    assert after["endpointVersion"] == 1
    assert [(w["status"], w["version"], w["isStale"]) for w in after["workers"]] == [
        ("INITIALIZING", 1, False)
    ]
    gpu_emulator.advance(30)
    assert [w["image"] for w in v2.get(f"{url}/workers").json()["workers"]] == ["me/gen:2"]


# --------------------------------------------------------------------------- workers and logs


@pytest.mark.gpu_emulator(fixtures=[fixture(capacity={"NVIDIA GeForce RTX 4090": 1})])
def test_workers_and_summary_follow_the_engine(gpu_emulator: Any, v2: httpx.Client) -> None:
    created = create(
        v2,
        gpu={"pools": ["ADA_24"], "excludedTypes": ["NVIDIA L4"]},
        workers={"min": 2, "max": 2},
        dataCenterIds=["US-TX-3"],
    )
    url = f"/serverless/{created['id']}/workers"
    starting = v2.get(url).json()
    assert starting["summary"] == {
        "running": 0, "idle": 0, "initializing": 1, "throttled": 1, "unhealthy": 0, "total": 2,
    }  # fmt: skip
    throttled = next(w for w in starting["workers"] if w["status"] == "THROTTLED")
    assert (throttled["gpuTypeId"], throttled["dataCenterId"], throttled["startedAt"]) == (
        None,
        None,
        None,
    )
    gpu_emulator.advance(25)
    ready = v2.get(url).json()
    idle = next(w for w in ready["workers"] if w["status"] == "IDLE")
    assert idle["gpuTypeId"] == "NVIDIA GeForce RTX 4090"
    assert idle["dataCenterId"] == "US-TX-3"
    assert idle["uptimeSeconds"] == 5
    assert idle["startedAt"] == "2026-01-01T00:00:20Z"
    assert ready["summary"]["idle"] == 1
    assert ready["summary"]["throttled"] == 1
    problem(v2.get("/serverless/nope/workers"), 404)


def test_worker_logs_stream_as_sse(gpu_emulator: Any, v2: httpx.Client, api: httpx.Client) -> None:
    created = create(v2, workers={"min": 1})
    gpu_emulator.advance(25)
    worker = v2.get(f"/serverless/{created['id']}/workers").json()["workers"][0]["id"]
    job = api.post(f"/{created['id']}/run", json={"input": {"n": 1}}).json()["id"]
    gpu_emulator.advance(5)
    url = f"/serverless/{created['id']}/workers/{worker}/logs"
    response = v2.get(url)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    lines = [e.split("\ndata: ", 1) for e in events]
    assert all(re.fullmatch(r"id: \S+Z/\d{12}", head) for head, _ in lines)
    texts = [data for _, data in lines]
    assert any("Worker ready." in t for t in texts)
    assert any(f"{job} | Started." in t for t in texts)
    assert any(f"{job} | Finished." in t for t in texts)
    container = v2.get(url, params={"source": "container", "tail": 1}).text
    assert container.count("data: ") == 1
    assert '"source":"container"' in container
    last = events[-2].split("\n")[0][len("id: ") :]
    resumed = v2.get(url, headers={"Last-Event-ID": last}).text
    assert resumed.count("data: ") == 1
    assert v2.get(url, params={"tail": 0}).text == ""
    problem(v2.get(url, params={"source": "kernel"}), 422, "source")
    problem(v2.get(url, params={"tail": 5001}), 422, "tail")
    problem(v2.get(f"/serverless/{created['id']}/workers/nope/logs"), 404, "worker not found")


# --------------------------------------------------------------------------- templates


def test_template_crud(v2: httpx.Client) -> None:
    response = v2.post("/templates", json={"name": "t", "image": "me/t:1"})
    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"[a-z0-9]{10}", created["id"])
    assert created == {
        "id": created["id"],
        "name": "t",
        "image": "me/t:1",
        "args": "",
        "disk": 50,
        "mounts": {},
        "ports": [],
        "env": {},
        "registry": None,
        "serverless": False,
        "public": False,
        "category": "NVIDIA",
        "startSsh": True,
        "startJupyter": True,
        "allowedCudaVersions": [],
    }
    url = f"/templates/{created['id']}"
    patched = v2.patch(url, json={"mounts": {"persistent": {"size": 40, "path": "/data"}}}).json()
    assert patched["mounts"] == {"persistent": {"size": 40, "path": "/data"}}
    assert v2.get(url).json() == patched
    problem(v2.post("/templates", json={"name": "t", "image": "x"}), 400, "name")
    problem(v2.post("/templates", json={"name": "u"}), 422, "missing property 'image'")
    problem(
        v2.post(
            "/templates",
            json={"name": "u", "image": "x", "mounts": {"persistent": {"size": 5, "path": "/"}}},
        ),
        422,
        "$.mounts.persistent.size: minimum",
    )
    assert v2.delete(url).status_code == 204
    problem(v2.get(url), 404, "template not found")


def test_official_templates_are_readable_not_writable(v2: httpx.Client) -> None:
    official = v2.get("/templates/runpod-worker-basic")
    assert official.status_code == 200
    assert official.json()["public"] is True
    problem(v2.patch("/templates/runpod-worker-basic", json={"name": "mine"}), 404)
    problem(v2.delete("/templates/runpod-worker-basic"), 404)
    created = create(v2, templateId="runpod-worker-basic", image=None)
    assert created["image"] == "runpod/worker-basic:latest"


def test_bound_templates_cannot_be_deleted(gpu_emulator: Any, v2: httpx.Client) -> None:
    created = create(v2)
    (tenant,) = [t for t in gpu_emulator.state()["tenants"] if t["key"] == "rp-key"]
    bound = tenant["worlds"]["runpod"]["templates"]
    assert [t["boundTo"] for t in bound] == [created["id"]]
    problem(v2.delete(f"/templates/{bound[0]['id']}"), 400, "in use")
    assert v2.delete(f"/serverless/{created['id']}").status_code == 204
    problem(v2.get(f"/templates/{bound[0]['id']}"), 404)  # it went with its endpoint


# --------------------------------------------------------------------------- network volumes


def test_network_volume_crud(v2: httpx.Client) -> None:
    body = {"name": "data", "size": 50, "dataCenter": "EU-RO-1"}
    response = v2.post("/network-volumes", json=body)
    assert response.status_code == 201
    volume = response.json()
    assert volume == {
        "id": volume["id"], "name": "data", "size": 50, "dataCenter": "EU-RO-1", "type": "STANDARD",
    }  # fmt: skip
    url = f"/network-volumes/{volume['id']}"
    assert v2.get("/network-volumes").json() == {"networkVolumes": [volume]}
    problem(v2.patch(url, json={"size": 40}), 400, "size")
    assert v2.patch(url, json={"size": 50}).status_code == 200  # equal is fine
    assert v2.patch(url, json={"size": 60, "name": "big"}).json()["size"] == 60
    problem(v2.patch(url, json={}), 422, "minProperties")
    problem(v2.patch(url, json={"type": "STANDARD"}), 422, "additional properties 'type'")
    created = create(v2, networkVolumes=[volume["id"]], dataCenterIds=["EU-RO-1"])
    assert created["networkVolumes"] == [volume["id"]]
    problem(v2.delete(url), 400, "in use")
    v2.delete(f"/serverless/{created['id']}")
    assert v2.delete(url).status_code == 204
    problem(v2.get(url), 404, "network volume not found")


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"name": "d", "size": 9, "dataCenter": "EU-RO-1"}, 422, "minimum"),
        ({"name": "d", "size": 4097, "dataCenter": "EU-RO-1"}, 422, "maximum"),
        ({"name": "d", "size": 10, "dataCenter": "MARS-1"}, 400, "dataCenter"),
        ({"name": "d", "size": 10, "dataCenter": "EU-RO-1", "type": "FAST"}, 422, "type"),
        ({"size": 10, "dataCenter": "EU-RO-1"}, 422, "missing property 'name'"),
    ],
)
def test_bad_volumes(v2: httpx.Client, body: dict[str, Any], status: int, fragment: str) -> None:
    problem(v2.post("/network-volumes", json=body), status, fragment)
    assert v2.get("/network-volumes").json() == {"networkVolumes": []}


def test_high_performance_volumes(v2: httpx.Client) -> None:
    body = {"name": "fast", "size": 100, "dataCenter": "US-KS-2", "type": "HIGH_PERFORMANCE"}
    assert v2.post("/network-volumes", json=body).json()["type"] == "HIGH_PERFORMANCE"


# --------------------------------------------------------------------------- registries


def test_registries(v2: httpx.Client) -> None:
    response = v2.post("/registries", json={"name": "hub", "username": "u", "password": "p"})
    assert response.status_code == 201
    registry = response.json()
    assert set(registry) == {"id", "name"}
    assert v2.get("/registries").json() == {"registries": [registry]}
    assert v2.get(f"/registries/{registry['id']}").json() == registry
    empty = {"name": "x", "username": "", "password": "p"}
    problem(v2.post("/registries", json=empty), 422, "minLength")
    tpl = v2.post("/templates", json={"name": "t", "image": "i", "registry": registry["id"]}).json()
    assert tpl["registry"] == registry["id"]
    assert v2.delete(f"/registries/{registry['id']}").status_code == 204
    assert v2.get(f"/templates/{tpl['id']}").json()["registry"] is None  # loses the reference
    problem(v2.get(f"/registries/{registry['id']}"), 404)


# --------------------------------------------------------------------------- auth, errors


def test_auth_errors_are_problem_json(gpu_emulator: Any) -> None:
    url = gpu_emulator.url("api.runpod.io", "/v2/serverless")
    response = httpx.get(url, trust_env=False)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "title": "Unauthorized",
        "status": 401,
        "detail": "missing bearer token",
    }


def test_unemulated_operations_are_501(v2: httpx.Client) -> None:
    problem(v2.get("/pods"), 501, "not implemented")
    problem(v2.get("/serverless/x/releases"), 501, "not implemented")
    problem(v2.get("/nope"), 404)
    problem(v2.put("/serverless"), 405)


def test_host_header_routing_keeps_real_host_names(gpu_emulator: Any, v2: httpx.Client) -> None:
    created = create(v2)
    response = httpx.get(
        f"{gpu_emulator.base_url}/v2/serverless/{created['id']}",
        headers={"Host": "api.runpod.io", "Authorization": f"Bearer {KEY}"},
        trust_env=False,
    )
    assert response.status_code == 200
    assert response.json()["requestUrls"]["health"] == (
        f"http://api.runpod.ai/v2/{created['id']}/health"
    )


def test_patch_template_id_snapshots_that_template(v2: httpx.Client) -> None:
    created = create(v2, env={"KEEP": "1"})
    tpl = v2.post(
        "/templates",
        json={"name": "next", "image": "me/next:3", "serverless": True, "env": {"NEW": "2"}},
    ).json()
    url = f"/serverless/{created['id']}"
    patched = v2.patch(url, json={"templateId": tpl["id"], "env": {"EXTRA": "x"}}).json()
    assert patched["image"] == "me/next:3"
    assert patched["env"] == {"NEW": "2", "EXTRA": "x"}
    assert v2.get(f"{url}/workers").json()["endpointVersion"] == 1
    assert v2.delete(f"/templates/{tpl['id']}").status_code == 204  # the endpoint has a copy
