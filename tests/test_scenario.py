"""Scenario files: loading, `extends`, validation errors that name file, key, value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.params import NEED_FIELDS, PARAM_BY_KEY, PARAMS, defaults
from sim.scenario import NeedType, Scenario, ScenarioError, from_dict, load

from conftest import BASELINE, SCENARIOS

SCENARIO_FILES = sorted(SCENARIOS.glob("*.toml"))
MINIMAL_NEED = """
[needs.job]
rate_other = 1.0
rate_elderly = 1.0
level = "grid"
devolvable = false
effort_hours = 1.0
effort_cv = 1.0
effort_dist = "exponential"
urgency = "general"
discovery = "none"
on_site = false
report_prob = 1.0
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def child(folder: Path, body: str, name: str = "bad.toml") -> Path:
    """A scenario extending the real baseline (by absolute path) with `body` added."""
    base = str(BASELINE).replace("\\", "/")
    return write(folder, name, f'extends = "{base}"\n{body}')


def expect_error(path: Path, key: str | None, value_text: str | None, *allowed: str) -> ScenarioError:
    """load(path) raises ScenarioError naming the file, the key, the value and what is allowed."""
    with pytest.raises(ScenarioError) as info:
        load(path)
    err = info.value
    msg = str(err)
    assert str(path) in msg, msg
    assert err.file == str(path)
    if key is not None:
        assert err.key == key
        assert f"'{key}'" in msg, msg
    if value_text is not None:
        assert value_text in msg, msg
    for text in allowed:
        assert text in msg, msg
    return err


# ----------------------------------------------------------------- good files
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_scenario_file_loads(path: Path) -> None:
    s = load(path)
    assert isinstance(s, Scenario)
    assert s.name and isinstance(s.description, str)
    assert set(s.values) == set(PARAM_BY_KEY)
    for key, value in s.values.items():
        spec = PARAM_BY_KEY[key]
        assert type(value) is spec.kind, (key, value)
        if spec.kind in (int, float):
            assert spec.low <= value <= spec.high
    assert s.needs and all(isinstance(n, NeedType) for n in s.needs)
    assert s.files[0] == str(path)
    assert len(SCENARIO_FILES) >= 6


def test_baseline_states_what_the_table_does_not() -> None:
    s = load(BASELINE)
    assert s.name == "baseline"
    assert s.files == (str(BASELINE),)
    assert [n.name for n in s.needs][:2] == ["certificate", "dispute"]
    # Keys not restated in the file take the parameter table's defaults.
    assert s["grid.households_per_grid"] == PARAM_BY_KEY["grid.households_per_grid"].default
    assert s["sim.days"] == 365


def test_small_grids_only_changes_grid_size() -> None:
    base, small = load(BASELINE), load(SCENARIOS / "small_grids.toml")
    changed = {k for k in base.values if base[k] != small[k]}
    assert changed == {"grid.households_per_grid"}
    assert small["grid.households_per_grid"] == 200
    assert small.needs == base.needs  # the needs catalogue is inherited
    assert small.name == "small_grids" and small.name != base.name
    assert small.files == (str(SCENARIOS / "small_grids.toml"), str(SCENARIOS / "baseline.toml"))


@pytest.mark.parametrize(("name", "key", "value"), [
    ("burden_reduction", "burden.paperwork_hours_per_day", 0.5),
    ("decentralisation", "policy.decentralisation", 0.8),
    ("large_grids", "grid.households_per_grid", 1000),
    ("smart_channels", "policy.app_adoption", 0.8),
])
def test_lever_scenarios_inherit_baseline(name: str, key: str, value) -> None:
    base, s = load(BASELINE), load(SCENARIOS / f"{name}.toml")
    assert s[key] == value != base[key]
    assert s.needs == base.needs
    assert s["territory.residents"] == base["territory.residents"]


def test_extends_merges_deeply_and_child_name_defaults_to_stem(tmp_path: Path) -> None:
    # A child that only changes one need field keeps the rest of that need and every other need.
    path = child(tmp_path, "[needs.dispute]\nreport_prob = 0.9\n[territory]\nresidents = 4000\n", "my_child.toml")
    s, base = load(path), load(BASELINE)
    assert s.name == "my_child"  # the parent's name is not inherited
    assert s.description == ""
    dispute = {n.name: n for n in s.needs}["dispute"]
    base_dispute = {n.name: n for n in base.needs}["dispute"]
    assert dispute.report_prob == 0.9
    assert dispute.effort_hours == base_dispute.effort_hours and dispute.level == base_dispute.level
    assert [n.name for n in s.needs] == [n.name for n in base.needs]
    assert s["territory.residents"] == 4000 and s["sim.days"] == base["sim.days"]
    # Extends chains: a grandchild sees both layers; extends paths are relative to the file.
    sub = tmp_path / "sub"
    sub.mkdir()
    grand = write(sub, "grand.toml", 'extends = "../my_child.toml"\nname = "g"\n[grid]\nhouseholds_per_grid = 250\n')
    g = load(grand)
    assert g.name == "g" and g["grid.households_per_grid"] == 250 and g["territory.residents"] == 4000
    assert g.files == (str(grand), str(sub / "../my_child.toml"), str(BASELINE))


def test_standalone_minimal_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.toml", 'name = "mini"\n[territory]\nresidents = 500\n' + MINIMAL_NEED)
    s = load(path)
    assert s.name == "mini" and s["territory.residents"] == 500
    assert {k: v for k, v in s.values.items() if k != "territory.residents"} == \
        {k: v for k, v in defaults().items() if k != "territory.residents"}
    assert len(s.needs) == 1 and s.needs[0].deadline_hours == 7 * 24.0
    # An integer where a float is expected is accepted and stored as a float; 200.0 for an int as int.
    s2 = load(write(tmp_path, "ints.toml", "[reporting]\ndelay_app_hours = 2\n[grid]\nhouseholds_per_grid = 200.0\n"
                    + MINIMAL_NEED))
    assert s2["reporting.delay_app_hours"] == 2.0 and type(s2["reporting.delay_app_hours"]) is float
    assert s2["grid.households_per_grid"] == 200 and type(s2["grid.households_per_grid"]) is int


# ------------------------------------------------------------------ bad files
def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    path = child(tmp_path, "[grid]\nhouseholds_per_gird = 300\n")
    err = expect_error(path, "grid.households_per_gird", "300", "unknown parameter", "did you mean",
                       "grid.households_per_grid")
    assert err.value == 300


def test_misspelt_table_is_reported(tmp_path: Path) -> None:
    """A misspelt table is an unknown key: the error names it and points to the right one."""
    path = child(tmp_path, "[polcy]\napp_adoption = 0.5\n")
    with pytest.raises(ScenarioError) as info:
        load(path)
    msg = str(info.value)
    assert str(path) in msg and info.value.key in ("polcy", "polcy.app_adoption")
    assert f"'{info.value.key}'" in msg and "policy" in msg, msg
    assert "did you mean" in msg, msg


@pytest.mark.parametrize(("body", "key", "value_text"), [
    ('[grid]\nhouseholds_per_grid = "300"\n', "grid.households_per_grid", "'300'"),      # string for a number
    ("[grid]\nhouseholds_per_grid = 2.5\n", "grid.households_per_grid", "2.5"),          # float for an int
    ("[grid]\nhouseholds_per_grid = true\n", "grid.households_per_grid", "True"),         # bool for a number
    ("[policy]\napp_adoption = true\n", "policy.app_adoption", "True"),                   # bool for a float
    ('[policy]\napp_adoption = "high"\n', "policy.app_adoption", "'high'"),
    ("[policy]\napp_adoption = nan\n", "policy.app_adoption", "nan"),
    ("[sim]\ndays = inf\n", "sim.days", "inf"),
    ('[worker]\non_call_urgent = "yes"\n', "worker.on_call_urgent", "'yes'"),             # string for a bool
    ("[worker]\non_call_urgent = 1\n", "worker.on_call_urgent", "1"),                     # int for a bool
])
def test_wrong_type(tmp_path: Path, body: str, key: str, value_text: str) -> None:
    expect_error(child(tmp_path, body), key, value_text, PARAM_BY_KEY[key].allowed())


@pytest.mark.parametrize(("body", "key", "value_text", "allowed"), [
    ("[grid]\nhouseholds_per_grid = 10\n", "grid.households_per_grid", "10", "an integer in [50, 1000000]"),
    ("[policy]\napp_adoption = 1.5\n", "policy.app_adoption", "1.5", "a number in [0, 1]"),
    ("[policy]\ndecentralisation = -0.1\n", "policy.decentralisation", "-0.1", "a number in [0, 1]"),
    ("[sim]\ndays = 0\n", "sim.days", "0", "an integer in [1, 36500]"),
    ("[worker]\nshift_hours = 25.0\n", "worker.shift_hours", "25.0", "a number in [1, 24]"),
])
def test_out_of_range(tmp_path: Path, body: str, key: str, value_text: str, allowed: str) -> None:
    expect_error(child(tmp_path, body), key, value_text, allowed)


def test_bad_choice_in_need_field(tmp_path: Path) -> None:
    path = child(tmp_path, '[needs.dispute]\nlevel = "province"\n')
    expect_error(path, "needs.dispute.level", "'province'", "one of 'grid', 'committee', 'township', 'county'")


@pytest.mark.parametrize(("body", "key", "value_text", "allowed"), [
    ('[needs.repair]\nrate_other = "often"\n', "needs.repair.rate_other", "'often'", "a number in [0, 1000]"),
    ("[needs.repair]\nreport_prob = 1.2\n", "needs.repair.report_prob", "1.2", "a number in [0, 1]"),
    ("[needs.repair]\non_site = 1\n", "needs.repair.on_site", "1", "true or false"),
    ('[needs.repair]\nurgency = "asap"\n', "needs.repair.urgency", "'asap'", "'urgent'"),
    ("[needs.repair]\neffort_hours = 0.0\n", "needs.repair.effort_hours", "0.0", "a number in [0.001, 200]"),
])
def test_bad_need_field_values(tmp_path: Path, body: str, key: str, value_text: str, allowed: str) -> None:
    expect_error(child(tmp_path, body), key, value_text, allowed)


def test_missing_need_field(tmp_path: Path) -> None:
    body = MINIMAL_NEED.replace('urgency = "general"\n', "")
    path = write(tmp_path, "missing.toml", body)
    expect_error(path, "needs.job.urgency", "None", "missing", "'urgent', 'fast', 'general', 'complex'")
    # A new need type in a child must be complete as well.
    path2 = child(tmp_path, "[needs.noise]\nrate_other = 0.1\n", "new_need.toml")
    expect_error(path2, "needs.noise.rate_elderly", None, "missing", "a number in [0, 1000]")


def test_unknown_need_field(tmp_path: Path) -> None:
    path = child(tmp_path, '[needs.repair]\ncolour = "red"\n')
    expect_error(path, "needs.repair.colour", "'red'", "unknown need field", "effort_hours", "report_prob")


def test_needs_catalogue_required(tmp_path: Path) -> None:
    path = write(tmp_path, "no_needs.toml", "[grid]\nhouseholds_per_grid = 300\n")
    expect_error(path, "needs", None, "[needs.NAME]")
    zero = MINIMAL_NEED.replace("rate_other = 1.0", "rate_other = 0.0").replace("rate_elderly = 1.0",
                                                                                "rate_elderly = 0.0")
    expect_error(write(tmp_path, "zero.toml", zero), "needs", None, "positive rate")


@pytest.mark.parametrize(("body", "key", "value_text", "allowed"), [
    ("[burden]\npaperwork_hours_per_day = 8.0\n", "burden.paperwork_hours_per_day", "8.0",
     "less than worker.shift_hours (8.0)"),
    ("[burden]\npaperwork_hours_per_day = 6.5\n[worker]\nshift_hours = 6.0\n", "burden.paperwork_hours_per_day",
     "6.5", "less than worker.shift_hours (6.0)"),
    ("[worker]\nshift_start_hour = 17.0\n", "worker.shift_hours", "8.0", "<= 24"),
    ("[worker]\nshift_start_hour = 12.0\nshift_hours = 12.5\n", "worker.shift_hours", "12.5", "<= 24"),
    ("[sim]\nwarmup_days = 365\n", "sim.warmup_days", "365", "less than sim.days (365)"),
    ("[sim]\ndays = 20\nwarmup_days = 20\n", "sim.warmup_days", "20", "less than sim.days (20)"),
    ("[satisfaction]\ngrade_cut_3 = 0.3\n", "satisfaction.grade_cut_3", "0.3",
     "more than satisfaction.grade_cut_2 (0.35): the grade cut points must increase"),
    ("[satisfaction]\ngrade_cut_1 = 0.35\n", "satisfaction.grade_cut_2", "0.35",
     "more than satisfaction.grade_cut_1 (0.35)"),
    ("[volunteer]\ncall_end_hour = 9.0\n", "volunteer.call_end_hour", "9.0",
     "more than volunteer.call_start_hour (9.0)"),
])
def test_inconsistent_values(tmp_path: Path, body: str, key: str, value_text: str, allowed: str) -> None:
    expect_error(child(tmp_path, body), key, value_text, allowed)


def test_consistency_boundaries_are_allowed(tmp_path: Path) -> None:
    s = load(child(tmp_path, "[worker]\nshift_start_hour = 16.0\nshift_hours = 8.0\n"
                             "[burden]\npaperwork_hours_per_day = 7.5\n[sim]\ndays = 31\n"))
    assert s["worker.shift_start_hour"] + s["worker.shift_hours"] == 24
    assert s["sim.warmup_days"] == 30 and s["sim.days"] == 31


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.toml", '[grid\nhouseholds_per_grid = 300\n')
    err = expect_error(path, None, None, "not valid TOML", "line 1")
    assert err.key is None


def test_missing_extends_target(tmp_path: Path) -> None:
    path = write(tmp_path, "orphan.toml", 'extends = "nowhere.toml"\n')
    err = expect_error(path, "extends", "nowhere.toml", "no such scenario file")
    assert str(tmp_path / "nowhere.toml") in str(err)
    # A missing top-level file is named too.
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load(tmp_path / "absent.toml")


def test_extends_must_be_a_string(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "num.toml", "extends = 3\n"), "extends", "3", "a path")


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load(a)
    msg = str(info.value)
    assert info.value.key == "extends"
    assert "cycle" in msg and "a.toml" in msg and "b.toml" in msg
    assert str(a) in msg
    # A file extending itself is a cycle too, not infinite recursion.
    me = write(tmp_path, "me.toml", 'extends = "me.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load(me)


def test_exponential_effort_needs_cv_one(tmp_path: Path) -> None:
    path = child(tmp_path, '[needs.repair]\neffort_dist = "exponential"\neffort_cv = 0.5\n')
    expect_error(path, "needs.repair.effort_cv", "0.5", "1.0 when effort_dist is 'exponential'")
    ok = child(tmp_path, '[needs.repair]\neffort_dist = "exponential"\neffort_cv = 1.0\n', "ok.toml")
    assert {n.name: n for n in load(ok).needs}["repair"].effort_dist == "exponential"


def test_top_level_scalar_that_is_not_a_table(tmp_path: Path) -> None:
    path = child(tmp_path, "households_per_grid = 300\n")
    expect_error(path, "households_per_grid", "300", "tables")


def test_name_must_be_a_string(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "n.toml", "name = 5\n" + MINIMAL_NEED), "name", "5", "a string")


def test_unknown_empty_table_is_reported(tmp_path: Path) -> None:
    """Even an empty misspelt table is reported (it was once accepted silently)."""
    path = child(tmp_path, "[gird]\n")
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert "'gird'" in str(info.value) and str(path) in str(info.value)
    assert "[grid]" in str(info.value) or "grid." in str(info.value)


def test_errors_in_a_parent_file(tmp_path: Path) -> None:
    """File-level problems of a parent (invalid TOML) name the parent."""
    write(tmp_path, "parent.toml", "[grid\n")
    kid = write(tmp_path, "kid.toml", 'extends = "parent.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load(kid)
    assert str(tmp_path / "parent.toml") in str(info.value) and "not valid TOML" in str(info.value)


def test_bad_value_in_a_parent_names_the_parent(tmp_path: Path) -> None:
    """Regression: a bad value inherited from a parent was reported against the child file."""
    parent = child(tmp_path, "[grid]\nhouseholds_per_grid = 10\n", "parent.toml")
    kid = write(tmp_path, "kid.toml", 'extends = "parent.toml"\n[policy]\napp_adoption = 0.5\n')
    with pytest.raises(ScenarioError) as info:
        load(kid)
    assert info.value.key == "grid.households_per_grid"
    assert str(parent) in str(info.value), str(info.value)


def test_inconsistency_across_files_names_the_loaded_file(tmp_path: Path) -> None:
    path = child(tmp_path, "[sim]\ndays = 20\n")
    with pytest.raises(ScenarioError) as info:
        load(path)
    msg = str(info.value)
    assert info.value.key == "sim.warmup_days" and "less than sim.days (20)" in msg, msg
    assert str(path) in msg, msg
    # Same for a need: the child switches certificate to exponential effort; its cv 0.5 is the parent's.
    path2 = child(tmp_path, '[needs.certificate]\neffort_dist = "exponential"\n', "expo.toml")
    with pytest.raises(ScenarioError) as info:
        load(path2)
    assert info.value.key == "needs.certificate.effort_cv"
    assert str(path2) in str(info.value), str(info.value)


# --------------------------------------------------------- with_values, to_dict
def test_with_values_applies_and_validates() -> None:
    base = load(BASELINE)
    s = base.with_values({"grid.households_per_grid": 250, "needs.repair.report_prob": 0.7,
                          "policy.app_adoption": 1})
    assert s["grid.households_per_grid"] == 250
    assert s["policy.app_adoption"] == 1.0 and type(s["policy.app_adoption"]) is float
    assert {n.name: n for n in s.needs}["repair"].report_prob == 0.7
    assert s.name == base.name and s.files == base.files
    # The original is untouched and immutable.
    assert base["grid.households_per_grid"] == 400
    assert {n.name: n for n in base.needs}["repair"].report_prob == 0.5
    with pytest.raises(TypeError):
        base.values["grid.households_per_grid"] = 1  # type: ignore[index]
    # Overrides are validated like file values; the origin names where they came from.
    bad = [
        ({"grid.households_per_grid": 2.5}, "grid.households_per_grid", "an integer"),
        ({"grid.households_per_gird": 300}, "grid.households_per_gird", "did you mean grid.households_per_grid"),
        ({"needs.repair.level": "province"}, "needs.repair.level", "one of"),
        ({"sim.warmup_days": 400}, "sim.warmup_days", "an integer in [0, 365]"),
        ({"sim.days": 10}, "sim.warmup_days", "less than sim.days (10)"),
        ({"grid": 5}, "grid", "SECTION.NAME"),
        ({"name.x": 5}, "name.x", "not a table"),
    ]
    for overrides, key, allowed in bad:
        with pytest.raises(ScenarioError) as info:
            base.with_values(overrides, origin="--set")
        assert info.value.key == key, (overrides, str(info.value))
        assert str(info.value).startswith("--set: ") and allowed in str(info.value), str(info.value)


def test_load_with_overrides() -> None:
    s = load(SCENARIOS / "small_grids.toml", {"territory.residents": 3000, "sim.days": 40})
    assert s["territory.residents"] == 3000 and s["sim.days"] == 40 and s["grid.households_per_grid"] == 200


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_to_dict_round_trips(path: Path) -> None:
    s = load(path)
    d = s.to_dict()
    assert d["name"] == s.name and d["description"] == s.description
    assert set(d) == ({"name", "description", "needs"} | {k.split(".")[0] for k in PARAM_BY_KEY}
                      | ({"emergencies"} if s.emergencies else set())
                      | ({"tasks"} if s.tasks else set())
                      | ({"collective"} if s.collective else set())
                      | ({"description_zh"} if s.description_zh else set()))
    assert set(d["needs"]) == {n.name for n in s.needs}
    assert set(d.get("tasks", {})) == {t.name for t in s.tasks}
    assert set(d.get("collective", {})) == {c.name for c in s.collective}
    assert all(set(spec) == {f.key for f in NEED_FIELDS} for spec in d["needs"].values())
    back = from_dict(d, "<round trip>", files=s.files)
    assert back == s
    assert dict(back.values) == dict(s.values) and back.needs == s.needs
    assert all(type(back[k]) is type(s[k]) for k in s.values)
    # The dict is a copy: changing it does not change the scenario.
    d["grid"]["households_per_grid"] = 123
    assert s["grid.households_per_grid"] != 123


def test_every_param_default_validates() -> None:
    raw = {"needs": {"job": {f.key: v for f, v in zip(NEED_FIELDS, (1.0, 1.0, "grid", False, 1.0, 1.0,
                                                                      "exponential", "general", "none", False,
                                                                      1.0))}}}
    for p in PARAMS:
        raw.setdefault(p.key.split(".")[0], {})[p.key.split(".", 1)[1]] = p.default
    s = from_dict(raw, "<defaults>")
    assert dict(s.values) == defaults()


def test_chinese_description_is_a_string_and_not_inherited(tmp_path: Path) -> None:
    assert load(SCENARIOS / "small_grids.toml").description_zh.startswith("小网格")
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{SCENARIOS / "small_grids.toml"}"\nname = "child"\n', encoding="utf-8")
    assert load(child).description_zh == ""
    child.write_text(f'extends = "{SCENARIOS / "small_grids.toml"}"\ndescription_zh = 3\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="description_zh"):
        load(child)


# ------------------------------------------------------------ hostile files, through the Python API
def test_a_file_that_is_not_utf8_names_the_file_the_byte_and_the_chain(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_bytes('name = "café"\n'.encode("latin-1"))
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n')
    with pytest.raises(ScenarioError) as err:
        load(child)
    assert err.value.file == str(tmp_path / "parent.toml")
    assert "not UTF-8" in str(err.value) and "0xe9" in str(err.value) and "child.toml" in str(err.value)


def test_binary_and_deeply_nested_files_are_scenario_errors(tmp_path: Path) -> None:
    (tmp_path / "bin.toml").write_bytes(bytes(range(256)))
    deep = write(tmp_path, "deep.toml", "x = " + "[" * 5000 + "]" * 5000)
    for path, words in ((tmp_path / "bin.toml", "binary"), (deep, "nested more than")):
        with pytest.raises(ScenarioError) as err:
            load(path)
        assert words in str(err.value) and err.value.file == str(path)


@pytest.mark.parametrize("body, key", [
    ("[territory]\ndensity_per_km2 = 1" + "0" * 400, "territory.density_per_km2"),
    ("[territory]\nresidents = 1" + "0" * 400, "territory.residents"),
    ("[needs.certificate]\nrate_other = 1" + "0" * 400, "needs.certificate.rate_other"),
])
def test_integers_too_large_for_a_float_are_out_of_range(tmp_path: Path, body: str, key: str) -> None:
    path = write(tmp_path, "big.toml", f'extends = "{BASELINE.as_posix()}"\n{body}\n')
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert err.value.key == key and len(str(err.value)) < 400


def test_need_order_survives_a_json_round_trip() -> None:
    import json

    scenario = load(SCENARIOS / "workshop.toml")
    back = from_dict(json.loads(json.dumps(scenario.to_dict())), "json")
    assert [n.name for n in back.needs] == [n.name for n in scenario.needs]
    assert back.to_dict() == scenario.to_dict()
