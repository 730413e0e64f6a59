"""The workshop dashboard's model-facing core: UI strings (`i18n`), lever sliders and the
side-by-side `Workshop` (`session`), map and chart figures (`render`), and recorded runs as
animations (`animate`). The Solara UI is built on top of these and holds no model logic.

    from sim.dashboard import Workshop, map_figure, charts_figure
    ws = Workshop("scenarios/workshop.toml", seed=1, side_by_side=True,
                  levers_b={"policy.decentralisation": 0.8})
    ws.step(30)
    map_figure(ws.model("A"), "zh"), charts_figure(ws, "zh"), ws.differences()
"""

from .i18n import LANGS, t
from .render import charts_figure, figure_png, map_figure, save_png
from .session import LEVER_SLIDERS, Slider, Workshop, scenario_choices

__all__ = ["LANGS", "LEVER_SLIDERS", "Slider", "Workshop", "charts_figure", "figure_png", "map_figure",
           "save_png", "scenario_choices", "t"]
