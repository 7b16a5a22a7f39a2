"""Which patient model a trial runs.

The built-in patient model (issue 13, :func:`xposim.patient.runner.clinical_simulator`) is
the default; ``XPOSIM_PATIENT_MODEL`` (a ``package.module:factory`` returning a
:class:`~xposim.patient.outcome.PatientSimulator`) plugs in another one, e.g. a user's own
model — the trial tests plug their test double in this way.
"""

from __future__ import annotations

import os

from xposim.patient.outcome import SimulatorRecipe

#: ``package.module:factory`` of the built-in patient model.
BUILTIN_MODEL: str = "xposim.patient.runner:clinical_simulator"
ENV_VAR = "XPOSIM_PATIENT_MODEL"


def patient_model_recipe() -> SimulatorRecipe:
    """The recipe of the patient model to run (see the module docstring)."""
    plugged = os.environ.get(ENV_VAR, "").strip()
    return SimulatorRecipe(plugged or BUILTIN_MODEL)
