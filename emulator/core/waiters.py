"""Let a request handler await a change to an object (a task finishing) without blocking serving.

A handler calls ``await waiters.wait(key, emulator_seconds=..., wall_seconds=...)``; the vendor
backend calls ``waiters.notify(key)`` when the object changes. The wait also ends when the
emulator clock has moved ``emulator_seconds`` on (an engine event) or when ``wall_seconds`` of
real time passed — so a manual clock nobody advances cannot hang a client longer than the real
API's own timeout would.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.core.context import WorldContext


class Waiters:
    """Futures keyed by object id; never persisted (they belong to open connections)."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self._by_key: dict[str, dict[int, asyncio.Future[bool]]] = {}
        self._next = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"ctx": self.ctx, "_next": self._next}

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        self._by_key = {}

    def notify(self, key: str) -> None:
        """Wake every handler waiting on ``key`` (they return True)."""
        waiting = self._by_key.pop(key, None)
        if waiting is None:  # the usual case: nobody long-polls on this key
            return
        for future in waiting.values():
            if not future.done():
                future.set_result(True)

    def waiting(self, key: str) -> int:
        """How many handlers wait on ``key``."""
        return len(self._by_key.get(key, ()))

    async def wait(
        self, key: str, *, emulator_seconds: float | None, wall_seconds: float | None
    ) -> bool:
        """Wait for ``notify(key)``; False if a time limit passed first."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._next += 1
        token = self._next
        self._by_key.setdefault(key, {})[token] = future
        deadline = (
            self.ctx.after(emulator_seconds, self._expire, key, token)
            if emulator_seconds is not None
            else None
        )
        try:
            return await asyncio.wait_for(future, timeout=wall_seconds)
        except TimeoutError:
            return False
        finally:
            self.ctx.cancel(deadline)
            self._forget(key, token)

    def _expire(self, key: str, token: int) -> None:
        future = self._by_key.get(key, {}).get(token)
        if future is not None and not future.done():
            future.set_result(False)

    def _forget(self, key: str, token: int) -> None:
        waiting = self._by_key.get(key)
        if waiting is not None:
            waiting.pop(token, None)
            if not waiting:
                del self._by_key[key]
