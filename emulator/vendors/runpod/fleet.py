"""Where workers run: a machine in a data center, its GPU and price, and the worker's log.

Each new worker of an endpoint is placed from the tenant's catalog: its GPU is the endpoint's
first preference (the one capacity is counted on), its data center one of the allowed ones
that hosts that GPU (the attached network volume's, when there is one), its machine one of a
few per (data center, GPU) created on first use. Draws come from an RNG of their own, so
placement never shifts the job timings the behaviours draw.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emulator.core.ids import Ids, derive_rng
from emulator.core.tasks import Task, TaskState
from emulator.core.workers import Worker, WorkerState

if TYPE_CHECKING:
    from emulator.vendors.runpod.backend import Endpoint, RunpodWorld

# Enum members cost a descriptor lookup on each access (CPython 3.11): the log hooks use these.
_T_QUEUED, _T_RUNNING, _T_COMPLETED = TaskState.QUEUED, TaskState.RUNNING, TaskState.COMPLETED
_W_IDLE, _W_RUNNING = WorkerState.IDLE, WorkerState.RUNNING

MACHINE_ID_LENGTH = 12  # like s194cr8pls2z
MACHINES_PER_SLOT = 3
LOG_LINES = 500

CPU_MODELS = (
    ("AMD EPYC 7763 64-Core Processor", 64, 2),
    ("AMD EPYC 9554 64-Core Processor", 64, 2),
    ("Intel Xeon Platinum 8480+", 56, 2),
)


@dataclass(slots=True)
class Machine:
    """A host in a data center (REST v1 ``machine``)."""

    id: str
    dataCenterId: str
    location: str
    gpuTypeId: str | None
    cpuType: str
    cpuCores: int
    threadsPerCore: int
    diskThroughputMBps: int
    maxDownloadSpeedMbps: int
    maxUploadSpeedMbps: int
    gpuAvailable: int


@dataclass(slots=True)
class WorkerInfo:
    """RunPod details of one worker (``Worker.data``)."""

    gpu: str  # GPU type id (CPU endpoints: the CPU flavor id)
    gpu_count: int = 1
    data_center: str | None = None
    machine: Machine | None = None
    version: int = 0
    image: str = ""
    template_id: str | None = None
    cost_per_hr: float = 0.0
    vcpu: int = 0
    memory: int = 0
    cpu_flavor: str | None = None
    last_seen: float | None = None
    runpod_version: str | None = None
    # (first sequence number, time, what happened, its argument): rendered as lines on read
    logs: deque[tuple[int, float, str, str]] = field(
        default_factory=lambda: deque(maxlen=LOG_LINES)
    )
    logged: int = 0

    def record(self, at: float, what: str, arg: str = "") -> None:
        """Add an event to the log (``what``: a key of :data:`LOG_TEXT`; a line number each)."""
        seq = self.logged + 1
        self.logged += len(LOG_TEXT[what])
        self.logs.append((seq, at, what, arg))

    def lines(self, worker_id: str) -> list[tuple[int, float, str, str]]:
        """The log as (sequence number, time, source, line), oldest first."""
        values = {"id": worker_id, "gpu": self.gpu, "image": self.image}
        out = []
        for seq, at, what, arg in self.logs:
            for offset, (source, line) in enumerate(LOG_TEXT[what]):
                out.append((seq + offset, at, source, line.format(arg, **values)))
        return out


# What each recorded event reads as: (source, line) per line, ``{0}`` the event's argument.
LOG_TEXT: dict[str, tuple[tuple[str, str], ...]] = {
    "created": (("system", "worker {id} created{0}"),),
    WorkerState.THROTTLED: (("system", "waiting for capacity: {gpu}"),),
    WorkerState.INITIALIZING: (
        ("system", "pulling image {image}"),
        ("system", "starting container"),
    ),
    WorkerState.IDLE: (
        ("container", "--- Starting Serverless Worker ---"),
        ("container", "Worker ready."),
    ),
    WorkerState.UNHEALTHY: (("system", "container exited with an error; restarting"),),
    WorkerState.DRAINING: (("system", "worker is being scaled down"),),
    WorkerState.TERMINATED: (("system", "worker terminated"),),
    "started": (("container", "INFO   | {0} | Started."),),
    "completed": (("container", "INFO   | {0} | Finished."),),
    "failed": (("container", "ERROR  | {0} | Finished."),),
}


class Fleet:
    """Places new workers and keeps their logs."""

    def __init__(self, world: RunpodWorld) -> None:
        ctx = world.ctx
        self.world = world
        self.ids = Ids(derive_rng(ctx.sim.seed, ctx.vendor, ctx.tenant.key, "fleet"))
        self.machines: dict[tuple[str, str], list[Machine]] = {}

    def place(self, endpoint: Endpoint) -> WorkerInfo:
        """Where a new worker of ``endpoint`` runs, what it costs, what it runs."""
        catalog = self.world.catalog
        template = self.world.library.templates.get(endpoint.templateId)
        placed_on = endpoint.gpu
        info = WorkerInfo(
            gpu=placed_on,
            version=endpoint.version,
            image=template.imageName if template is not None else "",
            template_id=endpoint.templateId,
        )
        if endpoint.computeType == "CPU":
            flavor, vcpu = endpoint.cpuConfigs[0]
            info.gpu_count = 0
            info.cpu_flavor = flavor
            info.vcpu = vcpu
            info.memory = catalog.cpu_memory(flavor, vcpu)
            info.cost_per_hr = catalog.cpu_price(flavor, vcpu)
        else:
            gpu = catalog.gpus.get(placed_on)
            count = endpoint.gpuCount
            info.gpu_count = count
            info.vcpu = (gpu.vcpu if gpu is not None else 4) * count
            info.memory = (gpu.ram if gpu is not None else 24) * count
            info.cost_per_hr = round(catalog.serverless_price(placed_on) * count, 4)
        dc = self._data_center(endpoint, placed_on)
        if dc is not None:
            info.data_center = dc
            info.machine = self._machine(dc, placed_on if info.gpu_count else None)
        return info

    def _data_center(self, endpoint: Endpoint, placed_on: str) -> str | None:
        catalog = self.world.catalog
        allowed: Sequence[str] = endpoint.dataCenterIds or tuple(catalog.data_centers)
        volumes = self.world.library.volumes
        pinned = [
            volumes[v].dataCenterId for v in endpoint.networkVolumeIds if v in volumes
        ]  # a volume is reachable from its own data center only
        if pinned:
            allowed = [dc for dc in allowed if dc in pinned] or pinned
        if endpoint.computeType == "GPU":
            allowed = catalog.hosting(placed_on, tuple(allowed)) or allowed
        if not allowed:
            return None
        return allowed[self.ids.rng.randrange(len(allowed))]

    def _machine(self, dc: str, gpu: str | None) -> Machine:
        slot = self.machines.setdefault((dc, gpu or "cpu"), [])
        index = self.ids.rng.randrange(MACHINES_PER_SLOT)
        while len(slot) <= index:
            slot.append(self._new_machine(dc, gpu))
        return slot[index]

    def _new_machine(self, dc: str, gpu: str | None) -> Machine:
        rng = self.ids.rng
        cpu, cores, threads = CPU_MODELS[rng.randrange(len(CPU_MODELS))]
        center = self.world.catalog.data_centers.get(dc)
        return Machine(
            id=self.ids.alnum(MACHINE_ID_LENGTH),
            dataCenterId=dc,
            location=center.location if center is not None else "",
            gpuTypeId=gpu,
            cpuType=cpu,
            cpuCores=cores,
            threadsPerCore=threads,
            diskThroughputMBps=rng.choice((1500, 2500, 3500, 5000)),
            maxDownloadSpeedMbps=rng.choice((1000, 2500, 5000, 10000)),
            maxUploadSpeedMbps=rng.choice((500, 1000, 2500, 5000)),
            gpuAvailable=rng.randint(0, 8) if gpu else 0,
        )

    # ------------------------------------------------------------------ logs

    def log(self, worker: Worker, what: str, arg: str = "") -> None:
        """Record an event of a worker's log (``what``: a key of :data:`LOG_TEXT`)."""
        info = worker.data
        if isinstance(info, WorkerInfo):
            info.record(self.world.ctx.engine.now, what, arg)

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """Log a worker's lifecycle the way RunPod's system and SDK logs read."""
        info = worker.data
        if not isinstance(info, WorkerInfo):
            return
        if previous is None:
            self.log(worker, "created", f" in {info.data_center}" if info.data_center else "")
            return
        state = worker.state
        if state in LOG_TEXT and (state != _W_IDLE or previous != _W_RUNNING):
            info.record(self.world.ctx.engine.now, state)

    def task_changed(self, endpoint: Endpoint, task: Task, previous: TaskState | None) -> None:
        """Log a job starting or ending on the worker that runs it."""
        worker_id = task.worker_id
        if worker_id is None or previous is None:
            return
        worker = endpoint.pool.workers.get(worker_id)
        if worker is None:
            return
        state = task.state
        if state == _T_RUNNING:
            self.log(worker, "started", task.id)
        elif previous == _T_RUNNING and state != _T_QUEUED:
            self.log(worker, "completed" if state == _T_COMPLETED else "failed", task.id)
