"""`govsim district tickets`: its arguments (the work is in sim/district/tickets.py)."""

from __future__ import annotations

from .. import options

PRESETS = ("nyc311",)   # as sim/district/tickets_read.PRESETS (not imported here: pandas loads on run)


def add_tickets_parser(dsub) -> None:
    """Registers `govsim district tickets` on the `district` sub-parsers."""
    t = dsub.add_parser("tickets", help="a hotline ticket log in: a needs catalogue, a scenario and a fit report")
    t.add_argument("log", help="the ticket log, a CSV file (12345 exports, or the NYC 311 schema with --preset)")
    t.add_argument("--columns", metavar="ROLE=COLUMN,...",
                   help="the log's columns: created=…,closed=…,category=…,channel=…[,lat=…,lon=…]")
    t.add_argument("--preset", choices=PRESETS, help="a known schema: nyc311 (Created Date, Closed Date, "
                                                     "Complaint Type, Open Data Channel Type, Latitude, Longitude)")
    t.add_argument("--mapping", help="category -> need type: a TOML file (\"供暖\" = \"heating\") or a CSV "
                                     "(category,need); default: categories named as need types")
    t.add_argument("--residents", type=options.positive_float,
                   help="residents the log covers (default: the scenario's territory.residents)")
    t.add_argument("--scenario", default="scenarios/baseline.toml",
                   help="the base scenario the catalogue extends (default scenarios/baseline.toml)")
    t.add_argument("--encoding", default="utf-8", help="the log's encoding (default utf-8; 12345 exports: gbk)")
    t.add_argument("--date-format", help="strftime format of the times (default: ISO 8601 or 2024/01/05 08:30)")
    t.add_argument("--seed", type=options.nonneg_int, default=0, help="seed of the simulated run (default 0)")
    t.add_argument("--sim-days", type=options.days, default=365,
                   help="days simulated after the warm-up for the fit report (default 365)")
    t.add_argument("--out", required=True, help="output folder: new or empty (or --force)")
    t.add_argument("--force", action="store_true", help="write into a non-empty --out, replacing files of "
                                                        "the same names")
    t.set_defaults(func=_run)


def _run(args) -> int:
    from .tickets import run_tickets

    return run_tickets(args)
