"""Process overview and scheduling: the event kinds, their order, the calendar.

govsim is event-driven. Mesa's clock (`model.time`, in days) advances one day
per `model.step()`; within a day, the closed loop runs on a private binary heap
of timestamped events, because a heap push and pop costs a fraction of
`Model.schedule_event` (measured in benchmarks/bench_events.py). Residents are
never stepped: they act only when an event concerns them.

Events at the same instant run in the order they were scheduled (a sequence
number breaks ties), so one seed gives one history. Two things keep the heap
small, so that its cost per event does not grow with the population: the day's
need arrivals, already sorted, wait in a list merged with the heap, and events
beyond the current day (patience and lapse timers, mostly) wait in per-day
buckets that join the heap when their day comes.

Event kinds, in the order a case meets them (ODD "process overview"):

    NEED      a need arises for a resident        -> Resident decides to report or not
    REPORT    the resident reports it             -> routed by channel
    ARRIVE    the case reaches a desk's queue     -> a free server starts it
    DONE      a server finishes                   -> resolved, or handed up a level
    COUNTY    a referred case's report deadline   -> a late report, under supervision, if still waiting
    VERIFY    verification and rating             -> satisfaction, expectation, trust
    ABANDON   a waiting resident's patience ends  -> abandoned if still queued
    LAPSE     an unreported need lapses           -> abandoned if still undiscovered
    DISCOVER  a grid worker's visit or patrol finds a latent need
    SHIFT     the working day: offices open / grid workers done with paperwork / all close

Emergencies (sim/emergency.py) add their own kinds: onset and detection, activation, the switch of
staff, a welfare or follow-up task done, the morning call to volunteers, the end, a switched
server back on routine work, and satisfaction measured 30 days after.

Once a day (`GovernanceModel.step`): drain the heap to the day's end, record
the day's row, run the survey if due, and draw the next day's needs.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from datetime import date

import numpy as np

from .dates import Dates

NEED, REPORT, ARRIVE, DONE, COUNTY, VERIFY, ABANDON, LAPSE, DISCOVER, SHIFT = range(10)
# Emergencies (sim/emergency.py): onset and detection, activation, the switch, a task done, the
# morning call to volunteers, the end, a switched server back on routine work, satisfaction after.
EM_ONSET, EM_ACTIVATE, EM_SWITCH, TASK_DONE, EM_CALL, EM_END, EM_BACK, EM_AFTER = range(10, 18)
AID_DONE = 18  # a volunteer finishes a routine mutual-aid case (邻里互助)
KIND_NAMES = ("need", "report", "arrive", "done", "county", "verify", "abandon", "lapse", "discover", "shift",
              "em_onset", "em_activate", "em_switch", "task_done", "em_call", "em_end", "em_back", "em_after",
              "aid_done")

# SHIFT phases
OFFICES_OPEN, GRID_ON_DUTY, ALL_CLOSE, PART_TIMERS_OFF = range(4)


class EventQueue:
    """A heap of (time, seq, kind, a, b) and the handler each kind is registered with.

    Submodels register their handlers by kind (`on`); a submodel that brings a kind of its own
    asks for a new number (`new_kind`). `handlers` is the dispatch table the loop reads,
    indexed by kind; a `drain` refuses to start while a kind has no handler."""

    __slots__ = ("heap", "seq", "now", "handlers", "kind_names", "processed", "arr_t", "arr_c", "arr_i",
                 "arr_seq0", "horizon", "buckets")

    def __init__(self) -> None:
        self.heap: list[tuple] = []
        self.seq = 0
        self.now = 0.0
        self.kind_names: list[str] = list(KIND_NAMES)
        self.handlers: list[Callable | None] = [None] * len(KIND_NAMES)
        self.processed = 0
        self.arr_t: list[float] = []   # the day's NEED arrivals, sorted by time, outside the heap
        self.arr_c: list = []
        self.arr_i = 0
        self.arr_seq0 = 0
        self.horizon = 0.0             # events later than this wait in per-day buckets, off the heap
        self.buckets: dict[int, list[tuple]] = {}

    def on(self, kind: int, handler: Callable) -> None:
        """Register the handler of an event kind: called as handler(a, b) at the event's time."""
        if self.handlers[kind] is not None:
            raise ValueError(f"event kind {self.kind_names[kind]!r} already has a handler")
        self.handlers[kind] = handler

    def new_kind(self, name: str) -> int:
        """A new event kind, numbered after the others, for a submodel that brings its own."""
        if name in self.kind_names:
            raise ValueError(f"event kind {name!r} exists already")
        self.kind_names.append(name)
        self.handlers.append(None)
        return len(self.kind_names) - 1

    def check_handlers(self) -> None:
        missing = [self.kind_names[k] for k, h in enumerate(self.handlers) if h is None]
        if missing:
            raise RuntimeError("event kinds without a handler: " + ", ".join(missing))

    def set_arrivals(self, times: list[float], cases: list) -> None:
        """A day's NEED events (times sorted): they get seq numbers as if pushed now, in order."""
        for j in range(self.arr_i, len(self.arr_t)):  # not yet due (a drain to a fractional time): to the heap
            self._put((self.arr_t[j], self.arr_seq0 + j, NEED, self.arr_c[j], None))
        self.arr_t, self.arr_c, self.arr_i = times, cases, 0
        self.arr_seq0 = self.seq + 1
        self.seq += len(times)

    def push(self, time: float, kind: int, a=None, b=None) -> None:
        self.seq += 1
        self._put((time, self.seq, kind, a, b))

    def _put(self, entry: tuple) -> None:
        """Events up to the horizon (the last drain's end) go on the heap; later ones wait in the
        bucket of their day, k = ceil(time), covering (k - 1, k], off the heap."""
        time = entry[0]
        if time <= self.horizon or time == math.inf:
            heapq.heappush(self.heap, entry)
        else:
            k = math.ceil(time)
            bucket = self.buckets.get(k)
            if bucket is None:
                self.buckets[k] = [entry]
            else:
                bucket.append(entry)

    def drain(self, until: float) -> None:
        """Run every event with time <= until, in (time, seq) order."""
        heap, handlers, pop = self.heap, self.handlers, heapq.heappop
        if None in handlers:
            self.check_handlers()
        if until > self.horizon:
            self.horizon = until
            due = [k for k in self.buckets if k - 1 < until]  # buckets that may hold times <= until
            if due:
                for k in due:
                    heap.extend(self.buckets.pop(k))
                heapq.heapify(heap)
        at, ac, i, s0 = self.arr_t, self.arr_c, self.arr_i, self.arr_seq0
        na = len(at)
        need = handlers[NEED]
        n = 0
        while True:
            if i < na and at[i] <= until:
                ta = at[i]
                if heap:
                    h = heap[0]
                    if h[0] < ta or (h[0] == ta and h[1] < s0 + i):
                        time, _, kind, a, b = pop(heap)
                        self.now = time
                        handlers[kind](a, b)
                        n += 1
                        continue
                self.now = ta
                i += 1
                self.arr_i = i
                need(ac[i - 1], None)
                n += 1
            elif heap and heap[0][0] <= until:
                time, _, kind, a, b = pop(heap)
                self.now = time
                handlers[kind](a, b)
                n += 1
            else:
                break
        self.processed += n
        if until > self.now:
            self.now = until

    def pending(self):
        """Every scheduled, not yet processed event as (time, seq, kind, a, b), in no particular order."""
        yield from self.heap
        for j in range(self.arr_i, len(self.arr_t)):
            yield (self.arr_t[j], self.arr_seq0 + j, NEED, self.arr_c[j], None)
        for bucket in self.buckets.values():
            yield from bucket

    def __len__(self) -> int:
        return len(self.heap) + len(self.arr_t) - self.arr_i + sum(map(len, self.buckets.values()))


class Calendar:
    """Working days and hours shared by all staff (days are model time units).

    With `workdays_per_week` = 5 the working days are the official ones of the real calendar
    (`dates.Dates`: public holidays off, the make-up weekend days of 调休 worked); with 7 every day,
    holidays included; with 1-4 or 6 the first that many days of each real week, Monday first
    (6: Monday to Saturday), whatever the holidays."""

    def __init__(self, shift_start_hour: float, shift_hours: float, paperwork_hours: float, workdays_per_week: int,
                 dates: Dates | None = None):
        self.start = shift_start_hour / 24.0
        self.length = shift_hours / 24.0
        self.paperwork = paperwork_hours / 24.0
        self.workdays = workdays_per_week
        self.dates = dates if dates is not None else Dates(date(2025, 1, 1))
        # Staff who work around the clock every day never change state: no shift events at all.
        self.always_on = shift_hours >= 24.0 and workdays_per_week >= 7

    def is_workday(self, day: int) -> bool:
        if self.workdays >= 7:
            return True
        if self.workdays == 5:
            return self.dates.is_workday(day)
        self.dates.ensure(day)
        return bool(self.dates.weekday[day] < self.workdays)

    def workday_mask(self, days: np.ndarray) -> np.ndarray:
        """is_workday for an array of days (all >= 0)."""
        if self.workdays >= 7 or not len(days):
            return np.ones(len(days), dtype=bool)
        self.dates.ensure(int(days.max()))
        if self.workdays == 5:
            return self.dates.workday[days]
        return self.dates.weekday[days] < self.workdays

    def in_hours(self, t: np.ndarray) -> np.ndarray:
        """Whether each time falls within a shift (office hours) on a working day."""
        if self.always_on:
            return np.ones(len(t), dtype=bool)
        day = np.floor(t).astype(np.int64)
        clock = t - day
        return self.workday_mask(day) & (clock >= self.start) & (clock < self.start + self.length)

    def shift_events(self, day: int) -> list[tuple[float, int]]:
        """(time, phase) of the day's shift events; none on a rest day or when always on."""
        if self.always_on or not self.is_workday(day):
            return []
        t0 = day + self.start
        return [(t0, OFFICES_OPEN), (t0 + self.paperwork, GRID_ON_DUTY), (t0 + self.length, ALL_CLOSE)]
