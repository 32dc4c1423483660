"""Serving under uvicorn: what a client sees at the connection level."""

from __future__ import annotations

import socket

from emulator.app import create_app
from emulator.server import ThreadedServer

HANDSHAKE = (
    "GET /_emulator/health HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\n"
    "Connection: Upgrade\r\n"
    "Upgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "\r\n"
)


def test_a_websocket_handshake_is_refused_with_403() -> None:
    # No route takes a websocket: the handshake reaches the app (websockets protocol imported
    # at first use) and is refused, rather than served as a plain GET.
    with (
        ThreadedServer(create_app()) as server,
        socket.create_connection((server.host, server.port), timeout=5) as sock,
    ):
        sock.sendall(HANDSHAKE.encode())
        head = sock.recv(64)
    assert head.startswith(b"HTTP/1.1 403 ")
