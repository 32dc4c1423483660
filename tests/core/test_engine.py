"""The discrete-event engine: ordering, cancellation, scopes, long spans."""

from __future__ import annotations

import pickle
import random

import pytest

from emulator.core.engine import Engine, Event
from emulator.core.tenants import Tenant


class Log:
    """Collects (engine time, label) pairs; a module-level class so events stay picklable."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[float, str]] = []

    def hit(self, label: str) -> None:
        self.seen.append((self.engine.now, label))

    def chain(self, label: str, every: float, until: float) -> None:
        self.hit(label)
        if self.engine.now + every <= until:
            self.engine.after(every, self.chain, label, every, until)


def test_events_fire_in_time_then_insertion_order() -> None:
    engine = Engine(100.0)
    log = Log(engine)
    engine.at(105, log.hit, "c")
    engine.at(101, log.hit, "a")
    engine.at(105, log.hit, "d")
    engine.at(103, log.hit, "b")
    engine.run_until(110)
    assert log.seen == [(101, "a"), (103, "b"), (105, "c"), (105, "d")]
    assert engine.now == 110


def test_run_until_stops_at_the_target_and_keeps_later_events() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    engine.at(5, log.hit, "early")
    engine.at(15, log.hit, "late")
    engine.run_until(10)
    assert log.seen == [(5, "early")]
    assert engine.now == 10
    assert engine.next_time() == 15
    engine.run_until(20)
    assert log.seen[-1] == (15, "late")


def test_an_event_due_exactly_at_the_target_fires() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    engine.at(10, log.hit, "edge")
    engine.run_until(10)
    assert log.seen == [(10, "edge")]


def test_handlers_schedule_and_cancel_other_events() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    victim = engine.at(8, log.hit, "victim")

    def first() -> None:
        log.hit("first")
        engine.after(0, log.hit, "same-instant")
        engine.after(2, log.hit, "two-later")
        engine.cancel(victim)

    engine.at(5, first)
    engine.run_until(20)
    assert log.seen == [(5, "first"), (5, "same-instant"), (7, "two-later")]
    assert not victim.pending


def test_past_times_run_at_the_present_without_moving_time_back() -> None:
    engine = Engine(50.0)
    log = Log(engine)
    engine.at(10, log.hit, "late")
    engine.run_until(50)
    assert log.seen == [(50, "late")]


def test_ten_simulated_hours_in_one_run_apply_every_event_in_order() -> None:
    start = 1_000_000.0
    end = start + 10 * 3600
    engine = Engine(start)
    log = Log(engine)
    rng = random.Random(7)
    expected: list[tuple[float, str]] = []
    for i in range(2000):
        t = start + rng.uniform(0, 10 * 3600)
        engine.at(t, log.hit, f"r{i}")
        expected.append((t, f"r{i}"))
    engine.at(start, log.chain, "tick", 60.0, end)
    expected += [(start + 60.0 * k, "tick") for k in range(601)]
    engine.run_until(end)
    assert len(log.seen) == len(expected) == 2601
    times = [t for t, _ in log.seen]
    assert times == sorted(times)
    assert sorted(log.seen) == sorted(expected)
    assert engine.pending() == 0
    assert engine.now == end


def test_events_of_a_dead_scope_are_dropped() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    tenant = Tenant("k")
    engine.at(1, log.hit, "owned", scope=tenant)
    engine.at(2, log.hit, "free")
    tenant.alive = False
    engine.run_until(5)
    assert log.seen == [(2, "free")]


def test_a_failing_handler_is_reported_and_the_rest_still_run() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    failures: list[str] = []
    engine.on_error = lambda exc, _event: failures.append(str(exc))

    def broken() -> None:
        raise ValueError("nope")

    engine.at(1, broken)
    engine.at(2, log.hit, "after")
    engine.run_until(3)
    assert failures == ["nope"]
    assert log.seen == [(2, "after")]


def test_without_an_error_hook_handler_errors_propagate() -> None:
    engine = Engine(0.0)

    def broken() -> None:
        raise ValueError("nope")

    engine.at(1, broken)
    with pytest.raises(ValueError, match="nope"):
        engine.run_until(2)


def test_pause_stops_after_the_event_that_asked_for_it() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    for t in (1, 2, 3):
        engine.at(t, log.hit, str(t))
    assert engine.run_until(10, pause=lambda: log.seen[-1][1] == "2") is True
    assert [label for _, label in log.seen] == ["1", "2"]
    assert engine.now == 2
    assert engine.run_until(10) is False
    assert [label for _, label in log.seen] == ["1", "2", "3"]


def test_mass_cancellation_compacts_the_heap() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    events = [engine.at(float(i), log.hit, str(i)) for i in range(5000)]
    for event in events[:4000]:
        engine.cancel(event)
    assert engine.pending() == 1000
    assert len(engine._heap) < 5000
    engine.run_until(10_000)
    assert len(log.seen) == 1000
    assert log.seen[0] == (4000.0, "4000")


class Canceller:
    """At its event, cancels a batch of far-future timers and schedules a follow-up."""

    def __init__(self, engine: Engine, log: Log, victims: list[Event]) -> None:
        self.engine = engine
        self.log = log
        self.victims = victims

    def fire(self) -> None:
        for event in self.victims:
            self.engine.cancel(event)  # enough to compact the heap in the middle of run_until
        self.engine.after(1, self.log.hit, "after-compaction")


def test_a_compaction_inside_run_until_loses_no_event() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    victims = [engine.at(1_000_000.0 + i, log.hit, "victim") for i in range(3000)]
    engine.at(5, Canceller(engine, log, victims).fire)
    for i in range(10, 20):
        engine.at(float(i), log.hit, f"later-{i}")
    engine.run_until(100)
    labels = [label for _, label in log.seen]
    assert labels == ["after-compaction", *(f"later-{i}" for i in range(10, 20))]
    assert engine.pending() == 0
    assert engine.next_time() is None


def test_pending_events_survive_pickling() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    engine.at(3, log.hit, "x")
    restored_log = pickle.loads(pickle.dumps(log))
    restored_log.engine.run_until(5)
    assert restored_log.seen == [(3, "x")]
    assert log.seen == []


def test_earliest_peeks_without_popping_even_cancelled_entries() -> None:
    engine = Engine(0.0)
    log = Log(engine)
    assert engine.earliest() is None
    first = engine.at(5, log.hit, "a")
    engine.at(9, log.hit, "b")
    engine.cancel(first)
    assert engine.earliest() == 5  # conservative: a cancelled entry still counts
    assert engine.next_time() == 9  # the exact answer pops it
    assert engine.earliest() == 9
