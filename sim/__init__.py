"""govsim: an agent-based laboratory for grassroots governance (基层治理).

    from sim import load_scenario, run
    out = run(load_scenario("scenarios/baseline.toml"), seed=1)
    out.summary["response_time_h.mean"]
"""

from .model import GovernanceModel
from .runner import run
from .scenario import Scenario, ScenarioError
from .scenario import load as load_scenario

__version__ = "0.1.0"
__all__ = ["GovernanceModel", "Scenario", "ScenarioError", "load_scenario", "run", "__version__"]
