"""P4: 24 simulated hours of a RunPod tenant in one ``advance``: 100 autoscaled endpoints,
100 000 jobs arriving over the day through the job API's backend.

The world is the real RunPod vendor world (:class:`~emulator.vendors.runpod.backend.RunpodWorld`)
of one tenant, on a manual clock. Endpoints alternate ``QUEUE_DELAY`` (4 s) and
``REQUEST_COUNT`` (2) scalers, 0-5 workers, 5-60 s idle timeouts, cold starts of 5-20 s and
exponential execution times (mean 8 s). Job arrivals are seeded: a day-shaped (sinusoidal)
rate, shared out over the endpoints by a Zipf law, so a few endpoints run several workers
while most cold-start a worker per job. Each arrival is an engine event that calls
``JobBook.submit`` as ``POST /run`` does; jobs then run, finish, and are forgotten 30 min
later (RunPod's retention). The measured figure is the wall time of ``Simulation.advance``.
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


class Arrivals:
    """Submits one endpoint's jobs at their times (an engine event per arrival)."""

    def __init__(self, world: Any, endpoint: Any, start: float, times: list[float]) -> None:
        from emulator.vendors.runpod.schemas import RunRequest

        self.world = world
        self.endpoint = endpoint
        self.times = [start + t for t in reversed(times)]  # pop() takes the earliest
        self.request = RunRequest.model_validate({"input": {"prompt": "a red fox", "steps": 30}})
        self.submitted = 0

    def arm(self) -> None:
        """Schedule the next arrival, if any."""
        if self.times:
            self.world.ctx.at(self.times.pop(), self.arrive)

    def arrive(self) -> None:
        """One ``POST /run``."""
        self.world.jobs.submit(self.endpoint, self.request, sync=False)
        self.submitted += 1
        self.arm()


@dataclass
class Scenario:
    """A ready-to-run tenant: the emulator state, its RunPod world and the arrival drivers."""

    state: Any
    world: Any
    arrivals: list[Arrivals]

    def advance(self, seconds: float) -> int:
        """One ``advance`` of the emulator clock; returns the events applied."""
        result: int = asyncio.run(self.state.sim.advance(seconds))
        return result

    def fingerprint(self) -> str:
        """A digest of the outcome (counters, live jobs, workers, RNG): equal runs match."""
        world = self.world
        parts: list[Any] = [self.state.sim.now, world.ctx.rng.getstate()]
        for endpoint in world.endpoints.values():
            counters = endpoint.counters
            parts.append((endpoint.id, counters.completed, counters.failed, counters.retried))
            pool = endpoint.pool
            parts.append(sorted((w.id, w.state.value, w.since) for w in pool.workers.values()))
        for job in sorted(world.jobs.by_id.values(), key=lambda j: j.id):
            task = job.task
            parts.append((job.id, job.status, task.started_at, task.finished_at, task.worker_id))
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def scenario(
    tasks: int, *, span: float = DAY, endpoints: int = ENDPOINTS, seed: int = 7
) -> Scenario:
    """Build the tenant with ``tasks`` jobs to arrive over ``span`` seconds."""
    from emulator.app import create_app
    from emulator.settings import Settings
    from emulator.vendors.runpod.schemas import EndpointFixture, RunpodFixture

    app = create_app(Settings(clock="manual", fixtures=[], seed=seed, log_level="warning"))
    state = app.state.emulator
    tenant = state.tenants.lookup("bench")
    world = state.world(tenant, "runpod")
    rng = random.Random(seed)
    specs = [
        EndpointFixture.model_validate(
            {
                "name": f"endpoint-{index}",
                "scalerType": "QUEUE_DELAY" if index % 2 else "REQUEST_COUNT",
                "scalerValue": 4 if index % 2 else 2,
                "workersMin": 0,
                "workersMax": 5,
                "idleTimeout": (5, 15, 30, 60)[index % 4],
                "behaviour": BEHAVIOUR,
            }
        )
        for index in range(endpoints)
    ]
    world.load(RunpodFixture.model_construct(endpoints=specs, templates=[], capacity={}))
    start = state.sim.now
    arrivals = [
        Arrivals(world, endpoint, start, arrival_times(rng, count, span))
        for endpoint, count in zip(world.endpoints.values(), shares(tasks, endpoints), strict=True)
    ]
    for driver in arrivals:
        driver.arm()
    return Scenario(state, world, arrivals)


def one_run(tasks: int) -> tuple[float, int, str, Scenario]:
    """(wall seconds of one 24 h advance, events applied, outcome fingerprint, the scenario)."""
    built = scenario(tasks)
    started = time.perf_counter()
    events = built.advance(DAY)
    wall = time.perf_counter() - started
    return wall, events, built.fingerprint(), built


def measure(runs: int, tasks: int) -> list[Row]:
    """Median wall time of ``runs`` fresh 24 h advances."""
    results = [one_run(tasks) for _ in range(runs)]
    walls = [r[0] for r in results]
    _, events, digest, built = results[-1]
    submitted = sum(a.submitted for a in built.arrivals)
    completed = sum(e.counters.completed for e in built.world.endpoints.values())
    value = median(walls)
    row = Row(
        "P4",
        f"24 h virtual, {ENDPOINTS} autoscaled RunPod endpoints, {tasks:,} jobs, one advance",
        f"{value:.2f} s wall ({events:,} events)",
        f"<= {BUDGET_S:g} s",
        value <= BUDGET_S,
    )
    runs_text = ", ".join(f"{w:.2f}" for w in walls)
    row.notes.append(
        f"{submitted:,} jobs submitted, {completed:,} completed; runs {runs_text} s; "
        f"outcome digest {digest}"
    )
    if len({r[2] for r in results}) != 1:
        row.notes.append("WARNING: runs disagree on the outcome digest (non-deterministic)")
    return [row]
