"""End to end: real ``runpod.serverless.start`` workers serve emulated endpoints; the SDK sees
their real output, errors, progress and stream. Real clock (workers live in wall time)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.admin_client import AdminClient
from tests.vendors.runpod.support import HOST, KEY, until

VALUE_EP = "realworkervalu"
STREAM_EP = "realworkerstrm"
HANDLERS = Path(__file__).with_name("worker_handlers.py")
ENDPOINTS = {
    "runpod": {
        "options": {"worker_poll_wait_s": 1},
        "endpoints": [
            {"id": VALUE_EP, "external": True},
            {"id": STREAM_EP, "external": True},
        ],
    }
}

pytestmark = pytest.mark.gpu_emulator(clock="real", fixtures=[ENDPOINTS])


class Workers:
    """The worker processes of this module, one per endpoint."""

    def __init__(self) -> None:
        self.pods: dict[str, str] = {}
        self.logs: dict[str, Path] = {}


def _health(base_url: str, endpoint: str) -> dict[str, Any]:
    url = f"{base_url}/{HOST}/v2/{endpoint}/health"
    doc: dict[str, Any] = httpx.get(url, headers={"Authorization": KEY}, timeout=10).json()
    return doc


@pytest.fixture(scope="module")
def real_workers(
    gpu_emulator_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    """Start one real worker per endpoint; they survive the per-test resets (same endpoint ids,
    external in the fixture) and re-attach to each new world on their next poll."""
    admin = AdminClient(gpu_emulator_server)
    admin.reset(clock="real", fixtures=[ENDPOINTS])
    home = tmp_path_factory.mktemp("worker-home")  # no ~/.runpod credentials leak in
    workers = Workers()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for endpoint, mode in ((VALUE_EP, "value"), (STREAM_EP, "stream")):
            env = httpx.post(
                f"{gpu_emulator_server}/_emulator/runpod/external-workers",
                json={"endpoint_id": endpoint, "api_key": KEY},
                timeout=10,
            ).json()["env"]
            log = home / f"{mode}.log"
            workers.pods[endpoint] = env["RUNPOD_POD_ID"]
            workers.logs[endpoint] = log
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, str(HANDLERS), mode],
                        env={**os.environ, **env, "HOME": str(home)},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for endpoint in (VALUE_EP, STREAM_EP):
            until(
                lambda e=endpoint: _health(gpu_emulator_server, e)["workers"]["idle"] == 1,
                timeout=60,
                what=f"the worker of {endpoint} (log: {workers.logs[endpoint]})",
            )
        yield workers
    finally:
        for process in processes:
            _stop(process)
        admin.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker and its heartbeat process (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # the heartbeat child may outlive its parent
        os.killpg(process.pid, signal.SIGKILL)


def _attached(gpu_emulator: Any, endpoint: str) -> None:
    until(
        lambda: _health(gpu_emulator.base_url, endpoint)["workers"]["idle"] >= 1,
        timeout=30,
        what=f"the worker to attach to {endpoint}",
    )


def test_a_handler_value_reaches_the_sdk(
    gpu_emulator: Any, real_workers: Workers, runpod_sdk: Any, receiver: Any
) -> None:
    _attached(gpu_emulator, VALUE_EP)
    endpoint = runpod_sdk.Endpoint(VALUE_EP)
    job = endpoint.run({"input": {"text": "hello"}, "webhook": f"{receiver.url}/hook"})
    assert job.output(timeout=60) == {"upper": "HELLO"}
    doc = job._fetch_job()
    assert (doc["status"], doc["workerId"]) == ("COMPLETED", real_workers.pods[VALUE_EP])
    assert endpoint.run_sync({"text": "again"}, timeout=60) == {"upper": "AGAIN"}
    until(lambda: receiver.hits, timeout=30, what="the webhook")
    assert receiver.hits[0].body["output"] == {"upper": "HELLO"}
    assert endpoint.health()["jobs"]["completed"] == 2


def test_a_raising_handler_fails_the_job_with_its_error(
    gpu_emulator: Any, real_workers: Workers, runpod_sdk: Any
) -> None:
    _attached(gpu_emulator, VALUE_EP)
    job = runpod_sdk.Endpoint(VALUE_EP).run({"raise": "no GPU today"})
    until(lambda: job.status() == "FAILED", timeout=60, what="the job to fail")
    error = json.loads(job._fetch_job()["error"])
    assert error["error_message"] == "no GPU today"
    assert "ValueError" in error["error_type"]
    assert error["worker_id"] == real_workers.pods[VALUE_EP]
    assert job.output() is None


def test_a_generator_handler_streams_to_the_sdk(
    gpu_emulator: Any, real_workers: Workers, runpod_sdk: Any
) -> None:
    _attached(gpu_emulator, STREAM_EP)
    job = runpod_sdk.Endpoint(STREAM_EP).run({"text": "one two three"})
    assert list(job.stream()) == ["one", "two", "three"]
    assert job.status() == "COMPLETED"
    assert job.output() == ["one", "two", "three"]  # return_aggregate_stream


def test_progress_updates_show_while_the_real_handler_runs(
    gpu_emulator: Any, real_workers: Workers, runpod_sdk: Any, tmp_path: Path
) -> None:
    _attached(gpu_emulator, VALUE_EP)
    release = tmp_path / "release"
    job = runpod_sdk.Endpoint(VALUE_EP).run({"text": "slow", "release": str(release)})
    running = until(
        lambda: (doc := job._fetch_job()).get("output") == {"step": "half"} and doc,
        timeout=60,
        what="the progress update",
    )
    assert running["status"] == "IN_PROGRESS"
    health = runpod_sdk.Endpoint(VALUE_EP).health()
    assert (health["workers"]["running"], health["jobs"]["inProgress"]) == (1, 1)
    release.touch()
    assert job.output(timeout=60) == {"upper": "SLOW"}


def test_cancelling_a_running_job_stops_it_on_the_real_worker(
    gpu_emulator: Any, real_workers: Workers, runpod_sdk: Any, tmp_path: Path
) -> None:
    _attached(gpu_emulator, VALUE_EP)
    endpoint = runpod_sdk.Endpoint(VALUE_EP)
    stuck = endpoint.run({"text": "never", "release": str(tmp_path / "never")})
    # IN_PROGRESS means a worker took it; its progress update means the handler really runs
    # (a stop signal that arrives before runpod starts the handler finds nothing to stop).
    until(
        lambda: stuck._fetch_job().get("output") == {"step": "half"},
        timeout=60,
        what="the handler to start",
    )
    assert stuck.cancel()["status"] == "CANCELLED"
    # the worker (concurrency 1) is free again only if it stopped the cancelled handler
    assert endpoint.run_sync({"text": "next"}, timeout=60) == {"upper": "NEXT"}
