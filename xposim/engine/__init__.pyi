"""The public face of xposim.engine (names load on first use; see __init__.py)."""

from .backend import (
    TIME_RESOLUTION as TIME_RESOLUTION,
    Backend as Backend,
)
from .equations import (
    ModelEquations as ModelEquations,
    model_equations as model_equations,
)
from .events import (
    Bolus as Bolus,
    Event as Event,
    Set as Set,
)
from .integrate import (
    IntegrationError as IntegrationError,
    Trajectory as Trajectory,
    integrate as integrate,
)
from .results import (
    Result as Result,
)
from .roadrunner_backend import (
    RoadRunnerBackend as RoadRunnerBackend,
)
from .scipy_backend import (
    ScipyBackend as ScipyBackend,
)
from .simulator import (
    Simulator as Simulator,
)
