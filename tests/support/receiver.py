"""A scriptable webhook receiver (a real HTTP server on a free port) for tests."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.server import ThreadedServer


@dataclass
class Hit:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """Answers with the scripted statuses in order (then ``default``); ``hang`` never answers."""

    default: int = 200
    script: deque[int | str] = field(default_factory=deque)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._release = threading.Event()
        app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["POST", "GET", "PUT"])]
        )
        self._server = ThreadedServer(app)

    @property
    def url(self) -> str:
        """Base URL of the receiver."""
        return self._server.url

    def respond(self, *answers: int | str) -> None:
        """Queue answers: status codes, or ``"hang"`` to hold the request until release()."""
        self.script.extend(answers)

    def release(self) -> None:
        """Let hanging requests finish."""
        self._release.set()

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.hits.append(Hit(request.url.path, dict(request.headers), body))
            answer = self.script.popleft() if self.script else self.default
        if answer == "hang":
            while not self._release.is_set():
                await asyncio.sleep(0.01)  # a receiver that does not answer (real wall time)
            answer = self.default
        status = int(answer)
        body = b"" if status in (204, 304) else json.dumps({"ok": status == 200}).encode()
        return Response(body, status_code=status)

    def __enter__(self) -> Receiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.stop()
