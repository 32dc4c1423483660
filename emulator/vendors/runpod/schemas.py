"""RunPod request models (wire names) and the ``runpod:`` fixture section."""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from emulator.vendors.runpod.catalog import DATA_CENTER_IDS, DEFAULT_GPU

MIB = 1024 * 1024
DAY_MS = 86_400_000
FlashbootMode = Literal["OFF", "FLASHBOOT", "PRIORITY_FLASHBOOT"]
GpuClass = Literal["c", "p", "d"]
GPU_CLASSES: tuple[GpuClass, ...] = ("c", "p", "d")


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
    # REST
    rest_v1_not_found: Literal["spec", "404"] = "spec"
    rest_v2_schema_status: Literal[400, 422] = 422
    rolling_release: Literal["recycle", "none"] = "recycle"
    rest_v1_require_serverless_template: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> "RunpodOptions":
        if self.wait_min_ms > self.wait_max_ms:
            raise ValueError("wait_min_ms is above wait_max_ms")
        return self


class TemplateFixture(BaseModel):
    """A template (REST v1 ``Template`` fields, plus the REST v2-only ones)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(min_length=1)
    imageName: str = Field(min_length=1)
    category: Literal["NVIDIA", "AMD", "CPU"] = "NVIDIA"
    containerDiskInGb: int = Field(default=50, ge=1)
    containerRegistryAuthId: str | None = None
    dockerEntrypoint: list[str] = Field(default_factory=list)
    dockerStartCmd: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    isPublic: bool = False
    isServerless: bool = True
    ports: list[str] = Field(default_factory=list)
    readme: str = ""
    volumeInGb: int = Field(default=20, ge=0)
    volumeMountPath: str = "/workspace"
    startSsh: bool = True
    startJupyter: bool = True
    allowedCudaVersions: list[str] = Field(default_factory=list)


# Endpoint fixture fields the backend takes as they are (the others are converted).
FIXTURE_AS_IS = (
    "name", "templateId", "computeType", "type", "gpuTypeIds", "gpuCount", "allowedCudaVersions",
    "minCudaVersion", "dataCenterIds", "executionTimeoutMs", "idleTimeout", "scalerType",
    "scalerValue", "workersMin", "workersMax",
)  # fmt: skip


class EndpointFixture(BaseModel):
    """A serverless endpoint (REST v1 field names) plus how its simulated workers behave.

    Without ``templateId`` it gets its own endpoint-bound template running ``image``; with a
    ``templateId`` and an ``env``, a bound copy of that template with the env merged in.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(default="", max_length=191)
    templateId: str | None = None
    image: str = Field(default="runpod/worker-basic:latest", min_length=1)
    type: Literal["QUEUE", "LOAD_BALANCER"] = "QUEUE"
    computeType: Literal["GPU", "CPU"] = "GPU"
    gpuTypeIds: list[str] = Field(default_factory=lambda: [DEFAULT_GPU], min_length=1)
    gpuCount: int = Field(default=1, ge=1)
    cpuFlavorIds: list[str] = Field(default_factory=lambda: ["cpu3c"], min_length=1)
    vcpuCount: int = Field(default=2, ge=2)
    allowedCudaVersions: list[str] = Field(default_factory=list)
    minCudaVersion: str | None = None
    dataCenterIds: list[str] = Field(default_factory=lambda: list(DATA_CENTER_IDS))
    env: dict[str, str] = Field(default_factory=dict)
    executionTimeoutMs: int = Field(default=600_000, ge=5_000, le=7 * DAY_MS)
    idleTimeout: int = Field(default=5, ge=1, le=3600)
    scalerType: Literal["QUEUE_DELAY", "REQUEST_COUNT"] = "QUEUE_DELAY"
    scalerValue: float = Field(default=4, ge=0.5)
    workersMin: int = Field(default=0, ge=0)
    workersMax: int = Field(default=3, ge=0)
    flashboot: bool | FlashbootMode = False
    networkVolumeId: str | None = None
    networkVolumeIds: list[str] = Field(default_factory=list)
    behaviour: str | dict[str, Any] | None = None
    external: bool = Field(
        default=False, description="served by real workers over the worker protocol"
    )

    def to_config(self) -> dict[str, Any]:
        """The backend's endpoint fields."""
        config: dict[str, Any] = self.model_dump(include=set(FIXTURE_AS_IS))
        config["cpuConfigs"] = [(flavor, self.vcpuCount) for flavor in self.cpuFlavorIds]
        flashboot = self.flashboot
        if isinstance(flashboot, bool):
            flashboot = "FLASHBOOT" if flashboot else "OFF"
        config["flashbootMode"] = flashboot
        volumes = list(self.networkVolumeIds)
        if self.networkVolumeId is not None and self.networkVolumeId not in volumes:
            volumes.insert(0, self.networkVolumeId)
        config["networkVolumeIds"] = volumes
        return config

    def container(self) -> dict[str, Any] | None:
        """What the endpoint's own bound template runs (None: it runs ``templateId`` as is)."""
        if self.templateId is None:
            return {"imageName": self.image, "env": dict(self.env)}
        if self.env:
            return {"env": dict(self.env)}
        return None

    @model_validator(mode="after")
    def _workers(self) -> "EndpointFixture":
        if self.workersMin > self.workersMax:
            raise ValueError("workersMin is above workersMax")
        if self.scalerType == "REQUEST_COUNT" and self.scalerValue != int(self.scalerValue):
            raise ValueError("scalerValue of REQUEST_COUNT is a whole number")
        return self


class NetworkVolumeFixture(BaseModel):
    """A network volume."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(min_length=1)
    size: int = Field(ge=0, le=4096)
    dataCenterId: str = Field(min_length=1)
    type: Literal["STANDARD", "HIGH_PERFORMANCE"] = "STANDARD"


class RegistryFixture(BaseModel):
    """Container registry credentials (REST v1 ``containerregistryauth``, v2 ``registries``)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str | None = Field(default=None, min_length=1)
    name: str = Field(min_length=1)
    username: str = ""
    password: str = ""


class GpuFixture(BaseModel):
    """A GPU type of the catalog to add or change (unset fields keep the default's)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(min_length=1)
    displayName: str | None = None
    memoryInGb: int | None = Field(default=None, ge=1)
    manufacturer: Literal["Nvidia", "AMD"] | None = None
    pool: str | None = None
    securePrice: float | None = Field(default=None, ge=0)
    communityPrice: float | None = Field(default=None, ge=0)
    vcpu: int | None = Field(default=None, ge=1)
    ram: int | None = Field(default=None, ge=1)
    gpuClass: Literal["c", "p", "d"] | None = Field(
        default=None, description="c consumer, p professional, d data-center GPU"
    )


class PoolFixture(BaseModel):
    """A serverless GPU pool and its per-GPU prices (USD per second)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(min_length=1)
    flex: float = Field(ge=0)
    active: float = Field(ge=0)


class DataCenterFixture(BaseModel):
    """A data center and the GPU classes it hosts."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(min_length=1)
    location: str = "United States"
    gpuClasses: list[GpuClass] = Field(default_factory=lambda: list(GPU_CLASSES))


class CatalogFixture(BaseModel):
    """Changes to the hardware catalog workers are placed from."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    gpus: list[GpuFixture] = Field(default_factory=list)
    pools: list[PoolFixture] = Field(default_factory=list)
    dataCenters: list[DataCenterFixture] = Field(default_factory=list)


class RunpodFixture(BaseModel):
    """The ``runpod:`` fixture section."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    options: RunpodOptions | None = None
    catalog: CatalogFixture | None = None
    capacity: dict[str, Annotated[int, Field(ge=0)] | None] = Field(
        default_factory=dict,
        description="workers that can be placed per GPU type at once (absent: unlimited)",
    )
    registries: list[RegistryFixture] = Field(default_factory=list)
    templates: list[TemplateFixture] = Field(default_factory=list)
    networkVolumes: list[NetworkVolumeFixture] = Field(default_factory=list)
    endpoints: list[EndpointFixture] = Field(default_factory=list)
