"""Scaling policies as pure functions."""

from __future__ import annotations

import pytest

from emulator.core.scaling import Fixed, Load, QueueDelay, RequestCount, desired_workers, next_check


def load(**fields: float) -> Load:
    base = {"queued": 0, "running": 0, "oldest_wait": 0.0, "active": 0, "busy": 0, "starting": 0}
    base.update(fields)
    return Load(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("queued", "running", "per_worker", "expected"),
    [(0, 0, 1, 0), (1, 0, 1, 1), (3, 2, 2, 3), (7, 0, 3, 3), (100, 0, 1, 10)],
)
def test_request_count_is_ceil_of_queued_plus_running(
    queued: int, running: int, per_worker: int, expected: int
) -> None:
    got = desired_workers(
        RequestCount(per_worker), load(queued=queued, running=running), minimum=0, maximum=10
    )
    assert got == expected


def test_bounds_clamp_every_policy() -> None:
    assert desired_workers(RequestCount(1), load(queued=50), minimum=0, maximum=3) == 3
    assert desired_workers(RequestCount(1), load(), minimum=2, maximum=3) == 2
    assert desired_workers(QueueDelay(4), load(), minimum=1, maximum=3) == 1


def test_fixed_ignores_load_and_bounds() -> None:
    assert desired_workers(Fixed(4), load(queued=100), minimum=0, maximum=1) == 4


def test_queue_delay_first_task_adds_a_worker_at_once() -> None:
    assert desired_workers(QueueDelay(4), load(queued=1), minimum=0, maximum=3) == 1


def test_queue_delay_holds_until_the_oldest_task_is_late() -> None:
    state = load(queued=3, active=1, starting=1, oldest_wait=3.9)
    assert desired_workers(QueueDelay(4), state, minimum=0, maximum=3) == 1
    late = load(queued=3, active=1, starting=1, oldest_wait=4.0)
    assert desired_workers(QueueDelay(4), late, minimum=0, maximum=3) == 2


def test_queue_delay_steps_at_most_once_per_delay() -> None:
    recent = load(queued=3, active=2, starting=2, oldest_wait=6, since_step=1)
    assert desired_workers(QueueDelay(4), recent, minimum=0, maximum=5) == 2
    assert next_check(QueueDelay(4), recent, maximum=5) == 3
    assert next_check(QueueDelay(4), recent, maximum=2) is None


def test_queue_delay_does_not_add_while_enough_workers_are_starting() -> None:
    covered = load(queued=1, active=1, starting=1, oldest_wait=30)
    assert desired_workers(QueueDelay(4), covered, minimum=0, maximum=5) == 1
    assert next_check(QueueDelay(4), covered, maximum=5) is None


def test_queue_delay_empty_queue_keeps_only_busy_workers() -> None:
    assert desired_workers(QueueDelay(4), load(active=3, busy=1), minimum=0, maximum=5) == 1


def test_next_check_is_when_the_oldest_task_turns_late() -> None:
    assert next_check(QueueDelay(4), load(queued=2, active=1, oldest_wait=1.5), maximum=3) == 2.5
    assert next_check(RequestCount(1), load(queued=2, active=1), maximum=3) is None


@pytest.mark.parametrize(
    ("queued", "running", "per_worker", "expected"),
    [(0, 5, 1, 0), (1, 3, 1, 1), (5, 2, 2, 3), (8, 8, 4, 2)],
)
def test_request_count_can_ignore_running_tasks(
    queued: int, running: int, per_worker: int, expected: int
) -> None:
    policy = RequestCount(per_worker, include_running=False)
    got = desired_workers(policy, load(queued=queued, running=running), minimum=0, maximum=10)
    assert got == expected


def test_queue_delay_per_job_adds_a_worker_for_every_late_task_less_those_starting() -> None:
    policy = QueueDelay(4, step="per_job")
    late = load(queued=5, active=1, busy=1, starting=0, oldest_wait=9, overdue=3, next_overdue=2)
    assert desired_workers(policy, late, minimum=0, maximum=10) == 4
    covered = load(queued=5, active=4, busy=1, starting=3, oldest_wait=9, overdue=3)
    assert desired_workers(policy, covered, minimum=0, maximum=10) == 4
    assert next_check(policy, late, maximum=10) == 2
    assert next_check(policy, load(queued=5, active=1, overdue=5), maximum=10) is None
