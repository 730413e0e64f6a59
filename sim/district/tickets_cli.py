"""`govsim district tickets`: its arguments (the work is in sim/district/tickets.py)."""

from __future__ import annotations


def add_tickets_parser(dsub) -> None:
    """Registers `govsim district tickets` on the `district` sub-parsers."""
