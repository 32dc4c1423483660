"""Injected faults on the REST hosts answer in each API's own error shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.runpod.support import fixture


@pytest.mark.gpu_emulator(fixtures=["scenario:rate-limited", fixture()])
def test_rate_limited_scenario_covers_both_rest_hosts(
    gpu_emulator: Any, v1: httpx.Client, v2: httpx.Client
) -> None:
    assert [v1.get("/endpoints").status_code for _ in range(11)] == [200] * 10 + [429]
    limited = v1.get("/endpoints")
    assert limited.json() == {"message": "Too Many Requests"}
    assert limited.headers["retry-after"] == "10"
    assert [v2.get("/serverless").status_code for _ in range(10)] == [200] * 10
    refused = v2.get("/serverless")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "rate limit exceeded for the minute window"
    gpu_emulator.advance(10)
    assert v1.get("/endpoints").status_code == 200


def test_injected_errors_use_each_api_shape(
    gpu_emulator: Any, v1: httpx.Client, v2: httpx.Client
) -> None:
    gpu_emulator.admin.add_fault(
        {"host": "rest.runpod.io", "times": 1, "action": {"type": "error", "status": 503}}
    )
    gpu_emulator.admin.add_fault(
        {"host": "api.runpod.io", "times": 1, "action": {"type": "error", "status": 503}}
    )
    first = v1.get("/templates")
    assert (first.status_code, first.json()) == (503, {"message": "Service Unavailable"})
    assert v1.get("/templates").status_code == 200
    second = v2.get("/templates")
    assert second.status_code == 503
    assert second.json() == {
        "title": "Service Unavailable",
        "status": 503,
        "detail": "service unavailable",
    }
