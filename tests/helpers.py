"""Small scenarios and model drivers shared by the behaviour tests."""

from __future__ import annotations

import signal
from pathlib import Path

from sim import GovernanceModel, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def small(name: str = "baseline", residents: int = 4_000, days: int = 60, **overrides):
    """A scenario file from scenarios/, shrunk for tests."""
    values = {"territory.residents": residents, "sim.days": days, "sim.warmup_days": min(10, days - 1)}
    values.update(overrides)
    return load_scenario(SCENARIOS / f"{name}.toml", values)


def model_of(scenario, seed: int = 1) -> GovernanceModel:
    return GovernanceModel(scenario, seed)


def check_after_events(model: GovernanceModel, check, every: int = 1) -> dict:
    """Wrap the model's event handlers so that `check()` runs after every `every`-th event; returns
    the counter of events seen ({"n": ...})."""
    counter = {"n": 0}

    def wrap(handler):
        def run_checked(a, b):
            handler(a, b)
            counter["n"] += 1
            if counter["n"] % every == 0:
                check()
        return run_checked

    model.events.handlers = [wrap(h) for h in model.events.handlers]
    return counter


def sigint_as_in_a_terminal() -> None:
    """A child's `preexec_fn`: SIGINT at its default, whatever this process inherited
    (a background job's SIGINT is ignored, and Python keeps it so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


LOOP = ["discover", "report", "dispatch", "handle", "verify", "close", "rate"]


def in_loop_order(steps) -> bool:
    """(stage, round) pairs in the loop's order: within a round stages never go back except a hand-off
    (dispatch again after handle, 流转); a reopened case's new round starts at dispatch."""
    if not steps or steps[0][0] != "discover":
        return False
    for (a, ra), (b, rb) in zip(steps, steps[1:]):
        same_round = ra == rb
        if same_round and not (LOOP.index(b) >= LOOP.index(a) or (a, b) == ("handle", "dispatch")):
            return False
        if not same_round and b != "dispatch":
            return False
    return True
