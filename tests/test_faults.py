"""Fault injection: vendor-shaped errors, latency, dropped connections, malformed bodies,
and simulation faults (shortage, failed starts, crash loops)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.core.faults import FaultRule, compile_template
from tests.support import acme
from tests.support.sim import make_pool, run, task, world

ENDPOINT_PATH = "/v1/endpoints/{endpoint_id}"


def rule(**fields: Any) -> dict[str, Any]:
    return {"host": acme.HOST, **fields}


def test_errors_fire_the_given_number_of_times_in_the_vendor_shape(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    added = gpu_emulator.faults.add(
        rule(method="GET", path=ENDPOINT_PATH, times=2, action={"type": "error", "status": 503})
    )
    assert added["id"] >= 1
    assert added["remaining"] == 2
    answers = [acme_client.get("/v1/endpoints/x") for _ in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 404]
    assert answers[0].json() == {"error": {"status": 503, "message": "injected 503", "field": None}}
    assert gpu_emulator.faults.list() == []
    journal = gpu_emulator.requests(path="/v1/endpoints/x")
    assert [e["fault"] for e in journal] == [f"{added['id']}:error", f"{added['id']}:error", None]


def test_429_carries_retry_after(gpu_emulator: Any, acme_client: httpx.Client) -> None:
    gpu_emulator.faults.add(rule(action={"type": "error", "status": 429}))
    limited = acme_client.get("/v1/endpoints/x")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    gpu_emulator.faults.clear()
    gpu_emulator.faults.add(rule(action={"type": "error", "status": 503, "retry_after": 30}))
    assert acme_client.get("/v1/endpoints/x").headers["retry-after"] == "30"


def test_vendor_codes_are_passed_to_the_vendor(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    gpu_emulator.faults.add(rule(action={"type": "error", "code": 24000}))
    answer = acme_client.get("/v1/endpoints/x")
    assert answer.json()["error"]["message"] == "injected 24000"


def test_rules_match_method_path_template_and_tenant(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    gpu_emulator.faults.add(
        rule(
            method="POST",
            path="/v1/endpoints/{id}/tasks",
            tenant="k1",
            action={"type": "error", "status": 500},
        )
    )
    assert acme_client.post("/v1/endpoints", json={"name": "a"}).status_code == 201
    assert acme_client.get("/v1/endpoints/e/tasks/t").status_code == 404
    assert acme_client.post("/v1/endpoints/e/tasks", json={"input": 1}).status_code == 500
    other = httpx.post(
        gpu_emulator.url(acme.HOST, "/v1/endpoints/e/tasks"),
        json={"input": 1},
        headers={"X-Acme-Key": "k2"},
    )
    assert other.status_code == 404


def test_probability_draws_from_the_seed(gpu_emulator: Any, acme_client: httpx.Client) -> None:
    def pattern() -> list[int]:
        gpu_emulator.reset(seed=3)
        gpu_emulator.faults.add(rule(probability=0.5, action={"type": "error", "status": 502}))
        return [acme_client.get("/v1/endpoints/x").status_code for _ in range(30)]

    first = pattern()
    assert first == pattern()
    assert 5 < first.count(502) < 25


def test_latency_delays_the_real_answer(gpu_emulator: Any, acme_client: httpx.Client) -> None:
    gpu_emulator.faults.add(rule(times=1, action={"type": "latency", "ms": 250}))
    assert acme_client.post("/v1/endpoints", json={"name": "slow"}).status_code == 201
    entry = gpu_emulator.requests(method="POST")[0]
    assert entry["fault"].endswith(":latency")
    assert entry["durationMs"] >= 250


def test_drop_closes_the_connection_without_an_answer(gpu_emulator: Any) -> None:
    gpu_emulator.faults.add(rule(times=1, action={"type": "drop"}))
    with pytest.raises(httpx.TransportError):
        httpx.get(gpu_emulator.url(acme.HOST, "/v1/endpoints/x"), headers={"X-Acme-Key": "k1"})
    again = httpx.get(gpu_emulator.url(acme.HOST, "/v1/endpoints/x"), headers={"X-Acme-Key": "k1"})
    assert again.status_code == 404


def test_malformed_serves_the_request_but_truncates_the_body(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    gpu_emulator.faults.add(rule(method="POST", times=1, action={"type": "malformed"}))
    broken = acme_client.post("/v1/endpoints", json={"id": "made", "name": "m"})
    assert broken.status_code == 201
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert acme_client.get("/v1/endpoints/made").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"host": acme.HOST, "action": {"type": "error"}}, "action.error"),
        ({"host": acme.HOST, "action": {"type": "explode"}}, "action"),
        ({"host": "api.nowhere.test", "action": {"type": "drop"}}, "host: 'api.nowhere.test'"),
        ({"host": acme.HOST, "times": 0, "action": {"type": "drop"}}, "times"),
    ],
)
def test_bad_rules_are_refused(gpu_emulator: Any, body: dict[str, Any], message: str) -> None:
    response = httpx.post(f"{gpu_emulator.base_url}/_emulator/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_remove_one_rule_and_unknown_ids(gpu_emulator: Any) -> None:
    first = gpu_emulator.faults.add(rule(action={"type": "drop"}))
    second = gpu_emulator.faults.add(rule(action={"type": "malformed"}))
    gpu_emulator.faults.remove(first["id"])
    assert [f["id"] for f in gpu_emulator.faults.list()] == [second["id"]]
    missing = httpx.delete(f"{gpu_emulator.base_url}/_emulator/faults/999")
    assert missing.status_code == 404


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "faults": [
                {"host": acme.HOST, "path": "/v1/boom", "action": {"type": "error", "status": 418}}
            ]
        }
    ]
)
def test_fixtures_can_carry_faults(acme_client: httpx.Client) -> None:
    assert acme_client.get("/v1/boom").status_code == 418


def test_path_templates_match_one_segment_per_placeholder() -> None:
    pattern = compile_template("/v2/{endpoint_id}/status/{job_id}")
    assert pattern.match("/v2/abc/status/j-1")
    assert pattern.match("/v2/abc/status/j-1/")
    assert not pattern.match("/v2/abc/def/status/j-1")
    assert not pattern.match("/v2/abc/status")


def _sim_rule(kind: str, **fields: Any) -> FaultRule:
    return FaultRule.model_validate({"host": "h", "action": {"type": kind}, **fields})


def test_capacity_shortage_holds_workers_until_lifted() -> None:
    ctx = world()
    pool, rec = make_pool(
        ctx, behaviour={"cold_start": 20, "execution": 5, "shutdown": 0}, max_workers=2
    )
    fault = ctx.sim.faults.add(_sim_rule("capacity_shortage"), "test")
    pool.submit(task(ctx, "a"))
    run(ctx, 600)
    assert [w.state.value for w in pool.workers.values()] == ["throttled"]
    assert pool.queued == 1
    ctx.sim.faults.remove(fault.id)
    run(ctx, 30)
    assert rec.task_times("completed") == {"a": 625}


def test_cold_start_failure_fails_the_next_starts_only() -> None:
    ctx = world()
    behaviour = {"cold_start": 20, "execution": 5, "restart_delay": 30, "shutdown": 0}
    pool, rec = make_pool(ctx, behaviour=behaviour, max_workers=1)
    ctx.sim.faults.add(_sim_rule("cold_start_failure", times=2), "test")
    pool.submit(task(ctx, "a"))
    run(ctx, 300)
    states = [s for _, w, s in rec.workers if w == "w1"][:8]
    assert states == [
        "provisioning",
        "initializing",
        "unhealthy",
        "initializing",
        "unhealthy",
        "initializing",
        "idle",
        "running",
    ]
    assert rec.task_times("completed") == {"a": 20 + 30 + 20 + 30 + 20 + 5}


def test_crash_loop_fault_is_scoped_to_its_tenant() -> None:
    ctx = world(key="victim")
    other = world(key="bystander")
    other.sim = ctx.sim  # same simulation, another tenant
    ctx.sim.faults.add(_sim_rule("crash_loop", tenant="victim"), "test")
    victim, _ = make_pool(ctx, behaviour={"cold_start": 5}, max_workers=1)
    bystander, _ = make_pool(other, behaviour={"cold_start": 5}, max_workers=1)
    victim.submit(task(ctx, "a"))
    bystander.submit(task(other, "b"))
    run(ctx, 6)
    assert [w.state.value for w in victim.workers.values()] == ["unhealthy"]
    assert [w.state.value for w in bystander.workers.values()] == ["running"]


def test_rate_limit_allows_a_window_of_requests_then_429s(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    gpu_emulator.faults.add(rule(action={"type": "rate_limit", "limit": 3, "window": 10}))
    statuses = [acme_client.get("/v1/endpoints/x").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert acme_client.get("/v1/endpoints/x").headers["retry-after"] == "10"
    gpu_emulator.advance(4)
    assert acme_client.get("/v1/endpoints/x").headers["retry-after"] == "6"
    gpu_emulator.advance(6)
    assert acme_client.get("/v1/endpoints/x").status_code == 404
    other = httpx.get(gpu_emulator.url(acme.HOST, "/v1/endpoints/x"), headers={"X-Acme-Key": "k2"})
    assert other.status_code == 404  # each tenant has its own window
