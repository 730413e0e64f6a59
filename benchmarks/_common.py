"""Shared helpers for the benchmark scripts (not a test module; no pytest here).

Every script in benchmarks/ is run as ``python benchmarks/<name>.py``, which puts
this directory on ``sys.path``, so ``import _common`` works from each of them.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
PEER_PATH = BENCH_DIR / "simpy_mmc.py"

GIB = 1024 ** 3


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def load_simpy_peer():
    """The SimPy M/M/c peer model, loaded from its path (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_simpy_mmc", PEER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024 / GIB
    except OSError:
        pass
    return float("nan")


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version
        return version(mod)
    except Exception:  # noqa: BLE001 - a missing package is just reported
        return "n/a"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_info() -> dict[str, Any]:
    """What RESULTS.md records about the machine."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "ram_gib": round(_mem_total_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version() + f" ({platform.python_implementation()})",
        "mesa": _version("mesa"),
        "numpy": _version("numpy"),
        "simpy": _version("simpy"),
        "govsim": _version("govsim"),
        "sim_package": sim_location(),
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": load_average(),
    }


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (also readable as plain text)."""
    cells = [[str(h) for h in headers]] + [[_cell(x) for x in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    def line(r):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def _cell(x: Any) -> str:
    if isinstance(x, float):
        if x != x:
            return "n/a"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) >= 100:
            return f"{x:.1f}"
        return f"{x:.3g}" if abs(x) < 10 else f"{x:.2f}"
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}"
    return str(x)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def write_json(path: str | os.PathLike | None, obj: Any) -> None:
    """Write results for run_all.py; '-' means stdout."""
    if not path:
        return
    text = json.dumps(obj, indent=2, default=float)
    if str(path) == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(path).write_text(text + "\n")


def ensure_root_on_path() -> None:
    """So that `import sim` works even without the editable install. A `sim` already importable
    (the editable install, or a candidate tree put first with PYTHONPATH) is left alone, so
    `PYTHONPATH=/path/to/candidate python benchmarks/run_all.py` benchmarks the candidate."""
    if importlib.util.find_spec("sim") is None and str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def sim_location() -> str:
    """Where the benchmarked `sim` package lives."""
    spec = importlib.util.find_spec("sim")
    return str(Path(spec.origin).parent) if spec and spec.origin else "not importable"
