"""One tenant's RunPod: templates, serverless endpoints (each owning a core pool), GPU capacity.

This world is shared by every RunPod host: the serverless job API (``api.runpod.ai``, see
:mod:`.jobs` and :mod:`.worker_api`) and the REST management APIs. Endpoint attributes carry the
REST v1 field names (``workersMin``, ``scalerType``...) so every host renders them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.core.capacity import Capacity
from emulator.core.context import WorldContext
from emulator.core.pool import Pool, PoolConfig
from emulator.core.scaling import Policy, QueueDelay, RequestCount
from emulator.core.tasks import Task, TaskState
from emulator.core.waiters import Waiters
from emulator.core.workers import Worker, WorkerState
from emulator.vendors.runpod.errors import endpoint_not_found
from emulator.vendors.runpod.jobs import JobBook
from emulator.vendors.runpod.render import iso
from emulator.vendors.runpod.schemas import (
    EndpointFixture,
    RunpodFixture,
    RunpodOptions,
    TemplateFixture,
)
from emulator.vendors.runpod.worker_api import WORKER_ID_LENGTH, WorkerApi

ENDPOINT_ID_LENGTH = 14  # like jpnw0v75y3qoql
TEMPLATE_ID_LENGTH = 10  # like 30zmvf89kd


@dataclass(eq=False)
class Template:
    """A template (REST v1 ``Template`` fields)."""

    id: str
    name: str
    imageName: str
    category: str = "NVIDIA"
    containerDiskInGb: int = 50
    containerRegistryAuthId: str | None = None
    dockerEntrypoint: list[str] = field(default_factory=list)
    dockerStartCmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    isPublic: bool = False
    isRunpod: bool = False
    isServerless: bool = True
    ports: list[str] = field(default_factory=list)
    readme: str = ""
    volumeInGb: int = 20
    volumeMountPath: str = "/workspace"


@dataclass(slots=True)
class JobCounters:
    """Cumulative job outcomes of an endpoint (``/health`` ``jobs``)."""

    completed: int = 0
    failed: int = 0
    retried: int = 0


@dataclass(slots=True)
class WorkerInfo:
    """RunPod details of one worker (``Worker.data``)."""

    gpu: str
    last_seen: float | None = None
    runpod_version: str | None = None


@dataclass(eq=False)
class Endpoint:
    """A serverless endpoint: REST v1 fields, its pool, its job counters.

    It is its pool's observer and hands the events to the world's job book.
    """

    world: RunpodWorld = field(repr=False)
    id: str
    name: str
    templateId: str | None
    computeType: str
    gpuTypeIds: list[str]
    gpuCount: int
    dataCenterIds: list[str]
    env: dict[str, str]
    executionTimeoutMs: int
    idleTimeout: int
    scalerType: str
    scalerValue: int
    workersMin: int
    workersMax: int
    flashboot: bool
    networkVolumeId: str | None
    createdAt: str
    userId: str
    version: int = 0
    behaviour: Any = None
    counters: JobCounters = field(default_factory=JobCounters)
    # external workers: job ids each one must stop (cancelled / timed out while it ran them)
    stop_signals: dict[str, list[str]] = field(default_factory=dict)
    pool: Pool = field(init=False, repr=False)

    @property
    def external(self) -> bool:
        """Served by real workers pulling jobs over the worker protocol."""
        return self.pool.config.external

    @property
    def gpu(self) -> str:
        """The GPU type its workers are placed on (the first preference)."""
        return self.gpuTypeIds[0]

    # -- pool observer
    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        """A job changed state."""
        self.world.jobs.task_changed(self, task, previous)

    def task_updated(self, task: Task) -> None:
        """A running job reported progress or a stream chunk."""
        self.world.jobs.task_updated(task)

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """A worker changed state."""
        if previous is None and worker.data is None:
            worker.data = WorkerInfo(gpu=self.gpu)


class RunpodWorld:
    """Templates, endpoints and their pools, capacity and options of one API key."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self.options = RunpodOptions()
        self.capacity: dict[str, Capacity] = {}
        self.templates: dict[str, Template] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self.user_id = "user_" + ctx.ids.alnum(27, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        self.waiters = Waiters(ctx)
        self.jobs = JobBook(self)
        self.workers = WorkerApi(self)

    # ------------------------------------------------------------------ fixtures

    def load(self, section: RunpodFixture) -> None:
        """Options, capacity, templates and endpoints of a fixture section (endpoints warm)."""
        if section.options is not None:
            chosen = section.options.model_dump(include=section.options.model_fields_set)
            self.options = self.options.model_copy(update=chosen)
        for gpu, slots in section.capacity.items():
            existing = self.capacity.get(gpu)
            if existing is None:
                self.capacity[gpu] = Capacity(slots, name=gpu)
            else:
                existing.resize(slots)
        for template in section.templates:
            self.add_template(template)
        for spec in section.endpoints:
            if spec.id is not None and spec.id in self.endpoints:
                self.delete_endpoint(spec.id)
            self.create_endpoint(spec, warm=True)

    def dump(self) -> Any:
        """JSON view for ``GET /_emulator/state``."""
        from emulator.vendors.runpod.render import endpoint_state

        return {
            "templates": [vars(t).copy() for t in self.templates.values()],
            "endpoints": [endpoint_state(e) for e in self.endpoints.values()],
            "jobs": len(self.jobs.by_id),
        }

    # ------------------------------------------------------------------ templates

    def add_template(self, spec: TemplateFixture) -> Template:
        """Create (or replace) a template."""
        data = spec.model_dump(exclude={"id"})
        template = Template(id=spec.id or self.ctx.ids.alnum(TEMPLATE_ID_LENGTH), **data)
        self.templates[template.id] = template
        return template

    # ------------------------------------------------------------------ endpoints

    def create_endpoint(self, spec: EndpointFixture, *, warm: bool = False) -> Endpoint:
        """Create an endpoint and its pool; ``warm`` starts ``workersMin`` workers ready."""
        data = spec.model_dump(exclude={"id", "behaviour", "external"})
        endpoint = Endpoint(
            world=self,
            id=spec.id or self.ctx.ids.alnum(ENDPOINT_ID_LENGTH),
            createdAt=iso(self.ctx.now),
            userId=self.user_id,
            behaviour=spec.behaviour,
            **data,
        )
        try:
            behaviour = self.ctx.behaviour(spec.behaviour)
        except KeyError as exc:
            raise ValueError(f"runpod endpoint {endpoint.id}: {exc.args[0]}") from None
        endpoint.pool = Pool(
            self.ctx,
            config=self.pool_config(endpoint, external=spec.external),
            behaviour=behaviour,
            new_worker_id=self._new_worker_id,
            observer=endpoint,
            capacity=self.capacity.get(endpoint.gpu),
        )
        self.endpoints[endpoint.id] = endpoint
        if warm:
            endpoint.pool.prewarm()
        else:
            endpoint.pool.start()
        return endpoint

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint, or RunPod's 404."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise endpoint_not_found(endpoint_id)
        return endpoint

    def pool_config(self, endpoint: Endpoint, *, external: bool) -> PoolConfig:
        """The core pool settings for an endpoint's scaler fields."""
        policy: Policy
        if endpoint.scalerType == "REQUEST_COUNT":
            policy = RequestCount(
                endpoint.scalerValue, include_running=self.options.request_count_includes_running
            )
        else:
            policy = QueueDelay(float(endpoint.scalerValue), step=self.options.queue_delay_step)
        return PoolConfig(
            min_workers=endpoint.workersMin,
            max_workers=endpoint.workersMax,
            idle_timeout=float(endpoint.idleTimeout),
            policy=policy,
            external=external,
        )

    def apply_config(self, endpoint: Endpoint) -> None:
        """Re-apply the scaler fields after an update (scales at once where needed)."""
        endpoint.pool.reconfigure(self.pool_config(endpoint, external=endpoint.external))

    def set_external(self, endpoint: Endpoint) -> None:
        """Hand the endpoint to real workers: simulated ones retire, running jobs re-queue."""
        if endpoint.external:
            return
        pool = endpoint.pool
        pool.stop()
        pool.reconfigure(self.pool_config(endpoint, external=True))
        pool.start()

    def delete_endpoint(self, endpoint_id: str) -> Endpoint:
        """Remove an endpoint: its jobs are cancelled, its workers terminated."""
        endpoint = self.endpoint(endpoint_id)
        endpoint.pool.close()
        del self.endpoints[endpoint_id]
        self.jobs.forget_endpoint(endpoint_id)
        return endpoint

    def _new_worker_id(self) -> str:
        return self.ctx.ids.alnum(WORKER_ID_LENGTH)
