"""Which patient model a trial runs.

The patient model (issue 13) is not available yet: :func:`patient_model_recipe` refuses
with a clear error unless a model is plugged in through ``XPOSIM_PATIENT_MODEL`` (a
``package.module:factory`` returning a :class:`~xposim.patient.outcome.PatientSimulator`,
e.g. a user's own model — the trial tests plug their test double in this way). When the
patient model lands, :data:`BUILTIN_MODEL` names its factory and this becomes the default.
"""

from __future__ import annotations

import os

from xposim.errors import InputError
from xposim.patient.outcome import SimulatorRecipe

#: ``package.module:factory`` of the built-in patient model (None until issue 13 lands).
BUILTIN_MODEL: str | None = None
ENV_VAR = "XPOSIM_PATIENT_MODEL"


def patient_model_recipe() -> SimulatorRecipe:
    """The recipe of the patient model to run (see the module docstring)."""
    plugged = os.environ.get(ENV_VAR, "").strip()
    if plugged:
        return SimulatorRecipe(plugged)
    if BUILTIN_MODEL is None:
        raise InputError("model", "the patient model is not available yet (issue 13); the "
                         "protocol, population and options were checked, nothing was run or "
                         f"written (a model can be plugged in with {ENV_VAR}="
                         "package.module:factory)")
    return SimulatorRecipe(BUILTIN_MODEL)
