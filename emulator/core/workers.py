"""The generic worker: provisioning → initializing → idle ⇄ running → draining → terminated.

Side states: ``throttled`` (no capacity to place it) and ``unhealthy`` (failed start, crash loop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from emulator.core.engine import Event
from emulator.core.tasks import Task


class WorkerState(StrEnum):
    """Generic worker states; each vendor maps them to its own words."""

    PROVISIONING = "provisioning"
    THROTTLED = "throttled"
    INITIALIZING = "initializing"
    IDLE = "idle"
    RUNNING = "running"
    DRAINING = "draining"
    UNHEALTHY = "unhealthy"
    TERMINATED = "terminated"


@dataclass(slots=True, eq=False)
class Worker:
    """One (simulated or external) worker of an endpoint; ``data`` holds vendor details."""

    id: str
    created_at: float
    state: WorkerState = WorkerState.PROVISIONING
    since: float = 0.0
    ready_at: float | None = None
    idle_since: float | None = None
    terminated_at: float | None = None
    external: bool = False
    placed: bool = False
    restarts: int = 0
    tasks: dict[str, Task] = field(default_factory=dict)
    timer: Event | None = None
    idle_timer: Event | None = None
    data: Any = None

    @property
    def ready(self) -> bool:
        """Up and able to take (or already running) tasks."""
        return self.state in (WorkerState.IDLE, WorkerState.RUNNING)

    def uptime(self, now: float) -> float:
        """Seconds since it became ready (0 if it never did)."""
        if self.ready_at is None:
            return 0.0
        end = self.terminated_at if self.terminated_at is not None else now
        return max(0.0, end - self.ready_at)
