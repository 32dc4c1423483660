"""Helpers for core tests: a manual-clock simulation and a recording pool observer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.core.clock import ManualClock
from emulator.core.context import Simulation, WorldContext
from emulator.core.execution import Behaviour
from emulator.core.pool import Pool, PoolConfig
from emulator.core.tasks import Task, TaskState
from emulator.core.tenants import Tenant
from emulator.core.workers import Worker, WorkerState

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def world(seed: int = 0, key: str = "k") -> WorldContext:
    """A fresh simulation on a manual clock at T0, seen from one tenant."""
    sim = Simulation(ManualClock(T0), seed=seed)
    return WorldContext("test", Tenant(key), sim)


def run(ctx: WorldContext, seconds: float) -> None:
    """Apply every event in the next ``seconds`` (no network I/O involved)."""
    ctx.sim.engine.run_until(ctx.now + seconds)
    ctx.sim.clock.advance(max(0.0, ctx.now - ctx.sim.clock.now()))


@dataclass
class Recorder:
    """Observer that keeps (relative time, id, state) for tasks and workers."""

    ctx: WorldContext
    tasks: list[tuple[float, str, str]] = field(default_factory=list)
    workers: list[tuple[float, str, str]] = field(default_factory=list)
    peak_active: int = 0
    pool: Pool | None = None

    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        self.tasks.append((self.ctx.now - T0, task.id, task.state.value))

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        self.workers.append((self.ctx.now - T0, worker.id, worker.state.value))
        if self.pool is not None:
            self.peak_active = max(self.peak_active, self.pool.active)

    def task_times(self, state: str) -> dict[str, float]:
        """When each task entered ``state``."""
        return {task_id: t for t, task_id, s in self.tasks if s == state}


def make_pool(
    ctx: WorldContext,
    *,
    behaviour: dict[str, Any] | None = None,
    **config: Any,
) -> tuple[Pool, Recorder]:
    """A pool with sequential worker ids (w1, w2, ...) and a recorder attached."""
    counter = iter(range(1, 1_000_000))
    recorder = Recorder(ctx)
    pool = Pool(
        ctx,
        config=PoolConfig(**config),
        behaviour=Behaviour.model_validate(behaviour or {}),
        new_worker_id=lambda: f"w{next(counter)}",
        observer=recorder,
    )
    recorder.pool = pool
    return pool, recorder


def task(ctx: WorldContext, task_id: str, payload: Any = None, **fields: Any) -> Task:
    """A task created now."""
    return Task(
        id=task_id,
        input=payload if payload is not None else {"n": task_id},
        created_at=ctx.now,
        **fields,
    )
