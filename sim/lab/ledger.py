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


class LedgerMismatch(ValueError):
    """The folder's ledger was written by a different experiment."""


class Ledger:
    def __init__(self, path: Path | str, fingerprint: str, definition: dict[str, Any] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process kills
        self.db.executescript(_SCHEMA)
        self._claim(fingerprint, definition)

    def _claim(self, fingerprint: str, definition: dict[str, Any] | None) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("fingerprint", fingerprint), ("definition", json.dumps(definition, sort_keys=True)),
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
            rows.append((r["run_id"], spec.label, spec.seed, json.dumps(spec.params, sort_keys=True),
                         json.dumps(spec.scenario, sort_keys=True), r["status"],
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


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
