"""Handlers served by real ``runpod.serverless.start`` workers in the end-to-end tests.

Run as ``python worker_handlers.py value|stream`` with the env the emulator hands out.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import runpod


async def value(job: dict[str, Any]) -> Any:
    """Returns a value, raises, or reports progress and waits for a release file.

    Async, so that the worker can cancel it when the emulator says stop (runpod runs sync
    handlers on its event loop, where a stop signal cannot interrupt them).
    """
    given = job["input"]
    if "raise" in given:
        raise ValueError(given["raise"])
    if "release" in given:
        runpod.serverless.progress_update(job, {"step": "half"})
        release = Path(given["release"])
        for _ in range(600):  # the user's own code waiting on the test, at most 60 s
            if release.exists():
                break
            await asyncio.sleep(0.1)
    return {"upper": given["text"].upper()}


def stream(job: dict[str, Any]) -> Any:
    """A generator handler: one chunk per word."""
    yield from job["input"]["text"].split()


if __name__ == "__main__":
    handler = stream if sys.argv[1] == "stream" else value
    runpod.serverless.start({"handler": handler, "return_aggregate_stream": True})
