"""The serverless job API over HTTP on the manual clock: documents, statuses, times, errors."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.vendors.runpod.support import HOST, KEY, UUID, conforms, fixture, until

EP = "jpnw0v75y3qoql"
BASIC = fixture({"id": EP, "workersMax": 2})


def job_status(api: httpx.Client, job_id: str, endpoint: str = EP) -> dict[str, Any]:
    response = api.get(f"/{endpoint}/status/{job_id}")
    assert response.status_code == 200, response.text
    return conforms(response.json(), "StatusDocument")


def health(api: httpx.Client, endpoint: str = EP) -> dict[str, Any]:
    return conforms(api.get(f"/{endpoint}/health").json(), "HealthResponse")


def submit(api: httpx.Client, body: dict[str, Any], endpoint: str = EP) -> str:
    response = api.post(f"/{endpoint}/run", json=body)
    assert response.status_code == 200, response.text
    job_id: str = conforms(response.json(), "RunResponse")["id"]
    return job_id


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_a_job_queues_cold_starts_runs_and_completes_at_exact_times(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    created = api.post(f"/{EP}/run", json={"input": {"prompt": "hi"}})
    assert created.json() == {"id": created.json()["id"], "status": "IN_QUEUE"}
    job_id = created.json()["id"]
    assert re.fullmatch(f"{UUID}-u1", job_id)
    assert job_status(api, job_id) == {"id": job_id, "status": "IN_QUEUE"}
    assert health(api)["workers"]["initializing"] == 1
    assert health(api)["jobs"]["inQueue"] == 1

    gpu_emulator.advance(20)
    running = job_status(api, job_id)
    assert running["status"] == "IN_PROGRESS"
    assert (running["delayTime"], running["executionTime"]) == (20000, 0)
    assert re.fullmatch("[a-z0-9]{14}", running["workerId"])
    assert health(api)["jobs"]["inProgress"] == 1
    assert health(api)["workers"]["running"] == 1

    gpu_emulator.advance(2)
    done = job_status(api, job_id)
    assert done == {
        "delayTime": 20000,
        "executionTime": 2000,
        "id": job_id,
        "output": {"prompt": "hi"},
        "status": "COMPLETED",
        "workerId": running["workerId"],
    }
    assert list(done) == sorted(done)  # RunPod's documents come with sorted keys
    assert health(api) == {
        "jobs": {"completed": 1, "failed": 0, "inProgress": 0, "inQueue": 0, "retried": 0},
        "workers": {
            "idle": 1,
            "initializing": 0,
            "ready": 1,
            "running": 0,
            "throttled": 0,
            "unhealthy": 0,
        },
    }
    assert api.post(f"/{EP}/status/{job_id}").json() == done  # POST works too (older docs)


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_bearer_and_raw_keys_are_the_same_tenant_and_a_missing_key_is_401(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    job_id = submit(api, {"input": 1})
    base = gpu_emulator.url(HOST, "/v2")
    raw = httpx.get(f"{base}/{EP}/status/{job_id}", headers={"Authorization": KEY})
    assert raw.status_code == 200
    missing = httpx.get(f"{base}/{EP}/status/{job_id}")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert conforms(missing.json(), "Problem")["title"] == "Unauthorized"
    other = httpx.get(f"{base}/{EP}/status/{job_id}", headers={"Authorization": "Bearer other"})
    assert other.status_code == 404  # another key is another world: same endpoint, not the job


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": KEY}]}, BASIC])
def test_strict_auth_refuses_undeclared_keys_with_401(gpu_emulator: Any, api: httpx.Client) -> None:
    assert api.get(f"/{EP}/health").status_code == 200
    refused = httpx.get(
        gpu_emulator.url(HOST, f"/v2/{EP}/health"), headers={"Authorization": "Bearer nope"}
    )
    assert refused.status_code == 401


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_unknown_endpoints_jobs_routes_and_methods_are_problem_json(api: httpx.Client) -> None:
    unknown_endpoint = api.post("/nosuchendpoint/run", json={"input": 1})
    assert unknown_endpoint.status_code == 404
    assert conforms(unknown_endpoint.json(), "Problem")["detail"] == (
        "endpoint nosuchendpoint not found"
    )
    unknown_job = api.get(f"/{EP}/status/abc")
    assert unknown_job.status_code == 404
    assert unknown_job.json() == {
        "status": 404,
        "title": "Not Found",
        "detail": "request abc does not exist",
    }
    assert api.get(f"/{EP}/nothing").status_code == 404
    wrong_method = api.get(f"/{EP}/run")
    assert wrong_method.status_code == 405
    assert conforms(wrong_method.json(), "Problem")["title"] == "Method Not Allowed"


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP}, options={"unknown_job_status": 400})])
def test_the_unknown_job_status_is_an_option(api: httpx.Client) -> None:
    assert api.get(f"/{EP}/status/abc").status_code == 400


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "behaviours": {"broken": {"cold_start": 1, "execution": 1, "failure_rate": 1.0}},
            "runpod": {"endpoints": [{"id": EP, "behaviour": "broken"}]},
        }
    ]
)
def test_a_failed_job_carries_a_top_level_string_error(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    job_id = submit(api, {"input": {"x": 1}})
    gpu_emulator.advance(2)
    failed = job_status(api, job_id)
    assert failed["status"] == "FAILED"
    assert failed["error"] == "simulated failure"
    assert "output" not in failed
    assert health(api)["jobs"]["failed"] == 1


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_a_body_without_input_is_accepted(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"webhookV2": "ignored"})
    gpu_emulator.advance(22)
    assert job_status(api, job_id)["status"] == "COMPLETED"


# ---------------------------------------------------------------------------- runsync


def _runsync(api: httpx.Client, body: dict[str, Any], query: str = "") -> httpx.Response:
    return api.post(f"/{EP}/runsync{query}", json=body)


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_runsync_answers_the_final_document_when_the_job_ends_within_wait(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(_runsync, api, {"input": {"n": 1}})
        until(lambda: health(api)["jobs"]["inQueue"] == 1, what="the runsync job")
        gpu_emulator.advance(30)
        doc = conforms(reply.result(timeout=30).json(), "StatusDocument")
    assert re.fullmatch(f"sync-{UUID}", doc["id"])
    assert doc["status"] == "COMPLETED"
    assert (doc["delayTime"], doc["executionTime"], doc["output"]) == (20000, 2000, {"n": 1})
    # results of /runsync are kept one minute after completion
    gpu_emulator.advance(50)
    assert job_status(api, doc["id"])["status"] == "COMPLETED"
    gpu_emulator.advance(10)
    assert api.get(f"/{EP}/status/{doc['id']}").status_code == 404


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_runsync_past_wait_replies_with_the_id_and_a_live_status(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(_runsync, api, {"input": 1}, "?wait=5000")
        until(lambda: health(api)["jobs"]["inQueue"] == 1, what="the runsync job")
        gpu_emulator.advance(5)
        doc = reply.result(timeout=30).json()
    assert doc == {"id": doc["id"], "status": "IN_QUEUE"}
    gpu_emulator.advance(22)
    assert job_status(api, doc["id"])["status"] == "COMPLETED"


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_runsync_on_a_clock_nobody_advances_ends_after_wait_of_wall_time(
    api: httpx.Client,
) -> None:
    doc = _runsync(api, {"input": 1}, "?wait=1000").json()
    assert doc["status"] == "IN_QUEUE"


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_runsync_wait_is_clamped_to_its_range(gpu_emulator: Any, api: httpx.Client) -> None:
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(_runsync, api, {"input": 1}, "?wait=10")
        until(lambda: health(api)["jobs"]["inQueue"] == 1, what="the runsync job")
        gpu_emulator.advance(1)  # 10 ms was raised to the 1000 ms minimum
        assert reply.result(timeout=30).json()["status"] == "IN_QUEUE"
    bad = _runsync(api, {"input": 1}, "?wait=soon")
    assert bad.status_code == 400
    assert "wait" in bad.json()["detail"]


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP}, options={"wait_out_of_range": "reject"})])
def test_runsync_wait_out_of_range_can_be_rejected(api: httpx.Client) -> None:
    for wait in (999, 300001):
        refused = _runsync(api, {"input": 1}, f"?wait={wait}")
        assert refused.status_code == 400
        assert refused.json()["detail"] == (
            "bad request: wait: must be between 1000 and 300000 milliseconds"
        )
    assert api.get(f"/{EP}/health").json()["jobs"]["inQueue"] == 0  # nothing half-created


# ---------------------------------------------------------------------------- stream, progress

STREAMING = {
    "behaviours": {
        "streamer": {
            "cold_start": 20,
            "execution": 4,
            "stream_chunks": 3,
            "output": {"value": "abcdef"},
        },
        "progress": {"cold_start": 20, "execution": 4, "progress_updates": 1},
    },
    "runpod": {
        "endpoints": [
            {"id": EP, "behaviour": "streamer"},
            {"id": "progressendpnt", "behaviour": "progress"},
        ]
    },
}


@pytest.mark.gpu_emulator(fixtures=[STREAMING])
def test_stream_drains_chunks_and_ends_with_an_empty_stream(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    job_id = submit(api, {"input": "x"})

    def stream() -> dict[str, Any]:
        return conforms(api.get(f"/{EP}/stream/{job_id}").json(), "StreamResponse")

    assert stream() == {"status": "IN_QUEUE", "stream": []}
    gpu_emulator.advance(21.5)
    assert stream() == {"status": "IN_PROGRESS", "stream": [{"output": "ab"}]}
    assert stream() == {"status": "IN_PROGRESS", "stream": []}
    gpu_emulator.advance(2.5)
    assert stream() == {"status": "COMPLETED", "stream": [{"output": "cd"}, {"output": "ef"}]}
    assert stream() == {"status": "COMPLETED", "stream": []}
    assert job_status(api, job_id)["output"] == "abcdef"


@pytest.mark.gpu_emulator(fixtures=[STREAMING])
def test_stream_wait_holds_until_a_chunk_arrives(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": "x"})
    gpu_emulator.advance(20)
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(api.get, f"/{EP}/stream/{job_id}?wait=30000")
        # Let the request reach the server (pacing, not simulated time): it is held, since no
        # chunk exists until the clock moves.
        with pytest.raises(TimeoutError):
            reply.result(timeout=0.2)
        gpu_emulator.advance(1)
        assert reply.result(timeout=30).json() == {
            "status": "IN_PROGRESS",
            "stream": [{"output": "ab"}],
        }


@pytest.mark.gpu_emulator(fixtures=[STREAMING])
def test_progress_updates_show_in_output_while_in_progress(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    job_id = submit(api, {"input": {"q": 1}}, endpoint="progressendpnt")
    gpu_emulator.advance(21)
    assert "output" not in job_status(api, job_id, "progressendpnt")
    gpu_emulator.advance(1)
    running = job_status(api, job_id, "progressendpnt")
    assert (running["status"], running["output"]) == ("IN_PROGRESS", {"step": 1, "of": 1})
    gpu_emulator.advance(2)
    done = job_status(api, job_id, "progressendpnt")
    assert (done["status"], done["output"]) == ("COMPLETED", {"q": 1})


# ---------------------------------------------------------------------------- cancel, retry, purge


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_cancel_a_queued_job_with_no_body_or_an_empty_object(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    first, second = submit(api, {"input": 1}), submit(api, {"input": 2})
    assert api.post(f"/{EP}/cancel/{first}").json() == {"id": first, "status": "CANCELLED"}
    assert api.post(f"/{EP}/cancel/{second}", json={}).json() == {
        "id": second,
        "status": "CANCELLED",
    }
    assert health(api)["jobs"]["inQueue"] == 0
    gpu_emulator.advance(30)
    assert job_status(api, first) == {"id": first, "status": "CANCELLED"}


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_cancel_a_running_job_frees_its_worker(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": 1})
    gpu_emulator.advance(21)
    cancelled = conforms(api.post(f"/{EP}/cancel/{job_id}").json(), "StatusDocument")
    assert cancelled == {
        "delayTime": 20000,
        "executionTime": 1000,
        "id": job_id,
        "status": "CANCELLED",
        "workerId": cancelled["workerId"],
    }
    assert health(api)["workers"]["idle"] == 1
    gpu_emulator.advance(5)
    assert job_status(api, job_id)["status"] == "CANCELLED"
    assert api.post(f"/{EP}/cancel/{job_id}").json()["status"] == "CANCELLED"


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP, "executionTimeoutMs": 5000}, options={})])
def test_retry_requeues_a_failed_job_under_the_same_id_with_output_cleared(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    gpu_emulator.load({"behaviours": {"default": {"cold_start": 20, "execution": 8}}})
    job_id = submit(api, {"input": 1})
    gpu_emulator.advance(25)
    failed = job_status(api, job_id)
    assert (failed["status"], failed["error"]) == ("FAILED", "executionTimeout exceeded")
    retried = api.post(f"/{EP}/retry/{job_id}")
    assert retried.json() == {"id": job_id, "status": "IN_QUEUE"}
    restarted = job_status(api, job_id)  # the worker is still warm: it starts at once
    assert (restarted["status"], restarted["executionTime"]) == ("IN_PROGRESS", 0)
    assert "error" not in restarted
    assert health(api)["jobs"]["retried"] == 1
    gpu_emulator.advance(5)  # ... and times out again
    again = job_status(api, job_id)
    assert (again["status"], again["delayTime"], again["executionTime"]) == ("FAILED", 0, 5000)
    assert health(api)["jobs"] == {
        "completed": 0,
        "failed": 2,
        "inProgress": 0,
        "inQueue": 0,
        "retried": 1,
    }


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_only_failed_or_timed_out_jobs_can_be_retried(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": 1})
    queued = api.post(f"/{EP}/retry/{job_id}")
    assert queued.status_code == 400
    assert "IN_QUEUE" in conforms(queued.json(), "Problem")["detail"]
    gpu_emulator.advance(22)
    assert api.post(f"/{EP}/retry/{job_id}").status_code == 400
    assert health(api)["jobs"]["retried"] == 0


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP, "workersMax": 1})])
def test_purge_queue_removes_queued_jobs_only(gpu_emulator: Any, api: httpx.Client) -> None:
    running, *queued = (submit(api, {"input": n}) for n in range(3))
    gpu_emulator.advance(20)
    purged = api.post(f"/{EP}/purge-queue")
    assert conforms(purged.json(), "PurgeResponse") == {"removed": 2, "status": "completed"}
    for job_id in queued:
        assert api.get(f"/{EP}/status/{job_id}").status_code == 404
    assert health(api)["jobs"]["inQueue"] == 0
    gpu_emulator.advance(2)
    assert job_status(api, running)["status"] == "COMPLETED"
    assert api.post(f"/{EP}/purge-queue").json() == {"removed": 0, "status": "completed"}


# ---------------------------------------------------------------------------- policies and limits


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture(
            {"id": EP, "executionTimeoutMs": 5000, "scalerType": "REQUEST_COUNT", "scalerValue": 1}
        )
    ]
)
def test_execution_timeout_fails_the_job_from_the_endpoint_or_the_policy(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    gpu_emulator.load({"behaviours": {"default": {"cold_start": 20, "execution": 60}}})
    by_endpoint = submit(api, {"input": 1})
    by_policy = submit(api, {"input": 2, "policy": {"executionTimeout": 7000}})
    gpu_emulator.advance(25)
    first = job_status(api, by_endpoint)
    assert first == {
        "delayTime": 20000,
        "error": "executionTimeout exceeded",
        "executionTime": 5000,
        "id": by_endpoint,
        "status": "FAILED",
        "workerId": first["workerId"],
    }
    assert job_status(api, by_policy)["status"] == "IN_PROGRESS"
    gpu_emulator.advance(2)
    second = job_status(api, by_policy)
    assert (second["status"], second["executionTime"]) == ("FAILED", 7000)


@pytest.mark.gpu_emulator(
    fixtures=[
        fixture(
            {"id": EP, "executionTimeoutMs": 5000},
            options={"execution_timeout_status": "TIMED_OUT"},
        )
    ]
)
def test_execution_timeout_can_be_reported_as_timed_out(
    gpu_emulator: Any, api: httpx.Client
) -> None:
    gpu_emulator.load({"behaviours": {"default": {"cold_start": 20, "execution": 60}}})
    job_id = submit(api, {"input": 1})
    gpu_emulator.advance(25)
    assert job_status(api, job_id)["status"] == "TIMED_OUT"
    assert api.post(f"/{EP}/retry/{job_id}").json()["status"] == "IN_QUEUE"


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_ttl_removes_a_queued_or_running_job_then_404(gpu_emulator: Any, api: httpx.Client) -> None:
    queued = submit(api, {"input": 1, "policy": {"ttl": 10000}})
    running = submit(api, {"input": 2, "policy": {"ttl": 21000}})
    kept = submit(api, {"input": 3, "policy": {"ttl": 10000, "lowPriority": False}})
    api.post(f"/{EP}/cancel/{kept}")  # final before its TTL: retention applies, not the TTL
    gpu_emulator.advance(10)
    assert api.get(f"/{EP}/status/{queued}").status_code == 404
    assert job_status(api, kept)["status"] == "CANCELLED"
    gpu_emulator.advance(10)
    assert job_status(api, running)["status"] == "IN_PROGRESS"
    gpu_emulator.advance(1)
    assert api.get(f"/{EP}/status/{running}").status_code == 404
    assert health(api)["jobs"]["inProgress"] == 0
    assert health(api)["workers"]["idle"] >= 1


@pytest.mark.gpu_emulator(fixtures=[fixture({"id": EP}, options={"ttl_expiry": "timed_out"})])
def test_ttl_can_time_a_job_out_instead(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": 1, "policy": {"ttl": 10000}})
    gpu_emulator.advance(10)
    assert job_status(api, job_id) == {"id": job_id, "status": "TIMED_OUT"}
    assert api.post(f"/{EP}/retry/{job_id}").json() == {"id": job_id, "status": "IN_QUEUE"}


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_run_results_are_kept_thirty_minutes(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": 1})
    gpu_emulator.advance(22)
    gpu_emulator.advance(1799)
    assert job_status(api, job_id)["status"] == "COMPLETED"
    gpu_emulator.advance(1)
    assert api.get(f"/{EP}/status/{job_id}").status_code == 404
    assert health(api)["jobs"]["completed"] == 1


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_low_priority_jobs_do_not_trigger_scaling(gpu_emulator: Any, api: httpx.Client) -> None:
    low = submit(api, {"input": 1, "policy": {"lowPriority": True}})
    gpu_emulator.advance(60)
    assert health(api)["workers"]["initializing"] == 0
    assert job_status(api, low)["status"] == "IN_QUEUE"
    normal = submit(api, {"input": 2})
    gpu_emulator.advance(20)  # the normal job brought a worker; the queue is FIFO
    assert job_status(api, low)["status"] == "IN_PROGRESS"
    gpu_emulator.advance(4)
    assert job_status(api, normal)["status"] == "COMPLETED"


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_bodies_over_the_limits_are_refused_like_runpod(api: httpx.Client) -> None:
    eleven_mib = b'{"input": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    refused = api.post(f"/{EP}/run", content=eleven_mib)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "status": 400,
        "title": "Bad Request",
        "detail": "bad request: body: exceeded max body size of 10MiB",
    }
    over_sync = b'{"input": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    assert api.post(f"/{EP}/runsync", content=over_sync).json()["detail"] == (
        "bad request: body: exceeded max body size of 20MiB"
    )
    accepted = api.post(f"/{EP}/runsync?wait=1000", content=eleven_mib)
    assert accepted.status_code == 200
    assert health(api)["jobs"]["inQueue"] == 1


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_bad_bodies_name_the_problem_and_create_nothing(api: httpx.Client) -> None:
    not_json = api.post(f"/{EP}/run", content=b"{nope")
    assert not_json.status_code == 400
    assert not_json.json()["detail"].startswith("bad request: body: invalid JSON")
    assert api.post(f"/{EP}/run", json=[1]).status_code == 400
    short = api.post(f"/{EP}/run", json={"input": 1, "policy": {"executionTimeout": 10}})
    assert short.status_code == 400
    assert "policy.executionTimeout" in short.json()["detail"]
    bad_ttl = api.post(f"/{EP}/run", json={"input": 1, "policy": {"ttl": "soon"}})
    assert "policy.ttl" in bad_ttl.json()["detail"]
    bad_webhook = api.post(f"/{EP}/run", json={"input": 1, "webhook": 7})
    assert "webhook" in bad_webhook.json()["detail"]
    assert health(api)["jobs"]["inQueue"] == 0


# ---------------------------------------------------------------------------- webhooks


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_webhook_posts_the_status_document_with_input_and_retries_twice_10s_apart(
    gpu_emulator: Any, api: httpx.Client, receiver: Any
) -> None:
    receiver.respond(500, 204, 200)
    hook = f"{receiver.url}/hook"
    job_id = submit(api, {"input": {"a": 1}, "webhook": hook})
    gpu_emulator.advance(22)
    gpu_emulator.advance(30)
    [delivery] = gpu_emulator.webhooks(vendor="runpod")
    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 204, 200]
    start = delivery["attempts"][0]["at"]
    assert [a["at"] - start for a in delivery["attempts"]] == [0, 10, 20]
    payload = conforms(receiver.hits[0].body, "WebhookPayload")
    assert payload == {
        "delayTime": 20000,
        "executionTime": 2000,
        "id": job_id,
        "input": {"a": 1},
        "output": {"a": 1},
        "status": "COMPLETED",
        "webhook": hook,
        "workerId": payload["workerId"],
    }
    assert list(payload) == sorted(payload)


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_a_webhook_that_never_answers_200_is_tried_three_times(
    gpu_emulator: Any, api: httpx.Client, receiver: Any
) -> None:
    receiver.default = 503
    submit(api, {"input": 1, "webhook": f"{receiver.url}/hook"})
    gpu_emulator.advance(22)
    gpu_emulator.advance(60)
    [delivery] = gpu_emulator.webhooks(vendor="runpod")
    assert (delivery["state"], len(delivery["attempts"])) == ("failed", 3)
    assert len(receiver.hits) == 3


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_a_cancelled_job_with_a_webhook_is_reported(
    gpu_emulator: Any, api: httpx.Client, receiver: Any
) -> None:
    job_id = submit(api, {"input": 1, "webhook": f"{receiver.url}/hook"})
    api.post(f"/{EP}/cancel/{job_id}")
    gpu_emulator.advance(1)
    [delivery] = gpu_emulator.webhooks(vendor="runpod")
    assert delivery["payload"]["status"] == "CANCELLED"
    assert delivery["payload"]["input"] == 1


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_status_sync_holds_until_the_job_is_final(gpu_emulator: Any, api: httpx.Client) -> None:
    job_id = submit(api, {"input": 5})
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(api.get, f"/{EP}/status-sync/{job_id}?wait=60000")
        with pytest.raises(TimeoutError):
            reply.result(timeout=0.2)  # held: the job needs 22 emulator seconds
        gpu_emulator.advance(22)
        assert reply.result(timeout=30).json()["status"] == "COMPLETED"


@pytest.mark.gpu_emulator(fixtures=[BASIC])
def test_a_host_header_reaches_the_job_api_without_the_prefix(gpu_emulator: Any) -> None:
    response = httpx.post(
        f"{gpu_emulator.base_url}/v2/{EP}/run",
        json={"input": 1},
        headers={"Host": HOST, "Authorization": KEY},
    )
    assert conforms(response.json(), "RunResponse")["status"] == "IN_QUEUE"


def test_the_job_api_schema_is_served_by_the_admin_api(gpu_emulator: Any) -> None:
    specs = httpx.get(f"{gpu_emulator.base_url}/_emulator/specs/runpod").json()
    assert "StatusDocument" in specs["jobs"]["$defs"]


@pytest.mark.gpu_emulator(
    fixtures=[fixture({"id": EP}, options={"webhook_on_cancel": False, "purge": "cancel"})]
)
def test_cancel_webhooks_and_purge_removal_are_options(
    gpu_emulator: Any, api: httpx.Client, receiver: Any
) -> None:
    hooked = submit(api, {"input": 1, "webhook": f"{receiver.url}/hook"})
    api.post(f"/{EP}/cancel/{hooked}")
    purged = submit(api, {"input": 2})
    assert api.post(f"/{EP}/purge-queue").json() == {"removed": 1, "status": "completed"}
    gpu_emulator.advance(1)
    assert gpu_emulator.webhooks(vendor="runpod") == []
    assert job_status(api, purged) == {"id": purged, "status": "CANCELLED"}
