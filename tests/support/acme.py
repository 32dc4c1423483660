"""A tiny vendor that exists only in tests, to exercise the core and the hosting layer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.context import WorldContext
from emulator.core.errors import ApiError
from emulator.core.pool import Pool, PoolConfig
from emulator.core.scaling import RequestCount
from emulator.core.tasks import Task, TaskState
from emulator.core.webhooks import Delivery
from emulator.core.workers import Worker, WorkerState
from emulator.hosting import HostMount, VendorSpec
from emulator.http import JSONResponse, parse, read_json, world_for

HOST = "api.acme.test"


class AcmeErrors:
    """``{"error": {"status", "message"}}`` with the HTTP status."""

    def render(self, error: ApiError) -> Response:
        body = {"error": {"status": error.status, "message": error.message, "field": error.field}}
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    def not_found(self, method: str, path: str) -> ApiError:
        return ApiError(404, f"no route {method} {path}")

    def method_not_allowed(self, method: str, path: str) -> ApiError:
        return ApiError(405, f"{method} not allowed on {path}")

    def internal(self, exc: BaseException) -> ApiError:
        return ApiError(500, "internal error")

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        return ApiError(status or 500, f"injected {code or status}")


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    name: str = Field(min_length=1, max_length=20)
    min_workers: int = Field(default=0, ge=0)
    max_workers: int = Field(default=1, ge=0)
    behaviour: str | dict[str, Any] | None = None


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Any
    webhook: str | None = None


class AcmeFixture(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoints: list[EndpointIn] = Field(default_factory=list)


class AcmeWorld:
    """Endpoints (pools) and their tasks; records every transition for assertions."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self.pools: dict[str, Pool] = {}
        self.tasks: dict[str, Task] = {}
        self.transitions: list[tuple[float, str, str]] = []

    def create(self, spec: EndpointIn, *, warm: bool = False) -> str:
        endpoint_id = spec.id or self.ctx.ids.alnum(8)
        pool = Pool(
            self.ctx,
            config=PoolConfig(
                min_workers=spec.min_workers,
                max_workers=spec.max_workers,
                idle_timeout=5.0,
                policy=RequestCount(1),
            ),
            behaviour=self.ctx.behaviour(spec.behaviour),
            new_worker_id=self._worker_id,
            observer=self,
        )
        self.pools[endpoint_id] = pool
        if warm:
            pool.prewarm()
        else:
            pool.start()
        return endpoint_id

    def _worker_id(self) -> str:
        return "w-" + self.ctx.ids.alnum(6)

    def load(self, section: AcmeFixture) -> None:
        for spec in section.endpoints:
            self.create(spec, warm=True)

    def dump(self) -> Any:
        return {
            endpoint_id: {"workers": len(pool.workers), "queued": pool.queued}
            for endpoint_id, pool in self.pools.items()
        }

    def pool(self, endpoint_id: str) -> Pool:
        try:
            return self.pools[endpoint_id]
        except KeyError:
            raise ApiError(404, f"endpoint {endpoint_id} not found") from None

    def submit(self, endpoint_id: str, body: TaskIn) -> Task:
        pool = self.pool(endpoint_id)
        task = Task(
            id=self.ctx.ids.uuid4(), input=body.input, created_at=self.ctx.now, data=body.webhook
        )
        self.tasks[task.id] = task
        pool.submit(task)
        return task

    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        self.transitions.append((self.ctx.now, task.id, task.state.value))
        if task.terminal and task.data:
            self.ctx.webhook(
                task.data,
                {"id": task.id, "status": task.state.value},
                retry_delays=(60.0, 300.0),
                subject=task.id,
                on_done=self.delivered,
            )

    def delivered(self, delivery: Delivery) -> None:
        self.transitions.append((self.ctx.now, delivery.subject, f"webhook {delivery.state}"))

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        self.transitions.append((self.ctx.now, worker.id, worker.state.value))


def _world(request: Request) -> AcmeWorld:
    world: AcmeWorld = world_for(
        request,
        "acme",
        request.headers.get("x-acme-key"),
        missing=lambda: ApiError(401, "missing key"),
        refused=lambda: ApiError(403, "unknown key"),
    )
    return world


def _invalid(problem: Any) -> ApiError:
    if isinstance(problem, str):
        return ApiError(400, problem)
    return ApiError(400, f"{problem.field}: {problem.message}", field=problem.field)


def _task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "status": task.state.value,
        "output": task.output,
        "worker": task.worker_id,
    }


async def create_endpoint(request: Request) -> Response:
    world = _world(request)
    spec = parse(EndpointIn, await read_json(request, _invalid), _invalid)
    return JSONResponse({"id": world.create(spec)}, status_code=201)


async def get_endpoint(request: Request) -> Response:
    pool = _world(request).pool(request.path_params["endpoint_id"])
    workers = [{"id": w.id, "state": w.state.value} for w in pool.workers.values()]
    return JSONResponse({"workers": workers, "queued": pool.queued, "running": pool.running})


async def submit_task(request: Request) -> Response:
    world = _world(request)
    body = parse(TaskIn, await read_json(request, _invalid), _invalid)
    return JSONResponse(_task_json(world.submit(request.path_params["endpoint_id"], body)))


async def get_task(request: Request) -> Response:
    world = _world(request)
    task = world.tasks.get(request.path_params["task_id"])
    if task is None:
        raise ApiError(404, "task not found")
    return JSONResponse(_task_json(task))


async def boom(request: Request) -> Response:
    _world(request)
    raise RuntimeError("kaboom")


async def admin_count(request: Request) -> Response:
    """A vendor-contributed admin route: how many tasks a tenant has."""
    state = request.app.state.emulator
    state.sync()
    tenant = state.tenants.get(request.query_params.get("tenant", ""))
    world = tenant.worlds.get("acme") if tenant is not None else None
    return JSONResponse({"tasks": len(world.tasks) if world is not None else 0})


routes = [
    Route("/v1/endpoints", create_endpoint, methods=["POST"]),
    Route("/v1/endpoints/{endpoint_id}", get_endpoint, methods=["GET"]),
    Route("/v1/endpoints/{endpoint_id}/tasks", submit_task, methods=["POST"]),
    Route("/v1/endpoints/{endpoint_id}/tasks/{task_id}", get_task, methods=["GET"]),
    Route("/v1/boom", boom, methods=["GET"]),
]

vendor = VendorSpec(
    name="acme",
    title="Acme test cloud",
    mounts=(
        HostMount(
            host=HOST,
            title="Acme API",
            routes=routes,
            errors=AcmeErrors(),
            base_path="/v1",
            auth_header="x-acme-key",
        ),
    ),
    create_world=AcmeWorld,
    fixture_model=AcmeFixture,
    admin_routes=(Route("/tasks", admin_count, methods=["GET"]),),
)
