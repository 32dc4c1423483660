"""Webhook deliveries: real POSTs, retries on the emulator clock, a delivery log."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from emulator.core.clock import ManualClock
from emulator.core.context import Simulation
from emulator.core.webhooks import Delivery
from tests.support.receiver import Receiver
from tests.support.sim import T0

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[Simulation]:
    simulation = Simulation(ManualClock(T0), seed=0, webhook_timeout=2.0, webhook_log_size=3)
    yield simulation
    await simulation.runtime.aclose()


async def test_retries_follow_the_schedule_on_the_emulator_clock(
    sim: Simulation, receiver: Receiver
) -> None:
    receiver.respond(500, 503, 200)
    done: list[Delivery] = []
    delivery = sim.webhooks.send(
        vendor="v",
        tenant="k",
        url=receiver.url + "/hook",
        payload={"id": "t1"},
        headers={"X-API-Key": "secret"},
        retry_delays=(60.0, 300.0, 900.0),
        subject="t1",
        on_done=done.append,
    )
    processed = await sim.advance(3600)
    assert processed == 2
    assert [a.at - T0 for a in delivery.attempts] == [0, 60, 360]
    assert [a.status for a in delivery.attempts] == [500, 503, 200]
    assert delivery.state == "delivered"
    assert done == [delivery]
    assert [hit.body for hit in receiver.hits] == [{"id": "t1"}] * 3
    assert receiver.hits[0].headers["x-api-key"] == "secret"
    assert receiver.hits[0].headers["content-type"] == "application/json"


async def test_retries_run_out_and_the_delivery_fails(sim: Simulation, receiver: Receiver) -> None:
    receiver.default = 404
    done: list[Delivery] = []
    delivery = sim.webhooks.send(
        vendor="v",
        tenant="k",
        url=receiver.url,
        payload={},
        retry_delays=(10.0, 10.0),
        on_done=done.append,
    )
    await sim.advance(5)
    assert len(delivery.attempts) == 1
    assert delivery.state == "pending"
    await sim.advance(60)
    assert [a.at - T0 for a in delivery.attempts] == [0, 10, 20]
    assert delivery.state == "failed"
    assert done == [delivery]


def _numbered(delivery: Delivery) -> dict[str, float | int]:
    return {"attempt": len(delivery.attempts), "at": delivery.attempts[-1].at - T0}


async def test_prepare_rebuilds_the_payload_for_each_attempt(
    sim: Simulation, receiver: Receiver
) -> None:
    receiver.respond(500, 200)
    delivery = sim.webhooks.send(
        vendor="v",
        tenant="k",
        url=receiver.url,
        payload={"attempt": 0},
        retry_delays=(60.0,),
        prepare=_numbered,
    )
    await sim.advance(120)
    assert [hit.body for hit in receiver.hits] == [
        {"attempt": 1, "at": 0},
        {"attempt": 2, "at": 60},
    ]
    assert delivery.payload == {"attempt": 2, "at": 60}


async def test_only_200_counts_when_the_vendor_says_so(sim: Simulation, receiver: Receiver) -> None:
    receiver.respond(204, 200)
    delivery = sim.webhooks.send(
        vendor="v", tenant="k", url=receiver.url, payload={}, retry_delays=(10.0,), accept="200"
    )
    await sim.advance(30)
    assert [a.status for a in delivery.attempts] == [204, 200]
    assert delivery.delivered


async def test_a_refused_connection_is_a_failed_attempt(sim: Simulation) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = sim.webhooks.send(
        vendor="v", tenant="k", url=f"http://127.0.0.1:{port}/", payload={}
    )
    await sim.advance(1)
    assert delivery.state == "failed"
    assert delivery.attempts[0].status is None
    assert "ConnectError" in (delivery.attempts[0].error or "")


async def test_a_reset_tenant_gets_no_more_attempts(sim: Simulation, receiver: Receiver) -> None:
    from emulator.core.tenants import Tenant

    tenant = Tenant("k")
    receiver.default = 500
    delivery = sim.webhooks.send(
        vendor="v",
        tenant="k",
        url=receiver.url,
        payload={},
        retry_delays=(10.0, 10.0),
        scope=tenant,
    )
    await sim.runtime.settle(5)
    tenant.alive = False
    await sim.advance(60)
    assert len(delivery.attempts) == 1
    assert len(receiver.hits) == 1


async def test_the_log_is_bounded_and_filterable(sim: Simulation, receiver: Receiver) -> None:
    for i in range(5):
        sim.webhooks.send(
            vendor="a" if i % 2 else "b", tenant=f"k{i}", url=receiver.url, payload={"i": i}
        )
    await sim.advance(1)
    assert [d.payload["i"] for d in sim.webhooks.log] == [2, 3, 4]
    assert [d.tenant for d in sim.webhooks.query(vendor="a")] == ["k3"]
    assert sim.webhooks.query(tenant="k4")[0].as_json()["attempts"][0]["status"] == 200
