"""The simulation shared by all tenants, and the slice of it one vendor world sees."""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal

from emulator.core.clock import Clock
from emulator.core.engine import Engine, Event
from emulator.core.execution import Behaviour
from emulator.core.faults import Faults
from emulator.core.ids import Ids, derive_rng
from emulator.core.runtime import Runtime
from emulator.core.tenants import Tenant
from emulator.core.webhooks import Delivery, WebhookDispatcher

# How long a manual-clock advance waits for in-flight I/O (webhooks, forwarded tasks) to answer
# before moving time past it.
SETTLE_TIMEOUT = 30.0


class Simulation:
    """Clock, event engine, async runtime, webhook dispatcher, named behaviours, fault rules."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int,
        webhook_timeout: float = 10.0,
        webhook_log_size: int = 1000,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.engine = Engine(clock.now())
        runtime = Runtime()
        self.webhooks = WebhookDispatcher(
            self.engine, runtime, timeout=webhook_timeout, log_size=webhook_log_size
        )
        self.behaviours: dict[str, Behaviour] = {"default": Behaviour()}
        self.faults = Faults(derive_rng(seed, "faults"))
        self.attach_runtime(runtime)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "runtime"}

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        self.attach_runtime(Runtime())

    def attach_runtime(self, runtime: Runtime) -> None:
        """Bind the simulation to the event loop's runtime (fresh app, or a restored state)."""
        self.runtime = runtime
        self.webhooks.runtime = runtime
        # Only a flowing clock has a ticker to wake; a manual one moves through advance() alone.
        self.engine.on_schedule = runtime.wake if self.clock.mode == "real" else None

    @property
    def now(self) -> float:
        """The simulation's present (never behind the last applied event)."""
        return self.engine.now

    def sync(self) -> None:
        """Apply every event due by the clock's present."""
        self.engine.run_until(self.clock.now())

    async def advance(self, seconds: float) -> int:
        """Move the clock forward, applying events in order and letting I/O answer on the way.

        Webhook deliveries and forwarded tasks started by an event are awaited (up to
        ``SETTLE_TIMEOUT``) before time moves past them, so retries scheduled by their outcome
        fire inside the same advance. Returns the number of events applied.
        """
        self.sync()
        target = self.engine.now + seconds
        before = self.engine.processed
        runtime = self.runtime
        wait_for_io = True
        while True:
            if wait_for_io and runtime.busy:
                # Outcomes of in-flight I/O may schedule events before the target (retries).
                # A receiver that never answers must not stall time for good: stop waiting.
                wait_for_io = await runtime.settle(SETTLE_TIMEOUT)
                continue
            pause = runtime.busy_probe() if wait_for_io else None
            if not self.engine.run_until(target, pause=pause):
                break
        jump = target - self.clock.now()
        if jump > 0:
            self.clock.advance(jump)
        return self.engine.processed - before

    def behaviour(self, ref: str | Mapping[str, Any] | Behaviour | None) -> Behaviour:
        """Resolve a behaviour: a name from the fixtures, an inline mapping (on top of default)."""
        if ref is None:
            return self.behaviours["default"]
        if isinstance(ref, Behaviour):
            return ref
        if isinstance(ref, str):
            try:
                return self.behaviours[ref]
            except KeyError:
                raise KeyError(f"unknown behaviour {ref!r}") from None
        base = self.behaviours["default"]
        extends = ref.get("extends")
        if isinstance(extends, str):
            base = self.behaviour(extends)
        return base.merged({k: v for k, v in ref.items() if k != "extends"})


class WorldContext:
    """What one tenant's vendor world may use: time, events, its own RNG and ids, webhooks."""

    __slots__ = ("_sim", "engine", "ids", "rng", "tenant", "vendor")

    def __init__(self, vendor: str, tenant: Tenant, sim: Simulation) -> None:
        self.vendor = vendor
        self.tenant = tenant
        self.sim = sim
        self.rng: random.Random = derive_rng(sim.seed, vendor, tenant.key)
        self.ids = Ids(self.rng)

    @property
    def sim(self) -> Simulation:
        """The simulation this world lives in."""
        return self._sim

    @sim.setter
    def sim(self, sim: Simulation) -> None:
        self._sim = sim
        self.engine = sim.engine  # the hot path of every world: one attribute away

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.vendor, self.tenant, self._sim, self.rng, self.ids, self.engine)

    def __setstate__(self, data: tuple[Any, ...]) -> None:
        self.vendor, self.tenant, self._sim, self.rng, self.ids, self.engine = data

    @property
    def now(self) -> float:
        """The simulation's present."""
        return self.engine.now

    def at(self, time: float, callback: Callable[..., Any], *args: Any) -> Event:
        """Schedule a callback owned by this tenant (dropped if the tenant is reset)."""
        return self.engine.push(time, callback, args, self.tenant)

    def after(self, delay: float, callback: Callable[..., Any], *args: Any) -> Event:
        """Schedule a callback ``delay`` seconds from now."""
        engine = self.engine
        return engine.push(engine.now + delay, callback, args, self.tenant)

    def cancel(self, event: Event | None) -> None:
        """Cancel a pending event."""
        if event is not None:
            self.engine.cancel(event)

    def behaviour(self, ref: str | Mapping[str, Any] | Behaviour | None) -> Behaviour:
        """Resolve a behaviour reference (see :meth:`Simulation.behaviour`)."""
        return self.sim.behaviour(ref)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run network I/O in the background."""
        self.sim.runtime.spawn(coro)

    @property
    def runtime(self) -> Runtime:
        """The async runtime (HTTP client for forwarding)."""
        return self.sim.runtime

    def webhook(
        self,
        url: str,
        payload: Any,
        *,
        headers: dict[str, str] | None = None,
        retry_delays: tuple[float, ...] = (),
        accept: Literal["2xx", "200"] = "2xx",
        subject: str = "",
        on_done: Callable[[Delivery], None] | None = None,
        prepare: Callable[[Delivery], Any] | None = None,
    ) -> Delivery:
        """Deliver a webhook now, with retries on the emulator clock.

        ``prepare`` (a bound method or module-level function) rebuilds the payload per attempt.
        """
        return self.sim.webhooks.send(
            vendor=self.vendor,
            tenant=self.tenant.key,
            url=url,
            payload=payload,
            headers=headers,
            retry_delays=retry_delays,
            accept=accept,
            subject=subject,
            on_done=on_done,
            scope=self.tenant,
            prepare=prepare,
        )
