"""P2: ``gpu-emulator serve`` (default fixtures), process start to the first 200 on health."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench import procs
from bench.report import Row, median

BUDGET = 0.5  # seconds


def command(port: int) -> list[str]:
    """The console script next to this interpreter (``python -m emulator.cli`` without it)."""
    script = Path(sys.executable).with_name("gpu-emulator")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]
    return [*head, "serve", "--port", str(port), "--log-level", "warning"]


def one_start() -> float:
    """Seconds from spawning the process to its first 200 on ``/_emulator/health``."""
    port = procs.free_port()
    # As installed: bytecode cached (a sandbox may set PYTHONDONTWRITEBYTECODE; the first,
    # discarded start writes the cache).
    env = {k: v for k, v in procs.python_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        command(port),
        cwd=procs.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        procs.wait_ready(port, "/_emulator/health", proc, timeout=60)
        return time.perf_counter() - started
    finally:
        procs.stop(proc)


def measure(starts: int) -> list[Row]:
    """Median of ``starts`` cold starts (one discarded first start warms the disk cache)."""
    one_start()
    times = [one_start() for _ in range(starts)]
    value = median(times)
    return [
        Row(
            "P2",
            "gpu-emulator serve (default fixtures): start to first 200",
            f"{value:.3f} s (min {min(times):.3f}, max {max(times):.3f}, n={starts})",
            f"<= {BUDGET} s",
            value <= BUDGET,
        )
    ]
