"""The RunPod world without HTTP: 1,000 queued jobs, and persistence mid-scenario."""

from __future__ import annotations

import pickle
from collections import Counter
from typing import Any

from emulator.core.execution import Behaviour
from emulator.core.tasks import Task, TaskState
from emulator.vendors.runpod.backend import Endpoint, RunpodWorld
from emulator.vendors.runpod.schemas import RunpodFixture, RunRequest
from tests.support.sim import run, world


class Spy:
    """Records every job transition, then lets the endpoint handle it."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.started: Counter[str] = Counter()
        self.peak = 0

    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        if task.state == TaskState.RUNNING:
            self.started[task.id] += 1
        self.endpoint.task_changed(task, previous)

    def task_updated(self, task: Task) -> None:
        self.endpoint.task_updated(task)

    def worker_changed(self, worker: Any, previous: Any) -> None:
        self.peak = max(self.peak, self.endpoint.pool.active)
        self.endpoint.worker_changed(worker, previous)


def runpod_world(endpoint: dict[str, Any], behaviour: dict[str, Any]) -> RunpodWorld:
    ctx = world(seed=7)
    ctx.sim.behaviours["default"] = Behaviour.model_validate(behaviour)
    rp = RunpodWorld(ctx)
    rp.load(RunpodFixture.model_validate({"endpoints": [endpoint]}))
    return rp


def test_a_thousand_queued_jobs_each_run_exactly_once() -> None:
    rp = runpod_world(
        {"id": "ep", "workersMax": 10, "scalerType": "REQUEST_COUNT", "scalerValue": 50},
        {"cold_start": {"uniform": [10, 30]}, "execution": {"uniform": [1, 5]}, "shutdown": 0},
    )
    endpoint = rp.endpoint("ep")
    spy = Spy(endpoint)
    endpoint.pool.observer = spy
    jobs = [rp.jobs.submit(endpoint, RunRequest(input=n), sync=False) for n in range(1000)]
    assert rp.jobs.health(endpoint)["jobs"]["inQueue"] == 1000
    run(rp.ctx, 3600)
    assert [job.status for job in jobs] == ["COMPLETED"] * 1000
    assert [job.task.output for job in jobs] == list(range(1000))
    assert set(spy.started.values()) == {1}
    assert len(spy.started) == 1000
    assert spy.peak == 10
    health = rp.jobs.health(endpoint)
    assert health["jobs"] == {
        "completed": 1000,
        "failed": 0,
        "inProgress": 0,
        "inQueue": 0,
        "retried": 0,
    }
    assert health["workers"]["running"] == 0


def test_the_world_pickles_mid_scenario_and_the_copy_keeps_going() -> None:
    rp = runpod_world(
        {"id": "ep", "workersMax": 2, "executionTimeoutMs": 10_000},
        {"cold_start": 20, "execution": 4, "stream_chunks": 2, "shutdown": 0},
    )
    endpoint = rp.endpoint("ep")
    running = rp.jobs.submit(endpoint, RunRequest(input="abcd"), sync=False)
    queued = rp.jobs.submit(endpoint, RunRequest(input="efgh"), sync=True)
    short = rp.jobs.submit(
        endpoint, RunRequest.model_validate({"input": 1, "policy": {"ttl": 10_000}}), sync=False
    )
    run(rp.ctx, 21)
    assert (running.status, queued.status) == ("IN_PROGRESS", "IN_QUEUE")
    assert short.id not in rp.jobs.by_id

    copy: RunpodWorld = pickle.loads(pickle.dumps(rp))
    run(copy.ctx, 30)
    first, second = copy.jobs.by_id[running.id], copy.jobs.by_id[queued.id]
    assert (first.status, first.task.output) == ("COMPLETED", "abcd")
    assert (second.status, second.task.output) == ("COMPLETED", "efgh")
    assert first.task.drain_stream() == ["ab", "cd"]
    assert copy.jobs.health(copy.endpoint("ep"))["jobs"]["completed"] == 2
    run(copy.ctx, 60)  # /runsync results are kept one minute, /run results thirty
    assert queued.id not in copy.jobs.by_id
    assert running.id in copy.jobs.by_id
    # the original did not move
    assert (running.status, queued.status) == ("IN_PROGRESS", "IN_QUEUE")
