"""The event queue's registry: one handler per kind, registered by kind, checked before the run."""

import pytest

from sim import schedule as ev
from sim.schedule import EventQueue


def _full_queue() -> EventQueue:
    q = EventQueue()
    for kind in range(len(ev.KIND_NAMES)):
        q.on(kind, lambda a, b: None)
    return q


def test_a_kind_registered_twice_is_refused():
    q = EventQueue()
    q.on(ev.NEED, lambda a, b: None)
    with pytest.raises(ValueError, match="need"):
        q.on(ev.NEED, lambda a, b: None)


def test_a_kind_without_a_handler_stops_the_run_before_it_starts():
    q = EventQueue()
    q.on(ev.NEED, lambda a, b: None)
    with pytest.raises(RuntimeError, match="report"):
        q.drain(1.0)


def test_a_new_kind_runs_its_own_handler_in_time_order():
    q = _full_queue()
    seen = []
    ping = q.new_kind("ping")
    q.on(ping, lambda a, b: seen.append((q.now, a)))
    q.push(0.5, ping, "second")
    q.push(0.25, ping, "first")
    q.drain(1.0)
    assert seen == [(0.25, "first"), (0.5, "second")]
    with pytest.raises(ValueError):
        q.new_kind("ping")


def test_a_new_kind_needs_its_handler_too():
    q = _full_queue()
    q.new_kind("pong")
    with pytest.raises(RuntimeError, match="pong"):
        q.drain(1.0)
