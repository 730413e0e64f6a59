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
    cases: float          # expected cases over the run (from the need rates)
    days: int
    run: int              # bytes the run itself needs
    total: int            # bytes, the whole process (the run and the imports)

    def describe(self) -> str:
        return (f"about {size_text(self.total)} of memory for {self.residents:,} residents, "
                f"{self.workers:,} grid workers and about {self.cases:,.0f} cases over {self.days:,} days")


def expected_cases(scenario: Scenario, days: int | None = None) -> float:
    """Needs expected to arise over the run (`days`, default sim.days): residents × days × the need
    rates (per resident-year), weighted by the share of elderly residents."""
    v = scenario.values
    elderly = v["population.share_elderly"]
    per_year = sum(n.rate_other * (1 - elderly) + n.rate_elderly * elderly for n in scenario.needs)
    return v["territory.residents"] * per_year * (v["sim.days"] if days is None else days) / 365.0


def grid_workers(values: Mapping[str, Any]) -> int:
    """Grid workers the territory will have: grids are cut per community (at least one each)."""
    from .territory import community_count, households_of

    households = households_of(values)
    communities = community_count(values)
    per_community = households / communities
    grids = communities * max(1, round(per_community / values["grid.households_per_grid"]))
    return grids * (values["grid.workers_per_grid"] + values["grid.part_time_workers"])


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
