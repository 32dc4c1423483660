"""Deterministic ids and fake data from a seeded RNG."""

from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Faker costs ~0.3 s to import: only load it when fake data is asked for.
    from faker import Faker

LOWER_ALNUM = string.ascii_lowercase + string.digits
MIXED_ALNUM = string.ascii_letters + string.digits
# Twitter-style snowflake epoch shifted so that ids minted in 2025-2027 have 18 digits,
# like the Yotta ids seen in the wild (378888638324150969).
_SNOWFLAKE_EPOCH_MS = 1_666_000_000_000


# RFC 4122 variant and version 4, as ``uuid.UUID(version=4)`` sets them.
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (0x4000 << 64)


def derive_rng(seed: int, *parts: str) -> random.Random:
    """An RNG derived from the one seed and a purpose (e.g. vendor and tenant key)."""
    return random.Random("/".join((str(seed), *parts)))


class Ids:
    """Vendor-shaped id generators and Faker data, all drawn from one RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._faker: Faker | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"rng": self.rng}

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.rng = data["rng"]
        self._faker = None

    def uuid4(self) -> str:
        """A version-4 UUID string (what ``str(uuid.UUID(int=bits, version=4))`` gives, faster)."""
        digits = "%032x" % ((self.rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET)
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

    def alnum(self, length: int, alphabet: str = LOWER_ALNUM) -> str:
        """Random characters from ``alphabet`` (lowercase letters and digits by default)."""
        return "".join(self.rng.choices(alphabet, k=length))

    def digits(self, length: int) -> str:
        """A numeric string of exactly ``length`` digits, no leading zero."""
        return str(self.rng.randint(10 ** (length - 1), 10**length - 1))

    def hex(self, length: int) -> str:
        """Lowercase hex characters."""
        return "".join(self.rng.choices("0123456789abcdef", k=length))

    def snowflake(self, now: float) -> int:
        """An 18-digit, time-ordered 64-bit id: milliseconds since an epoch, then 22 random bits."""
        millis = max(0, int(now * 1000) - _SNOWFLAKE_EPOCH_MS)
        return (millis << 22) | self.rng.getrandbits(22)

    def fake(self) -> Faker:
        """Faker reseeded from the RNG on each call, so its output follows the seed."""
        if self._faker is None:
            from faker import Faker

            self._faker = Faker()
        self._faker.seed_instance(self.rng.getrandbits(64))
        return self._faker
