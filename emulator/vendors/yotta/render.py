"""Backend objects → Yotta wire JSON (plain dicts, in the order of the vendor's schemas)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.core.tasks import Task
from emulator.core.webhooks import Delivery
from emulator.core.workers import Worker
from emulator.vendors.yotta.endpoint import (
    WORKER_STATUS,
    Endpoint,
    Placement,
    TaskInfo,
    WorkerInfo,
    millis,
)
from emulator.vendors.yotta.logs import LogPage

if TYPE_CHECKING:
    from emulator.vendors.yotta.backend import YottaWorld


@functools.lru_cache(maxsize=4096)
def iso(t: float) -> str:
    """``2026-01-01T00:00:00.000Z`` (memoized: a list page formats the same instants again)."""
    moment = datetime.fromtimestamp(t, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ident(value: int | None, form: str) -> int | str | None:
    """An int64 id as a JSON string (the live API) or a number (the spec)."""
    if value is None:
        return None
    return str(value) if form == "string" else value


def placement(p: Placement) -> dict[str, Any]:
    """Where an endpoint may place workers (a ``resources`` item), or where a worker runs."""
    return {
        "region": p.region,
        "regionDisplayName": p.region_name,
        "gpuType": p.gpu.code,
        "gpuDisplayName": p.gpu.display_name,
        "gpuCount": p.count,
        "singleCardVramInGb": p.gpu.vram_gb,
        "singleCardVcpu": p.gpu.vcpu,
        "singleCardRamInGb": p.gpu.ram_gb,
    }


def endpoint(world: YottaWorld, ep: Endpoint) -> dict[str, Any]:
    """``ElasticV2Response``."""
    form = world.options.id_format
    cached = ep.rendered
    if cached is None or cached[0] != form:
        cached = ep.rendered = (form, *_endpoint_settings(ep, form))
    _, head, tail = cached
    doc = head.copy()
    doc["totalWorkers"] = ep.target
    doc["runningWorkers"] = ep.running_workers
    doc["cost"] = round(ep.cost(world.ctx.now), 6)
    doc.update(tail)
    doc["status"] = ep.status
    doc["createdAt"] = iso(ep.created_at)
    doc["updatedAt"] = iso(ep.updated_at)
    return doc


def _endpoint_settings(ep: Endpoint, form: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parts of an endpoint's JSON before and after its live counters (a list page renders
    them once per change of settings, see ``Endpoint.touch``)."""
    s = ep.settings
    price = ep.price_per_hour
    head = {
        "id": ident(ep.id, form),
        "name": s.name,
        "creator": ep.creator,
        "domain": ep.domain,
        "imageRegistry": s.image_registry,
        "image": s.image,
        "resources": [placement(p) for p in ep.placements],
        "minSingleCardVramInGb": s.min_vram,
        "minSingleCardVcpu": s.min_vcpu,
        "minSingleCardRamInGb": s.min_ram,
        "credentialId": ident(s.credential_id, form),
        "containerVolumeInGb": s.volume,
        "initializationCommand": s.init_command,
        "environmentVars": [{"key": k, "value": v} for k, v in s.env_vars],
        "expose": {"port": s.expose[0], "protocol": s.expose[1]} if s.expose else None,
    }
    tail = {
        "perSecondPrice": round(price / 3600.0, 8),
        "perHourPrice": round(price, 4),
        "serviceMode": s.service_mode,
        "webhook": s.webhook,
    }
    return head, tail


def worker(world: YottaWorld, w: Worker) -> dict[str, Any]:
    """A worker of ``GET /v2/serverless/{id}/workers``."""
    info: WorkerInfo = w.data
    now = world.ctx.now
    return {
        "id": ident(int(w.id), world.options.id_format),
        **placement(info.placement),
        "uptime": int(w.uptime(now)),
        "cost": round(info.cost_at(now), 6),
        "status": WORKER_STATUS[w.state],
        "createdAt": millis(w.created_at),
    }


def _delivery(delivery: Delivery | None) -> tuple[str, int, int | None]:
    """(deliveryStatus, deliveryAttempts, deliveredAt) from the webhook delivery."""
    if delivery is None:
        return "INIT", 0, None
    done = [a for a in delivery.attempts if a.status is not None or a.error is not None]
    if delivery.state == "delivered":
        return "SUCCESS", len(done), millis(done[-1].at)
    if delivery.state == "failed":
        return "MAX_RETRIES_EXCEEDED", len(done), None
    return ("FAILED" if done else "INIT"), len(done), None


def task(world: YottaWorld, ep: Endpoint, t: Task, *, detail: bool) -> dict[str, Any]:
    """``ElasticV2TaskResponse`` (``detail``: ``ElasticV2TaskDetailResponse``)."""
    info: TaskInfo = t.data
    status, attempts, delivered_at = _delivery(info.delivery)
    body: dict[str, Any] = {
        "taskId": info.task_id,
        "endpointId": ident(ep.id, world.options.task_endpoint_id_format),
        "endpointName": ep.settings.name,
        "status": info.status,
        "workerUrl": info.worker_url,
        "webhook": info.webhook,
        "deliveryStatus": status,
        "deliveryAttempts": attempts,
        "error": t.error,
    }
    if detail:
        body["input"] = t.input
        body["output"] = t.output
        body["headers"] = info.headers
        body["createdAt"] = millis(t.created_at)
        body["updatedAt"] = millis(info.updated_at)
        body["deliveredAt"] = delivered_at
    else:
        body["createdAt"] = millis(t.created_at)
        body["deliveredAt"] = delivered_at
        body["updatedAt"] = millis(info.updated_at)
    return body


def task_page(
    world: YottaWorld,
    ep: Endpoint,
    items: list[Task],
    number: int,
    size: int,
    total: int,
    pages: int,
) -> dict[str, Any]:
    """``V2PageResponseElasticV2TaskResponse``."""
    return {
        "items": [task(world, ep, t, detail=False) for t in items],
        "page": number,
        "size": size,
        "total": total,
        "pages": pages,
    }


def logs(page: LogPage) -> dict[str, Any]:
    """A worker log page with its ``search_after`` cursor."""
    last = page.lines[-1] if page.lines else None
    return {
        "logs": [
            {"timestamp": iso(line.timestamp / 1000), "log": line.text, "offset": line.offset}
            for line in page.lines
        ],
        "hasMore": page.has_more,
        "nextSearchAfterTime": str(last.timestamp) if last else None,
        "nextSearchAfterOffset": str(last.offset) if last else None,
    }
