"""NONMEM-exact event handling over linear (closed form) and ODE systems.

``nm_simulate(dataset, model, params, outputs, omega=, sigma=, nsub=, seed=)``; the rules
are in docs/nonmem-semantics.md.
"""

from xposim.pharmacology.nonmem.kernel import kernel_model as kernel_model
from xposim.pharmacology.nonmem.models import (
    BUILTIN_MODELS as BUILTIN_MODELS,
    LinearModel as LinearModel,
    MatrixModel as MatrixModel,
    OdeModel as OdeModel,
    get_model as get_model,
)
from xposim.pharmacology.nonmem.simulate import amounts as amounts, nm_simulate as nm_simulate
from xposim.pharmacology.nonmem.variability import (
    Omega as Omega,
    Sigma as Sigma,
    parse_omega as parse_omega,
    parse_sigma as parse_sigma,
)
