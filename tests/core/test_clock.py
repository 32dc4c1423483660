"""Clocks: manual moves only when told; system follows wall time times speed."""

from __future__ import annotations

import pickle

import pytest

from emulator.core import clock as clock_module
from emulator.core.clock import ManualClock, SystemClock, make_clock


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(1000.0)
    assert clock.now() == 1000.0
    clock.advance(2.5)
    assert clock.now() == 1002.5
    clock.set(1010.0)
    assert clock.now() == 1010.0
    assert clock.wall_seconds_until(1010.0) == 0.0
    assert clock.wall_seconds_until(1011.0) == float("inf")


def test_manual_clock_never_runs_backwards() -> None:
    clock = ManualClock(1000.0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(999.0)


def test_system_clock_scales_wall_time(monkeypatch: pytest.MonkeyPatch) -> None:
    wall = [100.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: wall[0])
    clock = SystemClock(speed=10.0, start=5000.0)
    wall[0] += 1.5
    assert clock.now() == pytest.approx(5015.0)
    clock.advance(60)
    assert clock.now() == pytest.approx(5075.0)
    assert clock.wall_seconds_until(5085.0) == pytest.approx(1.0)


def test_system_clock_pickles_as_its_emulator_time(monkeypatch: pytest.MonkeyPatch) -> None:
    wall = [100.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: wall[0])
    clock = SystemClock(start=2000.0)
    wall[0] += 30
    restored = pickle.loads(pickle.dumps(clock))
    assert restored.now() == pytest.approx(2030.0)
    assert restored.speed == 1.0


def test_make_clock_defaults_manual_to_a_fixed_start() -> None:
    manual = make_clock("manual")
    assert manual.mode == "manual"
    assert manual.now() == clock_module.DEFAULT_MANUAL_START
    assert make_clock("real", speed=2.0).speed == 2.0


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SystemClock(speed=0)
