"""Autoscaling as pure functions: desired worker count from load, policy and bounds.

Policies:

- :class:`QueueDelay` (RunPod ``QUEUE_DELAY``, PPIO ``queue``): with no workers, the first queued
  task adds one; after that, while the oldest queued task has waited ``seconds`` or more and
  more tasks wait than workers are starting up, add one worker per ``seconds``. With
  ``step="per_job"``: one worker for every task that has waited ``seconds`` (less the workers
  already starting), at once.
- :class:`RequestCount` (RunPod ``REQUEST_COUNT``, PPIO ``concurrency``):
  ``ceil((queued + running) / per_worker)``, or ``ceil(queued / per_worker)`` when
  ``include_running`` is False.
- :class:`Fixed` (Yotta ``workers``): exactly ``count``.

Scale-down is driven by idle timers: an idle worker past its idle timeout retires when the pool
has more active workers than :func:`desired_workers` asks for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class QueueDelay:
    """Add a worker when the oldest queued task has waited longer than ``seconds``.

    ``step`` says how many: ``"one"`` per ``seconds``, or ``"per_job"`` one per late task.
    """

    seconds: float
    step: Literal["one", "per_job"] = "one"


@dataclass(frozen=True, slots=True)
class RequestCount:
    """One worker per ``per_worker`` tasks queued (and running, unless told otherwise)."""

    per_worker: int
    include_running: bool = True


@dataclass(frozen=True, slots=True)
class Fixed:
    """Exactly ``count`` workers, whatever the load."""

    count: int


Policy = QueueDelay | RequestCount | Fixed


@dataclass(slots=True)
class Load:
    """What the scaler sees at one instant (times are absolute emulator times).

    A snapshot, never changed once built; not ``frozen`` only because a frozen dataclass costs
    several times more to build, and the pool builds one on every scaling decision.
    """

    queued: int
    running: int
    active: int
    busy: int
    starting: int = 0
    now: float = 0.0
    oldest_queued_at: float | None = None
    last_step: float = -math.inf
    overdue: int = 0  # queued tasks that waited the QueueDelay (counted for step="per_job")
    next_overdue_at: float = math.inf  # when the next queued task becomes overdue (per_job)


def _late_at(policy: QueueDelay, load: Load) -> float:
    """When a step becomes possible: the oldest task is late and the last step is old enough."""
    oldest = load.oldest_queued_at if load.oldest_queued_at is not None else math.inf
    return max(oldest + policy.seconds, load.last_step + policy.seconds)


# The bounds are plain parameters, not keyword-only: the pool calls these functions on every
# scaling decision, and a call with keywords costs noticeably more.


def demand_target(
    policy: RequestCount | Fixed, queued: int, running: int, minimum: int, maximum: int
) -> int:
    """:func:`desired_workers` of the policies that need no timing: from two counters alone."""
    if isinstance(policy, Fixed):
        return max(0, policy.count)
    demand = queued + (running if policy.include_running else 0)
    return max(minimum, min(maximum, math.ceil(demand / max(1, policy.per_worker))))


def settled_target(busy: int, minimum: int, maximum: int) -> int:
    """:func:`desired_workers` of a :class:`QueueDelay` with nothing queued: the busy workers.

    Time alone cannot change it (:func:`next_check` has nothing to wait for), so the pool needs
    no :class:`Load` for it.
    """
    return max(minimum, min(maximum, busy))


def desired_workers(policy: Policy, load: Load, minimum: int, maximum: int) -> int:
    """How many active workers the pool should have now."""
    if not isinstance(policy, QueueDelay):
        return demand_target(policy, load.queued, load.running, minimum, maximum)
    if load.queued == 0:
        return settled_target(load.busy, minimum, maximum)
    if load.active == 0:
        want = 1
    elif policy.step == "per_job":
        want = load.active + max(0, load.overdue - load.starting)
    elif load.queued > load.starting and load.now >= _late_at(policy, load):
        want = load.active + 1
    else:
        want = load.active
    return max(minimum, min(maximum, want))


def next_check(policy: Policy, load: Load, maximum: int) -> float | None:
    """The emulator time at which time alone could change :func:`desired_workers`, if any.

    Absolute times on purpose: "late" and "due" then use the very same comparison, so a check
    never fires a hair before the threshold and re-arms itself at the same instant.
    """
    if (
        not isinstance(policy, QueueDelay)
        or load.active == 0
        or load.active >= maximum
        or load.queued <= load.starting
    ):
        return None
    due = load.next_overdue_at if policy.step == "per_job" else _late_at(policy, load)
    return due if load.now < due < math.inf else None
