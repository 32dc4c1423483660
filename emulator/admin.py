"""The control plane under ``/_emulator``: health, reset, seed, clock, journal, webhooks, state.

Reads sync the simulation to the clock first and never move it further.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator import __version__, persistence, yamltext
from emulator.app import Emulator
from emulator.core.faults import FaultRule
from emulator.core.state import EmulatorState
from emulator.fixtures import (
    FixtureDocumentBase,
    FixtureError,
    load_file,
    parse_document,
    parse_text,
)
from emulator.hosting import format_route_table, route_table, vendor_of_host
from emulator.http import JSONResponse, first_problem, query_bool
from emulator.settings import Settings

SPECS_DIR = Path(__file__).resolve().parent / "specs"


class AdminError(Exception):
    """A bad admin request: answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(epoch: float) -> str:
    """Epoch seconds → ``2026-01-01T00:00:00.000Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _control(request: Request) -> Emulator:
    control: Emulator = request.app.state.control
    return control


def _synced(request: Request) -> EmulatorState:
    state = _control(request).state
    state.sync()
    return state


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise AdminError(400, f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AdminError(400, "body must be a JSON object")
    return data


def _admin(handler: Any) -> Any:
    async def wrapped(request: Request) -> Response:
        try:
            response: Response = await handler(request)
            return response
        except AdminError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except FixtureError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def clock_view(state: EmulatorState) -> dict[str, Any]:
    """``{"now", "epoch", "mode", "speed", "pendingEvents"}``."""
    clock = state.sim.clock
    now = state.sim.now
    return {
        "now": iso(now),
        "epoch": now,
        "mode": clock.mode,
        "speed": clock.speed,
        "pendingEvents": state.sim.engine.pending(),
    }


@_admin
async def health(request: Request) -> Response:
    """Liveness, version, mounted vendors and the clock."""
    state = _synced(request)
    control = _control(request)
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "vendors": [v.name for v in control.vendors],
            "clock": clock_view(state),
        }
    )


def _fixture_docs(control: Emulator, items: Any) -> list[FixtureDocumentBase]:
    if items is None:
        return []
    if not isinstance(items, list):
        items = [items]
    docs = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            docs.append(load_file(item, control.vendors))
        elif isinstance(item, dict):
            docs.append(parse_document(item, control.vendors, f"fixtures[{index}]"))
        else:
            raise AdminError(400, f"fixtures[{index}]: a file path or an inline document")
    return docs


_RESET_KEYS = {"seed", "clock", "auth", "clock_start", "speed", "fixtures"}


def apply_reset(control: Emulator, body: dict[str, Any], tenant: str | None = None) -> Any:
    """What ``POST /reset`` does and answers (the pytest plugin calls it in-process too)."""
    unknown = set(body) - _RESET_KEYS
    if unknown:
        raise AdminError(400, f"unknown reset option(s): {', '.join(sorted(unknown))}")
    if tenant is not None:
        control.reset(tenant)
        return {"reset": "tenant", "tenant": tenant}
    keys = ("seed", "clock", "auth", "clock_start", "speed")
    overrides: dict[str, Any] = {k: body[k] for k in keys if k in body}
    _check_overrides(overrides)
    control.reset(extra_docs=_fixture_docs(control, body.get("fixtures")), **overrides)
    return {"reset": "all", "clock": clock_view(control.state)}


@_admin
async def reset(request: Request) -> Response:
    """Wipe all tenants (or ``?tenant=KEY``) and reload the startup fixtures."""
    tenant = request.query_params.get("tenant")
    body = await _body(request)
    return JSONResponse(apply_reset(_control(request), body, tenant))


def _check_overrides(overrides: dict[str, Any]) -> None:
    try:
        checked = Settings.model_validate(overrides)
    except ValidationError as exc:
        problem = first_problem(exc)
        raise AdminError(400, f"{problem.field}: {problem.message}") from None
    for key in overrides:
        overrides[key] = getattr(checked, key)


@_admin
async def seed(request: Request) -> Response:
    """Reseed ids, fake data and random durations; resets every tenant (a later plain reset
    returns to the startup seed)."""
    body = await _body(request)
    value = body.get("seed")
    if not isinstance(value, int) or isinstance(value, bool):
        raise AdminError(400, "seed: an integer is required")
    _control(request).reset(seed=value)
    return JSONResponse({"seed": value})


@_admin
async def clock(request: Request) -> Response:
    """The emulator clock."""
    return JSONResponse(clock_view(_synced(request)))


@_admin
async def advance(request: Request) -> Response:
    """Move the clock forward by ``{"seconds": N}``, applying every event on the way."""
    body = await _body(request)
    amount = body.get("seconds")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise AdminError(400, "seconds: a non-negative number is required")
    state = _control(request).state
    processed = await state.sim.advance(float(amount))
    return JSONResponse({**clock_view(state), "processed": processed})


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise AdminError(400, f"{name}: an integer is required") from None


@_admin
async def requests_list(request: Request) -> Response:
    """The request journal, oldest first, filtered by the query parameters."""
    state = _synced(request)
    params = request.query_params
    entries = state.journal.query(
        vendor=params.get("vendor"),
        host=params.get("host"),
        tenant=params.get("tenant"),
        method=params.get("method"),
        path=params.get("path"),
        status=_int_param(request, "status"),
        since=_int_param(request, "since"),
        limit=_int_param(request, "limit"),
    )
    return JSONResponse({"requests": [e.as_json() for e in entries]})


@_admin
async def requests_clear(request: Request) -> Response:
    """Empty the journal."""
    _control(request).state.journal.clear()
    return JSONResponse({"cleared": True})


@_admin
async def webhooks(request: Request) -> Response:
    """Outbound webhook deliveries and their attempts."""
    state = _synced(request)
    found = state.sim.webhooks.query(
        tenant=request.query_params.get("tenant"), vendor=request.query_params.get("vendor")
    )
    return JSONResponse({"webhooks": [d.as_json() for d in found]})


@_admin
async def state_dump(request: Request) -> Response:
    """Every tenant's objects as each vendor renders them, the clock; ``?snapshot=true`` adds
    a loadable snapshot of the whole state (base64)."""
    state = _synced(request)
    snapshot = None
    if query_bool(request.query_params.get("snapshot")):
        snapshot = base64.b64encode(persistence.snapshot(state)).decode("ascii")
    tenants = [
        {
            "key": tenant.key,
            "name": tenant.name,
            "worlds": {vendor: world.dump() for vendor, world in tenant.worlds.items()},
        }
        for tenant in state.tenants
    ]
    body: dict[str, Any] = {
        "clock": clock_view(state),
        "auth": state.tenants.auth,
        "tenants": tenants,
    }
    if snapshot is not None:
        body["snapshot"] = snapshot
    return JSONResponse(body)


@_admin
async def state_load(request: Request) -> Response:
    """Replace the whole state with ``{"snapshot": <base64>}`` from ``GET /state?snapshot=true``."""
    body = await _body(request)
    encoded = body.get("snapshot")
    if not isinstance(encoded, str):
        raise AdminError(400, "snapshot: the base64 text from GET /_emulator/state?snapshot=true")
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise AdminError(400, "snapshot: not valid base64") from None
    control = _control(request)
    try:
        control.restore(data)
    except persistence.SnapshotError as exc:
        raise AdminError(400, f"snapshot: {exc}") from None
    return JSONResponse({"loaded": True, "clock": clock_view(control.state)})


@_admin
async def state_save(request: Request) -> Response:
    """Write the state file now."""
    control = _control(request)
    try:
        path, size = control.save()
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return JSONResponse({"saved": path, "bytes": size})


@_admin
async def load_fixtures(request: Request) -> Response:
    """Apply a fixture document (YAML or JSON body) now."""
    control = _control(request)
    text = (await request.body()).decode("utf-8", "replace")
    doc = parse_text(text, control.vendors, "request body")
    control.state.sync()
    control.load(doc)
    return JSONResponse({"loaded": True})


def _spec_index(request: Request) -> dict[str, dict[str, str]]:
    return {v.name: dict(v.specs) for v in _control(request).vendors if v.specs}


def _read_spec(relative: str) -> Any:
    path = SPECS_DIR / relative
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yamltext.safe_load(text)


@_admin
async def specs_index(request: Request) -> Response:
    """Which vendor documents the emulator conforms to."""
    index = _spec_index(request)
    return JSONResponse(
        {
            "specs": {
                vendor: [f"/_emulator/specs/{vendor}/{name}" for name in names]
                for vendor, names in index.items()
            }
        }
    )


@_admin
async def specs_vendor(request: Request) -> Response:
    """All documents of one vendor, by name."""
    vendor = request.path_params["vendor"]
    names = _spec_index(request).get(vendor)
    if names is None:
        raise AdminError(404, f"no specs for vendor {vendor!r}")
    return JSONResponse({name: _read_spec(relative) for name, relative in names.items()})


@_admin
async def specs_document(request: Request) -> Response:
    """One vendor document."""
    vendor, name = request.path_params["vendor"], request.path_params["name"]
    relative = _spec_index(request).get(vendor, {}).get(name)
    if relative is None:
        raise AdminError(404, f"no spec {name!r} for vendor {vendor!r}")
    return JSONResponse(_read_spec(relative))


@_admin
async def faults_list(request: Request) -> Response:
    """Active fault rules."""
    state = _synced(request)
    return JSONResponse({"faults": [f.as_json() for f in state.sim.faults.rules]})


@_admin
async def faults_add(request: Request) -> Response:
    """Add one fault rule; answers it with its ``id``."""
    control = _control(request)
    body = await _body(request)
    try:
        rule = FaultRule.model_validate(body)
    except ValidationError as exc:
        problem = first_problem(exc)
        raise AdminError(400, f"{problem.field or 'rule'}: {problem.message}") from None
    vendor = vendor_of_host(control.vendors, rule.host)
    if vendor is None:
        raise AdminError(400, f"host: {rule.host!r} is not a mounted vendor host")
    control.state.sync()
    fault = control.state.sim.faults.add(rule, vendor)
    return JSONResponse(fault.as_json(), status_code=201)


@_admin
async def faults_clear(request: Request) -> Response:
    """Remove every fault rule."""
    state = _synced(request)
    return JSONResponse({"removed": state.sim.faults.remove()})


@_admin
async def faults_remove(request: Request) -> Response:
    """Remove one fault rule."""
    state = _synced(request)
    try:
        fault_id = int(request.path_params["fault_id"])
    except ValueError:
        raise AdminError(400, "fault id: an integer is required") from None
    if not state.sim.faults.remove(fault_id):
        raise AdminError(404, f"no fault {fault_id}")
    return JSONResponse({"removed": 1})


def errors_view(state: EmulatorState) -> list[dict[str, Any]]:
    """Unexpected exceptions so far, the simulation synced first (as ``GET /errors`` says)."""
    state.sync()
    return [e.as_json() for e in state.errors]


@_admin
async def errors_list(request: Request) -> Response:
    """Unexpected exceptions raised inside the emulator since the last reset."""
    return JSONResponse({"errors": errors_view(_control(request).state)})


@_admin
async def errors_clear(request: Request) -> Response:
    """Forget recorded exceptions."""
    _control(request).state.errors.clear()
    return JSONResponse({"cleared": True})


@_admin
async def routes_table(request: Request) -> Response:
    """Vendor base URLs on this server."""
    origin = str(request.base_url).rstrip("/")
    rows = route_table(_control(request).vendors, origin)
    if request.query_params.get("format") == "text":
        return Response(format_route_table(rows) + "\n", media_type="text/plain")
    keys = ("vendor", "api", "realBaseUrl", "emulatorBaseUrl")
    return JSONResponse({"routes": [dict(zip(keys, row, strict=True)) for row in rows]})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/seed", seed, methods=["POST"]),
    Route("/clock", clock, methods=["GET"]),
    Route("/clock/advance", advance, methods=["POST"]),
    Route("/requests", requests_list, methods=["GET"]),
    Route("/requests", requests_clear, methods=["DELETE"]),
    Route("/webhooks", webhooks, methods=["GET"]),
    Route("/state", state_dump, methods=["GET"]),
    Route("/state", state_load, methods=["POST"]),
    Route("/state/save", state_save, methods=["POST"]),
    Route("/fixtures", load_fixtures, methods=["POST"]),
    Route("/specs", specs_index, methods=["GET"]),
    Route("/specs/{vendor}", specs_vendor, methods=["GET"]),
    Route("/specs/{vendor}/{name}", specs_document, methods=["GET"]),
    Route("/faults", faults_list, methods=["GET"]),
    Route("/faults", faults_add, methods=["POST"]),
    Route("/faults", faults_clear, methods=["DELETE"]),
    Route("/faults/{fault_id}", faults_remove, methods=["DELETE"]),
    Route("/errors", errors_list, methods=["GET"]),
    Route("/errors", errors_clear, methods=["DELETE"]),
    Route("/routes", routes_table, methods=["GET"]),
]
