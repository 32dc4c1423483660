"""The generic task: queued → running → completed | failed | cancelled | timed_out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from emulator.core.engine import Event


class TaskState(StrEnum):
    """Generic task states; each vendor maps them to its own words."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


TERMINAL = frozenset(
    {TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED, TaskState.TIMED_OUT}
)


@dataclass(slots=True, eq=False)
class Task:
    """A unit of work for an endpoint's workers; ``data`` holds the vendor's own record."""

    id: str
    input: Any
    created_at: float
    low_priority: bool = False
    execution_timeout: float | None = None
    state: TaskState = TaskState.QUEUED
    queued_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    worker_id: str | None = None
    output: Any = None
    error: str | None = None
    retries: int = 0
    progress: Any = None
    stream: list[Any] = field(default_factory=list)
    timer: Event | None = None
    data: Any = None

    @property
    def terminal(self) -> bool:
        """True once the task can no longer change state."""
        return self.state in TERMINAL

    def wait_seconds(self, now: float) -> float:
        """Time spent queued before starting (so far, if still queued)."""
        end = self.started_at if self.started_at is not None else now
        return max(0.0, end - self.queued_at)

    def run_seconds(self, now: float) -> float | None:
        """Time spent running (so far, if still running); None if it never started."""
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else now
        return max(0.0, end - self.started_at)

    def drain_stream(self) -> list[Any]:
        """Hand out the buffered stream chunks and forget them."""
        chunks, self.stream = self.stream, []
        return chunks
