"""Validate Yotta responses against the vendor's v2 OpenAPI document (as the emulator serves it).

Every response body is checked: success bodies against the operation's ``200`` schema, errors
against ``Result``. Two relaxations, both documented vendor behaviour: int64 ids may be JSON
strings ("All IDs are returned as strings in Endpoint responses"), and fields may be ``null``
(the guides' examples show ``"webhook": null``, ``"error": null``). On top of the spec, every
property a schema declares must be present, so a missing field fails too. The two routes that
are not in the spec (workers, worker logs) are checked against schemas built from the notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

SPEC_PATH = Path(__file__).resolve().parents[3] / "emulator/specs/yotta/serverless-v2.openapi.json"
PREFIX = "/api.yottalabs.ai"

_NULL = {"type": "null"}
_WORKER = {
    "type": "object",
    "properties": {
        name: {"type": kind}
        for name, kind in {
            "region": "string",
            "regionDisplayName": "string",
            "gpuType": "string",
            "gpuDisplayName": "string",
            "gpuCount": "integer",
            "singleCardVramInGb": "integer",
            "singleCardVcpu": "integer",
            "singleCardRamInGb": "integer",
            "uptime": "integer",
            "cost": "number",
            "createdAt": "integer",
        }.items()
    }
    | {
        "id": {"type": "integer", "format": "int64"},
        "status": {
            "type": "string",
            "enum": ["INITIALIZE", "RUNNING", "TERMINATING", "TERMINATED", "FAILED"],
        },
    },
}
_LOGS = {
    "type": "object",
    "properties": {
        "logs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "timestamp": {"type": "string"},
                    "log": {"type": "string"},
                    "offset": {"type": "integer"},
                },
            },
        },
        "hasMore": {"type": "boolean"},
        "nextSearchAfterTime": {"type": "string"},
        "nextSearchAfterOffset": {"type": "string"},
    },
}


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "code": {"type": "integer"},
            "data": data,
        },
    }


@dataclass
class Operation:
    """One spec operation: method, path pattern, and its success/error body schemas."""

    name: str
    method: str
    pattern: re.Pattern[str]
    success: jsonschema.Draft7Validator
    error: jsonschema.Draft7Validator


class SpecChecker:
    """Finds the operation of a request and validates the response body against it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.operations: list[Operation] = []
        self.checked: list[str] = []
        result = _validator(self._convert({"$ref": "#/components/schemas/Result"}))
        for path, methods in spec["paths"].items():
            for method, op in methods.items():
                ref = op["responses"]["200"]["content"]["*/*"]["schema"]
                self.operations.append(
                    Operation(
                        op["operationId"],
                        method.upper(),
                        _pattern(path),
                        _validator(self._convert(ref)),
                        result,
                    )
                )
        extras = [
            (
                "listWorkers",
                "GET",
                "/v2/serverless/{id}/workers",
                {"type": "array", "items": _WORKER},
            ),
            ("workerLogs", "GET", "/v2/serverless/{id}/workers/{workerId}/logs", _LOGS),
        ]
        for name, method, path, data in extras:
            schema = _validator(self._convert(_envelope(data)))
            self.operations.append(Operation(name, method, _pattern(path), schema, result))
        # Static paths first, so that /tasks/count is not taken for /tasks/{taskId}.
        self.operations.sort(key=lambda op: op.pattern.pattern.count("[^/]+"))

    @classmethod
    def load(cls) -> SpecChecker:
        """The checker for the spec copy the emulator ships."""
        return cls(json.loads(SPEC_PATH.read_text(encoding="utf-8")))

    def _convert(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return self._convert(self.spec["components"]["schemas"][name])
        out = {
            key: self._convert(value)
            for key, value in node.items()
            if key not in ("description", "format", "example", "nullable")
        }
        if "properties" in out:
            out["properties"] = {k: self._convert(v) for k, v in node["properties"].items()}
            if out["properties"]:
                out["required"] = sorted(out["properties"])
        if node.get("type") == "integer" and node.get("format") == "int64":
            return {"anyOf": [out, {"type": "string", "pattern": r"^-?\d+$"}, _NULL]}
        if "type" in node:
            return {"anyOf": [out, _NULL]}
        return out

    def operation(self, method: str, path: str) -> Operation:
        """The spec operation answering ``method path`` (path below the vendor host)."""
        for op in self.operations:
            if op.method == method and op.pattern.match(path):
                return op
        raise AssertionError(f"no spec operation for {method} {path}")

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        """Validate one response body (raises ``jsonschema.ValidationError``)."""
        op = self.operation(method, path)
        assert isinstance(body, dict), f"{method} {path}: body is not an object: {body!r}"
        assert list(body) == ["message", "code", "data"], body
        ok = status == 200 and body["code"] == 10000
        (op.success if ok else op.error).validate(body)
        if ok:
            assert body["message"] == "success"
        else:
            assert body["data"] is None
        self.checked.append(op.name)


def _validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")


def below_host(path: str) -> str:
    """``/api.yottalabs.ai/v2/...`` → ``/v2/...``."""
    return path[len(PREFIX) :] if path.startswith(PREFIX) else path
