"""Shared test fixtures: the session emulator serves every bundled vendor plus the test vendor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator.hosting import VendorSpec
from emulator.vendors import default_vendors
from tests.support import acme
from tests.support.receiver import Receiver

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def gpu_emulator_vendors() -> list[VendorSpec]:
    """Every bundled vendor, plus the test-only Acme vendor."""
    return [*default_vendors(), acme.vendor]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local webhook receiver whose answers each test scripts."""
    with Receiver() as server:
        yield server


@pytest.fixture
def acme_client(gpu_emulator: Any) -> Iterator[Any]:
    """An httpx client on the Acme host with an API key."""
    import httpx

    with httpx.Client(
        base_url=gpu_emulator.url(acme.HOST), headers={"X-Acme-Key": "k1"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the emulator's loop)."""
    return "asyncio"
