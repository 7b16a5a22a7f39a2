"""The experiments layer's face: dish exposures, viability, IC50s, combinations, predictions."""

from .combination import combination_grid as combination_grid
from .dose_response import (
    DoseResponse as DoseResponse,
    run_dose_response as run_dose_response,
)
from .exposure import (
    Exposure as Exposure,
    run_exposure as run_exposure,
    untreated_state as untreated_state,
)
from .predictions import (
    SEL_DEX_AXES as SEL_DEX_AXES,
    bliss_excess as bliss_excess,
    c528s_shift as c528s_shift,
    ic50_nM as ic50_nM,
    therapeutic_window as therapeutic_window,
)
from .sensitivity import (
    MAIN_PARAMETERS as MAIN_PARAMETERS,
    local_sensitivity as local_sensitivity,
    window_over_bounds as window_over_bounds,
)
from .viability import (
    fate_timecourse as fate_timecourse,
    surviving_fraction as surviving_fraction,
    viability_curve as viability_curve,
)
