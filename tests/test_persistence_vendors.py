"""A restarted emulator resumes every vendor's objects and pending events from its state file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from emulator.app import create_app
from emulator.server import ThreadedServer
from emulator.settings import Settings
from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import job_fields
from tests.vendors.ppio.conftest import body as ppio_body
from tests.vendors.yotta.conftest import create_body

KEY = "persist-key"
EP = "persistendpt01"


def headers(vendor: str) -> dict[str, str]:
    return {"X-Api-Key": KEY} if vendor == "yotta" else {"Authorization": f"Bearer {KEY}"}


def start(state_file: Path, tmp_path: Path) -> ThreadedServer:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(
        "behaviours: {default: {cold_start: 20, execution: 30, shutdown: 0}}\n"
        f"runpod: {{endpoints: [{{id: {EP}, workersMax: 1}}]}}\n"
    )
    settings = Settings(
        fixtures=[str(fixture)], clock="manual", state_file=str(state_file), save_interval=0
    )
    return ThreadedServer(create_app(settings)).start()


def test_every_vendor_resumes_after_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "emulator.state"
    server = start(state_file, tmp_path)
    base = server.url
    with httpx.Client(base_url=base, timeout=30) as http:
        job = http.post(
            f"/api.runpod.ai/v2/{EP}/run", json={"input": {"n": 1}}, headers=headers("runpod")
        ).json()["id"]
        ppio_id = http.post(
            "/api.ppio.com/gpus/v2/endpoints", json=ppio_body(), headers=headers("ppio")
        ).json()["id"]
        yotta_id = http.post(
            "/api.yottalabs.ai/v2/serverless", json=create_body(workers=1), headers=headers("yotta")
        ).json()["data"]["id"]
        http.post("/_emulator/clock/advance", json={"seconds": 25})
    matpool = MatpoolClient(f"{base}/paas.matpool.com", KEY)
    matpool_job = ok(matpool.create(job_fields()))["job"]["id"]
    server.stop()  # saves the state file on shutdown

    server = start(state_file, tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:

            def get(path: str, vendor: str) -> Any:
                return http.get(path, headers=headers(vendor)).json()

            assert http.get("/_emulator/clock").json()["now"] == "2026-01-01T00:00:25.000Z"
            assert get(f"/api.runpod.ai/v2/{EP}/status/{job}", "runpod")["status"] == "IN_PROGRESS"
            assert get(f"/api.ppio.com/gpus/v2/endpoints/{ppio_id}", "ppio")["status"]["status"]
            assert get(f"/api.yottalabs.ai/v2/serverless/{yotta_id}", "yotta")["data"][
                "status"
            ] == ("RUNNING")
            matpool = MatpoolClient(f"{server.url}/paas.matpool.com", KEY)
            assert ok(matpool.get(matpool_job))["job"]["status"] == 1

            http.post("/_emulator/clock/advance", json={"seconds": 120})  # pending events fire
            done = get(f"/api.runpod.ai/v2/{EP}/status/{job}", "runpod")
            assert (done["status"], done["output"]) == ("COMPLETED", {"n": 1})
            ppio = get(f"/api.ppio.com/gpus/v2/endpoints/{ppio_id}", "ppio")
            assert ppio["status"]["status"] == "running"
            assert ok(matpool.get(matpool_job))["job"]["status"] == 3
    finally:
        server.stop()
