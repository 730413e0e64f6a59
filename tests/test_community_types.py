"""Community types (sim/community_types.py, ODD 7.1): an all-average territory is the model as it was;
a type changes who lives in a community and what arises there; outcomes by type and by community add
up to the totals; bad type names are refused with exit status 2; one seed gives one result."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.community_outcomes import COMMUNITY_COLUMNS, TYPE_MEASURES
from sim.community_types import AVERAGE, TYPES, assign, canonical, household_density
from sim.params import COMMUNITY_TYPE_FIELDS, COMMUNITY_TYPES, community_type_key
from sim.runner import run
from sim.scenario import ScenarioError
from tests.helpers import SCENARIOS, model_of, small

MIX = "old_estate, commercial_estate, urban_village, work_unit"
COUNTS = ("cases", "reported", "closed", "abandoned", "never_reported", "still_open", "households", "residents")
STORED = Path(__file__).with_name("regression_baseline.json")


def neutral(ctype: str) -> dict:
    """Overrides that give `ctype` the district-wide values and every multiplier 1: an average community
    under another name."""
    v = small().values
    base = {"share_elderly": v["population.share_elderly"], "digital_elderly": v["population.digital_elderly"],
            "digital_other": v["population.digital_other"], "trust_mean": v["population.trust_mean"],
            "renter_share": v["deliberation.renter_share"],
            "density": v["territory.density_per_km2"] / v["territory.household_size"]}
    out = {community_type_key(ctype, f): base[f] for f in COMMUNITY_TYPE_FIELDS}
    out.update({k: 1.0 for k in v if k.startswith((community_type_key(ctype, "need_"),
                                                     community_type_key(ctype, "issue_")))})
    return out


def outcomes(seed: int = 1, **overrides):
    """A short run of eight communities of about 570 households."""
    return run(small("baseline", residents=12_000, days=90, **{"territory.households_per_community": 570,
                                                               **overrides}), seed)


def test_the_default_territory_is_all_average_and_matches_the_stored_baseline() -> None:
    from tests.test_regression import HEADLINES, current

    stored = json.loads(STORED.read_text())["values"]
    now = current()
    assert all(now[k] == pytest.approx(stored[k], rel=1e-12) for k in HEADLINES)
    assert set(model_of(small(days=2)).community_profiles.names) == {AVERAGE}


def test_a_type_with_the_district_values_gives_exactly_the_same_run() -> None:
    """The per-community machinery with another type name but the baseline's values draws exactly as
    the all-average territory: same summary (but for the type's name) and the same cases."""
    a = outcomes()
    b = outcomes(**{"territory.community_types": "old_estate", **neutral("old_estate")})
    assert a.case_rows == b.case_rows
    strip = {k.replace("by_type.old_estate.", "by_type.average."): v for k, v in b.summary.items()}
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(strip, sort_keys=True)


def test_an_explicit_average_list_is_the_default() -> None:
    a = outcomes(seed=2)
    b = outcomes(seed=2, **{"territory.community_types": "average, 社区"})
    assert a.case_rows == b.case_rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_need_multiplier_raises_that_types_cases(seed: int) -> None:
    """Tripling repairs in old estates triples (about) the repairs arising there, not elsewhere's."""
    types = {"territory.community_types": "average, old_estate", **neutral("old_estate")}

    def repairs(factor: float) -> tuple[int, int]:
        o = outcomes(seed, **{**types, community_type_key("old_estate", "need_repair"): factor})
        col = {c: i for i, c in enumerate(o.case_columns)}
        kinds = {row[col["community"]] % 2: 0 for row in o.case_rows}
        for row in o.case_rows:
            if row[col["need"]] == "repair":
                kinds[row[col["community"]] % 2] += 1
        return kinds[0], kinds[1]   # average communities, old estates

    avg1, old1 = repairs(1.0)
    avg3, old3 = repairs(3.0)
    assert old3 > 2.2 * old1, (old1, old3)
    assert abs(avg3 - avg1) < 4 * np.sqrt(avg1) + 5, (avg1, avg3)


def test_types_set_who_lives_there() -> None:
    m = model_of(small(residents=20_000, days=2, **{"territory.community_types": MIX}))
    comm = m.territory.hh_community[m.resident_household]
    names = np.array(m.community_profiles.names)[comm]
    for ctype in ("old_estate", "commercial_estate", "urban_village", "work_unit"):
        here = names == ctype
        share = m.resident_elderly[here].mean()
        assert share == pytest.approx(COMMUNITY_TYPES[ctype]["share_elderly"], abs=0.03), ctype
    village = np.array(m.community_profiles.names)[m.territory.hh_community] == "urban_village"
    assert m.deliberation.renter[village].mean() > 0.7 > m.deliberation.renter[~village].mean()


def test_issue_multipliers_keep_village_affairs_to_villages() -> None:
    m = model_of(small(residents=10_000, days=200, **{"territory.community_types": "village, old_estate",
                                                       "collective.village_affairs.rate_per_year": 6.0}))
    m.run_for(200)
    kinds = {ty.name: k for k, ty in enumerate(m.spec.collective)}
    names = m.community_profiles.names
    village_issues = [i for i in m.deliberation.issues if i.type == kinds["village_affairs"]]
    lifts = [i for i in m.deliberation.issues if i.type == kinds["lift"]]
    assert village_issues and all(names[i.community] == "village" for i in village_issues)
    assert lifts and all(names[i.community] == "old_estate" for i in lifts)


def test_by_type_and_community_tables_add_up_to_the_totals() -> None:
    o = outcomes(**{"territory.community_types": MIX})
    s = o.summary
    types = sorted({k.split(".")[1] for k in s if k.startswith("by_type.")})
    assert types == sorted(t.strip() for t in MIX.split(","))
    assert sum(s[f"by_type.{t}.cases"] for t in types) == s["cases.in_window"]
    assert sum(s[f"by_type.{t}.residents"] for t in types) == s["population.residents"]
    assert sum(s[f"by_type.{t}.households"] for t in types) == s["population.households"]
    rows = [dict(zip(o.community_columns, r)) for r in o.community_rows]
    assert tuple(o.community_columns) == COMMUNITY_COLUMNS
    assert len(rows) == s["territory.communities"]
    assert sum(r["cases"] for r in rows) == s["cases.in_window"]
    for r in rows:   # every case of a community ends one way or another: none is lost
        assert r["closed"] + r["abandoned"] + r["never_reported"] + r["still_open"] == r["cases"]
    closed, reported = sum(r["closed"] for r in rows), sum(r["reported"] for r in rows)
    assert closed / reported == pytest.approx(s["rates.closed"])
    for t in types:
        mine = [r for r in rows if r["type"] == t]
        for k in COUNTS:
            assert sum(r[k] for r in mine) == s[f"by_type.{t}.{k}"], (t, k)


def test_the_run_writes_communities_csv(tmp_path: Path) -> None:
    out = tmp_path / "run"
    rc = main(["run", str(SCENARIOS / "mixed_district.toml"), "--days", "40", "--set", "territory.residents=5000",
               "--out", str(out), "--no-progress"])
    assert rc == 0
    lines = (out / "communities.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(COMMUNITY_COLUMNS)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(lines) - 1 == summary["territory.communities"]
    assert {f"by_type.old_estate.{k}" for k in TYPE_MEASURES} <= set(summary)


def test_a_bad_type_name_in_a_scenario_is_refused(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "bad"\nextends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
                   '[territory]\ncommunity_types = "old_estate, 别墅区"\n', encoding="utf-8")
    assert main(["run", str(bad), "--days", "5", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "territory.community_types" in err[0] and "别墅区" in err[0] and "old_estate" in err[0]
    with pytest.raises(ScenarioError, match="unknown community type"):
        small(**{"territory.community_types": "estate"})


GIS = all(importlib.util.find_spec(m) for m in ("geopandas", "pyogrio", "shapely", "pyproj"))


@pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')
def test_a_bad_type_in_an_imported_district_is_refused(tmp_path: Path, capsys) -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "district" / "district.geojson"
    data = json.loads(fixture.read_text(encoding="utf-8"))
    data["features"][2]["properties"]["类型"] = "别墅区"
    source = tmp_path / "bad.geojson"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rc = main(["district", "import", str(source), "--out", str(tmp_path / "d"), "--extends",
               str(SCENARIOS / "baseline.toml"), "--name-field", "名称", "--type-field", "类型",
               "--households-field", "户数"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "湖滨社区" in err and "别墅区" in err and "old_estate" in err and "行政村" in err
    assert not (tmp_path / "d").exists()


@pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')
def test_an_imported_districts_chinese_types_map_to_type_keys(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "district" / "district.geojson"
    rc = main(["district", "import", str(fixture), "--out", str(tmp_path / "d"), "--extends",
               str(SCENARIOS / "baseline.toml"), "--name-field", "名称", "--type-field", "类型",
               "--households-field", "户数"])
    assert rc == 0
    from sim.scenario import load

    m = model_of(load(tmp_path / "d" / "scenario.toml").with_values({"sim.days": 2, "sim.warmup_days": 1}))
    assert m.community_profiles.names == ("average",) * 4 + ("village",)


def test_names_map_from_chinese_and_english() -> None:
    assert [canonical(n) for n in ("老旧小区", "商品房小区", "城中村", "单位社区", "行政村", "村", " old_estate ", "")] == [
        "old_estate", "commercial_estate", "urban_village", "work_unit", "village", "village", "old_estate", AVERAGE]
    assert canonical("mansion") is None
    assert set(TYPES) == {AVERAGE, *COMMUNITY_TYPES}
    assert assign({"territory.community_types": "old_estate, village"}, 5) == (
        "old_estate", "village", "old_estate", "village", "old_estate")


def test_density_of_a_mix_lays_out_a_larger_footprint_with_a_village() -> None:
    base = small().values
    assert household_density(base) == base["territory.density_per_km2"] / base["territory.household_size"]
    mixed = small(residents=20_000, **{"territory.community_types": "old_estate, village"}).values
    d_old, d_village = COMMUNITY_TYPES["old_estate"]["density"], COMMUNITY_TYPES["village"]["density"]
    assert d_village < household_density(mixed) < d_old


def test_the_same_seed_gives_the_same_tables() -> None:
    a = outcomes(seed=4, **{"territory.community_types": MIX})
    b = outcomes(seed=4, **{"territory.community_types": MIX})
    assert a.community_rows == b.community_rows
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)


def test_the_experiment_report_shows_who_is_left_behind_where_only_for_a_mix() -> None:
    from sim.lab.compare import Comparison, _rows
    from sim.lab.report import comparison_report

    outcomes_ = ["response_time_h.mean"]
    values = {"baseline": np.array([[16.0], [17.0]]), "mixed": np.array([[16.5], [17.5]])}

    def by_type(types: tuple[str, ...]) -> dict[str, np.ndarray]:
        return {f"by_type.{t}.{m}": np.array([0.2 + i / 10, 0.3 + i / 10]) for i, t in enumerate(types)
                for m in TYPE_MEASURES}

    def report(mixed_types: tuple[str, ...], lang: str) -> str:
        result = Comparison(list(values), [1, 2], outcomes_, values, _rows(list(values), outcomes_, values),
                            by_type={"baseline": by_type(("average",)), "mixed": by_type(mixed_types)})
        return comparison_report(result, {}, lang=lang)

    text = report(("old_estate", "urban_village"), "en")
    assert "Who is left behind where" in text and "old estate (老旧小区)" in text and "urban village (城中村)" in text
    assert "| baseline |" not in text.split("Who is left behind where")[1]   # one type: no rows
    assert "谁被落下" in report(("old_estate", "urban_village"), "zh")
    assert "Who is left behind where" not in report(("old_estate",), "en")


def _estate_residents(community: int, seed: int = 1):
    """The residents of a new estate of 4,000 households in `community` of the mixed district."""
    from sim import GovernanceModel
    from sim.scenario import from_dict

    base = small("mixed_district", residents=6_000, days=2, **{"territory.households_per_community": 570})
    raw = base.to_dict()
    raw["territory"]["changes"] = [{"kind": "estate", "community": community, "day": 0, "households": 4_000}]
    m = GovernanceModel(from_dict(raw, "test", files=base.files), seed)
    new = m.resident_household >= m.territory.n_households - 4_000
    return m, new


def test_a_new_estates_residents_come_from_its_communitys_type() -> None:
    """ODD 7.39: an estate in an old-estate community brings old estates' residents (more elderly, fewer
    online), one in a commercial-estate community the commercial estates' (the set-up's draw)."""
    v = small("mixed_district").values
    shares = {}
    for community, ctype in ((0, "old_estate"), (1, "commercial_estate")):
        m, new = _estate_residents(community)
        assert m.community_profiles.names[community] == ctype
        elderly = m.resident_elderly[new]
        digital = np.array([r.digital for r in m.residents])[new]
        trust = np.array([r.trust for r in m.residents])[new]
        assert new.sum() > 8_000
        assert elderly.mean() == pytest.approx(v[community_type_key(ctype, "share_elderly")], abs=0.02)
        assert digital[elderly].mean() == pytest.approx(v[community_type_key(ctype, "digital_elderly")], abs=0.04)
        assert digital[~elderly].mean() == pytest.approx(v[community_type_key(ctype, "digital_other")], abs=0.02)
        assert trust.mean() == pytest.approx(v[community_type_key(ctype, "trust_mean")], abs=0.03)
        estate = np.arange(m.territory.n_households - 4_000, m.territory.n_households)
        assert m.deliberation.renter[estate].mean() == pytest.approx(v[community_type_key(ctype, "renter_share")],
                                                                     abs=0.03)
        shares[ctype] = elderly.mean()
    assert shares["old_estate"] > shares["commercial_estate"] + 0.05
