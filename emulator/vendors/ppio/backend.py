"""The PPIO / Novita world of one tenant on one host: endpoints over core pools, and invocations.

An endpoint is a :class:`~emulator.core.pool.Pool`: ``worker_config`` and ``policy`` become its
:class:`PoolConfig` (``queue`` → ``QueueDelay``, ``concurrency`` → ``RequestCount``,
``max_concurrent_per_worker`` → per-worker concurrency). Each request to the endpoint's data-plane
URL is a :class:`Task` (an invocation) with an engine deadline of ``request_timeout``; it is
answered by the endpoint's behaviour, or forwarded to a real worker URL.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from emulator.core.context import WorldContext
from emulator.core.engine import Event
from emulator.core.execution import Behaviour, ForwardResult, forward
from emulator.core.ids import MIXED_ALNUM
from emulator.core.pool import Forwarder, Pool, PoolConfig
from emulator.core.scaling import Policy, QueueDelay, RequestCount
from emulator.core.tasks import Task, TaskState
from emulator.core.waiters import Waiters
from emulator.core.workers import Worker, WorkerState
from emulator.vendors.ppio import errors
from emulator.vendors.ppio.paging import CursorCodec, Key, SortedIndex, page, world_secret
from emulator.vendors.ppio.schemas import (
    CreateEndpointIn,
    EndpointFixture,
    PpioFixture,
    PpioOptions,
    UpdateEndpointIn,
    VolumeIn,
    WorkerConfigIn,
)

WORKER_LOG_LINES = 200
# Headers that describe one hop, not the request: never forwarded to a real worker.
_HOP_HEADERS = frozenset(
    {"host", "authorization", "content-length", "connection", "keep-alive", "transfer-encoding"}
)


class Phase:
    """Endpoint lifecycle phases (their wire strings come from the options)."""

    CREATING = "creating"
    RUNNING = "running"
    UPDATING = "updating"


@dataclass(slots=True, eq=False)
class Endpoint:
    """One serverless endpoint: its documented fields, lifecycle phase and pool."""

    id: str
    key: Key
    type: str
    name: str
    app_name: str
    product_id: str
    image: str
    registry_auth_id: str
    entrypoint: str
    command: str
    worker_config: dict[str, Any]
    policy: dict[str, Any]
    volumes: list[dict[str, Any]]
    envs: list[dict[str, str]]
    ports: list[int]
    health_check: dict[str, Any]
    region_id: str
    member_id: str
    owner_id: str
    created_at: int
    pool: Pool
    phase: str = Phase.CREATING
    error: str = ""
    message: str = ""
    phase_timer: Event | None = None
    search: str = ""

    def reindex_search(self) -> None:
        """Refresh the lowercase text ``keyword`` matches against (name and id)."""
        self.search = f"{self.name}\n{self.id}".lower()


@dataclass(slots=True, eq=False)
class Call:
    """One data-plane request in flight (``Task.data``)."""

    endpoint_id: str
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    content_type: str
    is_json: bool
    timeout: int = 0
    deadline: Event | None = None
    timed_out: bool = False
    forward_failed: bool = False


@dataclass(slots=True)
class WorkerLog:
    """A worker's state history (``Worker.data``), served at its ``log`` URL."""

    lines: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=WORKER_LOG_LINES))


class WorkerIds:
    """``<endpoint id>-<5 chars>`` worker ids (a picklable callable, not a closure)."""

    def __init__(self, ctx: WorldContext, endpoint_id: str) -> None:
        self.ctx = ctx
        self.endpoint_id = endpoint_id

    def __call__(self) -> str:
        return f"{self.endpoint_id}-{self.ctx.ids.alnum(5)}"


def pool_config(worker_config: dict[str, Any], policy: dict[str, Any]) -> PoolConfig:
    """The core scaling config of an endpoint."""
    scaling: Policy = (
        QueueDelay(float(policy["value"]))
        if policy["type"] == "queue"
        else RequestCount(int(policy["value"]))
    )
    return PoolConfig(
        min_workers=worker_config["min_replicas"],
        max_workers=worker_config["max_replicas"],
        idle_timeout=float(worker_config["idle_timeout"]),
        policy=scaling,
        concurrency=worker_config["max_concurrent_per_worker"],
    )


class PpioWorld:
    """Endpoints of one tenant on one host (``api.ppio.com`` or ``api.novita.ai``)."""

    def __init__(self, ctx: WorldContext, *, host: str) -> None:
        self.ctx = ctx
        self.host = host
        self.options = PpioOptions()
        self.endpoints: dict[str, Endpoint] = {}
        self.index: SortedIndex[Endpoint] = SortedIndex()
        self.cursors = CursorCodec(world_secret(ctx.sim.seed, ctx.vendor, ctx.tenant.key))
        self.waiters = Waiters(ctx)
        self.member_id = ctx.ids.uuid4()
        self.owner_id = ctx.ids.uuid4()
        self._seq = 0
        self._calls = 0

    # ------------------------------------------------------------------ fixtures

    def load(self, section: PpioFixture) -> None:
        """Apply fixture options, then add the fixture endpoints (running, workers warm)."""
        if section.options is not None:
            self.options = self.options.merged(section.options)
        for spec in section.endpoints:
            self.create(spec, fixture=True)

    def dump(self) -> Any:
        """Every endpoint as the API renders it (URLs relative to the emulator)."""
        from emulator.vendors.ppio.render import endpoint_json

        base = f"/{self.host}"
        return {
            "endpoints": [
                {
                    **endpoint_json(ep, self.options, base),
                    "_queued": ep.pool.queued,
                    "_running": ep.pool.running,
                }
                for ep in self.index.newest_before(None)
            ]
        }

    # ------------------------------------------------------------------ lookups

    def get(self, endpoint_id: str) -> Endpoint:
        """The endpoint, or 404 ``NOT_FOUND``."""
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise errors.endpoint_not_found()
        return endpoint

    def list_page(
        self, *, cursor: Key | None, limit: int, keyword: str | None, member_ids: set[str] | None
    ) -> tuple[list[Endpoint], str]:
        """One page newest first, and the next cursor ("" on the last page)."""
        needle = keyword.lower() if keyword else None

        def matches(ep: Endpoint) -> bool:
            if member_ids is not None and ep.member_id not in member_ids:
                return False
            return needle is None or needle in ep.search

        check = matches if needle is not None or member_ids is not None else None
        items, more = page(self.index, cursor, limit, check)
        return items, self.cursors.encode(items[-1].key) if more and items else ""

    # ------------------------------------------------------------------ create / update / delete

    def create(self, body: CreateEndpointIn, *, fixture: bool = False) -> Endpoint:
        """Validate the cross-field rules, then add the endpoint (nothing half-created on 400)."""
        opts = self.options
        if body.worker_config is None and not (fixture or opts.worker_config_optional):
            raise errors.invalid("Field required", "worker_config")
        worker_config = self._worker_config(body.worker_config, base=None)
        self._check_ports(body.ports)
        volumes = self._volumes(body.volumes)
        policy = (body.policy or opts.default_policy).model_dump()
        ids = self.ctx.ids
        spec = body if isinstance(body, EndpointFixture) else None
        endpoint_id = spec.id if spec is not None and spec.id else ids.alnum(12, MIXED_ALNUM)
        if endpoint_id in self.endpoints:
            raise errors.invalid(f"endpoint {endpoint_id!r} already exists", "id")
        created_at = spec.created_at if spec is not None and spec.created_at is not None else None
        if created_at is None:
            created_at = int(self.ctx.now)
        self._seq += 1
        behaviour = self.ctx.behaviour(
            spec.behaviour if spec is not None and spec.behaviour is not None else opts.behaviour
        )
        pool = Pool(
            self.ctx,
            config=pool_config(worker_config, policy),
            behaviour=behaviour,
            new_worker_id=WorkerIds(self.ctx, endpoint_id),
            observer=self,
            forwarder=self._forwarder(behaviour),
        )
        health = body.health_check
        endpoint = Endpoint(
            id=endpoint_id,
            key=(created_at, self._seq),
            type=body.type,
            name=body.name,
            app_name=body.app_name
            if body.app_name is not None
            else (endpoint_id if opts.app_name_defaults_to_id else ""),
            product_id=body.product_id,
            image=body.image,
            registry_auth_id=body.registry_auth_id or "",
            entrypoint=body.entrypoint or "",
            command=body.command or "",
            worker_config=worker_config,
            policy=policy,
            volumes=volumes,
            envs=[env.model_dump() for env in body.envs or ()],
            ports=list(body.ports or ()),
            health_check=health.model_dump() if health is not None else {"path": "", "port": 0},
            region_id=body.region_id if body.region_id is not None else opts.region_id,
            member_id=(spec.member_id if spec is not None else None)
            or opts.member_id
            or self.member_id,
            owner_id=(spec.owner_id if spec is not None else None)
            or opts.owner_id
            or self.owner_id,
            created_at=created_at,
            pool=pool,
        )
        endpoint.reindex_search()
        self.endpoints[endpoint_id] = endpoint
        self.index.add(endpoint.key, endpoint)
        if fixture:
            endpoint.phase = Phase.RUNNING
            pool.prewarm()
        else:
            pool.stop()  # no workers until the endpoint is created
            self._enter(endpoint, Phase.CREATING, opts.create_seconds)
        return endpoint

    def update(self, endpoint_id: str, body: UpdateEndpointIn) -> None:
        """Partial update: absent fields unchanged, arrays replaced, ``worker_config`` merged."""
        endpoint = self.get(endpoint_id)
        worker_config = (
            self._worker_config(body.worker_config, base=endpoint.worker_config)
            if body.worker_config is not None
            else None
        )
        self._check_ports(body.ports)
        volumes = self._volumes(body.volumes) if body.volumes is not None else None
        for name in ("name", "product_id", "registry_auth_id", "entrypoint", "command"):
            value = getattr(body, name)
            if value is not None:
                setattr(endpoint, name, value)
        if body.app_name is not None:
            endpoint.app_name = body.app_name
        if body.region_id is not None:
            endpoint.region_id = body.region_id
        if body.image:  # the update spec allows "": a Go server reads it as "not given"
            endpoint.image = body.image
        if volumes is not None:
            endpoint.volumes = volumes
        if body.envs is not None:
            endpoint.envs = [env.model_dump() for env in body.envs]
        if body.ports is not None:
            endpoint.ports = list(body.ports)
        if body.health_check is not None:
            endpoint.health_check = body.health_check.model_dump()
        if worker_config is not None or body.policy is not None:
            endpoint.worker_config = worker_config or endpoint.worker_config
            endpoint.policy = body.policy.model_dump() if body.policy else endpoint.policy
            endpoint.pool.reconfigure(pool_config(endpoint.worker_config, endpoint.policy))
        endpoint.reindex_search()
        if endpoint.phase != Phase.CREATING:
            self._enter(endpoint, Phase.UPDATING, self.options.update_seconds)

    def delete(self, endpoint_id: str) -> None:
        """Remove the endpoint and its workers at once; in-flight requests end."""
        endpoint = self.get(endpoint_id)
        self.ctx.cancel(endpoint.phase_timer)
        del self.endpoints[endpoint_id]
        self.index.remove(endpoint.key)
        endpoint.pool.close()

    # ------------------------------------------------------------------ validation helpers

    def _worker_config(
        self, given: WorkerConfigIn | None, *, base: dict[str, Any] | None
    ) -> dict[str, Any]:
        defaults = base or self.options.worker_defaults.model_dump()
        merged = dict(defaults)
        if given is not None:
            merged.update(given.model_dump(exclude_none=True))
        if merged["min_replicas"] > merged["max_replicas"]:
            raise errors.invalid(
                "min_replicas must be less than or equal to max_replicas",
                "worker_config.min_replicas",
            )
        return merged

    def _check_ports(self, ports: list[int] | None) -> None:
        reserved = self.options.reserved_ports
        for position, port in enumerate(ports or ()):
            if port in reserved:
                raise errors.invalid(
                    f"port {port} is reserved for internal use", f"ports[{position}]"
                )

    def _volumes(self, volumes: list[VolumeIn] | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for position, volume in enumerate(volumes or ()):
            if volume.type == "local":
                if volume.size is None:
                    raise errors.invalid(
                        "size is required for local volumes", f"volumes[{position}].size"
                    )
                out.append(volume.model_dump())
            else:
                if not volume.id:
                    raise errors.invalid(
                        "id is required for network volumes", f"volumes[{position}].id"
                    )
                out.append(
                    {"id": volume.id, "type": volume.type, "mount_point": volume.mount_point}
                )
        return out

    # ------------------------------------------------------------------ lifecycle

    def _enter(self, endpoint: Endpoint, phase: str, seconds: float) -> None:
        self.ctx.cancel(endpoint.phase_timer)
        endpoint.phase_timer = None
        endpoint.phase = phase
        if seconds <= 0:
            self._phase_done(endpoint.id)
        else:
            endpoint.phase_timer = self.ctx.after(seconds, self._phase_done, endpoint.id)

    def _phase_done(self, endpoint_id: str) -> None:
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            return
        endpoint.phase_timer = None
        endpoint.phase = Phase.RUNNING
        if not endpoint.pool.enabled:
            endpoint.pool.start()

    # ------------------------------------------------------------------ data plane

    def invoke(self, endpoint_id: str, call: Call, payload: Any) -> Task:
        """Queue one data-plane request on the endpoint's pool, with its ``request_timeout``."""
        endpoint = self.get(endpoint_id)
        self._calls += 1
        now = self.ctx.now
        call.timeout = int(endpoint.worker_config["request_timeout"])
        task = Task(id=f"call-{self._calls}", input=payload, created_at=now, data=call)
        call.deadline = self.ctx.at(now + call.timeout, self._call_deadline, endpoint_id, task)
        endpoint.pool.submit(task)
        return task

    def wall_seconds(self, timeout: int) -> float:
        """How long (real time) a client waits for an invocation before it gets a timeout.

        The engine deadline decides on a flowing clock; this bound only matters when a manual
        clock is not advanced: the client then waits ``request_timeout`` real seconds at most.
        """
        clock = self.ctx.sim.clock
        wall = timeout / clock.speed + 1.0 if clock.mode == "real" else float(timeout)
        return min(wall, self.options.wall_timeout)

    def abandon(self, task: Task) -> None:
        """The client stopped waiting (wall-clock bound): end the request as timed out."""
        call: Call = task.data
        if not task.terminal:
            self._call_deadline(call.endpoint_id, task)

    def _call_deadline(self, endpoint_id: str, task: Task) -> None:
        call: Call = task.data
        call.deadline = None
        endpoint = self.endpoints.get(endpoint_id)
        if task.terminal or endpoint is None:
            return
        call.timed_out = True
        endpoint.pool.cancel(task)

    def _forwarder(self, behaviour: Behaviour) -> Forwarder | None:
        return self._forward if behaviour.forward_url else None

    async def _forward(self, pool: Pool, task: Task, worker: Worker) -> None:
        """Send the request, same method, path and body, to the behaviour's real worker URL."""
        del worker  # one real URL stands for every simulated worker
        call: Call = task.data
        behaviour = pool.behaviour
        target = (behaviour.forward_url or "").rstrip("/") + call.path
        if call.query:
            target += "?" + call.query
        headers = [(k, v) for k, v in call.headers if k.lower() not in _HOP_HEADERS]
        result = await forward(
            self.ctx.runtime,
            call.method,
            target,
            body=call.body,
            headers=headers,
            timeout=behaviour.forward_timeout,
        )
        self.ctx.sim.sync()
        if result.status is None:
            call.forward_failed = True
            pool.finish(task, error=result.error or "worker unreachable")
        else:
            pool.finish(task, output=result)

    # ------------------------------------------------------------------ pool observer

    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        """Wake the HTTP request waiting on an invocation once it ends."""
        del previous
        if task.terminal:
            call = task.data
            if isinstance(call, Call):
                self.ctx.cancel(call.deadline)
                call.deadline = None
            self.waiters.notify(task.id)

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """Keep a short state history for the worker's log URL."""
        del previous
        log = worker.data
        if not isinstance(log, WorkerLog):
            log = worker.data = WorkerLog()
        log.lines.append((self.ctx.now, worker.state.value))

    def worker(self, endpoint_id: str, worker_id: str) -> Worker:
        """A live or recently terminated worker of an endpoint, or 404."""
        pool = self.get(endpoint_id).pool
        found = pool.workers.get(worker_id)
        if found is None:
            found = next((w for w in pool.retired if w.id == worker_id), None)
        if found is None:
            raise errors.error("NOT_FOUND", errors.MSG_WORKER_NOT_FOUND)
        return found


def call_payload(body: bytes, content_type: str) -> tuple[Any, bool]:
    """The task input of a request body: parsed JSON when it is JSON, else text (None if empty)."""
    if not body:
        return None, False
    if "json" in content_type or not content_type:
        with contextlib.suppress(ValueError):  # not JSON after all: passed on as text
            return json.loads(body), True
    return body.decode("utf-8", "replace"), False


def forwarded(output: Any) -> ForwardResult | None:
    """The real worker's answer, when the task was forwarded."""
    return output if isinstance(output, ForwardResult) else None
