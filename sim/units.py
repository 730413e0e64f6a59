"""Model units: the clock runs in days. The scenario's values are converted here, once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .satisfaction import grade_cuts
from .scenario import Scenario

HOURS, MINUTES = 1 / 24.0, 1 / 1440.0   # in days


@dataclass(frozen=True, slots=True)
class Rules:
    """The scenario's values in model units (days, km/day, per day), built once per model
    (`Rules.build`); the submodels and agents read them here instead of converting their own.

    A value that is combined with others before its conversion (the activation and switching
    delays, which a contingency plan scales, and the residents' detection delay, which severity
    divides) is converted where it is combined: converting first would round differently. The
    shift calendar (`schedule.Calendar`) keeps its own hours-to-days arithmetic for the same reason.
    """

    triage: float            # worker.triage_minutes
    record: float            # burden.record_minutes_per_case
    speed: float             # worker.speed_kmh, km/day
    visit_rate: float        # household visits per day of proactive work
    walk_speed: float        # volunteer.walk_kmh, km/day
    report_delay: tuple[float, float, float]   # in person, hotline, app (reporting.delay_*_hours)
    dispatch_mean: float     # township.dispatch_hours
    handoff_mean: tuple[float, float]   # grid -> committee, committee -> township, before one-window
    verify_mean: float       # case.verify_hours
    deadline: tuple[float, ...]         # per need type: its urgency's deadline
    effort_mean: tuple[float, ...]      # per need type: effort_hours
    sensor_detect: float     # emergency.sensor_detect_hours
    grid_worker_detect: float           # emergency.grid_worker_detect_hours
    contact_deadline: float  # emergency.contact_deadline_hours
    recovery: float          # emergency.recovery_hours
    volunteer_day: float     # volunteer.hours_per_day
    call_start: float        # volunteer.call_start_hour, as a time of day
    call_end: float          # volunteer.call_end_hour
    on_site: tuple[bool, ...]
    hh_xy: list              # [x, y] per household as Python floats (hot path: travel)
    w_disconfirm: float
    memory: float
    expect_adapt: float
    trust_adapt: float
    grade_cuts: tuple[float, ...]
    sat_sum: list            # running sums of latent satisfaction: [others, elderly] (the model's)

    @classmethod
    def build(cls, s: Scenario, hh_xy: np.ndarray, sat_sum: list[float]) -> "Rules":
        v = s.values
        return cls(
            triage=v["worker.triage_minutes"] * MINUTES,
            record=v["burden.record_minutes_per_case"] * MINUTES,
            speed=v["worker.speed_kmh"] * 24.0,
            visit_rate=v["worker.visit_share"] * 24.0 * 60.0 / v["worker.visit_minutes"],
            walk_speed=v["volunteer.walk_kmh"] * 24.0,
            report_delay=tuple(v[f"reporting.delay_{c}_hours"] * HOURS for c in ("in_person", "hotline", "app")),
            dispatch_mean=v["township.dispatch_hours"] * HOURS,
            handoff_mean=(v["handoff.grid_to_committee_hours"] * HOURS,
                          v["handoff.committee_to_township_hours"] * HOURS),
            verify_mean=v["case.verify_hours"] * HOURS,
            deadline=tuple(n.deadline_hours * HOURS for n in s.needs),
            effort_mean=tuple(n.effort_hours * HOURS for n in s.needs),
            sensor_detect=v["emergency.sensor_detect_hours"] * HOURS,
            grid_worker_detect=v["emergency.grid_worker_detect_hours"] * HOURS,
            contact_deadline=v["emergency.contact_deadline_hours"] * HOURS,
            recovery=v["emergency.recovery_hours"] * HOURS,
            volunteer_day=v["volunteer.hours_per_day"] * HOURS,
            call_start=v["volunteer.call_start_hour"] * HOURS,
            call_end=v["volunteer.call_end_hour"] * HOURS,
            on_site=tuple(n.on_site for n in s.needs),
            hh_xy=hh_xy.tolist(),
            w_disconfirm=v["satisfaction.weight_disconfirmation"],
            memory=v["satisfaction.memory"],
            expect_adapt=v["satisfaction.expectation_adapt"],
            trust_adapt=v["satisfaction.trust_adapt"],
            grade_cuts=grade_cuts(v),
            sat_sum=sat_sum,
        )
