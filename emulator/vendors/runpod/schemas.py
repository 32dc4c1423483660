"""RunPod request models (wire names) and the ``runpod:`` fixture section."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

MIB = 1024 * 1024
DAY_MS = 86_400_000

# REST v1 ``EndpointCreateInput.dataCenterIds`` enum: the default when an endpoint names none.
DATA_CENTER_IDS = (
    "EU-RO-1", "CA-MTL-1", "EU-SE-1", "US-IL-1", "EUR-IS-1", "EU-CZ-1", "US-TX-3", "EUR-IS-2",
    "US-KS-2", "US-GA-2", "US-WA-1", "US-TX-1", "CA-MTL-3", "EU-NL-1", "US-TX-4", "US-CA-2",
    "US-NC-1", "OC-AU-1", "US-DE-1", "EUR-IS-3", "CA-MTL-2", "AP-JP-1", "EUR-NO-1", "EU-FR-1",
    "US-KS-3", "US-GA-1",
)  # fmt: skip
DEFAULT_GPU = "NVIDIA GeForce RTX 4090"


# --------------------------------------------------------------------------- job API requests


class JobPolicy(BaseModel):
    """``policy`` of ``/run`` and ``/runsync`` (milliseconds, as RunPod documents them)."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    executionTimeout: StrictInt | None = Field(default=None, ge=5_000, le=7 * DAY_MS)
    lowPriority: StrictBool = False
    ttl: StrictInt | None = Field(default=None, ge=10_000, le=7 * DAY_MS)


class RunRequest(BaseModel):
    """Body of ``/run`` and ``/runsync``; unknown keys pass through (RunPod ignores them)."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    input: Any = None
    webhook: StrictStr | None = None
    policy: JobPolicy | None = None
    s3Config: dict[str, Any] | None = None


# --------------------------------------------------------------------------- fixtures


class RunpodOptions(BaseModel):
    """Choices where RunPod's documentation is silent or ambiguous (see the README table)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    runsync_wait_default_ms: int = Field(default=90_000, ge=0)
    wait_min_ms: int = Field(default=1_000, ge=0)
    wait_max_ms: int = Field(default=300_000, ge=0)
    wait_out_of_range: Literal["clamp", "reject"] = "clamp"
    retention_run_s: float = Field(default=1800.0, ge=0)
    retention_sync_s: float = Field(default=60.0, ge=0)
    ttl_default_ms: int = Field(default=DAY_MS, gt=0)
    ttl_expiry: Literal["remove", "timed_out"] = "remove"
    execution_timeout_status: Literal["FAILED", "TIMED_OUT"] = "FAILED"
    request_count_includes_running: bool = True
    queue_delay_step: Literal["one", "per_job"] = "one"
    unknown_job_status: int = Field(default=404, ge=400, le=499)
    health_ready: Literal["idle", "idle+running"] = "idle"
    webhook_on_cancel: bool = True
    webhook_retry_delays_s: list[float] = Field(default_factory=lambda: [10.0, 10.0])
    purge: Literal["remove", "cancel"] = "remove"
    max_body_run_bytes: int = Field(default=10 * MIB, gt=0)
    max_body_runsync_bytes: int = Field(default=20 * MIB, gt=0)
    worker_poll_wait_s: float = Field(default=5.0, ge=0, le=90)

    @model_validator(mode="after")
    def _bounds(self) -> RunpodOptions:
        if self.wait_min_ms > self.wait_max_ms:
            raise ValueError("wait_min_ms is above wait_max_ms")
        return self


class TemplateFixture(BaseModel):
    """A template (REST v1 ``Template`` fields; a minimal model)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(min_length=1)
    imageName: str = Field(min_length=1)
    category: Literal["NVIDIA", "AMD", "CPU"] = "NVIDIA"
    containerDiskInGb: int = Field(default=50, ge=0)
    dockerEntrypoint: list[str] = Field(default_factory=list)
    dockerStartCmd: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    isPublic: bool = False
    isServerless: bool = True
    ports: list[str] = Field(default_factory=list)
    readme: str = ""
    volumeInGb: int = Field(default=20, ge=0)
    volumeMountPath: str = "/workspace"


class EndpointFixture(BaseModel):
    """A serverless endpoint (REST v1 field names) plus how its simulated workers behave."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(default="", max_length=191)
    templateId: str | None = None
    computeType: Literal["GPU", "CPU"] = "GPU"
    gpuTypeIds: list[str] = Field(default_factory=lambda: [DEFAULT_GPU], min_length=1)
    gpuCount: int = Field(default=1, ge=1)
    dataCenterIds: list[str] = Field(default_factory=lambda: list(DATA_CENTER_IDS))
    env: dict[str, str] = Field(default_factory=dict)
    executionTimeoutMs: int = Field(default=600_000, ge=5_000, le=7 * DAY_MS)
    idleTimeout: int = Field(default=5, ge=1, le=3600)
    scalerType: Literal["QUEUE_DELAY", "REQUEST_COUNT"] = "QUEUE_DELAY"
    scalerValue: int = Field(default=4, ge=1)
    workersMin: int = Field(default=0, ge=0)
    workersMax: int = Field(default=3, ge=0)
    flashboot: bool = False
    networkVolumeId: str | None = None
    behaviour: str | dict[str, Any] | None = None
    external: bool = Field(
        default=False, description="served by real workers over the worker protocol"
    )

    @model_validator(mode="after")
    def _workers(self) -> EndpointFixture:
        if self.workersMin > self.workersMax:
            raise ValueError("workersMin is above workersMax")
        return self


class RunpodFixture(BaseModel):
    """The ``runpod:`` fixture section."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    options: RunpodOptions | None = None
    capacity: dict[str, Annotated[int, Field(ge=0)] | None] = Field(
        default_factory=dict,
        description="workers that can be placed per GPU type at once (absent: unlimited)",
    )
    templates: list[TemplateFixture] = Field(default_factory=list)
    endpoints: list[EndpointFixture] = Field(default_factory=list)
