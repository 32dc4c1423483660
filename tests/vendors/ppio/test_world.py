"""The PPIO world without HTTP: persistence mid-scenario, the keyset index and cursor codec."""

from __future__ import annotations

import pickle
from typing import Any

from emulator.core.tasks import TaskState
from emulator.core.workers import WorkerState
from emulator.vendors.ppio.backend import Call, PpioWorld, call_payload
from emulator.vendors.ppio.paging import CursorCodec, SortedIndex, page, world_secret
from emulator.vendors.ppio.schemas import CreateEndpointIn, PpioFixture, UpdateEndpointIn
from tests.support.sim import run, world


def _world(**options: Any) -> PpioWorld:
    ppio = PpioWorld(world(seed=3, key="sk"), host="api.ppio.com")
    ppio.load(
        PpioFixture.model_validate(
            {
                "options": {
                    "create_seconds": 2,
                    "behaviour": {"cold_start": 20, "execution": 10, "shutdown": 5},
                    **options,
                }
            }
        )
    )
    return ppio


def _create(ppio: PpioWorld, name: str = "e", **config: Any) -> str:
    body = CreateEndpointIn.model_validate(
        {
            "type": "sync",
            "name": name,
            "product_id": "p",
            "image": "img",
            "policy": {"type": "concurrency", "value": 1},
            "worker_config": {"max_replicas": 2, "max_concurrent_per_worker": 1, **config},
        }
    )
    return ppio.create(body).id


def _call(endpoint_id: str, n: int) -> Call:
    raw = f'{{"n": {n}}}'.encode()
    _payload, is_json = call_payload(raw, "application/json")
    assert is_json
    return Call(
        endpoint_id=endpoint_id,
        method="POST",
        path="/run",
        query="",
        headers=[],
        body=raw,
        content_type="application/json",
        is_json=True,
    )


def test_a_world_pickled_mid_scenario_keeps_going() -> None:
    ppio = _world()
    endpoint_id = _create(ppio, idle_timeout=30)
    tasks = [ppio.invoke(endpoint_id, _call(endpoint_id, n), {"n": n}) for n in range(3)]
    run(ppio.ctx, 25)  # created at 2 s, two workers warm at 22 s, two requests running
    pool = ppio.get(endpoint_id).pool
    assert (pool.running, pool.queued) == (2, 1)

    restored, copies = pickle.loads(pickle.dumps((ppio, tasks)))
    twin = restored.get(endpoint_id)
    assert (twin.pool.running, twin.pool.queued) == (2, 1)
    run(restored.ctx, 20)  # t=45: all three answered on the restored copy
    assert [t.state for t in copies] == [TaskState.COMPLETED] * 3
    assert [t.output for t in copies] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [t.finished_at - ppio.ctx.sim.clock.now() for t in copies] == [7.0, 7.0, 17.0]
    run(restored.ctx, 40)  # idle 30 s + shutdown 5 s: back to min_replicas 0
    assert twin.pool.workers == {}
    # the original is untouched by the copy's progress, and keeps going on its own
    assert [t.state for t in tasks] == [TaskState.RUNNING, TaskState.RUNNING, TaskState.QUEUED]
    run(ppio.ctx, 20)
    assert [t.state for t in tasks] == [TaskState.COMPLETED] * 3


def test_deadlines_and_updates_survive_pickling() -> None:
    ppio = _world()
    endpoint_id = _create(ppio, request_timeout=30, max_replicas=0)
    task = ppio.invoke(endpoint_id, _call(endpoint_id, 1), {"n": 1})
    run(ppio.ctx, 10)
    restored, copy = pickle.loads(pickle.dumps((ppio, task)))
    restored.update(
        endpoint_id, UpdateEndpointIn.model_validate({"worker_config": {"max_replicas": 0}})
    )
    assert restored.get(endpoint_id).phase == "updating"
    run(restored.ctx, 30)  # t=40: the request's 30 s deadline passed on the copy
    assert copy.state == TaskState.CANCELLED
    assert copy.data.timed_out is True
    assert restored.get(endpoint_id).phase == "running"
    assert task.state == TaskState.QUEUED  # the original did not move


def test_worker_logs_record_each_state() -> None:
    ppio = _world()
    endpoint_id = _create(ppio, min_replicas=1, max_replicas=1, idle_timeout=1)
    run(ppio.ctx, 30)
    (worker,) = ppio.get(endpoint_id).pool.workers.values()
    assert worker.state == WorkerState.IDLE
    assert [state for _, state in worker.data.lines] == ["provisioning", "initializing", "idle"]


def test_the_sorted_index_pages_newest_first_from_any_key() -> None:
    index: SortedIndex[str] = SortedIndex()
    for seq in range(1, 11):
        index.add((100 + seq // 3, seq), f"e{seq}")
    index.add((50, 11), "old")  # an older created_at lands in order, not at the end
    items, more = page(index, None, 4, None)
    assert (items, more) == (["e10", "e9", "e8", "e7"], True)
    items, more = page(index, (102, 7), 4, None)
    assert (items, more) == (["e6", "e5", "e4", "e3"], True)
    index.remove((101, 3))
    index.remove((999, 1))  # absent: no-op
    items, more = page(index, (101, 4), 10, None)
    assert (items, more) == (["e2", "e1", "old"], False)
    items, more = page(index, None, 2, lambda name: name.endswith(("1", "5")))
    assert (items, more) == (["e5", "e1"], False)
    assert len(index) == 10


def test_cursors_round_trip_and_are_bound_to_their_world() -> None:
    mine = CursorCodec(world_secret(0, "ppio", "alice"))
    cursor = mine.encode((1_767_225_600, 42))
    assert mine.decode(cursor) == (1_767_225_600, 42)
    assert CursorCodec(world_secret(0, "ppio", "bob")).decode(cursor) is None
    assert CursorCodec(world_secret(0, "novita", "alice")).decode(cursor) is None
    assert CursorCodec(world_secret(1, "ppio", "alice")).decode(cursor) is None
    for bad in ("", "====", "é", "YWJj", cursor[:-2]):
        assert mine.decode(bad) is None
    assert len(cursor) < 1024


def test_injected_errors_take_a_reason_or_a_status() -> None:
    from emulator.vendors.ppio.errors import PpioErrors

    wire = PpioErrors()
    by_reason = wire.injected(None, "rate_limit_exceeded")
    assert (by_reason.status, by_reason.reason) == (429, "RATE_LIMIT_EXCEEDED")
    by_status = wire.injected(503, None)
    assert (by_status.status, by_status.reason) == (503, "SERVICE_UNAVAILABLE")
    both = wire.injected(400, "NOT_ENOUGH_BALANCE")
    assert (both.status, both.reason) == (400, "NOT_ENOUGH_BALANCE")
    response = wire.render(wire.internal(RuntimeError("boom")))
    assert response.status_code == 500
    assert response.body == (
        b'{"code":500,"reason":"UNKNOWN","message":"internal server error","metadata":{}}'
    )
