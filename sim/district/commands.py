"""The `govsim district` sub-commands (sim/cli.py adds them).

Light to import: the CLI builds its parser on every call, so the readers (geopandas, pandas) are
imported only when a command runs.
"""

from __future__ import annotations

from .boundaries_cli import add_import_parser
from .tickets_cli import add_tickets_parser


def add_district_parser(sub) -> None:
    """`govsim district import|tickets`, added to the sub-parsers `sub` of the `govsim` parser."""
    d = sub.add_parser("district", help="a planner's own district: boundaries and ticket logs in")
    dsub = d.add_subparsers(dest="district_command", required=True)
    add_import_parser(dsub)
    add_tickets_parser(dsub)
