"""The serverless job API's semantics: submit, status, runsync waits, stream, cancel, retry,
purge, health, TTL, result retention and webhooks — over each endpoint's core pool.

A :class:`Job` wraps a core :class:`Task` (``task.data`` points back at it) and keeps the
RunPod status word, timers and request extras. The book indexes jobs by id and per endpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.core.engine import Event
from emulator.core.tasks import Task, TaskState
from emulator.vendors.runpod import render
from emulator.vendors.runpod.errors import bad_request, job_not_found
from emulator.vendors.runpod.render import (
    CANCELLED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    IN_QUEUE,
    TIMED_OUT,
)
from emulator.vendors.runpod.schemas import RunRequest

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld

EXECUTION_TIMEOUT_ERROR = "executionTimeout exceeded"
# Enum members cost a descriptor lookup on each access (CPython 3.11): every job passes here.
_QUEUED, _RUNNING, _COMPLETED = TaskState.QUEUED, TaskState.RUNNING, TaskState.COMPLETED
_FAILED, _TIMED_OUT, _CANCELLED = TaskState.FAILED, TaskState.TIMED_OUT, TaskState.CANCELLED
DEFAULT_EXECUTION_TIMEOUT_MS = 600_000  # endpoint-configurations.mdx: 600 s


@dataclass(eq=False, slots=True)
class Job:
    """One request to an endpoint (``<uuid>-u1``, or ``sync-<uuid>`` from ``/runsync``)."""

    id: str
    endpoint_id: str
    task: Task
    sync: bool
    has_input: bool
    webhook: str | None
    ttl: float
    s3_config: dict[str, Any] | None
    status: str = IN_QUEUE
    ttl_timer: Event | None = None
    expiry_timer: Event | None = None
    removed: bool = False
    expired: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        """No further change expected (until a retry)."""
        return self.status in render.FINAL


class JobBook:
    """Every job of one tenant, by id and by endpoint; the pools' job-side observer."""

    def __init__(self, world: RunpodWorld) -> None:
        self.world = world
        self.ctx = world.ctx
        self.by_id: dict[str, Job] = {}
        self.by_endpoint: dict[str, set[str]] = {}
        # Every job's timers share these callbacks (no bound method allocated per timer).
        self._on_ttl_expired = self._ttl_expired
        self._on_retention_over = self._retention_over

    # ------------------------------------------------------------------ lookups

    def get(self, endpoint: Endpoint, job_id: str) -> Job:
        """A job of this endpoint, or the unknown-job error (unknown, expired, removed)."""
        job = self.by_id.get(job_id)
        if job is None or job.endpoint_id != endpoint.id:
            raise job_not_found(job_id, self.world.options.unknown_job_status)
        return job

    # ------------------------------------------------------------------ operations

    def submit(self, endpoint: Endpoint, request: RunRequest, *, sync: bool) -> Job:
        """Queue a job on the endpoint (``/run``, ``/runsync``)."""
        ctx = self.ctx
        options = self.world.options
        policy = request.policy
        timeout_ms = endpoint.executionTimeoutMs or DEFAULT_EXECUTION_TIMEOUT_MS
        ttl_ms = options.ttl_default_ms
        low_priority = False
        if policy is not None:
            timeout_ms = policy.executionTimeout or timeout_ms
            ttl_ms = policy.ttl or ttl_ms
            low_priority = policy.lowPriority
        job_id = f"sync-{ctx.ids.uuid4()}" if sync else f"{ctx.ids.uuid4()}-u1"
        # Positional: (id, input, created_at, low_priority, execution_timeout).
        task = Task(job_id, request.input, ctx.engine.now, low_priority, timeout_ms / 1000)
        job = Job(
            id=job_id,
            endpoint_id=endpoint.id,
            task=task,
            sync=sync,
            has_input="input" in request.model_fields_set,
            webhook=request.webhook,
            ttl=ttl_ms / 1000,
            s3_config=request.s3Config,
            extra=dict(request.model_extra or {}),
        )
        task.data = job
        self.by_id[job_id] = job
        ids = self.by_endpoint.get(endpoint.id)
        if ids is None:
            ids = self.by_endpoint[endpoint.id] = set()
        ids.add(job_id)
        job.ttl_timer = ctx.after(job.ttl, self._on_ttl_expired, job)
        endpoint.pool.submit(task)
        self.world.waiters.notify(take_key(endpoint.id))
        return job

    async def wait(self, job: Job, wait_s: float, *, until_chunks: bool = False) -> None:
        """Hold until the job is final (or has stream chunks), or ``wait_s`` passed.

        The wait ends when the emulator clock moved ``wait_s`` on, or when ``wait_s`` of wall
        time passed, so a manual clock nobody advances cannot hang a client for good.
        """
        ctx = self.ctx
        deadline = ctx.now + wait_s
        wall_deadline = time.monotonic() + wait_s
        while not job.removed and not job.final and not (until_chunks and job.task.stream):
            left = deadline - ctx.now
            wall_left = wall_deadline - time.monotonic()
            if left <= 0 or wall_left <= 0:
                return
            await self.world.waiters.wait(job.id, emulator_seconds=left, wall_seconds=wall_left)
            ctx.sim.sync()

    def stream(self, endpoint: Endpoint, job_id: str) -> dict[str, Any]:
        """Drain the chunks buffered so far; a final job with none left gets ``stream: []``."""
        job = self.get(endpoint, job_id)
        return render.stream_doc(job, job.task.drain_stream())

    def cancel(self, endpoint: Endpoint, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job; a final job is answered as it is."""
        job = self.get(endpoint, job_id)
        if not job.final:
            endpoint.pool.cancel(job.task)
        return render.status_doc(job, self.ctx.now)

    def retry(self, endpoint: Endpoint, job_id: str) -> dict[str, Any]:
        """Re-queue a FAILED or TIMED_OUT job under the same id, its output cleared."""
        job = self.get(endpoint, job_id)
        if job.status not in (FAILED, TIMED_OUT):
            raise bad_request(
                f"request {job_id} has status {job.status}: only FAILED or TIMED_OUT "
                "requests can be retried"
            )
        ctx = self.ctx
        task = job.task
        ctx.cancel(job.expiry_timer)
        job.expiry_timer = None
        job.expired = False
        task.output = task.error = task.progress = None
        task.stream = []
        task.retries += 1
        endpoint.counters.retried += 1
        job.status = IN_QUEUE
        job.ttl_timer = ctx.after(job.ttl, self._on_ttl_expired, job)
        endpoint.pool.submit(task)
        self.world.waiters.notify(take_key(endpoint.id))
        return render.submitted(job)

    def purge(self, endpoint: Endpoint) -> dict[str, Any]:
        """Drop every queued job (running ones go on); ``{"removed": N, "status": "completed"}``."""
        pool = endpoint.pool
        remove = self.world.options.purge == "remove"
        queued = list(pool.queued_tasks())
        if remove:
            for task in queued:
                task.data.removed = True
        pool.purge()
        if remove:
            for task in queued:
                self._forget(task.data)
        return {"removed": len(queued), "status": "completed"}

    def health(self, endpoint: Endpoint) -> dict[str, Any]:
        """``/health`` of the endpoint."""
        return render.health_doc(
            endpoint, ready_includes_running=self.world.options.health_ready == "idle+running"
        )

    def forget_endpoint(self, endpoint_id: str) -> None:
        """Drop the jobs of a deleted endpoint."""
        for job_id in self.by_endpoint.pop(endpoint_id, set()):
            job = self.by_id.pop(job_id, None)
            if job is not None:
                self._drop_timers(job)

    # ------------------------------------------------------------------ pool observer

    def task_changed(self, endpoint: Endpoint, task: Task, previous: TaskState | None) -> None:
        """Map the generic task state to RunPod's, and act on final states."""
        job: Job = task.data
        if job.removed:
            self.world.waiters.notify(job.id)
            return
        state = task.state
        if state == _QUEUED:
            job.status = IN_QUEUE
        elif state == _RUNNING:
            job.status = IN_PROGRESS
        else:  # every other state maps to a final status
            if state == _COMPLETED:
                job.status = COMPLETED
                endpoint.counters.completed += 1
            elif state == _FAILED:
                job.status = FAILED
                endpoint.counters.failed += 1
            elif state == _TIMED_OUT:  # the pool's execution timeout
                job.status = self.world.options.execution_timeout_status
                task.error = EXECUTION_TIMEOUT_ERROR
                endpoint.counters.failed += 1
            elif job.expired:  # cancelled by the TTL, which this tenant reports as TIMED_OUT
                job.status = TIMED_OUT
                endpoint.counters.failed += 1
            else:
                job.status = CANCELLED
            self._finished(endpoint, job, previous)
        self.world.waiters.notify(job.id)

    def task_updated(self, task: Task) -> None:
        """Progress or a stream chunk arrived: wake long-polls on the job."""
        self.world.waiters.notify(task.id)

    def _finished(self, endpoint: Endpoint, job: Job, previous: TaskState | None) -> None:
        ctx = self.ctx
        options = self.world.options
        ctx.cancel(job.ttl_timer)
        job.ttl_timer = None
        retention = options.retention_sync_s if job.sync else options.retention_run_s
        job.expiry_timer = ctx.after(retention, self._on_retention_over, job)
        task = job.task
        if (
            previous == _RUNNING
            and task.state in (_CANCELLED, _TIMED_OUT)
            and endpoint.external
            and task.worker_id is not None
        ):
            self.world.workers.signal_stop(endpoint, task.worker_id, job.id)
        if job.webhook and (job.status != CANCELLED or options.webhook_on_cancel):
            ctx.webhook(
                job.webhook,
                render.webhook_payload(job, ctx.now),
                retry_delays=tuple(options.webhook_retry_delays_s),
                accept="200",
                subject=job.id,
            )

    # ------------------------------------------------------------------ timers

    def _ttl_expired(self, job: Job) -> None:
        """The job outlived ``policy.ttl`` (queue + execution)."""
        job.ttl_timer = None
        if job.final or job.removed:
            return
        endpoint = self.world.endpoints.get(job.endpoint_id)
        if endpoint is None:
            return
        task = job.task
        was_running = task.state == TaskState.RUNNING
        worker_id = task.worker_id
        if self.world.options.ttl_expiry == "timed_out":
            job.expired = True
            endpoint.pool.cancel(task)
            return
        job.removed = True
        endpoint.pool.cancel(task)
        if was_running and endpoint.external and worker_id is not None:
            self.world.workers.signal_stop(endpoint, worker_id, job.id)
        self._forget(job)

    def _retention_over(self, job: Job) -> None:
        """Results are kept 30 min after ``/run``, 1 min after ``/runsync``; then 404."""
        job.expiry_timer = None
        if job.final:
            self._forget(job)

    def _forget(self, job: Job) -> None:
        job.removed = True
        self._drop_timers(job)
        # The pool is done with the task: break the job <-> task cycle, so both are freed by
        # reference counting at once instead of piling up for the cyclic garbage collector.
        job.task.data = None
        if self.by_id.get(job.id) is job:
            del self.by_id[job.id]
            ids = self.by_endpoint.get(job.endpoint_id)
            if ids is not None:
                ids.discard(job.id)

    def _drop_timers(self, job: Job) -> None:
        self.ctx.cancel(job.ttl_timer)
        self.ctx.cancel(job.expiry_timer)
        job.ttl_timer = job.expiry_timer = None


def take_key(endpoint_id: str) -> str:
    """Waiter key of real workers long-polling ``job-take`` on an endpoint."""
    return f"take:{endpoint_id}"
