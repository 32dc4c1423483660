"""PPIO / Novita GPU API v2 request models (wire names) and the ``ppio:``/``novita:`` fixtures.

Ranges and enums are the ones the v2 specs document (``specs/ppio``). Integers are strict, as a
Go JSON decoder is: ``"5"``, ``5.0`` and ``true`` are not integers. Unknown body fields are
ignored, as a Go decoder does; fixture sections forbid them so typos fail at load.
"""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

CudaVersion = Literal["12.4", "12.6", "12.8", "12.9", "13.0"]
EndpointType = Literal["sync", "async"]

Replicas = Annotated[StrictInt, Field(ge=0, le=1000)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class WorkerConfigIn(_Body):
    """``worker_config``: ``max_replicas`` required (as the update spec says); the rest optional."""

    max_replicas: Replicas
    min_replicas: Replicas | None = None
    idle_timeout: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    max_concurrent_per_worker: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    gpu_num: Annotated[StrictInt, Field(ge=1, le=8)] | None = None
    rootfs_size_gb: Annotated[StrictInt, Field(ge=10, le=100)] | None = None
    min_cuda_version: CudaVersion | None = None
    request_timeout: Annotated[StrictInt, Field(ge=1, le=1800)] | None = None


class PolicyIn(_Body):
    """``policy``: ``queue`` (value = seconds a request may wait) or ``concurrency`` (requests)."""

    type: Literal["queue", "concurrency"]
    value: Annotated[StrictInt, Field(ge=1, le=1000)]


class VolumeIn(_Body):
    """``volumes[]``: ``size`` is kept (and returned) only for ``local`` volumes."""

    id: StrictStr = ""
    type: Literal["local", "network"]
    size: Annotated[StrictInt, Field(ge=1)] | None = None
    mount_point: Annotated[StrictStr, Field(max_length=4095)] = ""


class EnvIn(_Body):
    """``envs[]``."""

    key: Annotated[StrictStr, Field(max_length=511)]
    value: Annotated[StrictStr, Field(max_length=4095)] = ""


class HealthCheckIn(_Body):
    """``health_check``."""

    path: StrictStr = ""
    port: Annotated[StrictInt, Field(ge=0, le=65535)] = 0


class _EndpointFields(_Body):
    """Fields shared by create, update and fixtures."""

    app_name: Annotated[StrictStr, Field(max_length=255)] | None = None
    registry_auth_id: Annotated[StrictStr, Field(max_length=255)] | None = None
    entrypoint: StrictStr | None = None
    command: StrictStr | None = None
    policy: PolicyIn | None = None
    volumes: list[VolumeIn] | None = None
    envs: list[EnvIn] | None = None
    ports: list[Port] | None = None
    health_check: HealthCheckIn | None = None
    region_id: StrictStr | None = None


class CreateEndpointIn(_EndpointFields):
    """``POST /gpus/v2/endpoints`` (``worker_config`` presence is checked by the backend)."""

    type: EndpointType
    name: Annotated[StrictStr, Field(min_length=1, max_length=255)]
    product_id: Annotated[StrictStr, Field(min_length=1, max_length=255)]
    image: Annotated[StrictStr, Field(min_length=1, max_length=500)]
    worker_config: WorkerConfigIn | None = None


class UpdateEndpointIn(_EndpointFields):
    """``PUT /gpus/v2/endpoints/{id}``: every field optional; ``image`` may be empty (unchanged)."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=255)] | None = None
    product_id: Annotated[StrictStr, Field(min_length=1, max_length=255)] | None = None
    image: Annotated[StrictStr, Field(max_length=500)] | None = None
    worker_config: WorkerConfigIn | None = None


# ---------------------------------------------------------------------------- fixtures


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class WorkerDefaults(_Strict):
    """``worker_config`` values used when a create body leaves them out (the doc example's)."""

    max_replicas: Replicas = 2
    min_replicas: Replicas = 0
    idle_timeout: Annotated[int, Field(ge=1, le=1000)] = 300
    max_concurrent_per_worker: Annotated[int, Field(ge=1, le=1000)] = 10
    gpu_num: Annotated[int, Field(ge=1, le=8)] = 1
    rootfs_size_gb: Annotated[int, Field(ge=10, le=100)] = 20
    min_cuda_version: CudaVersion = "12.4"
    request_timeout: Annotated[int, Field(ge=1, le=1800)] = 60


class EndpointStatusNames(_Strict):
    """The endpoint ``status.status`` strings (only ``running`` is documented)."""

    creating: str = "creating"
    running: str = "running"
    updating: str = "updating"


class WorkerStatusNames(_Strict):
    """Worker ``status.status`` per simulated state (only ``ready`` is documented)."""

    provisioning: str = "pending"
    throttled: str = "pending"
    initializing: str = "pulling"
    idle: str = "ready"
    running: str = "ready"
    draining: str = "ready"
    unhealthy: str = "failed"


class PpioOptions(_Strict):
    """Behaviours the docs leave open; every one is an ASSUMPTION listed in the README."""

    default_limit: int = Field(default=20, ge=1)
    max_limit: int = Field(default=100, ge=1)
    limit_over_max: Literal["clamp", "reject"] = "clamp"
    worker_config_optional: bool = False
    worker_defaults: WorkerDefaults = Field(default_factory=WorkerDefaults)
    default_policy: PolicyIn = Field(default_factory=lambda: PolicyIn(type="queue", value=100))
    reserved_ports: list[int] = Field(default_factory=lambda: [2222, 2223, 2224])
    create_seconds: float = Field(default=5.0, ge=0)
    update_seconds: float = Field(default=5.0, ge=0)
    endpoint_status: EndpointStatusNames = Field(default_factory=EndpointStatusNames)
    worker_status: WorkerStatusNames = Field(default_factory=WorkerStatusNames)
    behaviour: str | dict[str, Any] | None = None
    app_name_defaults_to_id: bool = True
    region_id: str = ""
    member_id: str | None = None
    owner_id: str | None = None
    wall_timeout: float = Field(default=300.0, gt=0)

    def merged(self, other: "PpioOptions") -> "PpioOptions":
        """These options with the fields ``other`` sets explicitly."""
        return self.model_copy(update={k: getattr(other, k) for k in other.model_fields_set})


class EndpointFixture(CreateEndpointIn):
    """A fixture endpoint: a create body plus what the server would otherwise choose."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    member_id: str | None = None
    owner_id: str | None = None
    created_at: int | None = None
    behaviour: str | dict[str, Any] | None = None


class PpioFixture(_Strict):
    """The ``ppio:`` / ``novita:`` fixture section."""

    options: PpioOptions | None = None
    endpoints: list[EndpointFixture] = Field(default_factory=list)
