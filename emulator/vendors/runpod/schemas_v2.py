"""REST v2 request bodies (``api.runpod.io/v2``), as its spec's JSON schemas state them.

Unknown keys are refused (the spec's ``unevaluatedProperties: false``), types are strict.
A schema violation is a 422 listing every problem; the rules the schema cannot express
(exactly one of ``gpu``/``cpu``, CUDA set vs floor, known pools...) are 400s, checked by the
routes and the backend. ``names`` maps the backend's field names to these.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CUDA = r"^\d+\.\d+$"
Cuda = Annotated[str, Field(pattern=CUDA)]
FlashBoot = Literal["OFF", "FLASHBOOT", "PRIORITY_FLASHBOOT"]
EndpointType = Literal["QUEUE", "LOAD_BALANCER"]
Category = Literal["CPU", "NVIDIA", "AMD"]

# backend field -> the v2 name a message should use
ENDPOINT_NAMES = {
    "name": "name",
    "templateId": "templateId",
    "gpuTypeIds": "gpu.pools",
    "gpuCount": "gpu.count",
    "cpuConfigs": "cpu",
    "vcpuCount": "cpu.vcpuCount",
    "allowedCudaVersions": "gpu.allowedCudaVersions",
    "minCudaVersion": "gpu.minCudaVersion",
    "dataCenterIds": "dataCenterIds",
    "executionTimeoutMs": "timeout",
    "idleTimeout": "workers.idleTimeout",
    "scalerValue": "scaling",
    "workersMin": "workers.min",
    "workersMax": "workers.max",
    "networkVolumeIds": "networkVolumes",
    "containerRegistryAuthId": "registry",
    "imageName": "image",
}
TEMPLATE_NAMES = {"containerRegistryAuthId": "registry", "name": "name", "imageName": "image"}


class V2Body(BaseModel):
    """Strict JSON types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    def given(self) -> dict[str, Any]:
        """The fields present in the body."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ContainerFields(V2Body):
    """``ContainerConfig``: what a container runs."""

    args: str | None = None
    disk: int | None = Field(default=None, ge=1)
    env: dict[str, str] | None = None
    image: str | None = None
    ports: list[str] | None = None
    registry: str | None = None

    def container(self) -> dict[str, Any]:
        """The given container fields in template terms (``registry: null`` clears it)."""
        given = self.given()
        out: dict[str, Any] = {}
        mapping = {
            "image": "imageName",
            "disk": "containerDiskInGb",
            "env": "env",
            "ports": "ports",
            "registry": "containerRegistryAuthId",
        }
        for wire, internal in mapping.items():
            if wire in given and (given[wire] is not None or wire == "registry"):
                out[internal] = given[wire]
        if given.get("args") is not None:
            out["args"] = given["args"]
            out["dockerStartCmd"] = _split(given["args"])
        return out


def _split(args: str) -> list[str]:
    import shlex

    try:
        return shlex.split(args)
    except ValueError:  # unbalanced quotes: keep the string as one argument
        return [args] if args else []


class QueueDelayScaling(V2Body):
    """``{"type": "QUEUE_DELAY", "queueDelay": seconds}``."""

    type: Literal["QUEUE_DELAY"]
    queueDelay: float = Field(ge=0.5)


class RequestCountScaling(V2Body):
    """``{"type": "REQUEST_COUNT", "requestCount": n}``."""

    type: Literal["REQUEST_COUNT"]
    requestCount: int = Field(ge=1)


Scaling = Annotated[QueueDelayScaling | RequestCountScaling, Field(discriminator="type")]


class Workers(V2Body):
    """``EndpointWorkers``."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    idleTimeout: int | None = Field(default=None, ge=1, le=3600)


class GpuRequest(V2Body):
    """``CreateEndpointGpuConfig`` / ``UpdateEndpointGpuConfig``."""

    pools: list[str] | None = Field(default=None, min_length=1)
    excludedTypes: list[Annotated[str, Field(pattern=r"^\s*[^-\s]")]] | None = None
    count: int | None = Field(default=None, ge=1)
    allowedCudaVersions: list[Cuda] | None = None
    minCudaVersion: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> GpuRequest:
        if self.excludedTypes is not None and len(set(self.excludedTypes)) != len(
            self.excludedTypes
        ):
            raise ValueError("excludedTypes: items must be unique")
        return self


class CreateGpu(GpuRequest):
    """``CreateEndpointGpuConfig``: ``pools`` required, a floor is ``major.minor``."""

    pools: list[str] = Field(min_length=1)
    minCudaVersion: Cuda | None = None


class UpdateGpu(GpuRequest):
    """``UpdateEndpointGpuConfig``: ``excludedTypes`` needs ``pools``; ``""`` clears the floor."""

    minCudaVersion: Annotated[str, Field(pattern=r"^$|^\d+\.\d+$")] | None = None

    @model_validator(mode="after")
    def _dependent(self) -> UpdateGpu:
        if self.excludedTypes is not None and self.pools is None:
            raise ValueError("excludedTypes requires pools")
        return self


class CpuConfig(V2Body):
    """``CreateCpuConfig``."""

    id: str = Field(min_length=1)
    vcpuCount: int = Field(ge=2)


class _EndpointBody(ContainerFields):
    cpu: list[CpuConfig] | None = Field(default=None, min_length=1)
    dataCenterIds: list[str] | None = None
    flashboot: FlashBoot | None = None
    networkVolumes: list[str] | None = None
    timeout: int | None = None

    @model_validator(mode="after")
    def _unique_cpu(self) -> _EndpointBody:
        if self.cpu is not None:
            pairs = [(c.id, c.vcpuCount) for c in self.cpu]
            if len(set(pairs)) != len(pairs):
                raise ValueError("cpu: items must be unique")
        return self


class CreateEndpoint(_EndpointBody):
    """``CreateEndpointRequest``."""

    name: str = Field(min_length=1)
    type: EndpointType
    scaling: Scaling
    gpu: CreateGpu | None = None
    templateId: str | None = Field(default=None, min_length=1)
    workers: Workers | None = None

    @model_validator(mode="after")
    def _rules(self) -> CreateEndpoint:
        if self.templateId is None and self.image is None:
            raise ValueError("missing property 'image' (required without templateId)")
        if self.type == "LOAD_BALANCER" and self.scaling.type != "REQUEST_COUNT":
            raise ValueError("scaling: a LOAD_BALANCER endpoint scales on REQUEST_COUNT")
        return self


class UpdateEndpoint(_EndpointBody):
    """``UpdateEndpointRequest``: any subset."""

    name: str | None = Field(default=None, min_length=1)
    scaling: Scaling | None = None
    gpu: UpdateGpu | None = None
    templateId: str | None = None
    workers: Workers | None = None


class Mount(V2Body):
    """``PersistentMount``."""

    size: int = Field(ge=10)
    path: str


class TemplateMounts(V2Body):
    """``TemplateMounts``."""

    persistent: Mount | None = None


class _TemplateBody(ContainerFields):
    allowedCudaVersions: list[Cuda] | None = None
    category: Category | None = None
    mounts: TemplateMounts | None = None
    public: bool | None = None
    serverless: bool | None = None
    startJupyter: bool | None = None
    startSsh: bool | None = None

    def to_fields(self) -> dict[str, Any]:
        """The given fields in the backend's (v1) terms."""
        given = self.given()
        fields = self.container()
        for wire, internal in (
            ("allowedCudaVersions", "allowedCudaVersions"),
            ("category", "category"),
            ("public", "isPublic"),
            ("serverless", "isServerless"),
            ("startJupyter", "startJupyter"),
            ("startSsh", "startSsh"),
            ("name", "name"),
        ):
            if given.get(wire) is not None:
                fields[internal] = given[wire]
        if self.mounts is not None:
            persistent = self.mounts.persistent
            fields["volumeInGb"] = persistent.size if persistent is not None else 0
            if persistent is not None:
                fields["volumeMountPath"] = persistent.path
        return fields


class CreateTemplate(_TemplateBody):
    """``CreateTemplateRequest`` (``name`` and ``image`` required)."""

    name: str = Field(min_length=1)
    image: str

    def to_create(self) -> dict[str, Any]:
        """Every template field, v2's defaults filled in."""
        defaults: dict[str, Any] = {
            "category": "NVIDIA",
            "containerDiskInGb": 50,
            "dockerEntrypoint": [],
            "dockerStartCmd": [],
            "args": "",
            "env": {},
            "isPublic": False,
            "isServerless": False,
            "ports": [],
            "volumeInGb": 0,
            "volumeMountPath": "/workspace",
            "startSsh": True,
            "startJupyter": True,
            "allowedCudaVersions": [],
        }
        return defaults | self.to_fields()


class UpdateTemplate(_TemplateBody):
    """``UpdateTemplateRequest``: any subset."""

    name: str | None = Field(default=None, min_length=1)


class CreateNetworkVolume(V2Body):
    """``CreateNetworkVolumeRequest``."""

    dataCenter: str = Field(min_length=1)
    name: str = Field(min_length=1)
    size: int = Field(ge=10, le=4096)
    type: Literal["STANDARD", "HIGH_PERFORMANCE"] | None = None


class UpdateNetworkVolume(V2Body):
    """``UpdateNetworkVolumeRequest`` (at least one field)."""

    name: str | None = Field(default=None, min_length=1)
    size: int | None = Field(default=None, ge=10, le=4096)


class CreateRegistry(V2Body):
    """``CreateRegistryRequest``."""

    name: str = Field(min_length=1)
    password: str = Field(min_length=1)
    username: str = Field(min_length=1)
