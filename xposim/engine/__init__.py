"""Simulation engine: compile once, integrate piecewise between events, tidy results.

The engine knows no drugs: :class:`Bolus` (add an amount to a species) and :class:`Set`
(set a species, input or parameter) are generic state events; pharmacology lowers its
doses to them (:func:`xposim.pharmacology.dose_events.dose_events`).
"""

from xposim.engine.backend import TIME_RESOLUTION as TIME_RESOLUTION, Backend as Backend
from xposim.engine.equations import (
    ModelEquations as ModelEquations,
    model_equations as model_equations,
)
from xposim.engine.events import Bolus as Bolus, Event as Event, Set as Set
from xposim.engine.integrate import (
    IntegrationError as IntegrationError,
    Trajectory as Trajectory,
    integrate as integrate,
)
from xposim.engine.results import Result as Result
from xposim.engine.roadrunner_backend import RoadRunnerBackend as RoadRunnerBackend
from xposim.engine.scipy_backend import ScipyBackend as ScipyBackend
from xposim.engine.simulator import Simulator as Simulator
