"""Wire documents of the job API: status documents, stream replies, webhooks, ``/health``.

Keys come out in alphabetical order, as RunPod's own responses show them
(``delayTime, error, executionTime, id, output, status, workerId``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.core.tasks import Task
from emulator.core.workers import WorkerState

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint
    from emulator.vendors.runpod.jobs import Job

IN_QUEUE = "IN_QUEUE"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELLED = "CANCELLED"
TIMED_OUT = "TIMED_OUT"
FINAL = frozenset({COMPLETED, FAILED, CANCELLED, TIMED_OUT})


def iso(epoch: float) -> str:
    """``2024-07-12T19:14:40.144Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ms(seconds: float) -> int:
    """Seconds → whole milliseconds."""
    return round(seconds * 1000)


def status_doc(job: Job, now: float) -> dict[str, Any]:
    """The ``/status`` document of a job (also the body of ``/runsync`` and ``/cancel``)."""
    task = job.task
    doc: dict[str, Any] = {}
    started = task.started_at is not None
    if started:
        doc["delayTime"] = ms(task.wait_seconds(now))
    if job.status in (FAILED, TIMED_OUT) and task.error is not None:
        doc["error"] = task.error
    if started:
        doc["executionTime"] = ms(task.run_seconds(now) or 0.0)
    doc["id"] = job.id
    output = _output(job, task)
    if output is not None:
        doc["output"] = output
    doc["status"] = job.status
    if task.worker_id is not None:
        doc["workerId"] = task.worker_id
    return doc


def _output(job: Job, task: Task) -> Any:
    if job.status == IN_PROGRESS:
        return task.progress
    if job.status in (COMPLETED, FAILED):
        return task.output
    return None


def submitted(job: Job) -> dict[str, Any]:
    """The ``/run`` and ``/retry`` reply: the job is queued."""
    return {"id": job.id, "status": IN_QUEUE}


def stream_doc(job: Job, chunks: list[Any]) -> dict[str, Any]:
    """A ``/stream`` reply: the chunks buffered since the last call."""
    return {"status": job.status, "stream": [{"output": chunk} for chunk in chunks]}


def webhook_payload(job: Job, now: float) -> dict[str, Any]:
    """The status document plus ``input`` and ``webhook``, as the cloud posts it."""
    doc = status_doc(job, now)
    if job.has_input:
        doc["input"] = job.task.input
    doc["webhook"] = job.webhook
    return dict(sorted(doc.items()))


def job_take(job: Job) -> dict[str, Any]:
    """What ``job-take`` hands a real worker."""
    doc: dict[str, Any] = {"id": job.id}
    if job.has_input:
        doc["input"] = job.task.input
    if job.s3_config is not None:
        doc["s3Config"] = job.s3_config
    return doc


def health_doc(endpoint: Endpoint, ready_includes_running: bool) -> dict[str, Any]:
    """``/health``: job counters and the pool's workers in RunPod's words.

    idle = idle; running = running (and draining workers still finishing a job);
    initializing = provisioning + initializing; throttled; unhealthy; ready = idle
    (or idle + running, by option).
    """
    pool = endpoint.pool
    counts = pool.counts
    draining_busy = 0
    if counts[WorkerState.DRAINING]:  # few workers per endpoint: a scan is cheap
        draining_busy = sum(
            1 for w in pool.workers.values() if w.state == WorkerState.DRAINING and w.tasks
        )
    idle = counts[WorkerState.IDLE]
    running = counts[WorkerState.RUNNING] + draining_busy
    return {
        "jobs": {
            "completed": endpoint.counters.completed,
            "failed": endpoint.counters.failed,
            "inProgress": pool.running,
            "inQueue": pool.queued,
            "retried": endpoint.counters.retried,
        },
        "workers": {
            "idle": idle,
            "initializing": counts[WorkerState.PROVISIONING] + counts[WorkerState.INITIALIZING],
            "ready": idle + running if ready_includes_running else idle,
            "running": running,
            "throttled": counts[WorkerState.THROTTLED],
            "unhealthy": counts[WorkerState.UNHEALTHY],
        },
    }


ENDPOINT_FIELDS = (
    "id", "name", "templateId", "computeType", "gpuTypeIds", "gpuCount", "dataCenterIds", "env",
    "executionTimeoutMs", "idleTimeout", "scalerType", "scalerValue", "workersMin", "workersMax",
    "flashboot", "networkVolumeId", "createdAt", "userId", "version",
)  # fmt: skip


def endpoint_state(endpoint: Endpoint) -> dict[str, Any]:
    """The admin view of an endpoint: its fields, workers and queue."""
    view: dict[str, Any] = {name: getattr(endpoint, name) for name in ENDPOINT_FIELDS}
    view["external"] = endpoint.external
    view["health"] = health_doc(endpoint, ready_includes_running=False)
    view["workerIds"] = sorted(endpoint.pool.workers)
    return view
