"""RunPod test fixtures: httpx clients on the job API and both REST APIs, the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.vendors.runpod.rest_spec import hook
from tests.vendors.runpod.support import HOST, KEY


@pytest.fixture
def api(gpu_emulator: Any) -> Iterator[httpx.Client]:
    """``https://api.runpod.ai/v2`` on the emulator, with ``Authorization: Bearer rp-key``."""
    with httpx.Client(
        base_url=gpu_emulator.url(HOST, "/v2"),
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=60,
        trust_env=False,
    ) as client:
        yield client


def _rest(gpu_emulator: Any, host: str, base: str, spec: str) -> httpx.Client:
    return httpx.Client(
        base_url=gpu_emulator.url(host, base),
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=60,
        trust_env=False,
        event_hooks={"response": [hook(spec)]},
    )


@pytest.fixture
def v1(gpu_emulator: Any) -> Iterator[httpx.Client]:
    """``https://rest.runpod.io/v1`` on the emulator; every response checked against the spec."""
    with _rest(gpu_emulator, "rest.runpod.io", "/v1", "v1") as client:
        yield client


@pytest.fixture
def v2(gpu_emulator: Any) -> Iterator[httpx.Client]:
    """``https://api.runpod.io/v2`` on the emulator; every response checked against the spec."""
    with _rest(gpu_emulator, "api.runpod.io", "/v2", "v2") as client:
        yield client


@pytest.fixture
def runpod_sdk(gpu_emulator: Any) -> Iterator[Any]:
    """The official ``runpod`` package pointed at the emulator (base URL and key only)."""
    import runpod

    saved = (runpod.endpoint_url_base, runpod.api_key)
    runpod.endpoint_url_base = gpu_emulator.url(HOST, "/v2")
    runpod.api_key = KEY
    try:
        yield runpod
    finally:
        runpod.endpoint_url_base, runpod.api_key = saved
