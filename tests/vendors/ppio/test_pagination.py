"""``GET /gpus/v2/endpoints``: keyset cursors, limit rules, keyword and member filters."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.vendors.ppio.conftest import (
    PPIO,
    assert_error,
    client_for,
    create,
    list_schema,
    validate,
)

MINIMAL = {"type": "sync", "product_id": "p", "image": "img", "worker_config": {"max_replicas": 1}}


def _make(client: httpx.Client, name: str) -> str:
    response = client.post("/gpus/v2/endpoints", json={**MINIMAL, "name": name})
    assert response.status_code == 200, response.text
    endpoint_id: str = response.json()["id"]
    return endpoint_id


def _page(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get("/gpus/v2/endpoints", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["data"]]


def test_a_walk_with_creates_and_deletes_between_pages_sees_each_survivor_once(
    gpu_emulator: Any, ppio: httpx.Client
) -> None:
    ids = []
    for n in range(250):
        ids.append(_make(ppio, f"ep-{n:03d}"))
        if n % 50 == 49:
            gpu_emulator.advance(1)  # several creation seconds, several per second
    deleted: set[str] = set()
    created_later: set[str] = set()
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = _page(ppio, **params)
        validate(page, list_schema())
        assert len(page["data"]) <= 7
        seen += [item["id"] for item in page["data"]]
        pages += 1
        if not page["has_more"]:
            assert page["next_cursor"] == ""
            break
        assert page["next_cursor"]
        assert len(page["data"]) == 7
        cursor = page["next_cursor"]
        # mutate between pages: delete one not seen yet, one already seen, create two new ones
        unseen = [i for i in ids if i not in seen and i not in deleted]
        if unseen:
            victim = unseen[len(unseen) // 2]
            assert ppio.delete(f"/gpus/v2/endpoints/{victim}").status_code == 200
            deleted.add(victim)
        if seen[0] not in deleted:
            assert ppio.delete(f"/gpus/v2/endpoints/{seen[0]}").status_code == 200
            deleted.add(seen[0])
        for extra in range(2):
            created_later.add(_make(ppio, f"late-{pages}-{extra}"))
        gpu_emulator.advance(0.5)
    assert len(seen) == len(set(seen)), "an endpoint was returned twice"
    survivors = [i for i in ids if i not in deleted]
    assert set(survivors) <= set(seen), "an endpoint that existed throughout was skipped"
    assert not (set(seen) & created_later), "newer endpoints sort before the cursor"
    # newest first, the creation order reversed
    order = [i for i in reversed(ids) if i in set(seen)]
    assert [i for i in seen if i in set(order)] == order


def test_limit_zero_or_absent_means_the_default_and_the_maximum_caps_it(
    ppio: httpx.Client,
) -> None:
    for n in range(105):
        _make(ppio, f"e{n}")
    assert len(_page(ppio)["data"]) == 20
    assert len(_page(ppio, limit=0)["data"]) == 20
    assert len(_page(ppio, limit="")["data"]) == 20
    capped = _page(ppio, limit=1000)
    assert len(capped["data"]) == 100
    assert capped["has_more"] is True
    rest = _page(ppio, limit=100, cursor=capped["next_cursor"])
    assert (len(rest["data"]), rest["has_more"], rest["next_cursor"]) == (5, False, "")
    over = _page(ppio, limit=101)
    assert (len(over["data"]), over["has_more"]) == (100, True)


@pytest.mark.gpu_emulator(
    fixtures=[
        {"ppio": {"options": {"default_limit": 3, "max_limit": 5, "limit_over_max": "reject"}}}
    ]
)
def test_the_default_and_maximum_are_options(ppio: httpx.Client) -> None:
    for n in range(8):
        _make(ppio, f"e{n}")
    assert _names(_page(ppio)) == ["e7", "e6", "e5"]
    assert len(_page(ppio, limit=5)["data"]) == 5
    error = assert_error(ppio.get("/gpus/v2/endpoints?limit=6"), 400, "INVALID_REQUEST_BODY")
    assert error["metadata"] == {"field": "limit"}


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5"])
def test_a_negative_or_non_integer_limit_is_400(ppio: httpx.Client, limit: str) -> None:
    error = assert_error(
        ppio.get("/gpus/v2/endpoints", params={"limit": limit}), 400, "INVALID_REQUEST_BODY"
    )
    assert error["metadata"] == {"field": "limit"}


def test_the_last_page_has_an_empty_cursor_and_an_empty_list_is_one_page(
    ppio: httpx.Client,
) -> None:
    assert _page(ppio) == {"data": [], "next_cursor": "", "has_more": False}
    for n in range(4):
        _make(ppio, f"e{n}")
    first = _page(ppio, limit=2)
    assert (_names(first), first["has_more"]) == (["e3", "e2"], True)
    second = _page(ppio, limit=2, cursor=first["next_cursor"])
    assert (_names(second), second["has_more"], second["next_cursor"]) == (["e1", "e0"], False, "")
    assert _page(ppio, limit=2, cursor="")["data"] == first["data"]  # "" = the first page


def test_bad_cursors_are_400(gpu_emulator: Any, ppio: httpx.Client) -> None:
    for n in range(3):
        _make(ppio, f"e{n}")
    good = _page(ppio, limit=1)["next_cursor"]
    raw = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4)).decode()
    version, created, seq, sig = raw.split(".")
    tampered = base64.urlsafe_b64encode(f"{version}.{created}.{int(seq) + 1}.{sig}".encode())
    for bad in ("garbage!!", "bm90LWEtY3Vyc29y", tampered.decode().rstrip("="), "x" * 1025):
        error = assert_error(
            ppio.get("/gpus/v2/endpoints", params={"cursor": bad}), 400, "INVALID_REQUEST_BODY"
        )
        assert error["metadata"] == {"field": "cursor"}
    # another tenant's cursor, and the same tenant's cursor on the other host, are foreign
    with client_for(gpu_emulator, PPIO, key="sk_other") as other:
        _make(other, "theirs")
        assert_error(
            other.get("/gpus/v2/endpoints", params={"cursor": good}), 400, "INVALID_REQUEST_BODY"
        )
    with client_for(gpu_emulator, "api.novita.ai") as novita:
        assert_error(
            novita.get("/gpus/v2/endpoints", params={"cursor": good}), 400, "INVALID_REQUEST_BODY"
        )


def test_a_cursor_still_works_after_its_endpoint_is_deleted(ppio: httpx.Client) -> None:
    ids = [_make(ppio, f"e{n}") for n in range(5)]
    first = _page(ppio, limit=2)
    assert _names(first) == ["e4", "e3"]
    ppio.delete(f"/gpus/v2/endpoints/{ids[3]}")
    ppio.delete(f"/gpus/v2/endpoints/{ids[2]}")
    assert _names(_page(ppio, limit=2, cursor=first["next_cursor"])) == ["e1", "e0"]


def test_keyword_matches_name_or_id_case_insensitively(ppio: httpx.Client) -> None:
    _make(ppio, "Alpha-Chat")
    _make(ppio, "beta")
    target = _make(ppio, "gamma")
    _make(ppio, "alphabet")
    assert _names(_page(ppio, keyword="ALPHA")) == ["alphabet", "Alpha-Chat"]
    assert _names(_page(ppio, keyword=target.lower())) == ["gamma"]
    assert _names(_page(ppio, keyword="zzz")) == []
    # a filtered walk pages over matches only
    first = _page(ppio, keyword="a", limit=2)
    assert (_names(first), first["has_more"]) == (["alphabet", "gamma"], True)
    second = _page(ppio, keyword="a", limit=2, cursor=first["next_cursor"])
    assert (_names(second), second["has_more"]) == (["beta", "Alpha-Chat"], False)


@pytest.mark.gpu_emulator(
    fixtures=[
        {
            "ppio": {
                "endpoints": [
                    {**MINIMAL, "name": f"m{n}", "member_id": f"member-{n % 3}"} for n in range(9)
                ]
            }
        }
    ]
)
def test_member_ids_filter_on_member_id(ppio: httpx.Client) -> None:
    assert _names(_page(ppio, member_ids="member-1")) == ["m7", "m4", "m1"]
    both = _page(ppio, member_ids=" member-0 ,member-2,", limit=4)
    assert (_names(both), both["has_more"]) == (["m8", "m6", "m5", "m3"], True)
    rest = _page(ppio, member_ids="member-0,member-2", limit=4, cursor=both["next_cursor"])
    assert (_names(rest), rest["has_more"]) == (["m2", "m0"], False)
    assert _names(_page(ppio, member_ids="member-1", keyword="M4")) == ["m4"]
    assert _page(ppio, member_ids="nobody")["data"] == []
    assert len(_page(ppio, member_ids="")["data"]) == 9  # empty = no filter
    created = create(ppio)  # the caller's own member id
    own = _page(ppio, keyword=created)["data"][0]["member_id"]
    assert _page(ppio, member_ids=own)["data"][0]["id"] == created
