"""RunPod's hardware catalog: GPU types and prices, serverless GPU pools, data centers, CPU flavors.

The default catalog is the REST v1 spec's enums (49 GPU type ids, 26 data centers, 4 CPU
flavors, CUDA versions) filled in with public figures: GPU display names and memory from the
docs' GPU-types table, serverless pools from the Flash docs (``ADA_24`` = L4 + RTX 4090...),
secure/community pod prices and serverless per-second prices as RunPod's pricing page listed
them (rounded; a fixture may replace any entry). Workers are placed from it: their ``gpu``,
``machine`` and ``costPerHr`` in REST v1 and their ``gpuTypeId``/``dataCenterId`` in REST v2.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# --------------------------------------------------------------------------- spec enums

# REST v1 ``EndpointCreateInput.gpuTypeIds`` items enum, in the spec's order (its duplicates
# with a doubled space are real ids of the enum and are accepted as written).
GPU_TYPE_IDS = (
    "NVIDIA GeForce RTX 4090", "NVIDIA A40", "NVIDIA RTX A5000", "NVIDIA GeForce RTX 5090",
    "NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 3090", "NVIDIA RTX A4500", "NVIDIA L40S",
    "NVIDIA H200", "NVIDIA L4", "NVIDIA RTX 6000 Ada Generation", "NVIDIA A100-SXM4-80GB",
    "NVIDIA RTX 4000 Ada Generation", "NVIDIA RTX A6000", "NVIDIA A100 80GB PCIe",
    "NVIDIA RTX 2000 Ada Generation", "NVIDIA RTX A4000",
    "NVIDIA RTX PRO 6000 Blackwell Server Edition", "NVIDIA H100 PCIe", "NVIDIA H100 NVL",
    "NVIDIA L40", "NVIDIA B200", "NVIDIA GeForce RTX 3080 Ti",
    "NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "NVIDIA GeForce RTX 3080",
    "NVIDIA GeForce RTX 3070", "AMD Instinct MI300X OAM", "NVIDIA GeForce RTX 4080 SUPER",
    "Tesla V100-PCIE-16GB", "Tesla V100-SXM2-32GB", "NVIDIA RTX 5000 Ada Generation",
    "NVIDIA GeForce RTX 4070 Ti", "NVIDIA RTX 4000 SFF Ada Generation",
    "NVIDIA GeForce RTX 3090 Ti", "NVIDIA RTX A2000", "NVIDIA GeForce RTX 4080", "NVIDIA A30",
    "NVIDIA GeForce RTX 5080", "Tesla V100-FHHL-16GB", "NVIDIA H200 NVL", "Tesla V100-SXM2-16GB",
    "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "NVIDIA A5000 Ada",
    "Tesla V100-PCIE-32GB", "NVIDIA  RTX A4500", "NVIDIA  A30", "NVIDIA GeForce RTX 3080TI",
    "Tesla T4", "NVIDIA RTX A30",
)  # fmt: skip
CUDA_VERSIONS = (
    "13.0", "12.9", "12.8", "12.7", "12.6", "12.5", "12.4", "12.3", "12.2", "12.1", "12.0", "11.8",
)  # fmt: skip
DATA_CENTER_IDS = (
    "EU-RO-1", "CA-MTL-1", "EU-SE-1", "US-IL-1", "EUR-IS-1", "EU-CZ-1", "US-TX-3", "EUR-IS-2",
    "US-KS-2", "US-GA-2", "US-WA-1", "US-TX-1", "CA-MTL-3", "EU-NL-1", "US-TX-4", "US-CA-2",
    "US-NC-1", "OC-AU-1", "US-DE-1", "EUR-IS-3", "CA-MTL-2", "AP-JP-1", "EUR-NO-1", "EU-FR-1",
    "US-KS-3", "US-GA-1",
)  # fmt: skip
CPU_FLAVOR_IDS = ("cpu3c", "cpu3g", "cpu5c", "cpu5g")

DEFAULT_GPU = "NVIDIA GeForce RTX 4090"
DEFAULT_CPU_FLAVOR = "cpu3c"
HOUR = 3600.0


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class GpuType:
    """One GPU type: names, memory, its serverless pool, list prices per GPU-hour."""

    id: str
    displayName: str
    memoryInGb: int
    manufacturer: str
    pool: str | None
    securePrice: float
    communityPrice: float
    vcpu: int  # vCPUs a worker gets per GPU
    ram: int  # GB of RAM a worker gets per GPU

    def prices(self) -> dict[str, float]:
        """The price block of REST v1 ``gpu``/``machine.gpuType`` (derived term prices)."""
        secure = self.securePrice
        return {
            "securePrice": secure,
            "communityPrice": self.communityPrice,
            "oneMonthPrice": round(secure * 0.9, 2),
            "threeMonthPrice": round(secure * 0.85, 2),
            "sixMonthPrice": round(secure * 0.8, 2),
            "oneWeekPrice": round(secure * 0.95, 2),
            "communitySpotPrice": round(self.communityPrice * 0.6, 2),
            "secureSpotPrice": round(secure * 0.6, 2),
        }


@dataclass(frozen=True, slots=True)
class GpuPool:
    """A serverless GPU pool and its per-GPU serverless prices (USD per second)."""

    id: str
    flex: float
    active: float


@dataclass(frozen=True, slots=True)
class CpuFlavor:
    """A serverless CPU flavor: RAM per vCPU and price per vCPU-second."""

    id: str
    displayName: str
    ram_per_vcpu: int
    price: float
    max_vcpu: int = 32


@dataclass(frozen=True, slots=True)
class DataCenter:
    """A data center: where it is, which GPU classes it hosts, its CPU model."""

    id: str
    location: str
    classes: frozenset[str]
    cpu: str = "AMD EPYC 7763 64-Core Processor"


# (id, display name, memory, manufacturer, pool, secure $/h, community $/h, vcpu, ram) —
# the class decides which data centers host it (see _DC below).
_GPUS: tuple[tuple[str, str, int, str, str | None, float, float, int, int, str], ...] = (
    ("NVIDIA GeForce RTX 4090", "RTX 4090", 24, "Nvidia", "ADA_24", 0.69, 0.34, 6, 41, "c"),
    ("NVIDIA A40", "A40", 48, "Nvidia", "AMPERE_48", 0.40, 0.35, 9, 50, "p"),
    ("NVIDIA RTX A5000", "RTX A5000", 24, "Nvidia", "AMPERE_24", 0.27, 0.16, 4, 25, "c"),
    ("NVIDIA GeForce RTX 5090", "RTX 5090", 32, "Nvidia", "ADA_32_PRO", 0.94, 0.69, 8, 46, "c"),
    ("NVIDIA H100 80GB HBM3", "H100 SXM", 80, "Nvidia", "ADA_80_PRO", 2.69, 2.39, 20, 125, "d"),
    ("NVIDIA GeForce RTX 3090", "RTX 3090", 24, "Nvidia", "AMPERE_24", 0.46, 0.22, 4, 24, "c"),
    ("NVIDIA RTX A4500", "RTX A4500", 20, "Nvidia", "AMPERE_24", 0.25, 0.19, 4, 29, "c"),
    ("NVIDIA L40S", "L40S", 48, "Nvidia", "ADA_48_PRO", 0.86, 0.79, 12, 62, "p"),
    ("NVIDIA H200", "H200 SXM", 141, "Nvidia", "HOPPER_141", 3.99, 3.59, 24, 276, "d"),
    ("NVIDIA L4", "L4", 24, "Nvidia", "ADA_24", 0.43, 0.39, 12, 50, "p"),
    ("NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada", 48, "Nvidia", "ADA_48_PRO", 0.77, 0.74,
     10, 62, "p"),
    ("NVIDIA A100-SXM4-80GB", "A100 SXM", 80, "Nvidia", "AMPERE_80", 1.74, 1.39, 16, 125, "d"),
    ("NVIDIA RTX 4000 Ada Generation", "RTX 4000 Ada", 20, "Nvidia", "AMPERE_16", 0.26, 0.20,
     4, 31, "c"),
    ("NVIDIA RTX A6000", "RTX A6000", 48, "Nvidia", "AMPERE_48", 0.49, 0.33, 8, 50, "p"),
    ("NVIDIA A100 80GB PCIe", "A100 PCIe", 80, "Nvidia", "AMPERE_80", 1.64, 1.19, 8, 117, "d"),
    ("NVIDIA RTX 2000 Ada Generation", "RTX 2000 Ada", 16, "Nvidia", "AMPERE_16", 0.24, 0.23,
     6, 31, "c"),
    ("NVIDIA RTX A4000", "RTX A4000", 16, "Nvidia", "AMPERE_16", 0.25, 0.17, 4, 20, "c"),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "RTX PRO 6000", 96, "Nvidia",
     "BLACKWELL_96", 1.84, 1.69, 16, 188, "d"),
    ("NVIDIA H100 PCIe", "H100 PCIe", 80, "Nvidia", "ADA_80_PRO", 2.39, 1.99, 16, 188, "d"),
    ("NVIDIA H100 NVL", "H100 NVL", 94, "Nvidia", "ADA_80_PRO", 3.07, 2.59, 16, 94, "d"),
    ("NVIDIA L40", "L40", 48, "Nvidia", "ADA_48_PRO", 0.99, 0.69, 8, 94, "p"),
    ("NVIDIA B200", "B200", 180, "Nvidia", "BLACKWELL_180", 5.99, 5.19, 28, 283, "d"),
    ("NVIDIA GeForce RTX 3080 Ti", "RTX 3080 Ti", 12, "Nvidia", None, 0.27, 0.18, 4, 24, "c"),
    ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "RTX PRO 6000 WK", 96, "Nvidia",
     "BLACKWELL_96", 1.84, 1.69, 16, 188, "d"),
    ("NVIDIA GeForce RTX 3080", "RTX 3080", 10, "Nvidia", None, 0.25, 0.17, 4, 24, "c"),
    ("NVIDIA GeForce RTX 3070", "RTX 3070", 8, "Nvidia", None, 0.16, 0.13, 4, 16, "c"),
    ("AMD Instinct MI300X OAM", "MI300X", 192, "AMD", None, 2.49, 2.49, 24, 283, "d"),
    ("NVIDIA GeForce RTX 4080 SUPER", "RTX 4080 SUPER", 16, "Nvidia", None, 0.40, 0.32, 6, 31,
     "c"),
    ("Tesla V100-PCIE-16GB", "Tesla V100", 16, "Nvidia", None, 0.19, 0.14, 6, 46, "c"),
    ("Tesla V100-SXM2-32GB", "V100 SXM2 32GB", 32, "Nvidia", None, 0.39, 0.29, 10, 62, "p"),
    ("NVIDIA RTX 5000 Ada Generation", "RTX 5000 Ada", 32, "Nvidia", None, 0.81, 0.61, 8, 62,
     "p"),
    ("NVIDIA GeForce RTX 4070 Ti", "RTX 4070 Ti", 12, "Nvidia", None, 0.24, 0.18, 4, 24, "c"),
    ("NVIDIA RTX 4000 SFF Ada Generation", "RTX 4000 Ada SFF", 20, "Nvidia", None, 0.23, 0.17,
     4, 31, "c"),
    ("NVIDIA GeForce RTX 3090 Ti", "RTX 3090 Ti", 24, "Nvidia", None, 0.32, 0.27, 4, 24, "c"),
    ("NVIDIA RTX A2000", "RTX A2000", 6, "Nvidia", None, 0.14, 0.11, 4, 16, "c"),
    ("NVIDIA GeForce RTX 4080", "RTX 4080", 16, "Nvidia", None, 0.34, 0.27, 6, 31, "c"),
    ("NVIDIA A30", "A30", 24, "Nvidia", None, 0.39, 0.22, 8, 31, "p"),
    ("NVIDIA GeForce RTX 5080", "RTX 5080", 16, "Nvidia", None, 0.47, 0.35, 6, 31, "c"),
    ("Tesla V100-FHHL-16GB", "V100 FHHL", 16, "Nvidia", None, 0.19, 0.14, 6, 46, "c"),
    ("NVIDIA H200 NVL", "H200 NVL", 143, "Nvidia", None, 3.39, 3.19, 24, 188, "d"),
    ("Tesla V100-SXM2-16GB", "V100 SXM2", 16, "Nvidia", None, 0.24, 0.17, 10, 62, "p"),
    ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "RTX PRO 6000 MaxQ", 96,
     "Nvidia", "BLACKWELL_96", 1.79, 1.64, 16, 188, "d"),
    ("NVIDIA A5000 Ada", "A5000 Ada", 32, "Nvidia", None, 0.81, 0.61, 8, 62, "p"),
    ("Tesla V100-PCIE-32GB", "Tesla V100 32GB", 32, "Nvidia", None, 0.29, 0.21, 6, 46, "c"),
    ("NVIDIA  RTX A4500", "RTX A4500", 20, "Nvidia", None, 0.25, 0.19, 4, 29, "c"),
    ("NVIDIA  A30", "A30", 24, "Nvidia", None, 0.39, 0.22, 8, 31, "p"),
    ("NVIDIA GeForce RTX 3080TI", "RTX 3080 Ti", 12, "Nvidia", None, 0.27, 0.18, 4, 24, "c"),
    ("Tesla T4", "Tesla T4", 16, "Nvidia", None, 0.20, 0.14, 4, 16, "c"),
    ("NVIDIA RTX A30", "RTX A30", 24, "Nvidia", None, 0.39, 0.22, 8, 31, "p"),
)  # fmt: skip

# Serverless pools: flex and active USD per GPU-second (RunPod's serverless price table).
_POOLS = (
    GpuPool("AMPERE_16", 0.00016, 0.00011),
    GpuPool("AMPERE_24", 0.00019, 0.00013),
    GpuPool("ADA_24", 0.00031, 0.00021),
    GpuPool("ADA_32_PRO", 0.00044, 0.00031),
    GpuPool("AMPERE_48", 0.00034, 0.00024),
    GpuPool("ADA_48_PRO", 0.00053, 0.00037),
    GpuPool("AMPERE_80", 0.00076, 0.00060),
    GpuPool("ADA_80_PRO", 0.00116, 0.00093),
    GpuPool("BLACKWELL_96", 0.00111, 0.00095),
    GpuPool("HOPPER_141", 0.00155, 0.00124),
    GpuPool("BLACKWELL_180", 0.00240, 0.00190),
)

_CPU_FLAVORS = (
    CpuFlavor("cpu3c", "Compute-Optimized", 2, 0.0000185),
    CpuFlavor("cpu3g", "General Purpose", 4, 0.0000222),
    CpuFlavor("cpu5c", "Compute-Optimized (5th gen)", 2, 0.0000232, 64),
    CpuFlavor("cpu5g", "General Purpose (5th gen)", 4, 0.0000278, 64),
)

# Classes of GPU a data center hosts: c = consumer, p = professional, d = data-center class.
_CPD = frozenset("cpd")
_CP = frozenset("cp")
_PD = frozenset("pd")
_DC = (
    ("EU-RO-1", "Romania", _CPD), ("CA-MTL-1", "Canada", _CPD), ("EU-SE-1", "Sweden", _CP),
    ("US-IL-1", "United States", _CPD), ("EUR-IS-1", "Iceland", _CPD),
    ("EU-CZ-1", "Czech Republic", _CP), ("US-TX-3", "United States", _CPD),
    ("EUR-IS-2", "Iceland", _CPD), ("US-KS-2", "United States", _CPD),
    ("US-GA-2", "United States", _PD), ("US-WA-1", "United States", _CP),
    ("US-TX-1", "United States", _PD), ("CA-MTL-3", "Canada", _CPD),
    ("EU-NL-1", "Netherlands", _CPD), ("US-TX-4", "United States", _PD),
    ("US-CA-2", "United States", _CPD), ("US-NC-1", "United States", _PD),
    ("OC-AU-1", "Australia", _CP), ("US-DE-1", "United States", _PD),
    ("EUR-IS-3", "Iceland", _CPD), ("CA-MTL-2", "Canada", _CPD), ("AP-JP-1", "Japan", _PD),
    ("EUR-NO-1", "Norway", _CPD), ("EU-FR-1", "France", _PD), ("US-KS-3", "United States", _PD),
    ("US-GA-1", "United States", _PD),
)  # fmt: skip


@dataclass
class Catalog:
    """A tenant's catalog (the default, with the fixture's replacements)."""

    gpus: dict[str, GpuType] = field(default_factory=dict)
    gpu_class: dict[str, str] = field(default_factory=dict)
    pools: dict[str, GpuPool] = field(default_factory=dict)
    data_centers: dict[str, DataCenter] = field(default_factory=dict)
    cpu_flavors: dict[str, CpuFlavor] = field(default_factory=dict)
    # pool id -> its GPU type ids, in catalog order
    pool_members: dict[str, list[str]] = field(default_factory=dict)
    # (GPU type, allowed data centers) -> the ones hosting it; placement asks it per worker
    _hosting: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def default(cls) -> Catalog:
        """RunPod's catalog as the spec and the public pages describe it."""
        catalog = cls()
        for row in _GPUS:
            gpu = GpuType(*row[:9])
            catalog.gpus[gpu.id] = gpu
            catalog.gpu_class[gpu.id] = row[9]
        catalog.pools = {pool.id: pool for pool in _POOLS}
        catalog.data_centers = {
            dc_id: DataCenter(dc_id, location, classes) for dc_id, location, classes in _DC
        }
        catalog.cpu_flavors = {flavor.id: flavor for flavor in _CPU_FLAVORS}
        catalog.index()
        return catalog

    def index(self) -> None:
        """Rebuild the pool -> GPU types index (and forget which data centers host what)."""
        self._hosting.clear()
        members: dict[str, list[str]] = {pool: [] for pool in self.pools}
        for gpu in self.gpus.values():
            if gpu.pool is not None and gpu.pool in members:
                members[gpu.pool].append(gpu.id)
        self.pool_members = members

    def apply(self, section: Any) -> None:
        """Replace or add entries from a fixture's ``catalog:`` (see ``CatalogFixture``)."""
        for spec in section.gpus:
            base = self.gpus.get(spec.id)
            data = spec.model_dump(exclude={"id", "gpuClass"}, exclude_none=True)
            if base is None:
                self.gpus[spec.id] = GpuType(
                    id=spec.id,
                    displayName=data.get("displayName", spec.id),
                    memoryInGb=data.get("memoryInGb", 24),
                    manufacturer=data.get("manufacturer", "Nvidia"),
                    pool=data.get("pool"),
                    securePrice=data.get("securePrice", 0.0),
                    communityPrice=data.get("communityPrice", 0.0),
                    vcpu=data.get("vcpu", 4),
                    ram=data.get("ram", 24),
                )
            else:
                self.gpus[spec.id] = replace(base, **data)
            self.gpu_class[spec.id] = spec.gpuClass or self.gpu_class.get(spec.id, "c")
        for pool in section.pools:
            self.pools[pool.id] = GpuPool(pool.id, pool.flex, pool.active)
        for dc in section.dataCenters:
            self.data_centers[dc.id] = DataCenter(dc.id, dc.location, frozenset(dc.gpuClasses))
        self.index()

    # ------------------------------------------------------------------ lookups

    def pool_of(self, gpu_type_id: str) -> str | None:
        """The serverless pool of a GPU type (None: not in a pool)."""
        gpu = self.gpus.get(gpu_type_id)
        return gpu.pool if gpu is not None else None

    def hosts(self, data_center_id: str, gpu_type_id: str) -> bool:
        """Whether a data center has machines with this GPU type."""
        dc = self.data_centers.get(data_center_id)
        return dc is not None and self.gpu_class.get(gpu_type_id, "c") in dc.classes

    def hosting(self, gpu_type_id: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """The data centers among ``allowed`` that host this GPU type (memoized)."""
        key = (gpu_type_id, allowed)
        found = self._hosting.get(key)
        if found is None:
            found = self._hosting[key] = tuple(dc for dc in allowed if self.hosts(dc, gpu_type_id))
        return found

    def serverless_price(self, gpu_type_id: str) -> float:
        """Flex USD per GPU-hour of a GPU type (its pool's, else its secure pod price)."""
        gpu = self.gpus.get(gpu_type_id)
        if gpu is None:
            return 0.0
        pool = self.pools.get(gpu.pool or "")
        return round(pool.flex * HOUR, 4) if pool is not None else gpu.securePrice

    def cpu_memory(self, flavor_id: str, vcpu: int) -> int:
        """GB of RAM of a CPU worker (the flavor's RAM multiplier)."""
        flavor = self.cpu_flavors.get(flavor_id)
        return vcpu * (flavor.ram_per_vcpu if flavor is not None else 2)

    def cpu_price(self, flavor_id: str, vcpu: int) -> float:
        """USD per hour of a CPU worker."""
        flavor = self.cpu_flavors.get(flavor_id)
        return round((flavor.price if flavor is not None else 0.00002) * vcpu * HOUR, 4)
