"""An endpoint's workers and task queue on the event engine: dispatch, execution, autoscaling.

The pool is the one place where workers, tasks, scaling and execution meet; vendors wrap it and
translate its generic states. Everything is event-driven: a submit, a finished task, a worker
becoming ready or an idle timer re-evaluates the scaler, and nothing scans all tasks.

Execution modes:

- simulated (default): the endpoint's :class:`Behaviour` decides duration, output and failures;
- forwarded: a vendor-supplied :class:`Forwarder` sends the task to a real worker over HTTP;
- external: real workers pull tasks with :meth:`Pool.take` and report with :meth:`Pool.finish`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from emulator.core.capacity import Capacity
from emulator.core.context import WorldContext
from emulator.core.engine import Event
from emulator.core.execution import Behaviour, Plan, plan
from emulator.core.scaling import (
    Fixed,
    Load,
    Policy,
    QueueDelay,
    demand_target,
    desired_workers,
    next_check,
    settled_target,
)
from emulator.core.tasks import Task, TaskState
from emulator.core.workers import Worker, WorkerState


@dataclass(frozen=True, slots=True)
class PoolConfig:
    """Scaling bounds and policy of one endpoint."""

    min_workers: int = 0
    max_workers: int = 1
    idle_timeout: float = 5.0
    policy: Policy = field(default_factory=lambda: QueueDelay(4.0))
    concurrency: int = 1
    external: bool = False

    def with_changes(self, **changes: Any) -> PoolConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)


class PoolObserver(Protocol):
    """Vendor hooks called on every task and worker transition."""

    def task_changed(self, task: Task, previous: TaskState | None) -> None:
        """A task entered ``task.state`` (``previous`` None on submit)."""

    def worker_changed(self, worker: Worker, previous: WorkerState | None) -> None:
        """A worker entered ``worker.state`` (``previous`` None when it is created)."""


class TaskUpdateObserver(Protocol):
    """Optional extra hook: a running task reported progress or a stream chunk."""

    def task_updated(self, task: Task) -> None:
        """``task.progress`` or ``task.stream`` changed (the state did not)."""


class Forwarder(Protocol):
    """Runs a task on a real worker; must end by calling ``pool.finish`` (vendor-supplied)."""

    def __call__(self, pool: Pool, task: Task, worker: Worker) -> Coroutine[Any, Any, None]:
        """Send ``task`` to the worker and report its outcome."""
        ...


# Enum members cost a descriptor lookup on each access (CPython 3.11): hot paths use these.
_T_QUEUED = TaskState.QUEUED
_T_RUNNING = TaskState.RUNNING
_T_COMPLETED = TaskState.COMPLETED
_T_FAILED = TaskState.FAILED
_T_CANCELLED = TaskState.CANCELLED
_T_TIMED_OUT = TaskState.TIMED_OUT
_W_PROVISIONING = WorkerState.PROVISIONING
_W_THROTTLED = WorkerState.THROTTLED
_W_INITIALIZING = WorkerState.INITIALIZING
_W_IDLE = WorkerState.IDLE
_W_RUNNING = WorkerState.RUNNING
_W_DRAINING = WorkerState.DRAINING
_W_UNHEALTHY = WorkerState.UNHEALTHY
_W_TERMINATED = WorkerState.TERMINATED

_ACTIVE_EXCLUDED = (_W_DRAINING, _W_TERMINATED)


class Pool:
    """Workers + FIFO queue of one endpoint."""

    def __init__(
        self,
        ctx: WorldContext,
        *,
        config: PoolConfig,
        behaviour: Behaviour,
        new_worker_id: Callable[[], str],
        observer: PoolObserver | None = None,
        capacity: Capacity | None = None,
        forwarder: Forwarder | None = None,
        retired_kept: int = 32,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.behaviour = behaviour
        self.observer = observer
        self.capacity = capacity
        self.forwarder = forwarder
        self._new_worker_id = new_worker_id
        self.enabled = True
        self.workers: dict[str, Worker] = {}
        self.retired: deque[Worker] = deque(maxlen=retired_kept)
        self.counts: dict[WorkerState, int] = dict.fromkeys(WorkerState, 0)
        self.queued = 0
        self.queued_for_scaling = 0
        self.running = 0
        self._queue: deque[Task] = deque()
        self._scaling_queue: deque[Task] = deque()
        self._free: dict[str, Worker] = {}
        self._scaler_timer: Event | None = None
        self._last_step = -math.inf
        # The timer callbacks of every task and worker, bound once: each timer then reuses one
        # callback object instead of allocating a bound method per event.
        self._on_complete = self._complete
        self._on_cold_start_done = self._cold_start_done
        self._on_idle_check = self._idle_check
        self._on_shut_down = self._terminate

    # ------------------------------------------------------------------ inspection

    @property
    def active(self) -> int:
        """Workers that count towards the target (everything but draining/terminated)."""
        return len(self.workers) - self.counts[_W_DRAINING]

    def _scaling_head(self) -> deque[Task]:
        """The queue the scaler watches, tasks that left it dropped from its head."""
        queue = self._scaling_queue
        while queue and queue[0].state != _T_QUEUED:
            queue.popleft()
        return queue

    def load(self) -> Load:
        """What the scaler sees now."""
        queue = self._scaling_head()
        now = self.ctx.engine.now
        policy = self.config.policy
        overdue, next_overdue_at = 0, math.inf
        if isinstance(policy, QueueDelay) and policy.step == "per_job":
            overdue, next_overdue_at = self._overdue(policy.seconds, now)
        counts = self.counts
        return Load(
            self.queued_for_scaling,
            self.running,
            len(self.workers) - counts[_W_DRAINING],
            counts[_W_RUNNING],
            counts[_W_PROVISIONING] + counts[_W_THROTTLED] + counts[_W_INITIALIZING],
            now,
            queue[0].queued_at if queue else None,
            self._last_step,
            overdue,
            next_overdue_at,
        )

    def _overdue(self, delay: float, now: float) -> tuple[int, float]:
        """Late tasks (up to what could matter) and when the next one turns late."""
        cap = self.config.max_workers + len(self.workers)
        count = 0
        for task in self._scaling_queue:  # FIFO: the late ones come first
            if task.state != _T_QUEUED:
                continue
            due = task.queued_at + delay
            if now < due:
                return count, due
            count += 1
            if count >= cap:
                break
        return count, math.inf

    def desired(self) -> int:
        """The scaler's target right now."""
        cfg = self.config
        policy = cfg.policy
        if isinstance(policy, QueueDelay):
            if not self.queued_for_scaling:
                return settled_target(self.counts[_W_RUNNING], cfg.min_workers, cfg.max_workers)
            return desired_workers(policy, self.load(), cfg.min_workers, cfg.max_workers)
        self._scaling_head()  # as load() would: forget what left the queue
        return demand_target(
            policy, self.queued_for_scaling, self.running, cfg.min_workers, cfg.max_workers
        )

    def queued_tasks(self) -> Iterator[Task]:
        """Tasks still waiting, in dispatch order."""
        return (t for t in self._queue if t.state == _T_QUEUED)

    def position(self, task: Task) -> int | None:
        """1-based place of a queued task in the queue (O(queue); for display only)."""
        for index, queued in enumerate(self.queued_tasks(), start=1):
            if queued is task:
                return index
        return None

    # ------------------------------------------------------------------ tasks

    def submit(self, task: Task) -> None:
        """Queue a task; it starts as soon as a worker is free (scaling up if needed)."""
        task.state = _T_QUEUED
        task.queued_at = self.ctx.engine.now
        task.started_at = task.finished_at = None
        task.worker_id = None
        self._queue.append(task)  # _enqueue(task, front=False), inline on the hottest path
        self.queued += 1
        if not task.low_priority:
            self._scaling_queue.append(task)
            self.queued_for_scaling += 1
        if self.observer is not None:
            self.observer.task_changed(task, None)
        self._dispatch()
        self._rescale()

    def cancel(self, task: Task, *, notify: bool = True) -> bool:
        """Cancel a queued or running task; False if it had already ended."""
        if task.state == _T_QUEUED:
            self._leave_queue(task)
            self._end(task, _T_CANCELLED, notify=notify)
            self._rescale()
            return True
        if task.state == _T_RUNNING:
            self._stop_running(task, _T_CANCELLED, notify)
            return True
        return False

    def purge(self) -> list[Task]:
        """Cancel every queued task; returns them."""
        purged = list(self.queued_tasks())
        for task in purged:
            self._leave_queue(task)
            self._end(task, _T_CANCELLED, notify=True)
        self._queue.clear()
        self._scaling_queue.clear()
        self._rescale()
        return purged

    def finish(
        self,
        task: Task,
        *,
        output: Any = None,
        error: str | None = None,
        state: TaskState | None = None,
    ) -> bool:
        """Report a running task's outcome: COMPLETED unless ``error``/``state`` say otherwise."""
        if task.state != _T_RUNNING:
            return False
        if state is None:
            state = _T_FAILED if error is not None else _T_COMPLETED
        task.output = output
        task.error = error
        self._stop_running(task, state, True)
        return True

    def report_progress(self, task: Task, progress: Any) -> None:
        """A running task reported progress (shown by vendors while it runs)."""
        if task.state == _T_RUNNING:
            task.progress = progress
            self._notify_update(task)

    def emit_chunk(self, task: Task, chunk: Any) -> None:
        """A running task produced a stream chunk."""
        if task.state == _T_RUNNING:
            task.stream.append(chunk)
            self._notify_update(task)

    def take(self, worker_id: str, count: int = 1, data: Any = None) -> list[Task]:
        """External mode: a real worker asks for up to ``count`` tasks."""
        worker = self.attach_external(worker_id, data)
        taken: list[Task] = []
        while len(taken) < count and self.queued:
            task = self._pop_queued()
            if task is None:
                break
            self._start(task, worker)
            taken.append(task)
        return taken

    def attach_external(self, worker_id: str, data: Any = None) -> Worker:
        """External mode: register (or find) a real worker, ready at once."""
        worker = self.workers.get(worker_id)
        if worker is None:
            now = self.ctx.engine.now
            worker = Worker(id=worker_id, created_at=now, since=now, external=True, data=data)
            self.workers[worker_id] = worker
            self.counts[worker.state] += 1
            self._notify_worker(worker, None)
            self._become_ready(worker)
        return worker

    # ------------------------------------------------------------------ configuration

    def reconfigure(
        self, config: PoolConfig | None = None, behaviour: Behaviour | None = None
    ) -> None:
        """Apply new bounds/policy/behaviour; scales at once where the change requires it."""
        if behaviour is not None:
            self.behaviour = behaviour
        if config is not None:
            self.config = config
        excess = self.active - self._upper_bound()
        if excess > 0:
            self._retire_some(excess)
        for worker in list(self.workers.values()):
            if worker.state == _W_IDLE:
                self._arm_idle(worker)
        self._dispatch()
        self._rescale()

    def retire(self, worker_ids: Iterable[str]) -> int:
        """Replace these workers: each drains (finishes its tasks) and shuts down; the scaler
        starts new ones as the load needs. Returns how many were retired."""
        retired = 0
        for worker_id in worker_ids:
            worker = self.workers.get(worker_id)
            if worker is None or worker.state in _ACTIVE_EXCLUDED:
                continue
            self._retire(worker)
            retired += 1
        if retired:
            self._dispatch()
            self._rescale()
        return retired

    def _upper_bound(self) -> int:
        policy = self.config.policy
        return policy.count if isinstance(policy, Fixed) else self.config.max_workers

    def stop(self) -> None:
        """Stop serving: retire every worker; running tasks go back to the queue front."""
        self.enabled = False
        self.ctx.cancel(self._scaler_timer)
        for worker in list(self.workers.values()):
            for task in list(worker.tasks.values()):
                self._interrupt(task)
            self._retire(worker)

    def start(self) -> None:
        """Serve again after :meth:`stop` (new workers, new ids)."""
        self.enabled = True
        self._rescale()

    def prewarm(self) -> None:
        """Bring the pool to its target at once, workers already warm (fixture-loaded endpoints)."""
        for _ in range(max(0, self.desired() - self.active)):
            self._provision(warm=True)

    def close(self) -> None:
        """Tear the pool down (endpoint deleted): cancel tasks, terminate workers now."""
        self.enabled = False
        self.ctx.cancel(self._scaler_timer)
        for task in list(self.queued_tasks()):
            self._leave_queue(task)
            self._end(task, _T_CANCELLED, notify=True)
        for worker in list(self.workers.values()):
            for task in list(worker.tasks.values()):
                self._stop_running(task, _T_CANCELLED, True, False)
            self._terminate(worker)

    # ------------------------------------------------------------------ queue internals

    def _enqueue(self, task: Task, *, front: bool) -> None:
        if front:
            self._queue.appendleft(task)
        else:
            self._queue.append(task)
        self.queued += 1
        if not task.low_priority:
            if front:
                self._scaling_queue.appendleft(task)
            else:
                self._scaling_queue.append(task)
            self.queued_for_scaling += 1

    def _leave_queue(self, task: Task) -> None:
        """Counters for a task leaving QUEUED (its deque entry is dropped lazily)."""
        self.queued -= 1
        if not task.low_priority:
            self.queued_for_scaling -= 1

    def _pop_queued(self) -> Task | None:
        queue = self._queue
        while queue:
            task = queue.popleft()
            if task.state == _T_QUEUED:
                self._leave_queue(task)
                return task
        return None

    # ------------------------------------------------------------------ execution

    def _dispatch(self) -> None:
        free = self._free
        if not free or not self.queued or not self.enabled or self.config.external:
            return
        while self.queued and free:
            task = self._pop_queued()
            if task is None:
                break
            self._start(task, next(iter(free.values())))

    def _start(self, task: Task, worker: Worker) -> None:
        now = self.ctx.engine.now
        task.state = _T_RUNNING
        task.started_at = now
        task.worker_id = worker.id
        task.progress = None
        worker.tasks[task.id] = task
        if len(worker.tasks) >= self.config.concurrency:
            self._free.pop(worker.id, None)
        self.running += 1
        if worker.state == _W_IDLE:
            self._set_state(worker, _W_RUNNING)
        if self.observer is not None:
            self.observer.task_changed(task, _T_QUEUED)
        if task.state != _T_RUNNING:
            return  # the observer ended it (e.g. cancelled) on the way in
        timeout = task.execution_timeout
        if worker.external or self.forwarder is not None:
            if timeout is not None:
                task.timer = self.ctx.at(now + timeout, self._time_out, task)
            if self.forwarder is not None and not worker.external:
                self.ctx.spawn(self.forwarder(self, task, worker))
            return
        fate = plan(self.behaviour, task.input, self.ctx.rng)
        end = now + fate.duration
        if timeout is not None and fate.duration > timeout:
            task.timer = self.ctx.at(now + timeout, self._time_out, task)
            end = now + timeout
        else:
            task.timer = self.ctx.at(end, self._on_complete, task, fate)
        if fate.chunks or fate.progress_updates:
            self._schedule_extras(task, fate, now, end)

    def _schedule_extras(self, task: Task, fate: Plan, start: float, end: float) -> None:
        span = fate.duration
        count = len(fate.chunks)
        for index, chunk in enumerate(fate.chunks):
            at = start + span * (index + 1) / (count + 1)
            if at < end:
                self.ctx.at(at, self.emit_chunk, task, chunk)
        updates = fate.progress_updates
        for index in range(1, updates + 1):
            at = start + span * index / (updates + 1)
            if at < end:
                self.ctx.at(at, self.report_progress, task, {"step": index, "of": updates})

    def _complete(self, task: Task, fate: Plan) -> None:
        task.timer = None
        if task.state != _T_RUNNING:  # as finish() does, without its keyword call
            return
        error = fate.error
        task.output = fate.output
        task.error = error
        self._stop_running(task, _T_FAILED if error is not None else _T_COMPLETED, True)

    def _time_out(self, task: Task) -> None:
        task.timer = None
        if task.state == _T_RUNNING:
            self._stop_running(task, _T_TIMED_OUT, True)

    def _stop_running(
        self, task: Task, state: TaskState, notify: bool, rescale: bool = True
    ) -> None:
        # Positional flags: every finished task passes here, and keywords cost a slower call.
        timer = task.timer
        if timer is not None:
            self.ctx.engine.cancel(timer)
            task.timer = None
        self.running -= 1
        worker = self.workers.get(task.worker_id or "")
        task.state = state
        task.finished_at = self.ctx.engine.now
        if notify and self.observer is not None:
            self.observer.task_changed(task, _T_RUNNING)
        if worker is not None:
            tasks = worker.tasks
            tasks.pop(task.id, None)
            # The worker has room again: a draining one shuts down once empty, a serving one
            # takes the next task (and is idle if it has none).
            worker_state = worker.state
            if worker_state == _W_DRAINING:
                if not tasks:
                    self._begin_shutdown(worker)
            elif worker_state in (_W_IDLE, _W_RUNNING):
                self._free[worker.id] = worker
                if not tasks:
                    worker.idle_since = self.ctx.engine.now
                    self._set_state(worker, _W_IDLE)
        if rescale:
            # Less work in flight can only lower the target: idle timers scale down, and only
            # workers still waiting for capacity may need letting go now.
            self._dispatch()
            if self.counts[_W_THROTTLED]:
                self._rescale()
        if worker is not None and worker.state == _W_IDLE:
            self._arm_idle(worker)  # only now: a worker handed the next task needs no timer

    def _interrupt(self, task: Task) -> None:
        """Take a running task off its worker and put it back at the queue front."""
        self.ctx.cancel(task.timer)
        task.timer = None
        self.running -= 1
        worker = self.workers.get(task.worker_id or "")
        if worker is not None:
            worker.tasks.pop(task.id, None)
        task.state = _T_QUEUED
        task.started_at = None
        task.worker_id = None
        self._enqueue(task, front=True)
        self._notify_task(task, _T_RUNNING)

    def _end(
        self,
        task: Task,
        state: TaskState,
        *,
        notify: bool,
        previous: TaskState = _T_QUEUED,
    ) -> None:
        task.state = state
        task.finished_at = self.ctx.engine.now
        if notify:
            self._notify_task(task, previous)

    # ------------------------------------------------------------------ workers

    def _set_state(self, worker: Worker, state: WorkerState) -> None:
        previous = worker.state
        if previous == state:
            return
        counts = self.counts
        counts[previous] -= 1
        counts[state] += 1
        worker.state = state
        worker.since = self.ctx.engine.now
        if self.observer is not None:
            self.observer.worker_changed(worker, previous)

    def _provision(self, *, warm: bool = False) -> Worker:
        now = self.ctx.engine.now
        worker = Worker(self._new_worker_id(), now, _W_PROVISIONING, now)
        self.workers[worker.id] = worker
        self.counts[_W_PROVISIONING] += 1
        if self.observer is not None:
            self.observer.worker_changed(worker, None)
        self._place(worker, warm)
        return worker

    def _place(self, worker: Worker, warm: bool = False) -> None:
        """Find the worker a place: an injected shortage or no capacity leaves it throttled."""
        faults = self.ctx.sim.faults
        if faults.rules and faults.shortage(self.ctx.vendor, self.ctx.tenant.key):
            self._set_state(worker, _W_THROTTLED)
            faults.hold(worker, self._unheld)
            return
        capacity = self.capacity
        if capacity is not None and not capacity.request(
            worker, self._placed_warm if warm else self._placed
        ):
            self._set_state(worker, _W_THROTTLED)
        elif warm:
            self._become_ready(worker)
        else:
            self._cold_start(worker)

    def _unheld(self, worker: Worker) -> None:
        if worker.state == _W_THROTTLED and self.enabled:
            self._place(worker)

    def _placed(self, worker: Worker) -> None:
        if worker.state == _W_THROTTLED:
            self._set_state(worker, _W_PROVISIONING)
            self._cold_start(worker)

    def _placed_warm(self, worker: Worker) -> None:
        if worker.state == _W_THROTTLED:
            self._become_ready(worker)

    def _cold_start(self, worker: Worker) -> None:
        behaviour = self.behaviour
        self._set_state(worker, _W_INITIALIZING)
        duration = behaviour.cold_start.sample(self.ctx.rng)
        fails = (
            behaviour.crash_loop
            or (
                behaviour.start_failure_rate > 0
                and self.ctx.rng.random() < behaviour.start_failure_rate
            )
            or (self.ctx.sim.faults.rules and self._start_fault())
        )
        worker.timer = self.ctx.after(duration, self._on_cold_start_done, worker, fails)

    def _start_fault(self) -> bool:
        faults = self.ctx.sim.faults
        if not faults.rules:
            return False
        vendor, tenant = self.ctx.vendor, self.ctx.tenant.key
        return faults.fires("crash_loop", vendor, tenant) or faults.fires(
            "cold_start_failure", vendor, tenant
        )

    def _cold_start_done(self, worker: Worker, failed: bool) -> None:
        worker.timer = None
        if worker.state != _W_INITIALIZING:
            return
        if failed:
            worker.restarts += 1
            self._set_state(worker, _W_UNHEALTHY)
            restart = self.behaviour.restart_delay
            if restart is not None:
                delay = restart.sample(self.ctx.rng)
                worker.timer = self.ctx.after(delay, self._restart, worker)
            return
        self._become_ready(worker)
        if self.queued_for_scaling:
            self._rescale()

    def _restart(self, worker: Worker) -> None:
        worker.timer = None
        if worker.state == _W_UNHEALTHY:
            self._cold_start(worker)

    def _become_ready(self, worker: Worker) -> None:
        now = self.ctx.engine.now
        worker.ready_at = now
        worker.idle_since = now
        self._set_state(worker, _W_IDLE)
        self._free[worker.id] = worker
        self._dispatch()
        if worker.state == _W_IDLE:
            self._arm_idle(worker)

    def _arm_idle(self, worker: Worker) -> None:
        if worker.external or (worker.idle_timer is not None and worker.idle_timer.pending):
            return
        due = (worker.idle_since or self.ctx.engine.now) + self.config.idle_timeout
        worker.idle_timer = self.ctx.at(due, self._on_idle_check, worker)

    def _idle_check(self, worker: Worker) -> None:
        worker.idle_timer = None
        if worker.state != _W_IDLE or not self.enabled:
            return
        due = (worker.idle_since or 0.0) + self.config.idle_timeout
        if due > self.ctx.engine.now:  # it worked since the timer was set: check again later
            worker.idle_timer = self.ctx.at(due, self._on_idle_check, worker)
            return
        if len(self.workers) - self.counts[_W_DRAINING] > self.desired():  # active > desired
            self._retire(worker)

    def _retire_some(self, count: int) -> None:
        candidates = [w for w in self.workers.values() if w.state not in _ACTIVE_EXCLUDED]
        rank = {
            _W_THROTTLED: 0,
            _W_PROVISIONING: 0,
            _W_UNHEALTHY: 1,
            _W_INITIALIZING: 2,
            _W_IDLE: 3,
            _W_RUNNING: 4,
        }
        candidates.sort(key=lambda w: (rank[w.state], -w.created_at))
        for worker in candidates[:count]:
            self._retire(worker)

    def _retire(self, worker: Worker) -> None:
        """Scale one worker down: drain it (finish its tasks), then shut it down."""
        if worker.state in (_W_DRAINING, _W_TERMINATED):
            return
        self._free.pop(worker.id, None)
        engine = self.ctx.engine
        if worker.idle_timer is not None:
            engine.cancel(worker.idle_timer)
            worker.idle_timer = None
        if worker.state in (_W_THROTTLED, _W_PROVISIONING):
            self._terminate(worker)
            return
        if worker.timer is not None:
            engine.cancel(worker.timer)
            worker.timer = None
        self._set_state(worker, _W_DRAINING)
        if not worker.tasks:
            self._begin_shutdown(worker)

    def _begin_shutdown(self, worker: Worker) -> None:
        delay = self.behaviour.shutdown.sample(self.ctx.rng)
        if delay <= 0:
            self._terminate(worker)
        else:
            worker.timer = self.ctx.after(delay, self._on_shut_down, worker)

    def _terminate(self, worker: Worker) -> None:
        if worker.state == _W_TERMINATED:
            return
        engine = self.ctx.engine
        if worker.timer is not None:
            engine.cancel(worker.timer)
            worker.timer = None
        if worker.idle_timer is not None:
            engine.cancel(worker.idle_timer)
            worker.idle_timer = None
        self._free.pop(worker.id, None)
        worker.terminated_at = engine.now
        self._set_state(worker, _W_TERMINATED)
        self.counts[_W_TERMINATED] -= 1
        del self.workers[worker.id]
        self.retired.append(worker)
        if self.capacity is not None:
            self.capacity.release(worker)

    # ------------------------------------------------------------------ scaling

    def _rescale(self) -> None:
        cfg = self.config
        if not self.enabled or cfg.external:
            return
        policy = cfg.policy
        load: Load | None = None
        if isinstance(policy, QueueDelay) and self.queued_for_scaling:
            load = self.load()
            active = load.active
            want = desired_workers(policy, load, cfg.min_workers, cfg.max_workers)
        else:  # the counters are enough: no Load to build
            active = len(self.workers) - self.counts[_W_DRAINING]
            queue = self._scaling_queue  # as load() would: forget what left the queue
            while queue and queue[0].state != _T_QUEUED:
                queue.popleft()
            if isinstance(policy, QueueDelay):  # nothing queued: no step to time either
                want = settled_target(self.counts[_W_RUNNING], cfg.min_workers, cfg.max_workers)
            else:
                want = demand_target(
                    policy, self.queued_for_scaling, self.running, cfg.min_workers, cfg.max_workers
                )
        if want > active:
            if load is not None and load.queued and active:
                self._last_step = self.ctx.engine.now
            for _ in range(want - active):
                self._provision()
        elif want < active:
            if isinstance(policy, Fixed):
                self._retire_some(active - want)
            elif self.counts[_W_THROTTLED]:  # still waiting for capacity: not needed now
                waiting = [w for w in self.workers.values() if w.state == _W_THROTTLED]
                for worker in waiting[: active - want]:
                    self._retire(worker)
        if load is not None:  # QueueDelay with tasks waiting: time alone may call for a step later
            self._arm_scaler(load if want == active else self.load())

    def _arm_scaler(self, load: Load) -> None:
        config = self.config
        due = next_check(config.policy, load, config.max_workers)
        timer = self._scaler_timer
        if due is None:
            return
        if timer is not None and timer.pending and timer.time <= due:
            return
        self.ctx.cancel(timer)
        self._scaler_timer = self.ctx.at(due, self._scaler_tick)

    def _scaler_tick(self) -> None:
        self._scaler_timer = None
        self._rescale()

    # ------------------------------------------------------------------ notifications

    def _notify_task(self, task: Task, previous: TaskState | None) -> None:
        if self.observer is not None:
            self.observer.task_changed(task, previous)

    def _notify_update(self, task: Task) -> None:
        # Optional: observers that do not long-poll on progress need not implement it.
        hook = getattr(self.observer, "task_updated", None)
        if hook is not None:
            hook(task)

    def _notify_worker(self, worker: Worker, previous: WorkerState | None) -> None:
        if self.observer is not None:
            self.observer.worker_changed(worker, previous)
