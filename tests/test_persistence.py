"""Persistence: snapshots of the whole state, atomic state files, safe loading, SIGKILL."""

from __future__ import annotations

import base64
import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from emulator import persistence
from emulator.app import create_app
from emulator.persistence import SnapshotError
from emulator.server import ThreadedServer
from emulator.settings import Settings
from tests.support import acme

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"X-Acme-Key": "k1"}
SLOW = {"cold_start": 30, "execution": 10, "shutdown": 0}


def settings(**fields: Any) -> Settings:
    return Settings(**{"fixtures": [], "clock": "manual", "log_level": "warning", **fields})


def acme_url(path: str) -> str:
    return f"/{acme.HOST}{path}"


def scenario_start(client: TestClient) -> tuple[str, str]:
    """Create an endpoint and a task, and run until the task is running."""
    spec = {"name": "p", "behaviour": SLOW}
    endpoint = client.post(acme_url("/v1/endpoints"), json=spec, headers=HEADERS).json()["id"]
    task_url = acme_url(f"/v1/endpoints/{endpoint}/tasks")
    task = client.post(task_url, json={"input": "x"}, headers=HEADERS).json()["id"]
    client.post("/_emulator/clock/advance", json={"seconds": 35})
    return endpoint, task


def task_status(client: TestClient, endpoint: str, task: str) -> dict[str, Any]:
    url = acme_url(f"/v1/endpoints/{endpoint}/tasks/{task}")
    body: dict[str, Any] = client.get(url, headers=HEADERS).json()
    return body


def new_endpoint_id(client: TestClient) -> str:
    return str(
        client.post(acme_url("/v1/endpoints"), json={"name": "q"}, headers=HEADERS).json()["id"]
    )


def test_a_restarted_emulator_resumes_objects_clock_and_pending_events(tmp_path: Path) -> None:
    state_file = tmp_path / "emulator.state"
    with TestClient(
        create_app(settings(state_file=str(state_file)), vendors=[acme.vendor])
    ) as client:
        endpoint, task = scenario_start(client)
        assert task_status(client, endpoint, task)["status"] == "running"
    assert state_file.exists()  # saved on shutdown

    app = create_app(settings(state_file=str(state_file)), vendors=[acme.vendor])
    assert app.state.control.restored
    with TestClient(app) as client:
        assert client.get("/_emulator/clock").json()["now"] == "2026-01-01T00:00:35.000Z"
        assert task_status(client, endpoint, task)["status"] == "running"
        client.post("/_emulator/clock/advance", json={"seconds": 5})
        done = task_status(client, endpoint, task)
        assert (done["status"], done["output"]) == ("completed", "x")
        after_restart = new_endpoint_id(client)
    # The restored app keeps drawing ids from the same RNG stream an unbroken run would.
    with TestClient(create_app(settings(), vendors=[acme.vendor])) as client:
        scenario_start(client)
        client.post("/_emulator/clock/advance", json={"seconds": 5})
        assert new_endpoint_id(client) == after_restart


def test_snapshots_round_trip_through_the_admin_api() -> None:
    with TestClient(create_app(settings(), vendors=[acme.vendor])) as client:
        client.post(acme_url("/v1/endpoints"), json={"id": "keep", "name": "k"}, headers=HEADERS)
        snapshot = client.get("/_emulator/state", params={"snapshot": "true"}).json()["snapshot"]
        client.post("/_emulator/reset")
        assert client.get(acme_url("/v1/endpoints/keep"), headers=HEADERS).status_code == 404
        loaded = client.post("/_emulator/state", json={"snapshot": snapshot})
        assert loaded.json()["loaded"] is True
        assert client.get(acme_url("/v1/endpoints/keep"), headers=HEADERS).status_code == 200
        bad = client.post("/_emulator/state", json={"snapshot": base64.b64encode(b"junk").decode()})
        assert bad.status_code == 400
        assert bad.json()["error"] == "snapshot: not an emulator state snapshot"


def test_save_on_demand_needs_a_state_file(tmp_path: Path) -> None:
    with TestClient(create_app(settings(), vendors=[acme.vendor])) as client:
        refused = client.post("/_emulator/state/save")
        assert refused.status_code == 409
    target = tmp_path / "s.state"
    with TestClient(create_app(settings(state_file=str(target)), vendors=[acme.vendor])) as client:
        saved = client.post("/_emulator/state/save").json()
        assert saved["saved"] == str(target)
        assert saved["bytes"] == target.stat().st_size


class Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo pwned",))


def test_loading_refuses_foreign_globals_and_versions() -> None:
    header = persistence.MAGIC + f"{persistence.FORMAT} {persistence.__version__}\n".encode()
    with pytest.raises(SnapshotError, match=r"posix\.system|os\.system"):
        persistence.restore(header + pickle.dumps(Evil()))
    with pytest.raises(SnapshotError, match=r"written by emulator 0\.0\.1"):
        persistence.restore(persistence.MAGIC + f"{persistence.FORMAT} 0.0.1\n".encode())
    with pytest.raises(SnapshotError, match="does not hold an emulator state"):
        persistence.restore(header + pickle.dumps({"a": 1}))
    with pytest.raises(SnapshotError, match="corrupt snapshot"):
        persistence.restore(header + b"\x80\x05garbage")


def test_a_save_leaves_no_temp_file_and_stale_ones_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "s.state"
    app = create_app(settings(), vendors=[acme.vendor])
    persistence.save(app.state.control.state, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.state"]
    (tmp_path / ".s.state.999.tmp").write_bytes(b"half")
    assert persistence.load(target, ["tests.support.acme"]) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.state"]


def test_the_server_saves_on_shutdown(tmp_path: Path) -> None:
    target = tmp_path / "s.state"
    app = create_app(settings(state_file=str(target), save_interval=0), vendors=[acme.vendor])
    with ThreadedServer(app) as server:
        httpx.post(
            f"{server.url}/{acme.HOST}/v1/endpoints",
            json={"id": "s1", "name": "s"},
            headers=HEADERS,
        )
    restored = create_app(settings(state_file=str(target)), vendors=[acme.vendor])
    tenant = restored.state.control.state.tenants.get("k1")
    assert tenant is not None
    assert "s1" in tenant.worlds["acme"].pools


SAVER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from emulator import persistence
    from emulator.app import create_app
    from emulator.settings import Settings
    from tests.support import acme

    app = create_app(Settings(fixtures=[], clock="manual"), vendors=[acme.vendor])
    state = app.state.control.state
    world = state.world(state.tenants.lookup("k"), "acme")
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        world.create(acme.EndpointIn(id=f"e{{n}}", name="x" * (n % 20 + 1)))
        persistence.save(state, {path!r})
    """
)


def test_sigkill_at_any_moment_leaves_a_loadable_file(tmp_path: Path) -> None:
    target = tmp_path / "killed.state"
    script = tmp_path / "saver.py"
    script.write_text(SAVER.format(root=str(ROOT), path=str(target)))
    rng = random.Random(1234)
    sizes = set()
    for _ in range(12):
        process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        try:
            process.wait(timeout=rng.uniform(0.05, 0.4))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        process.stdout.close()
        state = persistence.load(target, ["tests.support.acme"])
        assert state is not None, "no state file after a kill"
        world = state.tenants.get("k").worlds["acme"]  # type: ignore[union-attr]
        assert len(world.pools) >= 1
        sizes.add(len(world.pools))
    assert len(sizes) > 1  # the kills really landed at different moments
