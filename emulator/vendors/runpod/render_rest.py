"""Wire documents of the REST APIs: v1 (flat, alphabetical keys) and v2 (nested, as its spec).

Plain dicts built field by field. A v1 string field with no value is left out (the v1 spec
has no nullable strings); v2 sends ``null`` where its spec allows it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.core.workers import Worker, WorkerState
from emulator.vendors.runpod.fleet import WorkerInfo
from emulator.vendors.runpod.render import iso

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld
    from emulator.vendors.runpod.resources import NetworkVolume, RegistryAuth, Template

_UNPLACED = (WorkerState.PROVISIONING, WorkerState.THROTTLED)
V2_STATUS = {
    WorkerState.PROVISIONING: "INITIALIZING",
    WorkerState.INITIALIZING: "INITIALIZING",
    WorkerState.THROTTLED: "THROTTLED",
    WorkerState.IDLE: "IDLE",
    WorkerState.RUNNING: "RUNNING",
    WorkerState.DRAINING: "RUNNING",  # still finishing a job (idle draining ones are not listed)
    WorkerState.UNHEALTHY: "UNHEALTHY",
}


def iso_seconds(epoch: float) -> str:
    """``2026-06-01T12:00:00Z`` (REST v2 timestamps)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def js_date(epoch: float) -> str:
    """A JavaScript ``Date.toString()``, as v1's ``lastStatusChange`` shows it."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")


def listed_workers(endpoint: Endpoint) -> list[Worker]:
    """The endpoint's active workers: all live ones but those scaling down with nothing to do."""
    return [
        worker
        for worker in endpoint.pool.workers.values()
        if worker.state != WorkerState.DRAINING or worker.tasks
    ]


# =========================================================================== REST v1


def v1_template(template: Template) -> dict[str, Any]:
    """A v1 ``Template``."""
    doc: dict[str, Any] = {
        "category": template.category,
        "containerDiskInGb": template.containerDiskInGb,
    }
    if template.containerRegistryAuthId is not None:
        doc["containerRegistryAuthId"] = template.containerRegistryAuthId
    doc |= {
        "dockerEntrypoint": list(template.dockerEntrypoint),
        "dockerStartCmd": list(template.dockerStartCmd),
        "earned": 0,
        "env": dict(template.env),
        "id": template.id,
        "imageName": template.imageName,
        "isPublic": template.isPublic,
        "isRunpod": template.isRunpod,
        "isServerless": template.isServerless,
        "name": template.name,
        "ports": list(template.ports),
        "readme": template.readme,
        "runtimeInMin": 0,
        "volumeInGb": template.volumeInGb,
        "volumeMountPath": template.volumeMountPath,
    }
    return doc


def v1_endpoint(
    endpoint: Endpoint, *, template: bool = False, workers: bool = False
) -> dict[str, Any]:
    """A v1 ``Endpoint``; ``template`` and ``workers`` keys only when asked for."""
    gpu = endpoint.computeType == "GPU"
    doc: dict[str, Any] = {}
    if gpu:
        doc["allowedCudaVersions"] = list(endpoint.allowedCudaVersions)
    doc |= {
        "computeType": endpoint.computeType,
        "createdAt": endpoint.createdAt,
        "dataCenterIds": list(endpoint.dataCenterIds),
        "env": dict(endpoint.env),
        "executionTimeoutMs": endpoint.executionTimeoutMs,
    }
    if gpu:
        doc["gpuCount"] = endpoint.gpuCount
        doc["gpuTypeIds"] = list(endpoint.gpuTypeIds)
    doc["id"] = endpoint.id
    doc["idleTimeout"] = endpoint.idleTimeout
    if not gpu:
        catalog = endpoint.world.catalog
        doc["instanceIds"] = [
            f"{flavor}-{vcpu}-{catalog.cpu_memory(flavor, vcpu)}"
            for flavor, vcpu in endpoint.cpuConfigs
        ]
    if gpu and endpoint.minCudaVersion is not None:
        doc["minCudaVersion"] = endpoint.minCudaVersion
    doc["name"] = endpoint.name
    if endpoint.networkVolumeId is not None:
        doc["networkVolumeId"] = endpoint.networkVolumeId
    doc |= {
        "networkVolumeIds": list(endpoint.networkVolumeIds),
        "scalerType": endpoint.scalerType,
        "scalerValue": endpoint.scaler_number,
    }
    if template:
        doc["template"] = v1_template(endpoint.template)
    doc |= {"templateId": endpoint.templateId, "userId": endpoint.userId}
    doc["version"] = endpoint.version
    if workers:
        doc["workers"] = [v1_pod(endpoint, worker) for worker in listed_workers(endpoint)]
    doc |= {"workersMax": endpoint.workersMax, "workersMin": endpoint.workersMin}
    return doc


def _gpu_block(world: RunpodWorld, gpu_id: str, count: int) -> dict[str, Any]:
    gpu = world.catalog.gpus.get(gpu_id)
    block: dict[str, Any] = {"id": gpu_id, "count": count}
    if gpu is not None:
        block["displayName"] = gpu.displayName
        block |= gpu.prices()
    return block


def v1_pod(endpoint: Endpoint, worker: Worker) -> dict[str, Any]:
    """A worker as v1 shows it: a ``Pod`` of the endpoint (``desiredStatus`` RUNNING)."""
    world = endpoint.world
    info = worker.data if isinstance(worker.data, WorkerInfo) else WorkerInfo(gpu=endpoint.gpu)
    template = world.library.templates.get(info.template_id or "") or endpoint.template
    placed = worker.state not in _UNPLACED
    doc: dict[str, Any] = {
        "adjustedCostPerHr": info.cost_per_hr,
        "aiApiId": endpoint.id,
        "consumerUserId": endpoint.userId,
        "containerDiskInGb": template.containerDiskInGb,
    }
    if template.containerRegistryAuthId is not None:
        doc["containerRegistryAuthId"] = template.containerRegistryAuthId
    doc["costPerHr"] = info.cost_per_hr
    if info.cpu_flavor is not None:
        doc["cpuFlavorId"] = info.cpu_flavor
    doc |= {
        "desiredStatus": "RUNNING",
        "dockerEntrypoint": list(template.dockerEntrypoint),
        "dockerStartCmd": list(template.dockerStartCmd),
        "endpointId": endpoint.id,
        "env": dict(template.env),
    }
    if info.gpu_count:
        doc["gpu"] = _gpu_block(world, info.gpu, info.gpu_count)
    started = worker.ready_at if worker.ready_at is not None else worker.created_at
    doc |= {
        "id": worker.id,
        "image": info.image,
        "interruptible": False,
        "lastStartedAt": iso(started),
        "lastStatusChange": f"Rented by User: {js_date(worker.created_at)}",
        "locked": False,
    }
    machine = info.machine
    if placed and machine is not None:
        doc["machine"] = _machine(world, info)
        doc["machineId"] = machine.id
    doc["memoryInGb"] = info.memory
    doc["name"] = endpoint.name or endpoint.id
    volume = world.library.volumes.get(endpoint.networkVolumeId or "")
    if volume is not None:
        doc["networkVolume"] = v1_volume(volume)
    doc |= {
        "portMappings": None,
        "ports": list(template.ports),
        "publicIp": None,
        "savingsPlans": [],
        "slsVersion": info.version,
        "templateId": template.id,
        "vcpuCount": info.vcpu,
        "volumeEncrypted": False,
        "volumeInGb": template.volumeInGb,
        "volumeMountPath": template.volumeMountPath,
    }
    return doc


def _machine(world: RunpodWorld, info: WorkerInfo) -> dict[str, Any]:
    machine = info.machine
    assert machine is not None
    doc: dict[str, Any] = {"minPodGpuCount": 1 if info.gpu_count else 0}
    if machine.gpuTypeId is not None:
        gpu = world.catalog.gpus.get(machine.gpuTypeId)
        doc["gpuTypeId"] = machine.gpuTypeId
        doc["gpuType"] = _gpu_block(world, machine.gpuTypeId, 1)
        if gpu is not None:
            doc["gpuDisplayName"] = gpu.displayName
            doc["currentPricePerGpu"] = gpu.securePrice
    cpu_id = machine.cpuType.replace(" ", "-").lower()
    doc |= {
        "cpuCount": machine.cpuCores,
        "cpuTypeId": cpu_id,
        "cpuType": {
            "id": cpu_id,
            "displayName": machine.cpuType,
            "cores": machine.cpuCores,
            "threadsPerCore": machine.threadsPerCore,
            "groupId": machine.cpuType.split()[0],
        },
        "location": machine.location,
        "dataCenterId": machine.dataCenterId,
        "diskThroughputMBps": machine.diskThroughputMBps,
        "maxDownloadSpeedMbps": machine.maxDownloadSpeedMbps,
        "maxUploadSpeedMbps": machine.maxUploadSpeedMbps,
        "supportPublicIp": True,
        "secureCloud": True,
        "costPerHr": info.cost_per_hr,
        "gpuAvailable": machine.gpuAvailable,
    }
    return doc


def v1_volume(volume: NetworkVolume) -> dict[str, Any]:
    """A v1 ``NetworkVolume``."""
    return {
        "dataCenterId": volume.dataCenterId,
        "id": volume.id,
        "name": volume.name,
        "size": volume.size,
    }


def registry(auth: RegistryAuth) -> dict[str, Any]:
    """v1 ``ContainerRegistryAuth`` and v2 ``Registry`` (the secrets never leave)."""
    return {"id": auth.id, "name": auth.name}


# =========================================================================== REST v2


def v2_template(template: Template) -> dict[str, Any]:
    """A v2 ``Template``."""
    mounts: dict[str, Any] = {}
    if template.volumeInGb:
        mounts["persistent"] = {"size": template.volumeInGb, "path": template.volumeMountPath}
    return {
        "id": template.id,
        "name": template.name,
        "image": template.imageName,
        "args": template.arguments,
        "disk": template.containerDiskInGb,
        "mounts": mounts,
        "ports": list(template.ports),
        "env": dict(template.env),
        "registry": template.containerRegistryAuthId,
        "serverless": template.isServerless,
        "public": template.isPublic,
        "category": template.category,
        "startSsh": template.startSsh,
        "startJupyter": template.startJupyter,
        "allowedCudaVersions": list(template.allowedCudaVersions),
    }


def request_urls(endpoint: Endpoint, jobs_base: str) -> dict[str, str]:
    """Where to send jobs: the emulator's own job API (``<origin>/api.runpod.ai/v2/<id>``)."""
    if endpoint.type == "LOAD_BALANCER":  # RunPod's own per-endpoint host (not emulated)
        base = f"https://{endpoint.id}.api.runpod.ai"
        return {"base": base, "health": f"{base}/ping"}
    base = f"{jobs_base}/{endpoint.id}"
    return {
        "run": f"{base}/run",
        "runSync": f"{base}/runsync",
        "status": f"{base}/status/{{job_id}}",
        "stream": f"{base}/stream/{{job_id}}",
        "cancel": f"{base}/cancel/{{job_id}}",
        "retry": f"{base}/retry/{{job_id}}",
        "purgeQueue": f"{base}/purge-queue",
        "health": f"{base}/health",
    }


def v2_gpu(endpoint: Endpoint) -> dict[str, Any]:
    """``gpu``: the pools of its GPU types, the pools' other types excluded."""
    catalog = endpoint.world.catalog
    chosen = set(endpoint.gpuTypeIds)
    pools: list[str] = []
    for gpu in endpoint.gpuTypeIds:
        pool = catalog.pool_of(gpu)
        if pool is not None and pool not in pools:
            pools.append(pool)
    doc: dict[str, Any] = {"pools": pools}
    excluded = [
        gpu for pool in pools for gpu in catalog.pool_members.get(pool, ()) if gpu not in chosen
    ]
    if excluded:
        doc["excludedTypes"] = excluded
    doc |= {
        "count": endpoint.gpuCount,
        "allowedCudaVersions": list(endpoint.allowedCudaVersions),
        "minCudaVersion": endpoint.minCudaVersion,
    }
    return doc


def v2_endpoint(endpoint: Endpoint, jobs_base: str) -> dict[str, Any]:
    """A v2 ``Endpoint`` (container settings from its template)."""
    template = endpoint.template
    doc: dict[str, Any] = {
        "id": endpoint.id,
        "name": endpoint.name,
        "type": endpoint.type,
        "requestUrls": request_urls(endpoint, jobs_base),
        "image": template.imageName,
        "args": template.arguments,
        "disk": template.containerDiskInGb,
        "ports": list(template.ports),
        "env": dict(template.env),
        "registry": template.containerRegistryAuthId,
    }
    if endpoint.computeType == "GPU":
        doc["gpu"] = v2_gpu(endpoint)
    else:
        catalog = endpoint.world.catalog
        doc["cpu"] = [
            {"id": flavor, "vcpuCount": vcpu, "memory": catalog.cpu_memory(flavor, vcpu)}
            for flavor, vcpu in endpoint.cpuConfigs
        ]
    workers: dict[str, Any] = {"min": endpoint.workersMin, "max": endpoint.workersMax}
    request_count = endpoint.scalerType == "REQUEST_COUNT"
    if not (request_count and endpoint.type == "QUEUE"):
        workers["idleTimeout"] = endpoint.idleTimeout
    scaling: dict[str, Any] = (
        {"type": "REQUEST_COUNT", "requestCount": int(endpoint.scalerValue)}
        if request_count
        else {"type": "QUEUE_DELAY", "queueDelay": endpoint.scalerValue}
    )
    doc |= {
        "workers": workers,
        "scaling": scaling,
        "dataCenterIds": list(endpoint.dataCenterIds),
        "networkVolumes": list(endpoint.networkVolumeIds),
        "timeout": endpoint.executionTimeoutMs,
        "flashboot": endpoint.flashbootMode,
        "createdAt": iso_seconds(endpoint.created),
    }
    return doc


def v2_worker(endpoint: Endpoint, worker: Worker, now: float) -> dict[str, Any]:
    """A v2 ``Worker``."""
    info = worker.data if isinstance(worker.data, WorkerInfo) else WorkerInfo(gpu=endpoint.gpu)
    placed = worker.state not in _UNPLACED
    return {
        "id": worker.id,
        "status": V2_STATUS[worker.state],
        "isStale": info.version != endpoint.version,
        "version": info.version,
        "gpuCount": info.gpu_count,
        "image": info.image or None,
        "uptimeSeconds": int(worker.uptime(now)) if worker.ready_at is not None else None,
        "gpuTypeId": info.gpu if placed and info.gpu_count else None,
        "dataCenterId": info.data_center if placed else None,
        "startedAt": iso_seconds(worker.ready_at) if worker.ready_at is not None else None,
    }


def v2_workers(endpoint: Endpoint, now: float) -> dict[str, Any]:
    """``GET /v2/serverless/{id}/workers``: the active workers and a count by status."""
    workers = [v2_worker(endpoint, worker, now) for worker in listed_workers(endpoint)]
    summary = dict.fromkeys(("running", "idle", "initializing", "throttled", "unhealthy"), 0)
    for worker in workers:
        summary[worker["status"].lower()] += 1
    summary["total"] = len(workers)
    return {"workers": workers, "summary": summary, "endpointVersion": endpoint.version}


def v2_volume(volume: NetworkVolume) -> dict[str, Any]:
    """A v2 ``NetworkVolume``."""
    return {
        "id": volume.id,
        "name": volume.name,
        "size": volume.size,
        "dataCenter": volume.dataCenterId,
        "type": volume.type,
    }


def sse_logs(worker: Worker, source: str | None, after: LogCursor, tail: int) -> str:
    """A worker's log as Server-Sent Events (``id: <ts>/<seq>``, JSON ``data``).

    ``after`` resumes past a cursor (a time, or a time and sequence number); without one the
    last ``tail`` lines are sent.
    """
    info = worker.data
    entries = info.lines(worker.id) if isinstance(info, WorkerInfo) else []
    picked = [
        entry
        for entry in entries
        if (source is None or entry[2] == source) and _after(entry, after)
    ]
    if after is None:
        picked = picked[-tail:] if tail else []
    events = []
    for seq, at, origin, line in picked:
        stamp = iso_seconds(at)
        data = json.dumps(
            {"ts": stamp, "source": origin, "line": line}, ensure_ascii=False, separators=(",", ":")
        )
        events.append(f"id: {stamp}/{seq:012d}\ndata: {data}\n\n")
    return "".join(events)


LogCursor = tuple[float, int | None] | None


def _after(entry: tuple[int, float, str, str], cursor: LogCursor) -> bool:
    if cursor is None:
        return True
    at, seq = cursor
    if seq is not None:
        return entry[0] > seq
    return entry[1] > at
