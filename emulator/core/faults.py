"""Injected faults: rules that match requests (errors, latency, drops, malformed bodies) or bend
the simulation (cold-start failures, crash loops, capacity shortage).

A rule names a mounted vendor host, optionally a method, a path template relative to the host
(``/v2/{endpoint_id}/health``), a tenant, how many times it fires (``times``, absent = forever) and
a probability drawn from a seeded RNG. Request faults are applied by the hosting layer; simulation
faults are consulted by pools (and vendor backends) when they place or start a worker.
"""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emulator.core.workers import Worker, WorkerState


class ErrorAction(BaseModel):
    """Answer with the vendor's own error for an HTTP status and/or a vendor-native code."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["error"]
    status: int | None = Field(default=None, ge=400, le=599)
    code: int | str | None = None
    retry_after: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _status_or_code(self) -> "ErrorAction":
        if self.status is None and self.code is None:
            raise ValueError("an error action needs a status, a vendor code, or both")
        return self


class LatencyAction(BaseModel):
    """Delay the answer by ``ms`` milliseconds of wall time (network latency, not emulator time)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["latency"]
    ms: int = Field(ge=0, le=600_000)


class DropAction(BaseModel):
    """Close the connection without answering."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["drop"]


class MalformedAction(BaseModel):
    """Serve the request, then send a truncated (unparseable) body."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["malformed"]


class RateLimitAction(BaseModel):
    """Allow ``limit`` requests per ``window`` seconds of emulator time (per tenant); answer the
    rest with the vendor's 429 and a ``Retry-After`` until the window rolls over."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["rate_limit"]
    limit: int = Field(ge=1)
    window: float = Field(gt=0)


class SimulationAction(BaseModel):
    """Bend the simulation: workers fail to start, crash-loop, or cannot be placed."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: Literal["cold_start_failure", "crash_loop", "capacity_shortage"]


Action = Annotated[
    ErrorAction | LatencyAction | DropAction | MalformedAction | RateLimitAction | SimulationAction,
    Field(discriminator="type"),
]
REQUEST_ACTIONS = ("error", "latency", "drop", "malformed", "rate_limit")


class FaultRule(BaseModel):
    """One fault rule as clients send it (``POST /_emulator/faults``)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    host: str = Field(min_length=1)
    method: str | None = None
    path: str | None = None
    tenant: str | None = None
    times: int | None = Field(default=None, ge=1)
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    action: Action

    @property
    def targets_requests(self) -> bool:
        """True for request faults, False for simulation faults."""
        return self.action.type in REQUEST_ACTIONS


def compile_template(template: str) -> re.Pattern[str]:
    """``/v2/{endpoint_id}/health`` → a regex matching one path segment per placeholder."""
    pattern = ""
    for part in re.split(r"(\{[^}/]+\})", template):
        pattern += "[^/]+" if part.startswith("{") and part.endswith("}") else re.escape(part)
    return re.compile(f"^{pattern}/?$")


@dataclass(eq=False)
class ActiveFault:
    """A stored rule: its id, vendor, compiled path, and how many firings remain."""

    id: int
    vendor: str
    rule: FaultRule
    remaining: int | None
    fired: int = 0
    path_re: re.Pattern[str] | None = None
    windows: dict[str | None, tuple[float, int]] = field(default_factory=dict)
    retry_after: int | None = None

    def over_limit(self, action: RateLimitAction, tenant: str | None, now: float) -> bool:
        """Count one request in the tenant's window; True once the window's limit is passed."""
        start, count = self.windows.get(tenant, (now, 0))
        if now >= start + action.window:
            start, count = now, 0
        count += 1
        self.windows[tenant] = (start, count)
        self.retry_after = max(1, math.ceil(start + action.window - now))
        return count > action.limit

    def matches_request(self, host: str, method: str, path: str, tenant: str | None) -> bool:
        """Whether this request fault applies to a request."""
        rule = self.rule
        return (
            rule.targets_requests
            and rule.host == host
            and (rule.method is None or rule.method.upper() == method)
            and (self.path_re is None or self.path_re.match(path) is not None)
            and (rule.tenant is None or rule.tenant == tenant)
        )

    def matches_simulation(self, kind: str, vendor: str, tenant: str) -> bool:
        """Whether this simulation fault applies to a worker of ``vendor``/``tenant``."""
        rule = self.rule
        return (
            rule.action.type == kind
            and self.vendor == vendor
            and (rule.tenant is None or rule.tenant == tenant)
        )

    def as_json(self) -> dict[str, Any]:
        """The admin API view."""
        return {
            "id": self.id,
            **self.rule.model_dump(exclude_none=True),
            "remaining": self.remaining,
            "fired": self.fired,
        }


@dataclass(eq=False)
class Faults:
    """The active fault rules and the workers a capacity shortage holds back."""

    rng: random.Random
    rules: list[ActiveFault] = field(default_factory=list)
    held: list[tuple[Worker, Callable[[Worker], Any]]] = field(default_factory=list)
    _next_id: int = 0

    def add(self, rule: FaultRule, vendor: str) -> ActiveFault:
        """Store a rule (``vendor`` is the vendor that owns ``rule.host``)."""
        self._next_id += 1
        fault = ActiveFault(
            id=self._next_id,
            vendor=vendor,
            rule=rule,
            remaining=rule.times,
            path_re=compile_template(rule.path) if rule.path else None,
        )
        self.rules.append(fault)
        return fault

    def remove(self, fault_id: int | None = None) -> int:
        """Remove one rule (or all); workers held by a lifted shortage are released."""
        before = len(self.rules)
        self.rules = [f for f in self.rules if fault_id is not None and f.id != fault_id]
        self._release_held()
        return before - len(self.rules)

    def _spend(self, fault: ActiveFault) -> bool:
        if fault.rule.probability < 1.0 and self.rng.random() >= fault.rule.probability:
            return False
        fault.fired += 1
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.rules.remove(fault)
                self._release_held()
        return True

    def for_request(
        self, host: str, method: str, path: str, tenant: str | None, now: float
    ) -> ActiveFault | None:
        """The first request fault that matches and fires (consuming one of its ``times``)."""
        for fault in list(self.rules):
            if not fault.matches_request(host, method, path, tenant):
                continue
            action = fault.rule.action
            if isinstance(action, RateLimitAction) and not fault.over_limit(action, tenant, now):
                continue
            if self._spend(fault):
                return fault
        return None

    def fires(self, kind: str, vendor: str, tenant: str) -> bool:
        """Whether a simulation fault of ``kind`` fires for one worker start or placement."""
        for fault in list(self.rules):
            if fault.matches_simulation(kind, vendor, tenant) and self._spend(fault):
                return True
        return False

    def shortage(self, vendor: str, tenant: str) -> bool:
        """Whether a capacity shortage currently blocks placement (does not consume ``times``)."""
        return any(f.matches_simulation("capacity_shortage", vendor, tenant) for f in self.rules)

    def hold(self, worker: Worker, on_release: Callable[[Worker], Any]) -> None:
        """Keep a worker waiting until the shortage that blocks it is lifted."""
        self.held.append((worker, on_release))

    def _release_held(self) -> None:
        held, self.held = self.held, []
        for worker, on_release in held:
            if worker.state == WorkerState.THROTTLED:
                on_release(worker)
