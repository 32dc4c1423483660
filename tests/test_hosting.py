"""The vendor host layer: routing, tenants, vendor-shaped errors, journal, webhooks over HTTP."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.settings import Settings
from tests.support import acme
from tests.support.receiver import Receiver

FAST = {"cold_start": 2, "execution": 1, "shutdown": 0}


def test_create_run_and_finish_on_the_manual_clock(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    created = acme_client.post(
        "/v1/endpoints", json={"name": "e", "max_workers": 1, "behaviour": FAST}
    )
    assert created.status_code == 201
    endpoint = created.json()["id"]
    submitted = acme_client.post(f"/v1/endpoints/{endpoint}/tasks", json={"input": {"x": 1}}).json()
    assert submitted["status"] == "queued"
    gpu_emulator.advance(2)
    assert (
        acme_client.get(f"/v1/endpoints/{endpoint}/tasks/{submitted['id']}").json()["status"]
        == "running"
    )
    gpu_emulator.advance(1)
    done = acme_client.get(f"/v1/endpoints/{endpoint}/tasks/{submitted['id']}").json()
    assert (done["status"], done["output"]) == ("completed", {"x": 1})


def test_each_key_is_its_own_world(gpu_emulator: Any) -> None:
    base = gpu_emulator.url(acme.HOST)
    alice = httpx.post(f"{base}/v1/endpoints", json={"name": "a"}, headers={"X-Acme-Key": "alice"})
    endpoint = alice.json()["id"]
    seen_by_bob = httpx.get(f"{base}/v1/endpoints/{endpoint}", headers={"X-Acme-Key": "bob"})
    assert seen_by_bob.status_code == 404
    seen_by_alice = httpx.get(f"{base}/v1/endpoints/{endpoint}", headers={"X-Acme-Key": "alice"})
    assert seen_by_alice.status_code == 200


@pytest.mark.gpu_emulator(auth="strict", fixtures=[{"tenants": [{"key": "alice"}]}])
def test_strict_auth_refuses_unknown_keys_in_the_vendor_shape(gpu_emulator: Any) -> None:
    base = gpu_emulator.url(acme.HOST)
    refused = httpx.get(f"{base}/v1/endpoints/x", headers={"X-Acme-Key": "mallory"})
    assert refused.status_code == 403
    assert refused.json() == {"error": {"status": 403, "message": "unknown key", "field": None}}
    missing = httpx.get(f"{base}/v1/endpoints/x")
    assert missing.status_code == 401
    assert httpx.get(f"{base}/v1/endpoints/x", headers={"X-Acme-Key": "alice"}).status_code == 404


def test_unknown_routes_and_methods_get_the_vendor_envelope(acme_client: httpx.Client) -> None:
    missing = acme_client.get("/v1/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no route GET /v1/nothing"
    wrong = acme_client.delete("/v1/endpoints")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["message"] == "DELETE not allowed on /v1/endpoints"


def test_validation_errors_name_the_field(acme_client: httpx.Client) -> None:
    bad = acme_client.post("/v1/endpoints", json={"name": "x" * 30})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "name"
    not_json = acme_client.post("/v1/endpoints", content=b"{nope")
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["error"]["message"]


def test_an_unexpected_exception_is_a_vendor_500_journaled_and_recorded(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    response = acme_client.get("/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["message"] == "internal error"
    errors = gpu_emulator.admin.errors()
    assert errors[0]["where"] == "GET /api.acme.test/v1/boom"
    assert "RuntimeError: kaboom" in errors[0]["message"]
    journaled = gpu_emulator.requests(path="/v1/boom")[0]
    assert journaled["status"] == 500
    assert journaled["exception"] == "RuntimeError: kaboom"
    gpu_emulator.admin.clear_errors()  # handled here: do not fail this test for it


def test_the_host_header_routes_without_a_prefix(gpu_emulator: Any) -> None:
    response = httpx.post(
        gpu_emulator.base_url + "/v1/endpoints",
        json={"name": "h"},
        headers={"Host": acme.HOST, "X-Acme-Key": "k"},
    )
    assert response.status_code == 201
    assert gpu_emulator.requests(host=acme.HOST)[0]["path"] == "/v1/endpoints"


def test_the_journal_records_requests_and_filters(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    acme_client.post("/v1/endpoints", json={"name": "j"})
    acme_client.get("/v1/endpoints/none")
    entries = gpu_emulator.requests(vendor="acme")
    assert [(e["method"], e["status"]) for e in entries] == [("POST", 201), ("GET", 404)]
    first = entries[0]
    assert first["tenant"] == "k1"
    assert first["request"]["body"] == {"name": "j"}
    assert set(first["response"]["body"]) == {"id"}
    assert gpu_emulator.requests(status=404)[0]["path"] == "/v1/endpoints/none"
    assert gpu_emulator.requests(method="post", since=entries[0]["id"]) == []
    gpu_emulator.admin.clear_requests()
    assert gpu_emulator.requests() == []


def test_the_journal_is_bounded() -> None:
    app = create_app(Settings(fixtures=[], clock="manual", journal_size=3), vendors=[acme.vendor])
    with TestClient(app) as client:
        for i in range(5):
            client.post(
                f"/{acme.HOST}/v1/endpoints", json={"name": f"e{i}"}, headers={"X-Acme-Key": "k"}
            )
        entries = client.get("/_emulator/requests").json()["requests"]
    assert [e["request"]["body"]["name"] for e in entries] == ["e2", "e3", "e4"]


def test_a_hanging_webhook_receiver_does_not_delay_other_requests(
    gpu_emulator: Any, acme_client: httpx.Client, receiver: Receiver
) -> None:
    receiver.respond("hang")
    endpoint = acme_client.post("/v1/endpoints", json={"name": "w", "behaviour": FAST}).json()["id"]
    task = acme_client.post(
        f"/v1/endpoints/{endpoint}/tasks", json={"input": 1, "webhook": receiver.url + "/hook"}
    ).json()
    advancing = threading.Thread(target=gpu_emulator.advance, args=(10,))
    advancing.start()  # the advance waits for the delivery's answer before moving past it
    try:
        for _ in range(200):
            if receiver.hits:
                break
            threading.Event().wait(0.01)
        assert receiver.hits, "the webhook was not sent"
        # While the receiver holds the delivery open, the emulator keeps answering.
        for _ in range(5):
            status = acme_client.get(f"/v1/endpoints/{endpoint}/tasks/{task['id']}")
            assert status.status_code == 200
        deliveries = gpu_emulator.webhooks()
        assert [d["state"] for d in deliveries] == ["in_flight"]
    finally:
        receiver.release()
        advancing.join()
    delivered = gpu_emulator.webhooks()[0]
    assert delivered["state"] == "delivered"
    assert delivered["payload"] == {"id": task["id"], "status": "completed"}


def test_webhook_retries_happen_inside_one_advance(
    gpu_emulator: Any, acme_client: httpx.Client, receiver: Receiver
) -> None:
    receiver.respond(500, 500, 200)
    endpoint = acme_client.post("/v1/endpoints", json={"name": "r", "behaviour": FAST}).json()["id"]
    acme_client.post(f"/v1/endpoints/{endpoint}/tasks", json={"input": 1, "webhook": receiver.url})
    start = gpu_emulator.now()
    gpu_emulator.advance(3600)
    delivery = gpu_emulator.webhooks(vendor="acme")[0]
    assert [round(a["at"] - start) for a in delivery["attempts"]] == [3, 63, 363]
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 200]


def test_a_vendor_contributes_admin_routes_under_its_name(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    created = acme_client.post("/v1/endpoints", json={"name": "e"}).json()
    acme_client.post(f"/v1/endpoints/{created['id']}/tasks", json={"input": 1})
    counted = httpx.get(f"{gpu_emulator.base_url}/_emulator/acme/tasks", params={"tenant": "k1"})
    assert counted.json() == {"tasks": 1}
    assert httpx.get(f"{gpu_emulator.base_url}/_emulator/health").status_code == 200
