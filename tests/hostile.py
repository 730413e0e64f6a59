"""The contract for hostile input, shared by the corpus tests.

Bad input to any `govsim` command must end with exit status 2, exactly one line on stderr that
starts with "govsim" and holds no traceback, nothing new written and nothing that was there before
removed or changed. `assert_refused` runs the command in this process (fast) and checks all of it;
`assert_refused_subprocess` does the same through the installed console script, for the cases
where only a real process shows the failure (encoding of argv, signals, interpreter limits).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Sequence

Snapshot = dict[str, tuple]


def snapshot(root: Path) -> Snapshot:
    """Every file and folder under `root`: kind, size, modification time and content hash."""
    root = Path(root)
    out: Snapshot = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = Path(dirpath) / d
            out[str(p.relative_to(root))] = ("dir",)
        for f in filenames:
            p = Path(dirpath) / f
            try:
                data = p.read_bytes()
                out[str(p.relative_to(root))] = ("file", len(data), p.stat().st_mtime_ns,
                                                 hashlib.sha256(data).hexdigest())
            except OSError:
                out[str(p.relative_to(root))] = ("unreadable",)
    return out


def _check(code, err: str, before: dict[Path, Snapshot], watch: Sequence[Path]) -> str:
    assert code == 2, f"exit status {code}, expected 2; stderr: {err!r}"
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {err!r}"
    assert lines[0].startswith("govsim"), lines[0]
    for root in watch:
        after = snapshot(root)
        added = sorted(set(after) - set(before[root]))
        removed = sorted(set(before[root]) - set(after))
        changed = sorted(k for k in set(after) & set(before[root]) if after[k] != before[root][k])
        assert not (added or removed or changed), (
            f"{root}: written {added}, removed {removed}, changed {changed}")
    return lines[0]


def assert_refused(argv: Sequence[str], capsys, watch: Sequence[Path]) -> str:
    """Run `govsim ARGV` in this process; check the contract; return the error line.

    `watch` lists the folders whose contents must not change (at least the working directory)."""
    from sim.cli import main

    before = {Path(root): snapshot(root) for root in watch}
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    return _check(code, err, before, [Path(r) for r in watch])


def assert_refused_subprocess(exe: str, argv: Sequence[str], cwd: Path, watch: Sequence[Path] = (),
                              env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """The same contract through a real `govsim` process started in `cwd`."""
    roots = [Path(cwd), *map(Path, watch)]
    before = {root: snapshot(root) for root in roots}
    done = subprocess.run([exe, *argv], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    return _check(done.returncode, done.stderr, before, roots)
