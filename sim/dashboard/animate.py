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

from ..lab.labels import figure_lang, plot_context
from ..scenario import Scenario
from .render import ChartsRenderer, MapRenderer, _Layers
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


class _Frame(_Layers):
    """Map and charts in one Figure (two SubFigures), blitted together."""

    def __init__(self, fig: Figure, lang: str, parts: tuple):
        self.fig, self.lang, self.parts = fig, lang, parts

    def _moving(self) -> list:
        return [a for p in self.parts for a in p._moving()]

    def _background_key(self) -> tuple:
        return tuple(p._background_key() for p in self.parts)


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
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise AnimationError(f"--out {out}: unsupported animation format {out.suffix or '(none)'!r}; "
                             "use a .gif or .mp4 file name")
    for name, value in (("days", days), ("every", every), ("fps", fps), ("dpi", dpi)):
        if int(value) != value or value < 1:
            raise AnimationError(f"{name} = {value!r}: a whole number, 1 or more")
    if emergency_day is not None and not 0 <= emergency_day < days:
        raise AnimationError(f"emergency_day = {emergency_day}: a day from 0 to {days - 1}")
    if suffix == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise AnimationError(f"--out {out}: writing MP4 needs ffmpeg, which was not found on PATH; "
                                 "install ffmpeg or write a .gif")
        writer = animation.FFMpegWriter(fps=fps)
    else:
        writer = _FastPillowWriter(fps=fps)

    ws = Workshop(scenario, seed, levers_a=levers)
    flang = figure_lang(lang)
    wanted = frame_days(int(days), int(every))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    frames = 0
    try:
        with plot_context(flang):  # fonts are resolved when each frame is drawn
            fig = Figure(figsize=FRAME_SIZE, dpi=dpi)
            FigureCanvasAgg(fig)
            left, right = fig.subfigures(1, 2, width_ratios=[1.0, 1.45])
            map_r = MapRenderer(ws.model("A"), flang, fig=left)
            charts_r = ChartsRenderer(ws, flang, fig=right, days=int(days))  # the days recorded, not sim.days
            frame = _Frame(fig, flang, (map_r, charts_r))
            with writer.saving(fig, str(tmp), dpi):
                for target in wanted:
                    while ws.day < target:
                        if emergency_day is not None and ws.day == emergency_day:
                            ws.start_emergency(emergency)
                        ws.step(1)
                    map_r.update()
                    charts_r.update()
                    if isinstance(writer, _FastPillowWriter):
                        writer.grab_rgba(frame.rgba())  # blitted: static layers drawn once
                    else:
                        writer.grab_frame()  # ffmpeg: a full draw per frame
                    frames += 1
                    if progress:
                        progress(frames, len(wanted))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return frames


def main_animate(args) -> int:
    """`govsim animate SCENARIO --out FILE [--days N] [--seed S] [--lang zh|en] [--every K] [--fps F]
    [--set KEY=VALUE ...] [--emergency-day D [--emergency NAME]] [--no-progress]`.

    Bad input (scenario, --set, format, missing ffmpeg) prints one line and returns 2."""
    from ..outputs import OutputError, check_file
    from ..scenario import ScenarioError, load

    try:
        overrides = _parse_sets(getattr(args, "set", None) or [])
        # The destination before the recording: a writable place, and no file there but an animation.
        suffix = Path(args.out).suffix
        if str(args.out).strip() and suffix.lower() not in FORMATS:
            raise AnimationError(f"--out {args.out}: unsupported animation format {suffix or '(none)'!r}; "
                                 "use a .gif or .mp4 file name")
        check_file(args.out, MAGIC, force=getattr(args, "force", False))
        scenario = load(args.scenario, overrides or None)
        days = args.days if args.days is not None else int(scenario["sim.days"])
        from ..memory import check
        check(scenario, days=days, hint="")  # a run too big for memory is refused before it is built
        every = getattr(args, "every", 1) or 1
        total = len(frame_days(days, every)) if days >= 1 and every >= 1 else 0
        bar = None
        if not getattr(args, "no_progress", False) and total > 1:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="frame", desc=f"animate {scenario.name}", disable=None, leave=False)
        try:
            frames = animate(scenario, args.out, days, seed=args.seed, lang=args.lang, every=every,
                             fps=getattr(args, "fps", 5) or 5, emergency=getattr(args, "emergency", None),
                             emergency_day=getattr(args, "emergency_day", None),
                             progress=(lambda done, _: bar.update(1)) if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
    except (AnimationError, ScenarioError, OutputError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"govsim: error: {msg}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {frames} frames (a frame every {every} day(s), {days} days, seed {args.seed})")
    return 0


def _parse_sets(items) -> dict[str, Any]:
    """KEY=VALUE pairs, VALUE read as a TOML value (else a string): as `govsim run --set` does
    (sim.cli.parse_sets; not imported, since nothing may import the CLI)."""
    from ..scenario import TOP_LEVEL_KEYS, TomlError, parse_value

    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AnimationError(f"--set {item!r}: expected KEY=VALUE, e.g. --set policy.decentralisation=0.8")
        try:
            value = parse_value(text)
        except TomlError as exc:
            raise AnimationError(f"--set {key}: {exc}") from None
        if key in out:
            raise AnimationError(f"--set {item!r}: key '{key}' is given twice; give each key once")
        head = key.split(".", 1)[0]
        if head in TOP_LEVEL_KEYS and head not in ("needs", "emergencies"):
            raise AnimationError(f"--set {item!r}: '{head}' is not a parameter; overrides look like SECTION.NAME "
                                 "(see `govsim params`), needs.TYPE.FIELD or emergencies.NAME.FIELD")
        out[key] = value
    return out


def add_animate_parser(sub) -> None:
    """The `govsim animate` sub-command, for sim/cli.py's `_parser()`:
    `add_animate_parser(sub)` after the other `sub.add_parser` calls."""
    a = sub.add_parser("animate", help="record a run as an animated GIF (or MP4): map and daily charts")
    a.add_argument("scenario", help="a scenario file, e.g. scenarios/workshop.toml")
    a.add_argument("--out", required=True, help="output file: .gif, or .mp4 (needs ffmpeg)")
    a.add_argument("--force", action="store_true", help="replace an existing file that is not an animation")
    a.add_argument("--days", type=_days, help="days to simulate (default: the scenario's sim.days)")
    a.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    a.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the figures (default zh)")
    a.add_argument("--every", type=_pos_int, default=1, help="a frame every K days (default 1)")
    a.add_argument("--fps", type=_pos_int, default=5, help="frames per second (default 5)")
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set policy.decentralisation=0.8 (repeatable)")
    a.add_argument("--emergency-day", type=_nonneg_int, dest="emergency_day",
                   help="start an emergency at the start of this day")
    a.add_argument("--emergency", help="which one: a name of the scenario's [emergencies] (default: its first, "
                                       "or a demo cold wave)")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    a.set_defaults(func=main_animate)


def _int_at_least(minimum: int):
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be {minimum} or more")
        return value

    return parse


_pos_int = _int_at_least(1)
_nonneg_int = _int_at_least(0)


def _days(text: str) -> int:
    """--days: a whole number within sim.days's range (as `govsim run --days`)."""
    import argparse

    from ..params import PARAM_BY_KEY

    spec = PARAM_BY_KEY["sim.days"]
    value = _pos_int(text)
    if value > spec.high:
        raise argparse.ArgumentTypeError(f"{text}: a whole number of days in [{spec.low:g}, {spec.high:g}]")
    return value


__all__ = ["AnimationError", "add_animate_parser", "animate", "frame_days", "main_animate"]
