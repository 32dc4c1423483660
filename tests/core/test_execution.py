"""Behaviours: durations, distributions, outputs, plans."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from emulator.core.execution import Behaviour, Duration, plan, seconds, split_stream


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (5, 5.0),
        (2.5, 2.5),
        ("500ms", 0.5),
        ("20s", 20.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1.5", 1.5),
    ],
)
def test_seconds_parses_numbers_and_units(text: object, expected: float) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize("bad", ["fast", "-1s", -3, True, "10 minutes", None])
def test_seconds_rejects_nonsense(bad: object) -> None:
    with pytest.raises(ValueError):
        seconds(bad)


def test_distributions_are_seeded_and_bounded() -> None:
    uniform = Duration.parse({"uniform": ["1s", "3s"]})
    draws = [uniform.sample(random.Random(1)) for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]
    rng = random.Random(5)
    assert all(1 <= uniform.sample(rng) <= 3 for _ in range(200))
    normal = Duration.parse({"normal": {"mean": 1, "stddev": 5}})
    assert all(normal.sample(rng) >= 0 for _ in range(200))
    assert Duration.parse({"exponential": "2s"}).describe() == {"exponential": 2.0}
    assert Duration.parse("2m").describe() == 120.0


@pytest.mark.parametrize(
    "bad",
    [
        {"uniform": [3, 1]},
        {"gamma": 1},
        {"uniform": [1]},
        {"normal": {"mean": 1}},
        {"a": 1, "b": 2},
    ],
)
def test_bad_distributions_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        Duration.parse(bad)


def test_behaviour_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Behaviour.model_validate({"cold_start": "soon"})
    assert info.value.errors()[0]["loc"] == ("cold_start",)
    with pytest.raises(ValidationError):
        Behaviour.model_validate({"failure_rate": 2})
    with pytest.raises(ValidationError):
        Behaviour.model_validate({"colds_tart": 1})


def test_merged_keeps_unchanged_fields() -> None:
    base = Behaviour.model_validate({"cold_start": "1s", "output": {"value": 7}})
    merged = base.merged({"execution": "3s"})
    assert (merged.cold_start.a, merged.execution.a, merged.output) == (1.0, 3.0, base.output)


def test_plan_echoes_input_or_returns_the_fixed_value() -> None:
    rng = random.Random(0)
    echo = plan(Behaviour(), {"prompt": "hi"}, rng)
    assert (echo.output, echo.failed, echo.duration) == ({"prompt": "hi"}, False, 2.0)
    fixed = plan(Behaviour.model_validate({"output": {"value": [1, 2]}}), "x", rng)
    assert fixed.output == [1, 2]
    failing = plan(Behaviour.model_validate({"failure_rate": 1.0, "error": "CUDA OOM"}), "x", rng)
    assert (failing.failed, failing.output, failing.error) == (True, None, "CUDA OOM")


def test_split_stream_cuts_text_lists_and_other_values() -> None:
    assert split_stream("abcdefg", 3) == ["abc", "def", "g"]
    assert split_stream([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert split_stream({"k": 1}, 2) == [
        {"chunk": 0, "of": 2, "output": {"k": 1}},
        {"chunk": 1, "of": 2, "output": {"k": 1}},
    ]
