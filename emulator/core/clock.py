"""Clocks: the only source of time in the emulator (epoch seconds as floats)."""

from __future__ import annotations

import time
from typing import Literal, Protocol

ClockMode = Literal["real", "manual"]


class Clock(Protocol):
    """What the engine needs from a clock."""

    @property
    def mode(self) -> ClockMode: ...

    @property
    def speed(self) -> float: ...

    def now(self) -> float:
        """Current emulator time, epoch seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of emulator time."""
        ...

    def wall_seconds_until(self, t: float) -> float:
        """Wall-clock seconds until emulator time ``t`` (inf when time never flows)."""
        ...


class ManualClock:
    """Time moves only when told to: ``advance()`` or ``set()``."""

    mode: ClockMode = "manual"
    speed: float = 0.0

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        """Current emulator time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move forward; negative steps are refused (time never runs backwards)."""
        if seconds < 0:
            raise ValueError("cannot advance the clock by a negative amount")
        self._now += seconds

    def set(self, t: float) -> None:
        """Move to ``t``; earlier times are refused."""
        if t < self._now:
            raise ValueError("cannot move the clock backwards")
        self._now = float(t)

    def wall_seconds_until(self, t: float) -> float:
        """A manual clock never reaches a future time on its own."""
        return 0.0 if t <= self._now else float("inf")


class SystemClock:
    """Wall time scaled by ``speed`` from ``start``; ``advance()`` adds a jump on top."""

    mode: ClockMode = "real"

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._origin = time.time() if start is None else float(start)
        self._t0 = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        """Origin + elapsed wall time times speed + any jumps."""
        return self._origin + (time.monotonic() - self._t0) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward (time travel) on top of the flowing clock."""
        if seconds < 0:
            raise ValueError("cannot advance the clock by a negative amount")
        self._offset += seconds

    def wall_seconds_until(self, t: float) -> float:
        """Wall seconds until emulator time ``t`` at the current speed."""
        return max(0.0, (t - self.now()) / self.speed)

    def __getstate__(self) -> dict[str, float]:
        # Monotonic readings mean nothing in another process: persist the emulator time instead.
        return {"speed": self.speed, "now": self.now()}

    def __setstate__(self, data: dict[str, float]) -> None:
        self.speed = data["speed"]
        self._origin = data["now"]
        self._t0 = time.monotonic()
        self._offset = 0.0


def make_clock(mode: ClockMode, *, start: float | None = None, speed: float = 1.0) -> Clock:
    """Build the clock for a mode: ``manual`` starts at ``start`` (default 2026-01-01T00:00:00Z)."""
    if mode == "manual":
        return ManualClock(DEFAULT_MANUAL_START if start is None else start)
    return SystemClock(speed=speed, start=start)


DEFAULT_MANUAL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so manual runs are repeatable
