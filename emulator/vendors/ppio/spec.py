"""The two personalities of one API: PPIO (``api.ppio.com``) and Novita (``api.novita.ai``)."""

from __future__ import annotations

import functools

from emulator.hosting import HostMount, VendorSpec
from emulator.vendors.ppio.backend import PpioWorld
from emulator.vendors.ppio.errors import PpioErrors
from emulator.vendors.ppio.routes import routes
from emulator.vendors.ppio.schemas import PpioFixture

SPECS = {
    "list-endpoint": "ppio/list-endpoint.openapi.yaml",
    "novita-delete-endpoint": "ppio/novita-delete-endpoint.openapi.yaml",
}


def make_vendor(name: str, host: str, title: str) -> VendorSpec:
    """A vendor serving the GPU API v2 endpoint routes on ``host``, its worlds named ``name``."""
    return VendorSpec(
        name=name,
        title=title,
        mounts=(HostMount(host=host, title=title, routes=routes, errors=PpioErrors()),),
        create_world=functools.partial(PpioWorld, host=host),
        fixture_model=PpioFixture,
        specs=dict(SPECS),
    )
