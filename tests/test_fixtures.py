"""Fixture files: validation errors name the file, the path inside it and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.core.clock import ManualClock
from emulator.core.state import EmulatorState, Startup
from emulator.fixtures import FixtureError, apply, default_fixture_path, load_file, parse_text
from emulator.hosting import VendorSpec
from tests.support import acme

VENDORS = [acme.vendor]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fx.yaml"
    path.write_text(text)
    return path


def test_the_default_fixtures_load_with_every_vendor() -> None:
    from emulator.vendors import default_vendors

    vendors = default_vendors()
    doc = load_file(default_fixture_path(), vendors)
    assert doc.seed == 42
    assert doc.clock is not None
    assert doc.clock.mode == "real"
    state = EmulatorState(Startup(clock="manual"), {v.name: v.create_world for v in vendors})
    apply(state, doc, vendors)
    tenant = state.tenants.lookup("dev-key")
    assert tenant is not None
    for vendor in vendors:
        assert state.world(tenant, vendor.name).dump() is not None


def test_unknown_keys_are_reported_with_file_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, "seed: 1\nclok: {mode: manual}\n")
    with pytest.raises(FixtureError) as info:
        load_file(path, VENDORS)
    assert str(info.value) == f"{path}: clok: Extra inputs are not permitted"


def test_nested_vendor_errors_name_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, "acme:\n  endpoints:\n    - {name: ok}\n    - {name: ''}\n")
    with pytest.raises(FixtureError) as info:
        load_file(path, VENDORS)
    assert str(info.value).startswith(
        f"{path}: acme.endpoints[1].name: String should have at least 1"
    )


def test_behaviour_errors_name_the_behaviour_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "behaviours:\n  slow: {cold_start: soon}\n")
    with pytest.raises(FixtureError) as info:
        load_file(path, VENDORS)
    assert f"{path}: behaviours.slow.cold_start: Value error, invalid duration 'soon'" in str(
        info.value
    )


def test_yaml_syntax_errors_give_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "seed: 1\nbehaviours: {a: [\n")
    with pytest.raises(FixtureError) as info:
        load_file(path, VENDORS)
    assert str(info.value).startswith(f"{path}: line 3, column 1: invalid YAML")


def test_missing_files_and_non_mappings_are_errors(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read"):
        load_file(tmp_path / "nope.yaml", VENDORS)
    with pytest.raises(FixtureError, match="a fixture document is a mapping"):
        parse_text("- 1\n- 2\n", VENDORS, "list.yaml")


def test_tenant_sections_are_validated_too(tmp_path: Path) -> None:
    path = write(
        tmp_path, "tenants:\n  - key: a\n    acme: {endpoints: [{name: x, min_workers: -1}]}\n"
    )
    with pytest.raises(FixtureError, match=r"tenants\[0\]\.acme\.endpoints\[0\]\.min_workers"):
        load_file(path, VENDORS)


def _state() -> EmulatorState:
    return EmulatorState(Startup(clock="manual"), {"acme": acme.AcmeWorld})


def test_behaviours_extend_default_and_each_other() -> None:
    doc = parse_text(
        "behaviours:\n"
        "  slower: {extends: slow, execution: 9s}\n"
        "  slow: {cold_start: 60s}\n"
        "  default: {execution: 3s, failure_rate: 0.1}\n",
        VENDORS,
        "b.yaml",
    )
    state = _state()
    apply(state, doc, VENDORS)
    slow, slower = state.sim.behaviours["slow"], state.sim.behaviours["slower"]
    assert (slow.cold_start.a, slow.execution.a, slow.failure_rate) == (60.0, 3.0, 0.1)
    assert (slower.cold_start.a, slower.execution.a) == (60.0, 9.0)


def test_circular_and_unknown_extends_are_errors() -> None:
    state = _state()
    circular = parse_text("behaviours:\n  a: {extends: b}\n  b: {extends: a}\n", VENDORS, "c.yaml")
    with pytest.raises(FixtureError, match="circular"):
        apply(state, circular, VENDORS)
    unknown = parse_text("behaviours:\n  a: {extends: zzz}\n", VENDORS, "u.yaml")
    with pytest.raises(FixtureError, match="unknown behaviour 'zzz'"):
        apply(state, unknown, VENDORS)


def test_vendor_sections_reach_every_tenant_and_tenant_sections_only_theirs() -> None:
    doc = parse_text(
        "acme: {endpoints: [{id: shared, name: s}]}\n"
        "tenants:\n  - {key: alice, acme: {endpoints: [{id: own, name: o}]}}\n",
        VENDORS,
        "t.yaml",
    )
    state = _state()
    apply(state, doc, VENDORS)
    alice = state.tenants.lookup("alice")
    bob = state.tenants.lookup("bob")
    assert alice is not None
    assert bob is not None
    assert sorted(state.world(alice, "acme").pools) == ["own", "shared"]
    assert sorted(state.world(bob, "acme").pools) == ["shared"]


def test_strict_auth_accepts_only_declared_keys() -> None:
    state = EmulatorState(Startup(clock="manual", auth="strict"), {"acme": acme.AcmeWorld})
    apply(state, parse_text("tenants: [{key: alice}]", VENDORS, "s.yaml"), VENDORS)
    assert state.tenants.lookup("alice") is not None
    assert state.tenants.lookup("mallory") is None
    assert isinstance(ManualClock(0).now(), float)


def test_a_vendor_section_costs_nothing_to_documents_without_it() -> None:
    from pydantic import BaseModel, ConfigDict

    class LazySection(BaseModel):
        model_config = ConfigDict(extra="forbid", defer_build=True)
        size: int = 0

    lazy = VendorSpec(
        name="lazy", title="Lazy", mounts=(), create_world=acme.AcmeWorld, fixture_model=LazySection
    )
    vendors = [*VENDORS, lazy]
    doc = parse_text("seed: 3\n", vendors, "plain.yaml")
    assert doc.seed == 3
    assert not LazySection.__pydantic_complete__  # never built: nothing asked for it
    doc = parse_text("lazy: {size: 2}\ntenants: [{key: k, lazy: {size: 5}}]\n", vendors, "x.yaml")
    assert doc.lazy == LazySection(size=2)
    assert doc.tenants[0].lazy == LazySection(size=5)
    with pytest.raises(FixtureError, match=r"x\.yaml: tenants\[0\]\.lazy\.size: Input should be"):
        parse_text("tenants: [{key: k, lazy: {size: many}}]\n", vendors, "x.yaml")
