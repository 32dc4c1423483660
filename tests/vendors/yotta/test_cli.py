"""The official ``yotta`` CLI (yottaml 0.2.0) against the emulator with ``--base-url``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from yottaml_cli.cli import cli

from tests.vendors.yotta.conftest import KEY

RESOURCES = '[{"region":"us-east-1","gpuType":"NVIDIA_RTX_4090_24G","gpuCount":1}]'


@pytest.fixture
def yotta(base_url: str) -> Any:
    """Run ``yotta --base-url <emulator> ...`` in-process; returns the parsed JSON output."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Any:
        result = runner.invoke(cli, ["--api-key", KEY, "--base-url", base_url, *args])
        if not ok:
            assert result.exit_code == 1, result.output
            return result.output
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    return run


def test_serverless_and_tasks_commands(gpu_emulator: Any, yotta: Any) -> None:
    created = yotta(
        "serverless", "create", "--name", "cli-ep", "--image", "vllm/vllm-openai:latest",
        "--resources", RESOURCES, "--workers", "1", "--service-mode", "QUEUE", "--volume", "20",
        "--env", "MODEL=llama", "--expose-port", "8000", "--expose-protocol", "http",
    )  # fmt: skip
    assert created["code"] == 10000
    data = created["data"]
    endpoint_id = data["id"]
    assert data["environmentVars"] == [{"key": "MODEL", "value": "llama"}]
    assert data["expose"] == {"port": 8000, "protocol": "http"}
    gpu_emulator.advance(20)
    assert yotta("serverless", "get", endpoint_id)["data"]["status"] == "RUNNING"
    listed = yotta("serverless", "list", "--status", "RUNNING", "--status", "STOPPED")
    assert [ep["id"] for ep in listed["data"]] == [endpoint_id]
    workers = yotta("serverless", "workers", endpoint_id, "--status", "RUNNING")["data"]
    assert len(workers) == 1

    submitted = yotta(
        "tasks", "create", "--endpoint-id", endpoint_id, "--task-id", "cli_task_1",
        "--worker-port", "8000", "--process-uri", "generate", "--input", '{"prompt": "hi"}',
    )  # fmt: skip
    assert submitted["data"] == {"taskId": "cli_task_1"}
    assert yotta("tasks", "count", "--endpoint-id", endpoint_id)["data"] == {"processing": 1}
    gpu_emulator.advance(2)
    task = yotta("tasks", "get", "--endpoint-id", endpoint_id, "cli_task_1")["data"]
    assert (task["status"], task["output"]) == ("SUCCESS", {"prompt": "hi"})
    assert task["workerUrl"].endswith(":8000/generate")
    page = yotta("tasks", "list", "--endpoint-id", endpoint_id, "--status", "SUCCESS")["data"]
    assert (page["total"], page["items"][0]["taskId"]) == (1, "cli_task_1")

    assert yotta("serverless", "scale", endpoint_id, "--workers", "2")["code"] == 10000
    assert yotta("serverless", "stop", endpoint_id)["code"] == 10000
    refused = yotta("serverless", "delete", endpoint_id)
    assert refused["code"] == 24002
    gpu_emulator.advance(5)
    assert yotta("serverless", "delete", endpoint_id)["code"] == 10000


def test_cli_reports_http_errors(yotta: Any) -> None:
    output = yotta(
        "serverless", "create", "--name", "9bad", "--image", "img", "--resources", RESOURCES,
        "--workers", "1", "--service-mode", "ALB", "--volume", "20",
        ok=False,
    )  # fmt: skip
    assert output.startswith("Error: ")


def test_the_installed_yotta_executable(gpu_emulator: Any, base_url: str) -> None:
    executable = Path(sys.executable).with_name("yotta")
    result = subprocess.run(
        [str(executable), "--base-url", base_url, "serverless", "list"],
        env={"YOTTA_API_KEY": KEY, "PATH": str(executable.parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {"message": "success", "code": 10000, "data": []}
