"""List paging and ordering, and stats counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vendors.matpool.client import MatpoolClient, ok
from tests.vendors.matpool.conftest import job_fields


@pytest.fixture
def job_ids(gpu_emulator: Any, matpool: MatpoolClient) -> list[int]:
    """25 jobs created one second apart (oldest first)."""
    ids = []
    for index in range(25):
        ids.append(ok(matpool.create(job_fields(remark=f"job {index}")))["job"]["id"])
        gpu_emulator.advance(1)
    return ids


def listed(matpool: MatpoolClient, **query: Any) -> tuple[dict[str, int], list[int]]:
    body = ok(matpool.call("GET", "/v1/job/jobs", query))
    return body["pagination"], [job["id"] for job in body["job"]]


def test_defaults_are_page_1_of_10_newest_first(matpool: MatpoolClient, job_ids: list[int]) -> None:
    pagination, ids = listed(matpool)
    assert pagination == {"total": 25, "numPages": 3, "page": 1, "perPage": 10}
    assert ids == job_ids[::-1][:10]
    assert listed(matpool, order="false") == (pagination, ids)


def test_order_true_is_oldest_first(matpool: MatpoolClient, job_ids: list[int]) -> None:
    assert listed(matpool, order="true", per_page=10)[1] == job_ids[:10]
    assert listed(matpool, order="true", page=3, per_page=10)[1] == job_ids[20:]
    assert listed(matpool, order="false", page=3, per_page=10)[1] == job_ids[::-1][20:]


def test_pages_cover_every_job_once(matpool: MatpoolClient, job_ids: list[int]) -> None:
    for order in ("true", "false"):
        seen: list[int] = []
        page = 1
        while True:
            pagination, ids = listed(matpool, page=page, per_page=7, order=order)
            assert pagination["numPages"] == 4
            if not ids:
                break
            seen.extend(ids)
            page += 1
        assert page == 5
        assert sorted(seen) == sorted(job_ids)
        assert seen == (job_ids if order == "true" else job_ids[::-1])


def test_a_page_past_the_end_is_empty(matpool: MatpoolClient, job_ids: list[int]) -> None:
    pagination, ids = listed(matpool, page=9, per_page=10)
    assert ids == []
    assert pagination == {"total": 25, "numPages": 3, "page": 9, "perPage": 10}


def test_per_page_is_capped_and_the_cap_is_configurable(
    gpu_emulator: Any, matpool: MatpoolClient, job_ids: list[int]
) -> None:
    gpu_emulator.load({"matpool": {"options": {"max_per_page": 20, "per_page": 5}}})
    pagination, ids = listed(matpool, per_page=1000)
    assert (pagination["perPage"], pagination["numPages"], len(ids)) == (20, 2, 20)
    assert listed(matpool)[0]["perPage"] == 5


def test_an_empty_account(matpool: MatpoolClient) -> None:
    assert listed(matpool) == ({"total": 0, "numPages": 0, "page": 1, "perPage": 10}, [])
    assert ok(matpool.stats()) == {
        "code": 0,
        "msg": "",
        "stats": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0},
    }


@pytest.mark.gpu_emulator(fixtures={"matpool": {"timings": {"initialize": 1}}})
def test_stats_count_jobs_per_status(gpu_emulator: Any, matpool: MatpoolClient) -> None:
    running = [ok(matpool.create(job_fields()))["job"]["id"] for _ in range(3)]
    gpu_emulator.advance(60)
    ok(matpool.cancel(running[0]))
    gpu_emulator.advance(30)
    ok(matpool.cancel(running[1]))
    ok(matpool.create(job_fields()))
    gpu_emulator.advance(1)
    ok(matpool.create(job_fields()))
    gpu_emulator.advance(25)
    ok(matpool.create(job_fields()))
    assert ok(matpool.stats())["stats"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1}
    gpu_emulator.advance(1)
    assert ok(matpool.stats())["stats"] == {"1": 1, "2": 2, "3": 1, "4": 1, "5": 1, "6": 0}
