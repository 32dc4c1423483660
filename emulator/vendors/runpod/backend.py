"""One tenant's RunPod: endpoints (each owning a core pool), templates, volumes, capacity.

This world is shared by every RunPod host: the serverless job API (``api.runpod.ai``, see
:mod:`.jobs` and :mod:`.worker_api`) and the REST management APIs v1 and v2. Endpoint
attributes carry the REST v1 field names (``workersMin``, ``scalerType``...); REST v2's nested
shape is a rendering of the same fields. Every endpoint runs a template: the one REST v1 named,
or an endpoint-bound copy (REST v2 creates, fixture endpoints with their own image or env).

Changes are checked in full before anything is touched, so a refused request leaves the
world as it was. A change of the container a worker runs (template, image, env...) bumps the
endpoint's ``version`` and rolls its workers over to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from emulator.core.capacity import Capacity
from emulator.core.context import WorldContext
from emulator.core.errors import ApiError
from emulator.core.ids import Ids, derive_rng
from emulator.core.pool import Pool, PoolConfig
from emulator.core.scaling import Policy, QueueDelay, RequestCount
from emulator.core.tasks import Task, TaskState
from emulator.core.waiters import Waiters
from emulator.core.workers import Worker, WorkerState
from emulator.vendors.runpod.catalog import Catalog
from emulator.vendors.runpod.errors import endpoint_not_found, not_found
from emulator.vendors.runpod.fleet import Fleet, WorkerInfo
from emulator.vendors.runpod.jobs import JobBook
from emulator.vendors.runpod.render import iso
from emulator.vendors.runpod.resources import Library, NetworkVolume, Template
from emulator.vendors.runpod.rules import (
    Names,
    check_config,
    check_data_center,
    check_serverless,
    name_of,
)
from emulator.vendors.runpod.schemas import (
    EndpointFixture,
    RunpodFixture,
    RunpodOptions,
    TemplateFixture,
)
from emulator.vendors.runpod.worker_api import WORKER_ID_LENGTH, WorkerApi

__all__ = ["Endpoint", "RunpodWorld", "Template", "WorkerInfo"]

ENDPOINT_ID_LENGTH = 14  # like jpnw0v75y3qoql

# The endpoint fields a configuration carries (besides the container of its template).
CONFIG_FIELDS = (
    "name", "templateId", "computeType", "type", "gpuTypeIds", "gpuCount", "cpuConfigs",
    "allowedCudaVersions", "minCudaVersion", "dataCenterIds", "executionTimeoutMs",
    "idleTimeout", "scalerType", "scalerValue", "workersMin", "workersMax", "flashbootMode",
    "networkVolumeIds",
)  # fmt: skip
SCALER_FIELDS = frozenset({"idleTimeout", "scalerType", "scalerValue", "workersMin", "workersMax"})


@dataclass(slots=True)
class JobCounters:
    """Cumulative job outcomes of an endpoint (``/health`` ``jobs``)."""

    completed: int = 0
    failed: int = 0
    retried: int = 0


@dataclass(eq=False)
class Endpoint:
    """A serverless endpoint: REST v1 fields, its template, its pool, its job counters.

    It is its pool's observer and hands the events to the world's job book and fleet.
    """

    world: RunpodWorld = field(repr=False)
    id: str
    name: str
    templateId: str
    computeType: str
    type: str
    gpuTypeIds: list[str]
    gpuCount: int
    cpuConfigs: list[tuple[str, int]]
    allowedCudaVersions: list[str]
    minCudaVersion: str | None
    dataCenterIds: list[str]
    executionTimeoutMs: int
    idleTimeout: int
    scalerType: str
    scalerValue: float
    workersMin: int
    workersMax: int
    flashbootMode: str
    networkVolumeIds: list[str]
    created: float
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
        """What its workers are placed on: the first GPU preference (CPU: the first flavor)."""
        if self.computeType == "CPU":
            return self.cpuConfigs[0][0]
        return self.gpuTypeIds[0]

    @property
    def template(self) -> Template:
        """The template its workers run."""
        return self.world.library.templates[self.templateId]

    @property
    def env(self) -> dict[str, str]:
        """The environment of its workers (its template's)."""
        return self.template.env

    @property
    def flashboot(self) -> bool:
        """REST v1's boolean view of the FlashBoot mode."""
        return self.flashbootMode != "OFF"

    @property
    def networkVolumeId(self) -> str | None:
        """REST v1's single volume: the first attached."""
        return self.networkVolumeIds[0] if self.networkVolumeIds else None

    @property
    def createdAt(self) -> str:
        """``2024-07-12T19:14:40.144Z``."""
        return iso(self.created)

    @property
    def scaler_number(self) -> int:
        """REST v1's whole-number ``scalerValue`` (a fractional queue delay rounds up)."""
        return max(1, math.ceil(self.scalerValue))

    # -- pool observer
    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        """A job changed state."""
        self.world.fleet.task_changed(self, task, previous)
        self.world.jobs.task_changed(self, task, previous)

    def task_updated(self, task: Task) -> None:
        """A running job reported progress or a stream chunk."""
        self.world.jobs.task_updated(task)

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """A worker changed state: place it when it is new, log it."""
        if previous is None and worker.data is None:
            worker.data = self.world.fleet.place(self)
        self.world.fleet.worker_changed(worker, previous)


class RunpodWorld:
    """Templates, endpoints and their pools, volumes, credentials, capacity, catalog, options."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self.options = RunpodOptions()
        self.capacity: dict[str, Capacity] = {}
        self.catalog = Catalog.default()
        self.library = Library(Ids(derive_rng(ctx.sim.seed, ctx.vendor, ctx.tenant.key, "rest")))
        self.endpoints: dict[str, Endpoint] = {}
        self.user_id = "user_" + ctx.ids.alnum(27, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        self.waiters = Waiters(ctx)
        self.jobs = JobBook(self)
        self.workers = WorkerApi(self)
        self.fleet = Fleet(self)

    @property
    def templates(self) -> dict[str, Template]:
        """Every template of the tenant, endpoint-bound ones included."""
        return self.library.templates

    # ------------------------------------------------------------------ fixtures

    def load(self, section: RunpodFixture) -> None:
        """A fixture section: options, catalog, capacity, objects; endpoints start warm."""
        if section.options is not None:
            chosen = section.options.model_dump(include=section.options.model_fields_set)
            self.options = self.options.model_copy(update=chosen)
        if section.catalog is not None:
            self.catalog.apply(section.catalog)
        for gpu, slots in section.capacity.items():
            existing = self.capacity.get(gpu)
            if existing is None:
                self.capacity[gpu] = Capacity(slots, name=gpu)
            else:
                existing.resize(slots)
        try:
            for registry in section.registries:
                self.library.new_registry(
                    registry.name, registry.username, registry.password, registry.id
                )
            for template in section.templates:
                self.add_template(template)
            for volume in section.networkVolumes:
                self.add_volume(
                    volume.name, volume.size, volume.dataCenterId, volume.type, volume.id
                )
            for spec in section.endpoints:
                if spec.id is not None and spec.id in self.endpoints:
                    self.delete_endpoint(spec.id)
                self.create_endpoint(spec, warm=True)
        except ApiError as exc:
            raise ValueError(f"runpod: {exc.message}") from None

    def dump(self) -> Any:
        """JSON view for ``GET /_emulator/state``."""
        from emulator.vendors.runpod.render import endpoint_state

        library = self.library
        return {
            "templates": [t.state() for t in library.templates.values()],
            "networkVolumes": [v.state() for v in library.volumes.values()],
            "registries": [r.state() for r in library.registries.values()],
            "endpoints": [endpoint_state(e) for e in self.endpoints.values()],
            "jobs": len(self.jobs.by_id),
        }

    # ------------------------------------------------------------------ templates

    def add_template(self, spec: TemplateFixture) -> Template:
        """Create (or replace) a template from a fixture."""
        data = spec.model_dump(exclude={"id"})
        self.library.check_template(data, {}, own=spec.id or "")
        return self.library.new_template(data, template_id=spec.id)

    def update_template(self, template: Template, changes: dict[str, Any], names: Names) -> None:
        """Change a template; endpoints running it roll to a new version if workers see it."""
        self.library.check_template(changes, names, own=template.id)
        if self.library.update_template(template, changes):
            for endpoint_id in sorted(template.endpoints):
                endpoint = self.endpoints.get(endpoint_id)
                if endpoint is not None:
                    self._new_version(endpoint)

    # ------------------------------------------------------------------ network volumes

    def add_volume(
        self,
        name: str,
        size: int,
        data_center: str,
        kind: str = "STANDARD",
        volume_id: str | None = None,
        *,
        field: str = "dataCenterId",
    ) -> NetworkVolume:
        """Create a network volume in a data center of the catalog."""
        check_data_center(self.catalog, data_center, field)
        return self.library.new_volume(name, size, data_center, kind, volume_id)

    # ------------------------------------------------------------------ endpoints

    def create_endpoint(self, spec: EndpointFixture, *, warm: bool = False) -> Endpoint:
        """Create an endpoint from a fixture; ``warm`` starts ``workersMin`` workers ready."""
        try:
            behaviour = self.ctx.behaviour(spec.behaviour)
        except KeyError as exc:
            raise ValueError(f"runpod endpoint {spec.id}: {exc.args[0]}") from None
        return self.add_endpoint(
            spec.to_config(),
            container=spec.container(),
            names={},
            endpoint_id=spec.id,
            behaviour=spec.behaviour,
            resolved=behaviour,
            external=spec.external,
            warm=warm,
        )

    def add_endpoint(
        self,
        config: dict[str, Any],
        *,
        container: dict[str, Any] | None,
        names: Names,
        endpoint_id: str | None = None,
        behaviour: Any = None,
        resolved: Any = None,
        external: bool = False,
        warm: bool = False,
    ) -> Endpoint:
        """Create an endpoint from a full configuration (all of ``CONFIG_FIELDS``).

        ``container`` (template fields) gives it an endpoint-bound template: a copy of the
        named template (if any) with these fields on top (``env`` merged per key); without it
        the endpoint runs the named template itself.
        """
        library = self.library
        base: Template | None = None
        if config.get("templateId") is not None:
            base = library.resolve_template(config["templateId"], name_of(names, "templateId"))
            if container is None and self.options.rest_v1_require_serverless_template:
                check_serverless(base, names)
            if container is None and base.id in library.official:
                container = {}  # RunPod's own templates are never shared: run a copy
        check_config(self, config, names, changed=set(CONFIG_FIELDS))
        bound_fields = None
        if container is not None:
            bound_fields = _bound_fields(base, container)
            bound_fields["name"] = library.bound_name(config["name"])
            library.check_template(bound_fields, names)
        if resolved is None:
            resolved = self.ctx.behaviour(behaviour)
        ctx = self.ctx
        new_id = endpoint_id or self._new_endpoint_id()
        template = (
            library.new_template(bound_fields, bound_to=new_id)
            if bound_fields is not None
            else base
        )
        assert template is not None  # a config without templateId comes with a container
        values = {name: config[name] for name in CONFIG_FIELDS if name != "templateId"}
        endpoint = Endpoint(
            world=self,
            id=new_id,
            templateId=template.id,
            created=ctx.now,
            userId=self.user_id,
            behaviour=behaviour,
            **values,
        )
        endpoint.scalerValue = _number(endpoint.scalerValue)
        template.endpoints.add(endpoint.id)
        for volume_id in endpoint.networkVolumeIds:
            library.volumes[volume_id].endpoints.add(endpoint.id)
        endpoint.pool = Pool(
            ctx,
            config=self.pool_config(endpoint, external=external),
            behaviour=resolved,
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
        """The endpoint, or the job API's 404."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise endpoint_not_found(endpoint_id)
        return endpoint

    def find_endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint, or the REST APIs' ``endpoint not found``."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise not_found("endpoint")
        return endpoint

    def update_endpoint(
        self,
        endpoint: Endpoint,
        changes: dict[str, Any],
        *,
        container: dict[str, Any] | None = None,
        names: Names,
    ) -> Endpoint:
        """Change an endpoint (only the given fields); a new container rolls a new version."""
        library = self.library
        changes = {k: v for k, v in changes.items() if getattr(endpoint, k) != v}
        merged = {name: getattr(endpoint, name) for name in CONFIG_FIELDS} | changes
        new_template: Template | None = None
        if "templateId" in changes:
            new_template = library.resolve_template(
                changes["templateId"], name_of(names, "templateId")
            )
            if self.options.rest_v1_require_serverless_template:
                check_serverless(new_template, names)
            if new_template.id in library.official:
                container = {**new_template.container(), **(container or {})}
                new_template = None
                del changes["templateId"]
        check_config(self, merged, names, changed=set(changes))
        current = new_template or endpoint.template
        fork: dict[str, Any] | None = None
        if container:
            if current.boundTo == endpoint.id:
                library.check_template(container, names, own=current.id)
            else:  # a shared template: the endpoint gets its own copy to change
                fork = _bound_fields(current, container)
                fork["name"] = library.bound_name(endpoint.name)
                library.check_template(fork, names)
        # -- checked: apply
        rolled = False
        if "networkVolumeIds" in changes:
            for volume_id in endpoint.networkVolumeIds:
                library.volumes[volume_id].endpoints.discard(endpoint.id)
            for volume_id in changes["networkVolumeIds"]:
                library.volumes[volume_id].endpoints.add(endpoint.id)
        for name, value in changes.items():
            if name != "templateId":
                setattr(endpoint, name, list(value) if isinstance(value, list) else value)
        endpoint.scalerValue = _number(endpoint.scalerValue)
        if new_template is not None:
            self._switch_template(endpoint, new_template)
            rolled = True
        if fork is not None:
            self._switch_template(endpoint, library.new_template(fork, bound_to=endpoint.id))
            rolled = True
        elif container:
            rolled = library.update_template(endpoint.template, container) or rolled
        if SCALER_FIELDS & changes.keys():
            self.apply_config(endpoint)
        if rolled:
            self._new_version(endpoint)
        return endpoint

    def delete_endpoint(self, endpoint_id: str) -> Endpoint:
        """Remove an endpoint: its jobs are cancelled, its workers terminated."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise not_found("endpoint")
        endpoint.pool.close()
        del self.endpoints[endpoint_id]
        self.jobs.forget_endpoint(endpoint_id)
        self._release_template(endpoint)
        for volume_id in endpoint.networkVolumeIds:
            volume = self.library.volumes.get(volume_id)
            if volume is not None:
                volume.endpoints.discard(endpoint_id)
        return endpoint

    # ------------------------------------------------------------------ versions

    def _switch_template(self, endpoint: Endpoint, template: Template) -> None:
        self._release_template(endpoint)
        endpoint.templateId = template.id
        template.endpoints.add(endpoint.id)

    def _release_template(self, endpoint: Endpoint) -> None:
        """The endpoint stops running its template; its own bound template goes with it."""
        template = self.library.templates.get(endpoint.templateId)
        if template is None:
            return
        template.endpoints.discard(endpoint.id)
        if template.boundTo == endpoint.id and not template.endpoints:
            self.library.drop_template(template)

    def _new_version(self, endpoint: Endpoint) -> None:
        """A rolling release: the version goes up; workers on an older one are replaced."""
        endpoint.version += 1
        pool = endpoint.pool
        if self.options.rolling_release != "recycle" or endpoint.external:
            return
        stale = [
            worker.id
            for worker in pool.workers.values()
            if not worker.external
            and isinstance(worker.data, WorkerInfo)
            and worker.data.version != endpoint.version
        ]
        if stale:
            pool.retire(stale)

    # ------------------------------------------------------------------ pools

    def pool_config(self, endpoint: Endpoint, *, external: bool) -> PoolConfig:
        """The core pool settings for an endpoint's scaler fields."""
        policy: Policy
        if endpoint.scalerType == "REQUEST_COUNT":
            policy = RequestCount(
                int(endpoint.scalerValue),
                include_running=self.options.request_count_includes_running,
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

    def _new_endpoint_id(self) -> str:
        while True:
            new = self.ctx.ids.alnum(ENDPOINT_ID_LENGTH)
            if new not in self.endpoints:
                return new

    def _new_worker_id(self) -> str:
        return self.ctx.ids.alnum(WORKER_ID_LENGTH)


def _number(value: float) -> float:
    """4.0 -> 4 (a whole scaler value stays an int on the wire)."""
    return int(value) if float(value).is_integer() else float(value)


def _bound_fields(base: Template | None, container: dict[str, Any]) -> dict[str, Any]:
    """An endpoint-bound template's fields: the base's container, ``container`` on top.

    ``env`` is merged per key (the request's values win); without a base the template starts
    from a Serverless worker's usual settings (20 GB container disk, no volume, no ports).
    """
    fields: dict[str, Any] = base.container() if base is not None else {}
    fields.setdefault("containerDiskInGb", 20)
    fields.setdefault("ports", [])
    fields.setdefault("volumeInGb", 0)
    for key, value in container.items():
        if key == "env" and base is not None:
            fields["env"] = {**fields.get("env", {}), **value}
        else:
            fields[key] = value
    fields["isServerless"] = True
    return fields
