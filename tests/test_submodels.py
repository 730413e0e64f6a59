"""Submodels: installed by the model, each with its own handlers, parameters, summary and columns."""

import pytest

from sim import GovernanceModel
from sim.submodels import SUBMODELS, Submodel
from sim.submodels.base import Submodel as Base

from helpers import small


class NoonCount(Submodel):
    """The open cases at noon each day: a submodel with an event kind of its own."""

    name = "noon_count"
    daily_columns = (("open_at_noon", int),)

    def __init__(self, model):
        super().__init__(model)
        self.NOON = self.events.new_kind("noon")
        self.counts = []

    def handlers(self):
        return {self.NOON: self.on_noon}

    def plan_day(self, day):
        self.events.push(day + 0.5, self.NOON)

    def on_noon(self, a, b):
        self.counts.append(self.model.open_cases)

    def summary(self):
        return {"noon_count.mean_open": sum(self.counts) / max(1, len(self.counts))}

    def day_row(self):
        return (self.counts[-1] if self.counts else 0,)


def test_a_new_submodel_with_its_own_event_kind_needs_no_edit_of_the_model():
    model = GovernanceModel(small("baseline", residents=2_000, days=10), seed=1, submodels=(*SUBMODELS, NoonCount))
    model.run_for(10)
    assert len(model.noon_count.counts) == 10
    assert model.recorder.columns()["open_at_noon"].tolist() == model.noon_count.counts
    from sim.outcomes import summary
    assert summary(model)["noon_count.mean_open"] > 0


def test_every_event_kind_is_handled_by_exactly_one_submodel():
    model = GovernanceModel(small("baseline", residents=500, days=2), seed=1)
    kinds = [k for sub in model.submodels.values() for k in sub.handlers()]
    assert sorted(kinds) == list(range(len(model.events.kind_names)))


def test_a_submodel_reads_only_the_parameters_it_declares():
    model = GovernanceModel(small("baseline", residents=500, days=2), seed=1)
    for sub in model.submodels.values():
        assert set(sub.p) == set(sub.params), sub.name
    with pytest.raises(KeyError):
        model.service.p["case.verify_hours"]


def test_a_submodel_may_not_take_a_name_the_model_uses():
    class Clash(Base):
        name = "residents"

    with pytest.raises(ValueError, match="residents"):
        GovernanceModel(small("baseline", residents=500, days=2), seed=1, submodels=(*SUBMODELS, Clash))


def test_each_submodel_reports_the_summary_keys_of_its_process():
    """The routine summary comes from the submodels that own the processes, the cross-cutting keys
    from outcomes; the merged summary keeps one order (outcomes.SUMMARY_ORDER)."""
    from sim.outcomes import CaseArrays, summary

    model = GovernanceModel(small("baseline", residents=2_000, days=20), seed=1, submodels=(*SUBMODELS, NoonCount))
    model.run_for(20)
    a = CaseArrays.of(model)
    own = {name: {**sub.case_summary(a), **sub.summary()} for name, sub in model.submodels.items()}
    assert set(own["discovery"]) == {"cases.discovered_by_visit", "cases.discovered_by_patrol",
                                     "rates.discovered_share"}
    assert {k.split(".")[0] for k in own["survey"]} == {"survey"}
    assert "response_time_h.mean" in own["service"] and "rates.abandonment" in own["service"]
    assert {"resolution_time_h.mean", "rates.on_time", "ratings.satisfaction_rate"} <= set(own["verification"])
    assert {"channels.app", "rates.lapse", "reporting_delay_h.digital.mean"} <= set(own["intake"])
    keys = list(summary(model))
    assert len(keys) == len(set(keys))
    assert keys[:2] == ["cases.created", "cases.resolved"] and keys[-1] == "territory.communities"
    # A new submodel's keys come after the backlog, with the other submodels' own keys.
    assert keys.index("backlog.end") < keys.index("noon_count.mean_open") < keys.index("routine.backlog_before")


def test_a_summary_key_reported_twice_is_an_error():
    class Twice(Base):
        name = "twice"

        def summary(self):
            return {"survey.count": 0.0}

    model = GovernanceModel(small("baseline", residents=500, days=2), seed=1, submodels=(*SUBMODELS, Twice))
    model.run_for(2)
    from sim.outcomes import summary
    with pytest.raises(ValueError, match="survey.count"):
        summary(model)


def test_a_need_reported_at_once_never_waits_to_be_discovered():
    """With no reporting delay a need is routed as it arises: it must not join the pools of latent
    needs, where a grid worker would plan to visit it again and again at the same instant."""
    from sim.cases import LATENT
    from tests.helpers import model_of, small

    zero = {f"reporting.delay_{c}_hours": 0.0 for c in ("in_person", "hotline", "app")}
    m = model_of(small(residents=800, days=6, **zero))
    m.run_for(6)
    pools = [*m.discovery.latent_visit, *m.discovery.latent_patrol]
    assert all(c.status == LATENT for pool in pools for c in pool.values())
