"""The case record and the desks where cases queue (闭环管理).

A Case carries every timestamp of the loop: need arises -> reported or
discovered -> accepted (first response) -> each hand-off (arrival at each
level) -> closed (办结) -> the follow-up call (回访) learns whether it was solved
(解决): rated, or reopened (重办) at the level that closed it; or abandoned.
Times are model days; NaN means "did not happen".

A Desk is a queue plus the servers who work it: a grid's workers, a
committee's staff, the township's departments. Queue order is urgency class,
then report time (then case id, for determinism).
"""

from __future__ import annotations

import heapq
import math

NAN = math.nan

# status
LATENT, QUEUED, IN_SERVICE, IN_TRANSIT, RESOLVED, ABANDONED = range(6)
STATUS_NAMES = ("latent", "queued", "in_service", "in_transit", "resolved", "abandoned")
# RESOLVED means closed (办结); whether the need was solved (解决) is `Case.solved`:
SOLVED_UNKNOWN, NOT_SOLVED, SOLVED = -1, 0, 1

# channels
IN_PERSON, HOTLINE, APP, VISIT, PATROL, NOT_REPORTED = range(6)
CHANNEL_NAMES = ("in_person", "hotline", "app", "visit", "patrol", "none")

GRID, COMMITTEE, TOWNSHIP, COUNTY = range(4)

URGENT = 0  # the most urgent class, first in URGENCY (2 h deadline)

# Columns of each case's uniforms (common random numbers, drawn with the day's needs).
U_REPORT, U_APP, U_OFFLINE, U_DELAY, U_PATIENCE, U_RATING = range(6)
N_CASE_U = 8  # + level and effort, consumed at creation


class Case:
    __slots__ = (
        "id", "need", "resident", "household", "grid", "community", "level", "urgency", "deadline",
        "effort", "channel", "status", "lapsed",
        "t_arise", "t_report", "t_accept", "t_in", "t_resolve", "t_verify", "t_abandon",
        "resolved_level", "grade", "u", "solved", "reopened", "t_reopen", "t_first_close",
    )

    def __init__(self, cid, need, resident, household, grid, community, level, urgency, deadline, effort, t, u):
        self.id = cid
        self.need = need              # index into the needs catalogue
        self.resident = resident      # Resident agent
        self.household = household
        self.grid = grid
        self.community = community
        self.level = level            # lowest level with authority, after decentralisation
        self.urgency = urgency        # index into URGENCY (0 = most urgent)
        self.deadline = deadline      # days, from report
        self.effort = effort          # days of hands-on work
        self.channel = NOT_REPORTED
        self.status = LATENT
        self.lapsed = False
        self.t_arise = t
        self.t_report = NAN
        self.t_accept = NAN
        self.t_in = [NAN, NAN, NAN, NAN]  # arrival at grid, committee, township, county
        self.t_resolve = NAN
        self.t_verify = NAN
        self.t_abandon = NAN
        self.resolved_level = -1
        self.grade = 0                # 1..5 on the 好差评 scale; 0 = not rated
        self.u = u                    # this case's uniforms (common random numbers), columns U_* above
        self.solved = SOLVED_UNKNOWN  # drawn at closure, learned by the follow-up call
        self.reopened = 0             # times reopened (重办) after a follow-up call found it unsolved
        self.t_reopen = NAN           # the last reopening: the reopened work order's deadline runs from here
        self.t_first_close = NAN      # the first closure: the original work order's 办结 (t_resolve is the last)


class Desk:
    """A priority queue and its servers at one level."""

    __slots__ = ("level", "index", "queue", "servers", "idle")

    def __init__(self, level: int, index: int):
        self.level = level
        self.index = index
        self.queue: list[tuple] = []
        self.servers: list = []
        self.idle: list = []   # servers not serving a case (stack: the last freed goes first)

    def put(self, case: Case) -> None:
        heapq.heappush(self.queue, (case.urgency, case.t_report, case.id, case))

    def pop(self) -> Case | None:
        """The next waiting case, skipping those abandoned while queued."""
        q = self.queue
        while q:
            case = heapq.heappop(q)[3]
            if case.status == QUEUED:
                return case
        return None

    def next_case(self, on_duty: bool, on_call: bool) -> Case | None:
        """What a free server of this desk takes next: on duty, the first waiting case; off duty,
        only an urgent one, and only if staff are on call."""
        if not on_duty and not (on_call and self.peek_urgency() == 0):
            return None
        return self.pop()

    def peek_urgency(self) -> int | None:
        q = self.queue
        while q and q[0][3].status != QUEUED:
            heapq.heappop(q)
        return q[0][0] if q else None
