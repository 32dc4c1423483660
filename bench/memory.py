"""P6: memory per retained job, and memory under sustained load once retention windows pass.

In-process, RunPod world of one tenant on a manual clock, measured with ``tracemalloc``
(after a full garbage collection):

- per retained job: N jobs submitted through the job API's backend (their own parsed
  ``/run`` bodies), all run to COMPLETED and still inside RunPod's 30-minute retention; the
  growth over N;
- sustained: jobs arrive at a steady rate on several autoscaled endpoints for three simulated
  hours; retention (30 min after ``/run``) and the jobs' 24 h TTL timers must leave the heap
  flat once the first hour has passed (figure: growth from 1 h to 3 h).
"""

from __future__ import annotations

import gc
import random
import tracemalloc
from typing import Any

from bench.report import Row

PER_TASK_BUDGET = 2048  # bytes
FLAT_BUDGET = 0.05  # growth from 1 h to 3 h
BODY = {"input": {"prompt": "a red fox in the snow, 35mm", "steps": 30, "seed": 1234}}


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def _world(endpoints: list[dict[str, Any]]) -> tuple[Any, Any]:
    from emulator.app import create_app
    from emulator.settings import Settings
    from emulator.vendors.runpod.schemas import EndpointFixture, RunpodFixture

    app = create_app(Settings(clock="manual", fixtures=[], seed=3, log_level="warning"))
    state = app.state.emulator
    world = state.world(state.tenants.lookup("bench"), "runpod")
    specs = [EndpointFixture.model_validate(e) for e in endpoints]
    world.load(RunpodFixture.model_construct(endpoints=specs, templates=[], capacity={}))
    return state, world


def _run(state: Any, seconds: float) -> None:
    engine = state.sim.engine
    engine.run_until(engine.now + seconds)
    state.sim.clock.advance(seconds)


def per_retained_job(count: int) -> float:
    """Bytes per COMPLETED job kept for retention."""
    from emulator.vendors.runpod.schemas import RunRequest

    fast = {"cold_start": 1, "execution": 0.05, "shutdown": 1}
    state, world = _world([{"name": "mem", "workersMin": 10, "workersMax": 10, "behaviour": fast}])
    endpoint = next(iter(world.endpoints.values()))
    _run(state, 60)
    before = _traced()
    for _ in range(count):
        world.jobs.submit(endpoint, RunRequest.model_validate(BODY), sync=False)
    _run(state, 600)  # all done in 600 s, well inside the 1 800 s retention
    assert endpoint.counters.completed == count, endpoint.counters
    assert len(world.jobs.by_id) == count
    return (_traced() - before) / count


class Steady:
    """A Poisson stream of ``/run`` calls on one endpoint (no pre-drawn list to hold)."""

    def __init__(self, world: Any, endpoint: Any, rate: float, seed: int) -> None:
        self.world = world
        self.endpoint = endpoint
        self.rate = rate
        self.rng = random.Random(seed)

    def arrive(self) -> None:
        """One job, then the next arrival."""
        from emulator.vendors.runpod.schemas import RunRequest

        self.world.jobs.submit(self.endpoint, RunRequest.model_validate(BODY), sync=False)
        self.world.ctx.after(self.rng.expovariate(self.rate), self.arrive)


def sustained(hours: int, rate: float) -> list[tuple[float, int, int]]:
    """(hour, traced bytes, jobs kept) every half hour of ``hours`` at ``rate`` jobs/s."""
    behaviour = {"cold_start": {"uniform": [5, 20]}, "execution": {"exponential": 8}}
    endpoints = [
        {"name": f"e{i}", "workersMax": 10, "idleTimeout": 15, "behaviour": behaviour}
        for i in range(10)
    ]
    state, world = _world(endpoints)
    for index, endpoint in enumerate(world.endpoints.values()):
        world.ctx.after(0.0, Steady(world, endpoint, rate / 10, index).arrive)
    samples = []
    for step in range(1, hours * 2 + 1):
        _run(state, 1800)
        samples.append((step / 2, _traced(), len(world.jobs.by_id)))
    return samples


def measure(quick: bool = False) -> list[Row]:
    """The two P6 rows."""
    tracemalloc.start()
    try:
        per_job = per_retained_job(2_000 if quick else 20_000)
        samples = sustained(3, 2.0 if quick else 5.0)
    finally:
        tracemalloc.stop()
    at_1h = next(b for h, b, _ in samples if h == 1)
    at_end = samples[-1][1]
    growth = (at_end - at_1h) / at_1h
    curve = ", ".join(f"{h:g} h {b / 1e6:.1f} MB ({kept:,} jobs kept)" for h, b, kept in samples)
    row = Row(
        "P6",
        "memory after 1 h of sustained load (RunPod, 30 min retention): growth 1 h -> 3 h",
        f"{growth * 100:+.1f}% ({at_1h / 1e6:.1f} MB -> {at_end / 1e6:.1f} MB)",
        f"flat (<= {FLAT_BUDGET * 100:g}%)",
        growth <= FLAT_BUDGET,
    )
    row.notes.append(curve)
    return [
        Row(
            "P6",
            "memory per retained job (RunPod, COMPLETED, inside retention)",
            f"{per_job:,.0f} B",
            f"<= {PER_TASK_BUDGET:,} B",
            per_job <= PER_TASK_BUDGET,
        ),
        row,
    ]
