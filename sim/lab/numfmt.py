"""One way to write a number in a report, in English and Chinese.

Every number a report prints goes through here, so a mean, its confidence interval and the
difference beside it share one style:

- about three significant digits, with thousands separators, and never scientific notation
  (0.0000173, not 1.733e-05; 8,860,000, not 8.86e+06);
- a group of numbers (a mean and its CI bounds) is written with the same number of decimals,
  chosen from the mean and the half-width of the interval, so -5,937 [-11,070, -801] rather
  than -5937 [-11,070, -800.9];
- fixed decimals per unit: hours to 1 decimal from 10 h up; shares in per cent and their
  differences in percentage points to 1 decimal (2 below 1); yuan to the nearest thousand from
  10,000 up, and in Chinese from 100,000 up in 万元 to 1 decimal (the same precision);
- nothing finite prints as "-0": a number that rounds to zero prints unsigned.

Missing or undefined values (None, NaN, ±inf) print as "–".
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..labels import is_share, unit

MISSING = "–"
SIG = 3             # significant digits of a number written alone
MAX_DECIMALS = 8    # below 5e-9 a number prints as 0
CNY_THOUSANDS = 1e4  # from here yuan are rounded to the nearest thousand
WAN = 1e5           # from here yuan are written in 万元 in Chinese


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(x)
    except TypeError:
        return False


def magnitude(*values: float) -> float:
    """The largest absolute value among the finite ones (0 if none)."""
    return max((abs(float(v)) for v in values if _finite(v)), default=0.0)


def decimals_for(ref: float, sig: int = SIG) -> int:
    """Decimals giving `sig` significant digits to a number of size `ref`; never negative (the
    integer digits are kept: 12,346 rather than 12,300) and at most MAX_DECIMALS."""
    if not _finite(ref) or ref == 0:
        return 0
    return min(MAX_DECIMALS, max(0, sig - 1 - math.floor(math.log10(abs(ref)))))


def fixed(x: float, decimals: int, signed: bool = False) -> str:
    """`x` with `decimals` decimals (negative: rounded to tens, hundreds, thousands …) and
    thousands separators; `signed` puts + before a positive number."""
    if not _finite(x):
        return MISSING
    x = float(x)
    if decimals < 0:
        x = round(x, decimals)
    s = f"{x:,.{max(decimals, 0)}f}"
    if not any(c in "123456789" for c in s):  # rounds to zero: no sign
        return s.lstrip("-")
    return "+" + s if signed and x > 0 else s


def group_decimals(mean: float, low: float = math.nan, high: float = math.nan, sig: int = SIG) -> int:
    """Decimals for a mean and its interval: `sig` significant digits of the larger of |mean| and
    the half-width, so neither a mean near zero nor a tight interval loses its digits."""
    half = abs(high - low) / 2 if _finite(low) and _finite(high) else 0.0
    return decimals_for(max(abs(mean) if _finite(mean) else 0.0, half), sig)


def number(x: float, signed: bool = False, sig: int = SIG) -> str:
    """A number written alone: about `sig` significant digits (0 for one too small to show)."""
    s = fixed(x, decimals_for(x, sig) if _finite(x) else 0, signed)
    return "0" if s != MISSING and not any(c in "123456789" for c in s) else s


def numbers(values: Iterable[float], signed: bool = False, sig: int = SIG) -> list[str]:
    """Numbers written side by side with the same decimals (those of the largest)."""
    values = list(values)
    d = decimals_for(magnitude(*values), sig)
    return [fixed(v, d, signed) for v in values]


def percent(x: float, decimals: int | None = None) -> str:
    """A share (0–1) in per cent: 0.758 -> "75.8%", 0.00958 -> "0.96%" (1 decimal from 1% up, else 2)."""
    if not _finite(x):
        return MISSING
    if decimals is None:
        decimals = 1 if abs(100 * x) >= 1 else 2
    return f"{fixed(100 * x, decimals)}%"


# --------------------------------------------------------------------------- quantities with units
class Style:
    """How the numbers of one outcome are written in one clause: a factor (100 for shares, 1e-4
    for 万元), decimals and the unit written after the number."""

    __slots__ = ("factor", "decimals", "suffix")

    def __init__(self, factor: float, decimals: int, suffix: str):
        self.factor, self.decimals, self.suffix = factor, decimals, suffix

    def bare(self, x: float, signed: bool = False) -> str:
        return fixed(x * self.factor if _finite(x) else x, self.decimals, signed)

    def __call__(self, x: float, signed: bool = False) -> str:
        s = self.bare(x, signed)
        return s if s == MISSING else s + self.suffix


def style(key: str, lang: str = "en", *, diff: bool = False, mean: float = math.nan, low: float = math.nan,
          high: float = math.nan, per_year: bool = False, table: bool = False,
          unit_ref: float | None = None) -> Style:
    """The style for numbers of outcome `key` around `mean` (with an interval [low, high] if
    given): levels of shares in %, differences of shares in pp, hours, yuan (万元 for large
    amounts in Chinese; "per year" when annualised). `unit_ref`: the largest amount of the
    sentence, which fixes the unit of yuan for all its numbers (万元 throughout, not 29,880元
    beside 11.5万元). `table`: the unit is left to the column heading (shares keep % and pp,
    yuan stay in 元)."""
    zh = lang == "zh"
    ref = max(abs(mean) if _finite(mean) else 0.0,
              abs(high - low) / 2 if _finite(low) and _finite(high) else 0.0)
    if is_share(key):
        ref *= 100
        d = 1 if ref >= 1 or ref == 0 else 2
        if diff:
            return Style(100.0, d, (" 个百分点" if table else "个百分点") if zh else " pp")
        return Style(100.0, d, "%")
    u = unit(key, lang)
    year = ("/年" if zh else "/year") if per_year else ""
    space = "" if zh else " "
    if u in ("CNY", "元"):
        big = max(ref, unit_ref or 0.0)
        if zh and big >= WAN and not table:
            return Style(1e-4, 1, f"万元{year}")
        d = -3 if big >= CNY_THOUSANDS else group_decimals(ref)
        return Style(1.0, d, "" if table else f"{space}{u}{year}")
    if u in ("h", "小时"):
        d = 1 if ref >= 10 else group_decimals(ref)
        return Style(1.0, d, "" if table else f"{space}{u}")
    return Style(1.0, group_decimals(ref), "" if table or not u else f"{space}{u}")


def interval(key: str, mean: float, low: float, high: float, lang: str = "en", *, diff: bool = False,
             per_year: bool = False, table: bool = False, like: float | None = None) -> str:
    """"m [lo, hi]" in one style, the unit once: 75.8% [74.1%, 77.5%] (a share), +1.2 [+0.4, +2.0] pp
    (a difference of shares), -5,937 [-11,070, -801] (yuan, unit in the heading). `like`: the size
    that sets the decimals instead of this interval's own (a table column written alike; see
    column_size)."""
    if like is not None:
        st = style(key, lang, diff=diff, mean=like, per_year=per_year, table=table)
    else:
        st = style(key, lang, diff=diff, mean=mean, low=low, high=high, per_year=per_year, table=table)
    if st.suffix == "%":
        return f"{st(mean, diff)} [{st(low, diff)}, {st(high, diff)}]"
    inner = f"{st.bare(mean, diff)} [{st.bare(low, diff)}, {st.bare(high, diff)}]"
    return inner + (st.suffix if st.suffix and st.bare(mean) != MISSING else "")


def column_size(intervals: Iterable[tuple[float, float, float]]) -> float:
    """The size that sets a column's decimals: the largest |mean| or half-width among its intervals."""
    sizes = [max(abs(m) if _finite(m) else 0.0, abs(hi - lo) / 2 if _finite(lo) and _finite(hi) else 0.0)
             for m, lo, hi in intervals]
    return max(sizes, default=0.0)


def p_value(p: float) -> str:
    """A p-value: "< 0.001", else three significant digits ("= 0.0145", "= 1")."""
    if not _finite(p):
        return MISSING
    return "< 0.001" if p < 0.001 else "= " + (fixed(p, decimals_for(p)).rstrip("0").rstrip(".") or "0")


def p_cell(p: float) -> str:
    """A p-value in a table cell: "<0.001", "0.0145", "1"."""
    if not _finite(p):
        return ""
    return "<0.001" if p < 0.001 else p_value(p).removeprefix("= ")


def param_value(v) -> str:
    """A parameter value as written in a scenario file: 400, 0.35, True, 10000000 (never 1e+07)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if not isinstance(v, (int, float, np.integer, np.floating)):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v.is_integer():
        return str(int(v))
    return f"{v:.{decimals_for(v, 6)}f}".rstrip("0").rstrip(".")
