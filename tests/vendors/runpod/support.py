"""Helpers for the RunPod tests: fixtures documents, schema checks, a clock driver."""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from emulator.admin_client import AdminClient

HOST = "api.runpod.ai"
KEY = "rp-key"
SPEC = Path(__file__).resolve().parents[3] / "emulator" / "specs" / "runpod" / "jobs.schema.json"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def fixture(*endpoints: dict[str, Any], **section: Any) -> dict[str, Any]:
    """A fixture document: fast default behaviour plus a ``runpod:`` section."""
    return {
        "behaviours": {
            "default": {"cold_start": 20, "execution": 2, "shutdown": 0},
        },
        "runpod": {"endpoints": list(endpoints), **section},
    }


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text())
    return loaded


def conforms(document: Any, definition: str) -> Any:
    """Assert ``document`` matches ``$defs/<definition>`` of the job API schema; return it."""
    schema = {"$ref": f"#/$defs/{definition}", "$defs": _schema()["$defs"]}
    jsonschema.validate(document, schema)
    return document


class ClockDriver:
    """Moves the manual clock ``step`` seconds every ``every`` wall seconds from a thread.

    Blocking clients (the sync SDK's ``run_sync``, ``output(timeout=...)``) wait for emulator
    time to pass; this stands in for the world moving on while they wait.
    """

    def __init__(self, base_url: str, *, step: float = 1.0, every: float = 0.01) -> None:
        self.step = step
        self.every = every
        self._admin = AdminClient(base_url)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="clock-driver")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._admin.advance(self.step)
            self._stop.wait(self.every)  # pacing between advances, not simulated time

    def __enter__(self) -> ClockDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._admin.close()


def until(predicate: Any, *, timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``predicate()`` (wall time) until it returns something truthy."""
    import time

    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.005)  # polling pace for another thread's request, not simulated time
