"""What `govsim dashboard` serves: the participants' page at / and the trainer's at /trainer.

    solara run sim.dashboard.server

Both pages share one `Room` (sim.dashboard.app.room): one session per participant's tab.
"""

from __future__ import annotations

import solara

from .app import Page
from .trainer import TrainerPage


@solara.component
def Layout(children=[]):   # noqa: B006 (Solara's signature)
    # No navigation tabs: participants see their page only; the trainer opens /trainer by its address.
    solara.AppLayout(children=children, navigation=False)


routes = [
    solara.Route(path="/", component=Page, label="workshop", layout=Layout),   # the root's layout: every page's
    solara.Route(path="trainer", component=TrainerPage, label="trainer"),
]
