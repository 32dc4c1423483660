"""The root of all mutable emulator state; one instance hangs off ``app.state``."""

from __future__ import annotations

import logging
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.core.clock import Clock, ClockMode, make_clock
from emulator.core.context import Simulation, WorldContext
from emulator.core.engine import Event
from emulator.core.execution import Behaviour
from emulator.core.journal import Journal
from emulator.core.tenants import AuthMode, Tenant, TenantRegistry

log = logging.getLogger("emulator")


class World(Protocol):
    """One tenant's objects for one vendor (the vendor backend)."""

    def load(self, section: Any) -> None:
        """Add the objects of a fixture section."""

    def dump(self) -> Any:
        """A JSON view of every object, for ``GET /_emulator/state``."""


WorldFactory = Callable[[WorldContext], World]


@dataclass(frozen=True, slots=True)
class Preload:
    """A fixture section to load into a vendor world when it is created."""

    vendor: str
    tenant: str | None  # None: every tenant's world
    section: Any


@dataclass(slots=True)
class ServerError:
    """An unexpected exception inside the emulator (a bug, or a broken event handler)."""

    at: float
    where: str
    message: str
    traceback: str

    def as_json(self) -> dict[str, Any]:
        """The admin API view."""
        return {
            "at": self.at,
            "where": self.where,
            "message": self.message,
            "traceback": self.traceback,
        }


@dataclass(frozen=True, slots=True)
class Startup:
    """How to (re)build the simulation: seed, auth and clock."""

    seed: int = 0
    auth: AuthMode = "open"
    clock: ClockMode = "manual"
    clock_start: float | None = None
    speed: float = 1.0


class EmulatorState:
    """Simulation, tenants, fixtures-to-load, request journal and server errors."""

    def __init__(
        self,
        startup: Startup,
        world_factories: Mapping[str, WorldFactory],
        *,
        journal_size: int = 1000,
        webhook_timeout: float = 10.0,
        webhook_log_size: int = 1000,
    ) -> None:
        self.world_factories = dict(world_factories)
        self.journal = Journal(journal_size)
        self.errors: deque[ServerError] = deque(maxlen=200)
        self.webhook_timeout = webhook_timeout
        self.webhook_log_size = webhook_log_size
        self.preloads: list[Preload] = []
        self.declared: dict[str, str | None] = {}
        self.behaviours: dict[str, Behaviour] = {}
        self.startup = startup
        self.sim, self.tenants = self._build(startup)

    # ------------------------------------------------------------------ building

    def _build(self, startup: Startup) -> tuple[Simulation, TenantRegistry]:
        clock: Clock = make_clock(startup.clock, start=startup.clock_start, speed=startup.speed)
        sim = Simulation(
            clock,
            seed=startup.seed,
            webhook_timeout=self.webhook_timeout,
            webhook_log_size=self.webhook_log_size,
        )
        sim.behaviours.update(self.behaviours)
        sim.engine.on_error = self._event_failed
        tenants = TenantRegistry(startup.auth, self._create_world)
        for key, name in self.declared.items():
            tenants.declare(key, name)
        return sim, tenants

    def _create_world(self, tenant: Tenant, vendor: str) -> World:
        world = self.world_factories[vendor](WorldContext(vendor, tenant, self.sim))
        for preload in self.preloads:
            if preload.vendor == vendor and preload.tenant in (None, tenant.key):
                world.load(preload.section)
        return world

    def reset(self, tenant: str | None = None, startup: Startup | None = None) -> None:
        """Wipe one tenant (recreated from fixtures on its next request) or everything."""
        if tenant is not None:
            self.tenants.drop(tenant)
            return
        self.tenants.drop()
        old_runtime = self.sim.runtime
        self.startup = startup or self.startup
        self.sim, self.tenants = self._build(self.startup)
        self.sim.attach_runtime(old_runtime)

    def adopt(self, other: EmulatorState) -> None:
        """Become ``other`` (a restored snapshot) in place, keeping this object's identity."""
        runtime = self.sim.runtime
        self.__dict__.update(other.__dict__)
        self.tenants._create_world = self._create_world
        self.sim.engine.on_error = self._event_failed
        self.sim.attach_runtime(runtime)
        self.sim.webhooks.resume()
        runtime.wake()

    # ------------------------------------------------------------------ fixtures

    def clear_fixtures(self) -> None:
        """Forget every loaded fixture (the caller loads the startup ones again)."""
        self.preloads.clear()
        self.declared.clear()
        self.behaviours.clear()

    def define_behaviour(self, name: str, behaviour: Behaviour) -> None:
        """Register a named behaviour (``default`` replaces the built-in default)."""
        self.behaviours[name] = behaviour
        self.sim.behaviours[name] = behaviour

    def declare_tenant(self, key: str, name: str | None = None) -> None:
        """Make a key known (required under ``auth: strict``)."""
        self.declared[key] = name
        self.tenants.declare(key, name)

    def preload(self, vendor: str, section: Any, tenant: str | None = None) -> None:
        """Load a vendor fixture section into matching worlds: existing ones now, new ones later."""
        self.preloads.append(Preload(vendor, tenant, section))
        for existing in self.tenants:
            if tenant in (None, existing.key) and vendor in existing.worlds:
                existing.worlds[vendor].load(section)

    # ------------------------------------------------------------------ access

    def world(self, tenant: Tenant, vendor: str) -> Any:
        """The tenant's world for a vendor (created lazily)."""
        return self.tenants.world(tenant, vendor)

    def sync(self) -> None:
        """Bring the simulation up to the clock."""
        self.sim.sync()

    def record_error(self, where: str, exc: BaseException) -> ServerError:
        """Keep an unexpected exception for the admin API and the pytest plugin."""
        error = ServerError(
            at=self.sim.now,
            where=where,
            message=f"{type(exc).__name__}: {exc}",
            traceback="".join(traceback.format_exception(exc)),
        )
        self.errors.append(error)
        log.error("unexpected error in %s", where, exc_info=exc)
        return error

    def _event_failed(self, exc: BaseException, event: Event) -> None:
        name = getattr(event.callback, "__qualname__", repr(event.callback))
        self.record_error(f"event {name}", exc)
