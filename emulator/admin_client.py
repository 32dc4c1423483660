"""A small synchronous client for the admin API (used by the pytest plugin; usable anywhere).

It speaks HTTP/1.1 over one keep-alive connection with the standard library: the plugin makes
two admin calls around every test, and a full HTTP client library costs several times more per
call than the emulator takes to answer.
"""

from __future__ import annotations

import http.client
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

# A reused keep-alive connection the server has meanwhile closed fails with one of these
# before anything was sent back: the request is sent again on a new connection.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class AdminError(RuntimeError):
    """The admin API refused a request."""


class AdminClient:
    """Talks to ``<base_url>/_emulator``."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._prefix = parts.path.rstrip("/") + "/_emulator"
        self._timeout = timeout
        # Idle keep-alive connections; a call takes one (or opens one), so threads may share
        # the client: one thread's long advance does not hold up another thread's calls.
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close the connections."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=self._timeout)

    def _exchange(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
            self._closed = False  # a closed client still works: it opens a new connection
        for attempt in (1, 2):
            reused = connection is not None
            if connection is None:
                connection = self._connect()
            try:
                connection.request(method, url, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except _STALE:
                connection.close()
                connection = None
                if not reused or attempt == 2:
                    raise
                continue
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                with self._lock:
                    keep = not self._closed
                    if keep:
                        self._idle.append(connection)
                if not keep:
                    connection.close()
            return response.status, data
        raise AssertionError("unreachable")

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> Any:
        url = self._prefix + path
        if params:
            url += "?" + urlencode({key: _param(value) for key, value in params.items()})
        headers: dict[str, str] = {}
        body = content
        if json is not None:
            body = _dumps(json)
            headers["Content-Type"] = "application/json"
        status, data = self._exchange(method, url, body, headers)
        try:
            answer = _loads(data)
        except ValueError:
            answer = data.decode("utf-8", "replace")
        if status >= 400:
            message = answer.get("error") if isinstance(answer, dict) else answer
            raise AdminError(f"{method} /_emulator{path}: {status} {message}")
        return answer

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


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _loads(data: bytes) -> Any:
    return json.loads(data)


def _param(value: Any) -> str:
    """A query value as text (booleans the JSON way, as HTTP clients send them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
