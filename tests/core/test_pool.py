"""The pool on a manual clock: exact start/finish times, scaling, failures, no task lost."""

from __future__ import annotations

import pytest

from emulator.core.capacity import Capacity
from emulator.core.scaling import Fixed, QueueDelay, RequestCount
from emulator.core.tasks import TaskState
from emulator.core.workers import WorkerState
from tests.support.sim import T0, make_pool, run, task, world

FAST = {"cold_start": 20, "execution": 5, "shutdown": 0}


def test_three_tasks_two_workers_exact_times() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, max_workers=2, policy=RequestCount(1))
    for name in "abc":
        pool.submit(task(ctx, name))
    assert [w.state for w in pool.workers.values()] == [WorkerState.INITIALIZING] * 2
    run(ctx, 60)
    assert rec.task_times("running") == {"a": 20, "b": 20, "c": 25}
    assert rec.task_times("completed") == {"a": 25, "b": 25, "c": 30}
    started_on = {t_id: s for _, t_id, s in rec.tasks}
    assert started_on == {"a": "completed", "b": "completed", "c": "completed"}
    # Idle workers leave after the 5 s idle timeout: w2 idle since 25, w1 since 30.
    terminated = {w: t for t, w, s in rec.workers if s == "terminated"}
    assert terminated == {"w2": 30, "w1": 35}
    assert pool.workers == {}


def test_idle_timeout_scales_down_to_min_workers() -> None:
    ctx = world()
    pool, rec = make_pool(
        ctx, behaviour=FAST, min_workers=1, max_workers=3, idle_timeout=10, policy=RequestCount(1)
    )
    pool.start()
    run(ctx, 30)
    assert pool.active == 1
    for name in "abc":
        pool.submit(task(ctx, name))
    run(ctx, 120)
    assert pool.active == 1
    assert len(pool.workers) == 1
    assert rec.peak_active == 3
    assert {s for _, _, s in rec.tasks if s in ("completed",)} == {"completed"}


def test_queue_delay_adds_one_worker_per_delay_while_tasks_are_late() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, max_workers=3, policy=QueueDelay(4))
    for name in "abc":
        pool.submit(task(ctx, name))
    run(ctx, 100)
    created = {w: t for t, w, s in rec.workers if s == "provisioning"}
    assert created == {"w1": 0, "w2": 4, "w3": 8}
    assert rec.task_times("running") == {"a": 20, "b": 24, "c": 25}
    assert rec.task_times("completed") == {"a": 25, "b": 29, "c": 30}
    terminated = {w: t for t, w, s in rec.workers if s == "terminated"}
    assert terminated == {"w3": 33, "w2": 34, "w1": 35}


def test_never_more_than_max_workers_and_no_task_lost_or_run_twice() -> None:
    ctx = world(seed=3)
    behaviour = {"cold_start": {"uniform": [5, 30]}, "execution": {"exponential": 3}, "shutdown": 1}
    pool, rec = make_pool(ctx, behaviour=behaviour, max_workers=5, policy=QueueDelay(2))
    for i in range(1000):
        pool.submit(task(ctx, f"t{i}"))
        if i % 50 == 0:
            run(ctx, 7)
    run(ctx, 3 * 3600)
    assert rec.peak_active <= 5
    started = [t_id for _, t_id, s in rec.tasks if s == "running"]
    completed = [t_id for _, t_id, s in rec.tasks if s == "completed"]
    assert len(started) == len(set(started)) == 1000
    assert sorted(completed) == sorted(started)
    assert pool.queued == pool.running == 0
    assert pool.workers == {}


def test_burst_is_capped_at_max_workers() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, max_workers=4, policy=RequestCount(1))
    for i in range(50):
        pool.submit(task(ctx, f"t{i}"))
    assert pool.active == 4
    run(ctx, 600)
    assert rec.peak_active == 4
    assert len(rec.task_times("completed")) == 50


def test_no_capacity_keeps_workers_throttled_and_tasks_queued() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, max_workers=2, policy=RequestCount(1))
    pool.capacity = Capacity(0)
    pool.submit(task(ctx, "a"))
    run(ctx, 3600)
    assert [w.state for w in pool.workers.values()] == [WorkerState.THROTTLED]
    assert pool.queued == 1
    pool.capacity.resize(1)
    run(ctx, 60)
    assert rec.task_times("completed") == {"a": 3600 + 25}


def test_capacity_is_shared_and_granted_in_order() -> None:
    ctx = world()
    market = Capacity(1)
    first, rec1 = make_pool(ctx, behaviour=FAST, max_workers=1, policy=RequestCount(1))
    second, rec2 = make_pool(ctx, behaviour=FAST, max_workers=1, policy=RequestCount(1))
    first.capacity = second.capacity = market
    first.submit(task(ctx, "a"))
    second.submit(task(ctx, "b"))
    assert next(iter(second.workers.values())).state == WorkerState.THROTTLED
    run(ctx, 120)
    assert rec1.task_times("completed") == {"a": 25}
    # first's worker leaves at 30 (idle 5 s, shutdown 0), then second's cold-starts for 20 s.
    assert rec2.task_times("running") == {"b": 50}


def test_crash_loop_keeps_workers_unhealthy_and_tasks_queued() -> None:
    ctx = world()
    behaviour = {"cold_start": 20, "crash_loop": True, "restart_delay": 30}
    pool, rec = make_pool(ctx, behaviour=behaviour, max_workers=1, policy=RequestCount(1))
    pool.submit(task(ctx, "a"))
    run(ctx, 125)
    states = [(t, s) for t, w, s in rec.workers if w == "w1"]
    assert states == [
        (0, "provisioning"),
        (0, "initializing"),
        (20, "unhealthy"),
        (50, "initializing"),
        (70, "unhealthy"),
        (100, "initializing"),
        (120, "unhealthy"),
    ]
    assert pool.queued == 1


def test_execution_timeout_ends_a_task_at_the_timeout() -> None:
    ctx = world()
    pool, rec = make_pool(
        ctx, behaviour={**FAST, "execution": 60}, max_workers=1, policy=RequestCount(1)
    )
    pool.submit(task(ctx, "a", execution_timeout=7))
    run(ctx, 100)
    assert rec.task_times("timed_out") == {"a": 27}
    assert "a" not in rec.task_times("completed")


def test_cancel_queued_and_running_tasks() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, max_workers=1, policy=RequestCount(1))
    a, b, c = task(ctx, "a"), task(ctx, "b"), task(ctx, "c")
    for t in (a, b, c):
        pool.submit(t)
    assert pool.cancel(b)
    run(ctx, 22)
    assert pool.cancel(a)
    assert a.state == TaskState.CANCELLED
    run(ctx, 30)
    assert rec.task_times("running") == {"a": 20, "c": 22}
    assert rec.task_times("completed") == {"c": 27}
    assert not pool.cancel(c)
    assert b.started_at is None


def test_stop_requeues_running_work_and_start_brings_new_workers() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour={**FAST, "shutdown": 3}, policy=Fixed(2))
    pool.start()
    run(ctx, 20)
    assert sorted(pool.workers) == ["w1", "w2"]
    pool.submit(task(ctx, "a"))
    run(ctx, 1)
    pool.stop()
    assert pool.queued == 1
    assert {w.state for w in pool.workers.values()} == {WorkerState.DRAINING}
    run(ctx, 3)
    assert pool.workers == {}
    pool.start()
    assert sorted(pool.workers) == ["w3", "w4"]
    run(ctx, 30)
    assert rec.task_times("completed") == {"a": 24 + 20 + 5}


def test_fixed_scale_down_prefers_idle_over_busy_workers() -> None:
    ctx = world()
    pool, _ = make_pool(ctx, behaviour=FAST, policy=Fixed(3))
    pool.prewarm()
    pool.submit(task(ctx, "a"))
    busy = next(w for w in pool.workers.values() if w.tasks)
    pool.reconfigure(config=pool.config.with_changes(policy=Fixed(1)))
    run(ctx, 1)
    assert list(pool.workers.values()) == [busy]


def test_prewarm_brings_min_workers_up_warm() -> None:
    ctx = world()
    pool, _ = make_pool(ctx, behaviour=FAST, min_workers=2, max_workers=4, policy=RequestCount(1))
    pool.prewarm()
    assert [w.state for w in pool.workers.values()] == [WorkerState.IDLE] * 2
    pool.submit(task(ctx, "a"))
    assert pool.running == 1


def test_external_workers_take_and_finish_tasks() -> None:
    ctx = world()
    pool, _ = make_pool(ctx, behaviour=FAST, external=True, max_workers=3)
    a, b = task(ctx, "a"), task(ctx, "b")
    pool.submit(a)
    pool.submit(b)
    assert pool.workers == {}
    run(ctx, 100)
    assert a.state == TaskState.QUEUED
    assert pool.take("real-1", 5) == [a, b]
    assert pool.workers["real-1"].state == WorkerState.RUNNING
    pool.finish(a, output={"ok": 1})
    pool.finish(b, error="boom")
    assert (a.state, a.output, b.state, b.error) == (
        TaskState.COMPLETED,
        {"ok": 1},
        TaskState.FAILED,
        "boom",
    )
    assert pool.workers["real-1"].state == WorkerState.IDLE
    assert pool.take("real-1") == []


def test_stream_chunks_and_progress_arrive_during_execution() -> None:
    ctx = world()
    behaviour = {
        **FAST,
        "execution": 4,
        "stream_chunks": 3,
        "progress_updates": 1,
        "output": {"value": "abcdef"},
    }
    pool, _ = make_pool(ctx, behaviour=behaviour, max_workers=1, policy=RequestCount(1))
    t = task(ctx, "a")
    pool.submit(t)
    run(ctx, 21)
    assert t.drain_stream() == ["ab"]
    assert t.progress is None
    run(ctx, 1)
    assert t.drain_stream() == ["cd"]
    assert t.progress == {"step": 1, "of": 1}
    run(ctx, 10)
    assert t.drain_stream() == ["ef"]
    assert t.output == "abcdef"


def test_failure_rate_is_seeded() -> None:
    def outcomes(seed: int) -> list[str]:
        ctx = world(seed=seed)
        pool, _ = make_pool(
            ctx, behaviour={**FAST, "failure_rate": 0.5}, max_workers=2, policy=RequestCount(1)
        )
        tasks = [task(ctx, f"t{i}") for i in range(40)]
        for t in tasks:
            pool.submit(t)
        run(ctx, 3600)
        return [t.state.value for t in tasks]

    first = outcomes(11)
    assert first == outcomes(11)
    assert 5 < first.count("failed") < 35
    assert first != outcomes(12)


@pytest.mark.parametrize("policy", [QueueDelay(4), RequestCount(2)])
def test_idle_worker_checks_are_lazy(policy: QueueDelay | RequestCount) -> None:
    ctx = world()
    pool, _ = make_pool(
        ctx, behaviour={**FAST, "execution": 1}, max_workers=1, idle_timeout=30, policy=policy
    )
    pool.submit(task(ctx, "a"))
    run(ctx, 21)
    before = ctx.sim.engine.pending()
    for i in range(20):
        pool.submit(task(ctx, f"b{i}"))
        run(ctx, 1)
    # One idle check per worker stays pending however many tasks ran in between.
    assert ctx.sim.engine.pending() <= before + 1


def test_progress_and_chunks_reach_an_observer_that_asks_for_updates() -> None:
    ctx = world()
    behaviour = {**FAST, "execution": 4, "stream_chunks": 2, "progress_updates": 1}
    pool, recorder = make_pool(ctx, behaviour=behaviour, max_workers=1, policy=RequestCount(1))
    updates: list[tuple[float, object, list[object]]] = []

    class Updates:
        def task_changed(self, t: object, previous: object) -> None:
            recorder.task_changed(t, previous)  # type: ignore[arg-type]

        def worker_changed(self, w: object, previous: object) -> None:
            recorder.worker_changed(w, previous)  # type: ignore[arg-type]

        def task_updated(self, t: object) -> None:
            updates.append((ctx.now - T0, t.progress, list(t.stream)))  # type: ignore[attr-defined]

    pool.observer = Updates()
    pool.submit(task(ctx, "a", "xy"))
    run(ctx, 30)
    assert [at for at, _, _ in updates] == pytest.approx([20 + 4 / 3, 22, 20 + 8 / 3])
    assert updates[1][1] == {"step": 1, "of": 1}
    assert updates[-1][2] == ["x", "y"]
    assert recorder.task_times("completed") == {"a": 24}


def test_queue_delay_per_job_scales_for_every_late_task_at_once() -> None:
    ctx = world()
    behaviour = {"cold_start": 20, "execution": 100, "shutdown": 0}
    pool, _ = make_pool(
        ctx, behaviour=behaviour, max_workers=10, policy=QueueDelay(4, step="per_job")
    )
    for name in "abcde":
        pool.submit(task(ctx, name))
    run(ctx, 1)
    for name in "fg":
        pool.submit(task(ctx, name))
    assert pool.active == 1
    run(ctx, 2.9)  # t=3.9: nobody has waited 4 s yet
    assert pool.active == 1
    run(ctx, 0.1)  # t=4: a-e are late, one worker is already starting for them
    assert pool.active == 5
    run(ctx, 1)  # t=5: f and g are late too
    assert pool.active == 7
    run(ctx, 200)
    assert pool.running == 0


def test_retire_replaces_workers_after_they_finish_their_tasks() -> None:
    ctx = world()
    pool, rec = make_pool(ctx, behaviour=FAST, min_workers=2, max_workers=2, policy=RequestCount(1))
    pool.prewarm()
    pool.submit(task(ctx, "a"))
    busy = next(w.id for w in pool.workers.values() if w.tasks)
    idle = next(w.id for w in pool.workers.values() if not w.tasks)
    assert pool.retire([busy, idle, "unknown"]) == 2
    # the idle one is gone at once, the busy one drains; both are replaced cold
    assert pool.workers[busy].state == WorkerState.DRAINING
    assert idle not in pool.workers
    assert sorted(w for w in pool.workers if w not in (busy,)) == ["w3", "w4"]
    assert pool.retire([busy]) == 0  # already on its way out
    run(ctx, 30)
    assert rec.task_times("completed") == {"a": 5}
    assert sorted(pool.workers) == ["w3", "w4"]
    assert {w.state for w in pool.workers.values()} == {WorkerState.IDLE}
