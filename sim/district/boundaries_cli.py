"""`govsim district import`: its arguments (the work is in sim/district/boundaries.py)."""

from __future__ import annotations


def add_import_parser(dsub) -> None:
    """Registers `govsim district import` on the `district` sub-parsers."""
