"""pytest plugin: one emulator server per session, reset before each test.

Fixtures:

- ``gpu_emulator``: the per-test handle (:class:`GpuEmulator`); state is reset before each test.
- ``gpu_emulator_server``: the session server's base URL (an in-process server on port 0, or the
  external server named by ``EMULATOR_URL``).
- ``gpu_emulator_settings`` / ``gpu_emulator_vendors``: override in a ``conftest.py`` to configure
  the in-process server.

Marker: ``@pytest.mark.gpu_emulator(fixtures=..., seed=..., clock=..., auth=...)`` for one test.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from emulator.admin_client import AdminClient
    from emulator.hosting import VendorSpec
    from emulator.settings import Settings


class EmulatorServerError(AssertionError):
    """The emulator raised an unexpected exception while serving this test."""


class Faults:
    """``gpu_emulator.faults``: add, list and remove injected faults."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def add(self, rule: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add a rule (a mapping or keyword fields: host, method, path, times, action...)."""
        return self._admin.add_fault({**(rule or {}), **fields})

    def list(self) -> list[dict[str, Any]]:
        """Active rules."""
        return self._admin.faults()

    def remove(self, fault_id: int) -> None:
        """Remove one rule."""
        self._admin.remove_fault(fault_id)

    def clear(self) -> None:
        """Remove every rule."""
        self._admin.remove_fault()


class LocalServer:
    """The session's own in-process server: the two admin calls made around every test (reset,
    then the error check) run on its event loop directly, without an HTTP round trip."""

    def __init__(self, app: Any) -> None:
        self.control = app.state.control

    def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        loop = self.control.loop
        if loop is None:
            raise RuntimeError("the in-process emulator server is not running")
        return asyncio.run_coroutine_threadsafe(_on_loop(call, *args), loop).result(timeout=60)

    def reset(self, options: dict[str, Any]) -> None:
        """``POST /_emulator/reset`` with these options, the same way (and the same errors)."""
        from emulator.admin import AdminError as Refused
        from emulator.admin import apply_reset
        from emulator.admin_client import AdminError
        from emulator.fixtures import FixtureError

        body = json.loads(json.dumps({k: v for k, v in options.items() if v is not None}))
        try:
            self._run(apply_reset, self.control, body)
        except Refused as exc:
            raise AdminError(f"POST /_emulator/reset: {exc.status} {exc.message}") from None
        except FixtureError as exc:
            raise AdminError(f"POST /_emulator/reset: 400 {exc}") from None

    def take_errors(self) -> list[dict[str, Any]]:
        """``GET /_emulator/errors``, then forget them if there were any."""
        state = self.control.state
        if not state.errors:
            due = state.sim.engine.earliest()
            if due is None or due > state.sim.clock.now():
                return []  # nothing recorded and no event due: what the loop would answer
        return list(self._run(_take_errors, state))


async def _on_loop(call: Callable[..., Any], *args: Any) -> Any:
    return call(*args)


def _take_errors(state: Any) -> list[dict[str, Any]]:
    from emulator.admin import errors_view

    errors = errors_view(state)
    if errors:
        state.errors.clear()
    return errors


class GpuEmulator:
    """What a test gets: URLs, time travel, the journal, fixtures and the admin client."""

    def __init__(self, base_url: str, admin: AdminClient, local: LocalServer | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin = admin
        self.faults = Faults(admin)
        self._local = local

    def url(self, host: str, path: str = "") -> str:
        """The emulator URL standing in for ``https://<host><path>``."""
        return f"{self.base_url}/{host}{path}"

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the emulator clock forward, applying every event due on the way."""
        return self.admin.advance(seconds)

    def now(self) -> float:
        """The emulator clock, epoch seconds."""
        epoch: float = self.admin.clock()["epoch"]
        return epoch

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journaled requests; filters: vendor, host, tenant, method, path, status, since, limit."""
        return self.admin.requests(**filters)

    def webhooks(self, **filters: Any) -> list[dict[str, Any]]:
        """Outbound webhook deliveries."""
        return self.admin.webhooks(**filters)

    def load(self, fixture: dict[str, Any] | str | Path) -> None:
        """Apply a fixture (a mapping, YAML text, or a file path) for the rest of the test."""
        if isinstance(fixture, str) and "\n" not in fixture and Path(fixture).is_file():
            fixture = Path(fixture)
        self.admin.load_fixtures(fixture)

    def state(self) -> dict[str, Any]:
        """Every tenant's objects."""
        return self.admin.state()

    def reset(self, **options: Any) -> None:
        """Reset again mid-test (same options as the marker)."""
        if self._local is not None:
            self._local.reset(options)
        else:
            self.admin.reset(**options)

    def raise_server_errors(self) -> None:
        """Fail if the emulator hit an unexpected exception."""
        if self._local is not None:
            errors = self._local.take_errors()
        else:
            errors = self.admin.errors()
            if errors:
                self.admin.clear_errors()
        if errors:
            details = "\n\n".join(f"{e['where']}: {e['message']}\n{e['traceback']}" for e in errors)
            raise EmulatorServerError(f"the emulator raised while serving this test:\n{details}")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Ini options for the session server."""
    parser.addini(
        "gpu_emulator_fixtures", "fixture files every test starts from", type="linelist", default=[]
    )
    parser.addini("gpu_emulator_seed", "seed of the session server", default="0")
    parser.addini(
        "gpu_emulator_clock", "clock of the session server (manual|real)", default="manual"
    )
    parser.addini(
        "gpu_emulator_auth", "auth mode of the session server (open|strict)", default="open"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        "gpu_emulator(fixtures=None, seed=None, clock=None, auth=None): "
        "start this test from these fixtures / seed / clock mode / auth mode",
    )


@pytest.fixture(scope="session")
def gpu_emulator_settings(pytestconfig: pytest.Config) -> Settings:
    """Settings of the in-process session server (override to change them)."""
    from emulator.settings import Settings

    root = Path(str(pytestconfig.rootpath))
    return Settings(
        port=0,
        fixtures=[str(root / p) for p in pytestconfig.getini("gpu_emulator_fixtures")],
        seed=int(pytestconfig.getini("gpu_emulator_seed")),
        clock=pytestconfig.getini("gpu_emulator_clock"),
        auth=pytestconfig.getini("gpu_emulator_auth"),
        log_level="warning",
    )


@pytest.fixture(scope="session")
def gpu_emulator_vendors() -> list[VendorSpec] | None:
    """Vendors of the in-process server (None: every bundled vendor)."""
    return None


# In-process servers started by this plugin, by URL (an overridden server fixture is not one).
_LOCAL_SERVERS = pytest.StashKey[dict[str, LocalServer]]()


@pytest.fixture(scope="session")
def gpu_emulator_server(
    gpu_emulator_settings: Settings,
    gpu_emulator_vendors: list[VendorSpec] | None,
    pytestconfig: pytest.Config,
) -> Iterator[str]:
    """Base URL of the session's emulator (``EMULATOR_URL`` to use an external one)."""
    external = os.environ.get("EMULATOR_URL")
    if external:
        yield external.rstrip("/")
        return
    from emulator.app import create_app
    from emulator.server import ThreadedServer

    app = create_app(gpu_emulator_settings, vendors=gpu_emulator_vendors)
    server = ThreadedServer(app)
    server.start()
    pytestconfig.stash.setdefault(_LOCAL_SERVERS, {})[server.url] = LocalServer(app)
    try:
        yield server.url
    finally:
        pytestconfig.stash[_LOCAL_SERVERS].pop(server.url, None)
        server.stop()


@pytest.fixture(scope="session")
def _gpu_emulator_admin(gpu_emulator_server: str) -> Iterator[AdminClient]:
    from emulator.admin_client import AdminClient

    client = AdminClient(gpu_emulator_server)
    try:
        yield client
    finally:
        client.close()


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("gpu_emulator")
    if marker is None:
        return {}
    options = dict(marker.kwargs)
    unknown = set(options) - {"fixtures", "seed", "clock", "auth"}
    if unknown:
        raise pytest.UsageError(f"gpu_emulator marker: unknown option(s) {sorted(unknown)}")
    fixtures = options.get("fixtures")
    if fixtures is not None:
        base = Path(str(request.path)).parent
        items = fixtures if isinstance(fixtures, list | tuple) else [fixtures]
        options["fixtures"] = [_fixture_item(item, base) for item in items]
    return options


def _fixture_item(item: Any, base: Path) -> Any:
    if isinstance(item, Path):
        return str(item if item.is_absolute() else base / item)
    if isinstance(item, str) and "\n" in item:
        from emulator import yamltext

        return yamltext.safe_load(item)
    if isinstance(item, str):
        path = Path(item)
        if not path.is_absolute() and (base / path).exists():
            path = base / path
        return str(path.resolve()) if path.exists() else item
    return item


@pytest.fixture
def gpu_emulator(
    _gpu_emulator_admin: AdminClient, gpu_emulator_server: str, request: pytest.FixtureRequest
) -> GpuEmulator:
    """The emulator, reset for this test (see the ``gpu_emulator`` marker)."""
    local = request.config.stash.get(_LOCAL_SERVERS, {}).get(gpu_emulator_server)
    handle = GpuEmulator(gpu_emulator_server, _gpu_emulator_admin, local)
    handle.reset(**_marker_options(request))
    return handle


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Fail a passing test if the emulator raised an unexpected exception while serving it."""
    result = yield
    handle = getattr(item, "funcargs", {}).get("gpu_emulator")
    if isinstance(handle, GpuEmulator):
        handle.raise_server_errors()
    return result
