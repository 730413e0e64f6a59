"""The budget game (sim/dashboard/budget_game.py) and its components (budget_view.py): the same seed
for every player, over-budget entries flagged and never best, resubmission, directional effects of
a lever on response and cost, the reveal's one-at-a-time swaps, clear errors, concurrent submits,
both languages, and the components rendered in-process."""

from __future__ import annotations

import math
import threading

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from sim.dashboard import i18n
from sim.dashboard.budget_game import COST_KEY, FIXED_COMPONENTS, BudgetGame, run_outcomes
from sim.dashboard.budget_view import BudgetBoard, BudgetPlayer, chart_option
from sim.scenario import ScenarioError
from tests.helpers import small

OBJ = "response_time_h.mean"
GRID = "grid.households_per_grid"      # fewer households per grid: more grid workers
SENSORS = "emergency.sensor_coverage"  # costs money, does nothing in a year without emergencies


def tiny(**kw) -> BudgetGame:
    """A small workshop (1,500 residents, 60 days): a run takes a fraction of a second."""
    kw.setdefault("seed", 3)
    return BudgetGame(small("workshop", residents=1500, days=60), days=60, **kw)


@pytest.fixture(scope="module")
def workshop() -> BudgetGame:
    """The workshop scenario over a year, as a trainer would run it: one baseline run and a player
    who hires grid workers and adds sensors (three more runs with the reveal's swaps)."""
    g = BudgetGame("scenarios/workshop.toml", seed=0, days=365, budget_factor=1.2)
    g.submit("staff", {GRID: 250, SENSORS: 0.5})
    return g


def test_the_same_levers_give_the_same_outcomes_to_everyone():
    g = tiny()
    a = g.submit("ann", {GRID: 300})
    b = g.submit("bob", {GRID: 300})
    assert a.outcomes == b.outcomes and a.cost == b.cost
    fresh = tiny().submit("cy", {GRID: 300})     # not from a cache: a new game, the same seed
    assert fresh.outcomes == a.outcomes
    other_seed = tiny(seed=4).submit("cy", {GRID: 300})
    assert other_seed.value(OBJ) != a.value(OBJ)


def test_over_budget_is_flagged_listed_and_never_best():
    g = tiny(budget_factor=1.0)
    rich = g.submit("rich", {GRID: 200})        # more workers: faster, dearer
    thrifty = g.submit("thrifty", {SENSORS: 0.0, GRID: 400})
    assert rich.over_budget and rich.cost > g.budget
    assert rich.value(OBJ) < thrifty.value(OBJ)
    assert not thrifty.over_budget
    assert g.best() is thrifty
    assert [e.player for e in g.entries()] == ["thrifty", "rich"]
    rows = {r["player"]: r for r in g.table("en").rows}
    assert rows["rich"]["rank"] == i18n.t("budget.over", "en") and rows["thrifty"]["rank"] == "1"
    assert "over budget" in rows["rich"]["budget_share"]
    assert g.reveal("en").best is thrifty
    only_rich = tiny(budget_factor=1.0)
    only_rich.submit("rich", {GRID: 200})
    assert only_rich.best() is None and i18n.t("budget.reveal_none", "en") in only_rich.reveal("en").text


def test_the_fixed_cost_is_known_before_the_run_and_bounds_the_total():
    g = tiny(budget_factor=1.0)
    adviser = "safety.legal_adviser"
    for levers in ({}, {GRID: 200}, {SENSORS: 1.0, "policy.app_adoption": 0.9, adviser: not g.baseline_value(adviser)}):
        q = g.quote(levers)
        e = g.submit("p", levers)
        assert 0 < q.fixed <= e.cost and q.bound
        # the fixed part is those components of the run's own cost (and advisers, conventions in mediation)
        seven = sum(e.outcomes[f"cost.{c}_cny_per_year"] for c in FIXED_COMPONENTS)
        assert seven - 1e-6 <= q.fixed <= seven + e.outcomes["cost.mediation_cny_per_year"] + 1e-6
    assert g.quote({GRID: 100}).over_for_sure
    skip = tiny(budget_factor=1.0, run_over_budget=False)
    e = skip.submit("p", {GRID: 100})
    assert e.over_budget and not e.ran and math.isnan(e.value(OBJ)) and e.cost == skip.fixed_cost({GRID: 100})
    assert skip.best() is None
    assert "≥" in skip.table("en").rows[1]["cost"]


def test_resubmitting_replaces_the_players_entry():
    g = tiny()
    g.submit("ann", {GRID: 300})
    g.submit("ann", {GRID: 500})
    assert [(e.player, e.changes) for e in g.entries()] == [("ann", {GRID: 500})]
    g.submit("ann", {GRID: 400})           # the baseline's own value: no change
    assert g.entries()[0].changes == {}


def test_more_grid_workers_cut_response_and_cost_more(workshop):
    g = workshop
    base = g.baseline
    staff = next(e for e in g.entries() if e.player == "staff")
    assert staff.value(OBJ) < base.value(OBJ)
    assert staff.cost > base.cost
    assert staff.outcomes["cost.staff_cny_per_year"] > base.outcomes["cost.staff_cny_per_year"]


def test_the_reveal_swaps_one_lever_at_a_time_with_the_same_seed(workshop):
    g = workshop
    reveal = g.reveal("en")
    assert reveal.best.player == "staff"
    effects = {s.key: s for s in reveal.effects}
    assert set(effects) == {GRID, SENSORS}
    # each effect is the baseline with that lever alone, the game's seed
    alone = run_outcomes(g.scenario.with_values({GRID: 250}), g.seed)["outcomes"]
    assert effects[GRID].effect == pytest.approx(alone[OBJ] - g.baseline.value(OBJ), abs=1e-12)
    assert effects[GRID].cost_change == pytest.approx(alone[COST_KEY] - g.baseline.cost, abs=1e-6)
    # signs: more workers respond sooner and cost more; sensors cost money and, without an emergency,
    # change nothing else (common random numbers: exactly nothing)
    assert effects[GRID].effect < 0 < effects[GRID].cost_change
    assert effects[SENSORS].effect == 0.0 and effects[SENSORS].cost_change > 0
    assert reveal.effects[0].key == GRID      # the choice that mattered first
    text = reveal.text
    assert "Grid size" in text and "`worker.annual_cost_cny`" in text and "one seed is one draw" in text
    assert "interact" in text and "Other outcomes (baseline in brackets): Satisfaction rate" in text
    zh = g.reveal("zh").text
    assert "揭晓" in zh and ("假设" in zh or "有来源" in zh)


def test_bad_levers_are_refused_with_key_value_and_what_is_allowed():
    g = tiny()
    cases = [({"no.such": 1}, "no.such", "one of the levers"), ({GRID: 5000}, GRID, "from 50 to 2000"),
             ({GRID: "big"}, GRID, "a number"), ({"safety.legal_adviser": "yes"}, "safety.legal_adviser", "true or false"),
             ({"deliberation.meeting_format": "party"}, "deliberation.meeting_format", "one of"),
             ({"deliberation.priority_issues": ["moon"]}, "deliberation.priority_issues", "names from")]
    for levers, key, allowed in cases:
        with pytest.raises(ScenarioError) as err:
            g.submit("ann", levers)
        assert err.value.key == key and allowed in str(err.value), str(err.value)
    assert g.entries() == []
    with pytest.raises(ScenarioError, match="player"):
        g.submit("  ", {})
    with pytest.raises(ScenarioError, match="objective"):
        tiny(objective="happiness")
    with pytest.raises(ScenarioError, match="replications"):
        tiny(replications=0)
    with pytest.raises(ScenarioError, match="seed"):
        tiny(seed="one")
    with pytest.raises(ScenarioError, match="budget_cny_per_year"):
        tiny(budget_cny_per_year=-5)


def test_two_players_submitting_at_once_both_stay():
    g = tiny()
    start = threading.Barrier(2)
    got, errors = {}, []

    def play(name, levers):
        try:
            start.wait()
            got[name] = g.submit(name, levers)
        except Exception as e:   # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=play, args=("ann", {GRID: 300})),
               threading.Thread(target=play, args=("bob", {GRID: 500}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {e.player for e in g.entries()} == {"ann", "bob"}
    alone = tiny().submit("ann", {GRID: 300})
    assert got["ann"].outcomes == alone.outcomes


def test_replications_average_over_seeds_with_intervals():
    g = tiny(replications=2, seed=0, budget_factor=1.3)
    assert g.seeds == (0, 1)
    e = g.submit("ann", {GRID: 250})
    assert e.value(OBJ) == pytest.approx(sum(e.per_seed[OBJ]) / 2)
    lo, hi = e.ci[OBJ]
    assert lo < e.value(OBJ) < hi
    text = g.reveal("en").text
    assert "95% confidence intervals of the paired differences over 2 seeds" in text
    assert "[" in g.table("en").rows[1][OBJ]


def test_table_and_reveal_in_both_languages():
    g = tiny()
    g.submit("ann", {GRID: 300})
    en, zh = g.table("en"), g.table("zh")
    assert [h for _, h in en.columns][:3] == ["Rank", "Player", "Mean response time (h)"]
    assert [h for _, h in zh.columns][:3] == ["名次", "参与者", "平均响应时间（小时）"]
    assert zh.rows[0]["player"] == "基准（情景原有设置）" and "元" in zh.rows[1]["cost"]
    assert "网格规模" in zh.rows[1]["changes"] and "Grid size" in en.rows[1]["changes"]
    assert g.reveal("zh").text.startswith("### 揭晓") and g.reveal("en").text.startswith("### Reveal")


def test_every_budget_string_the_code_names_exists_in_both_languages():
    import re
    from pathlib import Path
    folder = Path(__file__).resolve().parents[1] / "sim" / "dashboard"
    named = set()
    for name in ("budget_game.py", "budget_text.py", "budget_view.py"):
        named |= set(re.findall(r"[\"'](budget\.[a-z_.]+)[\"']", (folder / name).read_text(encoding="utf-8")))
    named |= {f"budget.{d}" for d in ("minimise", "maximise")} | {f"budget.col.{c}" for c in
                                                                   ("left_behind", "cost", "budget_share", "changes")}
    assert len(named) > 30
    for key in sorted(named):
        assert i18n.t(key, "zh") and i18n.t(key, "en"), key


# ----------------------------------------------------------------- components

def descendants(root) -> list[widgets.Widget]:
    """Every widget under `root` (itself included), breadth first."""
    out, queue, seen = [], [root], set()
    while queue:
        w = queue.pop(0)
        if id(w) in seen:
            continue
        seen.add(id(w))
        if isinstance(w, widgets.Widget):
            out.append(w)
            queue += [getattr(w, k) for k in w.keys if not k.startswith("_")]
        elif isinstance(w, (list, tuple)):
            queue += list(w)
        elif isinstance(w, dict):
            queue += list(w.values())
    return out


def classes_of(w: widgets.Widget) -> list[str]:
    attributes = getattr(w, "attributes", None) or {}
    return f"{getattr(w, 'class_', None) or ''} {attributes.get('class', '')}".split()


def by_class(root, css: str) -> list[widgets.Widget]:
    """Every widget under `root` with the CSS class `css` (a stable govsim-budget-* class)."""
    return [w for w in descendants(root) if css in classes_of(w)]


def shown_text(root, css: str) -> str:
    """The text of the elements with class `css` (a solara.Text is an Html whose children are strings)."""
    return " ".join(str(c) for w in by_class(root, css) for c in getattr(w, "children", []) if isinstance(c, str))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_player_sets_levers_sees_the_cost_and_submits(lang):
    g = tiny(budget_factor=1.0)
    got = []
    box, rc = solara.render(BudgetPlayer(g, "ann", lang, got.append), handle_error=False)
    try:
        lever = by_class(box, "govsim-budget-lever-grid-households_per_grid")
        assert len(by_class(box, "govsim-budget-lever")) == sum(len(c) for _, c in g.grouped_controls())
        unit = " households" if lang == "en" else ""      # the Chinese label carries the unit (户)
        assert shown_text(lever[0], "govsim-budget-value") == f"400{unit}"
        cost = shown_text(box, "govsim-budget-cost")
        assert f"{g.quote({}).estimate:,.0f}" in cost and not by_class(box, "govsim-budget-over")
        slider = next(w for w in descendants(lever[0]) if isinstance(w, v.Slider))
        slider.v_model = 200
        lever = by_class(box, "govsim-budget-lever-grid-households_per_grid")
        assert shown_text(lever[0], "govsim-budget-value") == f"200{unit}"
        assert f"{g.quote({GRID: 200}).estimate:,.0f}" in shown_text(box, "govsim-budget-cost")
        assert by_class(box, "govsim-budget-over")        # more workers than the budget pays for
        by_class(box, "govsim-budget-submit")[0].click()
        assert len(got) == 1 and got[0].changes == {GRID: 200} and got[0].over_budget
        assert [e.player for e in g.entries()] == ["ann"] and by_class(box, "govsim-budget-submitted")
        title = i18n.t("budget.player_title", lang, player="ann")
        assert any(getattr(w, "children", None) == [title] for w in descendants(box))
    finally:
        rc.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_board_shows_table_chart_and_reveal(lang):
    g = tiny(budget_factor=1.15)
    assert not g.submit("ann", {GRID: 300}).over_budget
    assert g.submit("bob", {GRID: 150}).over_budget
    box, rc = solara.render(BudgetBoard(g, lang, revealed=False), handle_error=False)
    try:
        html = by_class(box, "govsim-budget-table")[0].unsafe_innerHTML
        assert "ann" in html and "bob" in html and "govsim-budget-over-row" in html
        assert i18n.t("budget.col.player", lang) in html and "govsim-budget-best" not in html
        assert not by_class(box, "govsim-budget-reveal")
        chart = next(w for w in descendants(by_class(box, "govsim-budget-chart")[0]) if hasattr(w, "option"))
        option = chart.option
        assert option == chart_option(g, lang)
        names = [d["name"] for s in option["series"] for d in s["data"]]
        assert sorted(names) == sorted(["ann", "bob", i18n.t("budget.baseline", lang)])
        budget_x = option["series"][1]["markLine"]["data"][0]["xAxis"]
        assert budget_x == round(g.budget / 1e4, 2) and option["xAxis"]["min"] <= budget_x <= option["xAxis"]["max"]
    finally:
        rc.close()
    box, rc = solara.render(BudgetBoard(g, lang, revealed=True), handle_error=False)
    try:
        assert "govsim-budget-best" in by_class(box, "govsim-budget-table")[0].unsafe_innerHTML
        reveal = by_class(box, "govsim-budget-reveal")[0]
        shown = " ".join(getattr(w, "template", "") or "" for w in descendants(reveal))
        assert "ann" in shown and i18n.t("budget.reveal_title", lang) in shown
    finally:
        rc.close()
