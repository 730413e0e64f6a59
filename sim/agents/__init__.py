"""The agents: residents, grid workers, committees, the township, county departments; and the servers who work queues."""

from .committee import Committee, Staff
from .county import CountyDepartment
from .grid_worker import GridWorker
from .resident import Resident
from .server import Server
from .township import Township

__all__ = ["Committee", "CountyDepartment", "GridWorker", "Resident", "Server", "Staff", "Township"]
