"""`govsim district tickets`: a hotline ticket log turned into a needs catalogue, a scenario that
uses it, and a report of how well a simulated run of that scenario fits the log.

Writes into --out (a temporary folder beside it first, moved into place only when complete):
  needs.toml      the estimated needs catalogue: `extends` the base scenario, one [needs.NAME]
                  table per need type found in the log (rates, hourly, monthly, rest_day_factor)
  scenario.toml   an example district scenario that extends needs.toml
  estimates.json  every estimate, the rejected rows and the unmapped categories
  report.md, report.zh.md, figures/ (and figures/zh/)   the fit report (sim/district/tickets_report.py)

A need type's catalogue rate is the log's ticket rate divided by its report_prob in the base
catalogue: the model's needs include those nobody reports, so dividing keeps the reported count near
the log's. The base catalogue's season of such a need type gives way to the monthly factors.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..outputs import check_folder
from ..params import NEED_FIELDS
from ..scenario import ScenarioError, load, name_from_file
from .tickets_estimate import DIGITS, estimate, load_mapping
from .tickets_read import UNKNOWN_CATEGORY, TicketError, TicketLog, parse_columns, read_log

CATALOGUE, SCENARIO, ESTIMATES = "needs.toml", "scenario.toml", "estimates.json"
ESTIMATED = ("rate_other", "rate_elderly", "rest_day_factor", "season_start", "season_end", "hourly", "monthly")


def run_tickets(args) -> int:
    """The command: read, estimate, write the catalogue and scenario, simulate, report."""
    from .tickets_report import write_report

    out = check_out(args.out, args.force)
    columns, date_format = parse_columns(args.columns, args.preset)
    base = load(args.scenario)
    residents = args.residents if args.residents is not None else base["territory.residents"]
    log = read_log(args.log, columns, args.encoding, args.date_format or date_format)
    mapping = load_mapping(args.mapping, [n.name for n in base.needs])
    unmapped = map_needs(log, mapping)
    if log.tickets.empty:
        raise TicketError(f"{log.path}: no usable ticket ({log.rejections.summary()}); map its categories "
                          "to need types with --mapping")
    est = estimate(log.tickets, residents)
    est.update(log=str(log.path), rows_read=log.rows_read, used=len(log.tickets),
               rejected=log.rejections.counts, rejected_examples=log.rejections.examples, unmapped=unmapped)
    with staged(out) as tmp:
        (tmp / CATALOGUE).write_text(catalogue_toml(base, est, os.path.relpath(args.scenario, out)),
                                     encoding="utf-8")
        district = base.name if base["territory.district_file"] else None   # an imported district's needs
        (tmp / SCENARIO).write_text(scenario_toml(Path(args.log), residents, district), encoding="utf-8")
        scenario = _load_written(tmp / SCENARIO)
        write_report(tmp, scenario, log, est, seed=args.seed, days=args.sim_days)
        (tmp / ESTIMATES).write_text(json.dumps(est, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                     encoding="utf-8")
    print(f"{log.path}: read {log.rows_read} rows, used {len(log.tickets)}; {log.rejections.summary()}")
    if unmapped:
        print("unmapped categories (rows): " + ", ".join(f"{c} ({n})" for c, n in list(unmapped.items())[:10]))
    print(f"outputs: {out}/ ({CATALOGUE}, {SCENARIO}, {ESTIMATES}, report.md, report.zh.md, figures/)")
    return 0


def map_needs(log: TicketLog, mapping: dict[str, str]) -> dict[str, int]:
    """Give each ticket its need type; reject the rows of unmapped categories (counted, listed).
    Returns the unmapped categories with their row counts, most rows first."""
    need = log.tickets["category"].map(mapping)
    unknown = need.isna()
    log.rejections.add(UNKNOWN_CATEGORY, log.tickets.loc[unknown, ["category"]])
    counts = log.tickets.loc[unknown, "category"].value_counts()
    log.tickets = log.tickets[~unknown].assign(need=need[~unknown])
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def _load_written(path: Path):
    try:
        return load(path)
    except ScenarioError as exc:   # an estimate outside what the model allows (a rate too high)
        raise TicketError(f"the estimated catalogue is refused by the model: {exc}") from None


# ------------------------------------------------------------------ TOML
def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = f"{float(value):.{DIGITS}g}"
        return text if any(c in text for c in ".einf") else text + ".0"   # a TOML float, not an integer
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)   # a JSON string is a TOML basic string


def catalogue_toml(base, est: dict, extends: str) -> str:
    """The needs catalogue: the base scenario's need types found in the log, with the estimates."""
    p = est["period"]
    lines = [f"# Needs catalogue estimated from {Path(est['log']).name} ({p['start']} to {p['end']}, "
             f"{est['used']} tickets, {est['residents']:g} residents) by `govsim district tickets`.",
             "# Rates are the log's tickets per resident-year divided by report_prob (unreported needs",
             "# included); hourly, monthly and rest_day_factor are the log's. Other fields are the base's.",
             f"extends = {toml_value(extends)}", ""]
    share = base["population.share_elderly"]
    for need in base.needs:
        e = est["needs"].get(need.name)
        if e is None:
            continue
        lines += [f"[needs.{need.name}]   # {e['tickets']} tickets, {e['rate']:g} per resident-year; "
                  f"resolved in {e['resolution'].get('median_h', float('nan')):g} h (median)"]
        fields = {f.key: getattr(need, f.key) for f in NEED_FIELDS}
        fields.update(_estimated_fields(need, e, share))
        lines += [f"{k} = {toml_value(v)}" for k, v in fields.items()] + [""]
    return "\n".join(lines)


def _estimated_fields(need, e: dict, share_elderly: float) -> dict:
    """Rates scaled from tickets to needs, split by age as in the base catalogue; the log's profiles."""
    rate = e["rate"] / need.report_prob if need.report_prob > 0 else e["rate"]
    mean_base = (1 - share_elderly) * need.rate_other + share_elderly * need.rate_elderly
    k = rate / mean_base if mean_base > 0 else 1.0
    other, elderly = (need.rate_other * k, need.rate_elderly * k) if mean_base > 0 else (rate, rate)
    return dict(zip(ESTIMATED, (other, elderly, e["rest_day_factor"], "", "", e["hourly"], e["monthly"])))


def scenario_toml(log: Path, residents: float, district: str | None = None) -> str:
    """The example scenario; named after the imported district it extends (`district`), if any."""
    name = name_from_file(f"{district}-needs" if district else f"district-{log.stem}")
    return "\n".join([
        f"# A district scenario with the needs estimated from {log.name}: extends {CATALOGUE}, which",
        "# extends the base scenario. Restate here what differs in the district (grids, staff, ...).",
        f"extends = {toml_value(CATALOGUE)}",
        f"name = {toml_value(name)}",
        f"description = {toml_value(f'Needs estimated from the ticket log {log.name}')}",
        f"description_zh = {toml_value(f'需求由工单记录 {log.name} 估计')}",
        "", "[territory]", f"residents = {int(round(residents))}", ""])


# ------------------------------------------------------------------ output folder
def check_out(text: str, force: bool) -> Path:
    """--out: checked as every command's (sim/outputs.py: not the working folder, writable, ...), and
    new or empty, or any folder with --force (files of the names written here are replaced)."""
    out = check_folder(text, "run", force=force)
    if out.is_dir() and any(out.iterdir()) and not force:
        raise TicketError(f"--out {text!r}: the folder is not empty; choose a new or empty folder, or add "
                          "--force to replace the files of the same names there")
    return out


class staged:
    """A temporary folder beside --out; on success its files move into place, on failure it is removed."""

    def __init__(self, out: Path):
        self.out = out

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent))
        return self.tmp

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if not self.out.exists():
            self.tmp.rename(self.out)
            return
        _merge(self.tmp, self.out)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _merge(src: Path, dst: Path) -> None:
    """Move src's files over dst's of the same names (folders merged): --force."""
    for p in sorted(src.iterdir()):
        target = dst / p.name
        if p.is_dir():
            target.mkdir(exist_ok=True)
            _merge(p, target)
        else:
            os.replace(p, target)
