"""The rules an endpoint configuration obeys beyond its wire schema (both REST APIs, fixtures).

Each check raises the REST error naming the field as the caller's API names it (``names``
maps the backend's REST v1 field names to the request's; REST v1 passes none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from emulator.vendors.runpod.catalog import Catalog
from emulator.vendors.runpod.errors import invalid, not_found
from emulator.vendors.runpod.schemas import DAY_MS

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import RunpodWorld
    from emulator.vendors.runpod.resources import Template

Names = Mapping[str, str]
EXECUTION_TIMEOUT_MS = (5_000, 7 * DAY_MS)


def name_of(names: Names, internal: str) -> str:
    """The request's name for a backend field."""
    return names.get(internal, internal)


def check_config(
    world: RunpodWorld, config: dict[str, Any], names: Names, *, changed: set[str]
) -> None:
    """Check ``config`` (a full endpoint configuration) where ``changed`` fields are involved."""
    if config["workersMin"] > config["workersMax"] and changed & {"workersMin", "workersMax"}:
        raise invalid(
            name_of(names, "workersMin"),
            f"must not be greater than {name_of(names, 'workersMax')}",
        )
    low, high = EXECUTION_TIMEOUT_MS
    if "executionTimeoutMs" in changed and not low <= config["executionTimeoutMs"] <= high:
        raise invalid(name_of(names, "executionTimeoutMs"), f"must be between {low} and {high} ms")
    if changed & {"scalerValue", "scalerType"}:
        value = config["scalerValue"]
        if config["scalerType"] == "REQUEST_COUNT" and value != int(value):
            raise invalid(name_of(names, "scalerValue"), "must be a whole number of requests")
    if config["computeType"] == "GPU" and "gpuTypeIds" in changed:
        _check_gpus(world.catalog, config["gpuTypeIds"], names)
    if config["computeType"] == "CPU" and "cpuConfigs" in changed:
        _check_cpu(world.catalog, config["cpuConfigs"], names)
    if "dataCenterIds" in changed:
        for dc in config["dataCenterIds"]:
            check_data_center(world.catalog, dc, name_of(names, "dataCenterIds"))
    if changed & {"networkVolumeIds", "dataCenterIds"}:
        _check_volumes(world, config, names)


def check_data_center(catalog: Catalog, dc: str, field_name: str) -> None:
    """A data center id of the catalog."""
    if dc not in catalog.data_centers:
        raise invalid(field_name, f"unknown data center {dc!r}")


def check_serverless(template: Template, names: Names) -> None:
    """Endpoints run Serverless templates only."""
    if not template.isServerless:
        raise invalid(
            name_of(names, "templateId"), f"template {template.id} is not a Serverless template"
        )


def _check_gpus(catalog: Catalog, gpus: list[str], names: Names) -> None:
    label = name_of(names, "gpuTypeIds")
    if not gpus:
        raise invalid(label, "must name at least one GPU type")
    for gpu in gpus:
        if catalog.pool_of(gpu) is None:
            raise invalid(label, f"{gpu!r} is not available on Serverless")


def _check_cpu(catalog: Catalog, configs: list[tuple[str, int]], names: Names) -> None:
    label = name_of(names, "cpuConfigs")
    if not configs:
        raise invalid(label, "must name at least one CPU flavor")
    for flavor_id, vcpu in configs:
        flavor = catalog.cpu_flavors.get(flavor_id)
        if flavor is None:
            raise invalid(label, f"unknown CPU flavor {flavor_id!r}")
        if vcpu < 2 or vcpu & (vcpu - 1) or vcpu > flavor.max_vcpu:
            raise invalid(
                name_of(names, "vcpuCount"),
                f"{vcpu} vCPUs: a power of two from 2 to {flavor.max_vcpu} for {flavor_id}",
            )


def _check_volumes(world: RunpodWorld, config: dict[str, Any], names: Names) -> None:
    label = name_of(names, "networkVolumeIds")
    allowed = config["dataCenterIds"]
    for volume_id in config["networkVolumeIds"]:
        volume = world.library.volumes.get(volume_id)
        if volume is None:
            raise not_found("network volume", field=label, object_id=volume_id)
        if allowed and volume.dataCenterId not in allowed:
            raise invalid(
                label,
                f"network volume {volume_id} is in {volume.dataCenterId}, "
                f"outside the endpoint's {name_of(names, 'dataCenterIds')}",
            )
