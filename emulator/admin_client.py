"""A small synchronous client for the admin API (used by the pytest plugin; usable anywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


class AdminError(RuntimeError):
    """The admin API refused a request."""


class AdminClient:
    """Talks to ``<base_url>/_emulator``."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url + "/_emulator", timeout=timeout, trust_env=False
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            message = body.get("error") if isinstance(body, dict) else body
            raise AdminError(f"{method} /_emulator{path}: {response.status_code} {message}")
        return body

    def health(self) -> dict[str, Any]:
        """``GET /health``."""
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def reset(self, tenant: str | None = None, **options: Any) -> dict[str, Any]:
        """``POST /reset`` (options: seed, clock, auth, clock_start, speed, fixtures)."""
        params = {"tenant": tenant} if tenant is not None else None
        body = {k: v for k, v in options.items() if v is not None}
        result: dict[str, Any] = self._call("POST", "/reset", params=params, json=body)
        return result

    def seed(self, seed: int) -> dict[str, Any]:
        """``POST /seed``."""
        result: dict[str, Any] = self._call("POST", "/seed", json={"seed": seed})
        return result

    def clock(self) -> dict[str, Any]:
        """``GET /clock``."""
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    def advance(self, seconds: float) -> dict[str, Any]:
        """``POST /clock/advance``."""
        result: dict[str, Any] = self._call("POST", "/clock/advance", json={"seconds": seconds})
        return result

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /requests`` (filters: vendor, host, tenant, method, path, status, since, limit)."""
        params = {k: v for k, v in filters.items() if v is not None}
        result: list[dict[str, Any]] = self._call("GET", "/requests", params=params)["requests"]
        return result

    def clear_requests(self) -> None:
        """``DELETE /requests``."""
        self._call("DELETE", "/requests")

    def webhooks(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /webhooks``."""
        params = {k: v for k, v in filters.items() if v is not None}
        result: list[dict[str, Any]] = self._call("GET", "/webhooks", params=params)["webhooks"]
        return result

    def state(self) -> dict[str, Any]:
        """``GET /state``."""
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def load_fixtures(self, fixture: dict[str, Any] | str | Path) -> None:
        """``POST /fixtures`` with a document, YAML text, or the contents of a file."""
        if isinstance(fixture, Path):
            fixture = fixture.read_text(encoding="utf-8")
        if isinstance(fixture, dict):
            self._call("POST", "/fixtures", json=fixture)
        else:
            self._call("POST", "/fixtures", content=fixture.encode("utf-8"))

    def faults(self) -> list[dict[str, Any]]:
        """``GET /faults``."""
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        """``POST /faults``: answers the stored rule with its ``id``."""
        result: dict[str, Any] = self._call("POST", "/faults", json=rule)
        return result

    def remove_fault(self, fault_id: int | None = None) -> int:
        """``DELETE /faults/{id}`` (or every rule with no id)."""
        path = "/faults" if fault_id is None else f"/faults/{fault_id}"
        removed: int = self._call("DELETE", path)["removed"]
        return removed

    def errors(self) -> list[dict[str, Any]]:
        """``GET /errors``: unexpected exceptions inside the emulator."""
        result: list[dict[str, Any]] = self._call("GET", "/errors")["errors"]
        return result

    def clear_errors(self) -> None:
        """``DELETE /errors``."""
        self._call("DELETE", "/errors")

    def routes(self) -> list[dict[str, str]]:
        """``GET /routes``."""
        result: list[dict[str, str]] = self._call("GET", "/routes")["routes"]
        return result
