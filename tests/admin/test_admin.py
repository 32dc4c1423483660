"""The admin API: health, reset, seed, clock, state, fixtures, specs, errors, routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator import __version__
from tests.support import acme

FAST = {"cold_start": 2, "execution": 1, "shutdown": 0}


def admin(gpu_emulator: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{gpu_emulator.base_url}/_emulator{path}", **kwargs)


def test_health_reports_version_vendors_and_clock(gpu_emulator: Any) -> None:
    health = gpu_emulator.admin.health()
    assert health["status"] == "ok"
    assert health["version"] == __version__
    assert "acme" in health["vendors"]
    assert health["clock"]["mode"] == "manual"
    assert health["clock"]["now"] == "2026-01-01T00:00:00.000Z"


def test_advance_moves_the_clock_and_applies_events(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    endpoint = acme_client.post("/v1/endpoints", json={"name": "a", "behaviour": FAST}).json()["id"]
    acme_client.post(f"/v1/endpoints/{endpoint}/tasks", json={"input": 1})
    result = gpu_emulator.advance(90)
    assert result["now"] == "2026-01-01T00:01:30.000Z"
    assert result["processed"] >= 3
    assert gpu_emulator.admin.clock()["epoch"] == 1_767_225_690.0


@pytest.mark.parametrize("body", [{}, {"seconds": -1}, {"seconds": "soon"}, {"seconds": True}])
def test_advance_rejects_bad_amounts(gpu_emulator: Any, body: dict[str, Any]) -> None:
    response = admin(gpu_emulator, "POST", "/clock/advance", json=body)
    assert response.status_code == 400
    assert "seconds" in response.json()["error"]


def test_reset_wipes_everything_or_one_tenant(gpu_emulator: Any) -> None:
    base = gpu_emulator.url(acme.HOST)

    def create(key: str) -> str:
        return str(
            httpx.post(
                f"{base}/v1/endpoints", json={"name": "r"}, headers={"X-Acme-Key": key}
            ).json()["id"]
        )

    def exists(key: str, endpoint: str) -> bool:
        return (
            httpx.get(f"{base}/v1/endpoints/{endpoint}", headers={"X-Acme-Key": key}).status_code
            == 200
        )

    a, b = create("a"), create("b")
    gpu_emulator.admin.reset(tenant="a")
    assert not exists("a", a)
    assert exists("b", b)
    gpu_emulator.advance(100)
    gpu_emulator.reset()
    assert not exists("b", b)
    assert gpu_emulator.admin.clock()["epoch"] == 1_767_225_600.0
    assert gpu_emulator.requests(method="POST") == []


def test_reset_options_are_validated(gpu_emulator: Any) -> None:
    response = admin(gpu_emulator, "POST", "/reset", json={"clock": "sundial"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("clock:")
    response = admin(gpu_emulator, "POST", "/reset", json={"colour": "red"})
    assert response.json() == {"error": "unknown reset option(s): colour"}


def test_same_seed_same_ids_other_seed_other_ids(
    gpu_emulator: Any, acme_client: httpx.Client
) -> None:
    def first_id() -> str:
        return str(acme_client.post("/v1/endpoints", json={"name": "s"}).json()["id"])

    gpu_emulator.admin.seed(5)
    one = first_id()
    gpu_emulator.admin.seed(5)
    assert first_id() == one
    gpu_emulator.admin.seed(6)
    assert first_id() != one
    gpu_emulator.reset()  # back to the startup seed (0), not the last one set
    gpu_emulator.admin.seed(0)
    zero = first_id()
    gpu_emulator.reset()
    assert first_id() == zero
    bad = admin(gpu_emulator, "POST", "/seed", json={"seed": "x"})
    assert bad.status_code == 400


def test_state_shows_every_tenant_world(gpu_emulator: Any, acme_client: httpx.Client) -> None:
    endpoint = acme_client.post("/v1/endpoints", json={"name": "s", "min_workers": 1}).json()["id"]
    state = gpu_emulator.state()
    assert state["clock"]["mode"] == "manual"
    assert state["tenants"] == [
        {"key": "k1", "name": None, "worlds": {"acme": {endpoint: {"workers": 1, "queued": 0}}}}
    ]


def test_fixtures_load_from_yaml_at_run_time(gpu_emulator: Any, acme_client: httpx.Client) -> None:
    gpu_emulator.load("acme:\n  endpoints:\n    - {id: fx1, name: loaded, min_workers: 2}\n")
    body = acme_client.get("/v1/endpoints/fx1").json()
    assert [w["state"] for w in body["workers"]] == ["idle", "idle"]
    bad = admin(gpu_emulator, "POST", "/fixtures", content=b"acme: {endpoints: [{name: 5}]}")
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("request body: acme.endpoints[0].name")


@pytest.mark.gpu_emulator(fixtures="acme:\n  endpoints: [{id: marked, name: m}]\n")
def test_marker_fixtures_apply_to_one_test(acme_client: httpx.Client) -> None:
    assert acme_client.get("/v1/endpoints/marked").status_code == 200


def test_marker_fixtures_do_not_leak(acme_client: httpx.Client) -> None:
    assert acme_client.get("/v1/endpoints/marked").status_code == 404


def test_specs_index_and_unknown_vendor(gpu_emulator: Any) -> None:
    index = admin(gpu_emulator, "GET", "/specs").json()["specs"]
    assert "acme" not in index
    assert admin(gpu_emulator, "GET", "/specs/acme").status_code == 404


def test_routes_table_points_at_this_server(gpu_emulator: Any) -> None:
    rows = {row["vendor"]: row for row in gpu_emulator.admin.routes()}
    assert rows["acme"]["emulatorBaseUrl"] == f"{gpu_emulator.base_url}/api.acme.test/v1"
    assert rows["acme"]["realBaseUrl"] == "https://api.acme.test/v1"
    text = admin(gpu_emulator, "GET", "/routes", params={"format": "text"}).text
    assert text.splitlines()[0].split() == [
        "vendor",
        "API",
        "real",
        "base",
        "URL",
        "emulator",
        "base",
        "URL",
    ]


def test_admin_errors_are_json(gpu_emulator: Any) -> None:
    missing = admin(gpu_emulator, "GET", "/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}
    not_json = admin(gpu_emulator, "POST", "/clock/advance", content=b"{")
    assert not_json.status_code == 400
    unknown_host = httpx.get(f"{gpu_emulator.base_url}/api.unknown.test/x")
    assert unknown_host.status_code == 404
    assert unknown_host.headers["content-type"] == "application/json"
