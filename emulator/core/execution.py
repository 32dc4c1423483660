"""How a task runs: endpoint behaviours (simulated timing, output, failures) and forwarding.

A :class:`Behaviour` is what fixtures say about an endpoint's workers: cold-start time, execution
time (fixed or a seeded distribution), failure rate, output (``echo`` the input or a fixed value),
stream chunks and progress updates, start-up failures. :func:`plan` draws one task's fate from it.
Forwarding posts the task to a real worker URL instead (:func:`forward`).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

if TYPE_CHECKING:
    from emulator.core.runtime import Runtime

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def seconds(value: Any) -> float:
    """Parse ``5``, ``2.5``, ``"500ms"``, ``"20s"``, ``"2m"``, ``"1h"`` into seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '20s'")
    if isinstance(value, int | float):
        if value < 0 or math.isnan(value):
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match is None:
            raise ValueError(f"invalid duration {value!r}: use e.g. 2, '500ms', '20s', '2m', '1h'")
        return float(match.group(1)) * _UNITS[match.group(2) or "s"]
    raise ValueError(f"invalid duration {value!r}")


@dataclass(frozen=True, slots=True)
class Duration:
    """A fixed time or a seeded distribution of times, in seconds."""

    kind: Literal["fixed", "uniform", "normal", "exponential"]
    a: float
    b: float = 0.0

    @classmethod
    def fixed(cls, value: float) -> Duration:
        """A constant duration."""
        return cls("fixed", value)

    @classmethod
    def parse(cls, value: Any) -> Duration:
        """A scalar, ``{uniform: [lo, hi]}``, ``{normal: [mean, sd]}`` or ``{exponential: m}``."""
        if isinstance(value, Duration):
            return value
        if isinstance(value, dict):
            if len(value) != 1:
                raise ValueError(
                    "a distribution has exactly one key: uniform, normal or exponential"
                )
            ((kind, params),) = value.items()
            if kind == "uniform":
                lo, hi = (seconds(v) for v in _pair(params, kind))
                if hi < lo:
                    raise ValueError("uniform: the upper bound is below the lower bound")
                return cls("uniform", lo, hi)
            if kind == "normal":
                mean, sd = (seconds(v) for v in _pair(params, kind))
                return cls("normal", mean, sd)
            if kind == "exponential":
                return cls("exponential", seconds(params))
            raise ValueError(f"unknown distribution {kind!r}: use uniform, normal or exponential")
        return cls("fixed", seconds(value))

    def sample(self, rng: random.Random) -> float:
        """Draw one duration (never negative)."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "normal":
            return max(0.0, rng.gauss(self.a, self.b))
        return rng.expovariate(1.0 / self.a) if self.a > 0 else 0.0

    def describe(self) -> Any:
        """The fixture form of this duration."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "exponential":
            return {"exponential": self.a}
        return {self.kind: [self.a, self.b]}


def _pair(params: Any, kind: str) -> tuple[Any, Any]:
    if isinstance(params, dict):
        keys = ("min", "max") if kind == "uniform" else ("mean", "stddev")
        try:
            return params[keys[0]], params[keys[1]]
        except KeyError as exc:
            raise ValueError(f"{kind}: expected keys {keys}") from exc
    if isinstance(params, list | tuple) and len(params) == 2:
        return params[0], params[1]
    raise ValueError(f"{kind}: expected two values")


DurationField = Annotated[
    Duration, BeforeValidator(Duration.parse), PlainSerializer(lambda d: d.describe())
]


class FixedOutput(BaseModel):
    """Every task answers this value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Any


class Behaviour(BaseModel):
    """What an endpoint's simulated workers do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cold_start: DurationField = Field(default_factory=lambda: Duration.fixed(20.0))
    execution: DurationField = Field(default_factory=lambda: Duration.fixed(2.0))
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error: str = "simulated failure"
    output: Literal["echo"] | FixedOutput = "echo"
    stream_chunks: int = Field(default=0, ge=0, le=10_000)
    progress_updates: int = Field(default=0, ge=0, le=10_000)
    start_failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    crash_loop: bool = False
    restart_delay: DurationField | None = Field(default_factory=lambda: Duration.fixed(30.0))
    shutdown: DurationField = Field(default_factory=lambda: Duration.fixed(5.0))
    forward_url: str | None = None
    forward_timeout: float = Field(default=30.0, gt=0)

    def merged(self, overrides: dict[str, Any]) -> Behaviour:
        """A copy with some fields replaced (validated)."""
        return Behaviour.model_validate({**self.model_dump(exclude_defaults=True), **overrides})


@dataclass(slots=True)
class Plan:
    """One task's drawn fate."""

    duration: float
    failed: bool
    output: Any
    error: str | None
    chunks: list[Any]
    progress_updates: int


def plan(behaviour: Behaviour, task_input: Any, rng: random.Random) -> Plan:
    """Draw how a task goes under ``behaviour``: duration, success, output, stream chunks."""
    duration = behaviour.execution.sample(rng)
    rate = behaviour.failure_rate
    if rate > 0 and rng.random() < rate:
        return Plan(duration, True, None, behaviour.error, [], behaviour.progress_updates)
    given = behaviour.output
    output = given.value if isinstance(given, FixedOutput) else task_input
    count = behaviour.stream_chunks
    chunks = split_stream(output, count) if count else []
    return Plan(duration, False, output, None, chunks, behaviour.progress_updates)


def split_stream(output: Any, count: int) -> list[Any]:
    """Cut an output into ``count`` stream chunks: text by characters, lists by items."""
    if isinstance(output, str) and output:
        step = math.ceil(len(output) / count)
        return [output[i : i + step] for i in range(0, len(output), step)]
    if isinstance(output, list) and output:
        step = math.ceil(len(output) / count)
        return [output[i : i + step] for i in range(0, len(output), step)]
    return [{"chunk": index, "of": count, "output": output} for index in range(count)]


@dataclass(slots=True)
class ForwardResult:
    """What a real worker answered (or why it did not)."""

    status: int | None
    body: bytes
    headers: list[tuple[str, str]]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or the text when it is not JSON."""
        import json

        try:
            return json.loads(self.body)
        except ValueError:
            return self.body.decode("utf-8", "replace")


async def forward(
    runtime: Runtime,
    method: str,
    url: str,
    *,
    body: bytes,
    headers: list[tuple[str, str]],
    timeout: float,
) -> ForwardResult:
    """Send a task to a real worker over HTTP and collect its answer (never raises)."""
    try:
        client = runtime.http_client()
        response = await client.request(method, url, content=body, headers=headers, timeout=timeout)
        return ForwardResult(response.status_code, response.content, list(response.headers.items()))
    except Exception as exc:  # any transport failure is the worker's failure, not ours
        return ForwardResult(None, b"", [], error=f"{type(exc).__name__}: {exc}")
