"""Servers under test as subprocesses, and a raw-socket probe for "is it answering 200 yet"."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def get_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    """Status of one ``GET path`` on a fresh connection; None if nothing answers yet."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
            )
            head = sock.recv(64)
    except OSError:
        return None
    if not head.startswith(b"HTTP/1."):
        return None
    return int(head[9:12])


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Poll until ``path`` answers 200; returns the wall time it took. Raises if it never does."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if get_status(port, path) == 200:
            return time.perf_counter() - started
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {path}")
        time.sleep(0.002)  # polling a process coming up, not simulating time
    raise RuntimeError(f"no 200 on {path} within {timeout} s")


def python_env() -> dict[str, str]:
    """The environment for child interpreters: the repository importable, no stray settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMULATOR_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


@contextlib.contextmanager
def server(
    args: Sequence[str], port: int, *, ready_path: str, timeout: float = 600.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python <args>`` until the block ends; it must answer 200 on ``ready_path``."""
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=python_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_ready(port, ready_path, proc, timeout)
        except RuntimeError:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise RuntimeError(
                f"{' '.join(args)}: {err.decode(errors='replace')[-2000:]}"
            ) from None
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a server to exit (SIGTERM), kill it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def emulator(scale: int, *, extra: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, Any]]]:
    """The emulator app populated by :mod:`bench.serve`; yields (port, manifest)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gpu-emulator-bench-") as tmp:
        manifest = Path(tmp) / "manifest.json"
        args = ["-m", "bench.serve", "--port", str(port), "--scale", str(scale)]
        args += ["--manifest", str(manifest), *extra]
        with server(args, port, ready_path="/_emulator/health"):
            yield port, json.loads(manifest.read_text())


@contextlib.contextmanager
def bare() -> Iterator[int]:
    """The baseline: a bare Starlette JSON route under the same uvicorn configuration."""
    port = free_port()
    with server(["-m", "bench.bare", "--port", str(port)], port, ready_path="/json"):
        yield port
