"""README's "Your own district": the worked example's commands, read from the README and run end to
end in a temporary folder (with fewer days), so the example cannot rot; and the committed example
inputs are what examples/district/make_example.py writes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "district"
SECTION = "## Your own district"
GIS = all(importlib.util.find_spec(m) for m in ("geopandas", "pyogrio", "shapely", "pyproj"))
needs_gis = pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')
# What the test adds to each command so that it runs in seconds: (sub-command, options it sets)
SHORTER = {("district", "tickets"): {"--sim-days": "30"}, ("run",): {"--days": "60", "--no-progress": None},
           ("compare",): {"--reps": "2", "--days": "60", "--workers": "1", "--no-progress": None}}


def readme_commands() -> list[list[str]]:
    """The `govsim` commands of the section's shell block, as argument lists (continuations joined,
    comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(SECTION) == 1, f"README.md has no single section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"README.md {SECTION!r}: no ```sh block"
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "govsim":
            commands.append(words[1:])
    return commands


def shortened(argv: list[str]) -> list[str]:
    """The command with fewer days and replications (SHORTER), the rest as written."""
    extra = next((opts for sub, opts in SHORTER.items() if tuple(argv[: len(sub)]) == sub), {})
    out, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in extra:
            skip = extra[word] is not None
        else:
            out.append(word)
    for option, value in extra.items():
        out += [option] if value is None else [option, value]
    return out


def test_readme_names_the_example_commands():
    commands = readme_commands()
    assert [c[:2] if c[0] == "district" else c[:1] for c in commands] == [
        ["district", "import"], ["district", "tickets"], ["run"], ["compare"]]
    for argv in commands:   # every input it names is committed
        for word in argv:
            if word.startswith("examples/"):
                assert (ROOT / word).is_file(), f"README's worked example names {word}, which is not there"


def test_example_inputs_are_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(EXAMPLE))
    try:
        import make_example
    finally:
        sys.path.remove(str(EXAMPLE))
    make_example.main(tmp_path)
    for path in sorted(tmp_path.iterdir()):
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), f"{path.name} differs from the generator's"
    geo = json.loads((EXAMPLE / "communities.geojson").read_text(encoding="utf-8"))
    types = {f["properties"]["类型"] for f in geo["features"]}
    assert types <= {"old_estate", "commercial_estate", "urban_village", "work_unit", "village"}
    assert len(geo["features"]) == 9 and "4490" in geo["crs"]["properties"]["name"]


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    """The README's commands run in a clean folder holding only scenarios/*.toml and examples/district."""
    folder = tmp_path_factory.mktemp("clone")
    (folder / "scenarios").mkdir()
    for f in (ROOT / "scenarios").glob("*.toml"):
        shutil.copy(f, folder / "scenarios" / f.name)
    shutil.copytree(EXAMPLE, folder / "examples" / "district")
    mp = pytest.MonkeyPatch()
    mp.chdir(folder)
    try:
        for argv in readme_commands():
            assert main(shortened(argv)) == 0, f"govsim {shlex.join(shortened(argv))} failed"
    finally:
        mp.undo()
    return folder


@needs_gis
def test_import_writes_the_district(worked):
    d = worked / "scenarios" / "my_district"
    assert {p.name for p in d.iterdir()} >= {"scenario.toml", "district.npz", "import_report.md", "needs"}
    report = (d / "import_report.md").read_text(encoding="utf-8")
    assert "9 communities" in report and "东庄村" in report and "urban_village" in report


@needs_gis
def test_catalogue_extends_the_imported_district(worked):
    d = worked / "scenarios" / "my_district"
    needs = (d / "needs" / "needs.toml").read_text(encoding="utf-8")
    assert 'extends = "../scenario.toml"' in needs
    assert {"[needs.heating]", "[needs.repair]", "[needs.dispute]", "[needs.sanitation]",
            "[needs.utilities]"} <= {line.split()[0] for line in needs.splitlines() if line.startswith("[")}
    scenario = load(d / "needs" / "scenario.toml")
    assert Path(scenario["territory.district_file"]) == (d / "district.npz").resolve()
    assert scenario.name == "my_district-needs"   # named after the district, not the log
    assert scenario["territory.residents"] == load(d / "scenario.toml")["territory.residents"]
    estimates = json.loads((d / "needs" / "estimates.json").read_text(encoding="utf-8"))
    assert estimates["unmapped"] == {"交通": estimates["rejected"]["unknown category"]}


@needs_gis
def test_run_is_on_the_district_with_its_needs(worked):
    summary = json.loads((worked / "results" / "my_district" / "summary.json").read_text(encoding="utf-8"))
    assert summary["territory.communities"] == 9 and summary["population.households"] == 16_200
    assert summary["cases.created"] > 0 and summary["territory.grids"] == 40


@needs_gis
def test_policy_extends_the_district_and_the_report_compares_them(worked):
    policy = load(worked / "examples" / "district" / "decentralised.toml")
    base = load(worked / "scenarios" / "my_district" / "needs" / "scenario.toml")
    assert policy["policy.decentralisation"] == 0.8 and base["policy.decentralisation"] != 0.8
    assert policy["territory.district_file"] == base["territory.district_file"]
    assert policy.needs == base.needs
    report = (worked / "results" / "my_district_compare" / "report.md").read_text(encoding="utf-8")
    assert base.name in report and policy.name in report and "Mean resolution time" in report
