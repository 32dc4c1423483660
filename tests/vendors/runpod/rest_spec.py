"""Validate RunPod REST responses against the v1 and v2 OpenAPI documents the emulator serves.

An httpx response hook finds the operation (method + path template) and checks the body:
success bodies against the documented schema of their status, v1 errors against
``{"message": string}`` (the spec's ``UnauthorizedError``), v2 errors against
``ErrorResponse`` as ``application/problem+json``. v1 is OpenAPI 3.0: ``nullable: true``
becomes a ``null`` alternative; v2 is 3.1 and is JSON Schema 2020-12 already.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

SPECS = Path(__file__).resolve().parents[3] / "emulator" / "specs" / "runpod"
V1_PREFIX = "/rest.runpod.io/v1"
V2_PREFIX = "/api.runpod.io"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` → JSON-schema ``type: [t, "null"]``."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "example")}
        if node.get("nullable") is True and "type" in node:
            out["type"] = [node["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@dataclass
class Operation:
    """One documented operation: its path pattern and response schemas by status."""

    method: str
    template: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]


@dataclass
class Spec:
    """A loaded spec: operations to match requests and a root to resolve ``$ref``s in."""

    name: str
    document: dict[str, Any]
    prefix: str
    operations: list[Operation] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a request path (below the prefix) belongs to."""
        for op in self.operations:
            if op.method == method and op.pattern.fullmatch(path):
                return op
        return None

    def validate(self, schema: dict[str, Any], body: Any) -> None:
        """``body`` against ``schema``, refs resolved in this document."""
        root = {**schema, "components": self.document["components"]}
        jsonschema.Draft202012Validator(root).validate(body)

    def component(self, name: str) -> dict[str, Any]:
        """``#/components/schemas/<name>`` as a schema."""
        return {"$ref": f"#/components/schemas/{name}"}


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\{[^}]+\\}", r"[^/]+", re.escape(template)))


@cache
def load(name: str) -> Spec:
    """``v1`` or ``v2``."""
    raw = json.loads((SPECS / f"rest-{name}.openapi.json").read_text())
    document = _nullable(raw) if name == "v1" else raw
    spec = Spec(name, document, V1_PREFIX if name == "v1" else V2_PREFIX)
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                spec.operations.append(
                    Operation(method.upper(), path, _pattern(path), op["responses"])
                )
    return spec


def check(spec: Spec, response: httpx.Response) -> None:
    """Assert one response conforms to the spec (raises AssertionError otherwise)."""
    request = response.request
    path = request.url.path
    assert path.startswith(spec.prefix), path
    local = path[len(spec.prefix) :]
    status = response.status_code
    op = spec.operation(request.method, local)
    media = response.headers.get("content-type", "").split(";")[0]
    where = f"{request.method} {path} -> {status}"
    if status >= 400:
        _check_error(spec, response, media, where)
        return
    assert op is not None, f"{where}: not an operation of the {spec.name} spec"
    documented = op.responses.get(str(status)) or op.responses.get("default")
    assert documented is not None, f"{where}: status not documented"
    content = documented.get("content")
    if not content:
        assert not response.content, f"{where}: documented without a body, got one"
        return
    assert media in content, f"{where}: content type {media!r} not in {sorted(content)}"
    schema = content[media]["schema"]
    if media == "application/json":
        spec.validate(schema, response.json())
    spec.checked.append(where)


def _check_error(spec: Spec, response: httpx.Response, media: str, where: str) -> None:
    body = response.json()
    if spec.name == "v1":
        assert media == "application/json", f"{where}: {media}"
        assert isinstance(body, dict), f"{where}: {body}"
        assert set(body) == {"message"}, f"{where}: {body}"
        spec.validate(spec.component("UnauthorizedError"), body)
    else:
        assert media == "application/problem+json", f"{where}: {media}"
        spec.validate(spec.component("ErrorResponse"), body)
        assert body["status"] == response.status_code, f"{where}: {body}"


def hook(name: str) -> Any:
    """An httpx response hook validating every response against spec ``name``."""
    spec = load(name)

    def validate(response: httpx.Response) -> None:
        response.read()
        check(spec, response)

    return validate
