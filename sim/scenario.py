"""Scenario files: TOML loading, `extends`, validation into a frozen Scenario.

A scenario file holds tables named after the parameter prefixes
(`[territory]`, `[grid]`, …) and one `[needs.NAME]` table per need type. It may
say `extends = "baseline.toml"` (a path relative to itself) and state only what
differs. Every problem raises `ScenarioError` naming the file, the key, the
value and what is allowed; the CLI turns that into exit status 2.
"""

from __future__ import annotations

import datetime
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .dates import START_DATE_RULE, parse_month_day, parse_start_date
from .population_change import CHANGES_KEY, ChangeDef, check_changes, check_regrid
from .params import (COLLECTIVE_FIELD_BY_KEY, COLLECTIVE_FIELDS, EMERGENCY_FIELD_BY_KEY, NEED_FIELD_BY_KEY,
                     NEED_FIELDS, PARAM_BY_KEY, TASK_FIELD_BY_KEY, TASK_FIELDS, URGENCY, defaults)

# Tables and lists nest at most this deep in a scenario or experiment file (the deepest real key,
# emergencies.NAME.communities, is three tables and a list); deeper input is refused, not recursed into.
MAX_NESTING = 16

TOP_LEVEL_KEYS = {"name", "description", "description_zh", "extends", "needs", "emergencies", "tasks", "collective"}
# Keys that name or describe a scenario without changing what it simulates.
COSMETIC_KEYS = ("name", "description", "description_zh")


# A name used in output paths (results/NAME-seedN): no separators, no hidden or parent folders.
SAFE_NAME_MAX = 64
SAFE_NAME_RULE = (f"a name of 1 to {SAFE_NAME_MAX} letters (CJK letters too), digits, '-', '_' and '.', "
                  "not starting with '.' (it names the output folder)")


def is_safe_name(name: Any) -> bool:
    """Letters (any script), digits, '-', '_', '.'; not starting with '.'; 1 to SAFE_NAME_MAX characters."""
    return (isinstance(name, str) and 0 < len(name) <= SAFE_NAME_MAX and not name.startswith(".")
            and all(c.isalnum() or c in "-_." for c in name) and name.isprintable())


def name_from_file(path: str | Path) -> str:
    """The default name of a file's scenario (or experiment): its stem, made a safe name."""
    text = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(path).stem).lstrip(".")
    return text[:SAFE_NAME_MAX] or "scenario"


class ScenarioError(ValueError):
    """A scenario is invalid: says where (file, key), what (value) and what is allowed."""

    def __init__(self, file: str | Path | None, key: str | None, value: Any, allowed: str,
                 involves: tuple[str, ...] = ()):
        self.file, self.key, self.value, self.allowed = str(file or "<scenario>"), key, value, allowed
        self.involves = involves  # other keys in a rule between values (an inconsistency)
        where = f"{self.file}: " + (f"key '{shorten(key, 80)}' = {shown(value)}: " if key is not None else "")
        super().__init__(f"{where}{allowed}")


def shown(value: Any, width: int = 60) -> str:
    """A value as an error message shows it: its repr, cut short (a 4,000-digit number, a huge list)."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        text = f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    except RecursionError:
        text = f"<{type(value).__name__} nested too deeply to print>"
    return shorten(text, width)


@dataclass(frozen=True)
class NeedType:
    name: str
    rate_other: float
    rate_elderly: float
    level: str
    devolvable: bool
    effort_hours: float
    effort_cv: float
    effort_dist: str
    urgency: str
    discovery: str
    on_site: bool
    report_prob: float
    profile: str = "flat"           # arrivals in time (ODD 7.2): hourly profile,
    rest_day_factor: float = 1.0    # rest-day rate relative to working days,
    season_start: str = ""          # and the season ("MM-DD"; empty: all year)
    season_end: str = ""
    harm_days: float = 0.0          # a hazard: mean days until it causes an incident if not found (ODD 7.38)
    hourly: tuple[float, ...] = ()  # 24 hourly weights from data (replace profile); () for none
    monthly: tuple[float, ...] = ()  # 12 monthly factors, January first; () for none

    @property
    def deadline_hours(self) -> float:
        return URGENCY[self.urgency]


@dataclass(frozen=True)
class TaskType:
    """One [tasks.NAME] entry: a kind of top-down task (上级交办), its frequency, hours and timing."""

    name: str
    who: str
    per: str
    per_month: float
    hours: float
    hours_cv: float
    timing: str
    deadline_days: float
    lever: str


@dataclass(frozen=True)
class CollectiveType:
    """One [collective.NAME] entry: a kind of collective issue residents deliberate on (议事协商)."""

    name: str
    rate_per_year: float
    affected_share: float
    benefit_elderly: float
    benefit_other: float
    benefit_renter: float
    benefit_unaffected: float
    cost_cny: float
    urgency_days: float
    rule: str
    project_days: float
    floor_gradient: float = 0.0   # positions by floor (加装电梯): ± this from the ground floor to the top


@dataclass(frozen=True)
class EmergencyDef:
    """One [emergencies.NAME] entry: a fixed onset or a random annual rate; a circle or communities."""

    name: str
    type: str
    severity: float
    duration_days: float
    onset_day: float | None = None
    annual_rate: float | None = None
    centre_x_km: float | None = None
    centre_y_km: float | None = None
    radius_km: float | None = None
    communities: tuple[int, ...] | None = None
    season_start: str | None = None   # "MM-DD": random onsets only in the season (with annual_rate)
    season_end: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()
                if k != "name" and v is not None}


@dataclass(frozen=True)
class Scenario:
    """A resolved, validated scenario. `values` maps every dotted key to its value."""

    name: str
    description: str
    values: Mapping[str, Any]
    needs: tuple[NeedType, ...]
    files: tuple[str, ...] = field(default=())  # the file and those it extends, outermost first
    emergencies: tuple[EmergencyDef, ...] = ()
    description_zh: str = ""    # 中文说明, for reports in Chinese
    tasks: tuple[TaskType, ...] = ()   # the top-down task catalogue, in file order
    collective: tuple[CollectiveType, ...] = ()   # the collective-issue catalogue, in file order
    changes: tuple[ChangeDef, ...] = ()   # [[territory.changes]]: households that change during the run (ODD 7.39)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_values(self, overrides: Mapping[str, Any], origin: str = "--set") -> "Scenario":
        """A copy with `overrides` (dotted keys, need keys as needs.NAME.FIELD) applied and validated."""
        raw = self.to_dict()
        for key, value in overrides.items():
            _assign_dotted(raw, key, value, origin)
        return from_dict(raw, origin, files=self.files)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a nested dict (what the manifest records, and what a TOML file would hold)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.description_zh:
            out["description_zh"] = self.description_zh
        for key, value in self.values.items():
            section, name = key.split(".", 1)
            out.setdefault(section, {})[name] = value
        out["needs"] = {n.name: {f.key: getattr(n, f.key) for f in NEED_FIELDS} for n in self.needs}
        if self.emergencies:
            out["emergencies"] = {e.name: e.to_dict() for e in self.emergencies}
        if self.changes:
            out.setdefault("territory", {})["changes"] = [c.to_dict() for c in self.changes]
        if self.tasks:
            out["tasks"] = {t.name: {f.key: getattr(t, f.key) for f in TASK_FIELDS} for t in self.tasks}
        if self.collective:
            out["collective"] = {c.name: {f.key: getattr(c, f.key) for f in COLLECTIVE_FIELDS}
                                 for c in self.collective}
        return out


def load(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, resolve `extends`, apply overrides, validate."""
    path = Path(path)
    raw, files = _load_raw(path, chain=())
    origins = _origins(path, chain=())
    _resolve_district_file(raw, origins)
    scenario = from_dict(raw, str(path), files=files, origins=origins)
    return scenario.with_values(overrides) if overrides else scenario


def _origins(path: Path, chain: tuple[Path, ...]) -> dict[str, str]:
    """Which file (in an `extends` chain) last set each dotted key, so errors name that file."""
    data = read_toml(path)  # already read once by _load_raw: it is valid
    parent = data.pop("extends", None)
    out = _origins(path.parent / parent, (*chain, path.resolve())) if isinstance(parent, str) else {}
    for key in _dotted_keys(data):
        out[key] = str(path)
    return out


def _resolve_district_file(raw: dict[str, Any], origins: Mapping[str, str]) -> None:
    """`territory.district_file` is relative to the scenario file that names it: made absolute here,
    so a scenario that extends it, a copy in a manifest or an experiment finds the same file."""
    value = raw.get("territory", {}).get("district_file") if isinstance(raw.get("territory"), dict) else None
    if isinstance(value, str) and value and "\x00" not in value and not Path(value).is_absolute():
        owner = origins.get("territory.district_file", ".")
        raw["territory"]["district_file"] = str((Path(owner).parent / value).resolve())


def _dotted_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        keys.append(dotted)
        if isinstance(value, dict):
            keys.extend(_dotted_keys(value, dotted + "."))
    return keys


def _load_raw(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError(path, "extends", str(path), f"scenarios must not extend in a cycle ({cycle})")
    if not path.is_file():
        what = chain[-1] if chain else path
        raise ScenarioError(what, "extends" if chain else None, str(path), f"no such scenario file: {path}")
    try:
        data = read_toml(path)
    except TomlError as exc:
        via = f" (extended by {' <- '.join(str(p) for p in reversed(chain))})" if chain else ""
        raise ScenarioError(path, None, None, f"{exc}{via}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data, (str(path),)
    if not isinstance(parent, str) or "\x00" in parent:
        raise ScenarioError(path, "extends", parent, "a path (string, without NUL characters) to another scenario file")
    base, files = _load_raw(path.parent / parent, (*chain, resolved))
    for key in COSMETIC_KEYS:  # a scenario's name and descriptions are its own, not inherited
        base.pop(key, None)
    return _deep_merge(base, data), (str(path), *files)


class TomlError(ValueError):
    """A file or value that is not readable TOML: binary, not UTF-8, malformed or nested too deeply.
    `limit` is true when the text is TOML of a kind refused for its size (nesting, a huge integer)."""

    def __init__(self, message: str, limit: bool = False):
        super().__init__(message)
        self.limit = limit


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; `TomlError` (one line, no traceback) when it cannot be read as such."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise TomlError("a folder, not a TOML file") from None
    except OSError as exc:
        raise TomlError(f"cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in data:
        raise TomlError("a binary file, not TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                        "save it as UTF-8") from None
    return parse_toml(text)


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; `TomlError` when it is malformed, nested more than MAX_NESTING deep, or
    holds an integer too long to read."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise TomlError(f"nested more than {MAX_NESTING} levels deep (tables and lists)", limit=True) from None
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(f"not valid TOML: {shorten(str(exc), 160)}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise TomlError(f"a number too long to read ({shorten(str(exc), 80)})", limit=True) from None
    if nesting(data) > MAX_NESTING:
        raise TomlError(f"nested more than {MAX_NESTING} levels deep (tables and lists)", limit=True)
    return data


def parse_value(text: str) -> Any:
    """A command-line value read as a TOML value (200, 0.5, true, "text"); text that is not TOML
    stays a string. `TomlError` for values nested too deeply or numbers too long to read."""
    try:
        return parse_toml(f"v = {text.strip()}")["v"]
    except TomlError as exc:
        if exc.limit:
            raise TomlError(f"{shorten(text.strip(), 40)!r}: {exc}", limit=True) from None
        return text.strip()


def nesting(value: Any) -> int:
    """How deep tables and lists nest in `value` (iterative: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((c, depth) for c in children)
    return deepest


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[:width - 1] + "…"


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _assign_dotted(raw: dict[str, Any], key: str, value: Any, origin: str) -> None:
    parts = key.split(".")
    if not 2 <= len(parts) <= 3 or any(not p for p in parts):
        raise ScenarioError(origin, key, value, "keys look like SECTION.NAME, needs.TYPE.FIELD or tasks.NAME.FIELD")
    if parts[0] == "extends":  # not a table of the resolved scenario: it would be silently ignored
        raise ScenarioError(origin, key, value, "'extends' is not a parameter; overrides look like SECTION.NAME, "
                                                "needs.TYPE.FIELD or emergencies.NAME.FIELD")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ScenarioError(origin, key, value, f"'{part}' is not a table")
    node[parts[-1]] = value


def from_dict(raw: Mapping[str, Any], file: str, files: tuple[str, ...] = (),
              origins: Mapping[str, str] | None = None) -> Scenario:
    """Validate a nested dict (as read from TOML, after `extends`) into a Scenario.

    `origins` maps dotted keys to the file that set them, so an error names that file."""
    try:
        return _from_dict(raw, file, files)
    except ScenarioError as exc:
        if not origins or exc.key is None:
            raise

        def owner(key: str) -> str | None:
            return next((origins[k] for k in _key_and_parents(key) if k in origins), None)

        if exc.involves:  # a rule between values: name the loaded file, and where each value came from
            sources = [f"{k} from {owner(k) or 'the defaults'}" for k in (exc.key, *exc.involves)]
            raise ScenarioError(file, exc.key, exc.value, f"{exc.allowed} ({'; '.join(sources)})",
                                exc.involves) from None
        if owner(exc.key) and owner(exc.key) != exc.file:
            raise ScenarioError(owner(exc.key), exc.key, exc.value, exc.allowed) from None
        raise


def _key_and_parents(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _from_dict(raw: Mapping[str, Any], file: str, files: tuple[str, ...]) -> Scenario:
    for key in raw:
        if key not in TOP_LEVEL_KEYS and not isinstance(raw[key], dict):
            raise ScenarioError(file, key, raw[key], "top-level keys are name, description, description_zh, extends and tables")
    values = defaults()
    sections = {key.split(".", 1)[0] for key in values}
    for section, table in raw.items():
        if section in TOP_LEVEL_KEYS:
            continue
        if section not in sections:
            import difflib

            close = difflib.get_close_matches(section, [*sections, "needs", "tasks", "collective"], n=1)
            hint = f"; did you mean [{close[0]}]?" if close else ""
            raise ScenarioError(file, section, table, "unknown table; allowed: " +
                                ", ".join(f"[{s}]" for s in sorted(sections)) + f", [needs.NAME], [tasks.NAME], [collective.NAME]{hint}")
        for name, value in table.items():
            key = f"{section}.{name}"
            if key == CHANGES_KEY:   # a list of tables, checked below
                continue
            if key not in PARAM_BY_KEY:
                raise ScenarioError(file, key, value, unknown_key_hint(key))
            values[key] = _check_param(file, key, value)
    needs = _check_needs(file, raw.get("needs"))
    _check_consistency(file, values, needs)
    emergencies = _check_emergencies(file, raw.get("emergencies", {}), values)
    tasks = _check_tasks(file, raw.get("tasks", {}))
    collective = _check_collective(file, raw.get("collective", {}), values, needs)
    territory = raw.get("territory", {})
    changes = check_changes(file, territory.get("changes", []) if isinstance(territory, dict) else [], values)
    check_regrid(file, values)
    name = raw.get("name", name_from_file(file))
    description = raw.get("description", "")
    description_zh = raw.get("description_zh", "")
    for key, value in (("name", name), ("description", description), ("description_zh", description_zh)):
        if not isinstance(value, str):
            raise ScenarioError(file, key, value, "a string")
    if "name" in raw and not is_safe_name(name):
        raise ScenarioError(file, "name", name, SAFE_NAME_RULE)
    return Scenario(name, description, MappingProxyType(values), needs, files or (file,), emergencies,
                    description_zh, tasks, collective, changes)


def unknown_key_hint(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, PARAM_BY_KEY, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown parameter (see `govsim params`){hint}"


def _check_param(file: str, key: str, value: Any) -> Any:
    spec = PARAM_BY_KEY[key]
    kind = spec.kind
    if kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(file, key, value, spec.allowed())
        return value
    if kind is str:
        if spec.unit == "ISO date" and type(value) is datetime.date:  # TOML reads 2025-07-01 as a date
            value = value.isoformat()
        if not isinstance(value, str) or (spec.choices and value not in spec.choices):
            raise ScenarioError(file, key, value, spec.allowed())
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(file, key, value, spec.allowed())
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ScenarioError(file, key, value, spec.allowed())
            value = int(value)
    else:
        value = _float(value)
    if not _finite(value) or (spec.low is not None and value < spec.low) or (
        spec.high is not None and value > spec.high
    ):
        raise ScenarioError(file, key, value, spec.allowed())
    return value


def _check_needs(file: str, table: Any) -> tuple[NeedType, ...]:
    if not isinstance(table, dict) or not table:
        raise ScenarioError(file, "needs", table, "at least one [needs.NAME] table (the needs catalogue)")
    out = []
    for name, fields in _catalogue_rows(file, "needs", "need", table, NEED_FIELDS, NEED_FIELD_BY_KEY):
        need = NeedType(name=name, **fields)
        if need.effort_dist == "exponential" and need.effort_cv != 1.0:
            raise ScenarioError(file, f"needs.{name}.effort_cv", need.effort_cv,
                                "1.0 when effort_dist is 'exponential'", (f"needs.{name}.effort_dist",))
        _check_season(file, need)
        out.append(need)
    return tuple(out)


def _check_tasks(file: str, table: Any) -> tuple[TaskType, ...]:
    """The top-down task catalogue: optional (none at all is allowed); each table complete."""
    if not isinstance(table, dict):
        raise ScenarioError(file, "tasks", table, "tables [tasks.NAME] (the top-down task catalogue)")
    return tuple(TaskType(name=name, **fields)
                 for name, fields in _catalogue_rows(file, "tasks", "task", table, TASK_FIELDS, TASK_FIELD_BY_KEY))


def _check_collective(file: str, table: Any, values: Mapping[str, Any],
                      needs: tuple[NeedType, ...]) -> tuple[CollectiveType, ...]:
    """The collective-issue catalogue (议事协商): optional; each table complete. With a catalogue, the
    need type that festering issues generate must be in the needs catalogue."""
    if not isinstance(table, dict):
        raise ScenarioError(file, "collective", table, "tables [collective.NAME] (the collective-issue catalogue)")
    need = values["deliberation.festering_need"]
    if table and need and need not in {n.name for n in needs}:
        raise ScenarioError(file, "deliberation.festering_need", need,
                            "a need type of the catalogue (" + ", ".join(n.name for n in needs) + ") or \"\"",
                            ("needs",))
    catalogue = tuple(CollectiveType(name=name, **fields) for name, fields in
                      _catalogue_rows(file, "collective", "collective issue", table, COLLECTIVE_FIELDS,
                                      COLLECTIVE_FIELD_BY_KEY))
    _check_priority_issues(file, values["deliberation.priority_issues"], catalogue)
    return catalogue


def _check_priority_issues(file: str, value: str, catalogue: tuple[CollectiveType, ...]) -> None:
    """The township's consultation priorities (协商重点): comma-separated names of the catalogue's types."""
    names = [c.name for c in catalogue]
    for name in (n.strip() for n in value.split(",")) if value.strip() else ():
        if name not in names:
            raise ScenarioError(file, "deliberation.priority_issues", value,
                                "comma-separated names of collective issue types (" + (", ".join(names) or "none in "
                                "this scenario's catalogue") + ") or \"\"", ("collective",))


def _catalogue_rows(file: str, section: str, what: str, table: dict, fields, field_by_key) -> list[tuple[str, dict]]:
    """(name, checked fields) of each [SECTION.NAME] table of a catalogue (needs, tasks): no unknown
    field, every required one given, each value allowed; an optional field left out takes its default."""
    rows = []
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise ScenarioError(file, f"{section}.{name}", spec, f"a table of {what} fields")
        for fkey in spec:
            if fkey not in field_by_key:
                raise ScenarioError(file, f"{section}.{name}.{fkey}", spec[fkey],
                                    f"unknown {what} field; allowed: " + ", ".join(field_by_key))
        checked = {}
        for f in fields:
            key = f"{section}.{name}.{f.key}"
            if f.key not in spec and f.default is None:
                raise ScenarioError(file, key, None, f"missing; {f.allowed()}")
            checked[f.key] = _check_need_field(file, key, spec.get(f.key, f.default), f)
        rows.append((name, checked))
    return rows


def _check_season(file: str, need: NeedType) -> None:
    """A season is two month-days ("10-20" to "04-20"), or none (both empty: all year)."""
    for key in ("season_start", "season_end"):
        value = getattr(need, key)
        if value and parse_month_day(value) is None:
            raise ScenarioError(file, f"needs.{need.name}.{key}", value,
                                'a day of the year as "MM-DD" (e.g. "10-20"), or "" for all year')
    if bool(need.season_start) != bool(need.season_end):
        given, other = ("season_start", "season_end") if need.season_start else ("season_end", "season_start")
        raise ScenarioError(file, f"needs.{need.name}.{other}", getattr(need, other),
                            f"a day as \"MM-DD\" when {given} is given (a season needs both ends)",
                            (f"needs.{need.name}.{given}",))


def _float(value: int | float) -> float:
    """float(value), or infinity for an integer too large for a float (refused as out of range)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _finite(value: int | float) -> bool:
    return math.isfinite(_float(value))


def _check_need_field(file: str, key: str, value: Any, f) -> Any:
    if f.length is not None:   # a profile: a list of numbers
        return _check_number_list(file, key, value, f)
    if f.kind is bool:
        ok = isinstance(value, bool)
    elif f.kind is str:
        ok = isinstance(value, str) and (not f.choices or value in f.choices)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value) and (
            f.low is None or value >= f.low) and (f.high is None or value <= f.high)
        value = float(value) if ok else value
    if not ok:
        raise ScenarioError(file, key, value, f.allowed())
    return value


def _check_number_list(file: str, key: str, value: Any, f) -> tuple[float, ...]:
    """A profile given as numbers (`hourly`, `monthly`): exactly f.length of them, each in bounds and
    not all zero (a profile of zeros has no shape to scale), or an empty list for none."""
    if isinstance(value, (list, tuple)) and not value:
        return ()
    ok = (isinstance(value, (list, tuple)) and len(value) == f.length
          and all(isinstance(x, (int, float)) and not isinstance(x, bool) and _finite(x)
                  and f.low <= x <= f.high for x in value) and sum(value) > 0)
    if not ok:
        raise ScenarioError(file, key, value, f.allowed())
    return tuple(float(x) for x in value)


def _check_consistency(file: str, v: Mapping[str, Any], needs: tuple[NeedType, ...]) -> None:
    """Rules that involve more than one value."""
    if v["worker.shift_start_hour"] + v["worker.shift_hours"] > 24 + 1e-9:
        raise ScenarioError(file, "worker.shift_hours", v["worker.shift_hours"],
                            f"a shift must end by midnight: shift_start_hour ({v['worker.shift_start_hour']}) "
                            "+ shift_hours must be <= 24", ("worker.shift_start_hour",))
    if v["burden.paperwork_hours_per_day"] >= v["worker.shift_hours"]:
        raise ScenarioError(file, "burden.paperwork_hours_per_day", v["burden.paperwork_hours_per_day"],
                            f"less than worker.shift_hours ({v['worker.shift_hours']})", ("worker.shift_hours",))
    if v["grid.part_time_workers"] and v["worker.shift_hours"] >= 24 and v["worker.workdays_per_week"] >= 7:
        raise ScenarioError(file, "grid.part_time_workers", v["grid.part_time_workers"],
                            "0 when staff work around the clock every day (worker.shift_hours 24, "
                            "workdays_per_week 7): part-timers' hours are counted from the start of a shift",
                            ("worker.shift_hours", "worker.workdays_per_week"))
    if v["grid.workers_per_grid"] + v["grid.part_time_workers"] < 1:
        raise ScenarioError(file, "grid.workers_per_grid", v["grid.workers_per_grid"],
                            "at least 1, or grid.part_time_workers >= 1 (a grid needs someone to staff it)",
                            ("grid.part_time_workers",))
    if v["sim.warmup_days"] >= v["sim.days"]:
        raise ScenarioError(file, "sim.warmup_days", v["sim.warmup_days"],
                            f"less than sim.days ({v['sim.days']})", ("sim.days",))
    households = v["territory.residents"] / v["territory.household_size"]
    if households < 1:
        raise ScenarioError(file, "territory.residents", v["territory.residents"],
                            "at least one household (residents >= household_size)", ("territory.household_size",))
    if parse_start_date(v["sim.start_date"]) is None:
        raise ScenarioError(file, "sim.start_date", v["sim.start_date"], START_DATE_RULE)
    _check_district_file(file, v)
    _check_community_types(file, v)
    _check_grade_cuts(file, v)
    _check_volunteer_hours(file, v)
    aid = v["volunteer.mutual_aid_need"]
    if aid and aid not in {n.name for n in needs}:
        raise ScenarioError(file, "volunteer.mutual_aid_need", aid,
                            "a need type of the catalogue (" + ", ".join(n.name for n in needs) + ") or \"\"",
                            ("needs",))
    _check_need_key(file, v, needs, "safety.dispute_need")
    _check_need_key(file, v, needs, "safety.business_hazard_need")
    if all(n.rate_other == 0 and n.rate_elderly == 0 for n in needs):
        raise ScenarioError(file, "needs", "all rates zero", "at least one need type with a positive rate")


def _check_district_file(file: str, v: Mapping[str, Any]) -> None:
    """An imported district's file must exist and be well formed (sim/district/geo_file.py)."""
    from .district.geo_file import DistrictFileError, read_district

    path = v["territory.district_file"]
    if not path:
        return
    try:
        read_district(path)
    except DistrictFileError as exc:
        raise ScenarioError(file, "territory.district_file", path,
                            f"a district file written by `govsim district import` ({exc})") from None


def _check_community_types(file: str, v: Mapping[str, Any]) -> None:
    """Community type names (territory.community_types, or an imported district's field) must be known."""
    from .community_types import ALLOWED_TEXT, canonical, unknown_listed
    from .territory import district_of

    bad = unknown_listed(v["territory.community_types"])
    if bad:
        raise ScenarioError(file, "territory.community_types", v["territory.community_types"],
                            f"unknown community type {bad[0]!r}; each name {ALLOWED_TEXT}")
    d = district_of(v) if not v["territory.community_types"].strip() else None
    for c, name in enumerate(d.community_types if d is not None else ()):
        if canonical(name) is None:
            label = d.community_names[c] if c < len(d.community_names) else str(c)
            raise ScenarioError(file, "territory.district_file", v["territory.district_file"],
                                f"community {label!r} has the unknown type {name!r}: {ALLOWED_TEXT}")


def _check_need_key(file: str, v: Mapping[str, Any], needs, key: str) -> None:
    """A parameter naming a need type must name one of the catalogue (or be empty: none)."""
    if v[key] and v[key] not in {n.name for n in needs}:
        raise ScenarioError(file, key, v[key],
                            "a need type of the catalogue (" + ", ".join(n.name for n in needs) + ") or \"\"",
                            ("needs",))


def _check_grade_cuts(file: str, v: Mapping[str, Any]) -> None:
    """The rating cut points must increase: each grade needs a non-empty band of scores."""
    keys = [f"satisfaction.grade_cut_{i}" for i in range(1, 5)]
    for lower, upper in zip(keys, keys[1:]):
        if v[upper] <= v[lower]:
            raise ScenarioError(file, upper, v[upper], f"more than {lower} ({v[lower]}): the grade cut "
                                "points must increase", (lower,))


def _check_volunteer_hours(file: str, v: Mapping[str, Any]) -> None:
    if v["volunteer.call_end_hour"] <= v["volunteer.call_start_hour"]:
        raise ScenarioError(file, "volunteer.call_end_hour", v["volunteer.call_end_hour"],
                            f"more than volunteer.call_start_hour ({v['volunteer.call_start_hour']})",
                            ("volunteer.call_start_hour",))


def _check_emergencies(file: str, table: Any, values: Mapping[str, Any]) -> tuple[EmergencyDef, ...]:
    from .territory import community_count, footprint_of

    if not isinstance(table, dict):
        raise ScenarioError(file, "emergencies", table, "tables [emergencies.NAME]")
    width, height = footprint_of(values)
    out = []
    for name, spec in table.items():
        where = f"emergencies.{name}"
        if not isinstance(spec, dict):
            raise ScenarioError(file, where, spec, "a table of emergency fields")
        fields: dict[str, Any] = {}
        for key, value in spec.items():
            f = EMERGENCY_FIELD_BY_KEY.get(key)
            if f is None:
                raise ScenarioError(file, f"{where}.{key}", value,
                                    "unknown emergency field; allowed: " + ", ".join(EMERGENCY_FIELD_BY_KEY))
            if f.kind is list:
                ok = isinstance(value, list) and value and all(isinstance(c, int) and not isinstance(c, bool)
                                                               for c in value)
                if not ok:
                    raise ScenarioError(file, f"{where}.{key}", value, "a non-empty list of community indices")
                fields[key] = tuple(value)
            else:
                fields[key] = _check_need_field(file, f"{where}.{key}", value, f)
        for required in ("type", "severity", "duration_days"):
            if required not in fields:
                f = EMERGENCY_FIELD_BY_KEY[required]
                raise ScenarioError(file, f"{where}.{required}", None, f"missing; {f.allowed()}")
        if ("onset_day" in fields) == ("annual_rate" in fields):
            raise ScenarioError(file, where, sorted(k for k in ("onset_day", "annual_rate") if k in fields),
                                "exactly one of onset_day (a fixed onset) or annual_rate (random onsets)")
        if fields.get("onset_day", 0.0) >= values["sim.days"]:
            raise ScenarioError(file, f"{where}.onset_day", fields["onset_day"],
                                f"a day before the end of the run (sim.days = {values['sim.days']})", ("sim.days",))
        circle = [k for k in ("centre_x_km", "centre_y_km", "radius_km") if k in fields]
        if bool(circle) == ("communities" in fields) or (circle and len(circle) < 3):
            raise ScenarioError(file, where, sorted(fields),
                                "a footprint: either centre_x_km, centre_y_km and radius_km, or communities")
        for key, size in (("centre_x_km", width), ("centre_y_km", height)):
            if key in fields and fields[key] > size:
                raise ScenarioError(file, f"{where}.{key}", fields[key],
                                    f"inside the territory: 0 to {size:.3f} km for these residents and density",
                                    ("territory.residents", "territory.density_per_km2"))
        if "communities" in fields:
            n = community_count(values)
            bad = [c for c in fields["communities"] if not 0 <= c < n]
            if bad:
                raise ScenarioError(file, f"{where}.communities", bad,
                                    f"community indices from 0 to {n - 1} (this territory has {n})",
                                    ("territory.residents", "territory.households_per_community"))
        _check_emergency_season(file, where, fields)
        out.append(EmergencyDef(name=name, **fields))
    return tuple(out)


def _check_emergency_season(file: str, where: str, fields: dict[str, Any]) -> None:
    """A season of random onsets: two month-days, both or neither, and only with annual_rate."""
    for key in ("season_start", "season_end"):
        if fields.get(key) == "":   # "" is all year, as for a need
            del fields[key]
    given = [k for k in ("season_start", "season_end") if k in fields]
    if not given:
        return
    if "annual_rate" not in fields:
        raise ScenarioError(file, f"{where}.{given[0]}", fields[given[0]],
                            "only with annual_rate (a fixed onset_day has no season)", (f"{where}.onset_day",))
    for key in given:
        if parse_month_day(fields[key]) is None:
            raise ScenarioError(file, f"{where}.{key}", fields[key], 'a day of the year as "MM-DD" (e.g. "11-01")')
    if len(given) == 1:
        other = "season_end" if given[0] == "season_start" else "season_start"
        raise ScenarioError(file, f"{where}.{other}", None,
                            f'a day as "MM-DD" when {given[0]} is given (a season needs both ends)',
                            (f"{where}.{given[0]}",))
