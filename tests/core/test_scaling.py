"""Scaling policies as pure functions."""

from __future__ import annotations

import math

import pytest

from emulator.core.scaling import Fixed, Load, QueueDelay, RequestCount, desired_workers, next_check


def load(**fields: float) -> Load:
    base: dict[str, float] = {"queued": 0, "running": 0, "active": 0, "busy": 0, "starting": 0}
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
    waiting = load(queued=3, active=1, starting=1, now=103.9, oldest_queued_at=100)
    assert desired_workers(QueueDelay(4), waiting, minimum=0, maximum=3) == 1
    late = load(queued=3, active=1, starting=1, now=104, oldest_queued_at=100)
    assert desired_workers(QueueDelay(4), late, minimum=0, maximum=3) == 2


def test_queue_delay_steps_at_most_once_per_delay() -> None:
    recent = load(queued=3, active=2, starting=2, now=106, oldest_queued_at=100, last_step=105)
    assert desired_workers(QueueDelay(4), recent, minimum=0, maximum=5) == 2
    assert next_check(QueueDelay(4), recent, maximum=5) == 109
    assert next_check(QueueDelay(4), recent, maximum=2) is None


def test_queue_delay_does_not_add_while_enough_workers_are_starting() -> None:
    covered = load(queued=1, active=1, starting=1, now=130, oldest_queued_at=100)
    assert desired_workers(QueueDelay(4), covered, minimum=0, maximum=5) == 1
    assert next_check(QueueDelay(4), covered, maximum=5) is None


def test_queue_delay_empty_queue_keeps_only_busy_workers() -> None:
    assert desired_workers(QueueDelay(4), load(active=3, busy=1), minimum=0, maximum=5) == 1


def test_next_check_is_when_the_oldest_task_turns_late() -> None:
    state = load(queued=2, active=1, now=101.5, oldest_queued_at=100, last_step=-math.inf)
    assert next_check(QueueDelay(4), state, maximum=3) == 104
    assert next_check(RequestCount(1), load(queued=2, active=1), maximum=3) is None


def test_next_check_never_returns_the_present() -> None:
    # A float sum a hair below the threshold must not produce a check at "now" forever.
    now = 9.18465152150528
    state = load(queued=2, active=1, now=now, oldest_queued_at=now - 3.999999999999999)
    due = next_check(QueueDelay(4), state, maximum=5)
    assert due is None or due > now


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
    late = load(queued=5, active=1, busy=1, starting=0, now=100, overdue=3, next_overdue_at=102)
    assert desired_workers(policy, late, minimum=0, maximum=10) == 4
    covered = load(queued=5, active=4, busy=1, starting=3, now=100, overdue=3)
    assert desired_workers(policy, covered, minimum=0, maximum=10) == 4
    assert next_check(policy, late, maximum=10) == 102
    assert next_check(policy, load(queued=5, active=1, now=100, overdue=5), maximum=10) is None
