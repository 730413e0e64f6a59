"""The ODD submodels (§7), one file each, in the order the model builds them.

The order matters twice, and only there: `plan_day` runs in it (the shift's events are pushed
before the day's needs), and the emergency manager schedules its onsets last, after every
other submodel exists. A new submodel is a new file here and a new entry in `SUBMODELS`.
"""

from ..emergency import EmergencyManager
from .arrivals import NeedArrivals
from .base import Submodel
from .deliberation import Deliberation
from .discovery import Discovery
from .dispatch import Dispatch
from .intake import Intake
from .mediation import Mediation
from .prevention import Prevention
from .regrid import Regrid
from .service import Service
from .shift import Shift
from .supervision import Supervision
from .surveys import Surveys
from .tasks import Tasks
from .verification import Verification
from .volunteers import Volunteers

SUBMODELS: tuple[type[Submodel], ...] = (
    Shift,             # 7.15 the working day
    Regrid,            # 7.39 households present today (before their needs are drawn); grids that adjust
    NeedArrivals,      # 7.2-7.4 needs arise
    Intake,            # 7.5-7.6, 7.13 report or stay latent; lapse
    Dispatch,          # 7.7, 7.10 routing and hand-offs
    Service,           # 7.8-7.10, 7.12 queueing, service, completion; abandonment
    Verification,      # 7.10-7.11 resolution, verification and rating
    Supervision,       # 7.34 督办: overdue cases escalated with supervision
    Discovery,         # 7.14 visits and patrol
    Surveys,           # 7.16 the satisfaction survey
    Volunteers,        # 7.26, 7.30 registered volunteers; routine mutual aid
    Tasks,             # 7.32 top-down tasks (上级交办) at the desks
    Deliberation,      # 7.36 deliberation (议事协商): collective issues, meetings, projects, festering
    Mediation,         # 7.37 safe communities (平安建设): the mediation chain for disputes
    Prevention,        # 7.38 collective prevention (群防群治): hazards, patrols, inspections, 双随机一公开
    EmergencyManager,  # 7.20-7.31 emergencies: detection, the switch, welfare contacts, volunteers' calls
)

__all__ = ["SUBMODELS", "Submodel"]
