"""Analytic validation: the M/M/c reduction against Erlang C, Little's law, and the steady state of
the measured window.

The M/M/c reduction is the real model — the same `sim.run` code path as
`govsim run` — configured so that only queueing remains: one grid with c
workers on duty around the clock, one need type resolved at grid level,
Poisson arrivals, exponential effort, every need reported at once in person,
no travel, escalation, breaks, paperwork, discovery, abandonment or
verification delay. A case's
response time (report to acceptance) is then the M/M/c waiting time.

The steady state: the calendar's seasons make it a yearly cycle (ODD 7.16), so the measured window
has started at it when a quantity's mean over the first measured year and over the second differ by
no more than noise: |mean over seeds of the change| ≤ the standard deviation of one seed's change
(`Drift.within_noise`); the 95% confidence interval of the mean change is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
from scipy import stats

from .queueing import mmc_metrics
from .runner import run
from .scenario import Scenario, ScenarioError, from_dict, load

MMC_RATE_PER_RESIDENT = 500.0  # needs per resident-year: few residents, so building the world is cheap


def mmc_scenario(arrival_rate: float, service_rate: float, servers: int, cases: int) -> Scenario:
    """A scenario that reduces the model to M/M/c. Rates are per hour."""
    mmc_metrics(arrival_rate, service_rate, servers)  # for its checks: raises on unstable or bad input
    _check_mmc_size(arrival_rate, servers, cases)
    days = max(2, math.ceil(cases / (arrival_rate * 24.0)))
    residents = max(50, math.ceil(arrival_rate * 24.0 * 365.0 / MMC_RATE_PER_RESIDENT))
    rate = arrival_rate * 24.0 * 365.0 / residents
    warmup = max(1, round(0.02 * days))
    raw = {
        "name": "mmc",
        "description": f"M/M/c reduction: lambda={arrival_rate}/h, mu={service_rate}/h, c={servers}",
        "sim": {"days": days + warmup, "warmup_days": warmup},
        "territory": {"residents": residents, "household_size": 1.0, "households_per_community": 1_000_000},
        "grid": {"households_per_grid": 1_000_000, "workers_per_grid": servers},
        "worker": {"shift_start_hour": 0.0, "shift_hours": 24.0, "workdays_per_week": 7, "visit_share": 0.0,
                   "patrol_detect_per_hour": 0.0, "triage_minutes": 0.0,
                   "overload_unsolved": 0.0},
        "burden": {"paperwork_hours_per_day": 0.0, "record_minutes_per_case": 0.0},
        "reporting": {"delay_in_person_hours": 0.0, "hotline_share": 0.0, "trust_effect": 0.0,
                      "resolved_boost": 1.0},
        "policy": {"app_adoption": 0.0, "decentralisation": 0.0},
        "case": {"abandonment": False, "verify_hours": 0.0, "unsolved_share": 0.0, "unsolved_late": 0.0},
        "routing": {"supervision": False, "misroute_share": 0.0},  # no 督办 reordering, no second dispatch
        "survey": {"interval_days": 36_500},
        "volunteer": {"mutual_aid_need": "", "registered_share": 0.0},
        "needs": {"job": {
            "rate_other": rate,
            "rate_elderly": rate,
            "level": "grid", "devolvable": False, "effort_hours": 1.0 / service_rate, "effort_cv": 1.0,
            "effort_dist": "exponential", "urgency": "general", "discovery": "none", "on_site": False,
            "report_prob": 1.0,
        }},
    }
    return from_dict(raw, "<mmc>")


class ValidateOptionError(ScenarioError):
    """`govsim validate` options the checks cannot run with (exit status 2, one line)."""

    def __init__(self, message: str):
        super().__init__("validate", None, None, message)


def _usable_days() -> int:
    from .params import PARAM_BY_KEY
    return math.floor(PARAM_BY_KEY["sim.days"].high / 1.02) - 1  # the warm-up is 2% of the days, rounded


def _check_mmc_size(arrival_rate: float, servers: int, cases: int) -> None:
    """Refuse, in terms of the options given, an M/M/c check the model cannot simulate: too long a
    run (the simulated days, cases / (24 λ), plus a 2% warm-up, stay within sim.days' limit) or
    too many residents (λ·24·365 / MMC_RATE_PER_RESIDENT within territory.residents' limit) or
    grid workers."""
    from .params import PARAM_BY_KEY

    max_residents = PARAM_BY_KEY["territory.residents"].high
    max_servers = PARAM_BY_KEY["grid.workers_per_grid"].high
    usable_days = _usable_days()
    low_rate = cases / (24.0 * usable_days)
    high_rate = max_residents * MMC_RATE_PER_RESIDENT / (24.0 * 365.0)
    if arrival_rate < low_rate:
        most_cases = math.floor(arrival_rate * 24.0 * usable_days)
        fewer = f"at most {most_cases:,} --cases" if most_cases >= 1 else "fewer --cases"
        raise ValueError(
            f"--arrival-rate {arrival_rate:g} with --cases {cases:,}: too few arrivals per hour: the run would last "
            f"{cases / (arrival_rate * 24.0):.3g} days, and at most {usable_days:,} can be simulated; give "
            f"--arrival-rate of at least {low_rate:.3g} per hour, or {fewer}")
    if arrival_rate > high_rate:
        raise ValueError(f"--arrival-rate {arrival_rate:g}: at most {high_rate:,.0f} per hour (the reduction draws "
                         f"arrivals from at most {max_residents:,} residents)")
    if servers > max_servers:
        raise ValueError(f"--servers {servers:,}: at most {max_servers:,} grid workers")


@dataclass(frozen=True)
class MMCResult:
    arrival_rate: float
    service_rate: float
    servers: int
    cases: int
    sim_mean_wait_h: float
    analytic_mean_wait_h: float
    sim_p_wait: float
    analytic_p_wait: float
    wall_s: float

    @property
    def wait_error(self) -> float:
        return abs(self.sim_mean_wait_h - self.analytic_mean_wait_h) / self.analytic_mean_wait_h

    @property
    def p_wait_error(self) -> float:
        return abs(self.sim_p_wait - self.analytic_p_wait) / self.analytic_p_wait

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["wait_relative_error"] = self.wait_error
        d["p_wait_relative_error"] = self.p_wait_error
        return d


def run_mmc(arrival_rate: float, service_rate: float, servers: int, cases: int = 200_000,
            seed: int = 0) -> MMCResult:
    """Run the M/M/c reduction through `sim.run` and compare with Erlang C."""
    scenario = mmc_scenario(arrival_rate, service_rate, servers, cases)
    out = run(scenario, seed, case_table=False)
    exact = mmc_metrics(arrival_rate, service_rate, servers)
    s = out.summary
    return MMCResult(arrival_rate, service_rate, servers, int(s["response_time_h.n"]),
                     s["response_time_h.mean"], exact.mean_wait, s["response_time_h.share_waited"],
                     exact.p_wait, out.wall_s)


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    observed: str
    passed: bool

    def __post_init__(self):
        object.__setattr__(self, "passed", bool(self.passed))


# ------------------------------------------------------------------ the steady state
STEADY_SEEDS = 6   # seeds of the baseline run by `govsim validate` (--steady-seeds)
YEAR_DAYS = 365
# Daily columns of the time series whose yearly mean must not drift: (column, what it is, decimals).
# Both drifted before the steady start: latent satisfaction fell, reports rose for three years.
STEADY_QUANTITIES = (("latent_satisfaction", "mean latent satisfaction", 4), ("reported", "reports per day", 2))


@dataclass(frozen=True)
class Drift:
    """The change of a yearly mean from the first measured year to the second, one per seed, and
    the first year's mean level (for scale)."""

    changes: tuple[float, ...]
    level: float = math.nan

    def __post_init__(self):
        if len(self.changes) < 2:
            raise ValueError(f"{len(self.changes)} seed(s): the noise is the spread between seeds, so at least 2")

    @property
    def mean(self) -> float:
        return float(np.mean(self.changes))

    @property
    def sd(self) -> float:
        """The standard deviation of one seed's change: the noise a run's drift is held to."""
        return float(np.std(self.changes, ddof=1))

    @property
    def ci95(self) -> tuple[float, float]:
        """The 95% confidence interval of the mean change (Student's t)."""
        n = len(self.changes)
        half = float(stats.t.ppf(0.975, n - 1)) * self.sd / math.sqrt(n)
        return self.mean - half, self.mean + half

    @property
    def within_noise(self) -> bool:
        return abs(self.mean) <= self.sd


def yearly_means(timeseries: Mapping[str, np.ndarray], column: str, start: int, years: int = 2) -> list[float]:
    """The mean of a daily column over each whole year from day `start` on."""
    day = np.asarray(timeseries["day"])
    values = np.asarray(timeseries[column], dtype=float)
    return [float(values[(day >= start + k * YEAR_DAYS) & (day < start + (k + 1) * YEAR_DAYS)].mean())
            for k in range(years)]


def steady_state_drifts(scenario: Scenario | str | Path, seeds, overrides: Mapping | None = None,
                        columns=tuple(c for c, _, _ in STEADY_QUANTITIES)) -> dict[str, Drift]:
    """Run `scenario` over its warm-up and two measured years with each seed; for each column, the
    change of its yearly mean from the first measured year to the second."""
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    if overrides:
        scenario = scenario.with_values(overrides)
    warmup = scenario["sim.warmup_days"]
    firsts: dict[str, list[float]] = {c: [] for c in columns}
    changes: dict[str, list[float]] = {c: [] for c in columns}
    for seed in seeds:
        ts = run(scenario, seed, days=warmup + 2 * YEAR_DAYS, case_table=False).timeseries
        for c in columns:
            first, second = yearly_means(ts, c, warmup)
            firsts[c].append(first)
            changes[c].append(second - first)
    return {c: Drift(tuple(changes[c]), float(np.mean(firsts[c]))) for c in columns}


def drift_check(what: str, drift: Drift, decimals: int, where: str) -> Check:
    """A pass/fail line for the drift of one quantity (`where`: the scenario's name)."""
    lo, hi = drift.ci95
    f = f"{{:+.{decimals}f}}"
    level = f"; year 1 {drift.level:.{decimals}f}" if math.isfinite(drift.level) else ""
    return Check(f"Steady state: {what}, year 1 → 2 ({where}, {len(drift.changes)} seeds)",
                 "|mean Δ| ≤ SD of a seed's Δ",
                 f"Δ {f.format(drift.mean)} (95% CI {f.format(lo)}, {f.format(hi)}), SD {drift.sd:.{decimals}f}{level}",
                 drift.within_noise)


MAX_STEADY_SEEDS = 100
MAX_SEED = 2 ** 63 - 1  # as every command's --seed


def _check_steady_seeds(seed: int, n: int) -> None:
    """Refuse a number of seeds the steady-state check cannot use, before any check runs."""
    if n == 1 or n > MAX_STEADY_SEEDS:
        raise ValidateOptionError(f"--steady-seeds {n:,}: from 2 to {MAX_STEADY_SEEDS} (the noise is the spread "
                                  "between seeds), or 0 to leave the steady-state check out")
    if n and seed + n - 1 > MAX_SEED:
        raise ValidateOptionError(f"--seed {seed} with --steady-seeds {n}: the last seed, {seed + n - 1}, would be "
                                  f"more than {MAX_SEED} (2**63 - 1)")


def steady_state_checks(scenario: str | Path, seeds) -> list[Check]:
    """The steady-state check of every quantity in STEADY_QUANTITIES for one scenario file."""
    drifts = steady_state_drifts(scenario, seeds)
    return [drift_check(what, drifts[column], decimals, Path(scenario).stem)
            for column, what, decimals in STEADY_QUANTITIES]


# λ, μ (per hour), c, and which measures to check. The standard error of a run's mean wait falls
# like 1/sqrt(cases) but depends strongly on the configuration; measured over seeds at 200,000
# cases it was 1.3% for (4, 1, 6); for the 30-calls-an-hour example it was 5% at 100,000 cases,
# and 2% for its P(wait). At the default 600,000 cases the checks below have standard errors of
# about 0.75% and 0.8%: 3% is a band of about four standard errors.
MMC_CHECKS = (((4.0, 1.0, 6), ("mean wait", "P(wait)")), ((30.0, 12.0, 5), ("P(wait)",)))
STANDARD_CASES = 600_000


def standard_checks(cases: int = STANDARD_CASES, seed: int = 0, scenario_dir: str | Path = "scenarios",
                    little_days: int = 730, tolerance: float = 0.03, steady_seeds: int = STEADY_SEEDS) -> list[Check]:
    """Everything `govsim validate` reports: Erlang C agreement, Little's law per scenario, and the
    steady state of the baseline (`baseline.toml` of `scenario_dir`, seeds `seed` to
    `seed + steady_seeds - 1`; 0 seeds leave it out). Needs arrive by season, so Little's law in its
    steady-state form (W from completed cases) is checked over two whole years: a run ending in the
    heating season leaves many cases open, whose sojourns the form cannot count."""
    _check_steady_seeds(seed, steady_seeds)
    most = min(math.floor(lam * 24.0 * _usable_days()) for (lam, _, _), _ in MMC_CHECKS)
    if cases > most:
        raise ValidateOptionError(f"--cases {cases:,}: at most {most:,} (the slowest M/M/c check, "
                                  f"λ = {min(lam for (lam, _, _), _ in MMC_CHECKS):g}/h, would need more than "
                                  f"the {_usable_days():,} days a run may last)")
    checks = []
    for (lam, mu, c), measures in MMC_CHECKS:
        r = run_mmc(lam, mu, c, cases, seed)
        if "mean wait" in measures:
            checks.append(Check(f"M/M/c mean wait (λ={lam}/h, μ={mu}/h, c={c})",
                                f"{r.analytic_mean_wait_h * 60:.3f} min ± {tolerance:.0%}",
                                f"{r.sim_mean_wait_h * 60:.3f} min ({r.wait_error:.2%})",
                                r.wait_error <= tolerance))
        checks.append(Check(f"M/M/c P(wait) (λ={lam}/h, μ={mu}/h, c={c})",
                            f"{r.analytic_p_wait:.4f} ± {tolerance:.0%}",
                            f"{r.sim_p_wait:.4f} ({r.p_wait_error:.2%})", r.p_wait_error <= tolerance))
    for path in sorted(Path(scenario_dir).glob("*.toml")):
        out = run(path, seed, days=little_days, case_table=False)
        gap = out.summary["littles_law.relative_gap"]
        checks.append(Check(f"Little's law L = λW ({path.stem})", f"gap ≤ {tolerance:.0%}",
                            f"L={out.summary['littles_law.L']:.1f}, λW gap {gap:.2%}", gap <= tolerance))
    baseline = Path(scenario_dir) / "baseline.toml"
    if steady_seeds and baseline.is_file():
        checks.extend(steady_state_checks(baseline, range(seed, seed + steady_seeds)))
    return checks
