"""Matpool request models (wire names) and the ``matpool:`` fixture section."""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

import json
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from emulator.core.execution import Duration, DurationField

# Status codes (M-GET): 1 queued, 2 scheduled, 3 running, 4 finished, 5 cancelling, 6 initializing.
QUEUED, SCHEDULED, RUNNING, FINISHED, CANCELLING, INITIALIZING = 1, 2, 3, 4, 5, 6
STATUSES: tuple[int, ...] = (1, 2, 3, 4, 5, 6)

# Port protocols: 1 SSH, 2 HTTP, 3 VNC, 4 RDP.
SSH, HTTP, VNC, RDP = 1, 2, 3, 4


def _blank_is_absent(value: Any) -> Any:
    """Form encoders send empty parts for unset fields: treat them as absent."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _json_text(value: Any) -> Any:
    """Multipart parts are strings: ``spec`` and ``ports`` hold JSON documents."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("not a JSON document") from None
    return value


class GpuSpec(BaseModel):
    """The ``spec`` part: ``{"gpuName": "NVIDIA A16"}`` (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)
    gpuName: StrictStr

    @field_validator("gpuName")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("gpuName is empty")
        return value


class PortIn(BaseModel):
    """One ``ports`` item: ``{"port": 22, "protocol": 1}``."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)
    port: StrictInt = Field(ge=1, le=65535)
    protocol: StrictInt = Field(ge=SSH, le=RDP)


OptionalText = Annotated[str | None, BeforeValidator(_blank_is_absent)]
OptionalId = Annotated[Annotated[int, Field(gt=0)] | None, BeforeValidator(_blank_is_absent)]


class JobForm(BaseModel):
    """``POST /v1/job`` multipart fields (every value arrives as a string part)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    spec: Annotated[GpuSpec, BeforeValidator(_json_text)]
    agent_domain: Annotated[int, Field(ge=0)]
    from_image_id: OptionalId = None
    from_snapshot_id: OptionalId = None
    cmd: OptionalText = None
    envs: OptionalText = None
    remark: OptionalText = None
    domain: Annotated[
        Literal["all", "offical", "others"] | None, BeforeValidator(_blank_is_absent)
    ] = None
    ports: Annotated[list[PortIn] | None, BeforeValidator(_json_text)] = None

    @model_validator(mode="after")
    def _one_source(self) -> "JobForm":
        if self.from_image_id is None and self.from_snapshot_id is None:
            raise ValueError("from_image_id or from_snapshot_id is required")
        if self.ports:
            seen = {p.port for p in self.ports}
            if len(seen) != len(self.ports):
                raise ValueError("ports lists a port twice")
        return self


class CodeMsg(BaseModel):
    """An answer the emulator must guess: its ``code`` and ``msg``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    code: int
    msg: str = ""


class MatpoolTimings(BaseModel):
    """Status-machine delays (fixed seconds, ``"20s"``, or a seeded distribution)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    # 6 -> 1: observed in the same second.
    initialize: DurationField = Field(default_factory=lambda: Duration.fixed(0.0))
    # 1 -> 2 once the job has a host: observed 24-28 s.
    schedule: DurationField = Field(default_factory=lambda: Duration.fixed(25.0))
    # 2 -> 3: observed 18-21 s.
    start: DurationField = Field(default_factory=lambda: Duration.fixed(20.0))
    # 5 -> 4: "tens of seconds" after a cancel.
    cancel: DurationField = Field(default_factory=lambda: Duration.fixed(30.0))


class MatpoolOptions(BaseModel):
    """Behaviour the vendor does not document; every default is in the README's table."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    cmd_limit: int = Field(default=512, ge=0)  # bytes of UTF-8
    allow_both_sources: bool = False  # from_image_id and from_snapshot_id together
    not_found: CodeMsg = CodeMsg(code=1, msg="record not found")
    cancel_finished: CodeMsg = CodeMsg(code=6, msg="param illegal")  # code 0: accepted no-op
    cancel_returns_job: bool = False
    stats_key: str = Field(default="stats", min_length=1)
    stats_ids: bool = False
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=10, ge=1)
    max_per_page: int = Field(default=100, ge=1)
    shuffle_ports: bool = True
    gateways: list[str] = Field(
        default_factory=lambda: ["hz-4.matpool.com", "hz-t3.matpool.com"], min_length=1
    )


class JobFixture(JobForm):
    """A job that exists when the world is created; ``warm`` jobs start running (3)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    agent_domain: Annotated[int, Field(ge=0)] = 0
    warm: bool = True


class MatpoolFixture(BaseModel):
    """The ``matpool:`` fixture section."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    # Host market: free instances per gpuName (null = unlimited).
    market: dict[str, Annotated[int, Field(ge=0)] | None] = Field(
        default_factory=dict, validation_alias=AliasChoices("market", "capacity")
    )
    default_capacity: Annotated[int, Field(ge=0)] | None = None
    # Known image / snapshot ids; a job naming another one stays queued (1). null: any id works.
    images: list[int] | None = None
    snapshots: list[int] | None = None
    # cmd -> how long it runs before it exits (the instance is then released). Others never exit.
    commands: dict[str, DurationField] = Field(default_factory=dict)
    timings: MatpoolTimings | None = None
    options: MatpoolOptions | None = None
    jobs: list[JobFixture] = Field(default_factory=list)
