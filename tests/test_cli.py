"""The gpu-emulator command line: serve, validate, routes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emulator.cli import main
from emulator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_validate_reports_ok_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: many\n")
    assert main(["validate", str(ROOT / "fixtures" / "default.yaml")]) == 0
    assert main(["validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "default.yaml: ok" in captured.out
    assert f"{bad}: seed: Input should be a valid integer" in captured.err


def test_routes_prints_the_table_for_the_given_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--port", "9123"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("vendor")


def test_settings_precedence_env_then_flags() -> None:
    env = {"EMULATOR_PORT": "9001", "EMULATOR_SEED": "4", "EMULATOR_FIXTURES": "a.yaml,b.yaml"}
    settings = Settings.load({"seed": 8}, environ=env)
    assert (settings.port, settings.seed, settings.fixtures) == (9001, 8, ["a.yaml", "b.yaml"])
    assert (
        Settings.load({"clock_start": "2026-03-01T00:00:00Z"}, environ={}).clock_start
        == 1772323200.0
    )


def test_serve_answers_health_and_prints_the_table(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "EMULATOR_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.cli", "serve", "--port", str(port), "--clock", "manual"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)  # waiting for a child process to bind, not simulating time
        assert health is not None, "serve never answered"
        assert health["status"] == "ok"
        assert health["clock"]["mode"] == "manual"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "emulator base URL" in output
    assert f"admin API: http://127.0.0.1:{port}/_emulator" in output


def test_serve_refuses_a_bad_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("auth: maybe\n")
    assert main(["serve", "--fixtures", str(bad)]) == 2
    assert "auth: Input should be 'open' or 'strict'" in capsys.readouterr().err
