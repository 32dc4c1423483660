"""The REST side of the RunPod world without HTTP: catalog, fixtures, versions, persistence."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from emulator.core.execution import Behaviour
from emulator.core.workers import WorkerState
from emulator.vendors.runpod import catalog
from emulator.vendors.runpod.backend import RunpodWorld
from emulator.vendors.runpod.fleet import WorkerInfo
from emulator.vendors.runpod.schemas import RunpodFixture, RunRequest
from emulator.vendors.runpod.schemas_v1 import EndpointCreate
from tests.support.sim import run, world
from tests.vendors.runpod.rest_spec import SPECS


def rp_world(section: dict[str, Any] | None = None, seed: int = 3) -> RunpodWorld:
    ctx = world(seed=seed)
    ctx.sim.behaviours["default"] = Behaviour.model_validate(
        {"cold_start": 20, "execution": 4, "shutdown": 0}
    )
    rp = RunpodWorld(ctx)
    if section is not None:
        rp.load(RunpodFixture.model_validate(section))
    return rp


def test_catalog_enums_are_the_v1_specs() -> None:
    spec = json.loads((SPECS / "rest-v1.openapi.json").read_text())
    props = spec["components"]["schemas"]["EndpointCreateInput"]["properties"]
    assert tuple(props["gpuTypeIds"]["items"]["enum"]) == catalog.GPU_TYPE_IDS
    assert tuple(props["dataCenterIds"]["items"]["enum"]) == catalog.DATA_CENTER_IDS
    assert tuple(props["allowedCudaVersions"]["items"]["enum"]) == catalog.CUDA_VERSIONS
    assert tuple(props["cpuFlavorIds"]["items"]["enum"]) == catalog.CPU_FLAVOR_IDS
    default = catalog.Catalog.default()
    assert set(default.gpus) == set(catalog.GPU_TYPE_IDS)
    assert set(default.data_centers) == set(catalog.DATA_CENTER_IDS)
    assert all(default.pool_members[pool] for pool in default.pools)
    assert default.pool_members["ADA_24"] == ["NVIDIA GeForce RTX 4090", "NVIDIA L4"]
    for dc in catalog.DATA_CENTER_IDS:  # every data center hosts some serverless GPU
        assert any(default.hosts(dc, gpu) for gpu in default.pool_members["ADA_24"])


def test_fixture_objects_and_catalog_overrides() -> None:
    rp = rp_world(
        {
            "catalog": {
                "gpus": [{"id": "NVIDIA A40", "securePrice": 9.99, "pool": "MY_POOL"}],
                "pools": [{"id": "MY_POOL", "flex": 0.001, "active": 0.0005}],
                "dataCenters": [{"id": "XX-LAB-1", "location": "Lab", "gpuClasses": ["p"]}],
            },
            "registries": [{"id": "creds", "name": "hub", "username": "u", "password": "p"}],
            "templates": [
                {"id": "tpl", "name": "t", "imageName": "me/t", "containerRegistryAuthId": "creds"}
            ],
            "networkVolumes": [{"id": "vol", "name": "v", "size": 10, "dataCenterId": "XX-LAB-1"}],
            "endpoints": [
                {
                    "id": "ep",
                    "templateId": "tpl",
                    "gpuTypeIds": ["NVIDIA A40"],
                    "workersMin": 1,
                    "networkVolumeId": "vol",
                    "dataCenterIds": ["XX-LAB-1"],
                }
            ],
        }
    )
    endpoint = rp.endpoint("ep")
    assert endpoint.templateId == "tpl"
    assert rp.library.registries["creds"].templates == {"tpl"}
    assert rp.library.volumes["vol"].endpoints == {"ep"}
    (worker,) = endpoint.pool.workers.values()
    info = worker.data
    assert isinstance(info, WorkerInfo)
    assert (info.gpu, info.data_center) == ("NVIDIA A40", "XX-LAB-1")
    assert info.cost_per_hr == pytest.approx(3.6)
    assert rp.catalog.gpus["NVIDIA A40"].prices()["securePrice"] == 9.99


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ({"templateId": "nope"}, "template nope not found"),
        ({"gpuTypeIds": ["Tesla T4"]}, "not available on Serverless"),
        ({"networkVolumeIds": ["nope"]}, "network volume nope not found"),
        ({"dataCenterIds": ["MARS-1"]}, "unknown data center"),
    ],
)
def test_fixture_endpoints_are_checked(endpoint: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        rp_world({"endpoints": [{"id": "ep", **endpoint}]})


def test_fixture_env_gives_an_endpoint_its_own_copy_of_a_shared_template() -> None:
    rp = rp_world(
        {
            "templates": [{"id": "tpl", "name": "t", "imageName": "me/t", "env": {"A": "1"}}],
            "endpoints": [
                {"id": "plain", "templateId": "tpl"},
                {"id": "tuned", "templateId": "tpl", "env": {"B": "2"}},
                {"id": "own", "image": "me/own:1"},
            ],
        }
    )
    assert rp.endpoint("plain").templateId == "tpl"
    tuned = rp.endpoint("tuned").template
    assert (tuned.boundTo, tuned.env, tuned.imageName) == ("tuned", {"A": "1", "B": "2"}, "me/t")
    own = rp.endpoint("own").template
    assert (own.boundTo, own.imageName) == ("own", "me/own:1")
    assert rp.library.templates["tpl"].endpoints == {"plain"}


def test_placement_draws_do_not_shift_job_timings() -> None:
    """Same seed, same jobs: durations agree whatever the catalog placed the workers on."""
    timings = []
    for gpu in ("NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3"):
        rp = rp_world(seed=11)
        rp.ctx.sim.behaviours["default"] = Behaviour.model_validate(
            {"cold_start": {"uniform": [5, 30]}, "execution": {"uniform": [1, 9]}}
        )
        config = EndpointCreate.model_validate({"templateId": "x", "gpuTypeIds": [gpu]})
        rp.library.new_template({"name": "t", "imageName": "i"}, template_id="x")
        endpoint = rp.add_endpoint(config.to_config(), container=None, names={})
        jobs = [rp.jobs.submit(endpoint, RunRequest(input=n), sync=False) for n in range(5)]
        run(rp.ctx, 300)
        timings.append([(j.task.started_at, j.task.finished_at) for j in jobs])
    assert timings[0] == timings[1]


def test_the_world_pickles_mid_rollout_and_the_copy_keeps_going() -> None:
    rp = rp_world({"templates": [{"id": "tpl", "name": "t", "imageName": "me/t:1"}]})
    config = EndpointCreate.model_validate({"templateId": "tpl", "workersMin": 1}).to_config()
    endpoint = rp.add_endpoint(config, container=None, names={})
    run(rp.ctx, 25)
    job = rp.jobs.submit(endpoint, RunRequest(input="x"), sync=False)
    (old,) = endpoint.pool.workers.values()
    assert old.state == WorkerState.RUNNING
    rp.update_template(rp.library.templates["tpl"], {"imageName": "me/t:2"}, {})
    assert endpoint.version == 1
    assert old.state == WorkerState.DRAINING  # finishes its job on the old version

    copy: RunpodWorld = pickle.loads(pickle.dumps(rp))
    run(copy.ctx, 30)
    moved = copy.endpoints[endpoint.id]
    assert copy.jobs.by_id[job.id].status == "COMPLETED"
    (new,) = moved.pool.workers.values()
    assert new.id != old.id
    assert isinstance(new.data, WorkerInfo)
    assert (new.data.version, new.data.image) == (1, "me/t:2")
    assert copy.library.templates["tpl"].endpoints == {endpoint.id}
    assert any("Worker ready." in line for *_, line in new.data.lines(new.id))
    assert old.state == WorkerState.DRAINING  # the original did not move


def test_reloading_a_fixture_keeps_what_points_at_its_objects() -> None:
    section = {
        "registries": [{"id": "creds", "name": "hub"}],
        "templates": [
            {"id": "tpl", "name": "t", "imageName": "me/t", "containerRegistryAuthId": "creds"}
        ],
        "networkVolumes": [{"id": "vol", "name": "v", "size": 10, "dataCenterId": "EU-RO-1"}],
        "endpoints": [{"id": "ep", "templateId": "tpl", "networkVolumeId": "vol"}],
    }
    rp = rp_world(section)
    rp.add_endpoint(
        EndpointCreate.model_validate({"templateId": "tpl", "networkVolumeId": "vol"}).to_config(),
        container=None,
        names={},
    )
    rp.load(RunpodFixture.model_validate(section))
    library = rp.library
    assert len(library.templates["tpl"].endpoints) == 2
    assert len(library.volumes["vol"].endpoints) == 2
    assert library.registries["creds"].templates == {"tpl"}
    assert library.templates["tpl"].containerRegistryAuthId == "creds"
