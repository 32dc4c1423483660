"""A bounded log of vendor requests and responses, filterable for tests and debugging."""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

BODY_LIMIT = 64 * 1024


@dataclass(slots=True)
class JournalEntry:
    """One request as the emulator saw and answered it (bodies kept raw, decoded on read)."""

    id: int
    at: float
    vendor: str
    host: str
    tenant: str | None
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    request_body: bytes
    response_body: bytes
    fault: str | None = None
    exception: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The admin API view: bodies decoded as JSON when they are JSON."""
        return {
            "id": self.id,
            "at": self.at,
            "vendor": self.vendor,
            "host": self.host,
            "tenant": self.tenant,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "request": {"body": _decode(self.request_body)},
            "response": {"body": _decode(self.response_body)},
            "fault": self.fault,
            "exception": self.exception,
        }


def _decode(body: bytes) -> Any:
    if not body:
        return None
    truncated = len(body) > BODY_LIMIT
    if not truncated:
        with contextlib.suppress(ValueError):  # not JSON: kept as text
            return json.loads(body)
    text = body[:BODY_LIMIT].decode("utf-8", "replace")
    return text + "…[truncated]" if truncated else text


class Journal:
    """Keeps the last ``size`` entries; older ones fall off."""

    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._next_id = 0

    def next_id(self) -> int:
        """Reserve the id of the next entry."""
        self._next_id += 1
        return self._next_id

    def record(self, entry: JournalEntry) -> None:
        """Append one entry (bodies are trimmed to the body limit)."""
        if len(entry.request_body) > BODY_LIMIT + 1:
            entry.request_body = entry.request_body[: BODY_LIMIT + 1]
        if len(entry.response_body) > BODY_LIMIT + 1:
            entry.response_body = entry.response_body[: BODY_LIMIT + 1]
        self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def query(
        self,
        *,
        vendor: str | None = None,
        host: str | None = None,
        tenant: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first; ``path`` matches as a substring, ``since`` is an exclusive id."""
        method = method.upper() if method else None
        found = [
            e
            for e in self._entries
            if (vendor is None or e.vendor == vendor)
            and (host is None or e.host == host)
            and (tenant is None or e.tenant == tenant)
            and (method is None or e.method == method)
            and (path is None or path in e.path)
            and (status is None or e.status == status)
            and (since is None or e.id > since)
        ]
        return found[-limit:] if limit else found
