"""The map of the territory drawn in the browser (SVG), from data only: the server sends numbers, the
browser draws them, so one server holds a room of participants (a matplotlib map costs ~100 ms a step,
a model step ~2 ms; benchmarks/bench_drawing.py).

The data come in two layers, each a plain JSON-able dict:

- `map_static(model, lang)`: what changes only with the scenario or when grids are split or merged
  (动态调整, ODD 7.39): the territory's bounds and the SVG viewBox fitted to them, grid and community
  outlines (an imported district's real polygons, else the bisection rectangles; a re-partitioned
  territory's current grid outlines as render.map_png draws them), household positions, committee
  offices, the street / township office, the legend in `lang`. Sent once per scenario or regrid;
  side by side, A and B share one when their territories are the same (`shared_static`).
- `map_dynamic(model)`: what changes each step: the day, each household's satisfaction (one
  character per household: its colour class, or "." when not present), the open cases with their
  stage in the loop and the level holding them, grid workers by what they do, today's meetings, open
  disputes by mediation level, recent petitions, and the emergencies under way with their footprints.

The map shows what render.map_png shows (see its module docstring for where the model does not say),
with one addition: an open case is coloured by its stage in the loop (waiting in a queue, being
worked on, handed on to another level) instead of a black cross.

`MapView` (a `solara.component_vue`, mapview.vue) draws both layers; clicking a household or a case
calls `event_pick({"kind": "household" | "case", "id": ...})`; `highlight` ({"kind", "id", "path":
[[x, y], …]}) draws one household or case and a path emphasised. Elements carry stable ids and classes
for browser tests: ids `govsim-hh-<household>`, `govsim-case-<case id>`, `govsim-worker-<agent id>`,
`govsim-grid-<grid>`; classes `govsim-hh`, `govsim-case` and `govsim-stage-<stage>`, `govsim-worker` and
`govsim-worker-<status>`, `govsim-footprint`; the map's root has `govsim-map` and `govsim-map-<side>`, by
which a page with two maps (side by side: the same ids in each) is scoped.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Callable

import numpy as np
import solara
from matplotlib import colormaps

from ..cases import IN_SERVICE, IN_TRANSIT, PETITIONED, QUEUED, RESOLVED
from . import i18n
from .render import (DISPUTE_STYLE, FOOTPRINT, MEETING, PETITION, PETITION_DAYS, SAT_CMAP, SAT_RANGE, WORKER_STYLE,
                     grid_outlines)
from .session import regrid_status

MARGIN = 0.03            # of the territory's larger side, around it in the viewBox (as render.map_png)
SAT_CLASSES = 12         # colour classes of household satisfaction over SAT_RANGE (one character each)
STAGES = {QUEUED: "queued", IN_SERVICE: "in_service", IN_TRANSIT: "in_transit"}   # open cases' stages
STAGE_COLOURS = {"queued": "#f0a000", "in_service": "#1f4fff", "in_transit": "#c00060"}
LEVELS = ("grid", "committee", "township", "county")
DIGITS = 3               # decimals of km kept (1 m)


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def _xy_list(xy: np.ndarray) -> list[float]:
    """Points (n, 2) as one flat list x0, y0, x1, y1, … rounded to a metre."""
    return np.round(np.asarray(xy, dtype=float), DIGITS).reshape(-1).tolist()


def _path(polylines, closed: bool) -> str:
    """SVG path data for polylines (each an (n, 2) array), in model km (y up; the view flips it)."""
    parts = []
    for line in polylines:
        pts = np.round(np.asarray(line, dtype=float), DIGITS)
        if len(pts) < 2:
            continue
        coords = " ".join(f"{x:g} {y:g}" for x, y in pts)
        parts.append(f"M{coords}{'Z' if closed else ''}")
    return "".join(parts)


def grid_paths(model) -> list[str]:
    """Each grid's outline as SVG path data: an imported district's polygons, the synthetic
    territory's rectangles, or, once a review split or merged grids, each active grid's outline
    (a merged-away grid is not drawn), as render.map_png draws them."""
    t = model.territory
    regrid = getattr(model, "regrid", None)
    active = regrid.active if regrid is not None and regrid.on else [True] * t.n_grids
    if t.grid_rings is not None:
        return [_path(rings, True) if k < len(active) and active[k] else "" for k, rings in enumerate(t.grid_rings)]
    if regrid is not None and regrid.on and regrid.reviews:
        return [_path(grid_outlines([tiles], [True]), False) if active[k] else ""
                for k, tiles in enumerate(regrid.tiles)]
    return [_path([_rect(b)], True) for b in t.grid_bounds]


def _rect(b) -> np.ndarray:
    x0, y0, x1, y1 = b
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def community_paths(model) -> list[str]:
    t = model.territory
    if t.community_rings is not None:
        return [_path(rings, True) for rings in t.community_rings]
    return [_path([_rect(b)], True) for b in t.community_bounds]


def territory_bounds(model) -> list[float]:
    """xmin, ymin, xmax, ymax over every household and outline of the territory (km)."""
    t = model.territory
    pts = [t.hh_xy, t.grid_bounds[:, :2], t.grid_bounds[:, 2:], t.community_bounds[:, :2],
           t.community_bounds[:, 2:]]
    for rings in (t.grid_rings or []) + (t.community_rings or []):
        pts.extend(np.asarray(r, dtype=float).reshape(-1, 2) for r in rings)
    allpts = np.concatenate([p.reshape(-1, 2) for p in pts if len(p)])
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    return [math.floor(lo[0] * 1000) / 1000, math.floor(lo[1] * 1000) / 1000,
            math.ceil(hi[0] * 1000) / 1000, math.ceil(hi[1] * 1000) / 1000]


def view_box(bounds: list[float]) -> list[float]:
    """The SVG viewBox (x, y, width, height) fitted to `bounds` with a margin of MARGIN of the larger
    side. The view draws y up (scale(1, -1)), so the box's y is -ymax - margin."""
    x0, y0, x1, y1 = bounds
    pad = MARGIN * max(x1 - x0, y1 - y0, 1e-6)
    return [_r(x0 - pad), _r(-y1 - pad), _r(x1 - x0 + 2 * pad), _r(y1 - y0 + 2 * pad)]


def township_xy(model) -> list[float]:
    """The household nearest the centre of the territory: the model gives the township no position
    (as render.map_png)."""
    t = model.territory
    xy = t.hh_xy
    centre = xy[np.argmin(((xy - (t.width / 2, t.height / 2)) ** 2).sum(axis=1))]
    return [_r(centre[0]), _r(centre[1])]


def sat_colours() -> list[str]:
    """The colour of each satisfaction class (SAT_CLASSES over SAT_RANGE, the colour map of render)."""
    cmap = colormaps[SAT_CMAP]
    return ["#%02x%02x%02x" % tuple(int(round(255 * c)) for c in cmap((k + 0.5) / SAT_CLASSES)[:3])
            for k in range(SAT_CLASSES)]


def legend(lang: str) -> dict[str, Any]:
    """Every text of the map in `lang`: the legend entries (those of render.map_png, and the stages of
    open cases) and the colour bar's label."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    return {
        "households": t("map.households"), "colorbar": t("map.colorbar"), "grids": t("map.grid_boundaries"),
        "communities": t("map.community_boundaries"), "committee": t("map.committee_office"),
        "township": t("map.township_office"),
        "workers": {s: t(k) for s, (_, k) in WORKER_STYLE.items()},
        "cases": t("map.open_cases"),
        "stages": {s: t(f"mapview.stage.{s}") for s in STAGE_COLOURS},
        "levels": {lv: t(f"mapview.level.{lv}") for lv in LEVELS},
        "footprint": t("map.emergency_footprint"), "meeting": t("map.meeting"),
        "disputes": {lv: t(k) for lv, (_, k) in DISPUTE_STYLE.items()},
        "petition": t("map.petition", days=PETITION_DAYS), "km": t("map.km"),
        "household": t("mapview.household"), "case": t("mapview.case"),
    }


def map_static(model, lang: str = "zh") -> dict[str, Any]:
    """The static layer of the map of `model` (see the module docstring): sent once per scenario and
    after each split or merge of grids."""
    t = model.territory
    bounds = territory_bounds(model)
    span = max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1e-6)
    committees = np.array([model.grid_offices[c.cell.coordinate] for c in model.committees]).reshape(-1, 2)
    regrid = getattr(model, "regrid", None)
    return {
        "lang": lang, "bounds": bounds, "view_box": view_box(bounds), "unit": round(span / 200, 6),
        # households drawn smaller where there are many (as render.map_png's marker size)
        "hh_r": round(span / 200 * float(np.clip(math.sqrt(12_000 / max(t.n_households, 1)) / 2.5, 0.3, 1.5)), 6),
        "households": _xy_list(t.hh_xy), "n_households": int(t.n_households),
        "grids": grid_paths(model), "communities": community_paths(model),
        "committees": _xy_list(committees), "township": township_xy(model),
        "regrid_seen": [regrid.splits, regrid.merges] if regrid is not None and regrid.on else [0, 0],
        "sat_colours": sat_colours(), "sat_range": list(SAT_RANGE),
        "colours": {"workers": {s: c for s, (c, _) in WORKER_STYLE.items()}, "stages": STAGE_COLOURS,
                    "disputes": {lv: c for lv, (c, _) in DISPUTE_STYLE.items()}, "footprint": FOOTPRINT,
                    "meeting": MEETING, "petition": PETITION},
        "legend": legend(lang),
    }


def static_key(model) -> str:
    """A fingerprint of what the static layer draws (positions, outlines, regrid state): equal for two
    models on the same territory, so side by side A and B share one static layer."""
    t = model.territory
    h = hashlib.blake2b(digest_size=12)
    for a in (t.hh_xy, t.grid_bounds, t.community_bounds):
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    regrid = getattr(model, "regrid", None)
    if regrid is not None and regrid.on and regrid.reviews:   # grids that change: their pieces now
        h.update(bytes(bool(a) for a in regrid.active))
        for tiles in regrid.tiles:
            h.update(np.ascontiguousarray(tiles, dtype=float).tobytes())
        for rings in t.grid_rings or ():
            for ring in rings:
                h.update(np.ascontiguousarray(ring, dtype=float).tobytes())
    return h.hexdigest()


def shared_static(models: list, lang: str = "zh", cache: dict | None = None) -> list[dict[str, Any]]:
    """The static layer of each model; models on the same territory (same `static_key`) get the very
    same dict, computed once. `cache` (a dict the caller keeps, e.g. per workshop) reuses layers
    across calls: a step sends no static layer unless grids changed."""
    cache = {} if cache is None else cache
    out = []
    for m in models:
        key = (static_key(m), lang)
        if key not in cache:
            cache.clear() if len(cache) > 8 else None
            cache[key] = map_static(m, lang)
        out.append(cache[key])
    return out


def _maybe_open(model) -> list:
    """The cases that may still be open or be a recent petition: kept on the model and extended with
    the new cases each call (model.cases only grows), so a step costs the cases open, not the run's."""
    seen, pending = model.__dict__.get("_mapview_pending", (0, []))
    cases = model.cases
    pending = pending + cases[seen:]
    since = model.events.now - PETITION_DAYS
    pending = [c for c in pending if c.status < RESOLVED or (c.status == PETITIONED and c.t_abandon >= since)]
    model.__dict__["_mapview_pending"] = (len(cases), pending)
    return pending


def household_classes(model) -> str:
    """Each household's mean latent satisfaction as its colour class: one character per household, "0"
    … (SAT_CLASSES - 1 in base 36) over SAT_RANGE (below it the lowest class), "." when the household
    is not present (not drawn)."""
    t = model.territory
    sat = np.fromiter((r.satisfaction for r in model.residents), float, len(model.residents))
    members = np.bincount(model.resident_household, minlength=t.n_households)
    mean = np.bincount(model.resident_household, weights=sat, minlength=t.n_households) / np.maximum(members, 1)
    lo, hi = SAT_RANGE
    k = np.clip(np.floor((mean - lo) / (hi - lo) * SAT_CLASSES), 0, SAT_CLASSES - 1).astype(int)
    chars = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"[:SAT_CLASSES]))[k]
    regrid = getattr(model, "regrid", None)
    if regrid is not None and regrid.on:
        chars[~regrid.present] = "."
    return "".join(chars.tolist())


def open_cases(model, pending: list) -> list[list]:
    """[case id, household, stage, level] of each known open case (reported or discovered, not yet
    closed nor abandoned), in case order; the level is that of the desk holding it (on the way
    up, the level it left), else the level with authority."""
    out = []
    for c in sorted(pending, key=lambda c: c.id):
        stage = STAGES.get(c.status)
        if stage is None:
            continue
        level = c.desk.level if c.desk is not None else c.level
        out.append([int(c.id), int(c.household), stage, LEVELS[level]])
    return out


def workers(model) -> list[list]:
    """[x, y, status, agent id] of each grid worker on the map (a worker freed at a merge: only while it finishes
    its case), status one of WORKER_STYLE, as render.map_png."""
    regrid = getattr(model, "regrid", None)
    out = []
    for w in model.workers:
        status = "emergency" if w.em_desk is not None else "case" if w.case is not None else "free"
        if status == "free" and regrid is not None and regrid.on and not regrid.active[w.grid]:
            continue
        out.append([_r(w.x), _r(w.y), status, int(w.unique_id)])
    return out


def footprint(model, d) -> dict[str, Any]:
    """An emergency's footprint: its circle, or the outlines of its communities (SVG path data)."""
    t = model.territory
    if d.communities is None:
        return {"circle": [_r(d.centre_x_km), _r(d.centre_y_km), _r(d.radius_km)]}
    if t.community_rings is not None:
        return {"path": _path([r for c in d.communities for r in t.community_rings[c]], True)}
    return {"path": _path([_rect(t.community_bounds[c]) for c in d.communities], True)}


def emergencies(model) -> list[dict[str, Any]]:
    now = model.events.now
    return [{"name": em.definition.name, "onset": int(math.floor(em.onset)), **footprint(model, em.definition)}
            for em in model.emergency.emergencies if em.onset <= now and not em.over]


def map_dynamic(model) -> dict[str, Any]:
    """The dynamic layer of the map of `model` now (see the module docstring): sent each step."""
    pending = _maybe_open(model)
    since = model.events.now - PETITION_DAYS
    deliberation, safety = getattr(model, "deliberation", None), getattr(model, "safety", None)
    day = int(round(model.time))
    held = deliberation.meetings_on(day - 1) if deliberation is not None else []
    by_level = safety.open_by_level(pending) if safety is not None else {}
    return {
        "day": day, "date": model.calendar.dates.iso(day),
        "sat": household_classes(model),
        "cases": open_cases(model, pending),
        "workers": workers(model),
        "meetings": sorted(int(c) for c in held),
        "disputes": {lv: [int(h) for h in by_level.get(lv, [])] for lv in DISPUTE_STYLE},
        "petitions": [int(h) for h in (safety.petitions_since(since, pending) if safety is not None else [])],
        "emergencies": emergencies(model),
        "regrid": regrid_status(model),
    }


# ------------------------------------------------------------------ the component
_STATIC_ATTR = "_mapview_static"


def static_layer(workshop, side: str = "A", lang: str = "zh") -> dict[str, Any]:
    """The static layer of one side of a Workshop, kept on the workshop: A and B get the same dict when
    they share the territory, and the same dict again each step until grids are split or merged (the
    widget then sends nothing)."""
    cache = workshop.__dict__.setdefault(_STATIC_ATTR, {})
    return shared_static([workshop.model(side)], lang, cache)[0]


def caption(model, lang: str, side: str | None = None) -> list[str]:
    """The map's title and status lines in `lang`, as render.map_png writes them: scenario, option (side
    by side), day and date; the emergencies under way; the re-partitioning so far."""
    day = int(round(model.time))
    date = model.calendar.dates.iso(day)
    if side:
        title = i18n.t("map_title", lang, scenario=model.spec.name, side=i18n.t(f"side_{side}", lang), day=day,
                       date=date)
    else:
        title = f"{model.spec.name} — {i18n.t('day', lang, day=day)} · {date}"
    lines = [i18n.t("map.emergency_status", lang, name=i18n.emergency_label(e["name"], lang), day=e["onset"])
             for e in emergencies(model)] or [i18n.t("emergency_none", lang)]
    grids = regrid_status(model)
    if grids is not None:
        lines.append(i18n.t("map.regrid_status", lang, splits=grids["splits"], merges=grids["merges"],
                            grids=grids["grids"], low=grids["households_min"], high=grids["households_max"]))
    return [title, *lines]


@solara.component_vue("mapview.vue", vuetify=False)
def MapSvg(layer: dict, frame: dict, caption: list, highlight: dict | None = None, side: str = "",
           event_pick: Callable[[dict], None] | None = None):
    """The SVG map (mapview.vue): `layer` from map_static, `frame` from map_dynamic."""


@solara.component
def MapView(workshop, side: str = "A", lang: str = "zh", version: int = 0, highlight: dict | None = None,
            on_pick: Callable[[dict], None] | None = None):
    """The map of one side of `workshop`, drawn in the browser. `version`: bump it after each change of the
    workshop (a step, a lever) so the dynamic layer is read again. `highlight`: {"kind": "case" |
    "household", "id": ..., "path": [[x, y], ...] (km, optional), "household": ... (optional: where a
    case no longer open is drawn)}: a ring at the household (of the case) and the path as a line.
    `on_pick` receives {"kind", "id"} when a household or a case is clicked."""
    model = workshop.model(side)
    layer = static_layer(workshop, side, lang)
    day = int(round(model.time))
    frame = solara.use_memo(lambda: map_dynamic(model), dependencies=[id(model), day, version])
    labels = solara.use_memo(lambda: caption(model, lang, side if workshop.side_by_side else None),
                             dependencies=[id(model), day, version, lang, workshop.side_by_side])
    return MapSvg(layer=layer, frame=frame, caption=labels, highlight=highlight, side=side,
                  event_pick=on_pick)
