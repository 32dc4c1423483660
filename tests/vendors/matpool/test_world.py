"""The Matpool world without HTTP: persistence mid-scenario, the market line, the renderer."""

from __future__ import annotations

import pickle
import random

from emulator.core.capacity import Capacity
from emulator.vendors.matpool.backend import MatpoolWorld
from emulator.vendors.matpool.errors import MatpoolErrors
from emulator.vendors.matpool.market import Line
from emulator.vendors.matpool.schemas import JobForm, MatpoolFixture
from tests.support.sim import run, world


def form(**changes: object) -> JobForm:
    fields = {"spec": '{"gpuName": "NVIDIA A16"}', "agent_domain": "0", "from_image_id": "633839"}
    return JobForm.model_validate({**fields, **changes})


def statuses(world: MatpoolWorld) -> list[int]:
    return [job.status for job in world.order]


def test_a_pickled_world_keeps_going() -> None:
    ctx = world(seed=3)
    mp = MatpoolWorld(ctx)
    mp.load(
        MatpoolFixture.model_validate(
            {"market": {"NVIDIA A16": 1}, "commands": {"python run.py": 100}}
        )
    )
    first = mp.create(form(cmd="python run.py"))
    mp.create(form())
    run(ctx, 30)
    assert statuses(mp) == [2, 1]
    restored: MatpoolWorld = pickle.loads(pickle.dumps(mp))
    run(restored.ctx, 15 + 100)  # first: 3 at 45 s, its command exits at 145 s
    assert statuses(restored) == [4, 1]
    run(restored.ctx, 45)  # the instance went to the second job: 2 at +25, 3 at +45
    assert statuses(restored) == [4, 3]
    assert restored.queue_len(restored.order[1]) == 0
    # The original is untouched by what happened to the copy.
    assert statuses(mp) == [2, 1]
    assert first.log[-1][1] == 2


def test_the_line_gives_places_as_people_leave() -> None:
    line = Line()
    rng = random.Random(5)
    waiting: list[int] = []
    for _ in range(500):
        if waiting and rng.random() < 0.45:
            ticket = waiting.pop(rng.randrange(len(waiting)))
            line.leave(ticket)
        else:
            waiting.append(line.join())
        for place, ticket in enumerate(waiting, start=1):
            assert line.place(ticket) == place
        assert line.length == len(waiting)


def test_the_line_restarts_when_empty() -> None:
    line = Line()
    tickets = [line.join() for _ in range(3)]
    for ticket in tickets:
        line.leave(ticket)
    assert line.length == 0
    assert line.join() == 1


def test_waiting_jobs_are_granted_in_arrival_order() -> None:
    ctx = world()
    mp = MatpoolWorld(ctx)
    mp.load(MatpoolFixture.model_validate({"market": {"NVIDIA A16": 0}}))
    jobs = [mp.create(form()) for _ in range(4)]
    run(ctx, 1)
    assert [mp.queue_len(job) for job in jobs] == [1, 2, 3, 4]
    mp.cancel(jobs[1].id)
    assert [mp.queue_len(job) for job in jobs] == [1, 0, 2, 3]
    mp.load(MatpoolFixture.model_validate({"market": {"NVIDIA A16": 2}}))
    assert [mp.queue_len(job) for job in jobs] == [0, 0, 0, 1]
    capacity: Capacity = mp.markets["NVIDIA A16"].capacity
    assert capacity.used == 2
    run(ctx, 60)
    assert statuses(mp) == [3, 4, 3, 1]


def test_injected_errors_use_the_envelope() -> None:
    errors = MatpoolErrors()
    by_code = errors.injected(None, 176)
    assert (by_code.status, by_code.code, by_code.message) == (200, 176, "check jwt token failed")
    by_text = errors.injected(None, "6")
    assert (by_text.status, by_text.code, by_text.message) == (200, 6, "param illegal")
    by_status = errors.injected(503, None)
    assert (by_status.status, by_status.code) == (503, 503)
    assert by_status.message == "service unavailable"
    response = errors.render(errors.internal(RuntimeError("x")))
    assert response.status_code == 500
    assert response.body == b'{"code":500,"msg":"internal server error"}'


def test_fixture_jobs_skip_the_api_limits() -> None:
    ctx = world()
    mp = MatpoolWorld(ctx)
    long_cmd = "python -c 'pass' " + "x" * 600
    mp.load(
        MatpoolFixture.model_validate(
            {
                "jobs": [
                    {
                        "spec": {"gpuName": "NVIDIA A16"},
                        "from_image_id": 1,
                        "from_snapshot_id": 2,
                        "cmd": long_cmd,
                    }
                ]
            }
        )
    )
    (job,) = mp.order
    assert (job.status, job.cmd, job.image_id, job.snapshot_id) == (3, long_cmd, 1, 2)
