"""Clients and helpers for the PPIO / Novita GPU API v2 tests."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

PPIO = "api.ppio.com"
NOVITA = "api.novita.ai"
KEY = "sk_test_ppio"
SPEC = (
    Path(__file__).resolve().parents[3]
    / "emulator"
    / "specs"
    / "ppio"
    / "list-endpoint.openapi.yaml"
)

# The create example of the PPIO docs (create-endpoint rendered page), verbatim.
DOC_EXAMPLE: dict[str, Any] = {
    "type": "sync",
    "name": "example-endpoint",
    "product_id": "product-id",
    "image": "registry.example.com/namespace/image:tag",
    "worker_config": {
        "max_replicas": 2,
        "min_replicas": 0,
        "idle_timeout": 300,
        "max_concurrent_per_worker": 10,
        "gpu_num": 1,
        "rootfs_size_gb": 20,
        "min_cuda_version": "12.4",
        "request_timeout": 60,
    },
    "app_name": "example-app",
    "registry_auth_id": "registry-auth-id",
    "entrypoint": "",
    "command": "",
    "policy": {"type": "queue", "value": 100},
    "volumes": [{"id": "storage-id", "type": "network", "size": 123, "mount_point": "/data"}],
    "envs": [{"key": "ENV_NAME", "value": "ENV_VALUE"}],
    "ports": [8080],
    "health_check": {"path": "/healthz", "port": 8080},
    "region_id": "region-id",
}


def body(**changes: Any) -> dict[str, Any]:
    """The doc example with top-level fields replaced (``None`` removes a field)."""
    out = copy.deepcopy(DOC_EXAMPLE)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def worker_config(**changes: Any) -> dict[str, Any]:
    """The doc example's ``worker_config`` with some fields replaced (``None`` removes one)."""
    out = dict(DOC_EXAMPLE["worker_config"])
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def client_for(gpu_emulator: Any, host: str, key: str | None = KEY) -> httpx.Client:
    """An httpx client on one host, with ``Authorization: Bearer <key>``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=gpu_emulator.url(host), headers=headers, timeout=30)


@pytest.fixture
def ppio(gpu_emulator: Any) -> Iterator[httpx.Client]:
    """A client of ``api.ppio.com``."""
    with client_for(gpu_emulator, PPIO) as client:
        yield client


@pytest.fixture
def novita(gpu_emulator: Any) -> Iterator[httpx.Client]:
    """A client of ``api.novita.ai`` (same key)."""
    with client_for(gpu_emulator, NOVITA) as client:
        yield client


def create(client: httpx.Client, **changes: Any) -> str:
    """Create an endpoint from the doc example; returns its id."""
    response = client.post("/gpus/v2/endpoints", json=body(**changes))
    assert response.status_code == 200, response.text
    endpoint_id: str = response.json()["id"]
    return endpoint_id


def get(client: httpx.Client, endpoint_id: str) -> dict[str, Any]:
    """GET one endpoint (asserting 200)."""
    response = client.get(f"/gpus/v2/endpoints/{endpoint_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def assert_error(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    """The PPIO error envelope with this status and reason."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()
    assert set(error) == {"code", "reason", "message", "metadata"}
    assert error["code"] == status
    assert error["reason"] == reason
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["metadata"], dict)
    return error


# ---------------------------------------------------------------------------- spec validation


def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _closed(schema: dict[str, Any], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every documented property required and nothing else allowed, recursively."""
    out = dict(schema)
    if schema.get("type") == "object" and "properties" in schema:
        out["properties"] = {
            name: _closed(sub, optional) for name, sub in schema["properties"].items()
        }
        out["required"] = sorted(set(schema["properties"]) - optional)
        out["additionalProperties"] = False
    if schema.get("type") == "array" and "items" in schema:
        out["items"] = _closed(schema["items"], optional)
    return out


def list_schema(strict: bool = True) -> dict[str, Any]:
    """The 200 schema of ``GET /gpus/v2/endpoints`` (closed when ``strict``)."""
    schema: dict[str, Any] = _spec()["paths"]["/gpus/v2/endpoints"]["get"]["responses"]["200"][
        "content"
    ]["application/json"]["schema"]
    # `size` is documented as "returned only when type=local": the one optional property.
    return _closed(schema, frozenset({"size"})) if strict else schema


def endpoint_schema(strict: bool = True) -> dict[str, Any]:
    """The endpoint object (list item = get body, as P-GET shows the same fields)."""
    items: dict[str, Any] = list_schema(strict)["properties"]["data"]["items"]
    return items


def validate(instance: Any, schema: dict[str, Any]) -> None:
    """Validate with the OpenAPI 3.0 dialect (JSON Schema draft 4 semantics)."""
    import jsonschema

    jsonschema.Draft4Validator(schema).validate(instance)


# ---------------------------------------------------------------------------- data-plane helpers


class Burst:
    """Data-plane requests sent from threads while the test moves the manual clock."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response | BaseException] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def send(self, method: str, url: str, key: str = KEY, **kwargs: Any) -> None:
        """Start one request in its own thread."""

        def run() -> None:
            headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
            try:
                result: httpx.Response | BaseException = httpx.request(
                    method, url, headers=headers, timeout=120, **kwargs
                )
            except BaseException as exc:  # surfaced by join()
                result = exc
            with self._lock:
                self.responses.append(result)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self, timeout: float = 60) -> list[httpx.Response]:
        """Wait for every request; fail on transport errors."""
        for thread in self._threads:
            thread.join(timeout)
        assert all(not t.is_alive() for t in self._threads), "a data-plane request hung"
        out: list[httpx.Response] = []
        for item in self.responses:
            if isinstance(item, BaseException):
                raise item
            out.append(item)
        return out


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    """Poll (real time) until ``check()`` holds: for threads to reach the server, not for time."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def in_flight(gpu_emulator: Any, endpoint_id: str, vendor: str = "ppio", key: str = KEY) -> int:
    """Invocations queued or running on an endpoint (from the admin state dump)."""
    state = gpu_emulator.state()
    for tenant in state["tenants"]:
        if tenant["key"] == key:
            for ep in tenant["worlds"][vendor]["endpoints"]:
                if ep["id"] == endpoint_id:
                    return int(ep["_queued"]) + int(ep["_running"])
    return 0
