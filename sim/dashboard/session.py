"""The dashboard's model side: lever controls from the parameter table (sliders, switches, choices and
sets of choices), and `Workshop`, which runs one
model or two side by side ("A" and "B") in lockstep.

Nothing here draws or knows about widgets; the Solara UI reads and calls this module only.

Side by side, A and B are built from the same scenario with the same seed, and B differs from A
only in the levers chosen for it: B's scenario is the scenario with A's levers and then B's own
levers applied on top. Every process of the model draws from its own named random stream, so the
two face the same residents and the same needs at the same moments (common random numbers): what
differs between their charts is what the levers did, not noise.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np

from ..dates import Dates
from ..labels import is_share
from ..model import GovernanceModel
from ..outcomes import CaseArrays
from ..params import PARAM_BY_KEY, Lever, Param, levers
from ..district.geo_regrid import have_shapely
from ..runner import no_cyclic_gc
from ..scenario import EmergencyDef, Scenario, ScenarioError, load
from . import i18n

ROOT = Path(__file__).resolve().parents[2]  # the project folder (scenarios/ lives here)
SIDES = ("A", "B")

# ------------------------------------------------------------------ controls

CONTROL_KINDS = ("slider", "switch", "choice", "subset")


@dataclass(frozen=True)
class LeverControl:
    """A lever's control, one per `sim.params.levers()`, of one of `CONTROL_KINDS`:

    - "slider": a number, low/high/default from the parameter table (the lever's declaration may
      lower `high` to a usable end, never widen the range) and the lever's step;
    - "switch": a measure adopted or not (a true / false parameter; low/high False/True, step 1);
    - "choice": one of the parameter's `choices` (a select);
    - "subset": any set of the names of a scenario catalogue (the Scenario attribute `catalogue`),
      held as the parameter's comma-separated string (a multi-select: `options(scenario)` are the
      loaded scenario's names, so they change with the scenario).

    A choice or a subset has no low, high or step: code that handles every lever goes through
    `snap`, `same` and `text`, never arithmetic on the value."""

    key: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()   # a choice's options
    catalogue: str = ""             # a subset's catalogue: "collective" for [collective.NAME]

    @property
    def boolean(self) -> bool:
        return self.kind == "switch"

    @property
    def numeric(self) -> bool:
        """A slider or a switch: the value is a number (or true / false)."""
        return self.kind in ("slider", "switch")

    @property
    def group(self) -> str:
        """The heading the control is listed under (`LEVER_GROUPS`)."""
        return lever_group(self.key)

    def label(self, lang: str) -> str:
        return i18n.t(f"lever.{self.key}", lang)

    def short(self, lang: str) -> str:
        return i18n.t(f"lever_short.{self.key}", lang)

    def help(self, lang: str) -> str:
        return i18n.t(f"lever_help.{self.key}", lang)

    @property
    def unit(self) -> str:
        return PARAM_BY_KEY[self.key].unit

    def options(self, scenario: Scenario | None = None) -> tuple[str, ...]:
        """What may be chosen: a choice's choices; a subset's names in `scenario`'s catalogue (in its
        order; none without a scenario); nothing for a slider or a switch."""
        if self.kind == "subset":
            return tuple(x.name for x in getattr(scenario, self.catalogue, ())) if scenario is not None else ()
        return self.choices

    def option_label(self, option: str, lang: str) -> str:
        """An option in words (a catalogue name without a translation: the name itself)."""
        return i18n.option_label(self.key, option, lang)

    def selected(self, value: Any, scenario: Scenario | None = None) -> tuple[str, ...]:
        """A subset's names: from its comma-separated string or any iterable of names, stripped,
        without repeats; in the catalogue's order when `scenario` is given (names not in it last, in
        the order given, so that validation names them)."""
        names = value.split(",") if isinstance(value, str) else list(value)
        names = list(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
        order = {name: k for k, name in enumerate(self.options(scenario))}
        return tuple(sorted(names, key=lambda n: order.get(n, len(order))))

    def snap(self, value: Any, scenario: Scenario | None = None) -> Any:
        """`value` as the control would set it: a slider's clamped to its range and rounded to its
        step; a switch's true / false; a choice's as given (the scenario rules check it); a subset's
        as the comma-separated string of `selected`."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "choice":
            return str(value)
        if self.kind == "subset":
            return ",".join(self.selected(value, scenario))
        v = min(max(float(value), self.low), self.high)
        v = self.low + round((v - self.low) / self.step) * self.step
        v = min(max(v, self.low), self.high)
        return int(round(v)) if self.integer else round(v, 10)

    def same(self, a: Any, b: Any) -> bool:
        """Whether two values set the same (a subset's names in any order)."""
        if self.kind == "subset":
            return set(self.selected(a)) == set(self.selected(b))
        return a == b

    def text(self, value: Any, lang: str) -> str:
        """A value in words, as the B − A panel shows it: on / off, a number, a choice's label, a
        subset's labels ("none" when empty)."""
        if self.kind == "switch":
            return i18n.t("switch_on" if value else "switch_off", lang)
        if self.kind == "choice":
            return self.option_label(value, lang)
        if self.kind == "subset":
            names = self.selected(value)
            sep = "、" if lang == "zh" else ", "
            return sep.join(self.option_label(n, lang) for n in names) if names else i18n.t("lever_none", lang)
        return f"{value:g}"


def _control(p: Param) -> LeverControl:
    """The control of a lever, by its declaration (`Lever.kind`) and the parameter's type."""
    lever = p.lever
    if not isinstance(lever, Lever):
        raise AssertionError(f"{p.key}: declare a lever in sim/params.py as lever=Lever(...)")
    if lever.kind == "choice":
        if p.kind is not str or not p.choices:
            raise AssertionError(f"{p.key}: a choice lever is a string parameter with choices")
        return LeverControl(p.key, "choice", p.default, choices=tuple(p.choices))
    if lever.kind == "subset":
        if p.kind is not str or lever.catalogue not in Scenario.__dataclass_fields__:
            raise AssertionError(f"{p.key}: a subset lever is a string parameter naming a Scenario catalogue")
        return LeverControl(p.key, "subset", p.default, catalogue=lever.catalogue)
    if p.kind is bool:
        return LeverControl(p.key, "switch", p.default, False, True, 1)
    return _slider(p)


def _slider(p: Param) -> LeverControl:
    """The slider of a number lever: the table's range (up to the lever's `high`) and the lever's step."""
    if p.kind not in (int, float):
        raise AssertionError(f"{p.key}: a number lever on a {p.kind.__name__} parameter (declare its kind)")
    low, step = p.low, p.lever.step
    high = p.high if p.lever.high is None else min(p.high, p.lever.high)
    integer = p.kind is int
    if integer:
        low, high, step = int(low), int(high), int(step)
    if not low <= p.default <= high:
        raise AssertionError(f"{p.key}: default {p.default} outside the slider's range [{low}, {high}]")
    return LeverControl(p.key, "slider", p.default, low, high, step, integer)


# The side panel's headings, in order, and the key prefixes listed under each (a lever whose prefix
# is not here goes under "service").
LEVER_GROUPS: dict[str, tuple[str, ...]] = {
    "service": ("policy.",), "grids": ("grid.", "grids.", "burden."), "emergencies": ("emergency.",),
    "volunteers": ("volunteer.",), "deliberation": ("deliberation.",), "safety": ("safety.",)}


def lever_group(key: str) -> str:
    return next((g for g, prefixes in LEVER_GROUPS.items() if key.startswith(prefixes)), "service")


LEVER_CONTROLS: tuple[LeverControl, ...] = tuple(_control(p) for p in levers())
CONTROL_BY_KEY: dict[str, LeverControl] = {c.key: c for c in LEVER_CONTROLS}


def grouped_controls() -> list[tuple[str, list[LeverControl]]]:
    """(group, its controls) in the order of LEVER_GROUPS, groups without a lever left out; within a
    group, the parameter table's order."""
    out = [(g, [c for c in LEVER_CONTROLS if c.group == g]) for g in LEVER_GROUPS]
    return [(g, controls) for g, controls in out if controls]


# Levers an imported district (`territory.district_file`, `govsim district import`) makes
# meaningless, each with the i18n key of the note that says why: its grids and households come from
# the district file, so the grid size no longer changes anything (ODD §7.1a), and its grid polygons
# its grid polygons are cut and united with shapely (the gis extra): without it the scenario rules
# refuse a review interval there (ODD §7.39), so the re-partitioning levers are left out too.
REGRID_LEVERS = ("grids.review_interval_days", "grids.split_above", "grids.merge_below")
DISTRICT_FIXED_LEVERS: dict[str, str] = {"grid.households_per_grid": "lever_note.district_grids",
                                         **{k: "lever_note.district_regrid" for k in REGRID_LEVERS}}


def is_district(scenario: Scenario) -> bool:
    """Whether the scenario runs on an imported district rather than a synthetic territory."""
    return bool(scenario["territory.district_file"])


def fixed_levers(scenario: Scenario) -> dict[str, str]:
    """The levers `scenario` ignores, each with the i18n key of the note saying why (none for a
    synthetic territory)."""
    if not is_district(scenario):
        return {}
    if have_shapely():
        return {k: v for k, v in DISTRICT_FIXED_LEVERS.items() if k not in REGRID_LEVERS}
    return dict(DISTRICT_FIXED_LEVERS)


def controls_for(scenario: Scenario) -> list[tuple[str, list[LeverControl]]]:
    """`grouped_controls()` without the levers the scenario ignores (`fixed_levers`), each with the
    bounds the scenario allows (`_bounded_for`)."""
    fixed = fixed_levers(scenario)
    out = [(g, [_bounded_for(c, scenario) for c in controls if c.key not in fixed])
           for g, controls in grouped_controls()]
    return [(g, controls) for g, controls in out if controls]


def _bounded_for(control: LeverControl, scenario: Scenario) -> LeverControl:
    """A grid without full-time workers (a rural scenario: grid.workers_per_grid = 0) needs a
    part-timer: the part-time slider then starts at 1, since 0 would leave grids with nobody."""
    if control.key == "grid.part_time_workers" and scenario["grid.workers_per_grid"] == 0:
        return replace(control, low=1)
    return control


# The names from before levers could be choices: every lever's control, whatever its kind.
Slider, LEVER_SLIDERS, SLIDER_BY_KEY, grouped_sliders = LeverControl, LEVER_CONTROLS, CONTROL_BY_KEY, grouped_controls

# ----------------------------------------------------------------- scenarios


def _resolve(path: str | Path) -> Path:
    """A path as given, or relative to the project folder when it does not exist as given
    (so "scenarios/workshop.toml" works from any working directory)."""
    p = Path(path)
    if not p.exists() and not p.is_absolute() and (ROOT / p).exists():
        return ROOT / p
    return p


def scenario_choices(folder: str | Path = "scenarios") -> list[tuple[str, str]]:
    """(name, path) of every scenario file in `folder`, by file name, then of every scenario folder in
    it, by folder: an imported district (`govsim district import --out scenarios/NAME/` writes
    NAME/scenario.toml) and a catalogue estimated for it (`govsim district tickets --out
    scenarios/NAME/needs/`). The name is the file's `name` key (or its stem; a name already taken
    gets the folder's path after it); files that are not valid TOML are left out."""
    root = _resolve(folder)
    out: list[tuple[str, str]] = []
    for path in [*sorted(root.glob("*.toml")), *sorted(root.glob("*/scenario.toml")),
                 *sorted(root.glob("*/*/scenario.toml"))]:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        name = data.get("name")
        name = name if isinstance(name, str) else path.stem
        if any(name == taken for taken, _ in out):
            name = f"{name} ({path.parent.relative_to(root).as_posix()})"
        out.append((name, str(path)))
    return out


def picker_choices(scenario: Scenario, folder: str | Path = "scenarios") -> tuple[dict[str, str], str]:
    """The scenario picker's {name: path} (`scenario_choices`) and the loaded scenario's name there;
    a scenario loaded from elsewhere (`govsim dashboard path/to/scenario.toml`) is added under its name."""
    choices = dict(scenario_choices(folder))
    loaded = Path(scenario.files[0]).resolve() if scenario.files else None
    current = next((n for n, p in choices.items() if loaded is not None and Path(p).resolve() == loaded), None)
    if current is None and loaded is not None:
        current = scenario.name if scenario.name not in choices else f"{scenario.name} ({loaded.parent.name})"
        choices[current] = str(loaded)
    return choices, current


def scenario_title(scenario: Scenario, lang: str) -> str:
    """A scenario's one-line description in `lang` (the Chinese one if the file has it), else its name."""
    if lang == "zh" and scenario.description_zh:
        return scenario.description_zh
    return scenario.description or scenario.name


# ------------------------------------------------------------ emergencies

DEMO_EMERGENCY = "demo_cold_wave"
DEMO_SHARE = 0.2          # share of households inside the demo emergency's circle
DEMO_SEVERITY = 0.8       # as scenarios/cold_wave.toml
DEMO_DURATION_DAYS = 4.0


def demo_emergency(scenario: Scenario, model: GovernanceModel) -> EmergencyDef:
    """A cold wave over part of any territory: a circle around the household nearest the
    territory's centre, just large enough to hold `DEMO_SHARE` of the households; severity 0.8, four
    days (as scenarios/cold_wave.toml). Validated through the scenario rules (Scenario.with_values),
    so it is a legal [emergencies.NAME] table for this scenario."""
    t = model.territory
    xy = t.hh_xy
    centre = xy[np.argmin(((xy - (t.width / 2, t.height / 2)) ** 2).sum(axis=1))]
    dist = np.sqrt(((xy - centre) ** 2).sum(axis=1))
    radius = max(float(np.quantile(dist, DEMO_SHARE)) * 1.0001 + 1e-6, 0.001)
    fields = {"type": "cold_wave", "onset_day": 0.0, "centre_x_km": float(centre[0]),
              "centre_y_km": float(centre[1]), "radius_km": radius, "severity": DEMO_SEVERITY,
              "duration_days": DEMO_DURATION_DAYS}
    checked = scenario.with_values({f"emergencies.{DEMO_EMERGENCY}.{k}": v for k, v in fields.items()},
                                   origin="dashboard")
    return next(e for e in checked.emergencies if e.name == DEMO_EMERGENCY)


# ------------------------------------------------------------------ calendar


def day_kind(dates: Dates, day: int) -> str:
    """The kind of calendar day `day` is in the official calendar (one of `i18n.DAY_KINDS`): a working
    day on a weekday is a "workday", on a weekend a "makeup" day (调休); a rest day is a "holiday" if
    its run of consecutive rest days holds a weekday (so the weekend inside the Spring Festival or
    next to a Monday holiday is part of the holiday), else a "weekend". (`ensure` only appends whole
    calendar years to the per-day arrays: the days the model reads do not change.)"""
    dates.ensure(day + 1)
    if dates.workday[day]:
        return "workday" if dates.weekday[day] < 5 else "makeup"
    first = day
    while first > 0 and not dates.workday[first - 1]:
        first -= 1
    last = day
    while not dates.workday[last + 1]:
        last += 1
        dates.ensure(last + 1)
    return "holiday" if (dates.weekday[first:last + 1] < 5).any() else "weekend"


# ------------------------------------------------------------------- series

# The regrid submodel's daily columns (recorded only where households change or grids are reviewed).
REGRID_SERIES = ("grids_active", "grid_households_max", "grid_households_mean", "grid_households_min",
                 "households_present")
# The five chart series (DayRecorder columns), and the keys of Workshop.differences().
SERIES_KEYS = i18n.CHART_SERIES
DIFFERENCE_KEYS = (*SERIES_KEYS, "latent_satisfaction")
# How each difference is shown: shares in percentage points.
DIFFERENCE_UNITS = {"response_mean_h": "h", "satisfaction_rate": "pp", "backlog": "cases",
                    "vulnerable_reached_share": "pp", "active_volunteers": "persons", "latent_satisfaction": "pp"}


def format_difference(key: str, value: float, lang: str, unit: bool = True) -> str:
    """A difference as the panel shows it: signed, shares in percentage points, with its unit
    (without it if `unit` is false: for a table whose labels carry the unit, `diff_label.KEY`)."""
    if value is None or not math.isfinite(value):
        return i18n.t("diff_none", lang) if unit else "–"
    u = DIFFERENCE_UNITS[key]
    shown = value * 100 if u == "pp" else value
    digits = 0 if u == "persons" and float(shown).is_integer() else 1 if u in ("cases", "persons", "pp") else 2
    text = f"{shown:+.{digits}f}".replace("-", "−")
    if not unit:
        return text
    sep = "" if lang == "zh" else " "
    return f"{text}{sep}{i18n.t(f'diff_units.{u}', lang)}"


# -------------------------------------------------------------------- report

# The report panel: deliberation (议事协商) and safe communities (平安建设: mediation, collective
# prevention), as `summary.json` names them (labels: sim.labels, shared with the experiment reports).
REPORT_KEYS = ("deliberation.meetings", "deliberation.agreements", "deliberation.projects_implemented",
               "deliberation.issues_festering", "deliberation.participation_rate",
               "safety.disputes", "safety.resolution_rate.grid", "safety.resolution_rate.committee",
               "safety.resolution_rate.township", "safety.resolution_rate.community", "safety.petitions",
               "safety.petitions_per_10k", "safety.resolution_time_h.mean", "safety.found_before_harm_share",
               "safety.incidents")


def report_of(model) -> dict[str, float]:
    """The REPORT_KEYS of `model` now, as its summary would give them (NaN where undefined, e.g.
    before the warm-up ends): the deliberation and mediation submodels' own summaries, and the
    mediation chain's outcomes over the disputes arising in the window. Only the disputes are
    gathered into the case arrays, so a report costs a pass over the cases, not the full summary."""
    out: dict[str, float] = {}
    for sub in (model.submodels.get("deliberation"), model.submodels.get("safety"),
                model.submodels.get("prevention")):
        if sub is not None:
            out.update(sub.summary())
    safety = model.submodels.get("safety")
    if safety is not None and safety.need >= 0:
        disputes = SimpleNamespace(cases=[c for c in model.cases if c.need == safety.need], events=model.events)
        a = CaseArrays.of(disputes)
        keep = a.t_arise >= model.spec.values["sim.warmup_days"]
        w = CaseArrays(**{k: getattr(a, k)[keep] for k in a.__dataclass_fields__})
        out.update(safety.case_summary(w))
    return {k: float(out.get(k, math.nan)) for k in REPORT_KEYS}


# ------------------------------------------------------------------- regrid


def regrid_status(model) -> dict[str, float] | None:
    """The re-partitioning so far (动态调整, ODD 7.39), or None where the model never re-partitions
    (no review interval): splits and merges, active grids, workers hired and freed, and the present
    households of the largest, mean and smallest active grid."""
    r = getattr(model, "regrid", None)
    if r is None or not r.reviews:
        return None
    counts = r.counts()[np.array(r.active)]
    return {"splits": r.splits, "merges": r.merges, "grids": len(counts), "hired": len(r.hired),
            "freed": len(r.freed), "households_max": int(counts.max()), "households_mean": float(counts.mean()),
            "households_min": int(counts.min())}


def regrid_days(model) -> list[int]:
    """The days on which a review split or merged grids (a worker hired or freed that day), in order;
    none where the model never re-partitions."""
    r = getattr(model, "regrid", None)
    if r is None or not r.reviews:
        return []
    return sorted({day for _, day in (*r.hired, *r.freed)})


def format_report_value(key: str, value: float, lang: str) -> str:
    """A report value as the panel shows it: shares in per cent, hours and rates per 10,000 with one
    decimal, counts whole; "–" where undefined."""
    if value is None or not math.isfinite(value):
        return "–"
    if is_share(key) or ".resolution_rate." in key:   # 化解率 by level: shares too
        return f"{value * 100:.1f}%"
    if key.endswith(("_h.mean", "_per_10k")):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


# ------------------------------------------------------------------ workshop


class Workshop:
    """One model, or two side by side ("A" and "B"), stepped in lockstep.

    Levers are dotted parameter keys (normally those of `LEVER_CONTROLS`, but any parameter is
    accepted) applied to the scenario through `Scenario.with_values`, so a bad value raises
    `ScenarioError` naming the key, and nothing changes. A subset lever (the township's priority
    issue types) takes its comma-separated string or any iterable of names. A's scenario is the scenario + A's levers;
    B's is the scenario + A's levers + B's levers (B inherits A's values except those set for B).

    Changing levers (`set_lever`, `set_levers`) rebuilds every model whose scenario changed — A's
    levers change both sides (unless B sets that key itself), B's levers only B — at day 0 with the
    same seed, and runs it forward to the current day (replaying any emergencies started with
    `start_emergency` at the day they were started), so A and B stay in lockstep and the charts show
    the whole run as if the new values had applied from the start. Pass `keep_day=False` to restart
    everything at day 0 instead. `reset()` rebuilds everything at day 0 and forgets started
    emergencies.
    """

    def __init__(self, scenario: Scenario | str | Path = "scenarios/workshop.toml", seed: int = 0,
                 side_by_side: bool = False, levers_a: Mapping[str, Any] | None = None,
                 levers_b: Mapping[str, Any] | None = None):
        self.seed = int(seed)
        self._scenario = self._load(scenario)
        self._levers: dict[str, dict[str, Any]] = {side: {k: self._as_set(k, v) for k, v in (given or {}).items()}
                                                   for side, given in zip(SIDES, (levers_a, levers_b))}
        self._side_by_side = bool(side_by_side)
        self._specs = {side: self._spec_for(side) for side in SIDES}  # validates both lever sets
        self._started: list[tuple[int, str, EmergencyDef]] = []  # (day, name, definition) per start
        self._models: dict[str, GovernanceModel] = {}
        self._series_cache: dict[int, tuple[int, dict[str, np.ndarray]]] = {}
        self._report_cache: dict[int, tuple[int, dict[str, float]]] = {}
        self._rebuild(self._active_sides(), to_day=0)

    # -------------------------------------------------------------- state
    @staticmethod
    def _load(scenario: Scenario | str | Path) -> Scenario:
        return scenario if isinstance(scenario, Scenario) else load(_resolve(scenario))

    @property
    def scenario(self) -> Scenario:
        """The scenario as loaded (without the levers)."""
        return self._scenario

    @property
    def side_by_side(self) -> bool:
        return self._side_by_side

    @property
    def sides(self) -> tuple[str, ...]:
        return self._active_sides()

    @property
    def models(self) -> list[GovernanceModel]:
        return [self._models[s] for s in self._active_sides()]

    def model(self, side: str = "A") -> GovernanceModel:
        side = self._side(side)
        if side not in self._models:
            raise ValueError(f"side {side!r} is not running (side_by_side is off)")
        return self._models[side]

    @property
    def day(self) -> int:
        """Days simulated so far (the models' clock)."""
        return int(round(self._models["A"].time))

    def calendar_day(self, day: int | None = None) -> tuple[dt.date, str]:
        """The date of `day` (default `self.day`, the day the models' clock is in; day 0 is the
        scenario's sim.start_date) and its kind in the official calendar (`day_kind`)."""
        dates = self._models["A"].calendar.dates
        day = self.day if day is None else int(day)
        return dates.date(day), day_kind(dates, day)

    @property
    def days_planned(self) -> int:
        """The scenario's sim.days: stepping stops there."""
        return int(self._scenario["sim.days"])

    @property
    def at_end(self) -> bool:
        """The models have run the scenario's days (play stops, step does nothing; reset starts again)."""
        return self.day >= self.days_planned

    def levers(self, side: str = "A") -> dict[str, Any]:
        """The lever values set for a side (only those set; see lever_values for all)."""
        return dict(self._levers[self._side(side)])

    def lever_values(self, side: str = "A") -> dict[str, Any]:
        """Every lever control's current value for a side, as its scenario runs it."""
        spec = self._specs[self._side(side)]
        return {c.key: spec[c.key] for c in LEVER_CONTROLS}

    def fixed_levers(self) -> dict[str, str]:
        """The levers the loaded scenario ignores (an imported district's grid size), each with the
        i18n key of the note that says why; setting one raises ScenarioError."""
        return fixed_levers(self._scenario)

    def controls(self) -> list[tuple[str, list[LeverControl]]]:
        """The lever controls to show, by heading: every lever but those the scenario ignores."""
        return controls_for(self._scenario)

    def lever_options(self, key: str) -> tuple[str, ...]:
        """What a choice or subset lever may take in the loaded scenario (`LeverControl.options`)."""
        return CONTROL_BY_KEY[key].options(self._scenario)

    def changed_levers(self) -> list[tuple[LeverControl, Any, Any]]:
        """(control, A's value, B's value) of each lever B runs differently from A, in the controls'
        order (a subset's names in any order are the same). Empty when not side by side."""
        if not self._side_by_side:
            return []
        a, b = self.lever_values("A"), self.lever_values("B")
        return [(c, a[c.key], b[c.key]) for c in LEVER_CONTROLS if not c.same(a[c.key], b[c.key])]

    # ------------------------------------------------------------- clock
    def step(self, days: int = 1) -> int:
        """Advance every model `days` days in lockstep, but not past the scenario's last day (its
        outcomes are defined over sim.days); returns the days advanced."""
        n = max(0, min(int(days), self.days_planned - self.day))
        with no_cyclic_gc():
            for _ in range(n):
                for m in self.models:
                    m.step()
        return n

    def reset(self) -> None:
        """Rebuild every model from the current levers at day 0; started emergencies are forgotten."""
        self._started.clear()
        self._rebuild(self._active_sides(), to_day=0)

    # ------------------------------------------------------------- levers
    def set_lever(self, key: str, value: Any, side: str = "A", keep_day: bool = True) -> None:
        """Set one lever for a side. See the class docstring for what is rebuilt."""
        self.set_levers({key: value}, side, keep_day)

    def set_levers(self, values: Mapping[str, Any], side: str = "A", keep_day: bool = True) -> None:
        """Set several levers at once (one rebuild). Raises ScenarioError (naming the key) and changes
        nothing if a value is invalid. Values equal to the current ones rebuild nothing."""
        side = self._side(side)
        values = {k: self._as_set(k, v) for k, v in values.items()}
        self._apply(self._merge_below_fitted({**self._levers, side: {**self._levers[side], **values}}, side),
                    keep_day)

    def _merge_below_fitted(self, levers: dict[str, dict[str, Any]], side: str) -> dict[str, dict[str, Any]]:
        """The levers with the merge threshold lowered where grids are reviewed and it is not below half
        the split threshold (the scenario rules refuse that: the halves of a split grid would merge
        again at once). The merge slider then takes its highest position that fits, on the side being
        set (and on B, when A's change leaves B's own thresholds refused); a slider moves, no error."""
        merge = CONTROL_BY_KEY["grids.merge_below"]
        out = {s: dict(v) for s, v in levers.items()}
        for s in ("A", "B") if side == "A" else ("B",):
            own = out["A"] if s == "A" else {**out["A"], **out["B"]}
            value = {k: own.get(k, self._scenario[k]) for k in REGRID_LEVERS}
            limit = value["grids.split_above"] / 2
            if value["grids.review_interval_days"] and value["grids.merge_below"] >= limit:
                k = math.ceil((limit - merge.low) / merge.step - 1e-9) - 1
                out[s]["grids.merge_below"] = round(max(merge.low, merge.low + k * merge.step), 10)
        return out

    def _as_set(self, key: str, value: Any) -> Any:
        """A subset lever's names (a string or a list, tuple or set of them) as the scenario holds them
        (comma-separated, in the catalogue's order); other values as given, for the scenario rules."""
        control = CONTROL_BY_KEY.get(key)
        if control is None or control.kind != "subset" or not isinstance(value, (str, list, tuple, set, frozenset)):
            return value
        return control.snap(value, self._scenario)

    def _apply(self, levers: dict[str, dict[str, Any]], keep_day: bool) -> None:
        specs = {s: self._spec_for(s, levers) for s in SIDES}  # validates first: an error changes nothing
        changed = [s for s in SIDES if specs[s] != self._specs[s]]
        day = self.day
        self._levers, self._specs = levers, specs
        if keep_day:
            self._rebuild([s for s in changed if s in self._active_sides()], to_day=day)
        else:
            self._started.clear()
            self._rebuild(self._active_sides(), to_day=0)

    def set_side_by_side(self, on: bool) -> None:
        """Turn B on (built and run to the current day, lockstep with A) or off (B's levers are kept
        for when it is turned on again)."""
        on = bool(on)
        if on == self._side_by_side:
            return
        self._side_by_side = on
        if on:
            self._rebuild(["B"], to_day=self.day)
        else:
            self._forget("B")

    def load_scenario(self, path: Scenario | str | Path, keep_levers: bool = False) -> None:
        """Switch to another scenario at day 0. Levers are cleared unless keep_levers (then they must
        be valid for the new scenario: ScenarioError otherwise, and nothing changes)."""
        scenario = self._load(path)
        levers = self._levers if keep_levers else {"A": {}, "B": {}}
        specs = {s: self._spec_for(s, levers, scenario) for s in SIDES}
        self._scenario, self._levers, self._specs = scenario, {k: dict(v) for k, v in levers.items()}, specs
        self._started.clear()
        self._rebuild(self._active_sides(), to_day=0)

    # -------------------------------------------------------- emergencies
    def emergencies(self) -> list[str]:
        """Names of the emergencies the scenario defines ([emergencies.NAME])."""
        return [e.name for e in self._scenario.emergencies]

    def start_emergency(self, name: str | None = None) -> str:
        """Start an emergency now (at the start of the current day) in every model; returns its name.

        `name` is one of `emergencies()` (the scenario's definition, through
        GovernanceModel.start_emergency), or `DEMO_EMERGENCY`; None takes the scenario's first
        emergency, or the demo cold wave if it defines none. The start is remembered, so models
        rebuilt by a lever change replay it on the same day."""
        names = self.emergencies()
        if name is None:
            name = names[0] if names else DEMO_EMERGENCY
        if name in names:
            d = next(e for e in self._scenario.emergencies if e.name == name)
        elif name == DEMO_EMERGENCY:
            d = demo_emergency(self._scenario, self._models["A"])
        else:
            raise KeyError(f"no emergency {name!r} in scenario {self._scenario.name}; it has: "
                           + ", ".join([*names, DEMO_EMERGENCY]))
        day = self.day
        self._started.append((day, name, d))
        for m in self.models:
            self._start_in(m, name, d)
        return name

    @staticmethod
    def _start_in(model: GovernanceModel, name: str, d: EmergencyDef) -> None:
        if any(e.name == name for e in model.spec.emergencies):
            model.start_emergency(name)
        else:
            model.emergency.schedule(d, model.events.now)

    def emergency_active(self, side: str = "A") -> bool:
        """Whether an emergency is under way now (struck and not yet over)."""
        m = self.model(side)
        now = m.events.now
        return any(e.onset <= now and not e.over for e in m.emergency.emergencies)

    def active_emergencies(self, side: str = "A") -> list[tuple[str, float]]:
        """(name, onset day) of the emergencies under way now."""
        m = self.model(side)
        now = m.events.now
        return [(e.definition.name, e.onset) for e in m.emergency.emergencies if e.onset <= now and not e.over]

    # ------------------------------------------------------------- outputs
    def series(self, side: str = "A") -> dict[str, np.ndarray]:
        """Daily values for the charts, one per simulated day (index = day, 0 first): "day",
        "response_mean_h" (mean response time of the day's first responses, h; NaN on a day without
        one), "satisfaction_rate" (好差评 satisfaction rate of the day's ratings, 0–1; NaN without
        ratings), "backlog" (known open cases at the day's end), "vulnerable_reached_share" (share of
        the latest emergency's vulnerable households contacted by the day's end, 0–1; NaN before any
        emergency), "active_volunteers" (volunteers on shift that day), plus "emergency_active" (1 on
        days with an emergency under way) and "latent_satisfaction" (mean over residents, 0–1); where
        households change or grids are reviewed (ODD 7.39), also the regrid submodel's daily columns
        ("grids_active", "grid_households_max", "grid_households_mean", "grid_households_min",
        "households_present")."""
        m = self.model(side)
        n = len(m.recorder.rows)
        hit = self._series_cache.get(id(m))
        if hit is not None and hit[0] == n:
            return hit[1]
        cols = m.recorder.columns()
        out = {"day": cols["day"]}
        for k in (*SERIES_KEYS, "latent_satisfaction", "emergency_active", *REGRID_SERIES):
            if k in cols or k not in REGRID_SERIES:
                out[k] = cols[k].astype(float)
        self._series_cache[id(m)] = (n, out)
        return out

    def report(self, side: str = "A") -> dict[str, float]:
        """The deliberation and safe-community outcomes of a side so far (`report_of`), computed once a day."""
        m = self.model(side)
        hit = self._report_cache.get(id(m))
        day = self.day
        if hit is None or hit[0] != day:
            hit = self._report_cache[id(m)] = (day, report_of(m))
        return hit[1]

    def differences(self) -> dict[str, float]:
        """B minus A over the days run so far (empty when not side by side; NaN where undefined):

        - response_mean_h: mean over days of each day's mean response time (h); days without a
          response skipped;
        - satisfaction_rate: mean over days of each day's 好差评 satisfaction rate (share); days without
          ratings skipped;
        - backlog: mean over days of the backlog at the day's end (cases);
        - vulnerable_reached_share: mean over the days since the latest emergency began of the share
          of its vulnerable households contacted by the day's end (share; NaN before any emergency);
        - active_volunteers: mean volunteers on shift per day over the days an emergency was under
          way (NaN if none was);
        - latent_satisfaction: mean over days of residents' mean latent satisfaction (0–1).

        Both sides are computed the same way over the same days, so each difference is paired."""
        if not self._side_by_side:
            return {}
        a, b = self.series("A"), self.series("B")
        return {k: mean_over_days(k, b) - mean_over_days(k, a) for k in DIFFERENCE_KEYS}

    def status(self, side: str = "A") -> dict[str, Any]:
        """Now, for a status line: day, its date and kind of day, emergency under way (names), backlog,
        latent satisfaction, and the re-partitioning so far (`regrid_status`; None without reviews)."""
        m = self.model(side)
        latent = m.created - m.reported - m.lapsed
        date, kind = self.calendar_day()
        return {"day": self.day, "date": date.isoformat(), "day_kind": kind,
                "emergencies": [n for n, _ in self.active_emergencies(side)],
                "backlog": int(m.open_cases - latent), "latent_satisfaction": m.latent_satisfaction_mean,
                "regrid": regrid_status(m)}

    # ------------------------------------------------------------ internals
    def _side(self, side: str) -> str:
        s = str(side).upper()
        if s not in SIDES:
            raise ValueError(f"side {side!r}: expected 'A' or 'B'")
        return s

    def _active_sides(self) -> tuple[str, ...]:
        return SIDES if self._side_by_side else ("A",)

    def _spec_for(self, side: str, levers: Mapping[str, Mapping[str, Any]] | None = None,
                  scenario: Scenario | None = None) -> Scenario:
        levers = self._levers if levers is None else levers
        scenario = self._scenario if scenario is None else scenario
        overrides = dict(levers["A"]) if side == "A" else {**levers["A"], **levers["B"]}
        fixed = fixed_levers(scenario)
        clash = next((k for k in overrides if k in fixed), None)
        if clash is not None:   # the model would ignore it: say so rather than run the same thing
            raise ScenarioError("dashboard", clash, overrides[clash], i18n.t(fixed[clash], "en"))
        return scenario.with_values(overrides, origin="dashboard") if overrides else scenario

    def _forget(self, side: str) -> None:
        m = self._models.pop(side, None)
        if m is not None:
            self._series_cache.pop(id(m), None)
            self._report_cache.pop(id(m), None)

    def _rebuild(self, sides, to_day: int) -> None:
        """Build each side's model at day 0 and run it to `to_day`, starting the remembered
        emergencies on the days they were started."""
        for side in sides:
            self._forget(side)
            with no_cyclic_gc():
                m = GovernanceModel(self._specs[side], self.seed)
                for day in range(to_day + 1):
                    for d0, name, d in self._started:
                        if d0 == day:
                            self._start_in(m, name, d)
                    if day < to_day:
                        m.step()
            self._models[side] = m


def mean_over_days(key: str, s: dict[str, np.ndarray]) -> float:
    x = s[key]
    if key == "active_volunteers":
        x = x[s["emergency_active"] > 0]
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


__all__ = ["CONTROL_BY_KEY", "CONTROL_KINDS", "DEMO_EMERGENCY", "DIFFERENCE_KEYS", "LEVER_CONTROLS", "LEVER_GROUPS",
           "LEVER_SLIDERS", "LeverControl", "REPORT_KEYS", "SERIES_KEYS", "SLIDER_BY_KEY", "Slider", "Workshop",
           "day_kind", "demo_emergency", "format_difference", "mean_over_days", "format_report_value", "grouped_controls",
           "grouped_sliders", "lever_group", "regrid_days", "regrid_status", "report_of", "scenario_choices", "scenario_title"]
