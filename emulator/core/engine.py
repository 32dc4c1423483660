"""Discrete-event scheduler: a heap of timed events applied in (time, insertion) order.

Every future change in the simulation is an :class:`Event`. ``run_until(t)`` applies all events
due by ``t``; handlers may schedule and cancel further events. Callbacks are bound methods or
module-level functions (never lambdas) so that a pending heap can be persisted with the state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any, Protocol

log = logging.getLogger("emulator.engine")

_PENDING, _FIRED, _CANCELLED = 0, 1, 2


class Scope(Protocol):
    """An owner of events; when it dies (a tenant reset) its events are dropped unseen."""

    alive: bool


class Event:
    """A scheduled callback; keep the handle to cancel it."""

    __slots__ = ("_status", "args", "callback", "scope", "time")

    def __init__(
        self, time: float, callback: Callable[..., Any], args: tuple[Any, ...], scope: Scope | None
    ) -> None:
        self.time = time
        self.callback = callback
        self.args = args
        self.scope = scope
        self._status = _PENDING

    @property
    def pending(self) -> bool:
        """True until the event fires or is cancelled."""
        return self._status == _PENDING

    def __repr__(self) -> str:
        name = getattr(self.callback, "__qualname__", repr(self.callback))
        return f"<Event t={self.time:.3f} {name} status={self._status}>"

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.time, self.callback, self.args, self.scope, self._status)

    def __setstate__(self, data: tuple[Any, ...]) -> None:
        self.time, self.callback, self.args, self.scope, self._status = data


# Engine.push fills the slots itself: an ``__init__`` call costs more than the rest of a push.
_new_event = Event.__new__


class Engine:
    """The event heap plus the simulation's notion of *now*."""

    def __init__(self, start: float) -> None:
        self.now = float(start)
        self._heap: list[tuple[float, int, Event]] = []
        self._seq = 0
        self._cancelled = 0
        self.processed = 0
        # Runtime hooks, not simulation state: excluded from pickling.
        self.on_schedule: Callable[[float], None] | None = None
        self.on_error: Callable[[BaseException, Event], None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        data["on_schedule"] = None
        data["on_error"] = None
        return data

    def at(
        self, time: float, callback: Callable[..., Any], *args: Any, scope: Scope | None = None
    ) -> Event:
        """Schedule ``callback(*args)`` at emulator time ``time`` (a past time means now)."""
        return self.push(time, callback, args, scope)

    def after(
        self, delay: float, callback: Callable[..., Any], *args: Any, scope: Scope | None = None
    ) -> Event:
        """Schedule ``callback(*args)`` ``delay`` seconds from now."""
        return self.push(self.now + delay, callback, args, scope)

    def push(
        self, time: float, callback: Callable[..., Any], args: tuple[Any, ...], scope: Scope | None
    ) -> Event:
        """:meth:`at` with the arguments as one tuple (the hot path of every world)."""
        now = self.now
        if time < now:
            time = now
        event = _new_event(Event)
        event.time = time
        event.callback = callback
        event.args = args
        event.scope = scope
        event._status = _PENDING
        self._seq = seq = self._seq + 1
        heappush(self._heap, (time, seq, event))
        if self.on_schedule is not None:
            self.on_schedule(time)
        return event

    def cancel(self, event: Event | None) -> None:
        """Cancel a pending event (no-op for fired, cancelled or ``None``)."""
        if event is None or event._status != _PENDING:
            return
        event._status = _CANCELLED
        event.args = ()  # a cancelled event waits in the heap: let what it referred to go
        self._cancelled += 1
        if self._cancelled > 1024 and self._cancelled * 2 > len(self._heap):
            self._compact()

    def _compact(self) -> None:
        # In place: a run_until in progress holds this very list.
        heap = self._heap
        heap[:] = [entry for entry in heap if entry[2]._status == _PENDING]
        heapify(heap)
        self._cancelled = 0

    def next_time(self) -> float | None:
        """Time of the earliest pending event, if any."""
        heap = self._heap
        while heap:
            event = heap[0][2]
            if event._status == _PENDING and (event.scope is None or event.scope.alive):
                return heap[0][0]
            heappop(heap)
            if event._status == _CANCELLED:
                self._cancelled -= 1
        return None

    def earliest(self) -> float | None:
        """Time of the first heap entry, even a cancelled one, without popping anything (a
        conservative look that another thread may take while the loop runs)."""
        try:
            return self._heap[0][0]
        except IndexError:
            return None

    def pending(self) -> int:
        """Number of events still to fire (including ones whose scope died)."""
        return len(self._heap) - self._cancelled

    def run_until(self, t: float, pause: Callable[[], object] | None = None) -> bool:
        """Apply every event due by ``t`` in order; returns True if ``pause()`` stopped it early."""
        heap = self._heap
        pop = heappop
        processed = 0  # counted locally, added up once: one attribute update less per event
        try:
            while heap and heap[0][0] <= t:
                time, _, event = pop(heap)
                if event._status != _PENDING:
                    self._cancelled -= 1
                    continue
                event._status = _FIRED
                scope = event.scope
                if scope is not None and not scope.alive:
                    continue
                if time > self.now:
                    self.now = time
                processed += 1
                try:
                    event.callback(*event.args)
                except Exception as exc:  # one broken handler must not wedge the simulation
                    if self.on_error is None:
                        raise
                    self.on_error(exc, event)
                if pause is not None and pause():
                    return True
        finally:
            self.processed += processed
        if t > self.now:
            self.now = t
        return False

    def pending_events(self) -> list[Event]:
        """Pending events in firing order (for inspection; O(n log n))."""
        live = [entry for entry in self._heap if entry[2]._status == _PENDING]
        return [entry[2] for entry in sorted(live, key=lambda entry: (entry[0], entry[1]))]
