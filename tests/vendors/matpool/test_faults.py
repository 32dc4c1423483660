"""Injected faults through the Matpool client: shortage keeps jobs at 1, errors use code."""

from __future__ import annotations

from typing import Any

from emulator.vendors.matpool import HOST
from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import job_fields


def test_a_capacity_shortage_keeps_jobs_queued_until_lifted(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    fault = gpu_emulator.faults.add(host=HOST, action={"type": "capacity_shortage"})
    job = ok(matpool.create(job_fields()))["job"]
    gpu_emulator.advance(3600)
    waiting = ok(matpool.get(job["id"]))["job"]
    assert (waiting["status"], waiting["queueLen"]) == (1, 1)
    gpu_emulator.faults.remove(fault["id"])
    gpu_emulator.advance(60)
    assert ok(matpool.get(job["id"]))["job"]["status"] == 3


def test_vendor_codes_and_statuses_keep_the_envelope(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    gpu_emulator.faults.add(host=HOST, times=1, action={"type": "error", "code": 7})
    status, body = matpool.stats()
    assert status == 200
    assert body["code"] == 7
    assert set(body) == {"code", "msg"}
