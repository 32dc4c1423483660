"""Keyset pagination for ``GET /gpus/v2/endpoints``: a sorted index and opaque, bound cursors.

Endpoints are listed newest first by ``(created_at, seq)``. A cursor carries the key of the last
item of a page, signed for one tenant's world on one host, so a page after creates and deletes
still starts right after the last item seen (an offset would skip or repeat items), and a cursor
from another tenant or host, or a tampered one, is refused. A page costs O(log n + page).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

Key = tuple[int, int]  # (created_at, seq): unique, increasing with creation
ItemT = TypeVar("ItemT")


class SortedIndex(Generic[ItemT]):
    """Items by key in ascending order; insert/remove O(log n) search + memmove."""

    def __init__(self) -> None:
        self._keys: list[Key] = []
        self._items: dict[Key, ItemT] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Key, item: ItemT) -> None:
        """Index ``item`` under ``key`` (usually appended: new items have the largest key)."""
        keys = self._keys
        if not keys or keys[-1] < key:
            keys.append(key)
        else:
            bisect.insort(keys, key)
        self._items[key] = item

    def remove(self, key: Key) -> None:
        """Drop the item under ``key`` (no-op if absent)."""
        if self._items.pop(key, None) is None:
            return
        index = bisect.bisect_left(self._keys, key)
        del self._keys[index]

    def newest_before(self, key: Key | None) -> Iterator[ItemT]:
        """Items in descending key order, starting strictly below ``key`` (all if None)."""
        keys = self._keys
        items = self._items
        index = len(keys) if key is None else bisect.bisect_left(keys, key)
        for position in range(index - 1, -1, -1):
            yield items[keys[position]]


def page(
    index: SortedIndex[ItemT],
    after: Key | None,
    limit: int,
    matches: Callable[[ItemT], bool] | None,
) -> tuple[list[ItemT], bool]:
    """Up to ``limit`` matching items below ``after``, and whether more match further on."""
    out: list[ItemT] = []
    for item in index.newest_before(after):
        if matches is not None and not matches(item):
            continue
        if len(out) == limit:
            return out, True
        out.append(item)
    return out, False


class CursorCodec:
    """Encodes keys as opaque cursors bound to a secret (one tenant's world on one host)."""

    VERSION = "c1"

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:16]

    def encode(self, key: Key) -> str:
        """The cursor for ``key``."""
        body = f"{self.VERSION}.{key[0]}.{key[1]}"
        raw = f"{body}.{self._sign(body)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> Key | None:
        """The key of a cursor this codec made; None if it is malformed or foreign."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        except (binascii.Error, UnicodeError, ValueError):
            return None
        parts = raw.split(".")
        if len(parts) != 4 or parts[0] != self.VERSION:
            return None
        body = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign(body)):
            return None
        try:
            return int(parts[1]), int(parts[2])
        except ValueError:
            return None


def world_secret(seed: int, vendor: str, tenant: str) -> bytes:
    """The cursor secret of one tenant's world (stable across restarts with the same seed)."""
    return hashlib.sha256(f"ppio-cursor/{seed}/{vendor}/{tenant}".encode()).digest()
