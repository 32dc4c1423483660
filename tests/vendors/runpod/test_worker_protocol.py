"""The worker-side protocol over HTTP, as runpod 1.12.0 speaks it; the admin route; the CLI."""

from __future__ import annotations

import json
import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from emulator.cli import main
from tests.vendors.runpod.support import HOST, KEY, conforms, fixture

EP = "externalendpt1"
ENDPOINTS = fixture(
    {"id": EP, "external": True, "executionTimeoutMs": 60_000, "env": {"MODEL": "tiny"}},
    {"id": "simulatedendpt", "templateId": "tpl0000001", "env": {"B": "2"}},
    templates=[{"id": "tpl0000001", "name": "t", "imageName": "me/worker:1", "env": {"A": "1"}}],
    options={"worker_poll_wait_s": 0},
)
POD = "podworker00001"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

pytestmark = pytest.mark.gpu_emulator(fixtures=[ENDPOINTS])


@pytest.fixture
def worker(gpu_emulator: Any) -> Any:
    """A client speaking as a real worker: raw ``Authorization: <key>``, the endpoint's base."""
    with httpx.Client(
        base_url=gpu_emulator.url(HOST, f"/v2/{EP}"),
        headers={"Authorization": KEY},
        timeout=30,
        trust_env=False,
    ) as client:
        yield client


def take(worker: httpx.Client, pod: str = POD) -> httpx.Response:
    return worker.get(f"/job-take/{pod}?gpu=NVIDIA+GeForce+RTX+4090&job_in_progress=0")


def done(worker: httpx.Client, job_id: str, result: Any, stream: bool = False) -> None:
    url = f"/job-done/{POD}/{job_id}?gpu=x&isStream={'true' if stream else 'false'}"
    response = worker.post(
        url, content=json.dumps(result), headers={**FORM, "X-Request-ID": job_id}
    )
    assert response.status_code == 200


def run(api: httpx.Client, body: dict[str, Any], endpoint: str = EP) -> str:
    job_id: str = api.post(f"/{endpoint}/run", json=body).json()["id"]
    return job_id


def status(api: httpx.Client, job_id: str, endpoint: str = EP) -> dict[str, Any]:
    return conforms(api.get(f"/{endpoint}/status/{job_id}").json(), "StatusDocument")


def test_a_worker_takes_a_job_and_posts_its_output(
    gpu_emulator: Any, api: httpx.Client, worker: httpx.Client
) -> None:
    assert take(worker).status_code == 204
    assert api.get(f"/{EP}/health").json()["workers"]["idle"] == 1  # it counts from first call
    job_id = run(api, {"input": {"prompt": "x"}, "s3Config": {"bucketName": "b"}})
    gpu_emulator.advance(1.5)
    taken = take(worker)
    assert taken.status_code == 200
    assert conforms(taken.json(), "JobTake") == {
        "id": job_id,
        "input": {"prompt": "x"},
        "s3Config": {"bucketName": "b"},
    }
    running = status(api, job_id)
    assert (running["status"], running["workerId"], running["delayTime"]) == (
        "IN_PROGRESS",
        POD,
        1500,
    )
    assert api.get(f"/{EP}/health").json()["workers"]["running"] == 1
    gpu_emulator.advance(3)
    done(worker, job_id, {"output": {"answer": 42}})
    assert status(api, job_id) == {
        "delayTime": 1500,
        "executionTime": 3000,
        "id": job_id,
        "output": {"answer": 42},
        "status": "COMPLETED",
        "workerId": POD,
    }
    assert api.get(f"/{EP}/health").json()["workers"] == {
        "idle": 1,
        "initializing": 0,
        "ready": 1,
        "running": 0,
        "throttled": 0,
        "unhealthy": 0,
    }


def test_errors_from_the_worker_fail_the_job_only_when_they_are_strings(
    api: httpx.Client, worker: httpx.Client
) -> None:
    failing, odd, empty = (run(api, {"input": n}) for n in range(3))
    take(worker)
    done(worker, failing, {"error": '{"error_type": "ValueError", "error_message": "bad"}'})
    take(worker)
    done(worker, odd, {"output": {"partial": 1}, "error": {"code": 7}})
    take(worker)
    done(worker, empty, {})
    failed = status(api, failing)
    assert (failed["status"], json.loads(failed["error"])["error_message"]) == ("FAILED", "bad")
    assert status(api, odd)["status"] == "COMPLETED"  # a dict error: COMPLETED, as the cloud does
    assert status(api, odd)["output"] == {"partial": 1}
    assert "output" not in status(api, empty)
    assert api.get(f"/{EP}/health").json()["jobs"]["failed"] == 1


def test_progress_updates_and_stream_chunks_reach_the_job(
    api: httpx.Client, worker: httpx.Client
) -> None:
    job_id = run(api, {"input": "go"})
    take(worker)
    done(worker, job_id, {"status": "IN_PROGRESS", "output": {"pct": 50}})
    assert status(api, job_id)["output"] == {"pct": 50}
    for chunk in ("a", "b"):
        posted = worker.post(
            f"/job-stream/{POD}/{job_id}?gpu=x&isStream=false",
            content=json.dumps({"output": chunk}),
            headers=FORM,
        )
        assert posted.status_code == 200
    assert api.get(f"/{EP}/stream/{job_id}").json() == {
        "status": "IN_PROGRESS",
        "stream": [{"output": "a"}, {"output": "b"}],
    }
    done(worker, job_id, {"output": ["a", "b"]}, stream=True)
    assert status(api, job_id)["output"] == ["a", "b"]
    assert api.get(f"/{EP}/stream/{job_id}").json() == {"status": "COMPLETED", "stream": []}


def test_batch_take_hands_out_several_jobs(api: httpx.Client, worker: httpx.Client) -> None:
    ids = [run(api, {"input": n}) for n in range(3)]
    batch = worker.get(f"/job-take-batch/{POD}?gpu=x&batch_size=2&job_in_progress=0")
    assert [job["id"] for job in batch.json()] == ids[:2]
    assert api.get(f"/{EP}/health").json()["jobs"] == {
        "completed": 0,
        "failed": 0,
        "inProgress": 2,
        "inQueue": 1,
        "retried": 0,
    }
    assert worker.get(f"/job-take-batch/{POD}?batch_size=zero").status_code == 400


def test_a_cancelled_job_is_sent_down_the_stop_channel_and_late_results_ignored(
    api: httpx.Client, worker: httpx.Client
) -> None:
    job_id = run(api, {"input": 1})
    take(worker)
    assert worker.get(f"/job-stop/{POD}?gpu=x").status_code == 204
    api.post(f"/{EP}/cancel/{job_id}")
    assert worker.get(f"/job-stop/{POD}?gpu=x").json() == {"jobsToStop": [job_id]}
    assert worker.get(f"/job-stop/{POD}?gpu=x").status_code == 204
    done(worker, job_id, {"output": "too late"})
    assert status(api, job_id)["status"] == "CANCELLED"
    assert api.get(f"/{EP}/health").json()["workers"]["idle"] == 1


def test_the_execution_timeout_applies_to_real_workers_too(
    gpu_emulator: Any, api: httpx.Client, worker: httpx.Client
) -> None:
    job_id = run(api, {"input": 1})
    take(worker)
    gpu_emulator.advance(60)
    timed_out = status(api, job_id)
    assert (timed_out["status"], timed_out["error"]) == ("FAILED", "executionTimeout exceeded")
    assert worker.get(f"/job-stop/{POD}").json() == {"jobsToStop": [job_id]}


def test_a_ping_registers_the_worker(api: httpx.Client, worker: httpx.Client) -> None:
    pinged = worker.get(f"/ping/{POD}?gpu=x&job_id=a,b&runpod_version=1.12.0")
    assert pinged.status_code == 200
    assert api.get(f"/{EP}/health").json()["workers"]["idle"] == 1


def test_a_request_without_input_reaches_the_worker_without_input(
    api: httpx.Client, worker: httpx.Client
) -> None:
    job_id = run(api, {"webhookV2": "x"})
    assert take(worker).json() == {"id": job_id}


def test_worker_calls_need_the_key_and_a_known_endpoint(
    gpu_emulator: Any, worker: httpx.Client
) -> None:
    assert worker.get(f"/job-take/{POD}", headers={"Authorization": ""}).status_code == 401
    unknown = worker.get(gpu_emulator.url(HOST, f"/v2/nosuchendpoint/job-take/{POD}"))
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "endpoint nosuchendpoint not found",
    )


@pytest.mark.gpu_emulator(
    fixtures=[fixture({"id": EP, "external": True}, options={"worker_poll_wait_s": 10})]
)
def test_job_take_and_job_stop_are_long_polls(api: httpx.Client, worker: httpx.Client) -> None:
    with ThreadPoolExecutor(2) as pool:
        taking = pool.submit(take, worker)
        with pytest.raises(TimeoutError):
            taking.result(timeout=0.2)  # held: nothing to hand out yet
        job_id = run(api, {"input": 1})
        assert taking.result(timeout=5).json() == {"id": job_id, "input": 1}
        stopping = pool.submit(worker.get, f"/job-stop/{POD}")
        with pytest.raises(TimeoutError):
            stopping.result(timeout=0.2)
        api.post(f"/{EP}/cancel/{job_id}")
        assert stopping.result(timeout=5).json() == {"jobsToStop": [job_id]}


# ---------------------------------------------------------------------------- attaching workers


def attach(gpu_emulator: Any, **body: Any) -> httpx.Response:
    return httpx.post(f"{gpu_emulator.base_url}/_emulator/runpod/external-workers", json=body)


def test_the_admin_route_answers_a_worker_env_and_makes_the_endpoint_external(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    attached = attach(gpu_emulator, endpoint_id="simulatedendpt", api_key=KEY)
    assert attached.status_code == 200
    env = attached.json()["env"]
    pod = env["RUNPOD_POD_ID"]
    assert re.fullmatch("[a-z0-9]{14}", pod)
    base = gpu_emulator.url(HOST, "/v2/simulatedendpt")
    gpu = "?gpu=NVIDIA+GeForce+RTX+4090"
    assert env == {
        "A": "1",  # the template's env, then the endpoint's
        "B": "2",
        "RUNPOD_WEBHOOK_GET_JOB": f"{base}/job-take/$ID{gpu}",
        "RUNPOD_WEBHOOK_POST_OUTPUT": f"{base}/job-done/$RUNPOD_POD_ID/$ID{gpu}",
        "RUNPOD_WEBHOOK_POST_STREAM": f"{base}/job-stream/$RUNPOD_POD_ID/$ID{gpu}",
        "RUNPOD_WEBHOOK_PING": f"{base}/ping/$RUNPOD_POD_ID{gpu}",
        "RUNPOD_PING_INTERVAL": "10000",
        "RUNPOD_AI_API_KEY": KEY,
        "RUNPOD_ENDPOINT_ID": "simulatedendpt",
        "RUNPOD_POD_ID": pod,
        "RUNPOD_POD_HOSTNAME": env["RUNPOD_POD_HOSTNAME"],
        "RUNPOD_GPU_COUNT": "1",
        "RUNPOD_SKIP_GPU_CHECK": "true",
        "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true",
    }
    assert env["RUNPOD_POD_HOSTNAME"].startswith(pod + "-")
    again = attach(gpu_emulator, endpoint_id="simulatedendpt", api_key=KEY).json()["env"]
    assert again["RUNPOD_POD_ID"] != pod  # one env per worker process
    # simulated workers no longer serve it: jobs wait for a real worker
    job_id = run(api, {"input": 1}, endpoint="simulatedendpt")
    gpu_emulator.advance(120)
    assert status(api, job_id, "simulatedendpt")["status"] == "IN_QUEUE"
    [tenant] = [t for t in gpu_emulator.state()["tenants"] if t["key"] == KEY]
    endpoints = {e["id"]: e for e in tenant["worlds"]["runpod"]["endpoints"]}
    assert endpoints["simulatedendpt"]["external"] is True


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": KEY}]}, ENDPOINTS])
def test_the_admin_route_names_what_is_wrong(gpu_emulator: Any) -> None:
    missing = attach(gpu_emulator, endpoint_id=EP)
    assert (missing.status_code, missing.json()) == (
        400,
        {"error": "api_key: a non-empty string is required"},
    )
    unknown = attach(gpu_emulator, endpoint_id="nope", api_key=KEY)
    assert unknown.status_code == 404
    assert attach(gpu_emulator, endpoint_id=EP, api_key="stranger").status_code == 403


def test_the_cli_prints_the_env_as_export_lines(
    gpu_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["runpod-worker-env", "--endpoint", EP, "--api-key", KEY, "--url", gpu_emulator.base_url]
    )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("export ") for line in lines)
    env = dict(shlex.split(line[len("export ") :])[0].split("=", 1) for line in lines)
    assert env["RUNPOD_WEBHOOK_GET_JOB"] == (
        gpu_emulator.url(HOST, f"/v2/{EP}/job-take/$ID?gpu=NVIDIA+GeForce+RTX+4090")
    )
    assert env["RUNPOD_AI_API_KEY"] == KEY
    assert env["MODEL"] == "tiny"
    assert (
        main(
            [
                "runpod-worker-env",
                "--endpoint",
                "nope",
                "--api-key",
                KEY,
                "--url",
                gpu_emulator.base_url,
            ]
        )
        == 1
    )
    assert "404" in capsys.readouterr().err
