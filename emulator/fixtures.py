"""Fixture documents: YAML → validated models → applied to the state.

A document may set ``seed``, ``clock`` and ``auth``, declare ``tenants`` (API keys, each with its
own optional vendor sections), define named ``behaviours``, and carry one section per vendor
(``runpod:``, ``yotta:``...) validated by that vendor's own fixture model. Top-level vendor
sections are loaded into every tenant's world; a tenant's own sections only into its world.
"""

# No `from __future__ import annotations` here: pydantic would compile every string annotation
# of these models as it creates the classes, at start-up (forward references are quoted).

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from emulator import yamltext
from emulator.core.execution import Behaviour
from emulator.core.faults import FaultRule
from emulator.core.state import EmulatorState
from emulator.hosting import VendorSpec, vendor_of_host
from emulator.http import location


class FixtureError(ValueError):
    """A fixture that cannot be loaded: says which file, where in it, and why."""


class ClockSection(BaseModel):
    """``clock: {mode, start, speed}``."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["real", "manual"] | None = None
    start: datetime | float | None = None
    speed: float | None = Field(default=None, gt=0)

    def start_epoch(self) -> float | None:
        """The start as epoch seconds."""
        if isinstance(self.start, datetime):
            return self.start.timestamp()
        return self.start


class BehaviourDef(Behaviour):
    """A named behaviour: any behaviour fields, on top of ``default`` or of ``extends``."""

    extends: str | None = None


class FixtureDocumentBase(BaseModel):
    """The vendor-neutral part of a fixture document."""

    model_config = ConfigDict(extra="forbid")
    seed: int | None = None
    clock: ClockSection | None = None
    auth: Literal["open", "strict"] | None = None
    behaviours: dict[str, BehaviourDef] = Field(default_factory=dict)
    faults: list[FaultRule] = Field(default_factory=list)


class TenantBase(BaseModel):
    """A declared API key."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1)
    name: str | None = None


@functools.cache
def document_model(vendors: tuple[VendorSpec, ...]) -> type[FixtureDocumentBase]:
    """The document model for a set of vendors (one optional section per vendor).

    Vendor sections are taken as they come here and validated by :func:`parse_document` with
    their vendor's own model, only when a document has them: a vendor's models (built on first
    use) cost nothing to a document that does not mention that vendor, such as the defaults.
    """
    sections: dict[str, Any] = {v.name: (Any, None) for v in vendors if v.fixture_model is not None}
    tenant_model = create_model("TenantFixture", __base__=TenantBase, **sections)
    return create_model(
        "FixtureDocument",
        __base__=FixtureDocumentBase,
        tenants=(list[tenant_model], Field(default_factory=list)),
        **sections,
    )


Problem = tuple[tuple[str | int, ...], str]


def parse_document(
    data: Any, vendors: Sequence[VendorSpec], source: str = "<fixture>"
) -> FixtureDocumentBase:
    """Validate a decoded document; errors name ``source`` and the path inside it."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FixtureError(f"{source}: a fixture document is a mapping, got {type(data).__name__}")
    problems: list[Problem] = []
    doc: FixtureDocumentBase | None = None
    try:
        doc = document_model(tuple(vendors)).model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc, ())
    sections: list[tuple[tuple[str | int, ...], BaseModel]] = []
    for where, model, raw in _raw_sections(data, vendors):
        try:
            sections.append((where, model.model_validate(raw)))
        except ValidationError as exc:
            problems += _problems(exc, where)
    if problems or doc is None:
        lines = [f"{source}: {location(loc) or '<root>'}: {msg}" for loc, msg in problems]
        raise FixtureError("\n".join(lines))
    for where, section in sections:
        owner: Any = doc if len(where) == 1 else doc.tenants[int(where[1])]  # type: ignore[attr-defined]
        setattr(owner, str(where[-1]), section)
    return doc


def _problems(exc: ValidationError, where: tuple[str | int, ...]) -> list[Problem]:
    return [(where + tuple(err["loc"]), err["msg"]) for err in exc.errors(include_url=False)]


def _raw_sections(
    data: dict[str, Any], vendors: Sequence[VendorSpec]
) -> list[tuple[tuple[str | int, ...], type[BaseModel], Any]]:
    """(path, vendor model, raw value) of every vendor section present, top level and tenants'."""
    models = {v.name: v.fixture_model for v in vendors if v.fixture_model is not None}
    found: list[tuple[tuple[str | int, ...], type[BaseModel], Any]] = []
    tenants = data.get("tenants")
    for index, tenant in enumerate(tenants if isinstance(tenants, list) else ()):
        if isinstance(tenant, dict):
            for name, model in models.items():
                if tenant.get(name) is not None:
                    found.append((("tenants", index, name), model, tenant[name]))
    for name, model in models.items():
        if data.get(name) is not None:
            found.append(((name,), model, data[name]))
    return found


def parse_text(text: str, vendors: Sequence[VendorSpec], source: str) -> FixtureDocumentBase:
    """Parse YAML (or JSON, which is YAML) text into a validated document."""
    try:
        data = yamltext.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixtureError(f"{source}: {where}invalid YAML: {problem}") from None
    return parse_document(data, vendors, source)


SCENARIO_PREFIX = "scenario:"


def load_file(path: str | Path, vendors: Sequence[VendorSpec]) -> FixtureDocumentBase:
    """Read and validate one fixture file (``scenario:<name>`` names a bundled preset)."""
    if isinstance(path, str) and path.startswith(SCENARIO_PREFIX):
        name = path[len(SCENARIO_PREFIX) :]
        path = scenario_path(name)
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml")))
            raise FixtureError(f"scenario:{name}: no such scenario (bundled: {known})")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_text(text, vendors, str(path))


def apply(state: EmulatorState, doc: FixtureDocumentBase, vendors: Iterable[VendorSpec]) -> None:
    """Load a document's behaviours, tenants and vendor sections into the state."""
    for name, definition in _ordered_behaviours(doc.behaviours):
        if definition.extends is not None:
            base = state.sim.behaviours.get(definition.extends)
            if base is None:
                raise FixtureError(
                    f"behaviours.{name}.extends: unknown behaviour {definition.extends!r}"
                )
        else:
            base = state.sim.behaviours["default"] if name != "default" else Behaviour()
        fields = definition.model_dump(include=definition.model_fields_set - {"extends"})
        state.define_behaviour(name, base.merged(fields))
    vendors = list(vendors)
    for index, rule in enumerate(doc.faults):
        owner = vendor_of_host(vendors, rule.host)
        if owner is None:
            raise FixtureError(f"faults[{index}].host: {rule.host!r} is not a mounted vendor host")
        state.sim.faults.add(rule, owner)
    names = [v.name for v in vendors if v.fixture_model is not None]
    for tenant in getattr(doc, "tenants", []):
        state.declare_tenant(tenant.key, tenant.name)
    for vendor in names:
        section = getattr(doc, vendor, None)
        if section is not None:
            state.preload(vendor, section)
    for tenant in getattr(doc, "tenants", []):
        for vendor in names:
            section = getattr(tenant, vendor, None)
            if section is not None:
                state.preload(vendor, section, tenant=tenant.key)


def _ordered_behaviours(defs: dict[str, BehaviourDef]) -> list[tuple[str, BehaviourDef]]:
    """``default`` first, then each behaviour after the one it extends."""
    done: list[tuple[str, BehaviourDef]] = []
    seen: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in seen or name not in defs:
            return
        if name in trail:
            raise FixtureError(f"behaviours: {' -> '.join((*trail, name))}: circular 'extends'")
        parent = defs[name].extends
        if parent is not None:
            visit(parent, (*trail, name))
        elif name != "default":
            visit("default", (*trail, name))
        seen.add(name)
        done.append((name, defs[name]))

    for name in defs:
        visit(name, ())
    return done


def default_fixture_path() -> Path:
    """The bundled ``default.yaml`` (repo checkout or installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "fixtures" / "default.yaml",
        here.parent / "fixtures" / "default.yaml",
    ):
        if candidate.exists():
            return candidate
    raise FixtureError("the bundled fixtures/default.yaml is missing from this installation")


def scenario_path(name: str) -> Path:
    """A bundled scenario preset (``fixtures/scenarios/<name>.yaml``)."""
    return default_fixture_path().parent / "scenarios" / f"{name}.yaml"
