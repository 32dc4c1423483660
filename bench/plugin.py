"""P3: per-test overhead of the pytest plugin (reset + isolation), median over many tests.

A throw-away project holds N empty tests that use the ``gpu_emulator`` fixture and N that do
not; a small conftest records each test's setup + call + teardown time from pytest's own
reports. The overhead is the median of the first kind minus the median of the second (the
first emulator test, which starts the session server, is left out).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from bench import procs
from bench.report import Row, median

BUDGET_MS = 2.0

CONFTEST = """
import json
import os
from collections import defaultdict

TIMES = defaultdict(float)


def pytest_runtest_logreport(report):
    TIMES[report.nodeid] += report.duration


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_PLUGIN_OUT"], "w") as out:
        json.dump(TIMES, out)
"""

TESTS = """
import pytest


@pytest.mark.parametrize("n", range({count}))
def test_plain(n):
    assert n >= 0


@pytest.mark.parametrize("n", range({count}))
def test_with_emulator(gpu_emulator, n):
    assert gpu_emulator.base_url
"""


def run(count: int) -> tuple[list[float], list[float]]:
    """Per-test seconds of (emulator tests after the first, plain tests)."""
    with tempfile.TemporaryDirectory(prefix="gpu-emulator-p3-") as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(CONFTEST)
        (root / "test_overhead.py").write_text(textwrap.dedent(TESTS.format(count=count)))
        (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
        out = root / "times.json"
        env = {**procs.python_env(), "BENCH_PLUGIN_OUT": str(out)}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(root)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pytest failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
        times: dict[str, float] = json.loads(out.read_text())
    emulator = [t for k, t in times.items() if "test_with_emulator" in k]
    plain = [t for k, t in times.items() if "test_plain" in k]
    return emulator[1:], plain


def measure(tests: int) -> list[Row]:
    """The P3 row."""
    emulator, plain = run(tests)
    overhead_ms = (median(emulator) - median(plain)) * 1000
    return [
        Row(
            "P3",
            f"pytest plugin per-test overhead (reset + isolation), median of {tests} tests",
            f"{overhead_ms:.2f} ms",
            f"<= {BUDGET_MS:g} ms",
            overhead_ms <= BUDGET_MS,
        )
    ]
