"""Shortcuts on the request path give exactly what the general machinery would."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.hosting import HostMount, VendorSpec
from emulator.http import JSONResponse, dump_json, origin
from emulator.settings import Settings
from tests.support.acme import AcmeErrors, AcmeWorld

HOST = "api.echo.test"


async def echo(request: Request) -> Response:
    """What the route sees of its request."""
    url = request.url
    return JSONResponse(
        {
            "root_path": request.scope.get("root_path"),
            "app_root_path": request.scope.get("app_root_path"),
            "path_params": request.path_params,
            "url": str(url),
            "origin": origin(request),
            "expected_origin": f"{url.scheme}://{url.netloc}",
        }
    )


ECHO = VendorSpec(
    name="echo",
    title="Echo",
    mounts=(
        HostMount(
            host=HOST,
            title="Echo",
            routes=[Route("/v1/things/{thing}", echo, methods=["GET"])],
            errors=AcmeErrors(),
        ),
    ),
    create_world=AcmeWorld,
)


@pytest.fixture
def client() -> Any:
    app = create_app(Settings(fixtures=[], clock="manual"), vendors=[ECHO])
    with TestClient(app, base_url="http://testserver:8123") as test_client:
        yield test_client


def test_a_vendor_route_sees_the_scope_its_mount_would_give(client: TestClient) -> None:
    seen = client.get(f"/{HOST}/v1/things/42?x=1").json()
    assert seen["root_path"] == f"/{HOST}"
    assert seen["app_root_path"] == ""
    assert seen["path_params"] == {"thing": "42"}
    assert seen["url"] == f"http://testserver:8123/{HOST}/v1/things/42?x=1"
    assert seen["origin"] == seen["expected_origin"] == "http://testserver:8123"


def test_the_host_header_form_reaches_the_same_route(client: TestClient) -> None:
    seen = client.get("/v1/things/7", headers={"Host": HOST}).json()
    assert seen["root_path"] == f"/{HOST}"
    assert seen["path_params"] == {"thing": "7"}
    assert seen["origin"] == seen["expected_origin"] == f"http://{HOST}"


def test_paths_the_mount_does_not_take_still_get_the_routers_answer(client: TestClient) -> None:
    missing = client.get(f"/{HOST}/v1/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == 404  # the vendor's envelope
    bare_prefix = client.get(f"/{HOST}", follow_redirects=False)
    assert bare_prefix.status_code in (307, 404)
    assert client.get("/_emulator/health").json()["vendors"] == ["echo"]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"scheme": "https", "server": ("h", 443), "headers": []}, "https://h"),
        ({"scheme": "http", "server": ("h", 8000), "headers": []}, "http://h:8000"),
        ({"scheme": "http", "server": None, "headers": []}, "://"),
        ({"scheme": "http", "server": ("h", 80), "headers": [(b"host", b"a.b:9")]}, "http://a.b:9"),
    ],
)
def test_origin_is_what_request_url_says(scope: dict[str, Any], expected: str) -> None:
    request = Request({"type": "http", "path": "/p", "query_string": b"", **scope})
    url = request.url
    assert origin(request) == expected == f"{url.scheme}://{url.netloc}"


@pytest.mark.parametrize(
    "content",
    [
        {"id": "é\u2028</", "n": 2**63 - 1, "f": 0.1, "l": [1, None, True], "d": {}},
        {"big": 2**80},  # beyond 64 bits: the standard library takes over
        {1: "int key"},
        [{"nested": [[[]]]}],
    ],
)
def test_json_bodies_are_compact_utf8_json(content: Any) -> None:
    import json

    expected = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    assert dump_json(content) == expected
