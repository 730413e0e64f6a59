"""The run ledger: one SQLite file per experiment, one row per run, committed as runs finish.

Why SQLite: each commit is atomic and durable (write-ahead log), so killing the process at any
moment — Ctrl-C or SIGKILL — leaves every finished run recorded and no half-written row. A rerun
of the same experiment on the same folder reads the finished runs back instead of recomputing
them; failed runs are tried again. The ledger belongs to one experiment: its definition's
fingerprint is stored, and a different experiment in the same folder is refused.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..scenario import MAX_NESTING, nesting
from .tasks import RunSpec

LEDGER_NAME = "ledger.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    params      TEXT NOT NULL,      -- JSON: the varied values
    scenario    TEXT NOT NULL,      -- JSON: the scenario as resolved
    status      TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    outcomes    TEXT,               -- JSON: recorded outcomes (done runs)
    detail      TEXT,               -- JSON: daily series and response-time quantiles, if recorded
    duration_s  REAL NOT NULL,
    traceback   TEXT,               -- failed runs
    attempts    INTEGER NOT NULL DEFAULT 1,
    finished_at TEXT NOT NULL,
    govsim_version TEXT NOT NULL
);
"""


_COLUMNS = {"meta": ("key", "value"),
            "runs": ("run_id", "label", "seed", "params", "scenario", "status", "outcomes", "detail", "duration_s",
                     "traceback", "attempts", "finished_at", "govsim_version")}
_JSON_COLUMNS = ("params", "scenario", "outcomes", "detail")
AFRESH = "move it (or its folder) away, or use another --out folder, to start afresh"


class LedgerMismatch(ValueError):
    """The folder's ledger was written by a different experiment."""


class LedgerCorrupt(LedgerMismatch):
    """The folder's ledger.sqlite cannot be used: not SQLite, damaged, another program's database,
    or rows that do not parse. Raised before anything is written."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: not a usable govsim ledger ({reason}); {AFRESH}")


def inspect(path: Path) -> bool:
    """Check an existing ledger without changing it (no journal, no lock files): its tables and
    columns are govsim's, its pages are sound, every row's JSON parses. Returns whether there is a
    ledger to resume (False for a missing or empty file); raises LedgerCorrupt otherwise."""
    path = Path(path)
    if not path.exists():
        return False
    if not path.is_file():
        raise LedgerCorrupt(path, "not a file")
    try:
        if path.stat().st_size == 0:
            return False
        wal = path.with_name(path.name + "-wal").exists()
        # immutable: read the file as it is, create nothing beside it; with a write-ahead log left by a
        # killed run, read-only instead (the log holds committed rows that must be seen)
        mode = "ro" if wal else "ro&immutable=1"
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
        try:
            tables = {name: tuple(c[1] for c in db.execute(f"PRAGMA table_info('{name}')"))
                      for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables and not wal:
                return False
            foreign = sorted(set(tables) - set(_COLUMNS))
            if foreign:
                raise LedgerCorrupt(path, f"another program's database: table {foreign[0]!r}")
            for table, columns in _COLUMNS.items():
                if table not in tables:
                    raise LedgerCorrupt(path, f"no {table} table")
                missing = [c for c in columns if c not in tables[table]]
                if missing:
                    raise LedgerCorrupt(path, f"table {table} has no column {missing[0]!r}")
            if not wal:
                problems = [r[0] for r in db.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise LedgerCorrupt(path, f"damaged: {problems[0]}")
            for row in db.execute(f"SELECT run_id, {', '.join(_JSON_COLUMNS)} FROM runs"):
                for column, text in zip(_JSON_COLUMNS, row[1:]):
                    if text is None and column in ("outcomes", "detail"):
                        continue
                    try:
                        value = json.loads(text)
                    except (TypeError, ValueError, RecursionError):
                        value = None
                    if not isinstance(value, dict) or nesting(value) > MAX_NESTING:
                        raise LedgerCorrupt(path, f"run {str(row[0])[:40]!r}: column {column} is not valid JSON "
                                                  "of a govsim run")
            return True
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerCorrupt(path, f"{exc}") from None
    except OSError as exc:
        raise LedgerCorrupt(path, f"cannot be read: {exc.strerror or exc}") from None


class Ledger:
    def __init__(self, path: Path | str, fingerprint: str, definition: dict[str, Any] | None = None):
        self.path = Path(path)
        inspect(self.path)  # a damaged or foreign file is refused before anything is written
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process kills
            self.db.executescript(_SCHEMA)
            self._claim(fingerprint, definition)
        except sqlite3.DatabaseError as exc:
            raise LedgerCorrupt(self.path, str(exc)) from None

    def _claim(self, fingerprint: str, definition: dict[str, Any] | None) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("fingerprint", fingerprint), ("definition", json.dumps(definition)),
                    ("created_at", _now()), ("govsim_version", __version__)])
        elif row[0] != fingerprint:
            raise LedgerMismatch(
                f"{self.path}: this folder's ledger belongs to a different experiment (or an earlier "
                "version of this one); use another --out folder, or delete the folder to start over")

    def finished(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT run_id FROM runs WHERE status = 'done'")}

    def record(self, specs: dict[str, RunSpec], results: Iterable[dict[str, Any]]) -> None:
        """Commit a batch of finished runs in one transaction."""
        rows = []
        for r in results:
            spec = specs[r["run_id"]]
            rec = r["record"] or {}
            detail = {k: v for k, v in rec.items() if k != "outcomes"} or None
            # the scenario keeps its order: the order of need types and emergencies is part of it
            rows.append((r["run_id"], spec.label, spec.seed, json.dumps(spec.params),
                         json.dumps(spec.scenario), r["status"],
                         json.dumps(rec["outcomes"]) if "outcomes" in rec else None,
                         json.dumps(detail) if detail else None, r["duration_s"], r["traceback"],
                         _now(), __version__))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                """INSERT INTO runs (run_id, label, seed, params, scenario, status, outcomes, detail,
                                     duration_s, traceback, finished_at, govsim_version)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(run_id) DO UPDATE SET
                     status = excluded.status, outcomes = excluded.outcomes, detail = excluded.detail,
                     duration_s = excluded.duration_s, traceback = excluded.traceback,
                     finished_at = excluded.finished_at, attempts = runs.attempts + 1""", rows)

    def records(self, run_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """run_id -> {"status", "outcomes", "detail", "traceback", "label", "seed"} for the given ids
        that the ledger holds."""
        wanted = list(dict.fromkeys(run_ids))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[i:i + 500]
            q = (f"SELECT run_id, status, outcomes, detail, traceback, label, seed FROM runs "
                 f"WHERE run_id IN ({','.join('?' * len(chunk))})")
            for rid, status, outcomes, detail, tb, label, seed in self.db.execute(q, chunk):
                out[rid] = {"status": status, "outcomes": json.loads(outcomes) if outcomes else None,
                            "detail": json.loads(detail) if detail else None, "traceback": tb,
                            "label": label, "seed": seed}
        return out

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())

    def total_duration(self) -> float:
        return float(self.db.execute("SELECT COALESCE(SUM(duration_s), 0) FROM runs").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_run(path: Path | str, run_id: str) -> dict[str, Any] | None:
    """One run's row, read without changing the ledger: run_id, label, seed, scenario (in its stored
    order), status, outcomes, traceback, govsim_version. None if the ledger has no such run; LedgerCorrupt if the
    file is not a usable ledger; FileNotFoundError if there is none."""
    path = Path(path)
    if not inspect(path):
        raise FileNotFoundError(f"{path}: no ledger here")
    wal = path.with_name(path.name + "-wal").exists()
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode={'ro' if wal else 'ro&immutable=1'}", uri=True)
        try:
            row = db.execute("SELECT run_id, label, seed, scenario, status, outcomes, traceback, govsim_version "
                             "FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerCorrupt(path, str(exc)) from None
    if row is None:
        return None
    return {"run_id": row[0], "label": row[1], "seed": row[2], "scenario": json.loads(row[3]),
            "status": row[4], "outcomes": json.loads(row[5]) if row[5] else None, "traceback": row[6],
            "govsim_version": row[7]}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
