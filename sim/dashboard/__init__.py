"""The workshop dashboard's model-facing core: UI strings (`i18n`), lever sliders and the
side-by-side `Workshop` (`session`), map and chart pictures (`render`), and recorded runs as
animations (`animate`). The Solara UI is built on top of these and holds no model logic.

    from sim.dashboard import Workshop, map_png, charts_png
    ws = Workshop("scenarios/workshop.toml", seed=1, side_by_side=True,
                  levers_b={"policy.decentralisation": 0.8})
    ws.step(30)
    map_png(ws.model("A"), "zh", side="A"), charts_png(ws, "zh"), ws.differences()
"""

from .i18n import LANGS, t
from .render import charts_figure, charts_png, figure_png, map_figure, map_png, save_png
from .session import LEVER_SLIDERS, Slider, Workshop, scenario_choices

__all__ = ["LANGS", "LEVER_SLIDERS", "Slider", "Workshop", "charts_figure", "charts_png", "figure_png",
           "map_figure", "map_png", "save_png", "scenario_choices", "t"]
