"""Generated documentation cannot drift from the parameter table."""

from __future__ import annotations

import math

import pytest

from sim import docs
from sim.params import NEED_FIELDS, PARAMS, levers

from conftest import ROOT

PARAMETERS_MD = ROOT / "docs" / "parameters.md"
ODD_MD = ROOT / "docs" / "ODD.md"
STALE = "is stale: run `python -m sim.docs` to regenerate it from sim/params.py"


def test_parameters_md_is_generated_from_the_table() -> None:
    assert PARAMETERS_MD.exists(), f"{PARAMETERS_MD} is missing: run `python -m sim.docs`"
    text = PARAMETERS_MD.read_text(encoding="utf-8")
    assert text == docs.reference_markdown(), f"docs/parameters.md {STALE}"


def test_odd_parameter_block_is_current() -> None:
    if not ODD_MD.exists():
        pytest.skip("docs/ODD.md does not exist (yet)")
    text = ODD_MD.read_text(encoding="utf-8")
    if docs.ODD_START not in text:
        pytest.skip("docs/ODD.md has no generated parameter block")
    assert docs.odd_with_table(text) == text, f"the parameter table in docs/ODD.md {STALE}"


def test_every_param_and_need_field_is_documented() -> None:
    text = PARAMETERS_MD.read_text(encoding="utf-8")
    for p in PARAMS:
        assert f"| `{p.key}` |" in text, f"{p.key} is not in docs/parameters.md"
    for f in NEED_FIELDS:
        assert f"| `{f.key}` |" in text, f"need field {f.key} is not in docs/parameters.md"
    # One row per parameter, no more.
    rows = [line for line in text.splitlines() if line.startswith("| `") and "." in line.split("`")[1]]
    assert len(rows) == len(PARAMS)
    for p in levers():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{p.key}` |"))
        assert "Policy lever" in row


@pytest.mark.parametrize("p", PARAMS, ids=lambda p: p.key)
def test_param_metadata(p) -> None:
    assert p.key.count(".") == 1 and all(p.key.split("."))
    for field in ("unit", "text", "source"):
        value = getattr(p, field)
        assert isinstance(value, str) and value.strip(), f"{p.key}: empty {field}"
    assert p.text.strip() != p.key
    kind = p.kind
    assert kind in (int, float, bool, str)
    if kind is bool:
        assert p.low is None and p.high is None
    elif kind is str:
        # A fixed set of choices, a need type or collective issue types checked against the
        # scenario's catalogues, community types (sim/community_types.py), a date, or a file the
        # loader checks (empty: none).
        from sim.dates import parse_start_date

        assert (p.choices and p.default in p.choices) or p.unit in ("need type", "issue types", "community types") or (
            p.unit == "ISO date" and parse_start_date(p.default) is not None) or (
            p.unit == "path" and p.default == "")
    else:
        assert p.low is not None and p.high is not None and p.low <= p.high, f"{p.key}: bad range"
        assert math.isfinite(p.default) and p.low <= p.default <= p.high, \
            f"{p.key}: default {p.default} outside [{p.low}, {p.high}]"
        if kind is int:
            assert float(p.low).is_integer() and float(p.high).is_integer()
    if p.lever and p.lever.kind == "number":
        # a number: the dashboard makes a slider of it; true / false (a measure adopted or not): a switch
        assert kind in (int, float, bool), f"lever {p.key} is neither a number nor true / false"
    elif p.lever and p.lever.kind == "choice":   # a select of the row's choices
        assert kind is str and p.choices, f"choice lever {p.key} is not a string with choices"
    elif p.lever:   # a set of choices: names from a scenario catalogue (a multi-select)
        assert kind is str and not p.choices and p.unit in ("issue types",), f"subset lever {p.key}"


def test_keys_are_unique_and_levers_exist() -> None:
    keys = [p.key for p in PARAMS]
    assert len(keys) == len(set(keys))
    assert {p.key for p in levers()} >= {"policy.app_adoption", "policy.decentralisation",
                                           "grid.households_per_grid", "burden.paperwork_hours_per_day"}


def test_need_field_metadata() -> None:
    for f in NEED_FIELDS:
        assert f.text.strip() and f.unit.strip(), f.key
        if f.kind is float:
            assert f.low is not None and f.high is not None and f.low <= f.high
        if f.kind is str:  # choices, or a day of the year checked by the loader (the season)
            assert f.choices or (f.unit == "MM-DD" and f.default == ""), f.key


def test_parameters_table_lists_every_key() -> None:
    table = docs.parameters_table()
    keys = {line.split()[0] for line in table.splitlines()[1:] if line.strip() and "." in line.split()[0]}
    assert keys >= {p.key for p in PARAMS}
