"""A bounded schemathesis run over both REST specs against the app (in-process ASGI).

Every operation the emulator serves gets the spec's own examples, then a fixed number of
derandomized positive and negative cases; the checks are "no 5xx" and "every response
matches the spec". The world is seeded with objects under the ids the specs use as
examples (``jpnw0v75y3qoql``, ``30zmvf89kd``, ``ep_abc123``...), so get-by-id, update and the
include flags reach real objects, not only 404s; deletes run last.

One relaxation, stated: ``QueueBasedRequestUrls`` keeps ``{job_id}`` templates in its URLs,
as RunPod's own examples do; ``format: uri`` is an annotation in JSON Schema 2020-12, so
the run does not assert it on those fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.generation import GenerationMode
from starlette.testclient import TestClient

from emulator import Settings, create_app
from tests.vendors.runpod.rest_spec import SPECS

KEY = "fuzz-key"
POSITIVE_EXAMPLES = 10
NEGATIVE_EXAMPLES = 6
NOT_EMULATED = ("/pods", "/billing", "/clusters", "/catalog", "/account", "/releases")
NOT_EMULATED += ("/delegations", "/docs")
BASES = {"v1": "http://testserver/rest.runpod.io/v1", "v2": "http://testserver/api.runpod.io"}

WORLD = {
    "behaviours": {"default": {"cold_start": 0, "execution": 1}},
    "tenants": [
        {
            "key": KEY,
            "runpod": {
                "registries": [
                    {"id": "clzdaifot0001l90809257ynb", "name": "my creds"},
                    {"id": "reg_abc", "name": "my-private-registry"},
                ],
                "templates": [
                    {"id": "30zmvf89kd", "name": "my template", "imageName": "me/a:1"},
                    {"id": "tpl_abc", "name": "My PyTorch Template", "imageName": "me/b:1"},
                ],
                "networkVolumes": [
                    {
                        "id": "agv6w2qcg7",
                        "name": "my network volume",
                        "size": 50,
                        "dataCenterId": "EU-RO-1",
                    }
                ],
                "endpoints": [
                    {"id": "jpnw0v75y3qoql", "templateId": "30zmvf89kd", "workersMin": 1},
                    {
                        "id": "ep_abc123",
                        "workersMin": 1,
                        "networkVolumeId": "agv6w2qcg7",
                        "dataCenterIds": ["EU-RO-1"],
                    },
                ],
            },
        }
    ],
}


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    """One app for the whole run, on a manual clock, seeded with the example objects."""
    application = create_app(Settings(clock="manual", fixtures=[], seed=5))
    with TestClient(application) as client:
        loaded = client.post("/_emulator/fixtures", json=WORLD)
        assert loaded.status_code == 200, loaded.text
        yield application


def _schema(name: str, app: Any) -> Any:
    raw = json.loads((SPECS / f"rest-{name}.openapi.json").read_text())
    if name == "v2":  # see the module docstring
        for prop in raw["components"]["schemas"]["QueueBasedRequestUrls"]["properties"].values():
            prop.pop("format", None)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    return schema


def _operations(schema: Any) -> list[Any]:
    ops = [result.ok() for result in schema.get_all_operations()]
    served = [op for op in ops if not any(part in op.path for part in NOT_EMULATED)]
    return sorted(served, key=lambda op: op.method.upper() == "DELETE")  # deletes last


def _run(strategy: Any, examples: int, call: Any) -> int:
    calls = 0

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case: Any) -> None:
        nonlocal calls
        calls += 1
        call(case)

    with suppress(Unsatisfiable):  # no invalid input exists for an operation without inputs
        check()
    return calls


@pytest.mark.parametrize("name", ["v1", "v2"])
def test_no_5xx_and_no_response_off_the_spec(app: Any, name: str) -> None:
    schema = _schema(name, app)
    headers = {"Authorization": f"Bearer {KEY}"}

    def call(case: Any) -> None:
        case.call_and_validate(
            base_url=BASES[name],
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance],
        )

    operations = _operations(schema)
    assert len(operations) == (23 if name == "v1" else 21)
    calls = 0
    for op in operations:
        examples = op.get_strategies_from_examples()
        if examples:
            calls += _run(st.one_of(examples), len(examples), call)
        calls += _run(op.as_strategy(), POSITIVE_EXAMPLES, call)
        calls += _run(
            op.as_strategy(generation_mode=GenerationMode.NEGATIVE), NEGATIVE_EXAMPLES, call
        )
    assert calls > len(operations) * POSITIVE_EXAMPLES
