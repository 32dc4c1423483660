"""API key → tenant; each tenant has one lazily created world per vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

AuthMode = Literal["open", "strict"]


class Tenant:
    """One API key's isolated slice of the emulator; ``alive`` turns False when it is reset."""

    __slots__ = ("alive", "key", "name", "worlds")

    def __init__(self, key: str, name: str | None = None) -> None:
        self.key = key
        self.name = name
        self.alive = True
        self.worlds: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Tenant {self.name or self.key!r} worlds={sorted(self.worlds)}>"

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.key, self.name, self.alive, self.worlds)

    def __setstate__(self, data: tuple[Any, ...]) -> None:
        self.key, self.name, self.alive, self.worlds = data


class TenantRegistry:
    """Resolves keys under the auth mode and creates worlds on first use."""

    def __init__(self, auth: AuthMode, create_world: Callable[[Tenant, str], Any]) -> None:
        self.auth: AuthMode = auth
        self.declared: dict[str, str | None] = {}
        self._tenants: dict[str, Tenant] = {}
        self._create_world = create_world

    def declare(self, key: str, name: str | None = None) -> None:
        """Make ``key`` known (the only keys accepted under ``auth: strict``)."""
        self.declared[key] = name
        tenant = self._tenants.get(key)
        if tenant is not None and name:
            tenant.name = name

    def lookup(self, key: str) -> Tenant | None:
        """The tenant for ``key``, created on first use; None if the key is refused."""
        tenant = self._tenants.get(key)
        if tenant is not None:
            return tenant
        if not key or (self.auth == "strict" and key not in self.declared):
            return None
        tenant = self._tenants[key] = Tenant(key, self.declared.get(key))
        return tenant

    def world(self, tenant: Tenant, vendor: str) -> Any:
        """The tenant's world for ``vendor``, created (and seeded from fixtures) on first use."""
        world = tenant.worlds.get(vendor)
        if world is None:
            world = tenant.worlds[vendor] = self._create_world(tenant, vendor)
        return world

    def get(self, key: str) -> Tenant | None:
        """An existing tenant, without creating one."""
        return self._tenants.get(key)

    def __iter__(self) -> Iterator[Tenant]:
        return iter(list(self._tenants.values()))

    def __len__(self) -> int:
        return len(self._tenants)

    def drop(self, key: str | None = None) -> int:
        """Forget one tenant (or all); their pending events die with them. Returns how many."""
        victims = list(self._tenants.values()) if key is None else [self._tenants.get(key)]
        count = 0
        for tenant in victims:
            if tenant is None:
                continue
            tenant.alive = False
            del self._tenants[tenant.key]
            count += 1
        return count
