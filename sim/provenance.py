"""Provenance and safe output files, shared by `govsim run` and the experiment layer.

Every output carries where it came from (version, commit, packages, platform), and every file is
written whole or not at all: to a temporary file beside it, then renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from . import __version__

PACKAGES = ("mesa", "numpy", "scipy", "networkx", "matplotlib", "SALib", "tqdm", "dask", "distributed",
            "chinesecalendar", "holidays")   # the last two: the calendar of working days (sim.dates)


def package_versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The commit of the govsim checkout, with '+dirty' if it has uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict[str, Any]:
    """Version, commit, Python, platform and package versions: the provenance common to all outputs."""
    return {"govsim_version": __version__, "git_commit": git_commit(), "python": platform.python_version(),
            "platform": platform.platform(), "packages": package_versions()}


def clean(value: Any) -> Any:
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def json_text(data: Any) -> str:
    return json.dumps(clean(data), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def fmt_cell(x: Any) -> Any:
    if isinstance(x, float):
        return "" if math.isnan(x) else repr(float(round(x, 9)))  # float(): numpy scalars print as numbers
    return x


def csv_text(header: Sequence[str], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([fmt_cell(x) for x in row])
    return buf.getvalue()


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json_text(data))


def write_csv(path: Path, header: Sequence[str], rows) -> None:
    atomic_write(path, csv_text(header, rows))


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it into place:
    readers see the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
