"""Vendor registration and the ASGI layer around each mounted vendor host.

A vendor registers a :class:`VendorSpec`: its world factory (the backend), its fixture section,
its spec documents, and one :class:`HostMount` per real host name it answers for. The app mounts
each host at ``/<host>`` and also routes by ``Host`` header. :class:`VendorHost` wraps the host's
route table: it syncs the simulation, applies injected faults, renders every error in the
vendor's own envelope, and journals the exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel
from starlette._utils import get_route_path  # what Route.matches uses
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.errors import ApiError
from emulator.core.faults import (
    ActiveFault,
    DropAction,
    ErrorAction,
    LatencyAction,
    MalformedAction,
    RateLimitAction,
)
from emulator.core.journal import BODY_LIMIT, JournalEntry
from emulator.core.state import WorldFactory

if TYPE_CHECKING:
    from emulator.core.state import EmulatorState

log = logging.getLogger("emulator.http")


class WireErrors(Protocol):
    """A vendor's error wire format (implemented in each vendor's ``errors.py``)."""

    def render(self, error: ApiError) -> Response:
        """The vendor's envelope, status and headers for ``error``."""
        ...

    def not_found(self, method: str, path: str) -> ApiError:
        """No route matches the path."""
        ...

    def method_not_allowed(self, method: str, path: str) -> ApiError:
        """The path exists, the method does not."""
        ...

    def internal(self, exc: BaseException) -> ApiError:
        """An unexpected failure inside the emulator."""
        ...

    def injected(self, status: int | None, code: int | str | None) -> ApiError:
        """An error requested by a fault rule (by HTTP status and/or vendor code)."""
        ...


@dataclass(frozen=True, eq=False)
class HostMount:
    """One real host name a vendor answers for, with its routes and error format."""

    host: str
    title: str
    routes: Sequence[BaseRoute]
    errors: WireErrors
    base_path: str = ""
    auth_header: str = "authorization"

    def tenant_key(self, scope: Scope) -> str | None:
        """The API key a request carries (for fault rules scoped to a tenant)."""
        wanted = self.auth_header.encode()
        for name, value in scope["headers"]:
            if name == wanted:
                key: str = value.decode("latin-1").strip()
                scheme, _, token = key.partition(" ")
                return token.strip() if scheme.lower() == "bearer" else key
        return None

    @property
    def real_base_url(self) -> str:
        """The vendor's real base URL (what a client would normally use)."""
        return f"https://{self.host}{self.base_path}"

    def emulator_base_url(self, origin: str) -> str:
        """The base URL a client uses against the emulator at ``origin``."""
        return f"{origin.rstrip('/')}/{self.host}{self.base_path}"


@dataclass(frozen=True, eq=False)
class VendorCommand:
    """A ``gpu-emulator <name>`` subcommand contributed by a vendor."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


@dataclass(frozen=True, eq=False)
class VendorSpec:
    """Everything the app needs to serve one vendor.

    ``admin_routes`` are mounted under ``/_emulator/<name>`` (vendor-specific control routes);
    ``commands`` become ``gpu-emulator`` subcommands.
    """

    name: str
    title: str
    mounts: tuple[HostMount, ...]
    create_world: WorldFactory
    fixture_model: type[BaseModel] | None = None
    specs: dict[str, str] = field(default_factory=dict)
    admin_routes: tuple[BaseRoute, ...] = ()
    commands: tuple[VendorCommand, ...] = ()


class VendorHost:
    """ASGI app for one mounted vendor host."""

    def __init__(self, vendor: VendorSpec, mount: HostMount) -> None:
        self.vendor = vendor
        self.mount = mount
        self.router = Router(routes=list(mount.routes))
        # Each route's path matcher, to skip at a glance the routes that cannot match.
        self._routes = [
            (route.path_regex.match if isinstance(route, Route | Mount) else None, route)
            for route in self.router.routes
        ]

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``Router.app`` for an HTTP request, asking only routes whose pattern matches.

        A ``Route`` or ``Mount`` whose pattern does not match the path answers ``Match.NONE``
        anyway, so the outcome is Starlette's own: the first full match, else the first
        partial one (405), else the router's not-found answer.
        """
        scope.setdefault("router", self.router)
        route_path = get_route_path(scope)
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for matches_path, route in self._routes:
            if matches_path is not None and matches_path(route_path) is None:
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await self.router(scope, receive, send)  # nothing matches: Starlette's own answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        state: EmulatorState = scope["app"].state.emulator
        started = time.perf_counter()
        state.sync()
        scope["emulator.tenant"] = None
        scope["emulator.vendor"] = self.vendor.name
        journal = state.journal
        entry_id = journal.next_id()
        exchange = _Exchange(receive, send)
        exception: str | None = None
        path = _route_path(scope)
        faults = state.sim.faults
        fault = (
            faults.for_request(
                self.mount.host, scope["method"], path, self.mount.tenant_key(scope), state.sim.now
            )
            if faults.rules
            else None
        )
        try:
            if fault is None:
                await self._dispatch(scope, exchange.receive, exchange.send)
            else:
                await self._inject(fault, scope, exchange.receive, exchange.send)
        except Exception as exc:
            error = self._as_api_error(exc, scope["method"], path)
            if error is None:
                exception = state.record_error(
                    f"{scope['method']} /{self.mount.host}{path}", exc
                ).message
                error = self.mount.errors.internal(exc)
            if exchange.status == 0:
                await self.mount.errors.render(error)(scope, receive, exchange.send)
        journal.record(
            JournalEntry(
                entry_id,
                state.sim.now,
                self.vendor.name,
                self.mount.host,
                scope.get("emulator.tenant"),
                scope["method"],
                path,
                scope.get("query_string", b"").decode("latin-1"),
                exchange.status,
                (time.perf_counter() - started) * 1000,
                b"".join(exchange.request_body),
                b"".join(exchange.response_body),
                f"{fault.id}:{fault.rule.action.type}" if fault is not None else None,
                exception,
            )
        )

    async def _inject(self, fault: ActiveFault, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request the way an injected fault says."""
        action = fault.rule.action
        if isinstance(action, RateLimitAction):
            error = self.mount.errors.injected(429, None)
            error.headers.setdefault("Retry-After", str(fault.retry_after or 1))
            await self.mount.errors.render(error)(scope, receive, send)
        elif isinstance(action, ErrorAction):
            error = self.mount.errors.injected(action.status, action.code)
            if error.status == 429 or action.retry_after is not None:
                wait = 1 if action.retry_after is None else action.retry_after
                error.headers.setdefault("Retry-After", str(wait))
            await self.mount.errors.render(error)(scope, receive, send)
        elif isinstance(action, LatencyAction):
            await asyncio.sleep(action.ms / 1000)  # injected network latency: real wall time
            await self.router(scope, receive, send)
        elif isinstance(action, DropAction):
            await _drop_connection(scope)
        elif isinstance(action, MalformedAction):
            await self.router(scope, receive, _truncating(send))

    def _as_api_error(self, exc: Exception, method: str, path: str) -> ApiError | None:
        if isinstance(exc, ApiError):
            return exc
        if isinstance(exc, HTTPException):
            errors = self.mount.errors
            if exc.status_code == 404:
                return errors.not_found(method, path)
            if exc.status_code == 405:
                return errors.method_not_allowed(method, path)
            return errors.injected(exc.status_code, None)
        return None


class _Exchange:
    """One request's way through a vendor host: the status and the bodies, for the journal."""

    __slots__ = ("_receive", "_send", "request_body", "request_size", "response_body", "status")

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self.status = 0
        self.request_body: list[bytes] = []
        self.response_body: list[bytes] = []
        self.request_size = 0

    async def receive(self) -> Message:
        """The server's ``receive``, keeping the request body (up to the journal's limit)."""
        message = await self._receive()
        if message["type"] == "http.request" and self.request_size <= BODY_LIMIT:
            chunk = message.get("body", b"")
            self.request_body.append(chunk)
            self.request_size += len(chunk)
        return message

    async def send(self, message: Message) -> None:
        """The server's ``send``, noting the status and keeping the response body."""
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        elif kind == "http.response.body" and sum(map(len, self.response_body)) <= BODY_LIMIT:
            self.response_body.append(message.get("body", b""))
        await self._send(message)


class HostRouting:
    """Sends a request whose ``Host`` is a vendor host to that host's mount (no prefix needed)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = _host_header(scope)
            if host in self.hosts:
                prefix = "/" + host
                path: str = scope["path"]
                if path != prefix and not path.startswith(prefix + "/"):
                    scope = dict(scope)
                    scope["path"] = prefix + path
                    scope["raw_path"] = prefix.encode() + scope.get("raw_path", path.encode())
        await self.app(scope, receive, send)


class MountRouter(Router):
    """Starlette's router, going straight to the mount that the path's first segment names.

    ``Router.app`` asks every route in turn. The leading routes here are mounts at one-segment
    static prefixes (``/_emulator``, ``/api.ppio.com``...): none of them can match a path whose
    first segment is another one's prefix, so the mount named by that segment is the first
    route that can match, and asking it alone gives Starlette's own answer. Anything else goes
    through Starlette's routing.
    """

    def _prefixes(self) -> dict[str, Mount]:
        cached = self.__dict__.get("_prefix_cache")
        routes = self.routes
        if cached is not None and cached[0] is routes and cached[1] == len(routes):
            index: dict[str, Mount] = cached[2]
            return index
        index = {}
        for route in routes:
            path = route.path if isinstance(route, Mount) else ""
            if not path.startswith("/") or "/" in path[1:] or "{" in path:
                break  # from here on, routes could match anything: not indexed
            index.setdefault(path, route)  # type: ignore[arg-type]
        self.__dict__["_prefix_cache"] = (routes, len(routes), index)
        return index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch one request (HTTP to an indexed mount directly)."""
        if scope["type"] == "http":
            route_path = get_route_path(scope)
            cut = route_path.find("/", 1)
            mount = self._prefixes().get(route_path[:cut]) if cut > 0 else None
            if mount is not None:
                match, child_scope = mount.matches(scope)
                if match is Match.FULL:
                    if "router" not in scope:
                        scope["router"] = self
                    scope["route"] = mount
                    scope.update(child_scope)
                    await mount.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


async def _drop_connection(scope: Scope) -> None:
    """Close the client's connection without a response (uvicorn; elsewhere: no response)."""
    cycle = scope.get("emulator.cycle")
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return
    transport.abort()
    for _ in range(10):  # let the server notice, so it does not try to answer a 500 itself
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


def _truncating(send: Send) -> Send:
    """A ``send`` that delivers the first half of the body with a matching Content-Length."""
    start: Message | None = None
    body = bytearray()

    async def truncating_send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        cut = bytes(body[: len(body) // 2]) if len(body) > 1 else b"{"
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut, "more_body": False})

    return truncating_send


def _route_path(scope: Scope) -> str:
    """The path below the vendor host's mount point (what the vendor's routes see)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _host_header(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"host":
            host: str = value.decode("latin-1").lower()
            return host.rsplit(":", 1)[0] if ":" in host else host
    return None


def vendor_of_host(vendors: Iterable[VendorSpec], host: str) -> str | None:
    """The name of the vendor that serves ``host``."""
    for vendor, mount in all_mounts(vendors):
        if mount.host == host:
            return vendor.name
    return None


def all_mounts(vendors: Iterable[VendorSpec]) -> list[tuple[VendorSpec, HostMount]]:
    """Every (vendor, mount) pair, in registration order."""
    return [(vendor, mount) for vendor in vendors for mount in vendor.mounts]


RouteTable = list[tuple[str, str, str, str]]


def route_table(vendors: Iterable[VendorSpec], origin: str) -> RouteTable:
    """(vendor, API, real base URL, emulator base URL) rows for ``gpu-emulator routes``."""
    return [
        (vendor.name, mount.title, mount.real_base_url, mount.emulator_base_url(origin))
        for vendor, mount in all_mounts(vendors)
    ]


def format_route_table(rows: RouteTable) -> str:
    """The route table as aligned text."""
    header = ("vendor", "API", "real base URL", "emulator base URL")
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table
    ]
    return "\n".join(lines)
