"""Yotta Labs Serverless v2 (``https://api.yottalabs.ai``): endpoints, workers, QUEUE tasks."""

from __future__ import annotations

from emulator.hosting import HostMount, VendorSpec
from emulator.vendors.yotta.backend import YottaWorld
from emulator.vendors.yotta.errors import YottaErrors
from emulator.vendors.yotta.routes import routes
from emulator.vendors.yotta.schemas import YottaFixture

HOST = "api.yottalabs.ai"

vendor = VendorSpec(
    name="yotta",
    title="Yotta Labs",
    mounts=(
        HostMount(host=HOST, title="Yotta Labs Serverless v2", routes=routes, errors=YottaErrors()),
    ),
    create_world=YottaWorld,
    fixture_model=YottaFixture,
    specs={"serverless-v2": "yotta/serverless-v2.openapi.json"},
)
