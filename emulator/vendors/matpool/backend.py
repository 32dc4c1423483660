"""The Matpool world: jobs as instances with their own status machine on the event engine.

A job is one instance, not a task on a worker pool. ``6`` (initializing) becomes ``1`` (queued)
at once; the job then asks its GPU's host market for an instance. Once it has one it goes ``2``
(scheduled) and then ``3`` (running, billed), where it stays until it is cancelled (``5`` then
``4``) or its command exits (``4``); either end gives the instance back, and the next job in
that market's line proceeds. A job that gets no instance, or names an unknown image, stays ``1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from emulator.core.context import WorldContext
from emulator.core.engine import Event
from emulator.core.execution import Duration
from emulator.core.ids import MIXED_ALNUM
from emulator.core.workers import Worker, WorkerState
from emulator.vendors.matpool import errors, render
from emulator.vendors.matpool.market import Market
from emulator.vendors.matpool.schemas import (
    CANCELLING,
    FINISHED,
    HTTP,
    INITIALIZING,
    QUEUED,
    RDP,
    RUNNING,
    SCHEDULED,
    SSH,
    STATUSES,
    VNC,
    JobFixture,
    JobForm,
    MatpoolFixture,
    MatpoolOptions,
    MatpoolTimings,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

# Host ports behind the gateways: a random 26xxx-29xxx.
PORT_RANGE = (26000, 29999)
_SCHEMES = {SSH: "ssh", HTTP: "https", VNC: "vnc", RDP: "rdp"}


@dataclass(slots=True, eq=False)
class Job:
    """One job (an instance): what was asked, the identities it got, and where it is."""

    id: int
    created_at: float
    gpu_name: str
    agent_domain: int
    domain: str
    image_id: int
    snapshot_id: int
    cmd: str
    envs: str
    remark: str
    ports: list[tuple[int, int]]  # (port, protocol), in the order the API shows them
    urls: list[tuple[int, str]]  # (port, url), sorted like the API's map keys
    owner_id: int
    node_id: int
    node_display_id: str
    display_id: str
    cred_id: int
    password: str
    status: int = INITIALIZING
    log: list[tuple[int, int, int]] = field(default_factory=list)  # (log id, status, seconds)
    node: Worker | None = None  # its instance while it asks for / holds a place in the market
    ticket: int | None = None  # its place in the market's line while it waits
    gateways: list[tuple[str, int]] = field(default_factory=list)  # (host, port) it holds
    timer: Event | None = None
    wire: dict[str, Any] | None = None  # render's cache of the parts fixed at creation


class MatpoolWorld:
    """One token's jobs, host markets and options."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        rng = ctx.rng
        self.owner_id = rng.randint(100, 99_999)
        self._next_job_id = rng.randint(100_000, 899_999)
        self._next_log_id = rng.randint(1_000_000, 8_999_999)
        self._next_node_id = rng.randint(1_000_000, 8_999_999)
        self._next_cred_id = rng.randint(1_000_000, 8_999_999)
        self.jobs: dict[int, Job] = {}
        self.order: list[Job] = []  # creation order (ids increase along it)
        self.by_status: dict[int, dict[int, None]] = {status: {} for status in STATUSES}
        self.markets: dict[str, Market] = {}
        self.market_sizes: dict[str, int | None] = {}
        self.default_capacity: int | None = None
        self.images: set[int] | None = None
        self.snapshots: set[int] | None = None
        self.commands: dict[str, Duration] = {}
        self.timings = MatpoolTimings()
        self.options = MatpoolOptions()
        self._in_use: set[tuple[str, int]] = set()

    # ------------------------------------------------------------------ fixtures

    def load(self, section: MatpoolFixture) -> None:
        """Apply a ``matpool:`` section: later sections override the fields they set."""
        if section.timings is not None:
            self.timings = _overlay(self.timings, section.timings)
        if section.options is not None:
            self.options = _overlay(self.options, section.options)
        self.commands.update(section.commands)
        if section.images is not None:
            self.images = set(section.images)
        if section.snapshots is not None:
            self.snapshots = set(section.snapshots)
        if "default_capacity" in section.model_fields_set:
            self.default_capacity = section.default_capacity
        self.market_sizes.update(section.market)
        for name, market in self.markets.items():
            market.capacity.resize(self.market_sizes.get(name, self.default_capacity))
        for spec in section.jobs:
            self._load_job(spec)

    def _load_job(self, spec: JobFixture) -> None:
        job = self._new_job(spec)
        if not spec.warm:
            return
        # A warm job was up before the test began: it goes through its steps now.
        self.ctx.cancel(job.timer)
        self._queued(job)
        if job.status == QUEUED and job.ticket is None and job.node is not None:
            self.ctx.cancel(job.timer)
            self._scheduled(job)
            self.ctx.cancel(job.timer)
            self._running(job)

    def dump(self) -> Any:
        """Every job as the API shows it, and the markets."""
        return {
            "jobs": [render.job(job, self.queue_len(job)) for job in self.order],
            "markets": {name: market.describe() for name, market in self.markets.items()},
        }

    # ------------------------------------------------------------------ operations

    def create(self, form: JobForm) -> Job:
        """A new job at status 6; it moves to 1 on the next engine step."""
        options = self.options
        if len((form.cmd or "").encode("utf-8")) > options.cmd_limit:
            raise errors.param_illegal("cmd")
        if (
            form.from_image_id is not None
            and form.from_snapshot_id is not None
            and not options.allow_both_sources
        ):
            raise errors.param_illegal("from_snapshot_id")
        return self._new_job(form)

    def _new_job(self, form: JobForm) -> Job:
        """Create without the API's limits (fixture jobs are the author's own data)."""
        options = self.options
        cmd = form.cmd or ""
        ctx = self.ctx
        ids = ctx.ids
        job_id = self._next_job_id
        self._next_job_id += 1
        self._next_node_id += 1
        self._next_cred_id += 1
        ports = [(p.port, p.protocol) for p in form.ports or ()]
        shown = list(ports)
        if options.shuffle_ports:
            ctx.rng.shuffle(shown)  # the API does not keep the submitted order
        job = Job(
            id=job_id,
            created_at=ctx.now,
            gpu_name=form.spec.gpuName,
            agent_domain=form.agent_domain,
            domain=form.domain or "all",
            image_id=form.from_image_id or 0,
            snapshot_id=form.from_snapshot_id or 0,
            cmd=cmd,
            envs=form.envs or "",
            remark=form.remark or "",
            ports=shown,
            urls=[],
            owner_id=self.owner_id,
            node_id=self._next_node_id,
            node_display_id=ids.alnum(6, MIXED_ALNUM),
            display_id=ids.alnum(6, MIXED_ALNUM),
            cred_id=self._next_cred_id,
            password=ids.fake().password(length=16),
        )
        job.urls = self._urls(job, ports)
        self.jobs[job_id] = job
        self.order.append(job)
        self._set_status(job, INITIALIZING)
        job.timer = ctx.after(self.timings.initialize.sample(ctx.rng), self._queued, job)
        return job

    def get(self, job_id: int) -> Job:
        """A job by its API id."""
        job = self.jobs.get(job_id)
        if job is None:
            missing = self.options.not_found
            raise errors.error(missing.code, missing.msg, field="id")
        return job

    def cancel(self, job_id: int) -> Job:
        """Cancel: 5 now, 4 (instance released) after the cancel delay."""
        job = self.get(job_id)
        if job.status == FINISHED:
            answer = self.options.cancel_finished
            if answer.code != errors.OK:
                raise errors.error(answer.code, answer.msg, field="id")
            return job
        if job.status == CANCELLING:
            return job
        ctx = self.ctx
        ctx.cancel(job.timer)
        if job.ticket is not None:  # still waiting for an instance: give up the place in line
            self._leave_line(job)
            self._release(job)
        self._set_status(job, CANCELLING)
        job.timer = ctx.after(self.timings.cancel.sample(ctx.rng), self._finished, job)
        return job

    def page(self, page: int, per_page: int, oldest_first: bool) -> tuple[list[Job], int]:
        """One page of jobs (newest first unless ``oldest_first``) and the total."""
        total = len(self.order)
        start = (page - 1) * per_page
        if start >= total:
            return [], total
        if oldest_first:
            return self.order[start : start + per_page], total
        end = total - start
        return self.order[max(0, end - per_page) : end][::-1], total

    def stats(self) -> dict[str, int]:
        """How many jobs are in each status."""
        return {str(status): len(self.by_status[status]) for status in STATUSES}

    def ids_by_status(self) -> dict[str, list[int]]:
        """The job ids in each status."""
        return {str(status): list(self.by_status[status]) for status in STATUSES}

    def queue_len(self, job: Job) -> int:
        """The job's 1-based place in its market's line; 0 when it is not waiting."""
        if job.ticket is None:
            return 0
        return self.markets[job.gpu_name].line.place(job.ticket)

    # ------------------------------------------------------------------ status machine

    def _queued(self, job: Job) -> None:
        job.timer = None
        self._set_status(job, QUEUED)
        if not self._source_known(job):
            return  # a missing image or environment keeps a job queued for good
        node = Worker(id=str(job.id), created_at=self.ctx.now, since=self.ctx.now, data=job)
        job.node = node
        self._ask_for_instance(node)

    def _ask_for_instance(self, node: Worker) -> None:
        """Place the job on an instance now, or keep it waiting (status 1) in its GPU's line."""
        job: Job = node.data
        market = self._market(job.gpu_name)
        faults = self.ctx.sim.faults
        shortage = faults.rules and faults.shortage(self.ctx.vendor, self.ctx.tenant.key)
        if not shortage and market.capacity.request(node, self._placed):
            self._leave_line(job)
            self._schedule(job)
            return
        node.state = WorkerState.THROTTLED
        if job.ticket is None:
            job.ticket = market.line.join()
        if shortage:  # an injected capacity shortage: ask again once it is lifted
            faults.hold(node, self._ask_for_instance)

    def _placed(self, node: Worker) -> None:
        """The market freed an instance for a waiting job."""
        job: Job = node.data
        node.state = WorkerState.PROVISIONING
        self._leave_line(job)
        self._schedule(job)

    def _schedule(self, job: Job) -> None:
        ctx = self.ctx
        job.timer = ctx.after(self.timings.schedule.sample(ctx.rng), self._scheduled, job)

    def _scheduled(self, job: Job) -> None:
        ctx = self.ctx
        self._set_status(job, SCHEDULED)
        job.timer = ctx.after(self.timings.start.sample(ctx.rng), self._running, job)

    def _running(self, job: Job) -> None:
        job.timer = None
        if job.node is not None:
            job.node.state = WorkerState.RUNNING
        self._set_status(job, RUNNING)
        run = self.commands.get(job.cmd) if job.cmd else None
        if run is not None:
            job.timer = self.ctx.after(run.sample(self.ctx.rng), self._finished, job)

    def _finished(self, job: Job) -> None:
        """The command exited, or a cancel completed: 4, and the instance is released."""
        job.timer = None
        self._set_status(job, FINISHED)
        self._release(job)

    # ------------------------------------------------------------------ helpers

    def _set_status(self, job: Job, status: int) -> None:
        previous = job.status
        self.by_status[previous].pop(job.id, None)
        self.by_status[status][job.id] = None
        job.status = status
        self._next_log_id += 1
        job.log.append((self._next_log_id, status, int(self.ctx.now)))

    def _leave_line(self, job: Job) -> None:
        if job.ticket is not None:
            self.markets[job.gpu_name].line.leave(job.ticket)
            job.ticket = None

    def _release(self, job: Job) -> None:
        node = job.node
        if node is not None:
            was_placed = node.placed
            node.state = WorkerState.TERMINATED  # a waiter the market must skip
            job.node = None
            if was_placed:
                self.markets[job.gpu_name].capacity.release(node)
        for gateway in job.gateways:
            self._in_use.discard(gateway)

    def _market(self, gpu_name: str) -> Market:
        market = self.markets.get(gpu_name)
        if market is None:
            size = self.market_sizes.get(gpu_name, self.default_capacity)
            market = self.markets[gpu_name] = Market(gpu_name, size)
        return market

    def _source_known(self, job: Job) -> bool:
        if job.image_id and self.images is not None and job.image_id not in self.images:
            return False
        return not (
            job.snapshot_id and self.snapshots is not None and job.snapshot_id not in self.snapshots
        )

    def _urls(self, job: Job, ports: Iterable[tuple[int, int]]) -> list[tuple[int, str]]:
        """Gateway URLs per port; every HTTP port of a job shares one access token."""
        ctx = self.ctx
        token: str | None = None
        urls: list[tuple[int, str]] = []
        for port, protocol in ports:
            host, host_port = self._gateway()
            job.gateways.append((host, host_port))
            url = f"{_SCHEMES[protocol]}://{host}:{host_port}"
            if protocol == HTTP:
                if token is None:
                    token = ctx.ids.alnum(10, MIXED_ALNUM)
                url += f"?token={token}"
            urls.append((port, url))
        urls.sort(key=lambda item: f"port_{item[0]}")
        return urls

    def _gateway(self) -> tuple[str, int]:
        """A gateway host and a free host port on it (reused only when every port is taken)."""
        rng = self.ctx.rng
        hosts = self.options.gateways
        choice = (rng.choice(hosts), rng.randint(*PORT_RANGE))
        for _ in range(32):
            if choice not in self._in_use:
                break
            choice = (rng.choice(hosts), rng.randint(*PORT_RANGE))
        self._in_use.add(choice)
        return choice


def _overlay(base: ModelT, update: ModelT) -> ModelT:
    """``base`` with the fields ``update`` sets explicitly."""
    return base.model_copy(update={name: getattr(update, name) for name in update.model_fields_set})
