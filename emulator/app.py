"""``create_app(settings)``: mounts every vendor host and the admin API on one Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.types import Receive, Scope, Send

from emulator import fixtures, persistence
from emulator.core.runtime import Runtime
from emulator.core.state import EmulatorState, Startup
from emulator.hosting import HostRouting, MountRouter, VendorHost, VendorSpec, all_mounts
from emulator.http import JSONResponse
from emulator.settings import Settings

log = logging.getLogger("emulator")


class Emulator:
    """The running emulator: settings, vendors, state, and the fixtures it started with."""

    def __init__(self, settings: Settings, vendors: Sequence[VendorSpec]) -> None:
        self.settings = settings
        self.vendors = list(vendors)
        paths = (
            settings.fixtures
            if settings.fixtures is not None
            else [str(fixtures.default_fixture_path())]
        )
        self.startup_docs = [fixtures.load_file(path, self.vendors) for path in paths]
        self.state = EmulatorState(
            self._startup(self.startup_docs),
            {v.name: v.create_world for v in self.vendors},
            journal_size=settings.journal_size,
            webhook_timeout=settings.webhook_timeout,
        )
        for doc in self.startup_docs:
            fixtures.apply(self.state, doc, self.vendors)
        self.restored = False
        # The serving event loop while the app runs (in-process callers hand work to it).
        self.loop: asyncio.AbstractEventLoop | None = None
        if settings.state_file:
            saved = persistence.load(settings.state_file, self.snapshot_packages())
            if saved is not None:
                self.state.adopt(saved)
                self.restored = True

    def snapshot_packages(self) -> list[str]:
        """Modules (besides the emulator's) whose classes a snapshot of this app may hold."""
        modules = {v.create_world.__module__ for v in self.vendors}
        return sorted(m for m in modules if m != "emulator" and not m.startswith("emulator."))

    def save(self, path: str | None = None) -> tuple[str, int]:
        """Write the state file now (``path`` defaults to the configured ``--state-file``)."""
        target = path or self.settings.state_file
        if not target:
            raise ValueError("no state file configured (--state-file / EMULATOR_STATE_FILE)")
        self.state.sync()
        return target, persistence.save(self.state, target)

    def restore(self, data: bytes) -> None:
        """Replace the whole state with a snapshot."""
        self.state.adopt(persistence.restore(data, self.snapshot_packages()))

    def _startup(self, docs: Sequence[fixtures.FixtureDocumentBase], **overrides: Any) -> Startup:
        """Settings first, then the last document that says, then defaults."""
        seed, auth, mode, start, speed = None, None, None, None, None
        for doc in docs:
            seed = doc.seed if doc.seed is not None else seed
            auth = doc.auth or auth
            if doc.clock is not None:
                mode = doc.clock.mode or mode
                start = doc.clock.start_epoch() if doc.clock.start is not None else start
                speed = doc.clock.speed or speed
        s = self.settings
        default = Startup()
        chosen_seed = overrides.get("seed", s.seed if s.seed is not None else seed)
        return Startup(
            seed=default.seed if chosen_seed is None else int(chosen_seed),
            auth=overrides.get("auth") or s.auth or auth or default.auth,
            clock=overrides.get("clock") or s.clock or mode or default.clock,
            clock_start=overrides.get("clock_start", s.clock_start or start),
            speed=overrides.get("speed") or s.speed or speed or default.speed,
        )

    def reset(
        self,
        tenant: str | None = None,
        *,
        extra_docs: Sequence[fixtures.FixtureDocumentBase] = (),
        **overrides: Any,
    ) -> None:
        """Wipe one tenant, or everything and reload the startup fixtures (plus ``extra_docs``)."""
        state = self.state
        if tenant is not None:
            state.reset(tenant)
            return
        docs = [*self.startup_docs, *extra_docs]
        state.clear_fixtures()
        state.journal.clear()
        state.errors.clear()
        state.reset(startup=self._startup(docs, **overrides))
        for doc in docs:
            fixtures.apply(state, doc, self.vendors)
        state.sim.runtime.wake()

    def load(self, doc: fixtures.FixtureDocumentBase) -> None:
        """Apply a fixture document at run time (kept until the next reset)."""
        fixtures.apply(self.state, doc, self.vendors)


async def _ticker(emulator: Emulator) -> None:
    """Real-clock mode: apply events when they fall due, so webhooks fire without traffic."""
    while True:
        state = emulator.state
        runtime = state.sim.runtime
        wakeup = runtime.wakeup_event()
        wakeup.clear()
        try:
            state.sync()
        except Exception as exc:  # keep ticking; the error is visible in /_emulator/errors
            state.record_error("ticker", exc)
        due = state.sim.engine.next_time()
        clock = state.sim.clock
        delay = math.inf if due is None else clock.wall_seconds_until(due)
        if clock.mode != "real":
            runtime.next_wake = -math.inf  # a manual clock moves only through advance()
        else:  # an idle ticker (nothing pending) must wake for the first new event
            runtime.next_wake = due if due is not None else math.inf
        if math.isinf(delay):
            await wakeup.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=delay)


async def _autosave(emulator: Emulator, interval: float) -> None:
    """Save the state file every ``interval`` wall seconds."""
    while True:
        await asyncio.sleep(interval)  # a wall-clock save period, not simulated time
        try:
            emulator.save()
        except Exception as exc:  # a full disk must not take the emulator down
            emulator.state.record_error("autosave", exc)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    emulator: Emulator = app.state.control
    runtime = Runtime()
    emulator.state.sim.attach_runtime(runtime)
    emulator.state.sim.webhooks.resume()
    loop = asyncio.get_running_loop()
    emulator.loop = loop
    tasks = [loop.create_task(_ticker(emulator))]
    settings = emulator.settings
    if settings.state_file and settings.save_interval > 0:
        tasks.append(loop.create_task(_autosave(emulator, settings.save_interval)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        emulator.loop = None
        if settings.state_file:
            emulator.save()
        await emulator.state.sim.runtime.aclose()


def _json_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    request.app.state.emulator.record_error(f"{request.method} {request.url.path}", exc)
    return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=500)


class EmulatorApp(Starlette):
    """Starlette, plus a handle on the server's request cycle (to drop connections on demand)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same router, finding a vendor host's mount by the path's first segment.
        self.router.__class__ = MountRouter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(send, "__self__", None)
        if cycle is not None and hasattr(cycle, "transport"):
            scope["emulator.cycle"] = cycle
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, vendors: Sequence[VendorSpec] | None = None
) -> Starlette:
    """Build the emulator app; ``vendors`` defaults to every bundled vendor."""
    from emulator import admin
    from emulator.vendors import default_vendors

    settings = settings or Settings()
    vendor_list = list(default_vendors() if vendors is None else vendors)
    emulator = Emulator(settings, vendor_list)
    control_routes: list[BaseRoute] = [*admin.routes]
    control_routes += [
        Mount(f"/{v.name}", routes=list(v.admin_routes)) for v in vendor_list if v.admin_routes
    ]
    routes: list[BaseRoute] = [Mount("/_emulator", routes=control_routes)]
    routes += [
        Mount(f"/{mount.host}", app=VendorHost(v, mount)) for v, mount in all_mounts(vendor_list)
    ]
    app = EmulatorApp(
        routes=routes,
        middleware=[Middleware(HostRouting, hosts=[m.host for _, m in all_mounts(vendor_list)])],
        exception_handlers={HTTPException: _json_error, Exception: _json_error},
        lifespan=_lifespan,
    )
    app.state.control = emulator
    app.state.emulator = emulator.state
    return app
