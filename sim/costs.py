"""What a policy costs: one declared cost model per lever, reported a year under `cost.*` (ODD 7.40).

Each component is one function of the finished model and the parameter table (every price is a row
of sim/params.py, with its source or marked as an assumption) and gives CNY a year: what the run
spent over its `model.time` days (warm-up included) × 365 / days, so a 90-day and a 365-day run of
the same staffing report the same staff cost a year. `cost.total_cny_per_year` is their sum: the one
number a budget constrains. `LEVER_COSTS` says which component each policy lever moves and in which
direction; `FREE_LEVERS` lists the levers that cost no money, with the reason; a test fails when a
lever is in neither.

The window totals `cost.staff_cny` (everything staff-like over the run, as before: wages, overtime,
duty, supervision, mediators, patrol allowances, facilitation), `cost.overtime_cny`,
`cost.per_resident_year_cny` and `cost.per_resolved_case_cny` keep their meaning.
"""

from __future__ import annotations

import re

from .submodels.base import ratio

# component -> (label in English, in Chinese); the order of the summary keys
COMPONENTS = ("staff", "overtime", "duty", "supervision", "grid_heads", "devolution_funds", "platform", "sensors",
              "training", "volunteer_points", "recognition", "deliberation", "mediation", "prevention")

# Components that follow the load rather than a price a lever sets: a lever that speeds the work
# (decentralisation, smart channels) lowers them, and that saving can outweigh its declared cost.
LOAD_DRIVEN = ("overtime", "supervision")

# lever -> (component it moves, +1: a higher value costs more / -1: costs less, what prices it)
LEVER_COSTS: dict[str, tuple[str, int, str]] = {
    "grid.households_per_grid": ("staff", -1, "worker.annual_cost_cny: one full-time grid worker per grid"),
    "grid.part_time_workers": ("staff", +1, "grid.part_time_stipend_cny per part-timer"),
    "policy.decentralisation": ("devolution_funds", +1, "cost.devolution_operating_cny_per_staff_year "
                                "(with policy.resources_follow above 0)"),
    "policy.resources_follow": ("devolution_funds", +1, "township.annual_cost_cny for the staff moved to "
                                "committees + cost.devolution_operating_cny_per_staff_year"),
    "policy.app_adoption": ("platform", +1, "cost.app_platform_cny_per_year + cost.app_cny_per_user_year"),
    "policy.smart_dispatch": ("platform", +1, "cost.smart_dispatch_cny_per_year"),
    "burden.shared_data_entry": ("platform", +1, "cost.data_sharing_cny_per_year"),
    "emergency.sensor_coverage": ("sensors", +1, "cost.sensors_cny_per_grid_year"),
    "emergency.preparedness": ("training", +1, "cost.preparedness_cny_per_staff_year"),
    "volunteer.points_per_hour": ("volunteer_points", +1, "volunteer.cny_per_point × volunteer hours"),
    "volunteer.recognition": ("recognition", +1, "cost.recognition_cny_per_volunteer_year"),
    "deliberation.meetings_per_month": ("deliberation", +1, "cost.meeting_cny"),
    "deliberation.facilitation_cny_per_meeting": ("deliberation", +1, "the budget itself, per meeting held"),
    "deliberation.meeting_format": ("deliberation", +1, "cost.meeting_cny × the format's hours factor "
                                    "(forum < council < hearing)"),
    "deliberation.priority_issues": ("deliberation", +1, "cost.priority_cofunding_share of the priority "
                                     "projects' cost"),
    "safety.legal_adviser": ("mediation", +1, "cost.legal_adviser_cny_per_community_year"),
    "safety.mediators_per_committee": ("mediation", +1, "safety.mediator_annual_cost_cny"),
    "safety.convention": ("mediation", +1, "cost.convention_cny_per_community_year"),
    "safety.patrol_volunteers_per_grid": ("prevention", +1, "safety.patrol_stipend_cny_per_hour"),
    "safety.inspections_per_grid_month": ("prevention", +1, "cost.inspection_cny"),
    "safety.business_inspection_share": ("prevention", +1, "cost.inspection_cny"),
    # grids that adjust (§7.39): a split hires a grid worker, a merge frees one, each paid pro rata
    "grids.review_interval_days": ("staff", +1, "worker.annual_cost_cny for each worker hired at a split "
                                   "(in a growing district; reviews in a shrinking one free workers)"),
    "grids.split_above": ("staff", -1, "worker.annual_cost_cny: a higher threshold splits later, hiring fewer"),
    "grids.merge_below": ("staff", -1, "worker.annual_cost_cny: a higher threshold merges sooner, freeing "
                          "more workers (in a shrinking district)"),
}

FREE_LEVERS: dict[str, str] = {
    "burden.paperwork_hours_per_day": "an administrative rule: the hours are inside the paid shift either way",
    "burden.forms_reduction": "an administrative decision to stop asking for forms; the staff hours are paid anyway",
    "burden.assessment_reduction": "an administrative decision to hold fewer assessments; no money changes hands",
    "deliberation.public_attendance": "opening the meeting to the public; the meeting is costed whoever attends",
    "deliberation.elderly_quota": "a rule for filling council seats; members are unpaid",
    "deliberation.renter_quota": "a rule for filling council seats; members are unpaid",
    "deliberation.deputy_share": "deputies (人大代表、政协委员) attend as part of their duties, unpaid by the township",
    "safety.inspection_results_published": "a notice on the existing platform; the inspections are costed",
}


def price_rows(lever: str) -> list[str]:
    """The parameter-table rows a lever's declared cost rests on (those LEVER_COSTS names)."""
    from .params import PARAM_BY_KEY
    text = LEVER_COSTS[lever][2] if lever in LEVER_COSTS else ""
    return [k for k in dict.fromkeys(re.findall(r"[a-z_]+\.[a-z0-9_]+", text))
            if k in PARAM_BY_KEY and PARAM_BY_KEY[k].lever is None]   # a price, not another lever


def window_costs(model, years: float) -> dict[str, float]:
    """The run's totals (warm-up included): `cost.overtime_cny` (each grid worker's, committee,
    township and county staff member's overtime hours × `cost.overtime_premium` × that role's hourly
    cost), `cost.staff_cny` (wages × years + overtime + the submodels' own `cost_cny()`: supervision,
    duty allowances, mediators, patrol allowances, facilitation, grid-review hires), and per
    resolved case (`costs` adds the costs per resident)."""
    v = _values(model)
    ws = model.workers
    part = sum(w.part_time for w in ws)
    committee = [s for c in model.committees for s in c.desk.servers]
    upper = model.township.desk.servers + [s for dept in model.county for s in dept.desk.servers]
    wages = ((len(ws) - part) * v["worker.annual_cost_cny"] + part * v["grid.part_time_stipend_cny"]
             + len(committee) * v["committee.annual_cost_cny"] + len(upper) * v["township.annual_cost_cny"])
    out = {"cost.overtime_cny": v["cost.overtime_premium"] / v["cost.work_hours_per_year"] * (
        sum(w.overtime_hours for w in ws) * v["worker.annual_cost_cny"]
        + sum(s.overtime_hours for s in committee) * v["committee.annual_cost_cny"]
        + sum(s.overtime_hours for s in upper) * v["township.annual_cost_cny"])}
    extras = sum(sub.cost_cny() for sub in model.submodels.values())
    out["cost.staff_cny"] = wages * years + out["cost.overtime_cny"] + extras
    out["cost.per_resolved_case_cny"] = ratio(out["cost.staff_cny"], model.resolved)
    return out


def costs(model) -> dict[str, float]:
    """Every `cost.*` key: the run's totals (`window_costs`) and the components a year (`annual_costs`)."""
    years = max(model.time, 1e-9) / 365.0
    out = window_costs(model, years)
    out.update(annual_costs(model, out))
    served = residents_served(model)   # once: a loop over the run's days when households change
    out["cost.per_resident_year_cny"] = ratio(out["cost.staff_cny"] / years, served)
    out["cost.total_per_resident_year_cny"] = ratio(out["cost.total_cny_per_year"], served)
    return out


def annual_costs(model, workforce: dict[str, float]) -> dict[str, float]:
    """`cost.COMPONENT_cny_per_year` for every component and their sum `cost.total_cny_per_year`. `workforce` carries `cost.overtime_cny` (the run's overtime,
    from outcomes._workforce)."""
    years = max(model.time, 1e-9) / 365.0
    parts = {
        "staff": staff(model, years), "overtime": workforce["cost.overtime_cny"] / years,
        "duty": _submodel(model, "service") / years, "supervision": _submodel(model, "supervision") / years,
        "grid_heads": grid_heads(model), "devolution_funds": devolution_funds(model), "platform": platform(model),
        "sensors": sensors(model), "training": training(model), "volunteer_points": volunteer_points(model, years),
        "recognition": recognition(model), "deliberation": deliberation(model, years),
        "mediation": mediation(model, years), "prevention": prevention(model, years),
    }
    out = {f"cost.{name}_cny_per_year": float(parts[name]) for name in COMPONENTS}
    out["cost.total_cny_per_year"] = float(sum(parts.values()))
    return out


def residents_served(model) -> int:
    """The residents a cost per resident divides by: those at home on some day of the run (a household
    not yet moved in, demolished before day 0 or a migrant away all the time is not served; ODD 7.39)."""
    return int(model.residents_at_home(0).sum())


def _submodel(model, name: str) -> float:
    sub = model.submodels.get(name)
    return sub.cost_cny() if sub is not None else 0.0


def _values(model):
    return model.spec.values


def devolved_to_committees(model) -> int:
    """Committee staff beyond `committee.staff` each: those moved down with the items (费随事转)."""
    return sum(len(c.desk.servers) for c in model.committees) - len(model.committees) * _values(model)[
        "committee.staff"]


def devolved_from_county(model) -> int:
    """County department staff moved to the township with the items (费随事转)."""
    return sum(_values(model)["county.staff_per_department"] - len(d.desk.servers) for d in model.county)


def staff(model, years: float) -> float:
    """Wages a year: full-time grid workers, part-timers' stipends, committee, township and county staff
    (county staff at the township's cost), hires and departures of the grid reviews (§7.39) pro rata.
    The staff moved to the committees by 费随事转 are paid by the devolution funds, not counted here."""
    v = _values(model)
    ws = model.workers
    part = sum(w.part_time for w in ws)
    committee = sum(len(c.desk.servers) for c in model.committees) - max(0, devolved_to_committees(model))
    upper = len(model.township.desk.servers) + sum(len(d.desk.servers) for d in model.county)
    wages = ((len(ws) - part) * v["worker.annual_cost_cny"] + part * v["grid.part_time_stipend_cny"]
             + committee * v["committee.annual_cost_cny"] + upper * v["township.annual_cost_cny"])
    return wages + _submodel(model, "regrid") / years


def grid_heads(model) -> float:
    """网格长: an allowance a year for each grid's head (a committee member), when grids have heads."""
    v = _values(model)
    return model.territory.n_grids * v["cost.grid_head_allowance_cny_per_year"] if v["grid.heads"] else 0.0


def devolution_funds(model) -> float:
    """费随事转: the funds that follow the handed-down items. The staff moved to the committees keep the
    township's pay (the upper level's budget for them moves down), and every staff member moved
    (county → township, township → committees) brings operating funds (office, equipment, training for
    the new items). Items handed down without resources (`policy.resources_follow` 0) move nobody and
    cost nothing here: the lower level carries them with the staff it had."""
    v = _values(model)
    to_committees = max(0, devolved_to_committees(model))
    moved = to_committees + max(0, devolved_from_county(model))
    return to_committees * v["township.annual_cost_cny"] + moved * v["cost.devolution_operating_cny_per_staff_year"]


def platform(model) -> float:
    """互联网+基层治理: the app (a fixed platform cost whenever residents report through it, and a cost
    per user), smart dispatch (智能派单) and data sharing between departments (数据共享), each
    scaled by its lever."""
    v = _values(model)
    adoption = v["policy.app_adoption"]
    users = adoption * sum(1 for r in model.residents if r.digital)
    app = (v["cost.app_platform_cny_per_year"] if adoption > 0 else 0.0) + users * v["cost.app_cny_per_user_year"]
    return (app + v["policy.smart_dispatch"] * v["cost.smart_dispatch_cny_per_year"]
            + v["burden.shared_data_entry"] * v["cost.data_sharing_cny_per_year"])


def sensors(model) -> float:
    """智能感知: sensors in every grid, in proportion to the coverage they give."""
    v = _values(model)
    return v["emergency.sensor_coverage"] * model.territory.n_grids * v["cost.sensors_cny_per_grid_year"]


def training(model) -> float:
    """应急预案: plans, drills and training of every grid worker, committee and township staff member, in
    proportion to preparedness."""
    staff_n = len(model.workers) + sum(len(c.desk.servers) for c in model.committees) + len(
        model.township.desk.servers)
    v = _values(model)
    return v["emergency.preparedness"] * staff_n * v["cost.preparedness_cny_per_staff_year"]


def volunteer_points(model, years: float) -> float:
    """积分制: points paid for every volunteer hour (emergency duty, routine mutual aid, patrols), in CNY."""
    v = _values(model)
    now = model.events.now
    emergency = model.submodels.get("emergency")
    hours = sum(e.volunteer_hours for e in emergency.emergencies if e.onset <= now) if emergency else 0.0
    hours += getattr(model.submodels.get("volunteers"), "aid_hours", 0.0)
    prevention_sub = model.submodels.get("prevention")
    if prevention_sub is not None:
        hours += prevention_sub.patrol_hours_per_year() * now / 365.0
    return hours * v["volunteer.points_per_hour"] * v["volunteer.cny_per_point"] / years


def recognition(model) -> float:
    """Public recognition (honour lists, star ratings, ceremonies): per registered volunteer, in
    proportion to the lever."""
    v = _values(model)
    volunteers = model.submodels.get("volunteers")
    registered = sum(map(len, volunteers.by_grid)) if volunteers is not None else 0
    return v["volunteer.recognition"] * registered * v["cost.recognition_cny_per_volunteer_year"]


def deliberation(model, years: float) -> float:
    """议事协商: each meeting held (venue, materials, scaled by its format's staff hours), its facilitation
    budget, and the township's co-funding of the priority issues' projects finished in the run."""
    sub = model.submodels.get("deliberation")
    if sub is None:
        return 0.0
    v = _values(model)
    factor = 1.0 if sub.format == "council" else v[f"deliberation.hours_factor_{sub.format}"]
    meetings = sub.meetings * v["cost.meeting_cny"] * factor
    now = model.events.now
    priority = sum(sub.types[i.type].cost_cny for i in sub.issues
                   if i.priority and 0.0 <= i.t_done <= now)   # NaN t_done: not finished
    return (meetings + sub.cost_cny() + priority * v["cost.priority_cofunding_share"]) / years


def mediation(model, years: float) -> float:
    """平安建设: full-time mediators' pay, every community's legal adviser (一村（社区）一法律顾问) and
    its convention (村规民约、居民公约: drafting, publicity, review)."""
    v = _values(model)
    n = model.territory.n_communities
    advisers = n * v["cost.legal_adviser_cny_per_community_year"] if v["safety.legal_adviser"] else 0.0
    convention = n * v["cost.convention_cny_per_community_year"] if v["safety.convention"] else 0.0
    return _submodel(model, "safety") / years + advisers + convention


def prevention(model, years: float) -> float:
    """群防群治: the patrol volunteers' allowances and each safety inspection's running cost (travel,
    checklists, the follow-up of what it finds), grid workers' and the township's of businesses."""
    sub = model.submodels.get("prevention")
    if sub is None:
        return 0.0
    inspections = sub.inspected["grid"] + sub.inspected["business"]
    return (sub.cost_cny() + inspections * _values(model)["cost.inspection_cny"]) / years
