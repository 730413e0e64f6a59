"""The workshop dashboard's model-facing core: UI strings (`i18n`), lever controls and the
side-by-side `Workshop` (`session`), map and chart pictures (`render`), and recorded runs as
animations (`animate`, with its command in `commands`), guided lessons (`lessons`, their panel in
`lesson_view`). The Solara UI (`app`) is built on top of
these and holds no model logic.

    from sim.dashboard import Workshop, map_png, charts_png
    ws = Workshop("scenarios/workshop.toml", seed=1, side_by_side=True,
                  levers_b={"policy.decentralisation": 0.8})
    ws.step(30)
    map_png(ws.model("A"), "zh", side="A"), charts_png(ws, "zh"), ws.differences()

The names below are imported when first used, so `sim.dashboard.commands` (the CLI's) stays light.
"""

from importlib import import_module

_HOME = {"LANGS": "i18n", "t": "i18n", "LEVER_CONTROLS": "session", "LeverControl": "session",
         "LEVER_SLIDERS": "session", "Slider": "session", "Workshop": "session",
         "scenario_choices": "session", "picker_choices": "session", "fixed_levers": "session",
         "charts_figure": "render", "charts_png": "render", "figure_png": "render",
         "map_figure": "render", "map_png": "render", "save_png": "render",
         "LessonRun": "lessons", "list_lessons": "lessons", "load_lesson": "lessons", "LessonPanel": "lesson_view"}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)


__all__ = sorted(_HOME)
