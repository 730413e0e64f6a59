"""What a step costs the dashboard's server with the page on show: the participant's page
(`sim.dashboard.app.Page`) rendered in-process with `solara.render` on the workshop scenario, then

- a play step (`app.advance`): the model's day, then the widgets that move with the clock updated
  directly (`app.show_day`);
- a step by the button (`app.act(step)`): the model's day, then a render of what depends on the
  clock — what a lever, a push or a reset costs too, with their own rebuild on top.

Medians and 90th percentiles over the timed days, after a warm-up. No websocket: what Solara
sends is not in it.

Usage::

    python benchmarks/bench_page.py [--days 50] [--warmup 10]
"""

from __future__ import annotations

import argparse
import time

import _common as C

C.ensure_root_on_path()

import numpy as np  # noqa: E402
import solara  # noqa: E402

from sim.dashboard import app  # noqa: E402
from sim.dashboard.session import Workshop  # noqa: E402

WORKSHOP = C.ROOT / "scenarios" / "workshop.toml"


def timed(fn, days: int, warmup: int) -> dict:
    took = []
    for _ in range(warmup + days):
        t = time.perf_counter()
        fn()
        took.append(1000 * (time.perf_counter() - t))
    x = np.array(took[warmup:])
    return {"median_ms": float(np.median(x)), "p90_ms": float(np.percentile(x, 90))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    session = app.room.adopt(app.session_id(), Workshop(WORKSHOP))

    @solara.component
    def Served():
        with solara.AppLayout():
            app.Page()

    solara.render(Served(), handle_error=False)
    result = {"machine": C.machine_info(), "play_step": timed(lambda: app.advance(session), a.days, a.warmup),
              "step_button": timed(lambda: app.act(session.workshop.step), a.days, a.warmup)}
    for name in ("play_step", "step_button"):
        r = result[name]
        print(f"{name:12s} median {r['median_ms']:6.1f} ms, p90 {r['p90_ms']:6.1f} ms")
    C.write_json(a.json, result)


if __name__ == "__main__":
    main()
