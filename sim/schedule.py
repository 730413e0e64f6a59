"""Process overview and scheduling: the event kinds, their order, the calendar.

govsim is event-driven. Mesa's clock (`model.time`, in days) advances one day
per `model.step()`; within a day, the closed loop runs on a private binary heap
of timestamped events, because a heap push and pop costs a fraction of
`Model.schedule_event` (measured in benchmarks/bench_events.py). Residents are
never stepped: they act only when an event concerns them.

Events at the same instant run in the order they were scheduled (a sequence
number breaks ties), so one seed gives one history.

Event kinds, in the order a case meets them (ODD "process overview"):

    NEED      a need arises for a resident        -> Resident decides to report or not
    REPORT    the resident reports it             -> routed by channel
    ARRIVE    the case reaches a desk's queue     -> a free server starts it
    DONE      a server finishes                   -> resolved, or handed up a level
    COUNTY    a county department finishes        -> resolved
    VERIFY    verification and rating             -> satisfaction, expectation, trust
    ABANDON   a waiting resident's patience ends  -> abandoned if still queued
    LAPSE     an unreported need lapses           -> abandoned if still undiscovered
    DISCOVER  a grid worker's visit or patrol finds a latent need
    SHIFT     the working day: offices open / grid workers done with paperwork / all close

Once a day (`GovernanceModel.step`): drain the heap to the day's end, record
the day's row, run the survey if due, and draw the next day's needs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

NEED, REPORT, ARRIVE, DONE, COUNTY, VERIFY, ABANDON, LAPSE, DISCOVER, SHIFT = range(10)
KIND_NAMES = ("need", "report", "arrive", "done", "county", "verify", "abandon", "lapse", "discover", "shift")

# SHIFT phases
OFFICES_OPEN, GRID_ON_DUTY, ALL_CLOSE = range(3)


class EventQueue:
    """A heap of (time, seq, kind, a, b) with a dispatch table indexed by kind."""

    __slots__ = ("heap", "seq", "now", "handlers", "processed")

    def __init__(self) -> None:
        self.heap: list[tuple] = []
        self.seq = 0
        self.now = 0.0
        self.handlers: list[Callable] = []
        self.processed = 0

    def push(self, time: float, kind: int, a=None, b=None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (time, self.seq, kind, a, b))

    def drain(self, until: float) -> None:
        """Run every event with time <= until, in (time, seq) order."""
        heap, handlers, pop = self.heap, self.handlers, heapq.heappop
        n = 0
        while heap and heap[0][0] <= until:
            time, _, kind, a, b = pop(heap)
            self.now = time
            handlers[kind](a, b)
            n += 1
        self.processed += n
        if until > self.now:
            self.now = until

    def __len__(self) -> int:
        return len(self.heap)


class Calendar:
    """Working days and hours shared by all staff (days are model time units)."""

    def __init__(self, shift_start_hour: float, shift_hours: float, paperwork_hours: float, workdays_per_week: int):
        self.start = shift_start_hour / 24.0
        self.length = shift_hours / 24.0
        self.paperwork = paperwork_hours / 24.0
        self.workdays = workdays_per_week
        # Staff who work around the clock every day never change state: no shift events at all.
        self.always_on = shift_hours >= 24.0 and workdays_per_week >= 7

    def is_workday(self, day: int) -> bool:
        return day % 7 < self.workdays  # day 0 is a Monday

    def shift_events(self, day: int) -> list[tuple[float, int]]:
        """(time, phase) of the day's shift events; none on a rest day or when always on."""
        if self.always_on or not self.is_workday(day):
            return []
        t0 = day + self.start
        return [(t0, OFFICES_OPEN), (t0 + self.paperwork, GRID_ON_DUTY), (t0 + self.length, ALL_CLOSE)]
