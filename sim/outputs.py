"""Where govsim may write, and what it may replace: one policy for every command's `--out`.

- `--out` is checked before anything runs: not empty, not `.`/`..`/the root, not the working folder
  or one of its parents, not under a file, not a file itself, and writable (tested with a real
  temporary file). A bad `--out` raises `OutputError` (one line; the CLI exits with status 2).
- A folder that already exists may hold only govsim's own earlier outputs of the same kind:
  a run's files beside a govsim run manifest, or an experiment's files beside its manifest or
  ledger. Anything else makes it someone else's folder: refused unless `force`, and even then
  only the files govsim writes are replaced; nothing else there is touched.
- A run's files are written into a temporary folder and moved into place only when all are
  complete (see `replace_run_outputs`), so a failed or interrupted run leaves the earlier result
  as it was. Temporary folders left by a killed run are removed by the next run to the same place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

RUN_FILES = frozenset({"summary.json", "timeseries.csv", "cases.csv", "communities.csv", "surveys.json",
                       "manifest.json"})
LEDGER_FILES = frozenset({"ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "ledger.sqlite-journal"})
EXPERIMENT_FILES = frozenset({
    "manifest.json", "runs.csv", "report.md", "comparison.csv", "sweep.csv", "design.csv", "indices.csv",
    "convergence.csv", "calibration.csv", "calibration.json", "fit.csv", "history.csv", "attribution.csv",
    "futures.csv", "outcomes.csv", "robustness.csv", "failures.csv", "discovery_boxes.csv",
    "discovery_trajectory.csv",
    "trials.csv", "portfolios.csv", "portfolio_differences.csv", "portfolios.toml",
    "waves.csv", "nroy.csv", "points.csv", "identifiability.csv", "correlation.csv", "profiles.csv", "loo.csv",
    "compatibility.csv", "history_matching.json",
}) | LEDGER_FILES
FIGURES = "figures"
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
KINDS = ("run", "experiment")
IN_PLACE_TMP = ".govsim-tmp."   # a run's temporary folder inside the output folder (forced case)
# provenance.atomic_write's temporary files: "." + the file's name + "." + 8 random characters
_ATOMIC_TMP = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}$")
_MKDTEMP_SUFFIX = "[a-z0-9_]{8}"  # tempfile.mkdtemp's random part


class OutputError(ValueError):
    """An output path govsim must not or cannot write: the message is one line, naming the option,
    the value and what is allowed."""


def _refuse(option: str, value: str | Path, why: str) -> OutputError:
    return OutputError(f"{option} {str(value)!r}: {why}")


# ------------------------------------------------------------------ checks
def check_folder(text: str | Path, kind: str, *, force: bool = False, option: str = "--out") -> Path:
    """Check an output folder before anything runs; return it as a Path.

    `kind` is "run" or "experiment": what may already be there. Raises OutputError."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: one of {KINDS}")
    path = _check_path(text, option, what="folder")
    if path.is_dir():
        foreign = foreign_entries(path, kind)
        if foreign and not force:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise _refuse(option, text, f"this folder holds files govsim did not write ({shown}); choose a new "
                                        "or empty folder, or add --force to replace only govsim's own files there")
        clashes = [n for n in foreign if n in (RUN_FILES if kind == "run" else EXPERIMENT_FILES | {FIGURES})]
        if clashes:  # --force writes beside other files, never over one that has a name govsim uses
            raise _refuse(option, text, f"{clashes[0]} there was not written by govsim, and govsim would write "
                                        "a file of that name; even with --force it is not replaced: move it "
                                        "away or choose another folder")
        _probe(path, option, text)
    else:
        _probe(_nearest_existing(path), option, text)
    return path


def check_default(path: Path, root: str | Path = "results") -> Path:
    """A default output folder (results/NAME...) must stay under `root`."""
    base = Path(root).resolve()
    if not path.resolve().is_relative_to(base) or path.resolve() == base:
        raise OutputError(f"the default output folder {str(path)!r} is not under {root}/; give --out")
    return path


def check_file(text: str | Path, suffixes: dict[str, bytes], *, force: bool = False, option: str = "--out") -> Path:
    """Check an output file before anything runs (`govsim animate --out`): a writable place, and an
    existing file there replaced only if it is of the kind govsim writes (`suffixes` maps a file
    suffix to the bytes such a file holds near its start) or `force`."""
    path = _check_path(text, option, what="file")
    if path.is_dir():
        raise _refuse(option, text, "is a folder; give a file name, e.g. results/run.gif")
    if path.exists() or path.is_symlink():
        magic = suffixes.get(path.suffix.lower())
        if not force and not (path.is_file() and not path.is_symlink() and magic is not None
                              and magic in _head(path)):
            raise _refuse(option, text, f"a file that is not a {path.suffix.lstrip('.').upper() or 'govsim'} "
                                        "animation exists there; choose another name, or add --force to replace it")
    _probe(_nearest_existing(path.parent if str(path.parent) else Path(".")), option, text)
    return path


def _check_path(text: str | Path, option: str, what: str) -> Path:
    raw = str(text)
    if not raw.strip():
        raise _refuse(option, raw, f"an empty path; give a {what}, e.g. results/NAME")
    if "\0" in raw:
        raise _refuse(option, raw, "a path cannot hold a NUL character")
    path = Path(raw)
    if path.name in ("", ".", ".."):
        raise _refuse(option, raw, f"names the current folder, a parent folder or the root; give a {what} of "
                                   "its own, e.g. results/NAME")
    try:
        resolved = path.resolve()
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError) as exc:
        raise _refuse(option, raw, f"cannot be resolved ({exc})") from None
    if what == "folder" and (resolved == cwd or resolved in cwd.parents):
        raise _refuse(option, raw, "is the working folder or one of its parents; give a folder of its own, "
                                   "e.g. results/NAME")
    for part in path.parts:
        if len(os.fsencode(part)) > 255:
            raise _refuse(option, raw, "a name in this path is longer than 255 bytes")
    for parent in path.parents:
        if parent.is_symlink() or os.path.lexists(parent):
            if not parent.is_dir():
                raise _refuse(option, raw, f"{parent} is a file, not a folder")
            break
    if what == "folder" and os.path.lexists(path) and not path.is_dir():
        raise _refuse(option, raw, "exists and is not a folder; give a folder")
    return path


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path(".")


def _probe(folder: Path, option: str, text: str | Path) -> None:
    """Can files be created in `folder`? Tried for real (permissions, read-only or pseudo file systems,
    immutable folders), then removed."""
    try:
        fd, name = tempfile.mkstemp(prefix=".govsim-probe.", dir=folder)
    except OSError as exc:
        raise _refuse(option, text, f"cannot write in {folder} ({exc.strerror or exc}); give a writable "
                                    "place") from None
    os.close(fd)
    os.unlink(name)


def _head(path: Path, size: int = 16) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


# ------------------------------------------------------------- ownership
def is_run_manifest(path: Path) -> bool:
    data = _json(path)
    return isinstance(data, dict) and "govsim_version" in data and "seed" in data and "scenario" in data


def is_experiment_manifest(path: Path) -> bool:
    data = _json(path)
    return isinstance(data, dict) and "govsim_version" in data and "experiment" in data and "fingerprint" in data


def _json(path: Path):
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_ledger(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and _head(path, 16) == b"SQLite format 3\x00"


def foreign_entries(folder: Path, kind: str) -> list[str]:
    """The entries of `folder` that are not govsim's own outputs of `kind` (sorted, relative names)."""
    entries = sorted(p.name for p in folder.iterdir())
    if kind == "run":
        ours = RUN_FILES if is_run_manifest(folder / "manifest.json") else frozenset()
        return [n for n in entries if not (n in ours and _plain_file(folder / n))
                and not (n.startswith(IN_PLACE_TMP) and _only_files(folder / n, RUN_FILES))]
    ours_here = (is_experiment_manifest(folder / "manifest.json") or _is_ledger(folder / "ledger.sqlite"))
    if not ours_here:
        return entries
    foreign = []
    for n in entries:
        p = folder / n
        if n in EXPERIMENT_FILES and _plain_file(p):
            continue
        if _stale_atomic_tmp(p, EXPERIMENT_FILES):
            continue
        if n == FIGURES and p.is_dir() and not p.is_symlink():
            foreign += [f"{FIGURES}/{f.name}" for f in sorted(p.iterdir())
                        if not (_plain_file(f) and f.suffix.lower() in FIGURE_SUFFIXES)
                        and not _stale_atomic_tmp(f, None)]
            continue
        foreign.append(n)
    return foreign


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _only_files(folder: Path, names: frozenset[str]) -> bool:
    """A real folder holding nothing but plain files with these names."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return all(p.name in names and _plain_file(p) for p in folder.iterdir())


def _stale_atomic_tmp(path: Path, names: frozenset[str] | None) -> bool:
    """A temporary file of provenance.atomic_write (for one of `names`; None: a figure)."""
    m = _ATOMIC_TMP.match(path.name)
    if not m or not _plain_file(path):
        return False
    name = m.group("name")
    return name in names if names is not None else name.lower().endswith(FIGURE_SUFFIXES)


# ------------------------------------------------------------- writing
@contextlib.contextmanager
def replace_run_outputs(out_dir: Path, started: float | None = None) -> Iterator[Path]:
    """Yield a temporary folder to write a run's files into; on success put them in place.

    If `out_dir` is new or holds only govsim's earlier run outputs, the complete temporary folder
    replaces it in one rename and the earlier files are removed. If it holds anything else (the
    caller checked that `--force` was given), each of govsim's files is moved into it, one rename
    each, and the rest is left alone. On an exception the temporary folder is removed and `out_dir`
    is as it was. Afterwards, temporary folders left by earlier, killed runs are removed."""
    started = time.time() if started is None else started
    out_dir = Path(out_dir)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    # A symbolic link to a folder is written through (the link stays); so is a folder of other files.
    in_place = out_dir.is_dir() and (out_dir.is_symlink() or bool(foreign_entries(out_dir, "run")))
    if not in_place:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
        except PermissionError:  # a writable folder in an unwritable parent: write inside it
            in_place = True
    if in_place:
        tmp = Path(tempfile.mkdtemp(prefix=IN_PLACE_TMP, dir=out_dir))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results are ordinary files
    try:
        yield tmp
        written = sorted(p.name for p in tmp.iterdir())
        if in_place:
            for name in written:
                os.replace(tmp / name, out_dir / name)
            tmp.rmdir()
        elif out_dir.is_dir() and not out_dir.is_symlink() and not foreign_entries(out_dir, "run"):
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=parent))
            old.rmdir()
            out_dir.rename(old)
            tmp.rename(out_dir)
            _remove_run_folder(old)
        elif out_dir.is_dir():  # something else appeared there while the run ran: keep it
            for name in written:
                os.replace(tmp / name, out_dir / name)
            tmp.rmdir()
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    clean_stale(out_dir, started)


def _remove_run_folder(folder: Path) -> None:
    """Remove a folder of govsim's run files; anything else found there is left, with a warning."""
    for p in folder.iterdir():
        if p.name in RUN_FILES and _plain_file(p):
            p.unlink()
    try:
        folder.rmdir()
    except OSError:
        print(f"govsim: warning: left {folder}: it holds files govsim did not write", file=sys.stderr)


def clean_stale(out_dir: Path, before: float) -> list[Path]:
    """Remove temporary folders of runs to `out_dir` that were killed before `before` (a time):
    hidden siblings `.NAME.*` and in-place folders `.govsim-tmp.*` holding nothing but run files.
    Returns what was removed."""
    removed = []
    candidates = []
    # Only the names tempfile.mkdtemp gives them (prefix + 8 random characters): a user's own
    # `.NAME.backup` is never a candidate.
    sibling = re.compile(rf"^\.{re.escape(out_dir.name)}\.(old\.)?{_MKDTEMP_SUFFIX}$")
    in_place = re.compile(rf"^{re.escape(IN_PLACE_TMP)}{_MKDTEMP_SUFFIX}$")
    if out_dir.parent.is_dir():
        candidates += [p for p in out_dir.parent.iterdir() if sibling.match(p.name)]
    if out_dir.is_dir():
        candidates += [p for p in out_dir.iterdir() if in_place.match(p.name)]
    for p in candidates:
        try:
            if _only_files(p, RUN_FILES) and p.stat().st_mtime < before:
                shutil.rmtree(p)
                removed.append(p)
        except OSError:
            continue
    return removed


def clean_stale_files(out_dir: Path, before: float) -> list[Path]:
    """Remove the temporary files of an experiment's writes that were killed before `before` (a
    time): `.NAME.xxxxxxxx` beside one of its files, or in figures/ beside a figure. Returns them."""
    removed = []
    for folder, names in ((out_dir, EXPERIMENT_FILES), (out_dir / FIGURES, None)):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for p in folder.iterdir():
            try:
                if _stale_atomic_tmp(p, names) and p.stat().st_mtime < before:
                    p.unlink()
                    removed.append(p)
            except OSError:
                continue
    return removed


__all__ = ["EXPERIMENT_FILES", "OutputError", "RUN_FILES", "check_default", "check_file", "check_folder",
           "clean_stale", "clean_stale_files", "foreign_entries", "replace_run_outputs"]
