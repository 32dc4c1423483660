"""Async resources bound to the serving event loop: spawned I/O, the HTTP client, the waker.

The simulation itself is synchronous; anything that waits on the network (webhook deliveries,
forwarded tasks) is spawned here so that it never blocks request serving. ``settle()`` lets a
manual-clock advance wait for those answers before moving time past them.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # httpx is imported on first use to keep start-up fast
    import httpx

log = logging.getLogger("emulator.runtime")


class Runtime:
    """Owns in-flight I/O tasks and the shared ``httpx.AsyncClient``."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._client: httpx.AsyncClient | None = None
        self._wakeup: asyncio.Event | None = None
        # The time the ticker sleeps until; only earlier events need to wake it.
        self.next_wake = math.inf

    @property
    def busy(self) -> bool:
        """True while spawned I/O is still in flight."""
        return bool(self._tasks)

    def busy_probe(self) -> Callable[[], int]:
        """A cheap callable that is truthy while I/O is in flight (checked after every event)."""
        return self._tasks.__len__

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` in the background on the current event loop."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())
        self.wake()

    async def settle(self, timeout: float) -> bool:
        """Wait (up to ``timeout`` wall seconds) for in-flight I/O; True if all of it finished."""
        if not self._tasks:
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        return not pending

    def http_client(self) -> httpx.AsyncClient:
        """The shared client (created on first use, inside the loop)."""
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        return self._client

    # -- real-time waker: the background ticker sleeps on this until the next event is due

    def wakeup_event(self) -> asyncio.Event:
        """The event the ticker waits on (created inside the loop)."""
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    def wake(self, time: float | None = None) -> None:
        """Tell the ticker that an event at ``time`` was scheduled (None: always wake it)."""
        if self._wakeup is not None and (time is None or time < self.next_wake):
            self._wakeup.set()

    async def aclose(self) -> None:
        """Cancel in-flight I/O and close the client."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1.0)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
