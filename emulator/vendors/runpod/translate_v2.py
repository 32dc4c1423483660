"""REST v2's nested endpoint bodies → the backend's (REST v1-named) endpoint fields.

``gpu.pools`` minus ``gpu.excludedTypes`` becomes ``gpuTypeIds`` (pool members in catalog
order); ``scaling`` becomes ``scalerType``/``scalerValue``; ``workers`` becomes
``workersMin``/``workersMax``/``idleTimeout``; container settings become the fields of the
endpoint's bound template. The rules the v2 schema cannot express are 400s here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core.errors import ApiError
from emulator.vendors.runpod.errors import invalid
from emulator.vendors.runpod.schemas_v2 import (
    CreateEndpoint,
    GpuRequest,
    RequestCountScaling,
    UpdateEndpoint,
)

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld
    from emulator.vendors.runpod.resources import Template

V2_WORKERS = {"min": 0, "max": 3, "idleTimeout": 10}
V2_TIMEOUT_MS = 300_000


def create_config(
    world: RunpodWorld, body: CreateEndpoint
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(endpoint fields, container of its bound template) for ``POST /v2/serverless``."""
    if (body.gpu is None) == (body.cpu is None):
        raise ApiError(400, "exactly one of gpu or cpu is required", field="gpu")
    template = _template(world, body.templateId)
    config: dict[str, Any] = {
        "name": body.name,
        "templateId": body.templateId,
        "type": body.type,
        "dataCenterIds": list(body.dataCenterIds or []),
        "executionTimeoutMs": body.timeout if body.timeout is not None else V2_TIMEOUT_MS,
        "flashbootMode": body.flashboot or "OFF",
        "networkVolumeIds": list(body.networkVolumes or []),
        "allowedCudaVersions": [],
        "minCudaVersion": None,
        "gpuTypeIds": [],
        "gpuCount": 1,
        "cpuConfigs": [],
    }
    if body.gpu is not None:
        config["computeType"] = "GPU"
        gpu = body.gpu
        config["gpuTypeIds"] = _selection(world, gpu.pools or [], gpu.excludedTypes)
        config["gpuCount"] = gpu.count or 1
        config["minCudaVersion"] = gpu.minCudaVersion
        if gpu.allowedCudaVersions is not None:
            config["allowedCudaVersions"] = list(gpu.allowedCudaVersions)
        elif template is not None and gpu.minCudaVersion is None:
            config["allowedCudaVersions"] = list(template.allowedCudaVersions)
        _cuda_rule(config["allowedCudaVersions"], config["minCudaVersion"])
    else:
        assert body.cpu is not None
        config["computeType"] = "CPU"
        config["cpuConfigs"] = [(c.id, c.vcpuCount) for c in body.cpu]
    sent = body.workers.given() if body.workers is not None else {}
    _idle_rule(body.type, body.scaling, sent.get("idleTimeout") is not None)
    workers = V2_WORKERS | {k: v for k, v in sent.items() if v is not None}
    config |= {
        "workersMin": workers["min"],
        "workersMax": workers["max"],
        "idleTimeout": workers["idleTimeout"],
    }
    config |= _scaler(body.scaling)
    return config, body.container()


def update_changes(
    world: RunpodWorld, endpoint: Endpoint, body: UpdateEndpoint
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(changed endpoint fields, container changes) for ``PATCH /v2/serverless/{id}``."""
    given = body.given()
    if body.gpu is not None and body.cpu is not None:
        raise ApiError(400, "gpu and cpu are mutually exclusive", field="gpu")
    if body.gpu is not None and endpoint.computeType == "CPU":
        raise invalid("gpu", "a CPU endpoint takes cpu, not gpu")
    if body.cpu is not None and endpoint.computeType == "GPU":
        raise invalid("cpu", "a GPU endpoint takes gpu, not cpu")
    changes: dict[str, Any] = {}
    for wire, internal in (
        ("name", "name"),
        ("dataCenterIds", "dataCenterIds"),
        ("networkVolumes", "networkVolumeIds"),
        ("timeout", "executionTimeoutMs"),
        ("flashboot", "flashbootMode"),
    ):
        if given.get(wire) is not None:
            changes[internal] = given[wire]
    if body.gpu is not None:
        changes |= _gpu_changes(world, endpoint, body.gpu)
    if body.cpu is not None:
        changes["cpuConfigs"] = [(c.id, c.vcpuCount) for c in body.cpu]
    if body.workers is not None:
        workers = body.workers.given()
        for wire, internal in (("min", "workersMin"), ("max", "workersMax")):
            if workers.get(wire) is not None:
                changes[internal] = workers[wire]
        if workers.get("idleTimeout") is not None:
            changes["idleTimeout"] = workers["idleTimeout"]
    if body.scaling is not None:
        changes |= _scaler(body.scaling)
    scaling = body.scaling
    request_count = (
        isinstance(scaling, RequestCountScaling)
        if scaling is not None
        else endpoint.scalerType == "REQUEST_COUNT"
    )
    if endpoint.type == "QUEUE" and request_count and "idleTimeout" in changes:
        raise invalid("workers.idleTimeout", "not applicable to REQUEST_COUNT scaling")
    container = body.container()
    if body.templateId:
        base = _template(world, body.templateId)
        assert base is not None
        snapshot = base.container()
        if "env" in container:
            container["env"] = {**snapshot["env"], **container["env"]}
        container = snapshot | container
    return changes, container


def _template(world: RunpodWorld, template_id: str | None) -> Template | None:
    if template_id is None:
        return None
    template = world.library.resolve_template(template_id, "templateId")
    if not template.isServerless:
        raise ApiError(422, f"templateId: template {template_id} is not a serverless template")
    return template


def _gpu_changes(world: RunpodWorld, endpoint: Endpoint, gpu: GpuRequest) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if gpu.pools is not None:
        changes["gpuTypeIds"] = _selection(world, gpu.pools, gpu.excludedTypes)
    if gpu.count is not None:
        changes["gpuCount"] = gpu.count
    if gpu.allowedCudaVersions is not None:
        changes["allowedCudaVersions"] = list(gpu.allowedCudaVersions)
    if gpu.minCudaVersion is not None:
        changes["minCudaVersion"] = gpu.minCudaVersion or None  # "" clears the floor
    if gpu.allowedCudaVersions is not None or gpu.minCudaVersion is not None:
        _cuda_rule(
            changes.get("allowedCudaVersions", endpoint.allowedCudaVersions),
            changes.get("minCudaVersion", endpoint.minCudaVersion),
        )
    return changes


def _selection(world: RunpodWorld, pools: list[str], excluded: list[str] | None) -> list[str]:
    """The GPU types of ``pools`` minus ``excluded`` (each exclusion must be in a pool)."""
    catalog = world.catalog
    members: list[str] = []
    for pool in pools:
        if pool not in catalog.pools:
            raise invalid("gpu.pools", f"unknown GPU pool {pool!r}")
        members.extend(gpu for gpu in catalog.pool_members[pool] if gpu not in members)
    dropped = {name.strip() for name in excluded or ()}
    for name in sorted(dropped):
        if name not in members:
            raise invalid("gpu.excludedTypes", f"{name!r} is not a GPU type of the chosen pools")
    chosen = [gpu for gpu in members if gpu not in dropped]
    if not chosen:
        raise invalid("gpu.excludedTypes", "the selection leaves no GPU type")
    return chosen


def _cuda_rule(allowed: list[str], floor: str | None) -> None:
    if allowed and floor:
        raise invalid(
            "gpu.minCudaVersion", "a non-empty allowedCudaVersions and a floor are exclusive"
        )


def _idle_rule(kind: str, scaling: Any, idle_given: bool) -> None:
    if kind == "QUEUE" and isinstance(scaling, RequestCountScaling) and idle_given:
        raise invalid("workers.idleTimeout", "not applicable to REQUEST_COUNT scaling")


def _scaler(scaling: Any) -> dict[str, Any]:
    if isinstance(scaling, RequestCountScaling):
        return {"scalerType": "REQUEST_COUNT", "scalerValue": scaling.requestCount}
    return {"scalerType": "QUEUE_DELAY", "scalerValue": scaling.queueDelay}
