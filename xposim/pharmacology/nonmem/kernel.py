"""Run a kernel Model (e.g. a drug's PK module) through the NONMEM event engine.

The model's own equations (:func:`xposim.engine.model_equations`, the engine's public
reading of the Module objects) become the system; compartment n is the model's n-th
species. A model whose right-hand side is linear and homogeneous (checked numerically)
becomes a :class:`MatrixModel` with K its exact Jacobian, so it runs in closed form; any
other model is an :class:`OdeModel`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from xposim.engine import model_equations
from xposim.model import Model
from xposim.pharmacology.nonmem.models import MatrixModel, OdeModel


def kernel_model(model: Model, parameters: Mapping[str, float] | None = None, *,
                 linear: bool | None = None) -> MatrixModel | OdeModel:
    """The NONMEM-engine system of a kernel ``model`` with ``parameters`` overrides
    (canonical units).

    ``linear=None`` decides from the equations: f(0) = 0 and f(x + 2y) = f(x) + 2 f(y) at
    random amounts (relative 1e-12).
    """
    eq = model_equations(model)
    rhs, species = eq.rhs, eq.species
    values = eq.constants(parameters)
    n = len(species)
    if linear is not False:
        zero = np.asarray(rhs(0.0, np.zeros(n), values), dtype=float)
        k = np.column_stack([np.asarray(rhs(0.0, np.eye(n)[j], values), dtype=float) - zero
                             for j in range(n)])
        rng = np.random.default_rng(0)
        ok = bool(np.all(zero == 0))
        for _ in range(3):
            x, y = rng.uniform(0, 1e3, n), rng.uniform(0, 1e3, n)
            lhs = np.asarray(rhs(0.0, x + 2 * y, values), dtype=float)
            ok &= bool(np.allclose(lhs, k @ (x + 2 * y), rtol=1e-12,
                                   atol=1e-12 * float(np.max(np.abs(lhs)) + 1e-300)))
        if ok or linear:
            return MatrixModel(model.name, tuple(species), k)
    return OdeModel(model.name, tuple(species), (),
                    lambda t, a, p: np.asarray(rhs(t, a, values), dtype=float))
