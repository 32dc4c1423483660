"""Words for pydantic validation failures, as each RunPod REST API phrases them.

v1 names the first bad field (``idleTimeout: must be at most 3600``); v2 lists every
violation in JSON-schema words with a JSON path (``$.workers.min: minimum: got -1, want 0``),
like the spec's own example ``$: additional properties 'bogus' not allowed``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from emulator.http import FieldProblem

_TYPES = {
    "int_type": "integer",
    "int_from_float": "integer",
    "string_type": "string",
    "bool_type": "boolean",
    "float_type": "number",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "set_type": "array",
}


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def v1_words(problem: FieldProblem) -> str:
    """``field: what is wrong`` for a REST v1 ``{"message": ...}``."""
    kind, ctx = problem.kind, problem.context
    field = problem.field or "body"
    if kind == "missing":
        return f"{field}: is required"
    if kind in _TYPES:
        return f"{field}: must be {_article(_TYPES[kind])}"
    if kind == "greater_than_equal":
        return f"{field}: must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{field}: must be at most {ctx.get('le')}"
    if kind == "string_too_long":
        return f"{field}: must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return f"{field}: must not be empty"
    if kind in ("literal_error", "enum"):
        return f"{field}: must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return f"{field}: {ctx.get('error', problem.message)!s}"
    return f"{field}: {problem.message}"


def _article(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def v2_problems(exc: ValidationError) -> list[str]:
    """Every violation, in the words of a JSON-schema validator, with ``$``-rooted paths."""
    return [_v2_words(error) for error in exc.errors(include_url=False)]


def _path(loc: tuple[str | int, ...]) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _v2_words(error: ErrorDetails) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return f"{_path(loc[:-1])}: missing property '{loc[-1]}'"
    if kind == "extra_forbidden":
        return f"{_path(loc[:-1])}: additional properties '{loc[-1]}' not allowed"
    where = _path(loc)
    if kind in _TYPES:
        return f"{where}: got {json_type(value)}, want {_TYPES[kind]}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{where}: minimum: got {value}, want {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{where}: maximum: got {value}, want {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_too_short":
        return f"{where}: minLength: got {len(value or '')}, want {ctx.get('min_length')}"
    if kind == "too_short":
        return f"{where}: minItems: got {ctx.get('actual_length')}, want {ctx.get('min_length')}"
    if kind == "too_long":
        return f"{where}: maxItems: got {ctx.get('actual_length')}, want {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        return f"{where}: '{value}' does not match pattern '{ctx.get('pattern')}'"
    if kind in ("literal_error", "enum"):
        return f"{where}: value must be one of {ctx.get('expected')}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ctx.get("expected_tags", "")
        tag = str(ctx.get("discriminator", "type")).strip("'")
        return f"{where}.{tag}: value must be one of {expected}"
    if kind == "value_error":
        return f"{where}: {ctx.get('error', error['msg'])}"
    return f"{where}: {error['msg']}"
