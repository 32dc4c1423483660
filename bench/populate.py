"""Fill one tenant's worlds with realistic objects, fast (in-process, no HTTP, no YAML).

Objects are created the way fixtures create them (the vendors' own fixture models and
``load``), so they are exactly what a test or a client would see. :func:`populate` answers a
manifest: the ids and cursors the benchmarks request.
"""

from __future__ import annotations

from typing import Any

from emulator.core.state import EmulatorState

TENANT = "bench"
RESOURCES = [{"region": "us-east-1", "gpuType": "NVIDIA_RTX_4090_24G", "gpuCount": 1}]

PPIO_ENDPOINT = {
    "type": "sync",
    "name": "llm-chat",
    "product_id": "4090.single",
    "image": "vllm/vllm-openai:v0.6.3",
    "worker_config": {
        "min_replicas": 1,
        "max_replicas": 3,
        "idle_timeout": 60,
        "max_concurrent_per_worker": 4,
        "request_timeout": 120,
    },
    "policy": {"type": "queue", "value": 30},
    "envs": [{"key": "MODEL", "value": "meta-llama/Llama-3.1-8B-Instruct"}],
    "ports": [8000],
    "volumes": [{"type": "local", "size": 30, "mount_point": "/models"}],
    "health_check": {"path": "/health", "port": 8000},
}

RUNPOD_ENDPOINT = {"name": "sdxl", "workersMin": 1, "workersMax": 3, "idleTimeout": 5}

YOTTA_ENDPOINT = {
    "name": "llama-inference",
    "image": "vllm/vllm-openai:latest",
    "resources": RESOURCES,
    "workers": 1,
    "containerVolumeInGb": 20,
    "serviceMode": "QUEUE",
    "envVars": [{"key": "MODEL", "value": "llama"}],
}

MATPOOL_JOB = {
    "spec": {"gpuName": "NVIDIA A16"},
    "agent_domain": 0,
    "from_image_id": 1001,
    "cmd": "python train.py",
    "ports": [{"port": 22, "protocol": 1}, {"port": 8888, "protocol": 2}],
}


def _world(state: EmulatorState, vendor: str) -> Any:
    tenant = state.tenants.lookup(TENANT)
    assert tenant is not None
    return state.world(tenant, vendor)


def _ppio(state: EmulatorState, vendor: str, count: int, warm: bool) -> dict[str, Any]:
    from emulator.vendors.ppio.schemas import EndpointFixture, PpioFixture

    body = dict(PPIO_ENDPOINT)
    if not warm:  # at scale: no worker per endpoint (the list shows none either way)
        body["worker_config"] = {**PPIO_ENDPOINT["worker_config"], "min_replicas": 0}  # type: ignore[dict-item]
    spec = EndpointFixture.model_validate(body)
    world = _world(state, vendor)
    world.load(PpioFixture.model_construct(options=None, endpoints=[spec] * count))
    keys = [ep.key for ep in world.index.newest_before(None)]
    middle = keys[len(keys) // 2]
    return {
        "endpoint": next(iter(world.endpoints)),
        "mid_cursor": world.cursors.encode(middle),
    }


def _runpod(state: EmulatorState, count: int) -> dict[str, Any]:
    from emulator.vendors.runpod.schemas import EndpointFixture, RunpodFixture, RunRequest

    world = _world(state, "runpod")
    spec = EndpointFixture.model_validate(RUNPOD_ENDPOINT)
    world.load(RunpodFixture.model_construct(endpoints=[spec] * count, templates=[], capacity={}))
    endpoint = next(iter(world.endpoints.values()))
    job = world.jobs.submit(
        endpoint, RunRequest.model_validate({"input": {"prompt": "a red fox"}}), sync=False
    )
    return {"endpoint": endpoint.id, "job": job.id}


def _yotta(state: EmulatorState, endpoints: int, tasks: int) -> dict[str, Any]:
    from emulator.vendors.yotta.schemas import FixtureEndpoint, SubmitTaskIn, YottaFixture

    world = _world(state, "yotta")
    spec = FixtureEndpoint.model_validate(YOTTA_ENDPOINT)
    world.load(YottaFixture.model_construct(endpoints=[spec] * endpoints))
    endpoint_id = next(iter(world.endpoints))
    task = SubmitTaskIn.model_validate(
        {"input": {"prompt": "hello"}, "workerPort": 8000, "processUri": "/generate"}
    )
    for _ in range(tasks):
        world.submit(endpoint_id, task)
    return {"endpoint": endpoint_id, "mid_task_page": max(1, tasks // 20 // 2)}


def _matpool(state: EmulatorState, count: int) -> dict[str, Any]:
    from emulator.vendors.matpool.schemas import JobFixture, MatpoolFixture, MatpoolOptions

    world = _world(state, "matpool")
    # Enough gateway hosts for every job's ports (8 000 ports per host), as a real fleet has.
    hosts = [f"hz-{n}.matpool.com" for n in range(max(2, count // 2000))]
    spec = JobFixture.model_validate({**MATPOOL_JOB, "warm": True})
    world.load(
        MatpoolFixture.model_construct(
            jobs=[spec] * count,
            market={},
            commands={},
            options=MatpoolOptions(gateways=hosts),
        )
    )
    return {"job": world.order[0].id, "mid_page": max(1, count // 20 // 2)}


def populate(state: EmulatorState, scale: int, *, warm: bool = True) -> dict[str, Any]:
    """``scale`` PPIO/Novita endpoints, Matpool jobs and Yotta tasks (and a few of the rest)."""
    manifest: dict[str, Any] = {"tenant": TENANT, "scale": scale}
    manifest["ppio"] = _ppio(state, "ppio", scale, warm)
    manifest["novita"] = _ppio(state, "novita", min(scale, 100), warm)
    manifest["runpod"] = _runpod(state, min(scale, 20))
    manifest["yotta"] = _yotta(state, 20, scale)
    manifest["matpool"] = _matpool(state, scale)
    # Let the first moments pass: jobs start, warm objects settle (manual clock).
    state.sim.engine.run_until(state.sim.now + 60)
    state.sim.clock.advance(60)
    return manifest
