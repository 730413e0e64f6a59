"""The case event log: what happened to each case, when and by whom (ODD §8, observation).

The case record (`sim.cases.Case`) keeps the loop's first and last times; the log keeps every step in
order — each report, dispatch, arrival at a desk, the server who took the case up, each hand-off,
closure (办结), follow-up call (回访), reopening, rating — so the dashboard's case tracer can follow one
case through the closed loop. It only observes: it draws no random numbers and nothing reads it back
into the model, so a run's outputs are the same with the log on or off.

Entries are kept in typed arrays (columns), 25 bytes an entry, not as Python objects: a workshop run
of thousands of cases holds a few hundred kilobytes.
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

import numpy as np

# What happened (the `event` column). `extra` holds: REPORTED the channel (sim.cases.CHANNEL_NAMES),
# DISPATCHED 1 when misrouted, CALLED 1 when found solved, RATED / ABANDONED / PETITIONED the grade.
(REPORTED, DISCOVERED, DISPATCHED, ARRIVED, TAKEN, AIDED, HANDED_UP, SENT_BACK, REFERRED, CLOSED, CALLED,
 REOPENED, RATED, ABANDONED, LAPSED, PETITIONED, SUPERVISED, LATE_REPORT) = range(18)
EVENT_NAMES = ("reported", "discovered", "dispatched", "arrived", "taken", "aided", "handed_up", "sent_back",
               "referred", "closed", "called", "reopened", "rated", "abandoned", "lapsed", "petitioned",
               "supervised", "late_report")

# Who acted (the `level` column): a desk's level (sim.cases.GRID ... COUNTY), or one of these.
RESIDENT, PLATFORM, VOLUNTEER, NOBODY = 4, 5, 6, -1
BYTES_PER_ENTRY = 8 + 8 + 1 + 1 + 4 + 2 + 1   # case id, time, event, level, desk index, slot, extra


class Entry(NamedTuple):
    """One logged event: `time` in model days; who acted: `level` (a desk level or RESIDENT, PLATFORM,
    VOLUNTEER, NOBODY), `desk` (a desk's index: grid, community, county department; for RESIDENT the
    household, for PLATFORM the channel, for VOLUNTEER the grid; -1 if none), `slot` (a grid worker's
    place at its grid; -1 for office staff, who act as their desk)."""

    case: int
    event: int
    time: float
    level: int
    desk: int
    slot: int
    extra: int


class CaseLog:
    """Append-only columns of case events, in the order they happen (so in time order)."""

    def __init__(self) -> None:
        self.case, self.time = array("q"), array("d")
        self.event, self.level, self.extra = array("b"), array("b"), array("b")
        self.desk, self.slot = array("i"), array("h")

    def add(self, case, event: int, time: float, level: int = NOBODY, desk: int = -1, slot: int = -1,
            extra: int = 0) -> None:
        self.case.append(case.id)
        self.event.append(event)
        self.time.append(time)
        self.level.append(level)
        self.desk.append(desk)
        self.slot.append(slot)
        self.extra.append(extra)

    def by_server(self, case, event: int, time: float, server, extra: int = 0) -> None:
        """An event done by a server: a grid worker by its grid and slot, office staff by their desk."""
        desk = server.desk
        self.add(case, event, time, desk.level, desk.index, getattr(server, "slot", -1), extra)

    def at_desk(self, case, event: int, time: float, desk, extra: int = 0) -> None:
        self.add(case, event, time, desk.level, desk.index, -1, extra)

    def __len__(self) -> int:
        return len(self.case)

    def nbytes(self) -> int:
        """The bytes the entries take (the arrays' contents, not their slack)."""
        return len(self) * BYTES_PER_ENTRY

    def entries(self, case_id: int) -> list[Entry]:
        """The events of one case, in the order they happened."""
        ids = np.frombuffer(self.case, dtype=np.int64) if len(self.case) else np.zeros(0, dtype=np.int64)
        return [Entry(case_id, self.event[i], self.time[i], self.level[i], self.desk[i], self.slot[i],
                      self.extra[i]) for i in np.flatnonzero(ids == case_id).tolist()]


class NoLog:
    """The log switched off (`GovernanceModel(..., case_log=False)`): every call does nothing."""

    def add(self, *_, **__) -> None:
        pass

    by_server = at_desk = add

    def __len__(self) -> int:
        return 0

    def nbytes(self) -> int:
        return 0

    def entries(self, case_id: int) -> list[Entry]:
        raise ValueError("this model runs without its case log (GovernanceModel(..., case_log=False)): "
                         "no case can be traced")
