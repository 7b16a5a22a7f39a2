"""Calibrations as one capability: declared as data, run by ``xposim calibrate NAME``.

A calibration is a TOML declaration (``xposim/calibration/declarations/<name>.toml``):
the parameters it estimates (bounds, starts, scale, prior), its targets (reference
figure with uncertainty or range and source, and the registered target function that
computes the model's value) and the preset file it writes. The estimates go to
``xposim/presets/calibrated/<name>.toml`` with what they were fitted to, the residuals,
the date and the package version; model code reads them from there
(:func:`xposim.presets.loader.parameter_from_toml`), never from pasted numbers. See
docs/calibration.md.
"""

from xposim.calibration.declaration import (
    Calibration as Calibration,
    EstimatedParameter as EstimatedParameter,
    Target as Target,
    declaration_names as declaration_names,
    load_declaration as load_declaration,
)
from xposim.calibration.runner import (
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
