"""Finite capacity to place workers (a GPU market); workers beyond it wait ``throttled``."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from emulator.core.workers import Worker, WorkerState


class Capacity:
    """``slots`` places (None = unlimited); waiters are granted in arrival order."""

    def __init__(self, slots: int | None = None, name: str = "") -> None:
        self.name = name
        self.slots = slots
        self.used = 0
        self._waiting: deque[tuple[Worker, Callable[[Worker], Any]]] = deque()

    @property
    def free(self) -> int | None:
        """Places left (None = unlimited)."""
        return None if self.slots is None else max(0, self.slots - self.used)

    @property
    def waiting(self) -> int:
        """Workers still waiting for a place."""
        return sum(1 for worker, _ in self._waiting if worker.state == WorkerState.THROTTLED)

    def request(self, worker: Worker, on_granted: Callable[[Worker], Any]) -> bool:
        """Place ``worker`` now (True) or queue it until a place frees (False)."""
        if self.slots is None or self.used < self.slots:
            self.used += 1
            worker.placed = True
            return True
        self._waiting.append((worker, on_granted))
        return False

    def release(self, worker: Worker) -> None:
        """Give back ``worker``'s place and hand it to the next waiter."""
        if worker.placed:
            worker.placed = False
            self.used -= 1
        self._grant()

    def resize(self, slots: int | None) -> None:
        """Change the number of places; growing grants waiters at once."""
        self.slots = slots
        self._grant()

    def _grant(self) -> None:
        while self._waiting and (self.slots is None or self.used < self.slots):
            worker, on_granted = self._waiting.popleft()
            if worker.state != WorkerState.THROTTLED:
                continue  # retired while it waited
            self.used += 1
            worker.placed = True
            on_granted(worker)
