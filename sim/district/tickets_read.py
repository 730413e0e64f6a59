"""Reading a hotline ticket log (`govsim district tickets`): columns, encodings, time formats, and
the account of every row that cannot be used.

A log is a CSV file with one row per ticket. Its columns are named by `--columns
created=…,closed=…,category=…,channel=…[,lat=…,lon=…]` or by a preset (`nyc311`: the public NYC 311
schema). Rows that cannot be used are rejected with a reason and counted, never dropped silently:
an unparseable time, a ticket closed before it was created, an empty category. A missing column,
an unreadable file or text in another encoding is an error (`TicketError`, exit status 2) naming
the file, the column and what is allowed.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..options import OptionError

REQUIRED = ("created", "closed", "category", "channel")
OPTIONAL = ("lat", "lon")
ROLES = REQUIRED + OPTIONAL

# Known public schemas: the roles' column names and the time format of their exports.
PRESETS: dict[str, dict] = {
    "nyc311": {
        "columns": {"created": "Created Date", "closed": "Closed Date", "category": "Complaint Type",
                    "channel": "Open Data Channel Type", "lat": "Latitude", "lon": "Longitude"},
        "date_format": "%m/%d/%Y %I:%M:%S %p",   # 01/05/2024 08:30:00 AM
    },
}

# Reasons a row is rejected, in the order a report lists them.
UNPARSEABLE, MISSING_CREATED, CLOSED_BEFORE, NO_CATEGORY, UNKNOWN_CATEGORY = (
    "unparseable time", "missing created time", "closed before created", "empty category", "unknown category")
REASONS = (UNPARSEABLE, MISSING_CREATED, CLOSED_BEFORE, NO_CATEGORY, UNKNOWN_CATEGORY)
EXAMPLES_PER_REASON = 3


class TicketError(OptionError):
    """A ticket log, mapping or option that cannot be used: one line, exit status 2."""


@dataclass
class Rejections:
    """Rows not used, by reason: counts and a few examples (line number in the file, the values)."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, rows: pd.DataFrame) -> None:
        if len(rows):
            self.counts[reason] = self.counts.get(reason, 0) + len(rows)
            shown = self.examples.setdefault(reason, [])
            for line, row in rows.head(EXAMPLES_PER_REASON - len(shown)).iterrows():
                shown.append(f"line {line}: " + ", ".join(f"{k}={v!r}" for k, v in row.items()))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """'rejected 2 rows: 1 closed before created, 1 unparseable time' (or 'rejected no rows')."""
        if not self.total:
            return "rejected no rows"
        parts = [f"{self.counts[r]} {r}" for r in REASONS if r in self.counts]
        return f"rejected {self.total} row{'s' if self.total != 1 else ''}: " + ", ".join(parts)


@dataclass
class TicketLog:
    """The usable tickets (created, closed or NaT, category, channel; lat/lon when given) and the rejections."""

    path: Path
    rows_read: int
    tickets: pd.DataFrame
    rejections: Rejections


def parse_columns(text: str | None, preset: str | None) -> tuple[dict[str, str], str | None]:
    """The role -> column mapping and time format from `--columns` and/or `--preset` (columns win)."""
    columns, date_format = {}, None
    if preset is not None:
        columns, date_format = dict(PRESETS[preset]["columns"]), PRESETS[preset]["date_format"]
    for item in (text or "").split(","):
        if not item.strip():
            continue
        role, sep, name = item.partition("=")
        role = role.strip()
        if not sep or role not in ROLES or not name.strip():
            raise TicketError(f"--columns {item.strip()!r}: expected ROLE=COLUMN with ROLE one of "
                              f"{', '.join(ROLES)} (e.g. created=受理时间)")
        columns[role] = name.strip()
    missing = [r for r in REQUIRED if r not in columns]
    if missing:
        raise TicketError(f"--columns: no column given for {', '.join(missing)}; give "
                          "--columns created=…,closed=…,category=…,channel=… or --preset "
                          + "/".join(PRESETS))
    return columns, date_format


def read_log(path: str | Path, columns: dict[str, str], encoding: str = "utf-8",
             date_format: str | None = None) -> TicketLog:
    """Read and check a ticket log; `TicketError` for a file, encoding or column that cannot be used."""
    path = Path(path)
    raw = _read_csv(path, columns, _codec(encoding))
    raw.index = raw.index + 2  # a row's line in the file (the header is line 1), for examples
    return _checked(path, raw.rename(columns={v: k for k, v in columns.items()}), date_format)


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise TicketError(f"--encoding {encoding!r}: unknown encoding; e.g. utf-8, gbk, gb18030") from None
    return "utf-8-sig" if name == "utf-8" else name   # a byte-order mark (Excel's exports) is not text


def _read_csv(path: Path, columns: dict[str, str], encoding: str) -> pd.DataFrame:
    if not path.is_file():
        raise TicketError(f"{path}: no such file (a ticket log: a CSV file)")
    header = _csv_call(path, encoding, lambda: pd.read_csv(path, nrows=0, encoding=encoding).columns)
    missing = [(role, col) for role, col in columns.items() if col not in header]
    if missing:
        role, col = missing[0]
        raise TicketError(f"{path}: no column {col!r} (given for {role}); the file's columns: "
                          + ", ".join(repr(str(h)) for h in header[:20]))
    return _csv_call(path, encoding, lambda: pd.read_csv(
        path, usecols=list(dict.fromkeys(columns.values())), dtype=str, keep_default_na=False,
        encoding=encoding)[list(columns.values())])


def _csv_call(path: Path, encoding: str, read):
    """`read()`, its failures turned into one-line errors naming the file."""
    try:
        return read()
    except UnicodeDecodeError as exc:
        raise TicketError(f"{path}: not {encoding} text (byte 0x{exc.object[exc.start]:02x}); give its "
                          "encoding, e.g. --encoding gbk (12345 exports often are GBK)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        raise TicketError(f"{path}: cannot be read as CSV ({str(exc).strip().splitlines()[0]})") from None


def _checked(path: Path, raw: pd.DataFrame, date_format: str | None) -> TicketLog:
    """Parse times and sort out the rows that cannot be used, each with its reason."""
    rejections = Rejections()
    created, blank_created = _times(raw["created"], date_format)
    closed, blank_closed = _times(raw["closed"], date_format)
    bad_time = (created.isna() & ~blank_created) | (closed.isna() & ~blank_closed)
    rejections.add(UNPARSEABLE, raw[bad_time])
    keep = ~bad_time
    rejections.add(MISSING_CREATED, raw[keep & blank_created])
    keep &= ~blank_created
    before = keep & closed.notna() & (closed < created)
    rejections.add(CLOSED_BEFORE, raw[before])
    keep &= ~before
    category, channel = _stripped(raw["category"]), _stripped(raw["channel"])
    no_category = keep & (category == "")
    rejections.add(NO_CATEGORY, raw[no_category])
    keep &= ~no_category
    tickets = pd.DataFrame({"created": created[keep], "closed": closed[keep], "category": category[keep],
                            "channel": channel[keep].replace("", "unknown")})
    for role in OPTIONAL:
        if role in raw:
            tickets[role] = pd.to_numeric(raw[role][keep], errors="coerce")
    return TicketLog(path, len(raw), tickets, rejections)


def _stripped(text: pd.Series) -> pd.Series:
    """Values without surrounding spaces: stripped once per distinct value (a log has few categories
    and channels, and a million rows)."""
    return text.map({v: v.strip() for v in pd.unique(text)})


def _times(text: pd.Series, date_format: str | None) -> tuple[pd.Series, pd.Series]:
    """(timestamps, blank): NaT where empty or unparseable; blank where empty or only spaces. Times
    in the given format, else ISO 8601 (2024-01-05 08:30:00, 2024-01-05T08:30) or the slashes 12345
    exports use (2024/01/05 08:30:00). Only the values that fail at first are stripped and retried."""
    blank = text == ""
    if date_format is not None:
        times = pd.to_datetime(text, format=date_format, errors="coerce")
    else:
        times = pd.to_datetime(text, format="ISO8601", errors="coerce")
    todo = times.isna() & ~blank
    if todo.any():
        retry = text[todo].str.strip()
        blank[todo] = retry == ""
        if date_format is None:
            retry = retry.str.replace("/", "-", regex=False)
        times[todo] = pd.to_datetime(retry, format=date_format or "ISO8601", errors="coerce")
    return times, blank
