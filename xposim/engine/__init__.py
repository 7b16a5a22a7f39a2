"""Simulation engine: compile once, integrate piecewise between events, tidy results."""

from xposim.engine.backend import Backend as Backend
from xposim.engine.events import Bolus as Bolus, Event as Event, Set as Set
from xposim.engine.results import Result as Result
from xposim.engine.roadrunner_backend import RoadRunnerBackend as RoadRunnerBackend
from xposim.engine.scipy_backend import ScipyBackend as ScipyBackend
from xposim.engine.simulator import Simulator as Simulator
