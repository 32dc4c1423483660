"""Yotta test fixtures: the real ``yottaml`` clients and an httpx client, all spec-checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests
from yottaml.elastic import ElasticApi
from yottaml.skywalker import SkywalkerTaskApi

from tests.vendors.yotta.spec import SpecChecker, below_host

HOST = "api.yottalabs.ai"
KEY = "yotta-test-key"
RESOURCES = [{"region": "us-east-1", "gpuType": "NVIDIA_RTX_4090_24G", "gpuCount": 1}]
FAST = {"cold_start": 20, "execution": 2, "shutdown": 5}


@pytest.fixture(scope="session")
def spec_checker() -> SpecChecker:
    """The vendor spec, ready to validate responses."""
    return SpecChecker.load()


@pytest.fixture
def base_url(gpu_emulator: Any) -> str:
    """The emulator's stand-in for ``https://api.yottalabs.ai``."""
    url: str = gpu_emulator.url(HOST)
    return url


def _requests_hook(checker: SpecChecker) -> Callable[..., None]:
    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        path = below_host(requests.utils.urlparse(response.url).path)
        checker.check(response.request.method or "GET", path, response.status_code, response.json())

    return hook


@pytest.fixture
def elastic(base_url: str, spec_checker: SpecChecker) -> ElasticApi:
    """The official ``ElasticApi`` pointed at the emulator; every answer is spec-checked."""
    api = ElasticApi(KEY, base_url=base_url)
    api.session.hooks["response"].append(_requests_hook(spec_checker))
    return api


@pytest.fixture
def sky(base_url: str, spec_checker: SpecChecker) -> SkywalkerTaskApi:
    """The official ``SkywalkerTaskApi`` (tasks) pointed at the emulator, spec-checked."""
    api = SkywalkerTaskApi(KEY, base_url=base_url)
    api.session.hooks["response"].append(_requests_hook(spec_checker))
    return api


@pytest.fixture
def http(base_url: str, spec_checker: SpecChecker) -> Iterator[httpx.Client]:
    """A raw client (for bad input the SDK refuses to send), spec-checked too."""

    def check(response: httpx.Response) -> None:
        response.read()
        path = below_host(response.request.url.path)
        spec_checker.check(response.request.method, path, response.status_code, response.json())

    with httpx.Client(
        base_url=base_url,
        headers={"X-Api-Key": KEY},
        timeout=30,
        event_hooks={"response": [check]},
    ) as client:
        yield client


def create_body(**changes: Any) -> dict[str, Any]:
    """A valid create request, with some fields changed."""
    body: dict[str, Any] = {
        "name": "llama-inference",
        "image": "vllm/vllm-openai:latest",
        "resources": RESOURCES,
        "workers": 2,
        "containerVolumeInGb": 20,
        "serviceMode": "QUEUE",
    }
    body.update(changes)
    return body


def wait_for(
    gpu_emulator: Any,
    read: Callable[[], str],
    wanted: str,
    *,
    timeout: float,
    interval: float,
) -> float:
    """Poll like the official script (advance ``interval`` between reads); returns the wait."""
    waited = 0.0
    while (status := read()) != wanted:
        assert waited < timeout, f"still {status} after {waited}s, wanted {wanted}"
        gpu_emulator.advance(interval)
        waited += interval
    return waited
