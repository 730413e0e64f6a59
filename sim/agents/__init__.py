"""The agents: residents, grid workers, committees, the township; and the servers who work queues."""

from .committee import Committee, Staff
from .grid_worker import GridWorker
from .resident import Resident
from .server import Server
from .township import Township

__all__ = ["Committee", "GridWorker", "Resident", "Server", "Staff", "Township"]
