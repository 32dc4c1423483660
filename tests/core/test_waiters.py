"""Waiting for a change: woken by notify, by the emulator clock, or by wall time."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from emulator.core.waiters import Waiters
from tests.support.sim import world

pytestmark = pytest.mark.anyio


async def test_notify_wakes_every_waiter_with_true() -> None:
    ctx = world()
    waiters = Waiters(ctx)
    first = asyncio.ensure_future(waiters.wait("t1", emulator_seconds=60, wall_seconds=10))
    second = asyncio.ensure_future(waiters.wait("t1", emulator_seconds=None, wall_seconds=10))
    await asyncio.sleep(0)
    assert waiters.waiting("t1") == 2
    waiters.notify("t1")
    assert await first is True
    assert await second is True
    assert waiters.waiting("t1") == 0
    assert ctx.sim.engine.pending() == 0


async def test_the_emulator_clock_ends_a_wait() -> None:
    ctx = world()
    waiters = Waiters(ctx)
    waiting = asyncio.ensure_future(waiters.wait("t1", emulator_seconds=30, wall_seconds=10))
    await asyncio.sleep(0)
    await ctx.sim.advance(29)
    assert not waiting.done()
    await ctx.sim.advance(1)
    assert await waiting is False


async def test_wall_time_ends_a_wait_nobody_advances() -> None:
    waiters = Waiters(world())
    assert await waiters.wait("t1", emulator_seconds=3600, wall_seconds=0.01) is False
    assert waiters.waiting("t1") == 0


async def test_waiters_pickle_without_their_connections() -> None:
    ctx = world()
    waiters = Waiters(ctx)
    waiting = asyncio.ensure_future(waiters.wait("t1", emulator_seconds=30, wall_seconds=10))
    await asyncio.sleep(0)
    restored = pickle.loads(pickle.dumps(waiters))
    assert restored.waiting("t1") == 0
    waiters.notify("t1")
    assert await waiting is True
