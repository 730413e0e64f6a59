"""Property-based tests: random valid parameter sets never lose a case or a household."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import GovernanceModel, ScenarioError
from sim.cases import ABANDONED, PETITIONED, RESOLVED
from sim.params import PARAM_BY_KEY, PARAMS
from tests.helpers import small

# Keep runs small: these caps bound cost, the rest of each range is drawn in full.
CAPS = {"territory.residents": (50, 2_500), "sim.days": (2, 25), "sim.warmup_days": (0, 5),
        "grid.workers_per_grid": (1, 4), "grid.households_per_grid": (50, 5_000),
        "survey.interval_days": (1, 30)}
SKIP = {"territory.residents", "sim.days"}  # drawn separately


def _strategy(p):
    low, high = CAPS.get(p.key, (p.low, p.high))
    if p.kind is bool:
        return st.booleans()
    if p.kind is int:
        return st.integers(int(low), int(high))
    return st.floats(float(low), float(high), allow_nan=False, allow_infinity=False)


# Parameters that a scenario rule requires to increase are drawn together, in order, each over the
# span of their ranges (independent draws of four cut points would be ordered one time in 24).
INCREASING = (tuple(f"satisfaction.grade_cut_{i}" for i in range(1, 5)),
              ("volunteer.call_start_hour", "volunteer.call_end_hour"))


def _increasing(keys):
    low = min(PARAM_BY_KEY[k].low for k in keys)
    high = max(PARAM_BY_KEY[k].high for k in keys)
    draws = st.lists(st.floats(low, high, allow_nan=False, allow_infinity=False), min_size=len(keys),
                     max_size=len(keys), unique=True)
    return draws.map(lambda xs: dict(zip(keys, sorted(xs))))


def _merged(dicts):
    return {k: v for d in dicts for k, v in d.items()}


params = st.tuples(
    st.fixed_dictionaries({p.key: _strategy(p) for p in PARAMS
                           if p.key not in SKIP and not p.choices and p.kind is not str
                           and not any(p.key in keys for keys in INCREASING)}),
    *(_increasing(keys) for keys in INCREASING)).map(_merged)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=params, residents=st.integers(50, 2_500), days=st.integers(2, 25), seed=st.integers(0, 2**31))
def test_random_parameter_sets_keep_the_invariants(values, residents, days, seed):
    try:
        scenario = small("baseline", residents=residents, days=days, **{**values, "sim.warmup_days": 0})
    except ScenarioError:
        assume(False)  # an inconsistent draw (e.g. paperwork longer than the shift)
    model = GovernanceModel(scenario, seed)
    t = model.territory
    assert np.bincount(t.hh_grid, minlength=t.n_grids).min() >= 1
    assert len(t.hh_grid) == t.n_households == len(set(range(t.n_households)))
    assert sorted(np.concatenate(t.grid_households).tolist()) == list(range(t.n_households))
    for _ in range(days):
        model.step()
        arisen = [c for c in model.cases if c.t_arise <= model.events.now]
        resolved = sum(c.status == RESOLVED for c in arisen)
        abandoned = sum(c.status == ABANDONED for c in arisen)
        petitioned = sum(c.status == PETITIONED for c in arisen)   # disputes gone to 信访 (ODD 7.37)
        assert petitioned == model.safety.petitions
        assert model.created == len(arisen)
        assert model.created == resolved + abandoned + petitioned + model.open_cases
        assert model.resolved == resolved and model.abandoned == abandoned
    assert model.time == days
    assert 0.0 <= model.latent_satisfaction_mean <= 1.0
