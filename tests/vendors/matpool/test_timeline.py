"""The status machine on the manual clock: 6 -> 1 -> 2 -> 3 (-> 4), cancels, the host market."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import T0, job_fields


def timeline(job: dict[str, Any]) -> list[tuple[int, int]]:
    """(status, seconds after T0) for every log entry; checks the log's invariants."""
    log = job["state"]["log"]
    ids = [entry["id"] for entry in log]
    assert ids == sorted(set(ids)), "log ids increase"
    assert all(entry["sourceId"] == job["id"] for entry in log)
    assert job["state"]["status"] == job["status"] == log[-1]["status"]
    return [(entry["status"], entry["ts"]["seconds"] - T0) for entry in log]


def fetch(matpool: MatpoolClient, job_id: int) -> dict[str, Any]:
    job: dict[str, Any] = ok(matpool.get(job_id))["job"]
    return job


@pytest.mark.gpu_emulator(fixtures={"matpool": {"commands": {"python train.py": "2m"}}})
def test_full_timeline_until_the_command_exits(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    job_id = ok(matpool.create(job_fields(cmd="python train.py")))["job"]["id"]
    assert timeline(fetch(matpool, job_id)) == [(6, 0), (1, 0)]
    gpu_emulator.advance(24.9)
    assert fetch(matpool, job_id)["status"] == 1
    gpu_emulator.advance(0.1)
    assert timeline(fetch(matpool, job_id)) == [(6, 0), (1, 0), (2, 25)]
    gpu_emulator.advance(20)
    assert timeline(fetch(matpool, job_id)) == [(6, 0), (1, 0), (2, 25), (3, 45)]
    gpu_emulator.advance(119)
    assert fetch(matpool, job_id)["status"] == 3
    gpu_emulator.advance(1)
    job = fetch(matpool, job_id)
    assert timeline(job) == [(6, 0), (1, 0), (2, 25), (3, 45), (4, 165)]
    assert job["app"]["cmd"] == "python train.py"
    assert job["queueLen"] == 0


def test_by_default_a_job_stays_running_until_cancelled(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    job_id = ok(matpool.create(job_fields()))["job"]["id"]
    gpu_emulator.advance(10 * 24 * 3600)
    assert timeline(fetch(matpool, job_id)) == [(6, 0), (1, 0), (2, 25), (3, 45)]


@pytest.mark.parametrize(
    ("cancel_at", "expected"),
    [
        (10, [(6, 0), (1, 0), (5, 10), (4, 40)]),
        (30, [(6, 0), (1, 0), (2, 25), (5, 30), (4, 60)]),
        (100, [(6, 0), (1, 0), (2, 25), (3, 45), (5, 100), (4, 130)]),
    ],
    ids=["queued", "scheduled", "running"],
)
def test_cancel_goes_through_5_to_4(
    gpu_emulator: Any, matpool: MatpoolClient, cancel_at: int, expected: list[tuple[int, int]]
) -> None:
    job_id = ok(matpool.create(job_fields()))["job"]["id"]
    gpu_emulator.advance(cancel_at)
    assert ok(matpool.cancel(job_id)) == {"code": 0, "msg": ""}
    assert fetch(matpool, job_id)["status"] == 5
    gpu_emulator.advance(29)
    assert fetch(matpool, job_id)["status"] == 5
    gpu_emulator.advance(1000)
    assert timeline(fetch(matpool, job_id)) == expected


def test_cancelling_twice_and_cancelling_a_finished_job(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    job_id = ok(matpool.create(job_fields()))["job"]["id"]
    ok(matpool.cancel(job_id))
    assert ok(matpool.cancel(job_id)) == {"code": 0, "msg": ""}  # already cancelling: accepted
    gpu_emulator.advance(30)
    assert matpool.cancel(job_id) == (200, {"code": 6, "msg": "param illegal"})
    assert [s for s, _ in timeline(fetch(matpool, job_id))] == [6, 1, 5, 4]


def test_cancelling_a_finished_job_can_be_a_no_op(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    gpu_emulator.load({"matpool": {"options": {"cancel_finished": {"code": 0}}}})
    job_id = ok(matpool.create(job_fields()))["job"]["id"]
    ok(matpool.cancel(job_id))
    gpu_emulator.advance(30)
    assert ok(matpool.cancel(job_id)) == {"code": 0, "msg": ""}
    assert [s for s, _ in timeline(fetch(matpool, job_id))] == [6, 1, 5, 4]


@pytest.mark.gpu_emulator(
    fixtures={
        "matpool": {
            "timings": {"initialize": 2, "schedule": "1m", "start": "10s", "cancel": "5s"},
            "commands": {"sleep 60": {"uniform": ["50s", "70s"]}},
        }
    }
)
def test_timings_come_from_the_fixtures(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    job_id = ok(matpool.create(job_fields(cmd="sleep 60")))["job"]["id"]
    assert fetch(matpool, job_id)["status"] == 6
    gpu_emulator.advance(2)
    assert fetch(matpool, job_id)["status"] == 1
    gpu_emulator.advance(60 + 10)
    assert timeline(fetch(matpool, job_id)) == [(6, 0), (1, 2), (2, 62), (3, 72)]
    gpu_emulator.advance(70)
    status, seconds = timeline(fetch(matpool, job_id))[-1]
    assert status == 4
    assert 72 + 50 <= seconds <= 72 + 70
    other = ok(matpool.create(job_fields()))["job"]["id"]
    ok(matpool.cancel(other))  # cancelled while still initializing
    gpu_emulator.advance(5)
    assert [s for s, _ in timeline(fetch(matpool, other))] == [6, 5, 4]


@pytest.mark.gpu_emulator(fixtures={"matpool": {"market": {"NVIDIA A16": 1}}})
def test_a_full_market_keeps_jobs_queued_in_line(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    first, second, third = (ok(matpool.create(job_fields()))["job"]["id"] for _ in range(3))
    assert [fetch(matpool, j)["queueLen"] for j in (first, second, third)] == [0, 1, 2]
    gpu_emulator.advance(3600)
    assert [fetch(matpool, j)["status"] for j in (first, second, third)] == [3, 1, 1]
    # Leaving the line moves the ones behind forward.
    ok(matpool.cancel(second))
    assert fetch(matpool, third)["queueLen"] == 1
    # Another GPU has its own market (unlimited unless the fixtures say otherwise).
    other = ok(matpool.create(job_fields(spec={"gpuName": "NVIDIA GeForce RTX 4090"})))["job"]
    gpu_emulator.advance(45)
    assert fetch(matpool, other["id"])["status"] == 3
    # When the running job ends, its instance goes to the next in line.
    ok(matpool.cancel(first))
    gpu_emulator.advance(30)
    job = fetch(matpool, third)
    assert job["queueLen"] == 0
    assert timeline(job)[-1] == (1, 0)  # still 1 until scheduled
    gpu_emulator.advance(25)
    assert timeline(fetch(matpool, third))[-1] == (2, 3600 + 45 + 30 + 25)
    assert timeline(fetch(matpool, second)) == [(6, 0), (1, 0), (5, 3600), (4, 3630)]


@pytest.mark.gpu_emulator(
    fixtures={"matpool": {"market": {"NVIDIA A16": 2}, "default_capacity": 0}}
)
def test_unknown_gpus_use_the_default_capacity_and_markets_can_grow(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    stuck = ok(matpool.create(job_fields(spec={"gpuName": "NVIDIA H100"})))["job"]["id"]
    gpu_emulator.advance(3600)
    job = fetch(matpool, stuck)
    assert (job["status"], job["queueLen"]) == (1, 1)
    gpu_emulator.load({"matpool": {"market": {"NVIDIA H100": 1}}})
    gpu_emulator.advance(25)
    assert fetch(matpool, stuck)["status"] == 2


@pytest.mark.gpu_emulator(fixtures={"matpool": {"images": [633839], "snapshots": [7]}})
def test_an_unknown_image_or_snapshot_stays_queued(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    bad_image = ok(matpool.create(job_fields(from_image_id=1)))["job"]["id"]
    bad_snapshot = ok(matpool.create(job_fields(from_image_id=None, from_snapshot_id=8)))["job"]
    good = ok(matpool.create(job_fields(from_image_id=None, from_snapshot_id=7)))["job"]["id"]
    gpu_emulator.advance(3600)
    assert [fetch(matpool, j)["status"] for j in (bad_image, bad_snapshot["id"], good)] == [1, 1, 3]
    assert fetch(matpool, bad_image)["queueLen"] == 0
    ok(matpool.cancel(bad_image))
    gpu_emulator.advance(30)
    assert fetch(matpool, bad_image)["status"] == 4


@pytest.mark.gpu_emulator(
    fixtures={
        "matpool": {
            "market": {"NVIDIA A16": 1},
            "jobs": [
                {"spec": {"gpuName": "NVIDIA A16"}, "from_image_id": 633839, "remark": "warm"},
                {"spec": '{"gpuName": "NVIDIA A16"}', "from_image_id": 633839, "remark": "waits"},
                {"spec": {"gpuName": "NVIDIA A16"}, "from_image_id": 1, "warm": False},
            ],
        }
    }
)
def test_fixture_jobs_start_warm(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    jobs = ok(matpool.list(order="true"))["job"]
    assert [(j["app"]["remark"], j["status"], j["queueLen"]) for j in jobs] == [
        ("warm", 3, 0),
        ("waits", 1, 1),
        ("", 6, 0),  # a cold job is created with the world, like an API create
    ]
    assert timeline(jobs[0]) == [(6, 0), (1, 0), (2, 0), (3, 0)]
    cold = fetch(matpool, jobs[2]["id"])
    assert (cold["status"], cold["queueLen"]) == (1, 2)
    # Each tenant gets its own copy of the fixture jobs.
    other = MatpoolClient(matpool.base_url, "other-token")
    assert ok(other.list())["pagination"]["total"] == 3
