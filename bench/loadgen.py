"""HTTP/1.1 keep-alive load generators: a lean asyncio client (default), or ``wrk`` if asked.

The asyncio client writes pre-built request bytes on several persistent connections and reads
each response by its ``content-length`` — no HTTP library in the loop, so the server, not the
client, is the bottleneck. It runs on uvloop when installed (uvicorn's ``standard`` extra
brings it). Latency mode sends requests one after the other on one connection.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bench.procs import HOST

CONNECTIONS = 8


@dataclass(frozen=True)
class Request:
    """One request, pre-encoded."""

    path: str
    headers: Mapping[str, str]
    method: str = "GET"

    def encode(self) -> bytes:
        """The bytes on the wire."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {HOST}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class BadResponse(RuntimeError):
    """A response the benchmark cannot count (not 200, or not length-delimited)."""


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        raise BadResponse(f"no content-length in {head!r}")
    end = lower.find(b"\r\n", at + 17)
    body = await reader.readexactly(int(lower[at + 17 : end]))
    return status, body


async def fetch(port: int, request: Request) -> tuple[int, bytes]:
    """One request on a fresh connection (to check an answer before loading it)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request.encode())
        return await _response(reader)
    finally:
        writer.close()


async def _hammer(port: int, raw: bytes, stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    loop = asyncio.get_running_loop()
    done = 0
    try:
        while loop.time() < stop_at:
            writer.write(raw)
            status, _ = await _response(reader)
            if status != 200:
                raise BadResponse(f"status {status}")
            done += 1
    finally:
        counts.append(done)
        writer.close()


async def _throughput(port: int, request: Request, seconds: float, connections: int) -> float:
    raw = request.encode()
    loop = asyncio.get_running_loop()
    counts: list[int] = []
    started = loop.time()
    stop_at = started + seconds
    await asyncio.gather(*(_hammer(port, raw, stop_at, counts) for _ in range(connections)))
    return sum(counts) / (loop.time() - started)


async def _latencies(port: int, request: Request, count: int) -> list[float]:
    raw = request.encode()
    reader, writer = await asyncio.open_connection(HOST, port)
    out: list[float] = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(raw)
            status, _ = await _response(reader)
            out.append(time.perf_counter() - started)
            if status != 200:
                raise BadResponse(f"status {status}")
    finally:
        writer.close()
    return out


def run(coro: object) -> object:
    """Run a coroutine on uvloop when available (a faster client), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


class PythonLoad:
    """The built-in asyncio generator."""

    name = "python-asyncio (keep-alive, {connections} connections{loop})"

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self.connections = connections

    def describe(self) -> str:
        """Which generator, how."""
        try:
            import uvloop  # noqa: F401
        except ImportError:
            loop = ""
        else:
            loop = ", uvloop"
        return self.name.format(connections=self.connections, loop=loop)

    def throughput(self, port: int, request: Request, seconds: float) -> float:
        """Requests per second over ``seconds``."""
        result = run(_throughput(port, request, seconds, self.connections))
        assert isinstance(result, float)
        return result


class WrkLoad:
    """``wrk`` (when it is on PATH and chosen with ``--loadgen wrk``)."""

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self.connections = connections
        self.binary = shutil.which("wrk") or "wrk"

    def describe(self) -> str:
        """Which generator, how."""
        return f"wrk (1 thread, {self.connections} connections)"

    def throughput(self, port: int, request: Request, seconds: float) -> float:
        """Requests per second over ``seconds``."""
        args = [self.binary, "-t1", f"-c{self.connections}", f"-d{max(1, round(seconds))}s"]
        for name, value in request.headers.items():
            args += ["-H", f"{name}: {value}"]
        args.append(f"http://{HOST}:{port}{request.path}")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out:
            raise BadResponse(f"wrk saw non-2xx answers:\n{out}")
        match = re.search(r"Requests/sec:\s*([\d.]+)", out)
        if match is None:
            raise BadResponse(f"cannot read wrk output:\n{out}")
        return float(match.group(1))


def latencies(port: int, request: Request, count: int) -> list[float]:
    """Wall seconds of ``count`` sequential requests on one keep-alive connection."""
    result = run(_latencies(port, request, count))
    assert isinstance(result, list)
    return result


def check(port: int, request: Request) -> bytes:
    """The body of one request; raises unless it is a 200."""
    result = run(fetch(port, request))
    assert isinstance(result, tuple)
    status, body = result
    if status != 200:
        raise BadResponse(f"{request.path}: status {status}: {body[:300]!r}")
    return body


def generator(name: str) -> PythonLoad | WrkLoad:
    """``python`` or ``wrk``."""
    if name == "wrk":
        if shutil.which("wrk") is None:
            raise SystemExit("--loadgen wrk: wrk is not on PATH")
        return WrkLoad()
    return PythonLoad()
