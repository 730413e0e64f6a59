"""GovernanceModel: builds the world and owns the clock; the submodels run the closed loop.

`model.step()` advances one day of `model.time` (Mesa's clock, in days);
`model.run_for(n)` / `model.run_until(t)` advance several. Inside a day the
closed loop runs on the event heap described in `sim/schedule.py`; each event
kind is handled by one submodel (`sim/submodels/`, one file per ODD submodel),
which registers its handlers on the heap when the model installs it.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from . import schedule as ev
from .agents import Committee, CountyDepartment, GridWorker, Resident, Township
from .agents.grid_worker import deal_rounds, grid_duty_hours, part_time_day_hours
from .case_log import CaseLog, NoLog
from .cases import GRID, Case, Desk
from .community_types import assign, household_density, profiles
from .dates import Dates, parse_start_date
from .devolution import county_departments, staffing
from .outcomes import DayRecorder
from .population_change import plan_changes
from .scenario import Scenario
from .streams import ExponentialDraws, Streams
from .submodels import SUBMODELS, Submodel
from .territory import build_territory, households_of, territory_from_district
from .units import Rules


class GovernanceModel(mesa.Model):
    """A township with its communities, grids, grid workers, committees and residents.

    `submodels` are the ODD submodels to install, in order (`sim.submodels.SUBMODELS`); an
    experiment may append its own. `case_log` keeps every case's steps (`model.case_log`, for the
    dashboard's case tracer); it changes no output."""

    def __init__(self, scenario: Scenario, seed: int = 0, submodels: tuple[type[Submodel], ...] = SUBMODELS,
                 case_log: bool = True):
        self.case_log = CaseLog() if case_log else NoLog()   # observation only: see sim/case_log.py
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.mesa)
        self._keep_the_clock_whole()
        self.delay = ExponentialDraws(self.streams.delays)
        self.spec = scenario
        self.seed = int(seed)
        v = scenario.values
        self.needs = scenario.needs
        self.events = ev.EventQueue()
        self.calendar = ev.Calendar(v["worker.shift_start_hour"], v["worker.shift_hours"],
                                    v["burden.paperwork_hours_per_day"], v["worker.workdays_per_week"],
                                    Dates(parse_start_date(v["sim.start_date"]), v["sim.days"] + 1))
        self._build_territory(v)
        self._build_population(v)
        # Households that change during the run (ODD 7.39): new estates are placed now, absent until they move in.
        self.household_schedule = plan_changes(self, v) if scenario.changes else None
        self.rules = Rules.build(scenario, self.territory.hh_xy, self.sat_sum)
        self._build_organisation(v)
        self._open_books()
        self._install(submodels)
        self.recorder = DayRecorder(self)
        self._plan_day(0)

    def _keep_the_clock_whole(self) -> None:
        """After a fractional run_for the clock ends mid-day: Mesa's step then drains to it."""
        mesa_step = self.step  # Mesa's step: advance the clock one day (running our daily step on the way)

        def step() -> None:
            mesa_step()
            self.events.drain(self.time)

        self.step = step

    # ------------------------------------------------------------------ world
    def _build_territory(self, v) -> None:
        if v["territory.district_file"]:   # an imported district: drawn at import, nothing drawn here
            self.territory = territory_from_district(v["territory.district_file"])
            return
        households = households_of(v)
        self.territory = build_territory(
            self.streams.space, households, household_density(v),
            v["territory.households_per_block"], v["territory.households_per_community"],
            v["grid.households_per_grid"])

    def _build_population(self, v) -> None:
        """Residents: one per household first, the rest spread at random; ages, access and trust by the
        type of their community (sim/community_types.py)."""
        t = self.territory
        self.community_profiles = profiles(v, assign(v, t.n_communities, t.community_types), self.needs,
                                           self.spec.collective)
        n = int(v["territory.residents"])
        rng = self.streams.population
        extra = rng.integers(t.n_households, size=max(0, n - t.n_households))
        household = np.concatenate([np.arange(min(n, t.n_households)), extra])
        self.residents, self.resident_household, self.resident_elderly = [], household[:0], np.zeros(0, dtype=bool)
        self.sat_sum = [0.0, 0.0]
        self.add_residents(rng, household)

    def add_residents(self, rng: np.random.Generator, household: np.ndarray) -> None:
        """Residents of `household` (one each), drawn from `rng` as the population is: age, digital access
        and trust from the type of their household's community, latent satisfaction. New estates'
        residents come this way too (population_change)."""
        v, prof = self.spec.values, self.community_profiles
        n = len(household)
        u_age, u_digital = rng.random(n), rng.random(n)
        z_trust, z_sat = rng.standard_normal(n), rng.standard_normal(n)
        c = self.territory.hh_community[household]
        elderly = u_age < prof.share_elderly[c]
        digital = u_digital < np.where(elderly, prof.digital_elderly[c], prof.digital_other[c])
        trust = np.clip(prof.trust_mean[c] + v["population.trust_sd"] * z_trust, 0.0, 1.0)
        sat = np.clip(v["satisfaction.initial_mean"] + v["satisfaction.initial_sd"] * z_sat, 0.0, 1.0)
        expect = v["satisfaction.initial_expectation"]
        self.residents.extend(Resident(self, int(h), bool(e), bool(d), float(tr), float(s), expect)
                              for h, e, d, tr, s in zip(household.tolist(), elderly.tolist(), digital.tolist(),
                                                        trust.tolist(), sat.tolist()))
        self.resident_household = np.concatenate([self.resident_household, household])
        self.resident_elderly = np.concatenate([self.resident_elderly, elderly])
        self.by_age = (np.flatnonzero(~self.resident_elderly), np.flatnonzero(self.resident_elderly))
        self.sat_sum[0] += float(sat[~elderly].sum())
        self.sat_sum[1] += float(sat[elderly].sum())

    def _build_organisation(self, v) -> None:
        """Grid network (mesa.discrete_space), grid desks and workers, committees, the township and county
        departments, staffed after decentralisation (`devolution.staffing`)."""
        t = self.territory
        centres = t.grid_centres()
        self.grid_offices = centres.tolist()
        graph = nx.Graph()
        graph.add_nodes_from(range(t.n_grids))
        graph.add_edges_from(t.grid_adjacency())
        self.grid_space = Network(graph, random=self.random, layout={g: centres[g] for g in range(t.n_grids)})
        self.grid_desks, self.workers = [], []
        kinds, hours = self._grid_staff(v)
        weights = [round(h * 60) for h in hours]   # each worker's share of the visiting round
        for g in range(t.n_grids):
            desk = Desk(GRID, g)
            rounds = deal_rounds(t.grid_households[g], weights)
            for j, (part_time, day_hours) in enumerate(zip(kinds, hours)):
                w = GridWorker(self, g, j, desk, self.grid_space[g], centres[g], rounds[j], part_time, day_hours)
                desk.servers.append(w)
                if not part_time:   # part-timers join the idle list in their hours (sim/submodels/shift.py)
                    desk.idle.append(w)
                self.workers.append(w)
            self.grid_desks.append(desk)
        first_grid = {}
        for g, c in enumerate(t.grid_community.tolist()):
            first_grid.setdefault(c, g)
        county, township, committee = staffing(v, self.needs, tuple(map(len, self.by_age)), t.n_communities)
        field = self._field(v)
        self.committees = [Committee(self, c, committee[c], self.grid_space[first_grid[c]],
                                     field(centres[first_grid[c]])) for c in range(t.n_communities)]
        self.township = Township(self, township, field(self._township_seat()))
        self.county = [CountyDepartment(self, d, k, staff)
                       for d, (k, staff) in enumerate(zip(county_departments(self.needs), county))]

    @staticmethod
    def _field(v):
        """With township.travel_kmh, committee and township staff travel to on-site cases from their
        office (a rural township's distances); without, their efforts include the trip."""
        speed = v["township.travel_kmh"] * 24.0
        return lambda xy: ((float(xy[0]), float(xy[1])), speed) if speed > 0 else None

    def _township_seat(self) -> np.ndarray:
        """The township office (乡镇驻地): the household nearest the mean household position."""
        xy = self.territory.hh_xy
        return xy[int(np.argmin(((xy - xy.mean(axis=0)) ** 2).sum(axis=1)))]

    @staticmethod
    def _grid_staff(v) -> tuple[list[bool], list[float]]:
        """Each grid's workers: whether part-time, and hours on grid duty a working day (full-timers:
        the shift after the paperwork)."""
        full, part = v["grid.workers_per_grid"], v["grid.part_time_workers"]
        return [False] * full + [True] * part, [grid_duty_hours(v)] * full + [part_time_day_hours(v)] * part

    def _open_books(self) -> None:
        """The case books every submodel writes to and the outcomes read."""
        self.cases: list[Case] = []
        self.created = self.resolved = self.abandoned = self.lapsed = self.reported = 0
        self.discovered_visit = self.discovered_patrol = 0
        self.open_cases = 0
        self.open_area = 0.0       # integral of open cases over time (Little's law)
        self._open_t = 0.0
        self.surveys: list[dict] = []

    def _install(self, kinds: tuple[type[Submodel], ...]) -> None:
        """Build the submodels in order (each reachable as `model.<name>`), link them, register
        their handlers; then every event kind must have its handler."""
        self.submodels: dict[str, Submodel] = {}
        for kind in kinds:
            sub = kind(self)
            if hasattr(self, kind.name):
                raise ValueError(f"submodel name {kind.name!r} is taken: the model has that attribute")
            self.submodels[sub.name] = sub
            setattr(self, sub.name, sub)
        for sub in self.submodels.values():
            sub.link()
            for event_kind, handler in sub.handlers().items():
                self.events.on(event_kind, handler)
        self.events.check_handlers()

    # --------------------------------------------------------------- the clock
    def run_for(self, duration: float) -> None:
        """Advance `duration` days; a fractional end runs the events due by then."""
        super().run_for(duration)
        self.events.drain(self.time)

    def run_until(self, end_time: float) -> None:
        super().run_until(end_time)
        self.events.drain(self.time)

    def step(self) -> None:
        """One day: run the day's events, record the day, daily work (the survey), plan the next day."""
        self.events.drain(self.time)
        day = int(round(self.time))
        self.recorder.close_day(day - 1)
        for sub in self.submodels.values():
            sub.end_of_day(day)
        self._plan_day(day)

    def _plan_day(self, day: int) -> None:
        for sub in self.submodels.values():
            sub.plan_day(day)

    # ------------------------------------------------------------ the books
    def open_change(self, now: float, delta: int) -> None:
        """A case opens (+1) or closes (-1) at `now`: integrate the open count up to now."""
        self.open_area += self.open_cases * (now - self._open_t)
        self._open_t = now
        self.open_cases += delta

    def open_area_at(self, t: float) -> float:
        """The integral of open cases from 0 to t (t at or after the last change), read-only."""
        return self.open_area + self.open_cases * (t - self._open_t)

    @property
    def latent_satisfaction_mean(self) -> float:
        if self.household_schedule is not None:   # households that come and go: those at home now
            home = self.household_schedule.present(int(self.time))[self.resident_household]
            return float(np.mean([r.satisfaction for r, h in zip(self.residents, home) if h])) if home.any() else math.nan
        return (self.sat_sum[0] + self.sat_sum[1]) / max(1, len(self.residents))

    def residents_at_home(self, first_day: int | None = None) -> np.ndarray:
        """Which residents the satisfaction measures count: those at home on at least one day from
        `first_day` (None: today) to today. A household not yet moved in, gone before, or a migrant
        away the whole time met no service, and its unchanged satisfaction would flatter the mean.
        Everyone when no household changes (ODD 7.39)."""
        if self.household_schedule is None:
            return np.ones(len(self.residents), dtype=bool)
        today = int(self.time)
        home = np.zeros(self.territory.n_households, dtype=bool)
        for day in range(today if first_day is None else min(first_day, today), today + 1):
            home |= self.household_schedule.present(day)
        return home[self.resident_household]

    def residents_of(self, households) -> list[Resident]:
        wanted = np.zeros(self.territory.n_households, dtype=bool)
        wanted[households] = True
        return [self.residents[i] for i in np.flatnonzero(wanted[self.resident_household])]

    def start_emergency(self, name: str, after_days: float = 0.0):
        """Start the scenario's emergency `name` now (or after a delay): for live demonstrations."""
        d = next((e for e in self.spec.emergencies if e.name == name), None)
        if d is None:
            raise KeyError(f"no emergency {name!r} in scenario {self.spec.name}; it has: "
                           + ", ".join(e.name for e in self.spec.emergencies))
        return self.emergency.schedule(d, self.events.now + after_days)


__all__ = ["GovernanceModel"]
