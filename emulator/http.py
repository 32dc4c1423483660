"""Wire helpers shared by the vendor route modules: JSON in and out, validation, tenants."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from emulator.core.errors import ApiError
from emulator.core.state import EmulatorState

ModelT = TypeVar("ModelT", bound=BaseModel)


class JSONResponse(Response):
    """Compact JSON, the way the vendors' servers send it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialize without spaces; non-ASCII kept as UTF-8."""
        return dump_json(content)


def dump_json(content: Any) -> bytes:
    """Compact UTF-8 JSON: orjson (an order of magnitude faster on every response), and the
    standard library for what orjson refuses (integers beyond 64 bits, non-string keys)."""
    try:
        return orjson.dumps(content)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def state_of(request: Request) -> EmulatorState:
    """The emulator state behind this request."""
    state: EmulatorState = request.app.state.emulator
    return state


def world_for(
    request: Request,
    vendor: str,
    key: str | None,
    *,
    missing: Callable[[], ApiError],
    refused: Callable[[], ApiError],
) -> Any:
    """Authenticate ``key`` and return the tenant's world for ``vendor``."""
    if not key:
        raise missing()
    state = state_of(request)
    tenant = state.tenants.lookup(key)
    if tenant is None:
        request.scope["emulator.tenant"] = key
        raise refused()
    request.scope["emulator.tenant"] = key
    return state.world(tenant, vendor)


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin(request: Request) -> str:
    """``scheme://host[:port]`` as the client reached us: what ``request.url`` gives as scheme
    and netloc, without building and parsing a URL on every request."""
    scope = request.scope
    scheme: str = scope.get("scheme", "http")
    for name, value in scope["headers"]:
        if name == b"host":
            return f"{scheme}://{value.decode('latin-1')}"
    server = scope.get("server")
    if server is None:
        return "://"  # as request.url would: no host known at all
    host, port = server
    if port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def bearer_token(request: Request, *, allow_raw: bool = False) -> str | None:
    """The key from ``Authorization: Bearer <key>`` (or a raw ``Authorization: <key>``)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    return header.strip() if allow_raw else None


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """The first thing wrong with a request: which field, what, and the offending input."""

    field: str
    message: str
    kind: str
    input: Any
    context: Mapping[str, Any]


def location(loc: tuple[str | int, ...]) -> str:
    """``("resources", 0, "gpuType")`` → ``resources[0].gpuType``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def first_problem(exc: ValidationError) -> FieldProblem:
    """Describe the first validation error of a pydantic failure."""
    error = exc.errors(include_url=False)[0]
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    return FieldProblem(
        field=location(loc),
        message=error["msg"],
        kind=error["type"],
        input=error.get("input"),
        context=error.get("ctx") or {},
    )


async def read_json(request: Request, invalid: Callable[[str], ApiError]) -> Any:
    """The JSON body, or the vendor's error when it is missing or not JSON."""
    body = await request.body()
    if not body.strip():
        raise invalid("request body is empty")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise invalid(f"request body is not valid JSON: {exc}") from None


def parse(model: type[ModelT], data: Any, invalid: Callable[[FieldProblem], ApiError]) -> ModelT:
    """Validate ``data`` against a request model, naming the first bad field on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(first_problem(exc)) from None


def query_bool(value: str | None) -> bool | None:
    """``true``/``false``/``1``/``0`` (any case) → bool; None when absent; ValueError otherwise."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise ValueError(value)
