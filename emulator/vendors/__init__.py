"""The vendors the emulator serves; each subpackage exports ``vendor: VendorSpec``."""

from __future__ import annotations

import importlib

from emulator.hosting import VendorSpec

# Registration order is the order of the route table and of ``/_emulator/health``.
VENDOR_MODULES: tuple[str, ...] = (
    "emulator.vendors.ppio",
    "emulator.vendors.ppio.novita",
    "emulator.vendors.runpod",
    "emulator.vendors.yotta",
    "emulator.vendors.matpool",
)


def default_vendors() -> list[VendorSpec]:
    """Every bundled vendor."""
    return [importlib.import_module(name).vendor for name in VENDOR_MODULES]
