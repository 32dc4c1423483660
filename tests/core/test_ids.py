"""Seeded ids: the fast formatting keeps exactly what the standard library would give."""

from __future__ import annotations

import random
import uuid

from emulator.core.ids import Ids


def test_uuid4_is_the_standard_version_4_uuid_of_the_same_bits() -> None:
    ids = Ids(random.Random(42))
    reference = random.Random(42)
    for _ in range(2000):
        expected = str(uuid.UUID(int=reference.getrandbits(128), version=4))
        got = ids.uuid4()
        assert got == expected
        assert uuid.UUID(got).version == 4


def test_the_same_seed_gives_the_same_ids() -> None:
    first, second = Ids(random.Random(7)), Ids(random.Random(7))
    assert [first.uuid4() for _ in range(5)] == [second.uuid4() for _ in range(5)]
    assert first.alnum(14) == second.alnum(14)
