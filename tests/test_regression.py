"""Baseline regression: a fixed scenario and seed whose headline outputs are stored.

When a change is meant to alter model behaviour, refresh the stored values with
    .venv/bin/python tests/test_regression.py --refresh
and say why in the commit message (and in docs/ODD.md if the model changed).
"""

import json
import sys
from pathlib import Path

import pytest

STORED = Path(__file__).with_name("regression_baseline.json")
SETUP = {"scenario": "baseline", "seed": 1, "residents": 10_000, "days": 120}
HEADLINES = ("cases.created", "cases.resolved", "cases.abandoned", "cases.discovered_by_patrol",
             "response_time_h.mean", "resolution_time_h.mean", "rates.on_time", "ratings.satisfaction_rate",
             "satisfaction.latent_mean", "survey.satisfaction_rate", "workers.utilisation", "events.processed")


def current() -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.helpers import small
    from sim.runner import run

    scenario = small(SETUP["scenario"], residents=SETUP["residents"], days=SETUP["days"])
    summary = run(scenario, SETUP["seed"], case_table=False).summary
    return {key: summary[key] for key in HEADLINES}


def test_headline_outputs_match_the_stored_baseline():
    stored = json.loads(STORED.read_text())
    assert stored["setup"] == SETUP
    now = current()
    for key in HEADLINES:
        assert now[key] == pytest.approx(stored["values"][key], rel=1e-6), (
            f"{key} changed: {stored['values'][key]} -> {now[key]}. If intended, refresh with "
            "`.venv/bin/python tests/test_regression.py --refresh`.")


if __name__ == "__main__":
    if "--refresh" not in sys.argv:
        sys.exit("usage: python tests/test_regression.py --refresh")
    STORED.write_text(json.dumps({"setup": SETUP, "values": current()}, indent=2) + "\n")
    print(f"wrote {STORED}")
