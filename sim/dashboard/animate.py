"""Record a run as an animation: the map and the daily charts side by side, one frame every
`every` days. GIF through matplotlib's PillowWriter (Pillow comes with matplotlib); MP4 through
ffmpeg when the output name ends in .mp4 and ffmpeg is installed.

The file is written to a temporary name in the output folder and renamed into place when
complete, so an interrupted recording never leaves half a file under the final name.

    govsim animate scenarios/workshop.toml --out results/workshop.gif --days 60 --every 2
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import animation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..labels import figure_lang, plot_context
from ..scenario import Scenario
from .render import ChartsRenderer, MapAndCharts, MapRenderer
from .session import Workshop

FORMATS = (".gif", ".mp4")
# What an animation file holds near its start: an existing file at --out is replaced only if it is one
# (or with --force).
MAGIC = {".gif": b"GIF8", ".mp4": b"ftyp"}
FRAME_SIZE = (16.0, 6.4)   # inches: map on the left, charts on the right
FRAME_DPI = 80             # 1280 × 512 pixels


class AnimationError(ValueError):
    """The animation cannot be written as asked (format, ffmpeg, arguments)."""


class _FastPillowWriter(animation.PillowWriter):
    """PillowWriter that also takes a frame already drawn (an RGBA array of the figure's size)."""

    def grab_rgba(self, rgba: np.ndarray) -> None:
        h, w = rgba.shape[:2]
        if (w, h) != tuple(int(round(v)) for v in self.frame_size):
            raise ValueError(f"frame of {w}×{h} pixels, expected {self.frame_size}")
        # Quantised here, frame by frame (fast octree, 256 colours): a third of the memory of RGB
        # frames, and much faster than the median-cut conversion Pillow would do when saving.
        rgb = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
        self._frames.append(rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE))


def frame_days(days: int, every: int) -> list[int]:
    """The days after which a frame is taken: every `every` days, and the last day."""
    out = list(range(every, days + 1, every))
    if not out or out[-1] != days:
        out.append(days)
    return out


def animate(scenario: Scenario | str | Path, out: str | Path, days: int, seed: int = 0, lang: str = "zh",
            every: int = 1, fps: int = 5, *, emergency: str | None = None, emergency_day: int | None = None,
            levers: dict[str, Any] | None = None, dpi: int = FRAME_DPI,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Simulate `days` days of `scenario` with `seed` and record them: a frame after every `every`
    days (and after the last day), i.e. ceil(days / every) frames, at `fps` frames a second.
    Returns the number of frames.

    `emergency_day` starts an emergency at the start of that day (`emergency`: a name the scenario
    defines, or None for its first, or the demo cold wave if it has none — see
    Workshop.start_emergency); `levers` are applied to the scenario first. `progress(done, total)`
    is called after each frame.
    """
    out = Path(out)
    check_format(out)
    for name, value in (("days", days), ("every", every), ("fps", fps), ("dpi", dpi)):
        if int(value) != value or value < 1:
            raise AnimationError(f"{name} = {value!r}: a whole number, 1 or more")
    if emergency_day is not None and not 0 <= emergency_day < days:
        raise AnimationError(f"emergency_day = {emergency_day}: a day from 0 to {days - 1}")
    writer = _writer(out, fps)
    ws = Workshop(scenario, seed, levers_a=levers)
    if ws.days_planned < days:   # a recording longer than the scenario: its days are the recording's
        ws = Workshop(ws.scenario.with_values({"sim.days": int(days)}, origin="govsim animate --days"), seed,
                      levers_a=levers)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix.lower(), dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        frames = _record(ws, writer, tmp, figure_lang(lang), frame_days(int(days), int(every)), dpi,
                         lambda: ws.start_emergency(emergency) if ws.day == emergency_day else None, progress)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return frames


def check_format(out: str | Path) -> None:
    """Refuse an output name that is neither .gif nor .mp4."""
    suffix = Path(out).suffix
    if suffix.lower() not in FORMATS:
        raise AnimationError(f"--out {out}: unsupported animation format {suffix or '(none)'!r}; "
                             "use a .gif or .mp4 file name")


def _writer(out: Path, fps: int) -> animation.AbstractMovieWriter:
    if out.suffix.lower() != ".mp4":
        return _FastPillowWriter(fps=fps)
    if not animation.writers.is_available("ffmpeg"):
        raise AnimationError(f"--out {out}: writing MP4 needs ffmpeg, which was not found on PATH; "
                             "install ffmpeg or write a .gif")
    return animation.FFMpegWriter(fps=fps)


def _record(ws: Workshop, writer, path: Path, lang: str, wanted: list[int], dpi: int,
            before_day: Callable[[], None], progress: Callable[[int, int], None] | None) -> int:
    """Step `ws` to each day in `wanted` (calling `before_day()` at the start of every day) and
    write a frame there; returns the number of frames."""
    with plot_context(lang):  # fonts are resolved when each frame is drawn
        fig = Figure(figsize=FRAME_SIZE, dpi=dpi)
        FigureCanvasAgg(fig)
        left, right = fig.subfigures(1, 2, width_ratios=[1.0, 1.45])
        frame = MapAndCharts(fig, lang, MapRenderer(ws.model("A"), lang, fig=left),
                             ChartsRenderer(ws, lang, fig=right, days=wanted[-1]))  # the days recorded, not sim.days
        with writer.saving(fig, str(path), dpi):
            for done, target in enumerate(wanted, 1):
                while ws.day < target:
                    before_day()
                    ws.step(1)
                frame.update()
                if isinstance(writer, _FastPillowWriter):
                    writer.grab_rgba(frame.rgba())  # blitted: static layers drawn once
                else:
                    writer.grab_frame()  # ffmpeg: a full draw per frame
                if progress:
                    progress(done, len(wanted))
    return len(wanted)


def main_animate(args) -> int:
    """`govsim animate SCENARIO --out FILE [--days N] [--seed S] [--lang zh|en] [--every K] [--fps F]
    [--set KEY=VALUE ...] [--emergency-day D [--emergency NAME]] [--no-progress]`.

    Bad input (scenario, --set, format, missing ffmpeg) prints one line and returns 2."""
    from ..memory import check
    from ..options import OptionError, parse_sets
    from ..outputs import OutputError, check_file
    from ..scenario import ScenarioError, load

    try:
        overrides = parse_sets(args.set)
        # The destination before the recording: a writable place, and no file there but an animation.
        if str(args.out).strip():
            check_format(args.out)
        check_file(args.out, MAGIC, force=args.force)
        scenario = load(args.scenario, overrides or None)
        days = args.days if args.days is not None else int(scenario["sim.days"])
        check(scenario, days=days, hint="")  # a run too big for memory is refused before it is built
        frames = _animate_with_progress(scenario, args, days)
    except (AnimationError, OptionError, ScenarioError, OutputError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"govsim: error: {msg}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {frames} frames (a frame every {args.every} day(s), {days} days, seed {args.seed})")
    return 0


def _animate_with_progress(scenario: Scenario, args, days: int) -> int:
    total = len(frame_days(days, args.every)) if days >= 1 else 0
    show = not args.no_progress and total > 1
    from tqdm import tqdm

    with tqdm(total=total, unit="frame", desc=f"animate {scenario.name}", disable=None if show else True,
              leave=False) as bar:
        return animate(scenario, args.out, days, seed=args.seed, lang=args.lang, every=args.every, fps=args.fps,
                       emergency=args.emergency, emergency_day=args.emergency_day,
                       progress=lambda done, _: bar.update(1))


__all__ = ["AnimationError", "animate", "check_format", "frame_days", "main_animate"]
