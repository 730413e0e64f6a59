"""How much memory a run will need, estimated from its scenario before anything is built.

A run keeps every resident, household, grid worker and case in memory until it ends (the case
table and the outputs are written from them), so its peak grows with residents × days. Without a
check, 5 million residents × 365 days grew past 6 GB and was killed by the operating system, with
no message. `check` refuses such a run at once, with the estimate and the limit: the memory
available (`MemAvailable` of /proc/meminfo on Linux; physical memory on macOS; no check where
neither is known) or an explicit `--max-memory`.

The constants are peak resident set sizes measured by `benchmarks/bench_memory.py` (a fresh
process per configuration, running as `govsim run` does: simulate with the case table, write the
outputs; least squares on residents, grid workers and cases created). Measured on the development
machine (AMD EPYC, 2 cores, Linux, CPython 3.13, NumPy 2): see the README's Performance section
for the figures. The estimate rounds each constant up and adds a margin, so it errs high.
"""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from .scenario import Scenario, ScenarioError

MIB = 1024 ** 2
GIB = 1024 ** 3

# Measured (benchmarks/bench_memory.py, six configurations: 20k-300k residents, up to 254k cases,
# up to 22,800 grid workers; two fits on one machine gave 143 MiB + 633-639 B per resident +
# 642-701 B per worker + 1,602-1,605 B per case; README, Performance), rounded up:
IMPORTS_BYTES = 150 * MIB         # the interpreter, NumPy, SciPy, Mesa, the model's modules
RUN_FIXED_BYTES = 2 * MIB         # a run of any size: the model's tables, random-number buffers
PER_RESIDENT_BYTES = 650          # a resident, their share of a household, positions, the grid maps
PER_WORKER_BYTES = 2_150          # a grid worker: agent, schedules, queues, its top-down tasks' plans
PER_RESIDENT_DAY_BYTES = 1.0      # top-down tasks done: their number follows the population and the days
PER_CASE_BYTES = 1_650            # a case record, its events, its row of the case table and of cases.csv
MARGIN = 1.15                     # emergencies' follow-up needs, allocator slack, chance variation

# Runs estimated above this print their estimate before they start.
ANNOUNCE_BYTES = 1 * GIB


class MemoryLimitError(ScenarioError):
    """A run would need more memory than is available (or than --max-memory allows)."""


@dataclass(frozen=True)
class Estimate:
    residents: int
    households: int
    workers: int
    cases: float          # expected cases over the run (arrivals and the cases submodels make)
    days: int
    run: int              # bytes the run itself needs
    total: int            # bytes, the whole process (the run and the imports)

    def describe(self) -> str:
        return (f"about {size_text(self.total)} of memory for {self.residents:,} residents, "
                f"{self.workers:,} grid workers and about {self.cases:,.0f} cases over {self.days:,} days")


def expected_cases(scenario: Scenario, days: int | None = None) -> float:
    """Cases expected over the run (`days`, default sim.days): the needs that arrive, plus the cases the
    submodels make during the run (`made_cases`)."""
    days = scenario.values["sim.days"] if days is None else days
    return sum(arrival_rates(scenario)) * days / 365.0 + made_cases(scenario, days)


def arrival_rates(scenario: Scenario) -> list[float]:
    """Needs a year of each type of the catalogue: residents × the need rates (per resident-year),
    weighted by the share of elderly residents, × demand.scale."""
    v = scenario.values
    elderly, scale = v["population.share_elderly"], v["demand.scale"]
    return [v["territory.residents"] * scale * (n.rate_other * (1 - elderly) + n.rate_elderly * elderly)
            for n in scenario.needs]


def made_cases(scenario: Scenario, days: float) -> float:
    """Cases the submodels make during a run of `days`, apart from the arrivals: an expected count
    that leans high (each part assumes the process runs unchecked, see below), so that a scenario that
    makes many of them is not let through on the arrivals alone."""
    per_year = arrival_rates(scenario)
    festering = festering_cases(scenario, days)
    business = business_hazards(scenario, days)
    return (festering + business + recurring_disputes(scenario, days, per_year, festering)
            + incidents(scenario, days, per_year, business))


def festering_cases(scenario: Scenario, days: float) -> float:
    """The extra needs of festering collective issues (ODD 7.36), at their steady stock as if no issue
    were ever agreed or dropped: each type's issues a community-year × affected_share × households,
    festering from their urgency until they lapse, × festering_needs_per_household_year."""
    v = scenario.values
    if not scenario.collective or v["deliberation.festering_need"] not in {n.name for n in scenario.needs}:
        return 0.0
    from .territory import households_of

    lapse = v["deliberation.lapse_days"]
    stock = sum(c.rate_per_year * c.affected_share * max(0.0, lapse - c.urgency_days) / 365.0
                for c in scenario.collective) * households_of(v)
    return v["deliberation.festering_needs_per_household_year"] * stock * days / 365.0


def recurring_disputes(scenario: Scenario, days: float, per_year: list[float], festering: float) -> float:
    """Disputes that arise again (ODD 7.37), as if every dispute ended unsolved: r/(1 − r) later ones
    per dispute (r = safety.recurrence_share), and no more than r × (the days left after it, on average
    half the run) / safety.recurrence_days, the mean wait before it arises again."""
    v = scenario.values
    names = [n.name for n in scenario.needs]
    need = v["safety.dispute_need"]
    if need not in names:
        return 0.0
    disputes = per_year[names.index(need)] * days / 365.0
    if v["deliberation.festering_need"] == need:
        disputes += festering
    r = v["safety.recurrence_share"]
    later = r * days / 2.0 / v["safety.recurrence_days"]
    return disputes * (min(r / (1.0 - r), later) if r < 1.0 else later)


def business_hazards(scenario: Scenario, days: float) -> float:
    """Hazards the businesses give rise to (ODD 7.38) at their rate before any inspection: businesses
    per grid × grids × safety.business_hazard_rate × demand.scale."""
    v = scenario.values
    if v["safety.business_hazard_need"] not in {n.name for n in scenario.needs}:
        return 0.0
    return (v["safety.businesses_per_grid"] * grid_count(v) * v["safety.business_hazard_rate"]
            * v["demand.scale"] * days / 365.0)


def incidents(scenario: Scenario, days: float, per_year: list[float], business: float) -> float:
    """Incidents of hazards nobody found (ODD 7.38), as if none were found: a hazard of a need type
    with harm_days h arising at a uniform time in the run causes one with chance 1 − (h/T)(1 − e^(−T/h))."""
    v = scenario.values
    out = 0.0
    for n, rate in zip(scenario.needs, per_year):
        if n.harm_days <= 0:
            continue
        hazards = rate * days / 365.0 + (business if n.name == v["safety.business_hazard_need"] else 0.0)
        ratio_ = n.harm_days / days if days > 0 else math.inf
        out += hazards * (1.0 - ratio_ * -math.expm1(-1.0 / ratio_))
    return out


def grid_count(values: Mapping[str, Any]) -> int:
    """Grids the territory will have: cut per community (at least one each)."""
    from .territory import community_count, households_of

    communities = community_count(values)
    return communities * max(1, round(households_of(values) / communities / values["grid.households_per_grid"]))


def grid_workers(values: Mapping[str, Any]) -> int:
    """Grid workers the territory will have."""
    return grid_count(values) * (values["grid.workers_per_grid"] + values["grid.part_time_workers"])


def estimate(scenario: Scenario, days: int | None = None) -> Estimate:
    """The peak memory of a run of `scenario` over `days` (default: its sim.days)."""
    from .territory import households_of

    v = scenario.values
    days = int(v["sim.days"] if days is None else days)
    residents = int(v["territory.residents"])
    workers = grid_workers(v)
    cases = expected_cases(scenario, days)
    run = RUN_FIXED_BYTES + int(MARGIN * (PER_RESIDENT_BYTES * residents + PER_WORKER_BYTES * workers
                                          + PER_CASE_BYTES * cases + PER_RESIDENT_DAY_BYTES * residents * days))
    return Estimate(residents, households_of(v), workers, cases, days, run, IMPORTS_BYTES + run)


def available() -> int | None:
    """Memory this process may still use: MemAvailable on Linux, physical memory on macOS and
    other POSIX systems; None where it is not known (Windows: no check)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'4G', '512M', '1.5GB', '2GiB', '1000000' (bytes) -> bytes (powers of 1024). ValueError otherwise."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text[:40]!r} is not a memory size; write e.g. 4G, 512M or 1.5GB")
    number, unit = float(m.group(1)), m.group(2).lower()
    value = number * 1024 ** " kmgt".index(unit or " ")
    if not 0 < value < 2 ** 63:
        raise ValueError(f"{text[:40]!r}: a memory size above zero, e.g. 4G")
    return int(value)


def size_text(n: float) -> str:
    for unit, scale in (("TB", 1024 ** 4), ("GB", GIB), ("MB", MIB)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{math.ceil(n / 1024)} kB"


def check(scenario: Scenario, limit: int | None = None, *, copies: int = 1, file: str | None = None,
          days: int | None = None, hint: str = "or raise the limit with --max-memory") -> Estimate:
    """Refuse (MemoryLimitError) a scenario whose run (over `days`, default sim.days) would not fit:
    `copies` runs at once (parallel workers) against `limit` bytes, or against the memory
    available when no limit is given."""
    est = estimate(scenario, days)
    if limit is not None:
        against = f"the --max-memory limit of {size_text(limit)}"
    else:
        limit = available()
        if limit is None:
            return est
        against = f"the {size_text(limit)} available" + (" (MemAvailable)" if sys.platform.startswith("linux") else "")
    need = est.total * copies
    if need > limit:
        many = f", × {copies} runs at once" if copies > 1 else ""
        raise MemoryLimitError(
            file or (scenario.files[0] if scenario.files else scenario.name), None, None,
            f"this run needs {est.describe()}{many}: more than {against}; reduce territory.residents or "
            f"sim.days (or grid.workers_per_grid){', ' + hint if hint else ''}")
    return est
