"""Figures for the workshop dashboard: the map of the territory and the daily charts.

Every figure is a `matplotlib.figure.Figure` drawn without pyplot (no global state, no GUI
backend). Drawing is split in two, so a frame costs only what changed:

- `MapRenderer` builds the static layers of one model once — household positions, grid and
  community boundaries, offices, the legend and colour bar — and `update()` only recolours the
  households and moves the grid workers, open cases and emergency footprints;
- `ChartsRenderer` keeps one line per series and side and `update()` sets their data.

`map_figure(model)` and `charts_figure(workshop)` keep one renderer per model (or workshop) and
language and return the same, updated Figure on every call: save or display it before the next
step if a snapshot is needed. Both take `fig=` to draw into a Figure (or SubFigure) of the caller.

`map_png(model)` and `charts_png(workshop)` return the picture as PNG bytes by the fast path the
live dashboard should use: the static layers are drawn once into a cached background and each
frame only restores it and draws the moving artists on top (matplotlib's blitting). A full draw
of a Figure (`figure_png`, `savefig`, `solara.FigureMatplotlib`) gives the same picture (up to
the stacking of the moving layers over the axes frame) but redraws every axis, tick and label each
time: four to eight times slower (benchmarks/bench_dashboard.py).

Text is in Chinese or English. Chinese needs a CJK font: the figures are built inside
`sim.labels.plot_context`, which puts the shipped CJK font after DejaVu Sans (glyph by glyph
fallback); without such a font the figures are drawn in English. Save with `figure_png` (or inside
`plot_context`), which resolves every font the same way.

What the map shows, and where the model does not say:

- households, coloured by the mean latent satisfaction of their residents (0–1, colour bar);
- grid and community boundaries: the territory's bisection rectangles (`Territory.grid_bounds`,
  `community_bounds`), exact: grids are axis-aligned rectangles that tile their community; an
  imported district (`govsim district import`) draws its real polygons (`Territory.grid_rings`,
  `community_rings`), from the district file, offline; where grids are re-partitioned (动态调整,
  ODD 7.39) the current grids' outlines (the union of each active grid's rectangles; a merged-away
  grid is not drawn), redrawn after each split or merge, and a status line counts the splits and
  merges and gives the range of households per grid;
- households not present (an estate not yet moved into, a block demolished, migrants away) are
  not drawn;
- committee offices at their office grid's office (the household nearest the grid's mean position,
  `GovernanceModel.grid_offices`), as the model places them;
- the street / township office: the model gives the township no position; it is drawn at the
  household nearest the centre of the territory;
- grid workers at their current position (`GridWorker.x, .y`; a worker hired at a split too, and a
  worker of a merged-away grid only while it finishes a case): their grid office, or the household
  of the on-site case or discovery they are handling (the model moves a worker to a household when
  the work starts, not along the way), or of their emergency task; coloured by what they do;
- open cases: known (reported or discovered) cases not yet resolved nor abandoned, at their
  households;
- each emergency under way: its circle, or the outlines of its communities.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from ..cases import LATENT, PETITIONED, RESOLVED
from ..labels import figure_lang, plot_context
from ..provenance import atomic_write
from . import i18n
from .session import SERIES_KEYS, format_difference, regrid_days, regrid_status

DPI = 100
SAT_RANGE = (0.4, 1.0)        # colour scale of household satisfaction (below 0.4: the darkest red)
SAT_CMAP = "RdYlGn"
SIDE_COLOURS = {"A": "#1f77b4", "B": "#e6550d"}
FOOTPRINT = "#0090ff"
WORKER_STYLE = {  # status -> (face colour, legend key)
    "free": ("#ffffff", "map.worker_free"),
    "case": ("#1f4fff", "map.worker_case"),
    "emergency": ("#d000d0", "map.worker_emergency"),
}
MEETING = "#ff8c00"           # a ring around the committee office on a meeting day
DISPUTE_STYLE = {  # mediation level -> (face colour, legend key): open disputes, over the open-case crosses
    "grid": ("#ffd92f", "map.dispute_grid"),
    "committee": ("#fb6a4a", "map.dispute_committee"),
    "township": ("#99000d", "map.dispute_township"),
}
PETITION = "#6a00a8"
REGRID_MARK = "#444444"       # charts: a dotted line on a day grids were split or merged
PETITION_DAYS = 3             # a petition stays on the map this many days after it is filed
NOISY = ("response_mean_h", "satisfaction_rate")  # daily flows: faint daily line + 7-day rolling mean
SHARES = ("satisfaction_rate", "vulnerable_reached_share")

# Fixed layout (no constrained layout: it would cost a layout pass on every frame).
MAP_SIZE = (7.2, 5.6)
MAP_RECT = (0.08, 0.25, 0.78, 0.68)     # left, bottom, width, height (fractions of the figure)
CBAR_RECT = (0.885, 0.30, 0.022, 0.58)
CHARTS_SIZE = (10.0, 5.8)


# ------------------------------------------------------------------ plumbing
def _prepare(fig, size: tuple[float, float]):
    """A fresh Figure with an Agg canvas, or the caller's Figure / SubFigure, cleared."""
    if fig is None:
        fig = Figure(figsize=size, dpi=DPI)
    else:
        fig.clear()
    root = fig.figure if hasattr(fig, "figure") and fig.figure is not None else fig
    if type(root.canvas) is FigureCanvasBase:  # a bare Figure: give it Agg so draw() draws
        FigureCanvasAgg(root)
    return fig


def figure_png(fig: Figure, lang: str = "zh", dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, fonts resolved for `lang` (no timestamp or software tag: equal
    pictures give equal bytes)."""
    buf = io.BytesIO()
    with plot_context(figure_lang(lang)):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def save_png(fig: Figure, path: str | Path, lang: str = "zh", dpi: int = DPI) -> Path:
    """Write the figure as a PNG atomically (temporary file, then rename): the export button."""
    atomic_write(Path(path), figure_png(fig, lang, dpi))
    return Path(path)


def encode_png(rgba: np.ndarray) -> bytes:
    """An RGB(A) image (height, width, 3 or 4) as PNG bytes (the alpha channel is dropped).

    Written directly: no row filter and zlib level 1, which on these pictures (flat backgrounds,
    few colours) is about four times faster than Pillow's encoder at a similar size. Lossless;
    equal pictures give equal bytes."""
    h, w = rgba.shape[:2]
    raw = np.empty((h, w * 3 + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type: none
    rows = raw[:, 1:].reshape(h, w, 3)  # a view: each row's pixels after its filter byte
    assert np.shares_memory(rows, raw)
    rows[...] = rgba[..., :3]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1))
            + chunk(b"IEND", b""))


class Layers:
    """Blitting for a renderer that owns its whole Figure: the static layers are drawn once into a
    background (redrawn when `_background_key()` changes), each frame restores it and draws the
    moving artists. The moving artists stay ordinary artists (not `animated`), so a full draw of
    the Figure (savefig) still shows everything."""

    fig: Figure
    lang: str
    _bg = None
    _bg_key = None

    def _moving(self) -> list:
        raise NotImplementedError

    def _background_key(self) -> tuple:
        return ()

    def rgba(self) -> np.ndarray:
        """The current picture as an RGBA array, drawn by the fast path (call update() first)."""
        fig = self.fig
        if fig.figure is not fig:
            raise ValueError("the fast path needs a renderer that owns its Figure (not a SubFigure)")
        canvas = fig.canvas
        moving = [a for a in self._moving() if a is not None]
        with plot_context(self.lang):
            key = (self._background_key(), canvas.get_width_height(physical=True), fig.dpi)
            renderer = canvas.get_renderer()
            if self._bg is None or key != self._bg_key or getattr(self, "_bg_renderer", None) is not renderer:
                # Hide the moving artists for the background. Texts are blanked rather than hidden:
                # an invisible axes title is moved off the axes by matplotlib's title placement.
                shown = [a.get_text() if isinstance(a, Text) else a.get_visible() for a in moving]
                for a in moving:
                    a.set_text("") if isinstance(a, Text) else a.set_visible(False)
                try:
                    canvas.draw()
                finally:
                    for a, v in zip(moving, shown):
                        a.set_text(v) if isinstance(a, Text) else a.set_visible(v)
                renderer = canvas.get_renderer()
                self._bg = canvas.copy_from_bbox(fig.bbox)
                self._bg_key, self._bg_renderer = key, renderer
            else:
                canvas.restore_region(self._bg)
            for a in moving:
                if a.get_visible():
                    a.draw(renderer)
        return np.asarray(renderer.buffer_rgba())

    def png(self) -> bytes:
        """The current picture as PNG bytes, by the fast path (call update() first)."""
        return encode_png(self.rgba())


def _outline_segments(rings, bounds: np.ndarray):
    """Line pieces for a LineCollection: an imported district's real outlines (closed rings), else
    the synthetic territory's rectangles (`rings` None)."""
    return _rect_segments(bounds) if rings is None else [r for rs in rings for r in rs]


def _rect_segments(bounds: np.ndarray) -> np.ndarray:
    """The four edges of each rectangle (xmin, ymin, xmax, ymax) as line segments."""
    x0, y0, x1, y1 = bounds.T
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    segs = [np.stack([np.column_stack(corners[i]), np.column_stack(corners[i + 1])], axis=1) for i in range(4)]
    return np.concatenate(segs)


def grid_outlines(tiles: list[np.ndarray], active: list[bool]) -> list:
    """The outlines of the active grids of a re-partitioned territory (each grid's rectangles `tiles`,
    xmin, ymin, xmax, ymax rows): the edges of its rectangles without the stretches shared by two of
    them (a merged grid is one area)."""
    return [seg for g, t in enumerate(tiles) if active[g] for seg in _union_outline(t)]


def _union_outline(tiles: np.ndarray) -> list:
    if len(tiles) == 1:
        return list(_rect_segments(tiles))
    eps = 1e-9 * max(1.0, float(np.abs(tiles).max()))
    segs = []
    for i, (x0, y0, x1, y1) in enumerate(tiles):
        o = np.delete(tiles, i, axis=0)
        # each edge, and the stretches of it that another rectangle of the grid lies against
        for c, lo, hi, vertical, cover in ((x0, y0, y1, True, o[np.abs(o[:, 2] - x0) < eps][:, [1, 3]]),
                                           (x1, y0, y1, True, o[np.abs(o[:, 0] - x1) < eps][:, [1, 3]]),
                                           (y0, x0, x1, False, o[np.abs(o[:, 3] - y0) < eps][:, [0, 2]]),
                                           (y1, x0, x1, False, o[np.abs(o[:, 1] - y1) < eps][:, [0, 2]])):
            for a, b in _uncovered(lo, hi, cover, eps):
                segs.append(np.array([[c, a], [c, b]] if vertical else [[a, c], [b, c]]))
    return segs


def _uncovered(lo: float, hi: float, cover: np.ndarray, eps: float) -> list[tuple[float, float]]:
    """The parts of [lo, hi] outside the intervals `cover` (rows start, end)."""
    out, at = [], lo
    for a, b in sorted(map(tuple, cover)):
        if a > at + eps:
            out.append((at, min(a, hi)))
        at = max(at, b)
        if at >= hi - eps:
            break
    if at < hi - eps:
        out.append((at, hi))
    return [(a, b) for a, b in out if b - a > eps]


def _percent(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))


def rolling_mean(x: np.ndarray, w: int = 7) -> np.ndarray:
    """Mean of the finite values among the last `w` days (NaN where there are none)."""
    ok = np.isfinite(x)
    cs = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    i = np.arange(1, len(x) + 1)
    j = np.maximum(0, i - w)
    n = cn[i] - cn[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (cs[i] - cs[j]) / np.maximum(n, 1), np.nan)


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of true values, end exclusive."""
    f = np.concatenate([[False], flags.astype(bool), [False]])
    d = np.flatnonzero(np.diff(f.astype(np.int8)))
    return list(zip(d[::2].tolist(), d[1::2].tolist()))


# ----------------------------------------------------------------------- map
class MapRenderer(Layers):
    """The map of one model: static layers built once, `update()` per step, `png()` for the fast
    path."""

    def __init__(self, model, lang: str = "zh", fig=None, side: str | None = None):
        self.model = model
        self.lang = figure_lang(lang)
        self.side = side
        self.owned = fig is None
        self._pending: list = []   # cases that may still be open (not yet resolved nor abandoned)
        self._seen = 0             # cases looked at so far (model.cases only grows)
        self._footprints: dict[int, list] = {}
        self._grids_seen: tuple[int, int] | None = None   # (splits, merges) the grid outlines were drawn for
        with plot_context(self.lang):
            self.fig = _prepare(fig, MAP_SIZE)
            self._build()
            self.update()

    def _build(self) -> None:
        self.ax = self._build_axes()
        self._build_static()
        self._build_moving()
        self._build_legend()

    def _build_axes(self):
        t, fig = self.model.territory, self.fig
        ax = fig.add_axes(MAP_RECT)
        ax.set_aspect("equal", adjustable="box")
        pad = 0.03 * max(t.width, t.height)
        ax.set_xlim(-pad, t.width + pad)
        ax.set_ylim(-pad, t.height + pad)
        ax.set_xlabel(i18n.t("map.km", self.lang))
        ax.tick_params(labelsize=7)
        return ax

    def _build_static(self) -> None:
        """Households (coloured by satisfaction), grid and community boundaries, offices."""
        m, t, ax = self.model, self.model.territory, self.ax
        xy = t.hh_xy
        n_hh = t.n_households
        self._hh_residents = np.maximum(np.bincount(m.resident_household, minlength=n_hh), 1).astype(float)
        size = float(np.clip(12_000 / n_hh, 0.4, 12.0))
        self.households = ax.scatter(xy[:, 0], xy[:, 1], c=np.full(n_hh, 0.7), s=size, cmap=SAT_CMAP,
                                     norm=Normalize(*SAT_RANGE), linewidths=0, zorder=1)
        self.grid_lines = ax.add_collection(LineCollection(_outline_segments(t.grid_rings, t.grid_bounds),
                                                           colors="#555555", linewidths=0.6, zorder=2))
        self.community_lines = ax.add_collection(LineCollection(
            _outline_segments(t.community_rings, t.community_bounds), colors="#111111", linewidths=1.6, zorder=3))
        committees = np.array([m.grid_offices[c.cell.coordinate] for c in m.committees]).reshape(-1, 2)
        self._committee_xy = committees   # row k: the office of community k's committee
        self.committee_marks = ax.scatter(committees[:, 0], committees[:, 1], marker="s", s=70, c="#08306b",
                                          edgecolors="white", linewidths=1.0, zorder=6)
        centre = xy[np.argmin(((xy - (t.width / 2, t.height / 2)) ** 2).sum(axis=1))]
        self.township_xy = (float(centre[0]), float(centre[1]))
        self.township_mark = ax.scatter([centre[0]], [centre[1]], marker="*", s=320, c="#000000", edgecolors="white",
                                        linewidths=1.0, zorder=7)

    def _build_moving(self) -> None:
        """Open cases, grid workers by what they do, the title and the status line."""
        ax, empty = self.ax, np.empty((0, 2))
        self.cases = ax.scatter(empty[:, 0], empty[:, 1], marker="x", s=14, c="#000000", linewidths=0.9, zorder=4)
        self.meetings = ax.scatter(empty[:, 0], empty[:, 1], marker="o", s=300, facecolors="none",
                                   edgecolors=MEETING, linewidths=2.4, zorder=5)
        self.disputes = {level: ax.scatter(empty[:, 0], empty[:, 1], marker="D", s=26, c=colour, edgecolors="#000000",
                                           linewidths=0.5, zorder=4.5)
                         for level, (colour, _) in DISPUTE_STYLE.items()}
        self.petitions = ax.scatter(empty[:, 0], empty[:, 1], marker="P", s=110, c=PETITION, edgecolors="white",
                                    linewidths=0.8, zorder=7.5)
        self.workers = {status: ax.scatter(empty[:, 0], empty[:, 1], marker="^", s=46, c=colour,
                                           edgecolors="#000000", linewidths=0.8, zorder=8)
                        for status, (colour, _) in WORKER_STYLE.items()}
        self.title = ax.set_title("", fontsize=10)
        self.status = ax.text(0.01, 0.99, "", transform=ax.transAxes, va="top", ha="left", fontsize=8, zorder=9,
                              bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.8,
                                    "edgecolor": "none"})

    def _build_legend(self) -> None:
        """The colour bar and the legend."""
        fig, lang = self.fig, self.lang
        cax = fig.add_axes(CBAR_RECT)
        cb = fig.colorbar(self.households, cax=cax, extend="min")
        cb.set_label(i18n.t("map.colorbar", lang), fontsize=8)
        cax.tick_params(labelsize=7)
        mid = colormaps[SAT_CMAP](0.6)
        handles = [
            Line2D([], [], ls="", marker="o", ms=5, mfc=mid, mec="none"),
            Line2D([], [], color="#555555", lw=0.8),
            Line2D([], [], color="#111111", lw=1.6),
            Line2D([], [], ls="", marker="s", ms=7, mfc="#08306b", mec="white"),
            Line2D([], [], ls="", marker="*", ms=12, mfc="#000000", mec="white"),
            *[Line2D([], [], ls="", marker="^", ms=7, mfc=colour, mec="#000000") for colour, _ in WORKER_STYLE.values()],
            Line2D([], [], ls="", marker="x", ms=5, mec="#000000", mew=0.9),
            Patch(facecolor=FOOTPRINT, alpha=0.25, edgecolor=FOOTPRINT, linestyle="--"),
            Line2D([], [], ls="", marker="o", ms=9, mfc="none", mec=MEETING, mew=2.0),
            *[Line2D([], [], ls="", marker="D", ms=5, mfc=colour, mec="#000000", mew=0.5)
              for colour, _ in DISPUTE_STYLE.values()],
            Line2D([], [], ls="", marker="P", ms=9, mfc=PETITION, mec="white"),
        ]
        keys = ["map.households", "map.grid_boundaries", "map.community_boundaries", "map.committee_office",
                "map.township_office", *[k for _, k in WORKER_STYLE.values()], "map.open_cases",
                "map.emergency_footprint", "map.meeting", *[k for _, k in DISPUTE_STYLE.values()], "map.petition"]
        texts = [i18n.t(k, lang, days=PETITION_DAYS) if k == "map.petition" else i18n.t(k, lang) for k in keys]
        fig.legend(handles, texts, loc="lower center", bbox_to_anchor=(0.5, 0.005), ncols=3, frameon=False,
                   fontsize=6.5, handlelength=1.4, columnspacing=1.0, labelspacing=0.35)

    def update(self):
        """Recolour households; move workers and open cases; show emergencies under way. Returns the figure."""
        m = self.model
        regrid = getattr(m, "regrid", None)
        regrid = regrid if regrid is not None and regrid.on else None
        sat = np.fromiter((r.satisfaction for r in m.residents), float, len(m.residents))
        hh_sat = np.bincount(m.resident_household, weights=sat, minlength=m.territory.n_households) / self._hh_residents
        if regrid is not None:   # households not there (yet, any more, or away) are not drawn (NaN: no colour)
            hh_sat[~regrid.present] = np.nan
            self._update_grids(regrid)
        self.households.set_array(hh_sat)
        where: dict[str, list] = {s: [] for s in WORKER_STYLE}
        for w in m.workers:
            status = "emergency" if w.em_desk is not None else "case" if w.case is not None else "free"
            if status == "free" and regrid is not None and not regrid.active[w.grid]:
                continue   # freed at a merge: gone once its last case is done
            where[status].append((w.x, w.y))
        for status, pts in where.items():
            self.workers[status].set_offsets(np.array(pts, dtype=float).reshape(-1, 2))
        # open cases: the model's case list only grows; keep those that may still be open
        cases = m.cases
        self._pending.extend(cases[self._seen:])
        self._seen = len(cases)
        since = m.events.now - PETITION_DAYS   # petitions stay on the map a few days
        self._pending = [c for c in self._pending
                         if c.status < RESOLVED or (c.status == PETITIONED and c.t_abandon >= since)]
        hh = [c.household for c in self._pending if LATENT < c.status < RESOLVED]
        self.cases.set_offsets(self._xy(hh))
        self._update_deliberation_and_safety(since)
        self._update_emergencies()
        day = int(round(m.time))
        date = m.calendar.dates.iso(day)
        side = i18n.t(f"side_{self.side}", self.lang) if self.side else ""
        if side:
            self.title.set_text(i18n.t("map_title", self.lang, scenario=m.spec.name, side=side, day=day, date=date))
        else:
            self.title.set_text(f"{m.spec.name} — {i18n.t('day', self.lang, day=day)} · {date}")
        return self.fig

    def _update_grids(self, regrid) -> None:
        """The grid outlines, redrawn after a split or a merge (ODD 7.39; only the active grids): an
        imported district's polygons (a merged grid's rings are emptied), else each grid's rectangles."""
        seen = (regrid.splits, regrid.merges)
        if seen != self._grids_seen and regrid.reviews:
            self._grids_seen = seen
            rings = self.model.territory.grid_rings
            self.grid_lines.set_segments(_outline_segments(rings, None) if rings is not None
                                         else grid_outlines(regrid.tiles, regrid.active))

    def _xy(self, households: list[int]) -> np.ndarray:
        return self.model.territory.hh_xy[households] if households else np.empty((0, 2))

    def _update_deliberation_and_safety(self, since: float) -> None:
        """Meetings held on the day just simulated (a ring at the committee office), the disputes open
        now by the level mediating them, and the petitions of the last PETITION_DAYS days; each read
        from its submodel's public view, over the cases the map already keeps (those maybe open)."""
        m = self.model
        deliberation, safety = getattr(m, "deliberation", None), getattr(m, "safety", None)
        held = deliberation.meetings_on(int(round(m.time)) - 1) if deliberation is not None else []
        self.meetings.set_offsets(self._committee_xy[held] if held else np.empty((0, 2)))
        by_level = safety.open_by_level(self._pending) if safety is not None else {}
        for level, layer in self.disputes.items():
            layer.set_offsets(self._xy(by_level.get(level, [])))
        self.petitions.set_offsets(self._xy(safety.petitions_since(since, self._pending) if safety else []))

    def _moving(self) -> list:
        # Everything inside the map, in drawing (zorder) order: the households change colour every
        # step, so the layers above them are redrawn too (a few hundred points and lines).
        return [*(p for ps in self._footprints.values() for p in ps), self.households, self.grid_lines,
                self.community_lines, self.cases, *self.disputes.values(), self.meetings, self.committee_marks,
                self.township_mark, self.petitions, *self.workers.values(), self.title, self.status]

    def _update_emergencies(self) -> None:
        m = self.model
        now = m.events.now
        lines = []
        for em in m.emergency.emergencies:
            active = em.onset <= now and not em.over
            patches = self._footprints.get(em.index)
            if active and patches is None:
                patches = self._footprints[em.index] = self._footprint(em.definition)
            for p in patches or ():
                p.set_visible(active)
            if active:
                name = i18n.emergency_label(em.definition.name, self.lang)
                lines.append(i18n.t("map.emergency_status", self.lang, name=name, day=int(math.floor(em.onset))))
        lines = lines or [i18n.t("emergency_none", self.lang)]
        grids = regrid_status(m)
        if grids is not None:   # grids that adjust: what the reviews did so far
            lines.append(i18n.t("map.regrid_status", self.lang, splits=grids["splits"], merges=grids["merges"],
                                grids=grids["grids"], low=grids["households_min"], high=grids["households_max"]))
        self.status.set_text("\n".join(lines))

    def _footprint(self, d) -> list:
        style = {"facecolor": FOOTPRINT, "alpha": 0.14, "edgecolor": FOOTPRINT, "linewidth": 2.0, "linestyle": "--",
                 "zorder": 0.5}
        t = self.model.territory
        if d.communities is not None and t.community_rings is not None:   # an imported district's polygons
            patches = [Polygon(r, closed=True, **style) for c in d.communities for r in t.community_rings[c]]
        elif d.communities is not None:
            b = t.community_bounds
            patches = [Rectangle((b[c, 0], b[c, 1]), b[c, 2] - b[c, 0], b[c, 3] - b[c, 1], **style)
                       for c in d.communities]
        else:
            patches = [Circle((d.centre_x_km, d.centre_y_km), d.radius_km, **style)]
        for p in patches:
            self.ax.add_patch(p)
        return patches


# Renderers are kept on the object they draw (the model, the workshop), so they live and die with
# it: a global cache keyed by the object would keep it alive through the renderer's references.
_CACHE_ATTR = "_dashboard_renderers"


def _cache(obj) -> list:
    mine = obj.__dict__.get(_CACHE_ATTR)
    if mine is None:
        mine = obj.__dict__[_CACHE_ATTR] = []
    return mine


def map_renderer(model, lang: str = "zh", fig=None, side: str | None = None) -> MapRenderer:
    """The cached renderer of `model` in `lang` (drawing into `fig` if given), built on first use."""
    flang = figure_lang(lang)
    mine = _cache(model)
    for r in mine:
        if isinstance(r, MapRenderer) and r.lang == flang and r.side == side and (
                (fig is None and r.owned) or r.fig is fig):
            return r
    r = MapRenderer(model, lang, fig, side)
    mine.append(r)
    return r


def map_figure(model, lang: str = "zh", fig=None, side: str | None = None) -> Figure:
    """The map of `model` now (see the module docstring for what it shows). The static layers are
    built on the first call for a model and language and reused; each call updates the moving ones
    and returns the same Figure. `side` ("A"/"B") adds the option's name to the title."""
    r = map_renderer(model, lang, fig, side)
    with plot_context(r.lang):
        return r.update()


# -------------------------------------------------------------------- charts
class ChartsRenderer(Layers):
    """Small multiples of the five daily series of a Workshop: A, and B in a second colour when side
    by side; emergencies shaded; a sixth panel with the key and, side by side, B − A so far.

    Axis limits only grow while a run goes on (so the static layers are rarely redrawn); they are
    worked out afresh when the workshop's models are rebuilt."""

    def __init__(self, workshop, lang: str = "zh", fig=None, days: int | None = None):
        """`days`: the days the run will record, for the day axis and the title (an animation of
        20 days of a 180-day scenario); default the scenario's sim.days."""
        self.workshop = workshop
        self.days = days
        self.lang = figure_lang(lang)
        self.owned = fig is None
        self._sides: tuple[str, ...] | None = None
        self._regrids = False        # whether a model re-partitions its grids (the key then names the marks)
        self._spans: list = []
        self._marks: list = []       # a dotted line on each day the grids changed (a split or a merge)
        self._limits: dict[str, tuple[float, float]] = {}
        self._models_seen: tuple = ()
        self._x_max = 0
        self._ticks_for: dict[str, tuple] = {}  # series -> (start date, axis end) its ticks were set for
        with plot_context(self.lang):
            self.fig = _prepare(fig, CHARTS_SIZE)
            self._build()
            self.update()

    def _build(self) -> None:
        fig, lang = self.fig, self.lang
        gs = fig.add_gridspec(2, 3, left=0.07, right=0.985, bottom=0.09, top=0.88, wspace=0.32, hspace=0.5)
        self.axes = {}
        self.lines: dict[tuple[str, str], list] = {}
        for i, key in enumerate(SERIES_KEYS):
            ax = fig.add_subplot(gs[i // 3, i % 3])
            ax.set_title(i18n.t(f"chart.{key}", lang), fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(True, lw=0.4, alpha=0.5)
            if key in SHARES:
                _percent(ax.yaxis)
            if i >= 2:
                ax.set_xlabel(i18n.t("chart.date", lang), fontsize=8)
            ax.xaxis.set_major_formatter(FuncFormatter(self._date_tick))
            for side, colour in SIDE_COLOURS.items():
                if key in NOISY:
                    faint, = ax.plot([], [], color=colour, lw=0.7, alpha=0.35)
                    bold, = ax.plot([], [], color=colour, lw=1.8)
                    self.lines[key, side] = [faint, bold]
                else:
                    self.lines[key, side] = [ax.plot([], [], color=colour, lw=1.6)[0]]
            self.axes[key] = ax
        self.info = fig.add_subplot(gs[1, 2])
        self.info.axis("off")
        # The B − A panel: labels (static, drawn into the background) and a column of bare numbers
        # (moving: digits only, which draw several times faster than Chinese text).
        self.diff_labels = self.info.text(0.0, 0.76, "", transform=self.info.transAxes, va="top", ha="left",
                                          fontsize=7.5, linespacing=1.45)
        self.diff_values = self.info.text(1.0, 0.76, "", transform=self.info.transAxes, va="top", ha="right",
                                          fontsize=7.5, linespacing=1.45)
        self.note = self.axes["vulnerable_reached_share"].text(
            0.5, 0.5, i18n.t("chart.no_emergency", lang), fontsize=7.5, color="#777777", ha="center", va="center",
            transform=self.axes["vulnerable_reached_share"].transAxes)
        self.suptitle = fig.suptitle("", fontsize=11)

    def _legend(self, sides: tuple[str, ...], regrids: bool = False) -> None:
        lang = self.lang
        old = self.info.get_legend()
        if old is not None:
            old.remove()
        handles = [Line2D([], [], color=SIDE_COLOURS[s], lw=1.8) for s in sides]
        labels = [i18n.t(f"side_{s}", lang) for s in sides]
        handles += [Line2D([], [], color="#555555", lw=0.7, alpha=0.5), Line2D([], [], color="#555555", lw=1.8),
                    Patch(facecolor=FOOTPRINT, alpha=0.15)]
        labels += [i18n.t("chart.daily", lang), i18n.t("chart.rolling", lang), i18n.t("chart.emergency_shade", lang)]
        if regrids:
            handles.append(Line2D([], [], color=REGRID_MARK, lw=0.9, ls=":"))
            labels.append(i18n.t("chart.regrid", lang))
        self.info.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, 1.1), frameon=False, fontsize=7.5,
                         ncols=2)

    def update(self):
        ws, lang = self.workshop, self.lang
        sides = ws.sides
        series = {s: ws.series(s) for s in sides}
        regrids = any(regrid_status(m) is not None for m in ws.models)
        if (sides, regrids) != (self._sides, self._regrids):
            self._legend(sides, regrids)
            self._sides, self._regrids = sides, regrids
        models = tuple(id(m) for m in ws.models)
        if models != self._models_seen:  # rebuilt or switched: limits start afresh
            self._models_seen, self._limits, self._x_max = models, {}, 0
        day = ws.day
        planned = self.days or ws.days_planned
        if day > self._x_max or self._x_max == 0:
            self._x_max = planned if day <= planned else planned + 30 * math.ceil((day - planned) / 30)
        for key, ax in self.axes.items():
            for side in SIDE_COLOURS:
                lines = self.lines[key, side]
                if side not in series:
                    for ln in lines:
                        ln.set_visible(False)
                    continue
                s = series[side]
                x = s["day"] + 1.0  # a day's value is drawn at its end: day 1 … day N
                y = s[key]
                lines[0].set_data(x, y)
                if key in NOISY:
                    lines[1].set_data(x, rolling_mean(y))
                for ln in lines:
                    ln.set_visible(True)
            if ax.get_xlim() != (0, self._x_max):
                ax.set_xlim(0, self._x_max)
            self._date_ticks(key, ax)
            # Limits follow the bold line (the 7-day mean for the noisy daily flows): a spike of one
            # day may leave the panel rather than flatten everything else.
            shown = [rolling_mean(series[s][key]) if key in NOISY else series[s][key] for s in sides]
            lim = self._limits[key] = grown_limits(key, self._limits.get(key), shown)
            if ax.get_ylim() != lim:
                ax.set_ylim(*lim)
        self._shade(series["A"]["emergency_active"])
        self._mark_regrids(sides)
        self.note.set_visible(not np.isfinite(series["A"]["vulnerable_reached_share"]).any())
        labels, values = self._diff_lines()
        self.diff_labels.set_text(labels)
        self.diff_values.set_text(values)
        self.suptitle.set_text(f"{i18n.t('charts_title', lang)} — {i18n.t('day_of', lang, day=day, days=planned)} · "
                               f"{i18n.date_text(*ws.calendar_day(), lang)}")
        return self.fig

    def _background_key(self) -> tuple:
        return (self._sides, self._regrids, self._x_max, tuple(sorted(self._ticks_for.items())), tuple(sorted(self._limits.items())),
                self.diff_labels.get_text())

    def _dates(self):
        return self.workshop.model("A").calendar.dates

    def _date_tick(self, x: float, pos=None) -> str:
        """The label of a tick at x: the date of day x (x = d is the start of day d, where day d - 1's
        value is drawn)."""
        day = round(x)
        if day < 0 or abs(x - day) > 1e-6:
            return ""
        return i18n.date_tick(self._dates().date(day), self.lang)

    def _date_ticks(self, name: str, ax) -> None:
        """Ticks on the first of each month when the axis spans three or more of them (every second,
        third … month on a long run: at most 7 ticks), else a few whole days; set again only when the
        axis or the start date changes."""
        dates = self._dates()
        key = (dates.start, self._x_max)
        if self._ticks_for.get(name) == key:
            return
        firsts = [d for d in range(self._x_max + 1) if dates.date(d).day == 1]
        if len(firsts) >= 3:
            ax.xaxis.set_major_locator(FixedLocator(firsts[::math.ceil(len(firsts) / 7)]))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
        self._ticks_for[name] = key

    def _moving(self) -> list:
        return [*self._spans, *self._marks, *(ln for lines in self.lines.values() for ln in lines), self.note, self.diff_values,
                self.suptitle]

    def _shade(self, active: np.ndarray) -> None:
        for p in self._spans:
            p.remove()
        self._spans = []
        for start, end in true_runs(active > 0):
            for ax in self.axes.values():
                self._spans.append(ax.axvspan(start, end, color=FOOTPRINT, alpha=0.15, lw=0, zorder=0))

    def _mark_regrids(self, sides: tuple[str, ...]) -> None:
        """A dotted line in every panel at the start of each day a review split or merged grids, in the
        colour of the side if side by side."""
        for ln in self._marks:
            ln.remove()
        self._marks = []
        for side in sides if self._regrids else ():
            colour = SIDE_COLOURS[side] if len(sides) > 1 else REGRID_MARK
            for day in regrid_days(self.workshop.model(side)):
                for ax in self.axes.values():
                    self._marks.append(ax.axvline(day, color=colour, lw=0.9, ls=":", alpha=0.8, zorder=0.5))

    def _diff_lines(self) -> tuple[str, str]:
        """The B − A panel as two columns: labels (the levers B changes, then each outcome with its
        unit) and the numbers, aligned line by line. Empty when not side by side."""
        ws, lang = self.workshop, self.lang
        if not ws.side_by_side:
            return "", ""
        labels, values = [i18n.t("diff_title", lang)], [""]
        for control, a, b in ws.changed_levers():   # in words: on / off, a number, a format, issue types
            labels.append(f"  {control.short(lang)}: {control.text(a, lang)} → {control.text(b, lang)}")
            values.append("")
        for key, value in ws.differences().items():
            labels.append(f"  {i18n.t(f'diff_label.{key}', lang)}")
            values.append(format_difference(key, value, lang, unit=False))
        return "\n".join(labels), "\n".join(values)


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above x."""
    if x <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * k >= x - 1e-12)


def grown_limits(key: str, current: tuple[float, float] | None, ys: list[np.ndarray]) -> tuple[float, float]:
    """Y limits that hold the data, only ever growing: shares have fixed tops, counts and hours a
    "nice" top with headroom."""
    vals = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.empty(0)
    if key == "vulnerable_reached_share":
        return (0.0, 1.05)
    if key == "satisfaction_rate":
        lo = 0.5 if not len(vals) else min(0.5, math.floor(float(vals.min()) * 10) / 10)
        return (min(lo, current[0]) if current else lo, 1.02)
    top = float(vals.max()) if len(vals) else 0.0
    if current is not None and top <= current[1]:
        return current
    return (0.0, _nice_ceiling(max(top * 1.5, 1.0)))  # room to grow: the static layers are redrawn rarely


def charts_renderer(workshop, lang: str = "zh", fig=None) -> ChartsRenderer:
    """The cached charts renderer of `workshop` in `lang` (drawing into `fig` if given)."""
    flang = figure_lang(lang)
    mine = _cache(workshop)
    for r in mine:
        if isinstance(r, ChartsRenderer) and r.lang == flang and ((fig is None and r.owned) or r.fig is fig):
            return r
    r = ChartsRenderer(workshop, lang, fig)
    mine.append(r)
    return r


def charts_figure(workshop, lang: str = "zh", fig=None) -> Figure:
    """Small multiples of the five daily series (A; B too when side by side), titles in `lang`; the
    sixth panel holds the key and the B − A differences so far. Cached like map_figure."""
    r = charts_renderer(workshop, lang, fig)
    with plot_context(r.lang):
        return r.update()


class MapAndCharts(Layers):
    """A map and the charts drawn into two SubFigures of one Figure (the recorded animation's
    frame), blitted together: `rgba()` gives the whole frame."""

    def __init__(self, fig: Figure, lang: str, map_part: MapRenderer, charts_part: ChartsRenderer):
        self.fig, self.lang, self.parts = fig, lang, (map_part, charts_part)

    def update(self) -> None:
        for part in self.parts:
            part.update()

    def _moving(self) -> list:
        return [a for p in self.parts for a in p._moving()]

    def _background_key(self) -> tuple:
        return tuple(p._background_key() for p in self.parts)


def map_png(model, lang: str = "zh", side: str | None = None) -> bytes:
    """The map of `model` now as PNG bytes, by the fast path (cached background + moving layers)."""
    r = map_renderer(model, lang, None, side)
    r.update()
    return r.png()


def charts_png(workshop, lang: str = "zh") -> bytes:
    """The charts of `workshop` now as PNG bytes, by the fast path."""
    r = charts_renderer(workshop, lang)
    r.update()
    return r.png()


__all__ = ["ChartsRenderer", "Layers", "MapAndCharts", "MapRenderer", "charts_figure", "charts_png",
           "charts_renderer", "encode_png", "figure_png", "grid_outlines", "grown_limits", "map_figure", "map_png",
           "map_renderer", "rolling_mean", "save_png", "true_runs"]
