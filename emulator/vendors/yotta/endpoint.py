"""One Yotta endpoint: a fixed-size pool of workers, its QUEUE tasks, cost and worker logs.

The endpoint observes its :class:`Pool` and translates generic worker and task transitions
into Yotta's words: endpoint ``INITIALIZING → RUNNING``, ``STOPPING → STOPPED``, ``FAILED``;
worker ``INITIALIZE / RUNNING / TERMINATING / TERMINATED / FAILED``; task ``PROCESSING →
SUCCESS | FAILED → DELIVERED`` (or ``PROCESSING → DELIVERED → SUCCESS | FAILED``, configurable).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from emulator.core.execution import Behaviour, forward
from emulator.core.pool import Pool, PoolConfig
from emulator.core.scaling import Fixed
from emulator.core.tasks import Task, TaskState
from emulator.core.webhooks import Delivery
from emulator.core.workers import Worker, WorkerState
from emulator.vendors.yotta.catalog import Gpu
from emulator.vendors.yotta.logs import WorkerLog

if TYPE_CHECKING:
    from emulator.vendors.yotta.backend import YottaWorld

INITIALIZING, RUNNING, STOPPING, STOPPED, FAILED = (
    "INITIALIZING",
    "RUNNING",
    "STOPPING",
    "STOPPED",
    "FAILED",
)
ENDPOINT_STATUSES = (INITIALIZING, RUNNING, STOPPING, STOPPED, FAILED)
PROCESSING, DELIVERED, SUCCESS = "PROCESSING", "DELIVERED", "SUCCESS"
TASK_STATUSES = (PROCESSING, DELIVERED, SUCCESS, FAILED)

WORKER_STATUS = {
    WorkerState.PROVISIONING: "INITIALIZE",
    WorkerState.THROTTLED: "INITIALIZE",
    WorkerState.INITIALIZING: "INITIALIZE",
    WorkerState.IDLE: "RUNNING",
    WorkerState.RUNNING: "RUNNING",
    WorkerState.DRAINING: "TERMINATING",
    WorkerState.UNHEALTHY: "FAILED",
    WorkerState.TERMINATED: "TERMINATED",
}
_BILLED = (WorkerState.IDLE, WorkerState.RUNNING, WorkerState.DRAINING)
_IDLE_TIMEOUT = 3600.0  # fixed-size pools never retire idle workers; keep the timers rare


def millis(t: float) -> int:
    """Emulator seconds → epoch milliseconds."""
    return round(t * 1000)


def log_time(t: float) -> str:
    """``YYYY-MM-DD HH:mm:ss.SSS`` in UTC (the queue's notification timestamp)."""
    moment = datetime.fromtimestamp(t, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True, slots=True)
class Placement:
    """A resolved ``resources`` entry: region, GPU type and count."""

    region: str
    region_name: str
    gpu: Gpu
    count: int

    @property
    def price_per_hour(self) -> float:
        """What one worker on this placement costs per hour."""
        return self.gpu.price_per_hour * self.count


@dataclass(slots=True, eq=False)
class WorkerInfo:
    """Yotta details of a worker: where it runs, its price, its bill and its log."""

    placement: Placement
    ip: str
    price_per_second: float
    billed_since: float | None = None
    cost: float = 0.0
    log: WorkerLog = field(default_factory=WorkerLog)

    def cost_at(self, now: float) -> float:
        """Accrued cost up to ``now``."""
        running = now - self.billed_since if self.billed_since is not None else 0.0
        return self.cost + running * self.price_per_second


@dataclass(slots=True, eq=False)
class TaskInfo:
    """Yotta's record of a QUEUE task (``Task.data``)."""

    task_id: str
    internal_id: int
    seq: int
    worker_port: int
    process_uri: str
    webhook: str | None
    webhook_auth_key: str | None
    headers: dict[str, str]
    status: str = PROCESSING
    updated_at: float = 0.0
    worker_url: str | None = None
    delivery: Delivery | None = None


@dataclass(slots=True)
class Settings:
    """Everything about an endpoint a PATCH can change (wire-level values)."""

    name: str
    image_registry: str | None
    image: str
    min_vram: int | None
    min_vcpu: int | None
    min_ram: int | None
    credential_id: int | None
    volume: int
    init_command: str | None
    env_vars: list[tuple[str, str]]
    expose: tuple[int, str] | None
    service_mode: str
    webhook: str | None


class Endpoint:
    """An endpoint's settings, pool, tasks and bill."""

    def __init__(
        self,
        world: YottaWorld,
        endpoint_id: int,
        settings: Settings,
        placements: list[Placement],
        *,
        workers: int,
        behaviour: Behaviour,
        base_url: str | None,
        concurrency: int,
        creator: str,
        domain: str | None,
    ) -> None:
        ctx = world.ctx
        self.world = world
        self.id = endpoint_id
        self.settings = settings
        self.placements = placements
        self.creator = creator
        self.domain = domain
        self.created_at = self.updated_at = ctx.now
        self.target = workers
        self.base_url = base_url.rstrip("/") if base_url else None
        self.phase: Literal["active", "stopping", "stopped"] = "active"
        self.status = INITIALIZING
        self.closed = False
        # (id format, the JSON parts only a change of settings alters): see render.endpoint
        self.rendered: tuple[str, dict[str, Any], dict[str, Any]] | None = None
        # Billing: settled cost plus the rate of the workers billed since ``cost_since``.
        self.cost_settled = 0.0
        self.cost_since = ctx.now
        self.rate = 0.0
        self.billed_workers = 0
        # Tasks: by user id, in creation order, and creation positions per status (sorted).
        self.tasks: dict[str, Task] = {}
        self.order: list[Task] = []
        self.by_status: dict[str, list[int]] = {status: [] for status in TASK_STATUSES}
        self.unfinished = 0
        self.pool = Pool(
            ctx,
            config=self._config(workers, concurrency),
            behaviour=behaviour,
            new_worker_id=self._new_worker_id,
            observer=self,
            forwarder=self.forward if self.base_url else None,
        )

    # ------------------------------------------------------------------ views

    @property
    def running_workers(self) -> int:
        """Workers up and serving."""
        counts = self.pool.counts
        return counts[WorkerState.IDLE] + counts[WorkerState.RUNNING]

    @property
    def price_per_hour(self) -> float:
        """Price of one worker on the preferred placement."""
        return self.placements[0].price_per_hour

    def cost(self, now: float) -> float:
        """Accrued cost of every worker so far."""
        return self.cost_settled + self.rate * (now - self.cost_since)

    def worker(self, worker_id: str) -> Worker | None:
        """A live or recently terminated worker."""
        live = self.pool.workers.get(worker_id)
        if live is not None:
            return live
        return next((w for w in self.pool.retired if w.id == worker_id), None)

    def all_workers(self) -> list[Worker]:
        """Live workers (oldest first), then recently terminated ones (newest first)."""
        return [*self.pool.workers.values(), *reversed(self.pool.retired)]

    # ------------------------------------------------------------------ lifecycle

    def _config(self, workers: int, concurrency: int) -> PoolConfig:
        return PoolConfig(
            min_workers=workers,
            max_workers=workers,
            idle_timeout=_IDLE_TIMEOUT,
            policy=Fixed(workers),
            concurrency=concurrency,
        )

    def touch(self) -> None:
        """Record a change (``updatedAt``); the settings' JSON is rendered afresh."""
        self.updated_at = self.world.ctx.now
        self.rendered = None

    def begin(self, *, warm: bool) -> None:
        """Bring the first workers up (cold, or already warm for fixture endpoints)."""
        if warm:
            self.pool.prewarm()
        else:
            self.pool.start()
        self.refresh()

    def start(self) -> bool:
        """Start a stopped (or failed) endpoint with new workers; False while it is stopping."""
        if self.phase == "stopping":
            return False
        if self.phase == "active" and self.status != FAILED:
            return True
        if self.status == FAILED:
            self.pool.stop()  # replace the broken workers
        self.phase = "active"
        self.status = INITIALIZING
        self.touch()
        self.pool.start()
        self.refresh()
        return True

    def stop(self) -> None:
        """Retire every worker; the endpoint is STOPPED once they are gone."""
        if self.phase != "active":
            return
        self.phase = "stopping"
        self.status = STOPPING
        self.touch()
        self.pool.stop()
        self.refresh()

    def hold(self) -> None:
        """Create-time state ``STOPPED`` (fixtures): no workers until started."""
        self.pool.stop()
        self.phase = "stopped"
        self.status = STOPPED

    def scale(self, workers: int) -> None:
        """Change the fixed worker count; applied at once to a running endpoint."""
        self.target = workers
        self.touch()
        self.pool.reconfigure(self._config(workers, self.pool.config.concurrency))
        self.refresh()

    def close(self) -> None:
        """Deleted: tasks and workers go at once."""
        self.closed = True
        self.pool.close()
        self._settle()

    def refresh(self) -> None:
        """Derive the endpoint status from its workers."""
        if self.phase == "stopping":
            pool = self.pool
            # A worker being terminated is still in ``pool.workers`` while observers hear of it.
            if len(pool.workers) == pool.counts[WorkerState.TERMINATED]:
                self.phase = "stopped"
                self.status = STOPPED
                self.touch()
            return
        if self.phase != "active":
            return
        ready = self.running_workers
        previous = self.status
        if ready >= self.target or (previous == RUNNING and ready > 0):
            status = RUNNING
        elif previous == FAILED or (self.pool.counts[WorkerState.UNHEALTHY] > 0 and ready == 0):
            status = FAILED
        else:
            status = INITIALIZING
        if status != previous:
            self.status = status
            self.touch()

    # ------------------------------------------------------------------ pool observer

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """Billing, logs and the endpoint status follow every worker transition."""
        now = self.world.ctx.now
        if previous is None:
            placement = self.placements[0]
            worker.data = WorkerInfo(
                placement=placement,
                ip=self.world.private_ip(),
                price_per_second=placement.price_per_hour / 3600.0,
            )
        info: WorkerInfo = worker.data
        self._bill(worker, info, now)
        self._log_worker(worker, info, previous, now)
        if not self.closed:
            self.refresh()

    def _bill(self, worker: Worker, info: WorkerInfo, now: float) -> None:
        billed = worker.state in _BILLED and worker.ready_at is not None
        if billed and info.billed_since is None:
            self._settle()
            info.billed_since = now
            self.billed_workers += 1
            self.rate += info.price_per_second
        elif not billed and info.billed_since is not None:
            self._settle()
            info.cost += (now - info.billed_since) * info.price_per_second
            info.billed_since = None
            self.billed_workers -= 1
            self.rate = self.rate - info.price_per_second if self.billed_workers else 0.0

    def _settle(self) -> None:
        now = self.world.ctx.now
        self.cost_settled += self.rate * (now - self.cost_since)
        self.cost_since = now

    def _log_worker(
        self, worker: Worker, info: WorkerInfo, previous: WorkerState | None, now: float
    ) -> None:
        at = millis(now)
        log = info.log
        state = worker.state
        settings = self.settings
        if previous is None:
            p = info.placement
            log.write(at, f"Scheduling worker {worker.id}: {p.count} x {p.gpu.display_name}")
            log.write(at, f"Placed in {p.region} ({p.region_name}), node {info.ip}")
        elif state == WorkerState.INITIALIZING:
            registry = settings.image_registry
            image = f"{registry.rstrip('/')}/{settings.image}" if registry else settings.image
            log.write(at, f"Pulling image {image}")
        elif state == WorkerState.IDLE and previous not in (WorkerState.RUNNING,):
            log.write(at, "Container started")
            if settings.init_command:
                log.write(at, f"Running initialization command: {settings.init_command}")
            log.write(at, f"Worker {worker.id} is ready")
        elif state == WorkerState.UNHEALTHY:
            log.write(at, "Container exited with code 1")
            log.write(at, "Back-off restarting failed container")
        elif state == WorkerState.DRAINING:
            log.write(at, "Received SIGTERM, shutting down")
        elif state == WorkerState.TERMINATED:
            log.write(at, f"Worker {worker.id} terminated")

    def task_changed(self, task: Task, previous: TaskState | None) -> None:  # noqa: ARG002
        """Map a generic task transition to Yotta's task status; deliver results."""
        if self.closed:
            return
        info: TaskInfo = task.data
        state = task.state
        dispatch = self.world.options.delivered == "dispatch"
        if state == TaskState.QUEUED:
            self.set_status(task, PROCESSING)
        elif state == TaskState.RUNNING:
            worker = self.pool.workers.get(task.worker_id or "")
            if worker is not None:
                info.worker_url = self._worker_url(worker, info)
                worker_info: WorkerInfo = worker.data
                worker_info.log.write(
                    millis(task.started_at or 0.0),
                    f"POST {info.process_uri} task={info.task_id}",
                )
            self.set_status(task, DELIVERED if dispatch else PROCESSING)
        elif task.terminal:
            self._finished(task, info)

    def _finished(self, task: Task, info: TaskInfo) -> None:
        ok = task.state == TaskState.COMPLETED
        if task.state == TaskState.TIMED_OUT:
            task.error = task.error or "task timed out"
        elif task.state == TaskState.CANCELLED:
            task.error = task.error or "task cancelled"
        self.unfinished -= 1
        worker = self.pool.workers.get(task.worker_id or "")
        if worker is not None:
            took = millis(task.run_seconds(self.world.ctx.now) or 0.0)
            outcome = f"SUCCESS in {took} ms" if ok else f"FAILED: {task.error}"
            worker_info: WorkerInfo = worker.data
            worker_info.log.write(millis(self.world.ctx.now), f"Task {info.task_id} {outcome}")
        self.set_status(task, SUCCESS if ok else FAILED)
        if info.webhook:
            info.delivery = self.world.ctx.webhook(
                info.webhook,
                None,
                headers={"X-API-Key": info.webhook_auth_key} if info.webhook_auth_key else None,
                retry_delays=tuple(self.world.options.webhook_retry_delays),
                subject=info.task_id,
                on_done=self.delivered,
                prepare=self.notification,
            )

    def _worker_url(self, worker: Worker, info: TaskInfo) -> str:
        if self.base_url:
            return f"{self.base_url}{info.process_uri}"
        worker_info: WorkerInfo = worker.data
        return f"http://{worker_info.ip}:{info.worker_port}{info.process_uri}"

    # ------------------------------------------------------------------ tasks

    def add_task(self, task: Task) -> None:
        """Register a new task (PROCESSING) before it is queued."""
        info: TaskInfo = task.data
        info.seq = len(self.order)
        info.updated_at = task.created_at
        self.tasks[info.task_id] = task
        self.order.append(task)
        self.by_status[info.status].append(info.seq)
        self.unfinished += 1

    def set_status(self, task: Task, status: str) -> None:
        """Move a task to ``status``, keeping the per-status index sorted."""
        info: TaskInfo = task.data
        if info.status == status:
            return
        old = self.by_status[info.status]
        index = bisect.bisect_left(old, info.seq)
        if index < len(old) and old[index] == info.seq:
            del old[index]
        bisect.insort(self.by_status[status], info.seq)
        info.status = status
        info.updated_at = self.world.ctx.now

    def page(self, status: str | None, number: int, size: int) -> tuple[list[Task], int]:
        """Newest-first page ``number`` (1-based) of the tasks, optionally of one status."""
        if status is None:
            total = len(self.order)
            end = max(0, total - (number - 1) * size)
            return list(reversed(self.order[max(0, end - size) : end])), total
        positions = self.by_status.get(status, [])
        total = len(positions)
        end = max(0, total - (number - 1) * size)
        chosen = positions[max(0, end - size) : end]
        return [self.order[seq] for seq in reversed(chosen)], total

    # ------------------------------------------------------------------ webhooks

    def notification(self, delivery: Delivery) -> Any:
        """The result notification for this attempt (``validate_notify_payload`` shape)."""
        task = self.tasks.get(delivery.subject)
        if task is None:
            return delivery.payload
        info: TaskInfo = task.data
        ok = task.state == TaskState.COMPLETED
        payload: dict[str, Any] = {
            "task_id": info.internal_id,
            "user_task_id": info.task_id,
            "endpoint_id": str(self.id),
            "status": "Success" if ok else "Failed",
            "success": ok,
            "timestamp": log_time(self.world.ctx.now),
            "retry_count": len(delivery.attempts),
        }
        if ok:
            payload["result"] = task.output
        else:
            payload["failed_reason"] = task.error or "task failed"
        return payload

    def delivered(self, delivery: Delivery) -> None:
        """The delivery ended: a delivered result turns the task ``DELIVERED``."""
        task = self.tasks.get(delivery.subject)
        if task is None or self.closed:
            return
        info: TaskInfo = task.data
        info.updated_at = self.world.ctx.now
        if delivery.delivered and self.world.options.delivered == "webhook":
            self.set_status(task, DELIVERED)

    # ------------------------------------------------------------------ forwarding

    async def forward(self, pool: Pool, task: Task, worker: Worker) -> None:  # noqa: ARG002
        """POST the task's input (and headers) to the real worker; store its JSON answer."""
        info: TaskInfo = task.data
        started, run_on = task.started_at, task.worker_id
        headers = [("content-type", "application/json"), *info.headers.items()]
        result = await forward(
            self.world.ctx.runtime,
            "POST",
            f"{self.base_url}{info.process_uri}",
            body=json.dumps(task.input, separators=(",", ":")).encode(),
            headers=headers,
            timeout=pool.behaviour.forward_timeout,
        )
        if task.state != TaskState.RUNNING or (task.started_at, task.worker_id) != (
            started,
            run_on,
        ):
            return  # stopped or re-dispatched meanwhile: this answer is stale
        if result.ok:
            pool.finish(task, output=result.json())
        elif result.status is None:
            pool.finish(task, error=f"worker unreachable: {result.error}")
        else:
            text = result.body.decode("utf-8", "replace")[:500]
            pool.finish(task, error=f"worker answered HTTP {result.status}: {text}")

    # ------------------------------------------------------------------ ids

    def _new_worker_id(self) -> str:
        return str(self.world.new_id())
