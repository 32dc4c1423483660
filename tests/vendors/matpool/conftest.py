"""Matpool test fixtures: a script-style client on the emulator and the example job."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.vendors.matpool import HOST
from tests.vendors.matpool.client import MatpoolClient

T0 = 1_767_225_600  # the plugin's manual clock: 2026-01-01T00:00:00Z

# The job of the vendor's list-jobs example, as the public script's job.json would describe it.
EXAMPLE_JOB: dict[str, Any] = {
    "spec": {"gpuName": "NVIDIA A16"},
    "agent_domain": 0,
    "from_image_id": 633839,
    "cmd": "tail -f /dev/null",
    "envs": "model_code=3;env=hello",
    "remark": "job & instance's name",
    "domain": "all",
    "ports": [
        {"port": 22, "protocol": 1},
        {"port": 8888, "protocol": 2},
        {"port": 8989, "protocol": 1},
        {"port": 8895, "protocol": 2},
    ],
}


def job_fields(**changes: Any) -> dict[str, Any]:
    """The example job with some fields replaced (a value of None drops the field)."""
    job = {**EXAMPLE_JOB, **changes}
    return {name: value for name, value in job.items() if value is not None}


@pytest.fixture
def matpool(gpu_emulator: Any) -> MatpoolClient:
    """A client with a PaaS token (its own tenant)."""
    return MatpoolClient(gpu_emulator.url(HOST), "mp-token")


@pytest.fixture
def anonymous(gpu_emulator: Any) -> MatpoolClient:
    """A client without a token."""
    return MatpoolClient(gpu_emulator.url(HOST), None)
