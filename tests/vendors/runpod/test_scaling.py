"""Autoscaling on the manual clock: QUEUE_DELAY, REQUEST_COUNT, idle timeout, capacity."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.vendors.runpod.support import conforms, fixture

EP = "scalingendpnt1"
LONG = {"behaviours": {"default": {"cold_start": 20, "execution": 100, "shutdown": 0}}}


def workers(api: httpx.Client, endpoint: str = EP) -> dict[str, int]:
    doc = conforms(api.get(f"/{endpoint}/health").json(), "HealthResponse")
    counts: dict[str, int] = doc["workers"]
    return {state: n for state, n in counts.items() if n and state != "ready"}


def submit(api: httpx.Client, count: int, endpoint: str = EP) -> list[str]:
    return [api.post(f"/{endpoint}/run", json={"input": n}).json()["id"] for n in range(count)]


def at(gpu_emulator: Any, start: float, t: float) -> None:
    """Advance the clock to ``start + t``."""
    gpu_emulator.advance(start + t - gpu_emulator.now())


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP, "workersMax": 3, "scalerValue": 4}), LONG])
def test_queue_delay_adds_a_worker_each_time_the_oldest_job_waited_scaler_value_seconds(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    start = gpu_emulator.now()
    submit(api, 5)
    timeline = {
        0: {"initializing": 1},  # no worker at all: the first job starts one at once
        3.9: {"initializing": 1},
        4: {"initializing": 2},  # the oldest job has waited 4 s
        7.9: {"initializing": 2},
        8: {"initializing": 3},
        12: {"initializing": 3},  # workersMax
        20: {"initializing": 2, "running": 1},
        24: {"initializing": 1, "running": 2},
        28: {"running": 3},
        128: {"running": 2, "idle": 1},  # jobs 4 and 5 started at 120 and 124
        133: {"running": 2},  # idle 5 s (idleTimeout) with nothing queued: scaled down
        224: {"idle": 2},
        229: {},
    }
    for t, expected in timeline.items():
        at(gpu_emulator, start, t)
        assert workers(api) == expected, f"t={t}"


@pytest.mark.gpu_emulator(
    fixtures=[fixture({"id": EP, "workersMin": 1, "workersMax": 2, "scalerValue": 4}), LONG]
)
def test_queue_delay_with_a_warm_worker_waits_scaler_value_before_adding_one(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    start = gpu_emulator.now()
    first, second = submit(api, 2)
    assert workers(api) == {"running": 1}
    at(gpu_emulator, start, 3.9)
    assert workers(api) == {"running": 1}
    at(gpu_emulator, start, 4)
    assert workers(api) == {"running": 1, "initializing": 1}
    at(gpu_emulator, start, 24)
    assert api.get(f"/{EP}/status/{second}").json()["delayTime"] == 24000
    assert api.get(f"/{EP}/status/{first}").json()["delayTime"] == 0


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture({"id": EP, "workersMax": 5, "scalerType": "REQUEST_COUNT", "scalerValue": 2}),
        {"behaviours": {"default": {"cold_start": 20, "execution": 2, "shutdown": 0}}},
    ]
)
def test_request_count_keeps_ceil_of_queued_plus_running_over_scaler_value(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    start = gpu_emulator.now()
    submit(api, 5)
    timeline = {
        0: {"initializing": 3},  # ceil(5 / 2)
        20: {"running": 3},
        22: {"running": 2, "idle": 1},  # jobs 4 and 5 start; desired ceil(2 / 2) = 1
        24: {"idle": 3},
        26.9: {"idle": 3},
        27: {"idle": 2},  # the worker idle since 22 retired (idleTimeout 5 s)
        29: {},  # the last two, idle since 24
    }
    for t, expected in timeline.items():
        at(gpu_emulator, start, t)
        assert workers(api) == expected, f"t={t}"


def _late_arrival(gpu_emulator: Any, api: httpx.Client) -> dict[str, int]:
    start = gpu_emulator.now()
    submit(api, 1)
    at(gpu_emulator, start, 30)
    submit(api, 1)
    return workers(api)


REQUEST_COUNT_1 = {"id": EP, "workersMax": 3, "scalerType": "REQUEST_COUNT", "scalerValue": 1}


@pytest.mark.gpu_emulator(fixtures=[fixture(REQUEST_COUNT_1), LONG])
def test_request_count_counts_jobs_in_progress_by_default(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    assert _late_arrival(gpu_emulator, api) == {"running": 1, "initializing": 1}


@pytest.mark.gpu_emulator(
    fixtures=[fixture(REQUEST_COUNT_1, options={"request_count_includes_running": False}), LONG]
)
def test_request_count_can_count_queued_jobs_only(gpu_emulator: Any, api: httpx.Client) -> None:
    assert _late_arrival(gpu_emulator, api) == {"running": 1}


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture(
            {
                "id": EP,
                "workersMin": 1,
                "workersMax": 3,
                "idleTimeout": 5,
                "scalerType": "REQUEST_COUNT",
                "scalerValue": 1,
            }
        )
    ]
)
def test_idle_workers_scale_down_to_workers_min_after_idle_timeout(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    assert workers(api) == {"idle": 1}  # fixture endpoints start warm with workersMin
    start = gpu_emulator.now()
    submit(api, 3)
    assert workers(api) == {"running": 1, "initializing": 2}
    at(gpu_emulator, start, 6)  # the warm worker ran all three, 2 s each
    assert workers(api) == {"idle": 1, "initializing": 2}
    at(gpu_emulator, start, 11)
    assert workers(api) == {"initializing": 2}
    at(gpu_emulator, start, 20)
    assert workers(api) == {"idle": 2}
    at(gpu_emulator, start, 25)
    assert workers(api) == {"idle": 1}
    at(gpu_emulator, start, 3600)
    assert workers(api) == {"idle": 1}


A40 = "NVIDIA A40"


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture(
            {**REQUEST_COUNT_1, "gpuTypeIds": [A40]},
            {**REQUEST_COUNT_1, "id": "othergpuendpnt", "gpuTypeIds": [A40]},
            capacity={A40: 2},
        ),
        LONG,
    ]
)
def test_workers_beyond_capacity_wait_throttled(gpu_emulator: Any, api: httpx.Client) -> None:
    start = gpu_emulator.now()
    submit(api, 3)
    assert workers(api) == {"initializing": 2, "throttled": 1}
    other = submit(api, 1, endpoint="othergpuendpnt")
    assert workers(api, "othergpuendpnt") == {"throttled": 1}
    at(gpu_emulator, start, 120)  # two jobs done; the third starts on a warm worker
    assert workers(api) == {"running": 1, "idle": 1}
    at(gpu_emulator, start, 125)  # the idle one retired: its GPU goes to the other endpoint
    assert workers(api) == {"running": 1}
    assert workers(api, "othergpuendpnt") == {"initializing": 1}
    at(gpu_emulator, start, 145)
    status = api.get(f"/othergpuendpnt/status/{other[0]}").json()
    assert (status["status"], status["delayTime"]) == ("IN_PROGRESS", 145000)


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP}, capacity={"NVIDIA GeForce RTX 4090": 0})])
def test_without_capacity_jobs_stay_in_queue(gpu_emulator: Any, api: httpx.Client) -> None:
    [job] = submit(api, 1)
    gpu_emulator.advance(3600)
    assert workers(api) == {"throttled": 1}
    assert api.get(f"/{EP}/status/{job}").json() == {"id": job, "status": "IN_QUEUE"}


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "behaviours": {"crashing": {"cold_start": 10, "crash_loop": True}},
            "runpod": {"endpoints": [{"id": EP, "behaviour": "crashing", "workersMax": 1}]},
        }
    ]
)
def test_crash_looping_workers_are_unhealthy_and_jobs_wait(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    [job] = submit(api, 1)
    gpu_emulator.advance(10)
    assert workers(api) == {"unhealthy": 1}
    gpu_emulator.advance(30)  # restarted after restart_delay: initializing again
    assert workers(api) == {"initializing": 1}
    assert api.get(f"/{EP}/status/{job}").json()["status"] == "IN_QUEUE"


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture({"id": EP, "workersMax": 3}, options={"queue_delay_step": "per_job"}),
        LONG,
    ]
)
def test_queue_delay_can_add_a_worker_for_every_late_job(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    start = gpu_emulator.now()
    submit(api, 5)
    assert workers(api) == {"initializing": 1}
    at(gpu_emulator, start, 4)  # all five are late: up to workersMax at once
    assert workers(api) == {"initializing": 3}


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture({"id": EP, "workersMax": 20, "scalerType": "REQUEST_COUNT", "scalerValue": 10}),
        {
            "behaviours": {
                "default": {"cold_start": {"uniform": [5, 30]}, "execution": {"uniform": [1, 4]}}
            }
        },
    ]
)
def test_a_thousand_jobs_over_http_all_complete_once(gpu_emulator: Any, api: httpx.Client) -> None:
    ids = [api.post(f"/{EP}/run", json={"input": {"n": n}}).json()["id"] for n in range(1000)]
    assert len(set(ids)) == 1000
    assert workers(api) == {"initializing": 20}
    gpu_emulator.advance(600)
    health = conforms(api.get(f"/{EP}/health").json(), "HealthResponse")
    assert health["jobs"] == {
        "completed": 1000,
        "failed": 0,
        "inProgress": 0,
        "inQueue": 0,
        "retried": 0,
    }
    for n, job_id in enumerate(ids):
        doc = api.get(f"/{EP}/status/{job_id}").json()
        assert (doc["status"], doc["output"]) == ("COMPLETED", {"n": n})
