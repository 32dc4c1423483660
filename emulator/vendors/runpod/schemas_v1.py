"""REST v1 request bodies (``rest.runpod.io/v1``), wire names and limits from the v1 spec.

Like RunPod's Go server, unknown keys are ignored (runpodctl sends ``hubReleaseId``) and a
value of the wrong JSON type is refused. ``null`` counts as absent. The create models apply
the spec's defaults; ``to_config`` turns a body into the backend's endpoint fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from emulator.vendors.runpod.catalog import (
    CPU_FLAVOR_IDS,
    CUDA_VERSIONS,
    DATA_CENTER_IDS,
    DEFAULT_CPU_FLAVOR,
    DEFAULT_GPU,
    GPU_TYPE_IDS,
)


def one_of(values: tuple[str, ...]) -> AfterValidator:
    """Check a string against a spec enum (the message lists the allowed values)."""
    allowed = frozenset(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of the allowed values")
        return value

    return AfterValidator(check)


GpuTypeId = Annotated[str, one_of(GPU_TYPE_IDS)]
DataCenterId = Annotated[str, one_of(DATA_CENTER_IDS)]
CudaVersion = Annotated[str, one_of(CUDA_VERSIONS)]
CpuFlavorId = Annotated[str, one_of(CPU_FLAVOR_IDS)]
Port = Annotated[str, Field(pattern=r"^\d{1,5}/(http|tcp|udp)$")]


class V1Body(BaseModel):
    """Strict JSON types; unknown keys ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, defer_build=True)

    def given(self) -> dict[str, Any]:
        """The fields the body set to a value (``null`` = not given)."""
        return {
            name: getattr(self, name)
            for name in self.model_fields_set
            if getattr(self, name) is not None
        }


class _EndpointFields(V1Body):
    allowedCudaVersions: list[CudaVersion] | None = None
    cpuFlavorIds: list[CpuFlavorId] | None = None
    dataCenterIds: list[DataCenterId] | None = None
    executionTimeoutMs: int | None = None
    flashboot: bool | None = None
    gpuCount: int | None = Field(default=None, ge=1)
    gpuTypeIds: list[GpuTypeId] | None = None
    idleTimeout: int | None = Field(default=None, ge=1, le=3600)
    minCudaVersion: CudaVersion | None = None
    name: str | None = Field(default=None, max_length=191)
    networkVolumeId: str | None = None
    networkVolumeIds: list[str] | None = None
    scalerType: Literal["QUEUE_DELAY", "REQUEST_COUNT"] | None = None
    scalerValue: int | None = Field(default=None, ge=1)
    templateId: str | None = None
    workersMax: int | None = Field(default=None, ge=0)
    workersMin: int | None = Field(default=None, ge=0)

    def _common(self, given: dict[str, Any]) -> dict[str, Any]:
        """The body's fields, in the backend's terms (only those given)."""
        config: dict[str, Any] = {}
        for name in (
            "allowedCudaVersions", "dataCenterIds", "executionTimeoutMs", "gpuCount",
            "gpuTypeIds", "idleTimeout", "minCudaVersion", "name", "scalerType", "scalerValue",
            "templateId", "workersMax", "workersMin",
        ):  # fmt: skip
            if name in given:
                config[name] = given[name]
        if "flashboot" in given:
            config["flashbootMode"] = "FLASHBOOT" if given["flashboot"] else "OFF"
        volumes = given.get("networkVolumeIds")
        single = given.get("networkVolumeId")
        if volumes is not None or single is not None:
            volumes = list(volumes or [])
            if single is not None and single not in volumes:
                volumes.insert(0, single)
            config["networkVolumeIds"] = volumes
        return config


class EndpointCreate(_EndpointFields):
    """``EndpointCreateInput`` (``templateId`` required; the spec's defaults applied)."""

    templateId: str  # required here
    computeType: Literal["GPU", "CPU"] | None = None
    vcpuCount: int | None = None

    def to_config(self) -> dict[str, Any]:
        """Every endpoint field, defaults filled in as the v1 spec gives them."""
        given = self.given()
        config = self._common(given)
        computeType = given.get("computeType", "GPU")
        vcpu = given.get("vcpuCount", 2)
        flavors = given.get("cpuFlavorIds") or [DEFAULT_CPU_FLAVOR]
        defaults: dict[str, Any] = {
            "name": "",
            "computeType": computeType,
            "type": "QUEUE",
            "gpuTypeIds": [DEFAULT_GPU],
            "gpuCount": 1,
            "cpuConfigs": [(flavor, vcpu) for flavor in flavors],
            "allowedCudaVersions": [],
            "minCudaVersion": None,
            "dataCenterIds": list(DATA_CENTER_IDS),
            "executionTimeoutMs": 600_000,
            "idleTimeout": 5,
            "scalerType": "QUEUE_DELAY",
            "scalerValue": 4,
            "workersMin": 0,
            "workersMax": 3,
            "flashbootMode": "OFF",
            "networkVolumeIds": [],
        }
        return defaults | config


class EndpointUpdate(_EndpointFields):
    """``EndpointUpdateInput``: any subset (no ``computeType``/``vcpuCount``)."""

    def to_changes(self, endpoint_cpu: list[tuple[str, int]]) -> dict[str, Any]:
        """The given fields in the backend's terms."""
        given = self.given()
        changes = self._common(given)
        if "cpuFlavorIds" in given:
            vcpu = endpoint_cpu[0][1] if endpoint_cpu else 2
            changes["cpuConfigs"] = [(flavor, vcpu) for flavor in given["cpuFlavorIds"]]
        return changes


class _TemplateFields(V1Body):
    containerDiskInGb: int | None = Field(default=None, ge=1)
    containerRegistryAuthId: str | None = None
    dockerEntrypoint: list[str] | None = None
    dockerStartCmd: list[str] | None = None
    env: dict[str, str] | None = None
    imageName: str | None = Field(default=None, min_length=1)
    isPublic: bool | None = None
    name: str | None = Field(default=None, min_length=1)
    ports: list[Port] | None = None
    readme: str | None = None
    volumeInGb: int | None = Field(default=None, ge=0)
    volumeMountPath: str | None = Field(default=None, min_length=1)


class TemplateCreate(_TemplateFields):
    """``TemplateCreateInput`` (``name`` and ``imageName`` required)."""

    name: str = Field(min_length=1)
    imageName: str = Field(min_length=1)
    category: Literal["NVIDIA", "AMD", "CPU"] | None = None
    isServerless: bool | None = None

    def to_fields(self) -> dict[str, Any]:
        """Every template field, the spec's defaults filled in."""
        defaults: dict[str, Any] = {
            "category": "NVIDIA",
            "containerDiskInGb": 50,
            "dockerEntrypoint": [],
            "dockerStartCmd": [],
            "env": {},
            "isPublic": False,
            "isServerless": False,
            "ports": ["8888/http", "22/tcp"],  # the spec's default "8888/http,22/tcp"
            "readme": "",
            "volumeInGb": 20,
            "volumeMountPath": "/workspace",
        }
        return defaults | self.given()


class TemplateUpdate(_TemplateFields):
    """``TemplateUpdateInput``: any subset (no ``category``/``isServerless``)."""


class NetworkVolumeCreate(V1Body):
    """``NetworkVolumeCreateInput``."""

    name: str = Field(min_length=1)
    size: int = Field(ge=0, le=4000)
    dataCenterId: str = Field(min_length=1)


class NetworkVolumeUpdate(V1Body):
    """``NetworkVolumeUpdateInput``."""

    name: str | None = Field(default=None, min_length=1)
    size: int | None = Field(default=None, ge=0, le=4000)


class RegistryCreate(V1Body):
    """``ContainerRegistryAuthCreateInput``."""

    name: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)
