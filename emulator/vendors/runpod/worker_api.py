"""The worker-side protocol, so an unmodified ``runpod.serverless.start`` worker serves an endpoint.

runpod 1.12.0 (``serverless/modules/rp_job.py``, ``rp_http.py``, ``rp_ping.py``) calls:

- ``GET  {RUNPOD_WEBHOOK_GET_JOB}&job_in_progress=0|1`` (``$ID`` → its pod id): a job as
  ``{"id", "input"}`` (200) or 204; ``/job-take-batch/...&batch_size=N`` answers a list;
- ``GET  .../job-stop/{pod}`` long-poll: 204, or ``{"jobsToStop": [...]}``;
- ``POST {RUNPOD_WEBHOOK_POST_OUTPUT}&isStream=true|false`` (``$RUNPOD_POD_ID``, ``$ID``): a
  JSON text body (sent as form data) ``{"output": ...}`` / ``{"error": "..."}``, or a progress
  update ``{"status": "IN_PROGRESS", "output": ...}``;
- ``POST {RUNPOD_WEBHOOK_POST_STREAM}&isStream=false``: ``{"output": <chunk>}`` per yield;
- ``GET  {RUNPOD_WEBHOOK_PING}?job_id=...&runpod_version=...`` heartbeat.

All with the raw ``Authorization: <RUNPOD_AI_API_KEY>``. The endpoint must be in external mode
(:meth:`WorkerApi.environment` puts it there); its pool then hands jobs only to real workers.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from emulator.core.tasks import Task, TaskState
from emulator.vendors.runpod import render
from emulator.vendors.runpod.errors import bad_request
from emulator.vendors.runpod.jobs import take_key

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld

HOST = "api.runpod.ai"
PING_INTERVAL_MS = 10_000
WORKER_ID_LENGTH = 14  # like ud65qmv9cw0clh


def stop_key(endpoint_id: str, worker_id: str) -> str:
    """Waiter key of one worker's ``job-stop`` long-poll."""
    return f"stop:{endpoint_id}:{worker_id}"


class WorkerApi:
    """Job hand-out and result intake for real workers of external-mode endpoints."""

    def __init__(self, world: RunpodWorld) -> None:
        self.world = world
        self.ctx = world.ctx

    # ------------------------------------------------------------------ attaching

    def environment(self, endpoint: Endpoint, api_key: str, origin: str) -> dict[str, str]:
        """Put the endpoint in external mode; the env of one new worker process serving it."""
        self.world.set_external(endpoint)
        ids = self.ctx.ids
        pod_id = ids.alnum(WORKER_ID_LENGTH)
        base = f"{origin.rstrip('/')}/{HOST}/v2/{endpoint.id}"
        query = f"?gpu={quote_plus(endpoint.gpu)}"
        env: dict[str, str] = {}
        template = self.world.templates.get(endpoint.templateId or "")
        if template is not None:
            env.update(template.env)
        env.update(endpoint.env)
        env.update(
            {
                "RUNPOD_WEBHOOK_GET_JOB": f"{base}/job-take/$ID{query}",
                "RUNPOD_WEBHOOK_POST_OUTPUT": f"{base}/job-done/$RUNPOD_POD_ID/$ID{query}",
                "RUNPOD_WEBHOOK_POST_STREAM": f"{base}/job-stream/$RUNPOD_POD_ID/$ID{query}",
                "RUNPOD_WEBHOOK_PING": f"{base}/ping/$RUNPOD_POD_ID{query}",
                "RUNPOD_PING_INTERVAL": str(PING_INTERVAL_MS),
                "RUNPOD_AI_API_KEY": api_key,
                "RUNPOD_ENDPOINT_ID": endpoint.id,
                "RUNPOD_POD_ID": pod_id,
                "RUNPOD_POD_HOSTNAME": f"{pod_id}-{ids.hex(8)}",
                "RUNPOD_GPU_COUNT": str(endpoint.gpuCount),
                "RUNPOD_SKIP_GPU_CHECK": "true",
                "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true",
            }
        )
        return env

    # ------------------------------------------------------------------ job hand-out

    async def take(self, endpoint: Endpoint, worker_id: str, count: int) -> list[dict[str, Any]]:
        """Long-poll for up to ``count`` jobs (empty: nothing within the poll window)."""
        wall_deadline = time.monotonic() + self.world.options.worker_poll_wait_s
        while True:
            if endpoint.external and self.world.endpoints.get(endpoint.id) is endpoint:
                tasks = endpoint.pool.take(worker_id, count)
                self._seen(endpoint, worker_id)
                if tasks:
                    return [render.job_take(task.data) for task in tasks]
            left = wall_deadline - time.monotonic()
            if left <= 0:
                return []
            await self.world.waiters.wait(
                take_key(endpoint.id), emulator_seconds=None, wall_seconds=left
            )
            self.ctx.sim.sync()

    async def stop_signals(self, endpoint: Endpoint, worker_id: str) -> list[str]:
        """Long-poll the job ids this worker must stop (cancelled or timed out meanwhile)."""
        wall_deadline = time.monotonic() + self.world.options.worker_poll_wait_s
        while True:
            pending = endpoint.stop_signals.pop(worker_id, None)
            if pending:
                return pending
            left = wall_deadline - time.monotonic()
            if left <= 0:
                return []
            await self.world.waiters.wait(
                stop_key(endpoint.id, worker_id), emulator_seconds=None, wall_seconds=left
            )
            self.ctx.sim.sync()

    def signal_stop(self, endpoint: Endpoint, worker_id: str, job_id: str) -> None:
        """Tell a real worker to stop a job it is running."""
        endpoint.stop_signals.setdefault(worker_id, []).append(job_id)
        self.world.waiters.notify(stop_key(endpoint.id, worker_id))

    def ping(self, endpoint: Endpoint, worker_id: str, version: str | None) -> None:
        """Heartbeat: the worker is alive (it counts in ``/health`` from its first call)."""
        if endpoint.external:
            worker = endpoint.pool.attach_external(worker_id)
            self._seen(endpoint, worker_id)
            if version is not None and worker.data is not None:
                worker.data.runpod_version = version

    # ------------------------------------------------------------------ results

    def done(self, endpoint: Endpoint, worker_id: str, job_id: str, body: bytes) -> None:
        """``job-done``: a final result, or a progress update while the job runs.

        A generator handler's final post (``isStream=true``) carries the aggregated chunks, or
        ``[]``: either way it is the job's output, like any other result.
        """
        result = _json_object(body)
        task = self._running(endpoint, worker_id, job_id)
        self._seen(endpoint, worker_id)
        if task is None:
            return  # a late answer for a job that ended meanwhile (cancelled, timed out)
        pool = endpoint.pool
        if result.get("status") == render.IN_PROGRESS:
            pool.report_progress(task, result.get("output"))
            return
        error = result.get("error")
        output = result.get("output")
        if isinstance(error, str) and error:
            pool.finish(task, output=output, error=error)
        else:
            # A non-string "error" does not fail the job (the cloud marks it COMPLETED).
            pool.finish(task, output=output)

    def stream(self, endpoint: Endpoint, worker_id: str, job_id: str, body: bytes) -> None:
        """``job-stream``: one chunk yielded by a generator handler."""
        result = _json_object(body)
        task = self._running(endpoint, worker_id, job_id)
        self._seen(endpoint, worker_id)
        if task is not None and "output" in result:
            endpoint.pool.emit_chunk(task, result["output"])

    def _running(self, endpoint: Endpoint, worker_id: str, job_id: str) -> Task | None:
        job = self.world.jobs.by_id.get(job_id)
        if job is None or job.endpoint_id != endpoint.id:
            return None
        task = job.task
        if task.state != TaskState.RUNNING or task.worker_id != worker_id:
            return None
        return task

    def _seen(self, endpoint: Endpoint, worker_id: str) -> None:
        worker = endpoint.pool.workers.get(worker_id)
        if worker is not None and worker.data is not None:
            worker.data.last_seen = self.ctx.now


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise bad_request(f"body: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("body: a JSON object is required")
    return data
