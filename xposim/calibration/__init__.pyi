"""The public face of xposim.calibration (names load on first use; see __init__.py)."""

from .declaration import (
    Calibration as Calibration,
    EstimatedParameter as EstimatedParameter,
    Target as Target,
    declaration_names as declaration_names,
    load_declaration as load_declaration,
    parse_declaration as parse_declaration,
)
from .functions.pk import (
    bortezomib_figures as bortezomib_figures,
)
from .functions.target_engagement import (
    patient_cell_model as patient_cell_model,
)
from .runner import (
    Check as Check,
    Evaluation as Evaluation,
    FitResult as FitResult,
    Verification as Verification,
    check as check,
    evaluate as evaluate,
    fit as fit,
    stored_values as stored_values,
    verify as verify,
)
