"""The one parameter table.

Every scalar parameter of the model is declared here once: key, default, unit,
allowed range, source and meaning. The scenario loader validates against it,
`govsim params` prints it, docs/parameters.md and the ODD's parameter table are
generated from it, and the dashboard builds its lever controls from it.

The needs catalogue (one table per need type) has its own schema, `NEED_FIELDS`,
because it is data with a row per need type rather than a scalar.

Rows are ordered by the ODD section (docs/ODD.md §2-§7) that first uses them,
so the generated tables read in the ODD's order. The emergency type profiles are
rows too (`emergency_types.TYPE_KIND`, `follow_ups.KIND_minutes`, `follow_ups.KIND_by`),
generated from `EMERGENCY_TYPES` and `FOLLOW_UPS`.

Time units in keys: `_hours`, `_minutes` and `_days` say what the value is in;
the model converts everything to days, its clock unit, once (`units.Rules.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ASSUMPTION = "assumption (no published figure found; a plausible value, vary it in sensitivity analysis)"


LEVER_KINDS = ("number", "choice", "subset")


@dataclass(frozen=True)
class Lever:
    """A policy lever, shown as a dashboard control. Its `kind`:

    - "number" (`Lever(step)`): a slider with its step, and an upper end below the table's where the
      table's whole range is not usable in a workshop (None: the table's `high`); a true / false
      row is a switch (step 1);
    - "choice" (`Lever(kind="choice")`): one of the row's `choices` (a select);
    - "subset" (`Lever(kind="subset", catalogue="collective")`): any set of the names of a scenario
      catalogue (the Scenario attribute `catalogue`: [collective.NAME]), comma-separated (a
      multi-select whose options come from the loaded scenario)."""

    step: float | None = None
    high: float | None = None
    kind: str = "number"
    catalogue: str = ""

    def __post_init__(self) -> None:
        if self.kind not in LEVER_KINDS:
            raise ValueError(f"Lever kind {self.kind!r}: expected one of {', '.join(LEVER_KINDS)}")
        if (self.kind == "number") != (self.step is not None and self.step > 0):
            raise ValueError("a number lever has a positive step; a choice or a subset has none")
        if self.kind != "number" and self.high is not None:
            raise ValueError(f"a {self.kind} lever has no upper end")
        if (self.kind == "subset") != bool(self.catalogue):
            raise ValueError("a subset lever, and only it, names the scenario catalogue of its options")


@dataclass(frozen=True)
class Param:
    key: str
    default: Any
    unit: str
    low: float | None = None  # inclusive bounds for numbers
    high: float | None = None
    source: str = ASSUMPTION
    text: str = ""
    choices: tuple[str, ...] | None = None  # allowed values for strings
    lever: Lever | None = None  # a policy lever: a dashboard control, flagged in `govsim params`

    @property
    def kind(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        return allowed_text(self)


def allowed_text(field: Param | NeedField, table: bool = False) -> str:
    """The values a parameter or field allows: in words for an error message ("one of 'a', 'b'",
    "a number in [0, 1]"), or compact for a table column (`table`: "a / b", "0 – 1")."""
    if field.choices:
        return " / ".join(field.choices) if table else "one of " + ", ".join(repr(c) for c in field.choices)
    if field.kind is bool:
        return "true / false" if table else "true or false"
    if field.kind is str and field.unit in DATE_FORMS:  # dates, checked by the loader
        return field.unit if table else DATE_FORMS[field.unit]
    if field.kind is str:
        return "text" if table else "a string"
    if getattr(field, "length", None) is not None:  # a list of numbers (an hourly or monthly profile), or []
        if table:
            return f"{field.length} × {table_number(field.low)} – {table_number(field.high)}, or []"
        return (f"a list of {field.length} numbers in [{_bound(field.low)}, {_bound(field.high)}], "
                "not all zero, or [] for none")
    if table:
        return f"{table_number(field.low)} – {table_number(field.high)}"
    what = "an integer" if field.kind is int else "a number"
    return f"{what} in [{_bound(field.low)}, {_bound(field.high)}]"


DATE_FORMS = {"ISO date": "an ISO date YYYY-MM-DD", "MM-DD": 'a day of the year as "MM-DD"'}


def _bound(x: float | None) -> str:
    if x is None:
        return "-inf"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))  # 10000000, never 1e+07
    return f"{x:g}" if isinstance(x, float) else str(x)


def table_number(x: float | None) -> str:
    """A number as the parameter tables print it: thousands separators on whole numbers from 1,000
    (and on every int), else the shortest form; "–" for None."""
    if x is None:
        return "–"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1000):
        return f"{int(x):,}"
    return f"{x:g}"


# Emergency type profiles, the defaults of the `emergency_types.*` and `follow_ups.*` rows: which
# follow-up needs a first contact uncovers, with the chance per affected household at severity 1
# (scaled by severity), and the minutes and who may do each kind of follow-up. Welfare contact is
# always made. Assumptions: cold waves in Heilongjiang mean heating failures and isolated elderly;
# waterlogging means evacuation help and supplies. Which kinds a type can uncover is fixed here;
# their chances, minutes and who may do them are parameters.
FOLLOW_UPS = {  # kind: (minutes, who may do it)
    "supplies": (45.0, "anyone"),       # deliveries: volunteers too
    "evacuation": (60.0, "staff"),
    "medical": (90.0, "staff"),
    "heating_repair": (120.0, "staff"),
}
FOLLOW_UP_WHO = ("anyone", "staff")
EMERGENCY_TYPES = {
    "cold_wave": {"supplies": 0.15, "medical": 0.05, "heating_repair": 0.2},
    "waterlogging": {"supplies": 0.2, "evacuation": 0.15, "medical": 0.02},
    "fire": {"evacuation": 0.5, "medical": 0.1},
    "gas_leak": {"evacuation": 0.6, "medical": 0.05},
    "outbreak": {"supplies": 0.3, "medical": 0.15},
}


def type_key(etype: str, kind: str) -> str:
    """The parameter holding the chance that an emergency of type `etype` uncovers a `kind` need."""
    return f"emergency_types.{etype}_{kind}"


def follow_up_keys(kind: str) -> tuple[str, str]:
    """The parameters holding a follow-up kind's minutes and who may do it."""
    return f"follow_ups.{kind}_minutes", f"follow_ups.{kind}_by"


def _emergency_profile_params() -> list[Param]:
    """One row per (emergency type, follow-up kind it can uncover), then two per follow-up kind."""
    rows = [Param(type_key(t, k), chance, "share at severity 1", 0.0, 1.0, ASSUMPTION,
                  f"Chance that a first welfare contact in a {t.replace('_', ' ')} uncovers a "
                  f"{k.replace('_', ' ')} need (× severity).")
            for t, kinds in EMERGENCY_TYPES.items() for k, chance in kinds.items()]
    for kind, (minutes, who) in FOLLOW_UPS.items():
        m_key, who_key = follow_up_keys(kind)
        rows.append(Param(m_key, minutes, "min", 1.0, 1440.0, ASSUMPTION,
                          f"Minutes of work on site for a {kind.replace('_', ' ')} follow-up."))
        rows.append(Param(who_key, who, "-", None, None, ASSUMPTION,
                          f"Who may do a {kind.replace('_', ' ')} follow-up: anyone (volunteers too) or staff only.",
                          choices=FOLLOW_UP_WHO))
    return rows


# Community types (社区类型, ODD 2.2 and 7.1): who lives in a community and which needs and collective
# issues arise there. Each type's values are rows `community_types.TYPE_FIELD`, generated from this table;
# the type "average" has no rows: its communities take the district-wide values (population.*,
# deliberation.renter_share, territory.density_per_km2) and the catalogues' rates, as every community
# did before types existed. Multipliers (`need_NAME`, `issue_NAME`) scale the catalogue's rates for the
# community's residents; a need or issue type without a row keeps its rate (× 1). Fields:
# share_elderly, digital_elderly, digital_other, trust_mean, renter_share, density (households/km²),
# then the multipliers of the baseline catalogues' needs and issues.
COMMUNITY_TYPE_FIELDS = {  # field: (unit, low, high, meaning)
    "share_elderly": ("share", 0.0, 0.9, "Share of residents aged 60 and over (population.share_elderly "
                                         "in an average community)."),
    "digital_elderly": ("share", 0.0, 1.0, "Share of elderly residents with digital access (smartphone)."),
    "digital_other": ("share", 0.0, 1.0, "Share of other residents with digital access."),
    "trust_mean": ("0-1", 0.0, 1.0, "Initial mean trust of residents (spread population.trust_sd)."),
    "renter_share": ("share of households", 0.0, 1.0, "Households renting their home (no vote under art. 278)."),
    "density": ("households/km²", 1.0, 50_000.0, "Households per km² of the community's area: with the mix of types it "
                                                "sets a synthetic territory's footprint (travel distances)."),
}
COMMUNITY_NEEDS = ("certificate", "dispute", "repair", "sanitation", "elderly_care", "safety_hazard",
                   "heating", "utilities")
COMMUNITY_ISSUES = ("lift", "parking", "renovation", "property_fees", "public_space", "village_affairs")
COMMUNITY_TYPES = {
    # 老旧小区: walk-ups built before 2000, no lifts, ageing residents, worn facilities, no property company
    "old_estate": dict(share_elderly=0.35, digital_elderly=0.40, digital_other=0.90, trust_mean=0.5,
                       renter_share=0.25, density=5_000.0,
                       need=dict(dispute=1.1, repair=1.6, sanitation=1.2, safety_hazard=1.3, heating=1.4,
                                 utilities=1.3),
                       issue=dict(lift=2.0, renovation=3.0, property_fees=0.5, village_affairs=0.0)),
    # 商品房小区: property management (物业) handles repairs and cleaning; younger, digital owners
    "commercial_estate": dict(share_elderly=0.15, digital_elderly=0.60, digital_other=0.95, trust_mean=0.45,
                              renter_share=0.20, density=4_000.0,
                              need=dict(dispute=0.9, repair=0.6, sanitation=0.6, safety_hazard=0.7, heating=0.8,
                                        utilities=0.7),
                              issue=dict(lift=0.0, parking=1.5, renovation=0.2, property_fees=2.0,
                                         village_affairs=0.0)),
    # 城中村: self-built rental housing, migrant renters, crowded lanes: sanitation and safety (fire, wiring)
    "urban_village": dict(share_elderly=0.10, digital_elderly=0.35, digital_other=0.90, trust_mean=0.40,
                          renter_share=0.80, density=8_000.0,
                          need=dict(certificate=1.2, dispute=1.3, sanitation=1.8, safety_hazard=1.8,
                                    utilities=1.2),
                          issue=dict(lift=0.0, renovation=0.5, property_fees=0.0, public_space=1.5,
                                     village_affairs=0.0)),
    # 单位社区: a former work-unit compound, long-standing neighbours, ageing, buildings of one era
    "work_unit": dict(share_elderly=0.32, digital_elderly=0.45, digital_other=0.92, trust_mean=0.6,
                      renter_share=0.10, density=4_000.0,
                      need=dict(dispute=0.9, repair=1.2, heating=1.1, utilities=1.1),
                      issue=dict(lift=1.5, renovation=1.5, property_fees=0.8, village_affairs=0.0)),
    # 行政村: an administrative village, its natural villages (自然村) the clusters of households inside it
    "village": dict(share_elderly=0.30, digital_elderly=0.25, digital_other=0.80, trust_mean=0.55,
                    renter_share=0.02, density=150.0,
                    need=dict(dispute=1.1, sanitation=0.8, heating=0.3),
                    issue=dict(lift=0.0, parking=0.3, renovation=0.0, property_fees=0.0)),
}
# The few values with a published anchor; every other row is an ASSUMPTION (its text says what it rests on).
COMMUNITY_TYPE_SOURCES = {
    ("village", "share_elderly"): "7th census (NBS, 2021): 23.81% of rural residents aged 60 and over nationally, "
                                  "7.99 points above towns; the value assumes a Heilongjiang village above that",
    ("village", "digital_other"): "CNNIC 53rd report (Dec 2023): rural internet penetration 66.5% overall "
                                  "(49th, Dec 2021: 57.6%); the split by age is an assumption",
    ("urban_village", "renter_share"): "7th census (2020): 25.6% of urban family households rent, 55% in "
                                       "Guangdong, where urban villages house most migrants; 80% is an assumption "
                                       "above the provincial figure",
}


def community_type_key(ctype: str, field: str) -> str:
    """The parameter holding a community type's value of `field` (e.g. need_repair, issue_lift)."""
    return f"community_types.{ctype}_{field}"


def _community_type_params() -> list[Param]:
    rows = []
    for ctype, spec in COMMUNITY_TYPES.items():
        label = ctype.replace("_", " ")
        for field, (unit, low, high, text) in COMMUNITY_TYPE_FIELDS.items():
            source = COMMUNITY_TYPE_SOURCES.get((ctype, field), ASSUMPTION)
            rows.append(Param(community_type_key(ctype, field), spec[field], unit, low, high, source,
                              f"{label.capitalize()} communities: {text[0].lower()}{text[1:]}"))
        for kind, names, what in (("need", COMMUNITY_NEEDS, "need type"), ("issue", COMMUNITY_ISSUES,
                                                                            "collective issue")):
            for name in names:
                rows.append(Param(community_type_key(ctype, f"{kind}_{name}"), float(spec[kind].get(name, 1.0)),
                                  "×", 0.0, 20.0, ASSUMPTION,
                                  f"{label.capitalize()} communities: multiplier on the {what} {name}'s rate"
                                  + (" (both age groups)." if kind == "need" else " (collective.NAME.rate_per_year).")))
    return rows


P = Param
PARAMS: tuple[Param, ...] = (
    # --- scales (ODD 2.3) -------------------------------------------------------------------------
    P("sim.days", 365, "days", 1, 36_500, "-", "Length of the run."),
    P("sim.warmup_days", 30, "days", 0, 365, ASSUMPTION,
      "Cases created before this day are simulated but left out of summary statistics "
      "(the system starts empty)."),
    P("sim.start_date", "2025-01-01", "ISO date", None, None, "-",
      "Date of day 0 (YYYY-MM-DD, 1950-2100): weekdays, public holidays, make-up working days (调休) "
      "and seasons follow the real calendar from it."),
    # --- territory, population and staffing (ODD 2, 5, 7.1) ---------------------------------------
    P("territory.residents", 50_000, "persons", 50, 5_000_000,
      "Urban street offices (街道) commonly serve 50,000-100,000 residents; assumption within that range",
      "Residents of the township / street office."),
    P("territory.household_size", 2.62, "persons/household", 1.0, 6.0,
      "7th national census (2020): 2.62 persons per family household",
      "Mean household size."),
    P("territory.households_per_community", 2_000, "households", 50, 1_000_000,
      "Urban communities (社区) are commonly sized at 1,000-3,000 households; assumption within that range",
      "Households per community (村/社区), each run by one committee."),
    P("territory.density_per_km2", 8_000.0, "residents/km²", 50.0, 100_000.0, ASSUMPTION,
      "Built-up population density; with residents it sets the footprint's area."),
    P("territory.households_per_block", 60, "households", 1, 2_000, ASSUMPTION,
      "Households per residential block (a building or courtyard); households cluster in blocks."),
    P("territory.district_file", "", "path", None, None, "-",
      "An imported district (`govsim district import`): its file of households, community and grid "
      "polygons, relative to the scenario file that names it; empty: a synthetic territory. With a "
      "district, density_per_km2, households_per_community, households_per_block and "
      "grid.households_per_grid no longer shape the territory."),
    P("territory.community_types", "", "community types", None, None, "-",
      "Community types (社区类型), comma-separated, assigned to the communities in order and repeated "
      "(e.g. \"old_estate,commercial_estate\": every other community an old estate); names: average, "
      + ", ".join(COMMUNITY_TYPES) + " (or 老旧小区, 商品房小区, 城中村, 单位社区, 行政村). Empty: an imported "
      "district's own types (`govsim district import --type-field`), else every community average (the "
      "district-wide population.* values and the catalogues' rates). Given, it replaces an imported district's types."),
    P("grid.households_per_grid", 400, "households", 50, 1_000_000,
      "Haikou city standard and an Anhui county: 300-500 households per grid",
      "Grid size: households per grid (网格).",
      # Beyond 2,000 households the workshop territory is one grid.
      lever=Lever(50, high=2_000)),
    P("grid.workers_per_grid", 1, "workers", 0, 1_000,
      "one full-time grid worker (专职网格员) per grid is the usual arrangement; Beijing has about 3,000 "
      "people per grid manager, i.e. larger grids",
      "Full-time grid workers (专职网格员) per grid; 0 (rural grids staffed by part-timers only) needs "
      "grid.part_time_workers >= 1."),
    P("grid.part_time_workers", 0, "workers", 0, 100, ASSUMPTION,
      "Part-time grid workers (兼职网格员: building heads, village cadres or residents paid a stipend, "
      "staffing grids 专兼结合) per grid, besides the full-time ones. They take cases, top-down tasks and "
      "visits only in their hours, are not on call and are not moved to emergency duty.",
      lever=Lever(1, high=4)),
    P("grid.part_time_hours_per_week", 10.0, "h/week", 0.5, 40.0, ASSUMPTION,
      "Hours a part-time grid worker works a week, spread evenly over the week's working days from the "
      "start of the grid workers' duty (after the daily paperwork, which part-timers do not do)."),
    P("grid.part_time_stipend_cny", 6_000.0, "CNY/year", 0.0, 1e6, ASSUMPTION,
      "Yearly stipend (补贴) of a part-time grid worker: 500 CNY a month, within the few hundred CNY a "
      "month local rules commonly pay."),
    P("grid.heads", False, "-", None, None, ASSUMPTION,
      "Grid heads (网格长): each grid is led by one of its committee's staff (members of the 社区两委 commonly "
      "serve as 网格长). A case the grid worker hands up reaches its head after grid.head_handoff_hours "
      "instead of handoff.grid_to_committee_hours; the head holds the grid's own meetings (top-down tasks "
      "with who = \"grid_head\"), on committee time."),
    P("grid.head_handoff_hours", 1.0, "h", 0.0, 720.0,
      "Fuzhou rules: the receiving unit opens a case within 1 h (the head is in the grid's own work group)",
      "Mean hand-off delay from grid worker to committee when the grid has a head."),
    P("committee.staff", 5, "persons", 1, 50,
      "Organic Law of Urban Residents' Committees: 5-9 members", "Committee staff handling cases."),
    P("township.staff_per_10k", 5.0, "persons/10k residents", 0.1, 50.0, ASSUMPTION,
      "Township case-handling staff (departments) per 10,000 residents."),
    P("township.travel_kmh", 0.0, "km/h", 0.0, 120.0, ASSUMPTION,
      "Travel speed of committee and township staff to on-site cases, a round trip from their office "
      "(the committee's, the township seat at the households' centre); 0: not modelled apart from the "
      "effort hours, which in a compact urban street office include the short trips. The rural template "
      "sets 25 km/h (a township car on county and village roads)."),
    P("population.share_elderly", 0.232, "share", 0.0, 0.9,
      "Heilongjiang, 7th census (2020): 23.2% of residents aged 60 and over",
      "Share of residents aged 60 and over."),
    P("population.digital_elderly", 0.45, "share", 0.0, 1.0,
      "CNNIC 2023 puts national internet penetration at 77.5%, much lower among the elderly; "
      "the elderly split is an assumption", "Share of elderly residents with digital access (smartphone)."),
    P("population.digital_other", 0.92, "share", 0.0, 1.0,
      "CNNIC 2023 (77.5% overall); assumption for the under-60 split", "Share of other residents with digital access."),
    P("population.trust_mean", 0.5, "0-1", 0.0, 1.0, ASSUMPTION, "Initial mean trust in the committee and township."),
    P("population.trust_sd", 0.15, "0-1", 0.0, 0.5, ASSUMPTION, "Spread of initial trust across residents."),
    P("satisfaction.initial_mean", 0.7, "0-1", 0.0, 1.0, ASSUMPTION, "Initial mean latent satisfaction."),
    P("satisfaction.initial_sd", 0.1, "0-1", 0.0, 0.5, ASSUMPTION, "Spread of initial latent satisfaction."),
    P("satisfaction.initial_expectation", 0.7, "0-1", 0.0, 1.0, ASSUMPTION,
      "Initial expected performance (1 = instant resolution, 0.5 = at the deadline)."),
    # --- community types (ODD 2.2, 5, 7.1; sim/community_types.py) --------------------------------
    *_community_type_params(),
    # --- need arrivals (ODD 7.2) ------------------------------------------------------------------
    P("demand.scale", 1.0, "×", 0.0, 50.0, "assumption: a stress-test multiplier, not an observed quantity",
      "One multiplier on every need type's arrival rates (both age groups), for stress tests; 1 = the catalogue."),
    # --- decentralisation (ODD 7.3) ---------------------------------------------------------------
    P("policy.decentralisation", 0.0, "share", 0.0, 1.0,
      "Shanxian, Shandong 2020-21: 13-48 items handed down per round",
      "放权赋能: share of devolvable service items handed down one level "
      "(county→township, township→committee); also shortens hand-offs (one-window acceptance).", lever=Lever(0.05)),
    P("policy.resources_follow", 1.0, "share", 0.0, 1.0,
      "policy text: 放权赋能 with 费随事转 (staff and funds follow the items handed down); the share is an assumption",
      "费随事转: share of the staff time that devolved items needed at the upper level that moves with them "
      "(county department → township, township → committees); 0 = items handed down without resources.",
      lever=Lever(0.05)),
    P("policy.committee_items_cap", 100, "need types", 0, 100,
      "policy text: 规范 — a list (清单) limits the items pushed down to committees; the count is a scenario choice",
      "规范: at most this many devolvable township-level need types (in catalogue order) may be handed down "
      "to committees; the rest stay at the township. 100 = no cap."),
    P("policy.one_window_reduction", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "一窗式受理: fraction by which hand-off delays between grid, committee and township shrink at full "
      "decentralisation (hotline dispatch and county handling are not affected)."),
    # --- reporting and channel choice (ODD 7.5, 7.6) ----------------------------------------------
    P("reporting.trust_effect", 1.0, "-", 0.0, 3.0, ASSUMPTION,
      "How strongly trust scales the chance to report: p = base × (1 + effect × (trust − 0.5))."),
    P("reporting.resolved_boost", 1.57, "×", 1.0, 3.0,
      "Sjoberg, Mellon & Peixoto, PAR 2017: a successful first FixMyStreet report raises "
      "the chance of a second by 57%", "Multiplier on the chance to report after one's last report was resolved."),
    P("reporting.delay_in_person_hours", 24.0, "h", 0.0, 720.0, ASSUMPTION,
      "Mean delay before an in-person report reaches the grid worker (waiting to meet them)."),
    P("reporting.delay_hotline_hours", 4.0, "h", 0.0, 720.0, ASSUMPTION,
      "Mean delay between a need arising and a call to the 12345 hotline."),
    P("reporting.delay_app_hours", 1.0, "h", 0.0, 720.0, ASSUMPTION,
      "Mean delay between a need arising and an app report."),
    P("policy.app_adoption", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Smart governance: share of digital residents who report through the app (互联网+基层治理).",
      lever=Lever(0.05)),
    P("reporting.hotline_share", 0.35, "share", 0.0, 1.0,
      "Beijing 2020: 90.7% of 12345 contacts by phone; share of offline reports that go "
      "to the hotline rather than to the grid worker is an assumption",
      "Of residents reporting offline, the share who call 12345 instead of telling the grid worker."),
    # --- routing (ODD 7.7) ------------------------------------------------------------------------
    P("township.dispatch_hours", 1.0, "h", 0.0, 48.0,
      "Fuzhou rules: verify and dispatch within 1 working hour (a maximum, used here as the mean); "
      "Beijing: a ticket takes about 6 min",
      "Mean time for the 12345 / dispatch centre to dispatch a hotline case to the handling level."),
    P("routing.direct_dispatch", True, "-", None, None,
      "assumption: practice of 12345 direct dispatch (直派), e.g. Beijing 12345 接诉即办, "
      "which sends urgent work orders straight to the responsible unit",
      "Whether urgent (2 h) cases go straight to the level with authority, whatever the channel, "
      "skipping the hand-offs between levels."),
    # --- service and hand-offs (ODD 7.9, 7.10) ----------------------------------------------------
    P("routing.misroute_share", 0.1, "share", 0.0, 1.0,
      "assumption: hotlines publish dispatch accuracy (派单准确率) as a target below 100%, and sent-back tickets "
      "(退单) are a recognised step of the 12345 loop; no published rate used",
      "Share of hotline and app reports the dispatch platform sends to a desk at a wrong level; that desk sends "
      "the case back (退单) after a triage and the platform re-dispatches it."),
    P("policy.smart_dispatch", 0.0, "share", 0.0, 1.0, ASSUMPTION,
      "智能派单: share of misrouting that smart dispatch (category and address matching) removes.",
      lever=Lever(0.05)),
    P("routing.supervision", True, "-", None, None,
      "12345 loop (State Council opinion, Jan 2021): accept, dispatch, handle, reply, supervise (督办), close",
      "督办: a case still open at its deadline comes under supervision and is queued one urgency class higher "
      "(never in the urgent class) at every desk from then on; the one class is an assumption."),
    P("supervision.minutes_per_case", 30.0, "min", 0.0, 480.0, ASSUMPTION,
      "Township staff time spent supervising one overdue case (calls, a supervision order, follow-up), costed "
      "at the township's hourly cost."),
    P("worker.speed_kmh", 12.0, "km/h", 1.0, 60.0, ASSUMPTION, "Travel speed (e-bike) between sites."),
    P("worker.triage_minutes", 10.0, "min", 0.0, 120.0, "Fuzhou rules: verify and dispatch within 1 working hour",
      "Minutes a grid worker or committee spends accepting and forwarding a case beyond its authority."),
    P("burden.record_minutes_per_case", 15.0, "min", 0.0, 120.0, ASSUMPTION,
      "Minutes of recording and reporting a grid worker spends on each case handled."),
    P("handoff.grid_to_committee_hours", 4.0, "h", 0.0, 720.0,
      "Fuzhou rules: the receiving unit opens a case within 1 h; forwarding adds time; assumption",
      "Mean hand-off delay from grid worker to committee."),
    P("handoff.committee_to_township_hours", 24.0, "h", 0.0, 720.0,
      "Anhui county case: departments respond to grid reports within 24 h (a maximum, used here as the mean)",
      "Mean hand-off delay from committee to township."),
    P("handoff.township_to_county_hours", 24.0, "h", 0.0, 720.0,
      "assumption, set like handoff.committee_to_township_hours (Anhui county case: departments respond "
      "to grid reports within 24 h)",
      "Mean delay from the township's referral (吹哨) to the case reaching the county department's queue."),
    P("county.staff_per_department", 3, "persons", 1, 1_000, ASSUMPTION,
      "Staff of each county department (条) working the township's items: one department per county-level "
      "need type. Their time is costed like township staff."),
    P("county.report_hours", 24.0, "h", 0.5, 720.0,
      "Beijing 街乡吹哨、部门报到 (2018): departments must report when the street blows the whistle; "
      "the 24 h limit is an assumption",
      "Deadline for a county department to take up (报到) a case the township referred; a case still "
      "waiting then counts as a late report and comes under supervision (督办)."),
    # --- verification, rating and satisfaction (ODD 7.11) -----------------------------------------
    P("case.verify_hours", 24.0, "h", 0.0, 720.0, "12345 loop ends with a follow-up call and rating; "
      "the 1-day mean is an assumption",
      "Mean time from resolution to verification and rating (核查-结案-评价)."),
    P("case.unsolved_share", 0.05, "share", 0.0, 1.0,
      "published figures bracket it: Shanghai 12345, 2016: 99.5% closed on time but 82% actually resolved; "
      "Suzhou 12345, 2023: 98.36% resolved; 5% is an assumption between them",
      "Chance that a case closed within its deadline was not solved (办结 but not 解决)."),
    P("case.unsolved_late", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Rushed closure under pressure: a case closed x > 1 times its deadline after the report (after the "
      "reopening, if reopened) is not solved with an extra chance of this × (1 − 1/x)."),
    P("case.reopen_share", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that a case the follow-up call (回访) finds unsolved is reopened (重办) at the level that closed "
      "it; otherwise the need stays unmet."),
    P("satisfaction.weight_disconfirmation", 0.6, "-", 0.0, 3.0,
      "Van Ryzin JPAM 2004; Zhang et al. PAR 2022 (meta-analysis)",
      "Weight of disconfirmation (performance − expectation) in a case's rating."),
    P("satisfaction.expectation_adapt", 0.3, "0-1", 0.0, 1.0, ASSUMPTION,
      "How far expectation moves toward experienced performance after each case."),
    P("satisfaction.memory", 0.3, "0-1", 0.0, 1.0, ASSUMPTION,
      "How far latent satisfaction moves toward a case's score after each case."),
    P("satisfaction.trust_adapt", 0.2, "0-1", 0.0, 1.0, ASSUMPTION,
      "How far trust moves toward a case's score after each case."),
    P("satisfaction.rating_noise", 0.12, "0-1", 0.0, 1.0, ASSUMPTION, "Noise in turning a score into a 好差评 grade."),
    P("satisfaction.grade_cut_1", 0.15, "0-1", 0.0, 1.0, ASSUMPTION,
      "Score (plus noise) below which a rating is grade 1, very dissatisfied (非常不满意)."),
    P("satisfaction.grade_cut_2", 0.35, "0-1", 0.0, 1.0, ASSUMPTION,
      "Score below which a rating is at most grade 2, dissatisfied (不满意)."),
    P("satisfaction.grade_cut_3", 0.55, "0-1", 0.0, 1.0, ASSUMPTION,
      "Score below which a rating is at most grade 3, basically satisfied (基本满意); from here up, satisfied."),
    P("satisfaction.grade_cut_4", 0.8, "0-1", 0.0, 1.0, ASSUMPTION,
      "Score from which a rating is grade 5, very satisfied (非常满意); the four cuts must increase."),
    # --- abandonment and lapse (ODD 7.12, 7.13) ---------------------------------------------------
    P("case.patience_factor", 3.0, "× deadline", 0.1, 100.0, ASSUMPTION,
      "Mean patience of a resident with a queued case, as a multiple of its deadline; then they abandon."),
    P("case.abandonment", True, "-", None, None, "-", "Whether residents may abandon queued cases."),
    P("reporting.latent_lapse_days", 30.0, "days", 0.1, 365.0, ASSUMPTION,
      "Mean time after which an unreported, undiscovered need lapses (the resident gives up or copes)."),
    P("satisfaction.unmet_performance", 0.2, "0-1", 0.0, 1.0, ASSUMPTION,
      "Performance a resident experiences when an unreported need lapses undiscovered (they coped alone)."),
    # --- proactive discovery (ODD 7.14) -----------------------------------------------------------
    P("worker.visit_share", 0.6, "share", 0.0, 1.0, ASSUMPTION,
      "Share of a grid worker's free time spent on door-to-door visits (the rest is patrol)."),
    P("worker.visit_minutes", 45.0, "min", 1.0, 480.0,
      "Beijing grid managers aim to visit 1-5 households a day; with the rest of the day's work this gives 45 min",
      "Minutes per household visit: walking, talking and recording the five kinds of data."),
    P("worker.patrol_detect_per_hour", 0.2, "1/h", 0.0, 10.0,
      "set so grid workers find about half of public-space needs before residents report them; dedicated "
      "city-management inspectors find 86-96% (Jiangmen 2024, Tianmen 2016)",
      "Chance per patrol hour that a grid worker spots a given latent public-space need in a grid of "
      "worker.patrol_reference_households households (scaled inversely with grid size)."),
    P("worker.patrol_reference_households", 400.0, "households", 1.0, 1_000_000.0,
      "Haikou city standard and an Anhui county: 300-500 households per grid (the default grid size)",
      "Grid size at which worker.patrol_detect_per_hour applies; patrol finds scale with "
      "reference / households in the grid."),
    # --- the shift calendar (ODD 7.15) ------------------------------------------------------------
    P("worker.shift_start_hour", 8.5, "h", 0.0, 23.0, "Chinese public offices: 08:30 start", "Shift start (hour of day)."),
    P("worker.shift_hours", 8.0, "h", 1.0, 24.0, "standard 8-hour day", "Shift length for all staff."),
    P("worker.workdays_per_week", 5, "days", 1, 7, "standard 5-day week", "Working days per week for all staff."),
    P("worker.on_call_urgent", True, "-", None, None, "12345: 7×24 service",
      "Whether urgent (2 h) cases are handled out of hours, as overtime."),
    P("duty.committee_staff", 1, "persons", 0, 50,
      "committees keep a duty phone (值班电话) out of hours; one person is an assumption",
      "Committee staff on the duty roster (值班) out of hours: at most this many work urgent cases at once."),
    P("duty.township_staff", 2, "persons", 0, 1_000,
      "township duty rooms pair a duty officer with a leading cadre (值班 + 带班领导); two is an assumption",
      "Township staff on the duty roster out of hours: at most this many work urgent cases at once."),
    P("duty.county_staff", 1, "persons", 0, 1_000, ASSUMPTION,
      "Staff of each county department on the duty roster out of hours."),
    P("duty.allowance_cny_per_shift", 80.0, "CNY/shift", 0.0, 10_000.0, ASSUMPTION,
      "Allowance (值班补贴) per person per duty shift: one shift a night and one a rest day, for every "
      "rostered committee, township and county member; part of cost.staff_cny."),
    P("burden.paperwork_hours_per_day", 2.0, "h/day", 0.0, 8.0, ASSUMPTION,
      "减轻基层负担: daily hours a grid worker spends on forms, reports and assessments.",
      # The table's 8 h is the whole default shift, which the scenario rules forbid (paperwork < shift).
      lever=Lever(0.25, high=6.0)),
    P("worker.overtime_cap_hours_per_month", 36.0, "h/month", 0.0, 744.0,
      "PRC Labour Law (1994), art. 41: overtime of at most 36 hours a month",
      "Overtime a server (grid worker, committee or township staff) may work in a 30-day month; past it, "
      "on-call work off duty is refused and goes to a colleague under the cap, or waits for the shift. "
      "Emergency duty is exempt (art. 42)."),
    P("worker.overload_effort", 0.2, "share", 0.0, 5.0, ASSUMPTION,
      "Sustained overload slows work: service and task times grow by this share × (overtime this month / "
      "worker.overtime_cap_hours_per_month, at most 1)."),
    P("worker.overload_unsolved", 0.1, "share", 0.0, 1.0, ASSUMPTION,
      "Sustained overload lowers quality: the chance that a closure is unsolved grows by this share × "
      "(the closing server's overtime this month / worker.overtime_cap_hours_per_month, at most 1). "
      "Turnover under overload is not modelled."),
    # --- satisfaction survey (ODD 7.16) -----------------------------------------------------------
    P("survey.interval_days", 90, "days", 1, 36_500, "群众满意度调查制度; quarterly is an assumption",
      "Days between satisfaction surveys of all residents."),
    P("survey.sample_share", 0.005, "share", 0.0001, 1.0, "Tianjin samples 5‰ of its population",
      "Share of residents sampled by each survey."),
    P("satisfaction.word_of_mouth_per_day", 0.01, "1/day", 0.0, 1.0, ASSUMPTION,
      "Word of mouth: every satisfaction.word_of_mouth_interval_days, each resident's latent satisfaction "
      "moves toward the mean score of the cases its community experienced since the last time, by "
      "1 − (1 − this)^days."),
    P("satisfaction.word_of_mouth_interval_days", 90, "days", 1, 365, ASSUMPTION,
      "Days between the word-of-mouth updates (quarterly, with the survey: monthly gives the same steady "
      "state and costs about 0.3 s more per year of 50,000 residents)."),
    P("satisfaction.start_at_equilibrium", True, "-", None, None, ASSUMPTION,
      "At the end of the warm-up, set each community's expectation to the mean performance its cases "
      "had during the warm-up and its latent satisfaction to the matching mean score (the steady state)."),
    # --- workforce and cost (ODD 7.18) ------------------------------------------------------------
    P("worker.annual_cost_cny", 60_000.0, "CNY/year", 0.0, 1e7, ASSUMPTION, "Annual cost of one grid worker."),
    P("committee.annual_cost_cny", 60_000.0, "CNY/year", 0.0, 1e7, ASSUMPTION, "Annual cost of one committee staff member."),
    P("township.annual_cost_cny", 100_000.0, "CNY/year", 0.0, 1e7, ASSUMPTION, "Annual cost of one township staff member."),
    P("cost.overtime_premium", 1.5, "× hourly cost", 1.0, 5.0,
      "PRC Labour Law (1994), art. 44: overtime on working days is paid at no less than 150% of wages",
      "Overtime is costed at this multiple of the hourly cost (annual cost / cost.work_hours_per_year)."),
    P("cost.work_hours_per_year", 2000, "h/year", 1_000, 3_000,
      "250 working days of 8 h (the standard 5-day week and 8-hour day)",
      "Paid working hours in a worker-year, for the hourly cost of overtime."),
    # --- emergencies: footprint and vulnerable households (ODD 7.20) ------------------------------
    P("population.share_alone_elderly_households", 0.075, "share of households", 0.0, 1.0,
      "7th census (2020): about 37 M one-person households aged 60+, some 7.5% of family households",
      "Households of an elderly person living alone: vulnerable in an emergency."),
    P("population.share_disabled_households", 0.05, "share of households", 0.0, 1.0,
      "about 85 M disabled persons nationally (6%, 2010 estimate); household share is an assumption",
      "Further households with a disabled member: vulnerable in an emergency."),
    # --- emergencies: detection (ODD 7.21) --------------------------------------------------------
    P("emergency.sensor_coverage", 0.2, "share", 0.0, 1.0, ASSUMPTION,
      "智能感知: chance that sensors detect an emergency within minutes of onset.", lever=Lever(0.05)),
    P("emergency.sensor_detect_hours", 0.25, "h", 0.0, 24.0, ASSUMPTION,
      "智能感知: a sensor that detects an emergency does so within this time of onset (uniform)."),
    P("emergency.report_delay_hours", 3.0, "h", 0.0, 240.0, ASSUMPTION,
      "Mean delay until residents' calls reveal an emergency (divided by its severity)."),
    P("emergency.grid_worker_detect_hours", 1.0, "h", 0.0, 72.0, ASSUMPTION,
      "Mean time for a grid worker on duty in the footprint to notice an emergency (exponential)."),
    # --- emergencies: activation and the switch (ODD 7.22, 7.23) ----------------------------------
    P("emergency.preparedness", 0.3, "0-1", 0.0, 1.0, ASSUMPTION,
      "应急预案: contingency-plan quality; shortens activation and switching.", lever=Lever(0.05)),
    P("emergency.activation_hours", 8.0, "h", 0.0, 240.0, ASSUMPTION,
      "Township activation delay after detection with no contingency plan (preparedness 0)."),
    P("emergency.preparedness_effect", 0.8, "share", 0.0, 1.0, ASSUMPTION,
      "Fraction of the activation and switching delays a perfect contingency plan removes."),
    P("emergency.county_approval_hours", 6.0, "h", 0.0, 240.0, ASSUMPTION,
      "Wait for county approval before activation; decentralisation removes it in proportion."),
    P("emergency.switch_share", 0.7, "share", 0.0, 1.0, ASSUMPTION,
      "Share of grid workers and committee staff in affected areas, and of township staff, who switch to "
      "emergency tasks."),
    P("emergency.switch_hours", 2.0, "h", 0.0, 72.0, ASSUMPTION,
      "Delay between activation and staff switching to emergency tasks (before preparedness)."),
    P("emergency.lend_share", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "协调联动: chance that an unaffected neighbouring grid lends its workers to an affected grid."),
    # --- emergencies: welfare contacts and follow-up needs (ODD 7.24, 6.5) ------------------------
    P("emergency.contact_deadline_hours", 24.0, "h", 0.5, 720.0, ASSUMPTION,
      "Deadline to contact every vulnerable household in an emergency's footprint."),
    P("emergency.contact_minutes", 15.0, "min", 1.0, 240.0, ASSUMPTION, "Minutes for one welfare contact."),
    P("emergency.vulnerable_contact_minutes", 30.0, "min", 1.0, 240.0, ASSUMPTION,
      "Minutes for one welfare contact with a vulnerable household."),
    *_emergency_profile_params(),
    # --- volunteers (ODD 7.26, 7.27) --------------------------------------------------------------
    P("volunteer.registered_share", 0.16, "share", 0.0, 1.0,
      "China Volunteer Service network: about 230 M registered volunteers (about 16% of residents, 2023)",
      "Share of residents registered as volunteers (志愿者)."),
    P("volunteer.motivation_beta_a", 2.0, "-", 0.1, 100.0, ASSUMPTION,
      "Volunteers' intrinsic motivation is Beta(a, b) on 0-1 (mean a / (a + b)): parameter a."),
    P("volunteer.motivation_beta_b", 2.0, "-", 0.1, 100.0, ASSUMPTION,
      "Beta(a, b) of volunteers' intrinsic motivation: parameter b."),
    P("volunteer.base_response", 0.15, "share", 0.0, 1.0,
      "many registered volunteers are inactive: about 14 h a year each (national data, 2017)",
      "Chance a registered volunteer with average motivation answers a call, before incentives."),
    P("volunteer.points_per_hour", 0.0, "points/h", 0.0, 100.0, ASSUMPTION,
      "积分制: points paid per volunteer hour (redeemable).", lever=Lever(1.0)),
    P("volunteer.cny_per_point", 1.0, "CNY/point", 0.0, 100.0, ASSUMPTION, "Budget cost of one point."),
    P("volunteer.points_scale", 10.0, "points/h", 0.1, 100.0, ASSUMPTION,
      "Points per hour at which incentives reach 63% of their effect (diminishing returns)."),
    P("volunteer.incentive_effect", 0.6, "×", 0.0, 5.0, ASSUMPTION,
      "Relative rise in the chance to answer that points give at saturation. With crowding_out above "
      "this value, more points lower the response (mean intrinsic motivation is 0.5 at the default Beta(2, 2))."),
    P("volunteer.recognition", 0.0, "0-1", 0.0, 1.0, ASSUMPTION,
      "Public recognition of volunteers (honour lists, star ratings).", lever=Lever(0.05)),
    P("volunteer.recognition_effect", 0.05, "share", 0.0, 1.0, ASSUMPTION,
      "Added chance to answer from full recognition."),
    P("volunteer.crowding_out", 0.0, "0-1", 0.0, 1.0, "Frey & Jegen, J. Econ. Surveys 2001 (motivation crowding theory)",
      "Share of intrinsic motivation that paid points crowd out at saturation (0 = off)."),
    P("volunteer.trust_effect", 0.3, "-", 0.0, 2.0, ASSUMPTION,
      "How trust (and so satisfaction) raises willingness: response × (1 + effect × (trust − 0.5))."),
    P("volunteer.call_start_hour", 9.0, "h", 0.0, 23.0, ASSUMPTION,
      "Hour of day at which registered volunteers are called each morning of an emergency."),
    P("volunteer.call_end_hour", 18.0, "h", 1.0, 24.0, ASSUMPTION,
      "An activation before this hour (and after call_start_hour) calls volunteers at once; later, the next morning."),
    P("volunteer.hours_per_day", 4.0, "h/day", 0.5, 16.0, ASSUMPTION, "Hours an answering volunteer gives a day."),
    P("volunteer.fatigue", 0.15, "share/day", 0.0, 1.0, ASSUMPTION,
      "Fall in a volunteer's chance to answer again for each day already served."),
    # --- the end, recovery and satisfaction after (ODD 7.28, 7.29) --------------------------------
    P("emergency.recovery_hours", 12.0, "h", 0.0, 720.0, ASSUMPTION,
      "After an emergency ends, time before switched staff are back on routine work (rest, reports)."),
    P("emergency.after_window_days", 30.0, "days", 1.0, 365.0, ASSUMPTION,
      "Days after an emergency's end at which satisfaction \"after\" is measured."),
    # --- routine mutual aid (ODD 7.30) ------------------------------------------------------------
    P("volunteer.mutual_aid_need", "", "need type", None, None,
      "policy text: 邻里互助 (neighbourly mutual aid), coordinated by the committee",
      "Committee-level need type that the committee first offers to a registered volunteer of the "
      "resident's grid during office hours (empty: no routine mutual aid)."),
    P("volunteer.mutual_aid_calls", 3, "calls", 0, 50, ASSUMPTION,
      "How many registered volunteers of the grid the committee calls for one mutual-aid case."),
    P("volunteer.walk_kmh", 4.0, "km/h", 1.0, 20.0, ASSUMPTION, "Volunteers' travel speed (on foot, near home)."),
    # --- top-down tasks and the burden levers that cut them (ODD 7.32) ----------------------------
    P("burden.forms_reduction", 0.0, "share", 0.0, 1.0,
      "减轻基层负担 policy (精简报表、台账): 42% of 6,077 community workers name repeated forms and 台账 as a "
      "burden (人民论坛 survey); the share cut is a lever, not an observed quantity",
      "Share of the forms and 台账 tasks from above (task types with lever \"forms\") that are cut.",
      lever=Lever(0.05)),
    P("burden.assessment_reduction", 0.0, "share", 0.0, 1.0,
      "policy text: control the number and frequency of assessments (控制考核数量和频次); the share is a lever",
      "Share of assessments and inspections from above (task types with lever \"assessments\") that are cut.",
      lever=Lever(0.05)),
    P("burden.shared_data_entry", 0.0, "share", 0.0, 1.0,
      "policy text: data sharing (数据共享) so that data are entered once; the share is a lever",
      "Share of the hours of data-collection tasks (task types with lever \"data_entry\") saved because data "
      "entered once are shared between departments.", lever=Lever(0.05)),
    # --- deliberation (议事协商) and residents' self-governance (ODD 7.36) ----------------------------
    P("deliberation.meetings_per_month", 0.25, "/month per community", 0.0, 30.0,
      "关于加强城乡社区协商的意见 (2015) asks for regular consultation but sets no frequency; one meeting "
      "every four months is an assumption",
      "Deliberation meetings (居民议事会) each community's committee holds per month, on working days at "
      "even intervals; a meeting discusses open collective issues (deliberation.agenda_size).", lever=Lever(0.25, 4.0)),
    P("deliberation.public_attendance", False, "-", None, None,
      "policy text: the public may attend (列席); whether it does is a lever",
      "Whether residents beyond the council may attend meetings (列席) and take part in the vote.",
      lever=Lever(1)),
    P("deliberation.elderly_quota", 0.0, "share of seats", 0.0, 1.0,
      "representation rules are a lever (the share is not an observed quantity)",
      "At least this share of each community's council seats is held by residents aged 60 and over.",
      lever=Lever(0.05)),
    P("deliberation.renter_quota", 0.0, "share of seats", 0.0, 1.0,
      "representation rules are a lever (the share is not an observed quantity)",
      "At least this share of each community's council seats is held by residents of rented homes.",
      lever=Lever(0.05)),
    P("deliberation.council_size", 25, "members", 1, 500, ASSUMPTION,
      "Members of each community's deliberation council (议事会成员), chosen once at the start."),
    P("deliberation.council_weight_elderly", 2.0, "×", 0.0, 100.0, ASSUMPTION,
      "Weight of a resident aged 60+ when the council's open seats are filled (more time in the day), "
      "relative to 1 for the working-age."),
    P("deliberation.council_weight_renter", 0.3, "×", 0.0, 100.0, ASSUMPTION,
      "Weight of a renter when the council's open seats are filled (less rooted in the community)."),
    P("deliberation.renter_share", 0.256, "share of households", 0.0, 1.0,
      "中国人口普查年鉴-2020 (7th census), vol. 9 住房, family households by source of housing: 25.6% of urban "
      "family households rent (廉租住房/公租房 and 其他租赁住房); by province from under a fifth to 55% (Guangdong)",
      "Households living in rented homes (renters are not owners: they have no vote under art. 278)."),
    P("deliberation.council_attendance", 0.8, "probability", 0.0, 1.0, ASSUMPTION,
      "Chance that a council member attends a meeting."),
    P("deliberation.public_attend_elderly", 0.02, "probability", 0.0, 1.0, ASSUMPTION,
      "With public attendance: chance that a resident aged 60+ (not a council member) attends a meeting, "
      "at trust 0.5 and without a stake."),
    P("deliberation.public_attend_other", 0.005, "probability", 0.0, 1.0, ASSUMPTION,
      "The same for a working-age resident (meetings are in working hours)."),
    P("deliberation.stake_factor", 3.0, "×", 1.0, 100.0, ASSUMPTION,
      "A resident affected by an issue on the agenda attends this many times as often (public attendance)."),
    P("deliberation.trust_effect", 1.0, "-", 0.0, 2.0, ASSUMPTION,
      "Public attendance scales by 1 + this × (trust − 0.5)."),
    P("deliberation.position_sd", 0.5, "-", 0.01, 5.0, ASSUMPTION,
      "Spread of residents' positions on an issue around their group's benefit (a position above 0 approves)."),
    P("deliberation.discussion_shift", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Discussion moves each participant's position this share of the way to the participants' mean."),
    P("deliberation.ballot_reach", 0.7, "share", 0.0, 1.0, ASSUMPTION,
      "Owners' decisions (art. 278): share of the absent affected owner households whose written ballot "
      "(书面征求意见) the committee collects after the meeting."),
    P("deliberation.drop_below", 0.25, "share", 0.0, 1.0, ASSUMPTION,
      "An issue whose approval among those voting is below this share is dropped (clearly rejected)."),
    P("deliberation.agenda_size", 3, "issues", 1, 50, ASSUMPTION,
      "Most issues discussed at one meeting: the township's priorities, then the issues never discussed "
      "(oldest first), then those discussed before (longest since their last discussion first)."),
    P("deliberation.meeting_hours", 3.0, "h", 0.1, 24.0, ASSUMPTION,
      "Staff hours per meeting for each staff member taking part (preparation, the meeting, minutes)."),
    P("deliberation.committee_staff_per_meeting", 2, "persons", 0, 20, ASSUMPTION,
      "Committee staff at each meeting (top-down-task-like work at the committee desk)."),
    P("deliberation.grid_workers_per_meeting", 1, "persons per grid", 0, 5, ASSUMPTION,
      "Grid workers of each of the community's grids at each meeting."),
    P("deliberation.trust_gain", 0.05, "trust", 0.0, 1.0, ASSUMPTION,
      "When an agreed project is implemented: trust gained by those affected and those who attended the "
      "meeting that agreed it."),
    P("deliberation.satisfaction_gain", 0.03, "satisfaction", 0.0, 1.0, ASSUMPTION,
      "The same, for latent satisfaction."),
    P("deliberation.festering_trust_loss", 0.05, "trust", 0.0, 1.0, ASSUMPTION,
      "When an issue festers (open past its urgency): trust lost by the affected residents."),
    P("deliberation.festering_need", "dispute", "need type", None, None,
      "policy text: unresolved collective issues generate disputes and complaints",
      "Need type of the extra needs a festering issue generates among the affected households "
      "(empty: none)."),
    P("deliberation.festering_needs_per_household_year", 0.1, "/household-year", 0.0, 100.0, ASSUMPTION,
      "Rate of those extra needs per affected household while the issue festers."),
    P("deliberation.lapse_days", 730.0, "days", 1.0, 3_650.0, ASSUMPTION,
      "An issue still open (waiting or festering) this long after it was raised lapses (搁置): residents "
      "give up on it, it raises no more needs and leaves the open list. Two years: longer than the "
      "catalogue's longest urgency (renovation, 365 days), so every type can fester before it lapses."),
    P("deliberation.start_at_equilibrium", True, "-", None, None, ASSUMPTION,
      "Start with the stock of collective issues the process leaves after a long run: a pre-history of "
      "issues and dry meetings over twice deliberation.lapse_days plus the longest project before day 0."),
    P("deliberation.facilitation_cny_per_meeting", 0.0, "CNY/meeting", 0.0, 100_000.0,
      "policy text: government purchase of services (政府购买服务) from social-work organisations; the "
      "budget is a lever",
      "Facilitation budget per meeting (a social worker or organisation that prepares and moderates it); "
      "counted in cost.staff_cny.", lever=Lever(200.0, 3_000.0)),
    P("deliberation.facilitation_effect", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "At a saturating budget, a facilitated discussion closes this share of the gap left by "
      "deliberation.discussion_shift (positions move further toward the participants' mean)."),
    P("deliberation.facilitation_half_cny", 1_000.0, "CNY", 1.0, 1e6, ASSUMPTION,
      "Facilitation budget per meeting that gives half of deliberation.facilitation_effect."),
    P("deliberation.deputy_share", 0.0, "share of meetings", 0.0, 1.0,
      "policy text: deputies (人大代表、政协委员) take part in community consultation; the share is a lever",
      "Share of meetings a deputy attends (every meeting in turn, evenly spread: no random draw).",
      lever=Lever(0.1)),
    P("deliberation.deputy_project_speedup", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "A project agreed at a meeting with a deputy is finished in this share less time (the deputy carries "
      "it to the departments)."),
    P("deliberation.deputy_trust_gain", 0.02, "trust", 0.0, 1.0, ASSUMPTION,
      "Trust gained by each participant of a meeting a deputy attends."),
    P("deliberation.meeting_format", "council", "-", None, None,
      "关于加强城乡社区协商的意见 (2015) names the forms (议事会, 座谈会/恳谈会, 听证会); which one is a lever",
      "Format of the committees' meetings: \"council\" (居民议事会: the standing council, and the public "
      "with public_attendance), \"forum\" (座谈会: a small invited discussion, deliberation.forum_size), "
      "\"hearing\" (听证会: open to the public, the affected households invited, a formal record).",
      choices=("council", "forum", "hearing"), lever=Lever(kind="choice")),
    P("deliberation.forum_size", 12, "persons", 2, 200, ASSUMPTION,
      "People invited to a 座谈会: council members and, for deliberation.forum_affected_share of the seats, "
      "residents affected by an issue on the agenda."),
    P("deliberation.forum_affected_share", 0.5, "share of seats", 0.0, 1.0, ASSUMPTION,
      "Share of a 座谈会's invitations that go to affected residents (the rest to council members)."),
    P("deliberation.hearing_affected_attend", 0.3, "probability", 0.0, 1.0, ASSUMPTION,
      "听证会: chance that an invited affected household sends a member (on top of the public's attendance)."),
    P("deliberation.hours_factor_forum", 0.7, "×", 0.0, 10.0, ASSUMPTION,
      "Staff hours of a 座谈会 relative to a council meeting (deliberation.meeting_hours)."),
    P("deliberation.hours_factor_hearing", 2.0, "×", 0.0, 10.0, ASSUMPTION,
      "Staff hours of a 听证会 relative to a council meeting: notice, invitations, the formal record (听证笔录)."),
    P("deliberation.shift_factor_forum", 1.5, "×", 0.0, 10.0, ASSUMPTION,
      "How far a 座谈会's discussion moves positions, relative to a council meeting's (capped at the full way)."),
    P("deliberation.shift_factor_hearing", 0.5, "×", 0.0, 10.0, ASSUMPTION,
      "The same for a 听证会 (statements on the record more than discussion)."),
    P("deliberation.legitimacy_forum", 0.8, "×", 0.0, 10.0, ASSUMPTION,
      "Trust and satisfaction gained when a project agreed at a 座谈会 is implemented, relative to a council's."),
    P("deliberation.legitimacy_hearing", 1.5, "×", 0.0, 10.0, ASSUMPTION,
      "The same for a project agreed at a 听证会 (open, on the record)."),
    P("deliberation.priority_issues", "", "issue types", None, None,
      "policy text: the township sets the consultation priorities (协商重点); which kinds is a lever",
      "Comma-separated names of collective issue types (the [collective.NAME] catalogue) the township names as "
      "its priorities: they come first on every agenda and their projects are co-funded (faster). Empty: none.",
      lever=Lever(kind="subset", catalogue="collective")),
    P("deliberation.priority_project_speedup", 0.25, "share", 0.0, 1.0, ASSUMPTION,
      "A priority issue's project is finished in this share less time (the township's co-funding)."),
    P("deliberation.walkup_storeys", 6, "storeys", 1, 30,
      "住宅设计规范 GB 50096-2011 §6.4.1: a lift is required from seven storeys, so the old walk-ups "
      "(老旧小区) have at most six; each floor equally likely is an assumption",
      "Storeys of the walk-up buildings: each household lives on a floor from 1 to this, drawn once "
      "(equally likely); a collective issue's floor_gradient makes positions depend on it (加装电梯)."),
    P("deliberation.villagers_meeting_reach", 0.7, "share", 0.0, 1.0, ASSUMPTION,
      "Villagers' meeting (rule \"villagers_meeting\"): share of the affected households with no member at the "
      "meeting that send a household representative (户代表) to the villagers' meeting that decides."),
    P("deliberation.villagers_meeting_timing", "festival", "-", None, None, ASSUMPTION,
      "When a village committee convenes the villagers' meeting (rule \"villagers_meeting\", a matter reserved to "
      "it): \"festival\", in a village with migrants away working, once a year on the committee's first working "
      "day from the Spring Festival (春节), while the migrants are home (population.migrant_days_after); its "
      "matters wait for it and are left off the ordinary meetings' agendas (a village without migrants "
      "convenes it at its ordinary meetings); \"any\", at the ordinary meetings whatever the season. "
      "Holding the villagers' meeting when migrant workers return for the festival is common practice; "
      "no stored source gives its share.",
      choices=("festival", "any")),
    P("deliberation.households_per_representative", 10, "households", 5, 15,
      "村民委员会组织法 (2018) art. 25: representatives are elected one per five to fifteen households "
      "(每五户至十五户推选一人); 10, the middle of the range, is an assumption",
      "Villagers' representative meeting (rule \"village_representatives\"): households per representative "
      "(村民代表). A village's households, neighbours together, fall into groups of about this many; each "
      "group elects one of its household heads, one not away working when there is one."),
    P("deliberation.representative_women_share", 1.0 / 3.0, "share", 0.0, 1.0,
      "村民委员会组织法 (2018) art. 25: women representatives at least one third of the meeting's members "
      "(妇女村民代表应当占村民代表会议组成人员的三分之一以上); the law's minimum",
      "Share of a village's representatives' seats held by women (rounded up). Residents have no sex in the "
      "model: the seats are reported (deliberation.representatives_women), positions do not depend on them."),
    P("deliberation.representative_attendance", 0.85, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that a representative at home attends a representatives' meeting (a representative away "
      "working does not)."),
    P("deliberation.representative_pull", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "How far a representative's position moves from their own toward the average of the households they "
      "represent (向推选户负责, art. 25): 0 votes their own view, 1 their households' average."),
    P("deliberation.assembly_hours", 2.0, "hours", 0.0, 24.0, ASSUMPTION,
      "The session of a villagers' meeting or a representatives' meeting convened for the agenda's village "
      "matters: hours of each committee member at it (a fixed-time task at the committee's desk), beside the "
      "notice below."),
    P("deliberation.notice_minutes_per_member", 5.0, "minutes", 0.0, 120.0, ASSUMPTION,
      "Committee time to notify and sign in each member of the body convened: each household of the village "
      "for a villagers' meeting (notice ten days ahead, art. 21), each representative for a representatives' "
      "meeting; shared among the committee members who attend."),
    # --- safe communities: the mediation chain (ODD 7.37) -----------------------------------------
    P("safety.dispute_need", "", "need type", None, None,
      "policy text: 平安建设, the mediation chain grid → committee (人民调解) → township (司法所、综治中心) → "
      "court or petition (信访)",
      "Need type of the catalogue whose cases go through the mediation chain (empty: none; disputes are "
      "then resolved at their level like any case)."),
    P("safety.success_grid", 0.6, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that the grid worker settles a dispute on the spot (小事不出网格), at average severity and "
      "relationship, mediated at once."),
    P("safety.success_committee", 0.97, "share", 0.0, 1.0,
      "People's Daily, 2007-07 national people's mediation conference: 15.8 M disputes mediated in three "
      "years, success rate above 95%",
      "Chance that the committee's people's mediation (人民调解) settles a dispute, at average severity and "
      "relationship, mediated at once (set so that the community's mediation, grid and committee together, "
      "settles about 95% of the disputes it takes up: safety.resolution_rate.community)."),
    P("safety.success_township", 0.85, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that the township's judicial office or comprehensive governance centre (司法所、综治中心) "
      "settles a dispute that reaches it, at average severity and relationship, mediated at once."),
    P("safety.severity_effect", 0.2, "share", 0.0, 2.0, ASSUMPTION,
      "Fall in the chance of settling per unit of the dispute's severity (0-1) above the average 0.5."),
    P("safety.lateness_effect", 0.2, "share", 0.0, 1.0, ASSUMPTION,
      "Fall in the chance of settling when the attempt comes a whole deadline after the report "
      "(proportional before; no further fall after)."),
    P("safety.relationship_effect", 0.2, "share", 0.0, 2.0, ASSUMPTION,
      "Rise in the chance of settling per unit of the resident's trust (0-1) above 0.5: a mediator the "
      "parties know and trust settles more."),
    P("safety.legal_adviser", False, "-", None, None,
      "司法部: one legal adviser for every village and community (一村（社区）一法律顾问, from 2014)",
      "Every community has a legal adviser (法律顾问) who supports mediation at the committee and township.",
      lever=Lever(1)),
    P("safety.legal_adviser_effect", 0.03, "share", 0.0, 1.0, ASSUMPTION,
      "Rise in the chance of settling at the committee and township with a legal adviser."),
    P("safety.mediators_per_committee", 0, "persons", 0, 50,
      "全国调解工作会议 2023: 3.176 M people's mediators, 412,000 of them full-time (专职)",
      "Full-time people's mediators (专职人民调解员) per committee: a mediation desk of their own takes the "
      "committee's disputes (0: the committee's staff mediate at their desk).", lever=Lever(1, high=5)),
    P("safety.mediator_annual_cost_cny", 60_000.0, "CNY/year", 0.0, 1e7, ASSUMPTION,
      "Annual cost of one full-time people's mediator (as a committee staff member)."),
    P("safety.convention", False, "-", None, None,
      "policy text: 村规民约、居民公约 (village and residents' conventions)",
      "Every community has adopted a convention, which lowers the rate of disputes by "
      "safety.convention_reduction.", lever=Lever(1)),
    P("safety.convention_reduction", 0.1, "share", 0.0, 1.0, ASSUMPTION,
      "Share by which an adopted convention lowers the dispute rate."),
    P("safety.recurrence_share", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that a dispute that ended unsolved (a petition, or closed and found unsolved) arises again "
      "at the same household."),
    P("safety.recurrence_days", 60.0, "days", 1.0, 3650.0, ASSUMPTION,
      "Mean time (exponential) until an unsolved dispute arises again."),
    P("safety.recurrence_severity_step", 0.25, "0-1", 0.0, 1.0, ASSUMPTION,
      "Rise in severity (at most 1) of a dispute that arises again."),
    # --- safe communities: collective prevention (ODD 7.38) ---------------------------------------
    P("safety.incident_performance", 0.0, "0-1", 0.0, 1.0, ASSUMPTION,
      "Performance the residents of a household experience when a hazard there causes an incident (a "
      "need type's harm_days): worse than an unmet need (satisfaction.unmet_performance)."),
    P("safety.patrol_volunteers_per_grid", 0, "persons", 0, 50,
      "policy text: 群防群治 (治安巡逻, 平安志愿者); 中央综治委 opinions on 平安志愿者 (2014)",
      "Registered volunteers per grid who patrol for hazards (治安巡逻); fewer if the grid has fewer "
      "registered volunteers.", lever=Lever(1, high=10)),
    P("safety.patrol_hours_per_week", 4.0, "h/week", 0.0, 40.0, ASSUMPTION,
      "Hours a week each patrol volunteer is asked to patrol; each patrols the share of them given by the "
      "chance to answer a call (ODD 7.26: motivation, points, recognition, trust)."),
    P("safety.volunteer_patrol_efficiency", 0.5, "×", 0.0, 2.0, ASSUMPTION,
      "A volunteer's patrol hour finds a given latent hazard at this multiple of a grid worker's "
      "(worker.patrol_detect_per_hour, scaled with grid size as the workers' patrol)."),
    P("safety.patrol_stipend_cny_per_hour", 15.0, "CNY/h", 0.0, 1_000.0, ASSUMPTION,
      "Allowance (误餐、交通补贴) per patrol hour, counted in cost.staff_cny; points are paid as well if "
      "volunteer.points_per_hour is above 0."),
    P("safety.inspections_per_grid_month", 0.0, "/grid-month", 0.0, 60.0,
      "policy text: 安全隐患排查 (grid workers' safety checks)",
      "Grid workers' safety inspections per grid a month beyond the routine tasks: each is a task of "
      "safety.inspection_hours at the grid desk.", lever=Lever(0.5, high=8.0)),
    P("safety.inspection_hours", 2.0, "h", 0.1, 24.0, ASSUMPTION,
      "Grid-worker hours of one safety inspection (competing with cases and other tasks)."),
    P("safety.inspection_find_share", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that an inspection finds a given latent hazard in its grid."),
    P("safety.business_hazard_need", "", "need type", None, None,
      "policy text: 双随机、一公开 for businesses (国办发〔2015〕58号)",
      "Need type of the catalogue as which the businesses' hazards arise, in their grid (empty: no businesses)."),
    P("safety.businesses_per_grid", 10, "businesses", 0, 1_000, ASSUMPTION,
      "Small businesses (shops, restaurants) per grid."),
    P("safety.business_hazard_rate", 0.2, "/business-year", 0.0, 100.0, ASSUMPTION,
      "Hazards a business gives rise to a year before any inspection (times demand.scale)."),
    P("safety.business_inspection_share", 0.0, "/year", 0.0, 4.0,
      "国办发〔2015〕58号: random inspections (双随机: random businesses, random inspectors)",
      "Random inspections by township inspectors a year, as a share of the businesses.",
      lever=Lever(0.05, high=1.0)),
    P("safety.business_inspection_hours", 2.0, "h", 0.1, 24.0, ASSUMPTION,
      "Township staff hours of one business inspection."),
    P("safety.business_inspection_find_share", 0.8, "share", 0.0, 1.0, ASSUMPTION,
      "Chance that an inspection finds a given latent hazard of the business."),
    P("safety.inspection_results_published", True, "-", None, None,
      "国办发〔2015〕58号: results made public (一公开)",
      "Inspection results are published: each inspected business then lowers its hazard rate.",
      lever=Lever(1)),
    P("safety.publication_compliance_effect", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Share by which a business's hazard rate falls after each published inspection of it (compliance)."),
    # --- grids that adjust (动态调整) and households that change (ODD 7.39) -------------------------
    P("population.migrant_days_before", 15, "days", 0, 90,
      "春运 (the Spring Festival travel season) runs 40 days from 15 days before 春节 (2023: 7 January to "
      "15 February around 22 January)",
      "Returning migrants ([[territory.changes]] kind = \"migrants\") are present from this many days "
      "before the Spring Festival (春节)."),
    P("population.migrant_days_after", 25, "days", 0, 120,
      "春运 runs to 24 days after 春节 (2023: to 15 February); one day more for the last returns is an assumption",
      "... and stay until this many days after it; absent the rest of the year (their household makes "
      "no needs)."),
    P("territory.estate_radius_km", 0.15, "km", 0.01, 5.0, ASSUMPTION,
      "Spread (two standard deviations) of a new estate's households around its centre when its "
      "[[territory.changes]] entry names a community (a box or point places it there instead)."),
    P("grids.review_interval_days", 0, "days", 0, 3_650,
      "policy text: 网格 \"动态调整\" (grids set by 规模适度、界限清晰、无缝覆盖、动态调整); interval an ASSUMPTION",
      "Days between reviews of the grid partition (0: grids are never re-partitioned). At each review a "
      "grid above grids.split_above splits and one below grids.merge_below merges.", lever=Lever(15, high=360)),
    P("grids.split_above", 1.5, "× grid size", 1.0, 10.0,
      "Haikou city standard and an Anhui county: 300-500 households per grid; 1.5 × 400 = 600 is above that range",
      "A grid whose present households exceed this multiple of grid.households_per_grid splits in two "
      "at a review (bisection along its longer side) and a new grid worker is hired.", lever=Lever(0.1, high=3.0)),
    P("grids.merge_below", 0.5, "× grid size", 0.0, 1.0,
      "Haikou city standard: 300-500 households per grid; 0.5 × 400 = 200 is well below that range",
      "A grid whose present households fall below this multiple of grid.households_per_grid merges "
      "with its smallest adjacent grid in the same community at a review; its workers are freed "
      "(0: never merge).", lever=Lever(0.05)),
    P("grids.learning_days", 90, "days", 0, 730, ASSUMPTION,
      "A newly hired grid worker's learning period: its efficiency ramps up linearly to 1 over these days."),
    P("grids.learning_start_efficiency", 0.5, "share", 0.05, 1.0, ASSUMPTION,
      "A newly hired grid worker's efficiency on its first day: case work takes 1 / efficiency as long "
      "and door-to-door visits go at efficiency times the usual rate."),
    P("grids.relationship_days", 180, "days", 0, 1_825, ASSUMPTION,
      "Lost relationships: for this many days after its household moves to another grid (a split or a "
      "merge), a household may be left out of its new grid worker's visiting round."),
    P("grids.relationship_loss", 0.5, "share", 0.0, 1.0, ASSUMPTION,
      "Share of the households moved to another grid that the new grid worker does not yet visit (they "
      "rejoin the visiting round after grids.relationship_days)."),
    P("grids.confusion_days", 60, "days", 0, 730, ASSUMPTION,
      "Boundary confusion: for this many days after a split or a merge, a case reaching the desk of a "
      "changed grid first waits an extra delay (who is responsible for this address?)."),
    P("grids.confusion_delay_hours", 12.0, "h", 0.0, 720.0, ASSUMPTION,
      "Mean of the exponential extra delay before a case reaches a changed grid's desk during the "
      "boundary-confusion period."),
    # --- what a policy costs: the prices of the levers (ODD 7.40, sim/costs.py) ---------------------
    P("cost.grid_head_allowance_cny_per_year", 2_400.0, "CNY/grid-year", 0.0, 1e6, ASSUMPTION,
      "Allowance (网格长补贴) a year for each grid's head when grid.heads is on: 200 CNY a month, below a "
      "part-time grid worker's stipend since the head is already paid as committee staff."),
    P("cost.devolution_operating_cny_per_staff_year", 20_000.0, "CNY/staff-year", 0.0, 1e7, ASSUMPTION,
      "费随事转: operating funds (office, equipment, training for the new items) a year for every staff member "
      "moved down with the items, besides the pay that follows them (a fifth of township.annual_cost_cny)."),
    P("cost.app_platform_cny_per_year", 200_000.0, "CNY/year", 0.0, 1e8, ASSUMPTION,
      "互联网+基层治理: the street office's yearly share of the app platform (licence, hosting, maintenance), "
      "paid whenever policy.app_adoption is above 0; a small software contract's order of magnitude."),
    P("cost.app_cny_per_user_year", 5.0, "CNY/user-year", 0.0, 1_000.0, ASSUMPTION,
      "Running cost a year per resident reporting through the app (messages, storage, help desk, outreach); "
      "users = policy.app_adoption × residents with digital access."),
    P("cost.smart_dispatch_cny_per_year", 150_000.0, "CNY/year", 0.0, 1e8, ASSUMPTION,
      "智能派单: yearly cost of the dispatch-matching module and the upkeep of its category and address data at "
      "policy.smart_dispatch = 1 (in proportion below)."),
    P("cost.data_sharing_cny_per_year", 150_000.0, "CNY/year", 0.0, 1e8, ASSUMPTION,
      "数据共享: yearly cost of the interfaces that let data entered once reach every department, at "
      "burden.shared_data_entry = 1 (in proportion below)."),
    P("cost.sensors_cny_per_grid_year", 10_000.0, "CNY/grid-year", 0.0, 1e7, ASSUMPTION,
      "智能感知: sensors (water level, smoke, heating pressure) of one grid a year at "
      "emergency.sensor_coverage = 1 (in proportion below): some twenty devices of a few hundred CNY "
      "written off over five years, with connectivity and upkeep."),
    P("cost.preparedness_cny_per_staff_year", 2_000.0, "CNY/staff-year", 0.0, 1e6, ASSUMPTION,
      "应急预案: plans, drills and training a year per grid worker, committee and township staff member at "
      "emergency.preparedness = 1 (in proportion below): two training days' costs a year."),
    P("cost.recognition_cny_per_volunteer_year", 10.0, "CNY/volunteer-year", 0.0, 10_000.0, ASSUMPTION,
      "Honour lists, star ratings and ceremonies a year per registered volunteer at volunteer.recognition = 1 "
      "(in proportion below)."),
    P("cost.meeting_cny", 300.0, "CNY/meeting", 0.0, 1e6, ASSUMPTION,
      "Running cost of one deliberation meeting (room, materials, minutes) in the council format; a "
      "座谈会 or 听证会 costs this × its staff-hours factor (deliberation.hours_factor_FORMAT)."),
    P("cost.priority_cofunding_share", 0.3, "share", 0.0, 1.0, ASSUMPTION,
      "Share of a priority issue's project cost (collective.NAME.cost_cny) the township co-funds "
      "(deliberation.priority_issues): what buys the faster project."),
    P("cost.legal_adviser_cny_per_community_year", 10_000.0, "CNY/community-year", 0.0, 1e7, ASSUMPTION,
      "一村（社区）一法律顾问: the fee a year of each community's legal adviser when safety.legal_adviser is on; "
      "local schemes pay retainers of this order (no stored source)."),
    P("cost.convention_cny_per_community_year", 1_000.0, "CNY/community-year", 0.0, 1e6, ASSUMPTION,
      "村规民约、居民公约: drafting, publicity and yearly review of each community's convention when "
      "safety.convention is on."),
    P("cost.inspection_cny", 50.0, "CNY/inspection", 0.0, 100_000.0, ASSUMPTION,
      "Running cost of one safety inspection beyond the staff's time (travel, checklists, the follow-up "
      "notice): grid workers' (safety.inspections_per_grid_month) and businesses' "
      "(safety.business_inspection_share)."),
)

PARAM_BY_KEY: dict[str, Param] = {p.key: p for p in PARAMS}

LEVELS = ("grid", "committee", "township", "county")
URGENCY = {  # urgency class -> feedback deadline in hours (Beijing 12345 draft standard, Dec 2021)
    "urgent": 2.0,
    "fast": 24.0,
    "general": 7 * 24.0,
    "complex": 15 * 24.0,
}
DISCOVERY = ("none", "visit", "patrol")
AGE_GROUPS = ("other", "elderly")

# Hourly profiles of need arrivals (ODD 7.2): relative weight of each hour of the day, 00-01 first;
# the model normalises them. Shapes are assumptions (no published hourly series for these need types
# was found): 12345 hotlines report most contacts in office hours and few at night.
HOURLY_PROFILES: dict[str, tuple[float, ...]] = {
    # every hour alike
    "flat": (1.0,) * 24,
    # dealings with offices (certificates): office hours, a lunch dip, little at night
    "office": (0.2,) * 7 + (0.5, 1.5, 3.0, 3.0, 3.0, 1.5, 1.5, 3.0, 3.0, 3.0, 2.0) + (1.0,) * 4 + (0.4, 0.4),
    # noticed while people are up and about (public space, neighbours, care): daytime and evening
    "waking": (0.2,) * 6 + (0.6,) + (1.5,) * 15 + (0.6, 0.6),
    # failures noticed at home (heating, water, power, gas): mornings and evenings
    "home": (0.3,) * 6 + (1.5,) * 3 + (0.9,) * 8 + (1.8,) * 6 + (0.8,),
}


@dataclass(frozen=True)
class NeedField:
    key: str
    kind: type
    unit: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    text: str = ""
    default: Any = None  # an optional field's value when a catalogue leaves it out (None: required)
    length: int | None = None  # a list of numbers (a profile): how many it holds

    def allowed(self) -> str:
        return allowed_text(self)


NEED_FIELDS: tuple[NeedField, ...] = (
    NeedField("rate_other", float, "/resident-year", 0.0, 1000.0, text="Arrival rate per resident aged under 60 (annual mean)."),
    NeedField("rate_elderly", float, "/resident-year", 0.0, 1000.0, text="Arrival rate per resident aged 60 and over (annual mean)."),
    NeedField("level", str, "-", choices=LEVELS, text="Lowest level with authority to resolve it."),
    NeedField("devolvable", bool, "-", text="Whether decentralisation can hand it down a level."),
    NeedField("effort_hours", float, "h", 0.001, 200.0, text="Mean hands-on effort to resolve."),
    NeedField("effort_cv", float, "-", 0.0, 5.0, text="Coefficient of variation of effort (1 with "
              "distribution 'exponential')."),
    NeedField("effort_dist", str, "-", choices=("lognormal", "exponential"), text="Effort distribution."),
    NeedField("urgency", str, "-", choices=tuple(URGENCY), text="Urgency class: deadline 2 h / 24 h / 7 d / 15 d."),
    NeedField("discovery", str, "-", choices=DISCOVERY, text="How a grid worker can discover it unreported."),
    NeedField("on_site", bool, "-", text="Whether handling needs travel to the household."),
    NeedField("report_prob", float, "share", 0.0, 1.0, text="Base chance the resident reports it (trust 0.5)."),
    NeedField("profile", str, "-", choices=tuple(HOURLY_PROFILES), default="flat",
              text="Hourly profile of arrivals (optional; flat)."),
    NeedField("rest_day_factor", float, "×", 0.0, 10.0, default=1.0,
              text="Arrival rate on rest days (weekends, public holidays) relative to working days (optional; 1)."),
    NeedField("season_start", str, "MM-DD", default="",
              text="First day of the season in which it arises, e.g. \"10-20\" (optional; empty: all year)."),
    NeedField("season_end", str, "MM-DD", default="",
              text="Last day of its season; before season_start: the season runs over the new year (optional)."),
    NeedField("harm_days", float, "days", 0.0, 36_500.0, default=0.0,
              text="Mean time (exponential) after which a hazard of this type that nobody found causes an "
                   "incident (ODD 7.38; optional; 0: never)."),
    NeedField("hourly", list, "weights", 0.0, 1e6, default=(), length=24,
              text="Hourly profile from data (e.g. `govsim district tickets`): 24 relative weights, hour "
                   "00-01 first; when given it replaces profile (optional; []: profile)."),
    NeedField("monthly", list, "×", 0.0, 100.0, default=(), length=12,
              text="Relative rate in each calendar month, January first: 12 factors, applied with the "
                   "rest-day factor and season and scaled so a year's expected count stays the rate "
                   "(optional; []: every month alike)."),
)
NEED_FIELD_BY_KEY = {f.key: f for f in NEED_FIELDS}

# [emergencies.NAME]: give onset_day or annual_rate, and centre_x_km/centre_y_km/radius_km or communities.
EMERGENCY_FIELDS: tuple[NeedField, ...] = (
    NeedField("type", str, "-", choices=tuple(EMERGENCY_TYPES), text="Kind of emergency."),
    NeedField("onset_day", float, "day", 0.0, 36_500.0, text="Fixed onset (model day, may be fractional)."),
    NeedField("annual_rate", float, "/year", 0.0, 365.0, text="Or: random onsets at this rate per year."),
    NeedField("season_start", str, "MM-DD", default="",
              text="With annual_rate: first day of the season in which onsets fall, e.g. \"11-01\" "
                   "(optional; the year's onsets all fall in the season)."),
    NeedField("season_end", str, "MM-DD", default="",
              text="With annual_rate: last day of the season; before season_start: it runs over the new year."),
    NeedField("centre_x_km", float, "km", 0.0, 1e4, text="Footprint centre, x (0 = west edge)."),
    NeedField("centre_y_km", float, "km", 0.0, 1e4, text="Footprint centre, y (0 = south edge)."),
    NeedField("radius_km", float, "km", 0.001, 1e4, text="Footprint radius."),
    NeedField("communities", list, "-", text="Or: the affected communities (indices from 0)."),
    NeedField("severity", float, "0-1", 0.01, 1.0, text="Severity: scales follow-up needs and speeds detection."),
    NeedField("duration_days", float, "days", 0.01, 365.0, text="How long the emergency lasts."),
)
EMERGENCY_FIELD_BY_KEY = {f.key: f for f in EMERGENCY_FIELDS}

# [tasks.NAME]: the top-down tasks (上级交办) that fill staff's days, one table per task type (ODD 6.8, 7.32).
TASK_WHO = ("grid_worker", "committee", "township", "grid_head")
TASK_LEVERS = {  # the `lever` field -> the burden parameter that acts on the task type, and how
    "none": None,
    "forms": "burden.forms_reduction",             # cuts that share of occurrences
    "assessments": "burden.assessment_reduction",  # cuts that share of occurrences
    "data_entry": "burden.shared_data_entry",      # cuts that share of each occurrence's hours
}
TASK_FIELDS: tuple[NeedField, ...] = (
    NeedField("who", str, "-", choices=TASK_WHO, text="Who does it: grid workers, committee staff, township staff, or a grid's "
                                                       "head (网格长: committee staff, one task occurrence per grid; "
                                                       "issued only with grid.heads)."),
    NeedField("per", str, "-", choices=("worker", "unit"),
              text="Frequency per worker, or per unit (a grid, a community, the township), whatever its staff."),
    NeedField("per_month", float, "/month", 0.0, 1000.0, text="Occurrences per worker or unit per month."),
    NeedField("hours", float, "h", 0.01, 200.0, text="Mean hours per occurrence."),
    NeedField("hours_cv", float, "-", 0.0, 5.0, text="Coefficient of variation of the hours (lognormal; 0 = fixed)."),
    NeedField("timing", str, "-", choices=("fixed", "flexible"),
              text="fixed: at a set time (meetings, assessments), before all but urgent cases; flexible: "
                   "queued after fast cases and before general ones."),
    NeedField("deadline_days", float, "days", 0.01, 365.0, text="Days from issue within which it counts as on time."),
    NeedField("lever", str, "-", choices=tuple(TASK_LEVERS),
              text="Which burden lever cuts it: forms, assessments (occurrences), data_entry (hours), or none."),
)
TASK_FIELD_BY_KEY = {f.key: f for f in TASK_FIELDS}

# [collective.NAME]: the collective issues residents deliberate on (议事协商), one table per kind (ODD 6.9, 7.36).
# Decision rules: "majority" (more than half of a meeting's participants: a consultation of the
# residents' council); "owners_half" and "owners_three_quarters": Civil Code (2020) art. 278, owners of
# at least two thirds of the area and two thirds in number take part, and more than half (ordinary
# matters), or three quarters (raising maintenance funds, rebuilding or altering buildings and
# facilities, changing common parts' use: items 6-8) of those taking part agree, by area and by number;
# homes are of equal area, so the two counts coincide. "villagers_meeting": Organic Law of Villagers'
# Committees (2018) art. 22, representatives of two thirds of the households take part, more than half
# of those present agree. "village_representatives": the villagers' representative meeting (村民代表会议,
# art. 25-26) on matters the villagers' meeting authorises (art. 24): two thirds of the representatives
# (one per 5-15 households) present, more than half of those present agree.
COLLECTIVE_RULES = ("majority", "owners_half", "owners_three_quarters", "villagers_meeting",
                    "village_representatives")
COLLECTIVE_FIELDS: tuple[NeedField, ...] = (
    NeedField("rate_per_year", float, "/community-year", 0.0, 365.0, text="Issues of this kind arising per community per year."),
    NeedField("affected_share", float, "share", 0.0, 1.0, text="Share of the community's households affected (drawn at random)."),
    NeedField("benefit_elderly", float, "-", -5.0, 5.0, text="Mean position of affected residents aged 60+ (above 0: for)."),
    NeedField("benefit_other", float, "-", -5.0, 5.0, text="Mean position of affected working-age owners."),
    NeedField("benefit_renter", float, "-", -5.0, 5.0, text="Mean position of affected renters, whatever their age."),
    NeedField("benefit_unaffected", float, "-", -5.0, 5.0, text="Mean position of residents not affected (their share of costs, noise)."),
    NeedField("cost_cny", float, "CNY", 0.0, 1e10, text="Cost of the project that implements an agreement."),
    NeedField("urgency_days", float, "days", 1.0, 36_500.0, text="Days after which an issue still open festers."),
    NeedField("rule", str, "-", choices=COLLECTIVE_RULES, text="Decision rule: majority of participants, art. 278's "
              "owners' rules, the villagers' meeting (村民委员会组织法 art. 22) or the villagers' "
              "representative meeting (art. 25-26)."),
    NeedField("project_days", float, "days", 0.0, 3_650.0, text="Days from agreement to the project's completion."),
    NeedField("floor_gradient", float, "-", -5.0, 5.0, default=0.0,
              text="Optional (0): an affected resident's position moves by up to ± this with their floor, from the "
              "ground floor (−) to the top of the walk-up (+), deliberation.walkup_storeys."),
)
COLLECTIVE_FIELD_BY_KEY = {f.key: f for f in COLLECTIVE_FIELDS}


def defaults() -> dict[str, Any]:
    return {p.key: p.default for p in PARAMS}


def levers() -> tuple[Param, ...]:
    """The policy levers, in the table's order: the one list of them (dashboard controls, their
    labels, `govsim params`)."""
    return tuple(p for p in PARAMS if p.lever)
