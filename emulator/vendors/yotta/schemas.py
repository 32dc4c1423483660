"""Request models (wire names, constraints of the v2 spec) and the ``yotta:`` fixture section.

The models mimic a Spring/Jackson backend: unknown fields are ignored, numbers given for strings
are accepted, and the field aliases real clients send are accepted (``envVars`` /
``environmentVars``, ``credentialId`` / ``containerRegistryAuthId``, env ``key`` / ``name``).
Constraint failures carry Hibernate Validator's wording (see :func:`validation_message`).
"""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from emulator.http import FieldProblem
from emulator.vendors.yotta.catalog import CatalogSection

NAME_PATTERN = r"^(?=[A-Za-z])[A-Za-z0-9@._-]{1,20}$"
WEBHOOK_PATTERN = r"^https?://.*"
TASK_ID_PATTERN = r"^[A-Za-z0-9_]*$"
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
SERVICE_MODES = ("ALB", "QUEUE", "CUSTOM")


def _sized(low: int, high: int) -> AfterValidator:
    """``@Size(min, max)`` on a string."""

    def check(value: str) -> str:
        if not low <= len(value) <= high:
            raise PydanticCustomError(
                "size", "size must be between {min} and {max}", {"min": low, "max": high}
            )
        return value

    return AfterValidator(check)


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "must not be null")
    return value


def _int64(value: Any) -> Any:
    """Jackson reads a numeric string into a Long; a Long has 64 bits."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
        raise PydanticCustomError("range", "Numeric value out of range of long")
    return value


def _int32(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT32_MAX:
        raise PydanticCustomError("range", "Numeric value out of range of int")
    return value


Int32 = Annotated[int, BeforeValidator(_int32)]
Int64 = Annotated[int, BeforeValidator(_int64)]
Required = Annotated[Any, AfterValidator(_not_null)]


class _Wire(BaseModel):
    """Jackson-like reading: unknown fields ignored, scalars read as strings when asked."""

    model_config = ConfigDict(
        extra="ignore",
        regex_engine="python-re",
        coerce_numbers_to_str=True,
        populate_by_name=True,
        defer_build=True,
    )


class ResourceIn(_Wire):
    """``OpenapiElasticResource``: one acceptable GPU placement."""

    region: str = Field(min_length=1)
    gpu_type: str = Field(alias="gpuType", min_length=1)
    gpu_count: Int32 = Field(alias="gpuCount")


class KeyValue(_Wire):
    """``KeyValuePairDTO`` (the ``yotta`` CLI sends ``name`` for ``key``)."""

    key: str = Field(validation_alias=AliasChoices("key", "name"), min_length=1)
    value: str = Field(min_length=1)


class ExposeIn(_Wire):
    """``ElasticV2ExposePort``."""

    port: Int32 = Field(ge=1, le=65535)
    protocol: str


WebhookUrl = Annotated[str, _sized(0, 512), Field(pattern=WEBHOOK_PATTERN)]
Name = Annotated[str, Field(min_length=1, pattern=NAME_PATTERN)]
EnvVars = Annotated[
    list[KeyValue] | None,
    Field(validation_alias=AliasChoices("envVars", "environmentVars")),
]
CredentialId = Annotated[
    Int64 | None,
    Field(validation_alias=AliasChoices("credentialId", "containerRegistryAuthId")),
]


class UpdateEndpointIn(_Wire):
    """``ElasticV2UpdateRequest`` (PATCH): fields left out stay as they are."""

    name: Name
    resources: list[ResourceIn] = Field(min_length=1)
    min_single_card_vram_in_gb: Int32 | None = Field(default=None, alias="minSingleCardVramInGb")
    min_single_card_vcpu: Int32 | None = Field(default=None, alias="minSingleCardVcpu")
    min_single_card_ram_in_gb: Int32 | None = Field(default=None, alias="minSingleCardRamInGb")
    workers: Int32 = Field(ge=1)
    credential_id: CredentialId = None
    container_volume_in_gb: Int32 = Field(alias="containerVolumeInGb", ge=20)
    initialization_command: str | None = Field(default=None, alias="initializationCommand")
    env_vars: EnvVars = None
    expose: ExposeIn | None = None
    webhook: WebhookUrl | None = None


class CreateEndpointIn(_Wire):
    """``ElasticV2CreateRequest``."""

    name: Name
    image_registry: Annotated[str, _sized(0, 255)] | None = Field(
        default=None, alias="imageRegistry"
    )
    image: Annotated[str, _sized(1, 255)]
    resources: list[ResourceIn] = Field(min_length=1)
    min_single_card_vram_in_gb: Int32 | None = Field(
        default=None, alias="minSingleCardVramInGb", ge=0, le=1536
    )
    min_single_card_vcpu: Int32 | None = Field(default=None, alias="minSingleCardVcpu")
    min_single_card_ram_in_gb: Int32 | None = Field(
        default=None, alias="minSingleCardRamInGb", ge=0, le=1536
    )
    workers: Int32 = Field(ge=1)
    credential_id: CredentialId = None
    container_volume_in_gb: Int32 = Field(alias="containerVolumeInGb", ge=20)
    initialization_command: str | None = Field(default=None, alias="initializationCommand")
    env_vars: EnvVars = None
    expose: ExposeIn | None = None
    service_mode: Literal["ALB", "QUEUE", "CUSTOM"] = Field(alias="serviceMode")
    webhook: WebhookUrl | None = None


class SubmitTaskIn(_Wire):
    """``ElasticV2SubmitTaskRequest``."""

    task_id: Annotated[str, _sized(0, 255), Field(pattern=TASK_ID_PATTERN)] | None = Field(
        default=None, alias="taskId"
    )
    input: Required
    worker_port: Int32 = Field(alias="workerPort", ge=1, le=65535)
    process_uri: Annotated[str, _sized(0, 255)] = Field(alias="processUri")
    webhook: WebhookUrl | None = None
    webhook_auth_key: Annotated[str, _sized(0, 255)] | None = Field(
        default=None, alias="webhookAuthKey"
    )
    headers: dict[str, Annotated[str, Field(strict=True)]] | None = None


class ScaleIn(_Wire):
    """Alias form of scaling (v1 / tutorial): ``POST .../workers {"workers": N}``."""

    workers: Int32 = Field(ge=0)


# ---------------------------------------------------------------------------- fixture section


class YottaOptions(BaseModel):
    """Choices the docs leave open (see the README's Yotta assumptions)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id_format: Literal["string", "integer"] = "string"
    task_endpoint_id_format: Literal["string", "integer"] = "integer"
    business_error_status: int = Field(default=200, ge=200, le=599)
    validation_error_status: int = Field(default=400, ge=200, le=599)
    auth_error_status: int = Field(default=401, ge=200, le=599)
    auth_error_code: int = 401
    auth_error_message: str = "Unauthorized"
    delete_active: Literal["reject", "allow"] = "reject"
    strict_gpu_types: bool = True
    max_workers: int = Field(default=64, ge=1)
    delivered: Literal["webhook", "dispatch"] = "webhook"
    duplicate_task_id: Literal["existing", "reject"] = "existing"
    submit_when_stopped: Literal["reject", "queue"] = "reject"
    endpoint_webhook: Literal["task_results", "ignore"] = "task_results"
    webhook_retry_delays: list[float] = Field(default_factory=lambda: [60.0, 300.0, 900.0])
    worker_base_url: str | None = None
    behaviour: str | dict[str, Any] | None = None
    creator: str | None = None

    def merged(self, other: "YottaOptions") -> "YottaOptions":
        """These options with the fields ``other`` sets on top."""
        return self.model_copy(update={k: getattr(other, k) for k in other.model_fields_set})


class FixtureEndpoint(CreateEndpointIn):
    """A fixture endpoint: the create body plus id, initial state and how its workers behave."""

    model_config = ConfigDict(extra="forbid")  # the rest as the wire models read (merged)
    id: Int64 | None = None
    status: Literal["RUNNING", "STOPPED"] = "RUNNING"
    behaviour: str | dict[str, Any] | None = None
    worker_base_url: str | None = None
    concurrency: int = Field(default=1, ge=1)


class YottaFixture(BaseModel):
    """The ``yotta:`` section of a fixture document."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    options: YottaOptions | None = None
    catalog: CatalogSection | None = None
    endpoints: list[FixtureEndpoint] = Field(default_factory=list)


# ---------------------------------------------------------------------------- error wording

_TYPE_WORDS = {
    "int_parsing": "Integer",
    "int_type": "Integer",
    "int_from_float": "Integer",
    "string_type": "String",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "bool_type": "Boolean",
}


def _words(problem: FieldProblem) -> str:
    kind, ctx = problem.kind, problem.context
    if kind == "missing" or (problem.input is None and kind in _TYPE_WORDS):
        return "must not be null"
    if kind == "string_pattern_mismatch":
        return f'must match "{ctx.get("pattern")}"'
    if kind == "greater_than_equal":
        return f"must be greater than or equal to {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be less than or equal to {ctx.get('le')}"
    if kind == "string_too_short":
        return "must not be blank"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return "must be one of " + ", ".join(SERVICE_MODES)
    if kind in _TYPE_WORDS:
        return f"Cannot deserialize value of type `{_TYPE_WORDS[kind]}` from {problem.input!r}"
    return problem.message


def validation_message(problem: FieldProblem) -> str:
    """``field: message`` in the wording of a Spring/Hibernate backend."""
    if not problem.field:
        return "request body must be a JSON object"
    return f"{problem.field}: {_words(problem)}"
