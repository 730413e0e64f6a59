"""Command-line values that more than one command reads: `--set KEY=VALUE` overrides and the
argparse types for whole numbers, numbers and days.

Below both the CLI (sim/cli.py) and the dashboard's `animate` command, so neither imports the other.
"""

from __future__ import annotations

import argparse
import math
from typing import Any, Sequence

from .params import PARAM_BY_KEY
from .scenario import TOP_LEVEL_KEYS, TomlError, parse_value

# Whole-number options (seeds, days, counts) stay below 2**63: TOML integers (an experiment file's
# seed) are 64-bit, and so is the ledger's seed column.
MAX_INT_OPTION = 2 ** 63 - 1


class OptionError(ValueError):
    """A command-line value that cannot be used: exit status 2."""


def parse_sets(items: Sequence[str], option: str = "--set") -> dict[str, Any]:
    """KEY=VALUE pairs; VALUE is read as a TOML value (200, 0.5, true, "text"), else as a string.

    A key given twice, or a key that is not a parameter (`extends`, `name`, ...), is refused."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise OptionError(f"{option} {item!r}: expected KEY=VALUE, e.g. {option} grid.households_per_grid=200")
        try:
            value = parse_value(text)
        except TomlError as exc:
            raise OptionError(f"{option} {key}: {exc}") from None
        if key in out:
            raise OptionError(f"{option} {item!r}: key '{key}' is given twice; give each key once")
        check_override_key(key, option, item)
        out[key] = value
    return out


def check_override_key(key: str, option: str, item: str) -> None:
    """An override names a parameter (SECTION.NAME), a need's, an emergency's or a task type's field, never
    a scenario's own keys (extends, name, descriptions): those are not parameters."""
    head = key.split(".", 1)[0]
    if head in TOP_LEVEL_KEYS and head not in ("needs", "emergencies", "tasks"):
        raise OptionError(f"{option} {item!r}: '{head}' is not a parameter; overrides look like SECTION.NAME "
                          "(see `govsim params`), needs.TYPE.FIELD, emergencies.NAME.FIELD or tasks.NAME.FIELD")


def number_type(kind: type, minimum: float, strict: bool):
    """An argparse type: a finite `kind` >= minimum (> minimum when strict); whole numbers below 2**63."""
    what = "a whole number" if kind is int else "a number"
    bound = f"more than {minimum}" if strict else f"{minimum} or more"

    def parse(text: str):
        shown = text if len(text) <= 30 else f"{text[:12]}…({len(text)} characters)"
        try:
            value = kind(text)
        except ValueError:  # also a number of more than 4,300 digits
            raise argparse.ArgumentTypeError(f"{shown!r} is not {what}") from None
        if kind is int and value > MAX_INT_OPTION:
            raise argparse.ArgumentTypeError(f"{shown} is too large: at most {MAX_INT_OPTION} (2**63 - 1)")
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"{shown} must be {bound}")
        return value

    return parse


positive_int = number_type(int, 1, strict=False)
nonneg_int = number_type(int, 0, strict=False)
positive_float = number_type(float, 0.0, strict=True)


def days(text: str) -> int:
    """An argparse type for --days: a whole number within sim.days's range."""
    spec = PARAM_BY_KEY["sim.days"]
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not spec.low <= value <= spec.high:
        raise argparse.ArgumentTypeError(f"{text}: a whole number of days in [{spec.low:g}, {spec.high:g}]")
    return value
