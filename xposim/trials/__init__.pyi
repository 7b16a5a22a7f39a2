"""The public face of xposim.trials (names load on first use; see __init__.py)."""

from .endpoints import (
    clopper_pearson as clopper_pearson,
    km_median as km_median,
    trial_endpoints as trial_endpoints,
)
from .population import (
    Population as Population,
    load_population as load_population,
    population_names as population_names,
)
from .protocol import (
    Protocol as Protocol,
    load_protocol as load_protocol,
    parse_protocol as parse_protocol,
    protocol_names as protocol_names,
)
from .run import (
    TrialRun as TrialRun,
    run_trial as run_trial,
)
from .store import TrialFolder as TrialFolder
