"""Create, get, list, stats and cancel with a client written like the public script."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from emulator.vendors.matpool import HOST
from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import EXAMPLE_JOB, T0, job_fields

SPEC = Path(__file__).resolve().parents[3] / "emulator" / "specs" / "matpool"


def example_job() -> dict[str, Any]:
    """The first job of the vendor's list-jobs example."""
    document = json.loads((SPEC / "list-jobs.example.json").read_text(encoding="utf-8"))
    job: dict[str, Any] = document["job"][1]
    return job


def assert_same_shape(actual: Any, expected: Any, where: str = "job") -> None:
    """Key for key (in order) and type for type; list items all match the example's first."""
    assert type(actual) is type(expected), f"{where}: {type(actual).__name__} != {type(expected)}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{where}: keys differ"
        for key, value in expected.items():
            assert_same_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert actual, f"{where}: empty where the example has items"
        for index, item in enumerate(actual):
            assert_same_shape(item, expected[0], f"{where}[{index}]")


def test_a_created_job_has_the_shape_of_the_vendor_example(matpool: MatpoolClient) -> None:
    created = ok(matpool.create(EXAMPLE_JOB))
    assert list(created) == ["code", "msg", "job"]
    job = created["job"]
    assert len(job) == 15
    assert_same_shape(job, example_job())
    assert job["ctx"]["aotuRelease"] is False  # the vendor's spelling
    assert job["status"] == job["state"]["status"] == 6


def test_a_running_job_matches_the_example_values_that_are_not_random(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    job_id = ok(matpool.create(EXAMPLE_JOB))["job"]["id"]
    gpu_emulator.advance(60)
    job = ok(matpool.get(job_id))["job"]
    expected = example_job()
    assert_same_shape(job, expected)
    for key in ("status", "vols", "queueLen", "nets", "autoRelease", "releaseTime", "desc"):
        assert job[key] == expected[key], key
    assert job["res"] == expected["res"]
    assert [e["status"] for e in job["state"]["log"]] == [6, 1, 2, 3]
    same = ("name", "ver", "envs", "format", "files", "cmd", "hostname", "creds", "netConfig")
    for key in (*same, "remark", "fromImageId", "fromSnapshotId"):
        assert job["app"][key] == expected["app"][key], key
    assert sorted(job["app"]["urls"]) == sorted(expected["app"]["urls"])
    ctx, expected_ctx = job["ctx"], expected["ctx"]
    for key in ("clientID", "class", "aotuRelease", "releaseTime", "nodeDomain"):
        assert ctx[key] == expected_ctx[key], key


def test_identities_credentials_and_port_urls(matpool: MatpoolClient) -> None:
    job = ok(matpool.create(EXAMPLE_JOB))["job"]
    assert re.fullmatch(r"[A-Za-z0-9]{6}", job["displayID"])
    assert re.fullmatch(r"[A-Za-z0-9]{6}", job["ctx"]["nodeDisplayID"])
    assert job["displayID"] != job["ctx"]["nodeDisplayID"]
    assert 100_000 <= job["id"] <= 999_999
    (auth,) = job["app"]["SSHAuths"]
    cred = auth["BaseOn"]["Cred"]
    assert cred["user"] == "root"
    assert len(cred["password"]) == 16
    # The API shows the ports in its own order; the set is what was asked for.
    shown = {(p["port"], p["protocol"]) for p in job["app"]["ports"]}
    assert shown == {(p["port"], p["protocol"]) for p in EXAMPLE_JOB["ports"]}
    assert all(p["extraData"] is None for p in job["app"]["ports"])
    urls = job["app"]["urls"]
    assert list(urls) == sorted(urls) == ["port_22", "port_8888", "port_8895", "port_8989"]
    host = r"hz-(?:4|t3)\.matpool\.com"
    ssh = re.compile(rf"ssh://{host}:(2[6-9]\d\d\d)")
    https = re.compile(rf"https://{host}:(2[6-9]\d\d\d)\?token=([A-Za-z0-9]{{10}})")
    tokens = set()
    host_ports = set()
    for name, protocol in (("port_22", 1), ("port_8989", 1), ("port_8888", 2), ("port_8895", 2)):
        (url,) = urls[name]["urls"]
        match = (ssh if protocol == 1 else https).fullmatch(url)
        assert match, url
        host_ports.add(int(match.group(1)))
        if protocol == 2:
            tokens.add(match.group(2))
    assert len(tokens) == 1  # one token for every HTTP port of a job
    assert len(host_ports) == 4


def test_optional_fields_default_and_a_snapshot_job(matpool: MatpoolClient) -> None:
    fields = {"spec": {"gpuName": "NVIDIA GeForce RTX 4090"}, "agent_domain": 2}
    job = ok(matpool.create({**fields, "from_snapshot_id": 42}))["job"]
    assert job["app"]["cmd"] == job["app"]["envs"] == job["app"]["remark"] == ""
    assert job["app"]["ports"] == []
    assert job["app"]["urls"] == {}
    assert job["app"]["fromSnapshotId"] == 42
    assert job["app"]["fromImageId"] == 0
    assert job["res"]["domain"] == "all"
    assert job["res"]["agentDomain"] == job["ctx"]["nodeDomain"] == 2
    assert job["res"]["gpuName"] == "NVIDIA GeForce RTX 4090"
    assert job["app"]["SSHAuths"][0]["BaseOn"]["Cred"]["password"]


def test_the_script_flow_create_get_list_stats_cancel(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    created = ok(matpool.create(EXAMPLE_JOB))["job"]
    job_id = created["id"]
    assert created["createTime"] == {"seconds": T0}

    got = ok(matpool.get(job_id))
    assert list(got) == ["code", "msg", "job"]
    assert got["job"]["id"] == job_id
    assert got["job"]["status"] == 1  # 6 -> 1 within the same second
    assert got["job"]["displayID"] == created["displayID"]

    listed = ok(matpool.list())
    assert list(listed) == ["code", "msg", "pagination", "job"]
    assert listed["pagination"] == {"total": 1, "numPages": 1, "page": 1, "perPage": 20}
    assert [j["id"] for j in listed["job"]] == [job_id]

    stats = ok(matpool.stats())
    assert stats["stats"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0}

    assert ok(matpool.cancel(job_id)) == {"code": 0, "msg": ""}
    assert ok(matpool.get(job_id))["job"]["status"] == 5
    gpu_emulator.advance(30)
    job = ok(matpool.get(job_id))["job"]
    assert job["status"] == 4
    assert [e["status"] for e in job["state"]["log"]] == [6, 1, 5, 4]
    assert ok(matpool.stats())["stats"]["4"] == 1


def test_the_display_id_is_not_an_api_id(matpool: MatpoolClient) -> None:
    job = ok(matpool.create(EXAMPLE_JOB))["job"]
    assert matpool.get(job["displayID"]) == (200, {"code": 6, "msg": "param illegal"})
    assert matpool.get(job["ctx"]["nodeId"]) == (200, {"code": 1, "msg": "record not found"})


def test_tokens_are_isolated_tenants(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    job_id = ok(matpool.create(EXAMPLE_JOB))["job"]["id"]
    other = MatpoolClient(gpu_emulator.url(HOST), "someone-else")
    assert ok(other.list())["pagination"]["total"] == 0
    assert other.get(job_id)[1]["code"] == 1
    assert other.cancel(job_id)[1]["code"] == 1
    assert ok(matpool.get(job_id))["job"]["status"] == 1


@pytest.mark.gpu_emulator(seed=7)
def test_the_same_seed_gives_the_same_responses(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    first = [matpool.create(job_fields(remark=f"run {i}")) for i in range(3)]
    gpu_emulator.reset(seed=7)
    again = [matpool.create(job_fields(remark=f"run {i}")) for i in range(3)]
    assert first == again
    gpu_emulator.reset(seed=8)
    assert matpool.create(job_fields(remark="run 0")) != first[0]


def test_cancel_can_return_the_job_when_configured(
    gpu_emulator: Any, matpool: MatpoolClient
) -> None:
    gpu_emulator.load({"matpool": {"options": {"cancel_returns_job": True}}})
    job_id = ok(matpool.create(EXAMPLE_JOB))["job"]["id"]
    body = ok(matpool.cancel(job_id))
    assert body["job"]["status"] == 5


def test_stats_can_list_the_ids_per_status(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    gpu_emulator.load({"matpool": {"options": {"stats_key": "data", "stats_ids": True}}})
    first = ok(matpool.create(EXAMPLE_JOB))["job"]["id"]
    second = ok(matpool.create(EXAMPLE_JOB))["job"]["id"]
    ok(matpool.cancel(first))
    body = ok(matpool.stats())
    assert body["data"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1, "6": 0}
    assert body["ids"] == {"1": [second], "2": [], "3": [], "4": [], "5": [first], "6": []}


def test_the_state_dump_shows_jobs_and_markets(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    gpu_emulator.load({"matpool": {"market": {"NVIDIA A16": 1}}})
    ok(matpool.create(EXAMPLE_JOB))
    ok(matpool.create(EXAMPLE_JOB))
    (tenant,) = [t for t in gpu_emulator.state()["tenants"] if t["key"] == "mp-token"]
    world = tenant["worlds"]["matpool"]
    assert [job["queueLen"] for job in world["jobs"]] == [0, 1]
    assert world["markets"] == {"NVIDIA A16": {"slots": 1, "used": 1, "waiting": 1}}


def test_the_admin_api_serves_the_vendor_example(gpu_emulator: Any) -> None:
    import httpx

    response = httpx.get(f"{gpu_emulator.base_url}/_emulator/specs/matpool")
    assert response.status_code == 200
    document = response.json()["list-jobs.example"]
    assert document["job"][1] == example_job()
