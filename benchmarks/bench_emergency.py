"""What an emergency adds to the baseline run: the baseline (about 50,000 residents, 365 days)
with and without a cold wave whose footprint holds about 10,000 households, interleaved.

The footprint is a circle around the territory's centre whose radius is chosen (from the
households' positions, which depend only on the seed) to hold 10,000 households. Reports the
median wall time of each and the difference.

Target: the emergency adds at most 1 s.

Usage::

    python benchmarks/bench_emergency.py [--repeats 3] [--seed 1] [--households 10000] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc

import numpy as np

import _common as C

C.ensure_root_on_path()

import sim  # noqa: E402
from sim.scenario import from_dict  # noqa: E402

TARGET_S = 1.0


def with_cold_wave(base, seed: int, households: int):
    """The baseline plus a cold wave around the centre covering `households` households."""
    model = sim.GovernanceModel(base, seed)  # built only: the territory depends on the seed alone
    xy = model.territory.hh_xy
    cx, cy = model.territory.width / 2, model.territory.height / 2
    radius = float(np.sort(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy))[households - 1]) + 1e-9
    raw = base.to_dict()
    raw["emergencies"] = {"cold_wave": {"type": "cold_wave", "onset_day": 180.8, "centre_x_km": cx,
                                        "centre_y_km": cy, "radius_km": radius, "severity": 0.8,
                                        "duration_days": 4.0}}
    return from_dict(raw, "<bench_emergency>")


def run(repeats: int = 3, seed: int = 1, households: int = 10_000) -> dict:
    base = sim.load_scenario(C.BASELINE)
    storm = with_cold_wave(base, seed, households)
    reps = {"baseline": [], "with_emergency": []}
    affected = None
    for _ in range(repeats):
        for name, scenario in (("baseline", base), ("with_emergency", storm)):
            gc.collect()
            out = sim.run(scenario, seed, case_table=False)
            reps[name].append(out.wall_s)
            if name == "with_emergency":
                affected = int(out.summary["emergency.affected_households"])
                reached = int(out.summary["emergency.reached_households"])
    med = {k: C.median(v) for k, v in reps.items()}
    added = med["with_emergency"] - med["baseline"]
    return {"seed": seed, "repeats": repeats, "affected_households": affected, "reached_households": reached,
            "reps": reps, "median": med, "added_s": added, "target_s": TARGET_S, "target_met": added <= TARGET_S,
            "load_average": C.load_average()}


def table(res: dict) -> str:
    rows = [(name, ", ".join(f"{x:.2f}" for x in xs), f"{res['median'][name]:.2f}") for name, xs in res["reps"].items()]
    return (C.md_table(("run", "wall s (reps)", "median s"), rows)
            + f"\n\n- affected households {res['affected_households']:,}, reached {res['reached_households']:,}"
            + f"\n- added by the emergency: {res['added_s']:+.2f} s (target <= {TARGET_S:g} s): "
            + C.verdict(res["target_met"]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--json")
    args = ap.parse_args()
    result = run(args.repeats, args.seed, args.households)
    print(table(result))
    C.write_json(args.json, result)
