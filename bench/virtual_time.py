"""P4: 24 simulated hours in one ``advance``: 100 autoscaled endpoints, 100 000 tasks arriving
over the day. Two worlds, each its own row:

- ``runpod``: the real RunPod vendor world (:class:`~emulator.vendors.runpod.backend.RunpodWorld`)
  of one tenant; each arrival calls ``JobBook.submit`` as ``POST /run`` does, so every job also
  has its TTL timer, its status mapping and its 30-minute retention;
- ``core``: the same endpoints as bare core pools (:class:`~emulator.core.pool.Pool`, no vendor
  observer), each arrival a ``Pool.submit`` of a core task.

Endpoints alternate ``QUEUE_DELAY`` (4 s) and ``REQUEST_COUNT`` (2) scalers, 0-5 workers, 5-60 s
idle timeouts, cold starts of 5-20 s and exponential execution times (mean 8 s). Arrivals are
seeded: a day-shaped (sinusoidal) rate, shared out over the endpoints by a Zipf law, so a few
endpoints run several workers while most cold-start a worker per task. Each arrival is an engine
event. The figure is the wall time of ``Simulation.advance`` (manual clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from bench.report import Row, median

DAY = 86_400.0
ENDPOINTS = 100
BUDGET_S = 3.0
BEHAVIOUR = {
    "cold_start": {"uniform": [5, 20]},
    "execution": {"exponential": 8},
    "shutdown": 1,
}


def arrival_times(rng: random.Random, count: int, span: float) -> list[float]:
    """``count`` arrival times in ``[0, span)``: a day-shaped rate (quiet at night)."""
    out: list[float] = []
    while len(out) < count:
        t = rng.uniform(0.0, span)
        rate = 1.0 + 0.8 * math.sin(2 * math.pi * (t / DAY - 0.25))  # peak mid-day
        if rng.uniform(0.0, 1.8) < rate:
            out.append(t)
    out.sort()
    return out


def shares(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` by a Zipf law (s=1), largest first."""
    weights = [1.0 / (rank + 1) for rank in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


INPUT = {"prompt": "a red fox", "steps": 30}


class Arrivals:
    """Submits one endpoint's tasks at their times (an engine event per arrival)."""

    def __init__(self, ctx: Any, start: float, times: list[float]) -> None:
        self.ctx = ctx
        self.times = [start + t for t in reversed(times)]  # pop() takes the earliest
        self.submitted = 0

    def arm(self) -> None:
        """Schedule the next arrival, if any."""
        if self.times:
            self.ctx.at(self.times.pop(), self.arrive)

    def arrive(self) -> None:
        """One task in."""
        self.submit()
        self.submitted += 1
        self.arm()

    def submit(self) -> None:
        """Hand one task to the world."""
        raise NotImplementedError


class RunpodArrivals(Arrivals):
    """``POST /run`` on one RunPod endpoint, through the job API's backend."""

    def __init__(self, world: Any, endpoint: Any, start: float, times: list[float]) -> None:
        from emulator.vendors.runpod.schemas import RunRequest

        super().__init__(world.ctx, start, times)
        self.jobs = world.jobs
        self.endpoint = endpoint
        self.request = RunRequest.model_validate({"input": INPUT})

    def submit(self) -> None:
        """One job."""
        self.jobs.submit(self.endpoint, self.request, sync=False)


class PoolArrivals(Arrivals):
    """``Pool.submit`` of core tasks on one bare pool."""

    def __init__(self, ctx: Any, pool: Any, name: str, start: float, times: list[float]) -> None:
        from emulator.core.tasks import Task

        super().__init__(ctx, start, times)
        self.pool = pool
        self.name = name
        self.task = Task

    def submit(self) -> None:
        """One task."""
        task = self.task(id=f"{self.name}-{self.submitted}", input=INPUT, created_at=self.ctx.now)
        self.pool.submit(task)


class Counter:
    """Worker ids ``<prefix>-1``, ``-2``... (a picklable callable)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count}"


@dataclass
class Scenario:
    """A ready-to-run tenant: the emulator state, its pools and the arrival drivers."""

    state: Any
    ctx: Any
    pools: list[Any]
    arrivals: list[Arrivals]
    world: Any = None  # the RunPod world, when there is one

    def advance(self, seconds: float) -> int:
        """One ``advance`` of the emulator clock; returns the events applied."""
        result: int = asyncio.run(self.state.sim.advance(seconds))
        return result

    @property
    def submitted(self) -> int:
        """Tasks handed in so far."""
        return sum(a.submitted for a in self.arrivals)

    def fingerprint(self) -> str:
        """A digest of the outcome (live tasks and workers, the RNG): equal runs match."""
        parts: list[Any] = [self.state.sim.now, self.ctx.rng.getstate()]
        for pool in self.pools:
            parts.append((pool.queued, pool.running, dict(pool.counts)))
            parts.append(sorted((w.id, w.state.value, w.since) for w in pool.workers.values()))
        if self.world is not None:
            for endpoint in self.world.endpoints.values():
                counters = endpoint.counters
                parts.append((endpoint.id, counters.completed, counters.failed))
            for job in sorted(self.world.jobs.by_id.values(), key=lambda j: j.id):
                task = job.task
                parts.append((job.id, job.status, task.started_at, task.finished_at))
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _endpoint(index: int) -> dict[str, Any]:
    return {
        "name": f"endpoint-{index}",
        "scalerType": "QUEUE_DELAY" if index % 2 else "REQUEST_COUNT",
        "scalerValue": 4 if index % 2 else 2,
        "workersMin": 0,
        "workersMax": 5,
        "idleTimeout": (5, 15, 30, 60)[index % 4],
        "behaviour": BEHAVIOUR,
    }


def scenario(
    tasks: int,
    *,
    world: str = "runpod",
    span: float = DAY,
    endpoints: int = ENDPOINTS,
    seed: int = 7,
) -> Scenario:
    """Build the tenant (``world``: ``runpod`` or ``core``) with ``tasks`` to arrive."""
    from emulator.app import create_app
    from emulator.settings import Settings

    app = create_app(Settings(clock="manual", fixtures=[], seed=seed, log_level="warning"))
    state = app.state.emulator
    tenant = state.tenants.lookup("bench")
    rng = random.Random(seed)
    counts = shares(tasks, endpoints)
    if world == "runpod":
        from emulator.vendors.runpod.schemas import EndpointFixture, RunpodFixture

        runpod = state.world(tenant, "runpod")
        specs = [EndpointFixture.model_validate(_endpoint(i)) for i in range(endpoints)]
        runpod.load(RunpodFixture.model_construct(endpoints=specs, templates=[], capacity={}))
        start = state.sim.now
        chosen = list(runpod.endpoints.values())
        arrivals: list[Arrivals] = [
            RunpodArrivals(runpod, endpoint, start, arrival_times(rng, count, span))
            for endpoint, count in zip(chosen, counts, strict=True)
        ]
        built = Scenario(state, runpod.ctx, [e.pool for e in chosen], arrivals, runpod)
    else:
        from emulator.core.context import WorldContext
        from emulator.core.pool import Pool, PoolConfig
        from emulator.core.scaling import QueueDelay, RequestCount

        ctx = WorldContext("core", tenant, state.sim)
        behaviour = ctx.behaviour(BEHAVIOUR)
        pools = []
        for index in range(endpoints):
            spec = _endpoint(index)
            policy = QueueDelay(4.0) if index % 2 else RequestCount(2)
            config = PoolConfig(0, 5, float(spec["idleTimeout"]), policy)
            pools.append(
                Pool(ctx, config=config, behaviour=behaviour, new_worker_id=Counter(f"w{index}"))
            )
        start = state.sim.now
        arrivals = [
            PoolArrivals(ctx, pool, f"t{index}", start, arrival_times(rng, count, span))
            for index, (pool, count) in enumerate(zip(pools, counts, strict=True))
        ]
        built = Scenario(state, ctx, pools, arrivals)
    for driver in arrivals:
        driver.arm()
    return built


def one_run(tasks: int, world: str) -> tuple[float, int, str, Scenario]:
    """(wall seconds of one 24 h advance, events applied, outcome fingerprint, the scenario)."""
    built = scenario(tasks, world=world)
    started = time.perf_counter()
    events = built.advance(DAY)
    wall = time.perf_counter() - started
    return wall, events, built.fingerprint(), built


LABELS = {
    "core": "core pools (no vendor observer)",
    "runpod": "RunPod world (jobs through the job API backend)",
}


def measure(runs: int, tasks: int) -> list[Row]:
    """One row per world: median wall time of ``runs`` fresh 24 h advances."""
    rows = []
    for world, label in LABELS.items():
        results = [one_run(tasks, world) for _ in range(runs)]
        walls = [r[0] for r in results]
        _, events, digest, built = results[-1]
        value = median(walls)
        row = Row(
            "P4",
            f"24 h in one advance, {ENDPOINTS} autoscaled endpoints, {tasks:,} tasks: {label}",
            f"{value:.2f} s wall ({events:,} events)",
            f"<= {BUDGET_S:g} s",
            value <= BUDGET_S,
        )
        runs_text = ", ".join(f"{w:.2f}" for w in walls)
        row.notes.append(
            f"{built.submitted:,} tasks submitted; runs {runs_text} s; outcome digest {digest}"
        )
        if len({r[2] for r in results}) != 1:
            row.notes.append("WARNING: runs disagree on the outcome digest (non-deterministic)")
        rows.append(row)
    return rows
