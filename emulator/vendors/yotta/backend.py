"""The Yotta world of one API key: endpoints, their tasks and workers, options and catalog.

No HTTP here: the routes parse requests into the models of ``schemas.py`` and call these
methods; failures are :class:`ApiError` with Yotta codes and the status the options choose.
"""

from __future__ import annotations

import math
from typing import Any

from emulator.core.context import WorldContext
from emulator.core.errors import ApiError
from emulator.core.tasks import Task
from emulator.core.workers import Worker
from emulator.vendors.yotta import errors
from emulator.vendors.yotta.catalog import Catalog, default_catalog, guess_gpu
from emulator.vendors.yotta.endpoint import (
    FAILED,
    INITIALIZING,
    RUNNING,
    STOPPING,
    WORKER_STATUS,
    Endpoint,
    Placement,
    Settings,
    TaskInfo,
    WorkerInfo,
)
from emulator.vendors.yotta.logs import LogPage, LogQuery
from emulator.vendors.yotta.schemas import (
    CreateEndpointIn,
    ExposeIn,
    FixtureEndpoint,
    KeyValue,
    ResourceIn,
    SubmitTaskIn,
    UpdateEndpointIn,
    YottaFixture,
    YottaOptions,
)


class YottaWorld:
    """Endpoints by id, plus the options and catalog the fixtures chose."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self.options = YottaOptions()
        self.catalog: Catalog = default_catalog()
        self.endpoints: dict[int, Endpoint] = {}
        self._creator: str | None = None

    # ------------------------------------------------------------------ fixtures

    def load(self, section: YottaFixture) -> None:
        """Apply a ``yotta:`` fixture section: options, catalog, then endpoints (warm)."""
        if section.options is not None:
            self.options = self.options.merged(section.options)
        if section.catalog is not None:
            self.catalog = self.catalog.merged(section.catalog)
        for spec in section.endpoints:
            self._create_fixture_endpoint(spec)

    def _create_fixture_endpoint(self, spec: FixtureEndpoint) -> Endpoint:
        placements = [
            self._placement(r, index, strict=False) for index, r in enumerate(spec.resources)
        ]
        endpoint = self._build(
            spec,
            placements,
            endpoint_id=spec.id,
            behaviour_ref=spec.behaviour,
            base_url=spec.worker_base_url,
            concurrency=spec.concurrency,
        )
        if spec.status == "STOPPED":
            endpoint.hold()
        else:
            endpoint.begin(warm=True)
        return endpoint

    def dump(self) -> Any:
        """Every endpoint as the API renders it, with its workers and task count."""
        from emulator.vendors.yotta import render

        return {
            "endpoints": [
                {
                    **render.endpoint(self, ep),
                    "workers": [render.worker(self, w) for w in ep.all_workers()],
                    "tasks": len(ep.tasks),
                }
                for ep in self.endpoints.values()
            ]
        }

    # ------------------------------------------------------------------ errors and ids

    def business(self, code: int, message: str | None = None) -> ApiError:
        """A business error (HTTP 200 unless the options say otherwise)."""
        return errors.error(self.options.business_error_status, code, message)

    def invalid(self, message: str) -> ApiError:
        """A request validation error (HTTP 400 + 10001 unless the options say otherwise)."""
        return errors.error(self.options.validation_error_status, errors.INVALID_PARAMS, message)

    def new_id(self) -> int:
        """An 18-digit, time-ordered snowflake from the tenant's seeded RNG."""
        return self.ctx.ids.snowflake(self.ctx.now)

    def private_ip(self) -> str:
        """A worker's node address (seeded)."""
        rng = self.ctx.rng
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"

    def creator(self) -> str:
        """The account e-mail shown as ``creator`` (option, or a seeded fake one)."""
        if self.options.creator:
            return self.options.creator
        if self._creator is None:
            self._creator = self.ctx.ids.fake().email()
        return self._creator

    # ------------------------------------------------------------------ endpoints

    def _placement(self, resource: ResourceIn, index: int, *, strict: bool) -> Placement:
        gpu = self.catalog.gpus.get(resource.gpu_type)
        where = f"resources[{index}]"
        if gpu is None:
            if strict:
                raise self.business(
                    errors.INVALID_PARAMS, f"gpu type [{resource.gpu_type}] not supported"
                )
            gpu = guess_gpu(resource.gpu_type, 0.0)
        elif strict and resource.region not in gpu.regions:
            raise self.business(
                errors.INVALID_PARAMS,
                f"gpu type [{resource.gpu_type}] not supported in region [{resource.region}]",
            )
        count = resource.gpu_count
        if strict and (count < 1 or count & (count - 1)):
            raise self.business(
                errors.INVALID_PARAMS,
                f"{where}.gpuCount: GPU count must be a power of 2 (1, 2, 4, 8, ...)",
            )
        return Placement(
            region=resource.region,
            region_name=self.catalog.region_name(resource.region),
            gpu=gpu,
            count=count,
        )

    def _placements(self, resources: list[ResourceIn]) -> list[Placement]:
        strict = self.options.strict_gpu_types
        placements = [self._placement(r, i, strict=strict) for i, r in enumerate(resources)]
        if strict and len({p.count for p in placements}) > 1:
            raise self.business(errors.INVALID_PARAMS, "all resources must use the same gpuCount")
        return placements

    def _check_workers(self, workers: int) -> None:
        if workers > self.options.max_workers:
            raise self.business(
                errors.INVALID_PARAMS,
                f"workers must not exceed {self.options.max_workers} per endpoint",
            )

    def _build(
        self,
        spec: CreateEndpointIn,
        placements: list[Placement],
        *,
        endpoint_id: int | None = None,
        behaviour_ref: str | dict[str, Any] | None = None,
        base_url: str | None = None,
        concurrency: int = 1,
    ) -> Endpoint:
        options = self.options
        behaviour = self.ctx.behaviour(
            behaviour_ref if behaviour_ref is not None else options.behaviour
        )
        new_id = endpoint_id if endpoint_id is not None else self.new_id()
        domain = f"{self.ctx.ids.alnum(12)}.yottadeos.com" if spec.service_mode == "ALB" else None
        endpoint = Endpoint(
            self,
            new_id,
            _settings(spec),
            placements,
            workers=spec.workers,
            behaviour=behaviour,
            base_url=base_url or options.worker_base_url or behaviour.forward_url,
            concurrency=concurrency,
            creator=self.creator(),
            domain=domain,
        )
        self.endpoints[new_id] = endpoint
        return endpoint

    def create(self, spec: CreateEndpointIn) -> Endpoint:
        """Create an endpoint; its workers start cold (``INITIALIZING`` until all are up)."""
        placements = self._placements(spec.resources)
        self._check_workers(spec.workers)
        endpoint = self._build(spec, placements)
        endpoint.begin(warm=False)
        return endpoint

    def get(self, endpoint_id: int) -> Endpoint:
        """An endpoint, or 14000."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise self.business(errors.ENDPOINT_NOT_FOUND)
        return endpoint

    def list_endpoints(self, statuses: set[str] | None) -> list[Endpoint]:
        """Endpoints, newest first, optionally only those in ``statuses``."""
        chosen = reversed(self.endpoints.values())
        if statuses is None:
            return list(chosen)
        return [ep for ep in chosen if ep.status in statuses]

    def update(self, endpoint_id: int, body: UpdateEndpointIn) -> Endpoint:
        """PATCH: required fields always, optional ones only when sent (null clears them)."""
        endpoint = self.get(endpoint_id)
        placements = self._placements(body.resources)
        self._check_workers(body.workers)
        sent = body.model_fields_set
        s = endpoint.settings
        s.name = body.name
        s.volume = body.container_volume_in_gb
        if "min_single_card_vram_in_gb" in sent:
            s.min_vram = body.min_single_card_vram_in_gb
        if "min_single_card_vcpu" in sent:
            s.min_vcpu = body.min_single_card_vcpu
        if "min_single_card_ram_in_gb" in sent:
            s.min_ram = body.min_single_card_ram_in_gb
        if "credential_id" in sent:
            s.credential_id = body.credential_id
        if "initialization_command" in sent:
            s.init_command = body.initialization_command
        if "env_vars" in sent:
            s.env_vars = _env(body.env_vars)
        if "expose" in sent:
            s.expose = _expose(body.expose)
        if "webhook" in sent:
            s.webhook = body.webhook
        endpoint.placements = placements  # new workers are placed on the new resources
        endpoint.touch()
        if body.workers != endpoint.target:
            endpoint.scale(body.workers)
        return endpoint

    def delete(self, endpoint_id: int) -> None:
        """Delete a stopped or failed endpoint (24002 while it runs, unless allowed)."""
        endpoint = self.get(endpoint_id)
        active = endpoint.status in (RUNNING, INITIALIZING, STOPPING)
        if active and self.options.delete_active == "reject":
            raise self.business(errors.ACTION_NOT_ALLOWED)
        endpoint.close()
        del self.endpoints[endpoint_id]

    def start(self, endpoint_id: int) -> None:
        """Start (or resume) an endpoint; 24002 while it is still stopping."""
        if not self.get(endpoint_id).start():
            raise self.business(errors.ACTION_NOT_ALLOWED)

    def stop(self, endpoint_id: int) -> None:
        """Stop an endpoint (its workers drain, then it is STOPPED)."""
        self.get(endpoint_id).stop()

    def scale(self, endpoint_id: int, count: int) -> None:
        """Set the fixed worker count."""
        endpoint = self.get(endpoint_id)
        self._check_workers(count)
        endpoint.scale(count)

    # ------------------------------------------------------------------ workers

    def workers(self, endpoint_id: int, statuses: set[str] | None) -> list[Worker]:
        """An endpoint's live and recently terminated workers."""
        found = self.get(endpoint_id).all_workers()
        if statuses is None:
            return found
        return [w for w in found if WORKER_STATUS[w.state] in statuses]

    def worker_logs(self, endpoint_id: int, worker_id: str, query: LogQuery) -> LogPage:
        """A page of a worker's log."""
        worker = self.get(endpoint_id).worker(worker_id)
        if worker is None:
            raise self.business(errors.RECORD_NOT_EXIST)
        info: WorkerInfo = worker.data
        return info.log.query(query)

    # ------------------------------------------------------------------ tasks

    def _queue(self, endpoint_id: int) -> Endpoint:
        endpoint = self.get(endpoint_id)
        if endpoint.settings.service_mode != "QUEUE":
            raise self.business(errors.SERVERLESS_NOT_EXIST)
        return endpoint

    def submit(self, endpoint_id: int, body: SubmitTaskIn) -> Task:
        """Queue a task on a QUEUE endpoint (an existing ``taskId`` answers its task)."""
        endpoint = self.get(endpoint_id)
        if endpoint.settings.service_mode != "QUEUE":
            raise self.business(errors.INVALID_PARAMS, errors.NON_QUEUE_ENDPOINT)
        serving = endpoint.phase == "active" and endpoint.status != FAILED
        if not serving and self.options.submit_when_stopped == "reject":
            raise self.business(errors.SERVERLESS_UNAVAILABLE)
        task_id = body.task_id or None
        if task_id is not None and task_id in endpoint.tasks:
            if self.options.duplicate_task_id == "reject":
                raise self.business(errors.INVALID_PARAMS, f"taskId [{task_id}] already exists")
            return endpoint.tasks[task_id]
        if task_id is None:
            task_id = self.ctx.ids.uuid4().replace("-", "")
        uri = body.process_uri if body.process_uri.startswith("/") else "/" + body.process_uri
        webhook = body.webhook
        if webhook is None and self.options.endpoint_webhook == "task_results":
            webhook = endpoint.settings.webhook
        internal = self.new_id()
        task = Task(
            id=str(internal),
            input=body.input,
            created_at=self.ctx.now,
            data=TaskInfo(
                task_id=task_id,
                internal_id=internal,
                seq=0,
                worker_port=body.worker_port,
                process_uri=uri,
                webhook=webhook,
                webhook_auth_key=body.webhook_auth_key,
                headers=dict(body.headers or {}),
            ),
        )
        endpoint.add_task(task)
        endpoint.pool.submit(task)
        return task

    def task(self, endpoint_id: int, task_id: str) -> tuple[Endpoint, Task]:
        """One task, or 24011."""
        endpoint = self._queue(endpoint_id)
        task = endpoint.tasks.get(task_id)
        if task is None:
            raise self.business(errors.TASK_NOT_EXIST)
        return endpoint, task

    def tasks(
        self, endpoint_id: int, status: str | None, number: int, size: int
    ) -> tuple[Endpoint, list[Task], int, int]:
        """A page of tasks: (endpoint, items, total, pages)."""
        endpoint = self._queue(endpoint_id)
        items, total = endpoint.page(status, number, size)
        return endpoint, items, total, math.ceil(total / size)

    def processing(self, endpoint_id: int) -> int:
        """How many tasks are still queued or running."""
        return self._queue(endpoint_id).unfinished


def _settings(spec: CreateEndpointIn) -> Settings:
    return Settings(
        name=spec.name,
        image_registry=spec.image_registry,
        image=spec.image,
        min_vram=spec.min_single_card_vram_in_gb,
        min_vcpu=spec.min_single_card_vcpu,
        min_ram=spec.min_single_card_ram_in_gb,
        credential_id=spec.credential_id,
        volume=spec.container_volume_in_gb,
        init_command=spec.initialization_command,
        env_vars=_env(spec.env_vars),
        expose=_expose(spec.expose),
        service_mode=spec.service_mode,
        webhook=spec.webhook,
    )


def _env(items: list[KeyValue] | None) -> list[tuple[str, str]]:
    return [(item.key, item.value) for item in items or ()]


def _expose(expose: ExposeIn | None) -> tuple[int, str] | None:
    return (expose.port, expose.protocol) if expose is not None else None
