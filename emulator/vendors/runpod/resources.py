"""Templates, network volumes and container registry credentials of one tenant.

Field names are REST v1's (``imageName``, ``containerDiskInGb``...) plus the v2-only ones
(``startSsh``, ``allowedCudaVersions``); both REST renderers read them. Lookups by id and by
name are dict hits. Every check runs before anything changes, so a refused request leaves no
trace.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.core.ids import Ids
from emulator.vendors.runpod.errors import in_use, invalid, not_found

TEMPLATE_ID_LENGTH = 10  # like 30zmvf89kd
VOLUME_ID_LENGTH = 10  # like agv6w2qcg7
CUID_RANDOM = 12  # clzdaifot0001l90809257ynb: c + 8 time + 4 counter + 12 random

# Template fields a running worker sees: changing one rolls the endpoints that use it.
CONTAINER_FIELDS = frozenset(
    {
        "imageName",
        "dockerEntrypoint",
        "dockerStartCmd",
        "args",
        "env",
        "containerDiskInGb",
        "containerRegistryAuthId",
        "ports",
        "volumeInGb",
        "volumeMountPath",
    }
)


@dataclass(eq=False)
class Template:
    """A template; ``boundTo`` is the endpoint that owns it (endpoint-bound templates)."""

    id: str
    name: str
    imageName: str
    category: str = "NVIDIA"
    containerDiskInGb: int = 50
    containerRegistryAuthId: str | None = None
    dockerEntrypoint: list[str] = field(default_factory=list)
    dockerStartCmd: list[str] = field(default_factory=list)
    args: str | None = None  # REST v2 ``args`` as sent (else derived from dockerStartCmd)
    env: dict[str, str] = field(default_factory=dict)
    isPublic: bool = False
    isRunpod: bool = False
    isServerless: bool = True
    ports: list[str] = field(default_factory=list)
    readme: str = ""
    volumeInGb: int = 20
    volumeMountPath: str = "/workspace"
    startSsh: bool = True
    startJupyter: bool = True
    allowedCudaVersions: list[str] = field(default_factory=list)
    boundTo: str | None = None
    endpoints: set[str] = field(default_factory=set)

    @property
    def arguments(self) -> str:
        """REST v2 ``args``: what was sent, else the start command as one shell string."""
        if self.args is not None:
            return self.args
        return shlex.join(self.dockerStartCmd)

    def container(self) -> dict[str, Any]:
        """The fields copied into an endpoint-bound template."""
        return {
            name: _copy(getattr(self, name))
            for name in (*sorted(CONTAINER_FIELDS), "category", "allowedCudaVersions")
        }

    def state(self) -> dict[str, Any]:
        """The admin view."""
        data = {k: _copy(v) for k, v in vars(self).items() if k != "endpoints"}
        data["endpoints"] = sorted(self.endpoints)
        return data


@dataclass(eq=False)
class NetworkVolume:
    """A network volume; ``endpoints`` attach it."""

    id: str
    name: str
    size: int
    dataCenterId: str
    type: str = "STANDARD"
    endpoints: set[str] = field(default_factory=set)

    def state(self) -> dict[str, Any]:
        """The admin view."""
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "dataCenterId": self.dataCenterId,
            "type": self.type,
            "endpoints": sorted(self.endpoints),
        }


@dataclass(eq=False)
class RegistryAuth:
    """Container registry credentials (write-only secrets); ``templates`` reference it."""

    id: str
    name: str
    username: str = field(repr=False, default="")
    password: str = field(repr=False, default="")
    templates: set[str] = field(default_factory=set)

    def state(self) -> dict[str, Any]:
        """The admin view (never the secrets)."""
        return {"id": self.id, "name": self.name, "templates": sorted(self.templates)}


def official_templates() -> dict[str, Template]:
    """RunPod's official templates everyone can read (``includeRunpodTemplates``); fresh copies."""
    templates = (
        Template(
            id="runpod-torch-v240",
            name="Runpod Pytorch 2.4.0",
            imageName="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            isPublic=True,
            isRunpod=True,
            isServerless=False,
            ports=["8888/http", "22/tcp"],
            readme="Runpod's PyTorch image with JupyterLab and SSH.",
            containerDiskInGb=50,
            volumeInGb=20,
        ),
        Template(
            id="runpod-worker-vllm",
            name="vLLM Worker",
            imageName="runpod/worker-v1-vllm:v2.7.0",
            isPublic=True,
            isRunpod=True,
            isServerless=True,
            readme="OpenAI-compatible LLM inference with vLLM.",
            containerDiskInGb=20,
            volumeInGb=0,
        ),
        Template(
            id="runpod-worker-basic",
            name="Serverless Basic Worker",
            imageName="runpod/worker-basic:latest",
            isPublic=True,
            isRunpod=True,
            isServerless=True,
            readme="A minimal handler that echoes its input.",
            containerDiskInGb=5,
            volumeInGb=0,
        ),
    )
    return {template.id: template for template in templates}


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


class Library:
    """A tenant's templates, network volumes and registry credentials, indexed by id and name."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.templates: dict[str, Template] = {}
        self.template_names: dict[str, str] = {}
        self.volumes: dict[str, NetworkVolume] = {}
        self.registries: dict[str, RegistryAuth] = {}
        self.registry_names: dict[str, str] = {}
        self.official = official_templates()
        self._cuid_counter = 0

    # ------------------------------------------------------------------ templates

    def template(self, template_id: str, *, bound: bool = True, official: bool = False) -> Template:
        """A template by id (bound ones only with ``bound``, RunPod's with ``official``)."""
        template = self.templates.get(template_id)
        if template is not None and (bound or template.boundTo is None):
            return template
        if official and template_id in self.official:
            return self.official[template_id]
        raise not_found("template")

    def resolve_template(self, template_id: str, field_name: str) -> Template:
        """A template named in a request body (own or official)."""
        template = self.templates.get(template_id) or self.official.get(template_id)
        if template is None:
            raise not_found("template", field=field_name, object_id=template_id)
        return template

    def check_template(
        self, fields: dict[str, Any], names: Mapping[str, str], own: str = ""
    ) -> None:
        """Name unique, registry known: before a template is made or changed."""
        name = fields.get("name")
        if name is not None:
            holder = self.template_names.get(name)
            if holder is not None and holder != own:
                raise invalid(names.get("name", "name"), f"a template named {name!r} exists")
        registry = fields.get("containerRegistryAuthId")
        if registry is not None and registry not in self.registries:
            label = names.get("containerRegistryAuthId", "containerRegistryAuthId")
            raise not_found("container registry auth", field=label, object_id=registry)

    def new_template(
        self,
        fields: dict[str, Any],
        *,
        template_id: str | None = None,
        bound_to: str | None = None,
    ) -> Template:
        """Create a template (checked with :meth:`check_template` first).

        A fixture may replace a template by id: endpoints running it keep running it.
        """
        users: set[str] = set()
        if template_id is None:
            template_id = self._new_id(self.templates, TEMPLATE_ID_LENGTH)
        elif template_id in self.templates:
            users = self.templates[template_id].endpoints
            self.drop_template(self.templates[template_id])
        template = Template(id=template_id, boundTo=bound_to, endpoints=users, **fields)
        self.templates[template.id] = template
        self.template_names[template.name] = template.id
        self._link_registry(template, template.containerRegistryAuthId)
        return template

    def bound_name(self, endpoint_name: str) -> str:
        """A fresh name for an endpoint-bound template: ``<endpoint>__template__<random>``."""
        while True:
            name = f"{endpoint_name or 'endpoint'}__template__{self.ids.alnum(7)}"
            if name not in self.template_names:
                return name

    def update_template(self, template: Template, changes: dict[str, Any]) -> bool:
        """Apply changes (already checked); True when a container field changed."""
        rolled = False
        for name, value in changes.items():
            if getattr(template, name) == value:
                continue
            if name == "name":
                self.template_names.pop(template.name, None)
                self.template_names[value] = template.id
            elif name == "containerRegistryAuthId":
                self._unlink_registry(template)
                self._link_registry(template, value)
            elif name == "dockerStartCmd" and "args" not in changes:
                template.args = None  # v1 set the command: v2 args follow it
            setattr(template, name, _copy(value))
            rolled = rolled or name in CONTAINER_FIELDS
        return rolled

    def delete_template(self, template_id: str) -> None:
        """Delete an own, unbound-or-orphaned template; in use by an endpoint → 400."""
        template = self.template(template_id)
        if template.endpoints:
            users = ", ".join(f"endpoint {e}" for e in sorted(template.endpoints))
            raise in_use("template", template_id, users)
        self.drop_template(template)

    def drop_template(self, template: Template) -> None:
        """Forget a template (no checks)."""
        self.templates.pop(template.id, None)
        if self.template_names.get(template.name) == template.id:
            del self.template_names[template.name]
        self._unlink_registry(template)

    def _link_registry(self, template: Template, registry_id: str | None) -> None:
        registry = self.registries.get(registry_id or "")
        if registry is not None:
            registry.templates.add(template.id)

    def _unlink_registry(self, template: Template) -> None:
        registry = self.registries.get(template.containerRegistryAuthId or "")
        if registry is not None:
            registry.templates.discard(template.id)

    # ------------------------------------------------------------------ network volumes

    def volume(self, volume_id: str) -> NetworkVolume:
        """A network volume by id."""
        volume = self.volumes.get(volume_id)
        if volume is None:
            raise not_found("network volume")
        return volume

    def new_volume(
        self,
        name: str,
        size: int,
        data_center_id: str,
        kind: str = "STANDARD",
        volume_id: str | None = None,
    ) -> NetworkVolume:
        """Create a network volume (the data center is checked by the caller).

        A fixture may redefine a volume by id: it keeps its attachments.
        """
        volume = self.volumes.get(volume_id or "")
        if volume is None:
            volume = NetworkVolume(
                id=volume_id or self._new_id(self.volumes, VOLUME_ID_LENGTH),
                name=name,
                size=size,
                dataCenterId=data_center_id,
                type=kind,
            )
            self.volumes[volume.id] = volume
        else:
            volume.name, volume.size, volume.dataCenterId, volume.type = (
                name,
                size,
                data_center_id,
                kind,
            )
        return volume

    def update_volume(
        self, volume: NetworkVolume, name: str | None, size: int | None, size_field: str = "size"
    ) -> NetworkVolume:
        """Rename and/or grow a volume; a smaller size is refused."""
        if size is not None and size < volume.size:
            raise invalid(size_field, f"must not be less than the current size ({volume.size})")
        if name is not None:
            volume.name = name
        if size is not None:
            volume.size = size
        return volume

    def delete_volume(self, volume_id: str) -> None:
        """Delete a volume; attached to an endpoint → 400."""
        volume = self.volume(volume_id)
        if volume.endpoints:
            users = ", ".join(f"endpoint {e}" for e in sorted(volume.endpoints))
            raise in_use("network volume", volume_id, users)
        del self.volumes[volume_id]

    # ------------------------------------------------------------------ registry credentials

    def registry(self, registry_id: str) -> RegistryAuth:
        """Registry credentials by id."""
        registry = self.registries.get(registry_id)
        if registry is None:
            raise not_found("container registry auth")
        return registry

    def new_registry(
        self, name: str, username: str, password: str, registry_id: str | None = None
    ) -> RegistryAuth:
        """Store credentials under a unique name (a fixture may redefine them by id)."""
        if name in self.registry_names and self.registry_names[name] != registry_id:
            raise invalid("name", f"a container registry auth named {name!r} exists")
        registry = self.registries.get(registry_id or "")
        if registry is None:
            registry = RegistryAuth(id=registry_id or self._cuid(), name=name)
            self.registries[registry.id] = registry
        else:
            self.registry_names.pop(registry.name, None)
            registry.name = name
        registry.username, registry.password = username, password
        self.registry_names[name] = registry.id
        return registry

    def delete_registry(self, registry_id: str | None) -> None:
        """Delete credentials; templates that used them lose the reference."""
        registry = self.registry(registry_id or "")
        for template_id in registry.templates:
            template = self.templates.get(template_id)
            if template is not None:
                template.containerRegistryAuthId = None
        del self.registries[registry.id]
        self.registry_names.pop(registry.name, None)

    # ------------------------------------------------------------------ ids

    def _new_id(self, taken: dict[str, Any], length: int) -> str:
        while True:
            new = self.ids.alnum(length)
            if new not in taken:
                return new

    def _cuid(self) -> str:
        """``clzdaifot0001l90809257ynb``-shaped: c, 8 time chars, 4 counter, 12 random."""
        self._cuid_counter += 1
        stamp = self.ids.alnum(8)
        counter = _base36(self._cuid_counter).rjust(4, "0")[-4:]
        return f"c{stamp}{counter}{self.ids.alnum(CUID_RANDOM)}"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out
