"""Matpool (矩池云) PaaS API v1: jobs as instances, multipart create, ``{"code", "msg"}`` on 200."""

from __future__ import annotations

from emulator.hosting import HostMount, VendorSpec
from emulator.vendors.matpool.backend import MatpoolWorld
from emulator.vendors.matpool.errors import MatpoolErrors
from emulator.vendors.matpool.routes import routes
from emulator.vendors.matpool.schemas import MatpoolFixture

HOST = "paas.matpool.com"

vendor = VendorSpec(
    name="matpool",
    title="Matpool PaaS",
    mounts=(
        HostMount(host=HOST, title="Matpool PaaS API v1", routes=routes, errors=MatpoolErrors()),
    ),
    create_world=MatpoolWorld,
    fixture_model=MatpoolFixture,
    specs={"list-jobs.example": "matpool/list-jobs.example.json"},
)

__all__ = ["HOST", "vendor"]
