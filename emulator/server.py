"""Serving the app: ``serve()`` in the foreground, :class:`ThreadedServer` for tests."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
from typing import Any, cast

import uvicorn
from starlette.types import ASGIApp

from emulator.settings import Settings


def _websocket_protocol(**kwargs: Any) -> asyncio.Protocol:
    """uvicorn's own choice of websocket protocol (``ws="auto"``), imported at first use."""
    from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

    # uvicorn[standard] (a dependency) brings the websockets library: never None here.
    assert AutoWebSocketsProtocol is not None
    return AutoWebSocketsProtocol(**kwargs)


def uvicorn_config(app: ASGIApp, settings: Settings, **extra: Any) -> uvicorn.Config:
    """The uvicorn configuration the emulator runs under."""
    options: dict[str, Any] = {
        # No route takes a websocket, but a handshake is answered as under ws="auto" (a 403
        # from the app): uvicorn calls this factory only then, so the websockets library is
        # not imported at start-up.
        "ws": cast("type[asyncio.Protocol]", _websocket_protocol),
        **extra,
    }
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        lifespan="on",
        access_log=settings.log_level == "debug",
        timeout_graceful_shutdown=5,
        **options,
    )


def serve(app: ASGIApp, settings: Settings) -> None:
    """Run until interrupted."""
    # This process is the server: what exists now (modules, schemas, the startup fixtures) lives
    # as long as it does. Frozen, the garbage collector no longer walks it in every full
    # collection, which otherwise costs every request a fifth of its time under load.
    gc.freeze()
    gc.enable()
    uvicorn.Server(uvicorn_config(app, settings)).run()


class ThreadedServer:
    """The app under uvicorn in a daemon thread, on a port chosen by the OS (``port=0``)."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.port: int = self._socket.getsockname()[1]
        settings = Settings(host=host, port=self.port, log_level="warning")
        self._server = uvicorn.Server(uvicorn_config(app, settings))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        """Start serving; returns once the server accepts connections."""
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name="gpu-emulator",
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.001)  # waiting for a thread to come up, not simulating time
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
