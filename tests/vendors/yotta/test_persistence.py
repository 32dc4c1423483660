"""A Yotta world pickled mid-scenario (as state persistence does) keeps going when restored."""

from __future__ import annotations

import pickle

from emulator.vendors.yotta import render
from emulator.vendors.yotta.backend import YottaWorld
from emulator.vendors.yotta.schemas import CreateEndpointIn, SubmitTaskIn
from tests.support.sim import run, world
from tests.vendors.yotta.conftest import create_body


def _scenario() -> tuple[YottaWorld, int]:
    yotta = YottaWorld(world(seed=7))
    endpoint = yotta.create(CreateEndpointIn.model_validate(create_body(workers=2)))
    for n in range(4):
        task = {"taskId": f"job{n}", "input": {"n": n}, "workerPort": 8000, "processUri": "/run"}
        yotta.submit(endpoint.id, SubmitTaskIn.model_validate(task))
    run(yotta.ctx, 21)  # workers up at 20 s; two tasks running
    return yotta, endpoint.id


def _statuses(yotta: YottaWorld, endpoint_id: int) -> dict[str, str]:
    endpoint = yotta.get(endpoint_id)
    return {task_id: task.data.status for task_id, task in endpoint.tasks.items()}


def test_a_restored_world_finishes_its_tasks_and_stops() -> None:
    original, endpoint_id = _scenario()
    assert original.get(endpoint_id).status == "RUNNING"
    assert original.processing(endpoint_id) == 4
    restored: YottaWorld = pickle.loads(pickle.dumps(original))

    run(restored.ctx, 5)  # 26 s: both rounds of two tasks done
    assert set(_statuses(restored, endpoint_id).values()) == {"SUCCESS"}
    assert restored.processing(endpoint_id) == 0
    assert original.processing(endpoint_id) == 4, "the original is untouched"

    restored.stop(endpoint_id)
    assert restored.get(endpoint_id).status == "STOPPING"
    run(restored.ctx, 5)
    endpoint = restored.get(endpoint_id)
    assert endpoint.status == "STOPPED"
    rendered = render.endpoint(restored, endpoint)
    assert rendered["cost"] == round(2 * (26 - 20 + 5) * 0.59 / 3600, 6)


def test_the_same_seed_gives_the_same_ids() -> None:
    first, first_id = _scenario()
    second, second_id = _scenario()
    assert first_id == second_id
    assert render.endpoint(first, first.get(first_id)) == render.endpoint(
        second, second.get(second_id)
    )
