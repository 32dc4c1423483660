"""The GPU catalog and price table: what a ``resources`` entry resolves to, and what it costs.

The default catalog ships in ``catalog.yaml``; a fixture's ``yotta.catalog`` section adds or
replaces regions and GPU types and overrides prices. Catalogs are immutable: a world that loads
an override gets a new one.
"""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from emulator import yamltext

DEFAULT_CATALOG = Path(__file__).with_name("catalog.yaml")
_VRAM_SUFFIX = re.compile(r"_(\d+)G$", re.IGNORECASE)


class RegionIn(BaseModel):
    """A region of the catalog (fixture form)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class GpuIn(BaseModel):
    """A GPU type of the catalog (fixture form): per-card resources and the hourly price."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
    code: str = Field(min_length=1)
    display_name: str = Field(alias="displayName", min_length=1)
    vram_gb: int = Field(alias="vramGb", ge=0)
    vcpu: int = Field(ge=0)
    ram_gb: int = Field(alias="ramGb", ge=0)
    price_per_hour: float = Field(alias="pricePerHour", ge=0)
    regions: list[str] = Field(min_length=1)


class CatalogSection(BaseModel):
    """``yotta.catalog``: extra or replaced regions and GPUs, and per-GPU hourly prices."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    regions: list[RegionIn] = Field(default_factory=list)
    gpus: list[GpuIn] = Field(default_factory=list)
    prices: dict[str, float] = Field(default_factory=dict)
    replace: bool = False


@dataclass(frozen=True, slots=True)
class Region:
    """A region code and its display name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Gpu:
    """A GPU type: display name, per-card VRAM/vCPU/RAM, price per card-hour, regions."""

    code: str
    display_name: str
    vram_gb: int
    vcpu: int
    ram_gb: int
    price_per_hour: float
    regions: frozenset[str]


class Catalog:
    """Regions and GPU types by code (read-only)."""

    __slots__ = ("gpus", "regions")

    def __init__(self, regions: Mapping[str, Region], gpus: Mapping[str, Gpu]) -> None:
        self.regions: Mapping[str, Region] = MappingProxyType(dict(regions))
        self.gpus: Mapping[str, Gpu] = MappingProxyType(dict(gpus))

    def __getstate__(self) -> tuple[dict[str, Region], dict[str, Gpu]]:
        return dict(self.regions), dict(self.gpus)

    def __setstate__(self, data: tuple[dict[str, Region], dict[str, Gpu]]) -> None:
        self.regions = MappingProxyType(data[0])
        self.gpus = MappingProxyType(data[1])

    def region_name(self, code: str) -> str:
        """The display name of a region (the code itself when unknown)."""
        region = self.regions.get(code)
        return region.name if region is not None else code

    def merged(self, section: CatalogSection) -> "Catalog":
        """This catalog with a fixture section applied on top."""
        regions = {} if section.replace else dict(self.regions)
        gpus = {} if section.replace else dict(self.gpus)
        regions.update({r.code: Region(r.code, r.name) for r in section.regions})
        gpus.update({g.code: _gpu(g) for g in section.gpus})
        for code, price in section.prices.items():
            gpu = gpus.get(code) or guess_gpu(code, 0.0)
            gpus[code] = replace(gpu, price_per_hour=price)
        return Catalog(regions, gpus)


def guess_gpu(code: str, price_per_hour: float) -> Gpu:
    """A stand-in for a GPU code missing from the catalog (lenient mode): VRAM from ``_24G``."""
    match = _VRAM_SUFFIX.search(code)
    return Gpu(
        code=code,
        display_name=code,
        vram_gb=int(match.group(1)) if match else 0,
        vcpu=8,
        ram_gb=32,
        price_per_hour=price_per_hour,
        regions=frozenset(),
    )


def _gpu(entry: GpuIn) -> Gpu:
    return Gpu(
        code=entry.code,
        display_name=entry.display_name,
        vram_gb=entry.vram_gb,
        vcpu=entry.vcpu,
        ram_gb=entry.ram_gb,
        price_per_hour=entry.price_per_hour,
        regions=frozenset(entry.regions),
    )


@functools.cache
def default_catalog() -> Catalog:
    """The bundled catalog (parsed once; immutable)."""
    data = yamltext.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    section = CatalogSection.model_validate({**data, "replace": True})
    return Catalog({}, {}).merged(section)
