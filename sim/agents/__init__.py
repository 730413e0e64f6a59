"""The four agent types: residents, grid workers, committees, the township."""

from .committee import Committee, Staff
from .grid_worker import GridWorker
from .resident import Resident
from .township import Township

__all__ = ["Committee", "GridWorker", "Resident", "Staff", "Township"]
