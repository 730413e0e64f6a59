"""Values that were constants in the code are parameters: each one, changed, changes the model."""

import pytest

from sim.runner import run
from tests.helpers import small


def summary(**overrides):
    return run(small(residents=3_000, days=40, **overrides), 1, case_table=False).summary


@pytest.fixture(scope="module")
def base():
    return summary()


def test_grade_cut_points_set_the_ratings(base):
    strict = summary(**{"satisfaction.grade_cut_4": 0.99, "satisfaction.grade_cut_3": 0.98,
                        "satisfaction.grade_cut_2": 0.97, "satisfaction.grade_cut_1": 0.96})
    assert strict["ratings.satisfaction_rate"] < base["ratings.satisfaction_rate"]


def test_overtime_is_costed_with_its_premium_and_hours(base):
    assert base["cost.overtime_cny"] > 0
    doubled = summary(**{"cost.overtime_premium": 3.0})
    assert doubled["cost.overtime_cny"] == pytest.approx(2 * base["cost.overtime_cny"])
    shorter = summary(**{"cost.work_hours_per_year": 1_000})
    assert shorter["cost.overtime_cny"] == pytest.approx(2 * base["cost.overtime_cny"])


def test_patrol_reference_scales_patrol_finds(base):
    keen = summary(**{"worker.patrol_reference_households": 4_000.0})
    assert keen["cases.discovered_by_patrol"] > base["cases.discovered_by_patrol"]


def test_motivation_beta_sets_volunteers_motivation():
    from tests.helpers import model_of

    def mean_motivation(**overrides):
        model = model_of(small(residents=3_000, days=2, **overrides))
        drawn = [r.motivation for grid in model.volunteers.by_grid for r in grid]
        return sum(drawn) / len(drawn)

    assert mean_motivation() == pytest.approx(0.5, abs=0.03)
    assert mean_motivation(**{"volunteer.motivation_beta_a": 8.0}) == pytest.approx(0.8, abs=0.03)
