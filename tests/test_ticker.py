"""Real-clock mode: the background ticker applies events with no incoming traffic."""

from __future__ import annotations

import time

import httpx

from emulator.app import create_app
from emulator.server import ThreadedServer
from emulator.settings import Settings
from tests.support import acme
from tests.support.receiver import Receiver


def test_an_event_scheduled_on_an_empty_heap_wakes_the_ticker() -> None:
    # Nothing is pending when the task is submitted; its cold start, run and webhook must still
    # happen on the flowing clock without any further request driving the engine.
    app = create_app(Settings(clock="real", speed=100.0, fixtures=[]), vendors=[acme.vendor])
    behaviour = {"cold_start": 2, "execution": 1, "shutdown": 0}
    with ThreadedServer(app) as server, Receiver() as receiver:
        base = f"{server.url}/{acme.HOST}/v1/endpoints"
        headers = {"X-Acme-Key": "k"}
        endpoint = httpx.post(
            base, json={"name": "e", "behaviour": behaviour}, headers=headers
        ).json()["id"]
        submitted = httpx.post(
            f"{base}/{endpoint}/tasks",
            json={"input": 1, "webhook": f"{receiver.url}/hook"},
            headers=headers,
        )
        assert submitted.status_code == 200
        deadline = time.monotonic() + 10
        while not receiver.hits and time.monotonic() < deadline:
            time.sleep(0.01)  # real wall time: waiting for the server thread, not simulating
        assert [hit.body["status"] for hit in receiver.hits] == ["completed"]
