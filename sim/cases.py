"""The case record and the desks where cases queue (闭环管理).

A Case carries every timestamp of the loop: need arises -> reported or
discovered -> accepted (first response) -> each hand-off (arrival at each
level) -> closed (办结) -> the follow-up call (回访) learns whether it was solved
(解决): rated, or reopened (重办) at the level that closed it; or abandoned.
Times are model days; NaN means "did not happen".

A Desk is a queue plus the servers who work it: a grid's workers, a
committee's staff, the township's departments, a county department's staff
serving the township. Queue order is urgency class (a supervised case raised
one class, never into the urgent one), then report time (then case id, for determinism).
"""

from __future__ import annotations

import heapq
import math

NAN = math.nan

# status
LATENT, QUEUED, IN_SERVICE, IN_TRANSIT, RESOLVED, ABANDONED, PETITIONED = range(7)
STATUS_NAMES = ("latent", "queued", "in_service", "in_transit", "resolved", "abandoned", "petitioned")
# PETITIONED: a dispute whose mediation failed at the township left the loop for the court or a
# petition (信访, ODD 7.37): not closed, not solved; `t_abandon` holds the time it left.
# RESOLVED means closed (办结); whether the need was solved (解决) is `Case.solved`:
SOLVED_UNKNOWN, NOT_SOLVED, SOLVED = -1, 0, 1

# channels
IN_PERSON, HOTLINE, APP, VISIT, PATROL, NOT_REPORTED = range(6)
CHANNEL_NAMES = ("in_person", "hotline", "app", "visit", "patrol", "none")

GRID, COMMITTEE, TOWNSHIP, COUNTY = range(4)

URGENT = 0  # the most urgent class, first in URGENCY (2 h deadline)
SUPERVISED = 0.5  # the highest queue priority of a supervised case: after urgent cases, before "fast" (1)

# Ids of the cases a submodel makes during the run, apart from the arrivals' 0, 1, 2, ..., in a band of
# 2**40 ids per maker (band = id >> MADE_ID_BITS): a scenario that makes more of them leaves every
# arrival's id, and every other maker's, and so their draws by case id, as they were (common random
# numbers). Two makers never share an id.
MADE_ID_BITS = 40
MADE_CASE_IDS = 1 << MADE_ID_BITS     # band 1: disputes that arise again (§7.37)
FESTERING_CASE_IDS = 2 << MADE_ID_BITS  # band 2: the extra needs of festering collective issues (§7.36)

# Columns of each case's uniforms (common random numbers, drawn with the day's needs).
U_REPORT, U_APP, U_OFFLINE, U_DELAY, U_PATIENCE, U_RATING = range(6)
N_CASE_U = 8  # + level and effort, consumed at creation
U_ROUTE = 6   # appended from the "routing" stream: misrouting by dispatch


class Case:
    __slots__ = (
        "id", "need", "resident", "household", "grid", "community", "level", "urgency", "deadline",
        "effort", "channel", "status", "lapsed",
        "t_arise", "t_report", "t_accept", "t_in", "t_resolve", "t_verify", "t_abandon",
        "resolved_level", "grade", "u", "supervised", "queued", "desk", "misrouted", "misrouted_to",
        "solved", "reopened", "t_reopen", "t_first_close", "t_first_call",
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
        self.supervised = False       # overdue and escalated with supervision (督办): served first
        self.queued = 0               # how often it was queued; a queue entry of an older count is stale
        self.desk = None              # the desk whose queue it last joined
        self.misrouted = False        # at or on its way to a wrong desk, which will send it back (退单)
        self.misrouted_to = -1        # the level of the wrong desk it was first dispatched to; -1 if none
        self.solved = SOLVED_UNKNOWN  # drawn at closure, learned by the follow-up call
        self.reopened = 0             # times reopened (重办) after a follow-up call found it unsolved
        self.t_reopen = NAN           # the last reopening: the reopened work order's deadline runs from here
        self.t_first_close = NAN      # the first closure: the original work order's 办结 (t_resolve is the last)
        self.t_first_call = NAN       # the first follow-up call (t_verify is the last closure's)


class Desk:
    """A priority queue and its servers at one level."""

    __slots__ = ("level", "index", "queue", "servers", "idle", "duty", "on_call_busy")

    def __init__(self, level: int, index: int):
        self.duty: int | None = None   # off duty, at most this many servers work at once (值班); None: any
        self.on_call_busy = 0          # servers working off duty right now
        self.level = level
        self.index = index
        self.queue: list[tuple] = []
        self.servers: list = []
        self.idle: list = []   # servers not serving a case (stack: the last freed goes first)

    def put(self, case: Case) -> None:
        """Queue the case by urgency class, then report time. A supervised case (督办) is raised one
        class (a general case joins the fast ones, oldest first), but a fast one only to SUPERVISED,
        behind the urgent class, which keeps the on-call rule of `next_case` exact. Putting a case
        again (when it comes under supervision) leaves its older entry stale."""
        case.queued += 1
        case.desk = self
        priority = max(case.urgency - 1, SUPERVISED) if case.supervised else case.urgency
        heapq.heappush(self.queue, (priority, case.t_report, case.id, case, case.queued))

    def pop(self) -> Case | None:
        """The next waiting case, skipping those abandoned while queued and stale entries."""
        q = self.queue
        while q:
            entry = heapq.heappop(q)
            case = entry[3]
            if case.status == QUEUED and entry[4] == case.queued:
                return case
        return None

    def next_case(self, on_duty: bool, on_call: bool) -> Case | None:
        """What a free server of this desk takes next: on duty, the first waiting case; off duty,
        only an urgent one, and only if staff are on call."""
        if not on_duty and not (on_call and self.peek_urgency() == 0):
            return None
        return self.pop()

    def peek_urgency(self) -> int | None:
        """The urgency class of the next waiting case."""
        q = self.queue
        while q and (q[0][3].status != QUEUED or q[0][4] != q[0][3].queued):
            heapq.heappop(q)
        return q[0][3].urgency if q else None
