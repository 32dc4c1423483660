"""The response checker itself: it must reject what the spec does not allow."""

from __future__ import annotations

import jsonschema
import pytest

from tests.vendors.yotta.spec import SpecChecker

TASK = {
    "taskId": "t1",
    "endpointId": "378888638324150969",
    "endpointName": "e",
    "status": "SUCCESS",
    "workerUrl": None,
    "webhook": None,
    "deliveryStatus": "INIT",
    "deliveryAttempts": 0,
    "error": None,
    "input": {},
    "output": None,
    "headers": {},
    "createdAt": 1,
    "updatedAt": 1,
    "deliveredAt": None,
}


def _ok(data: object) -> dict[str, object]:
    return {"message": "success", "code": 10000, "data": data}


def test_the_checker_accepts_string_ids_and_nulls(spec_checker: SpecChecker) -> None:
    spec_checker.check("GET", "/v2/serverless/1/tasks/t1", 200, _ok(TASK))
    spec_checker.check("GET", "/v2/serverless/1/tasks/count", 200, _ok({"processing": 0}))


@pytest.mark.parametrize(
    "broken",
    [
        {**TASK, "deliveryAttempts": "one"},
        {**TASK, "endpointId": "not-a-number"},
        {k: v for k, v in TASK.items() if k != "deliveredAt"},
    ],
)
def test_the_checker_rejects_wrong_types_and_missing_fields(
    spec_checker: SpecChecker, broken: dict[str, object]
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        spec_checker.check("GET", "/v2/serverless/1/tasks/t1", 200, _ok(broken))


def test_the_checker_wants_the_envelope(spec_checker: SpecChecker) -> None:
    with pytest.raises(AssertionError):
        spec_checker.check("GET", "/v2/serverless", 200, {"code": 10000, "data": []})
    with pytest.raises(AssertionError):
        spec_checker.check("GET", "/v2/serverless", 200, {"message": "x", "code": 14000, "data": 1})
