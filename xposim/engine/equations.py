"""A model's equations as Python functions, read from the Module objects (not the SBML).

:func:`model_equations` generates the right-hand side dy/dt = rhs(t, y, p) and the
outputs (species, assignments, parameters) of a composed :class:`~xposim.model.Model`;
``p`` maps every parameter, input, compartment and derived parameter to its canonical
value (:meth:`ModelEquations.constants`). The SciPy backend integrates these functions,
and any layer that needs the equations themselves (e.g. the NONMEM event engine, which
applies its own dosing rules) takes them from here rather than from a backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from xposim.engine.plan import resolve_values
from xposim.model.module import Model


def _hill(x: float, k: float, n: float) -> float:
    # the textbook form, not the kernel's r / (1 + r): this backend is the independent
    # reading the SBML is checked against
    return float(x**n / (k**n + x**n))


_NAMESPACE = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "min": min,
              "max": max, "hill": _hill}

#: dy/dt = rhs(t, y, p): t in h, y the species values in :attr:`ModelEquations.species`
#: order (nM or amount), p canonical constants by name.
Rhs = Callable[[float, np.ndarray, Mapping[str, float]], np.ndarray]
#: outputs(t, y, p, names) -> values of the named species, assignments or constants.
Outputs = Callable[[float, np.ndarray, Mapping[str, float], Sequence[str]], list[float]]


@dataclass(frozen=True)
class ModelEquations:
    """The generated functions of one model: ``rhs``, ``outputs`` and the species order."""

    model: Model
    species: tuple[str, ...]
    rhs: Rhs
    outputs: Outputs

    def constants(self, parameters: Mapping[str, float] | None = None) -> dict[str, float]:
        """Canonical values of every constant ``rhs`` reads: the model's defaults with
        ``parameters`` overrides (canonical units), then the derived parameters."""
        return resolve_values(self.model, parameters)


def model_equations(model: Model) -> ModelEquations:
    """Generate the right-hand side and output functions of ``model``."""
    species = [s.name for s in model.species]
    comp_of = {s.name: s.compartment for s in model.species}
    amount = {s.name: s.amount for s in model.species}
    head = ["    time = t"]
    head += [f"    {n} = y[{i}]" for i, n in enumerate(species)]
    head += [f"    {a.name} = {a.expression.text}" for a in model.assignment_order]
    terms: dict[str, list[str]] = {n: [] for n in species}
    for r in model.reactions:
        head.append(f"    _r_{r.name} = {r.rate.text}")
        for sp, coeff in r.net_stoichiometry().items():
            if coeff == 0:
                continue
            if r.compartment is None or amount[sp]:
                term = f"({coeff!r}) * _r_{r.name}"
            else:
                term = f"({coeff!r}) * _r_{r.name} * {r.compartment} / {comp_of[sp]}"
            terms[sp].append(term)
    for rr in model.rate_rules:
        terms[rr.species].append(f"({rr.expression.text})")
    body = [f"    dy = _np.empty({len(species)})"]
    body += [f"    dy[{i}] = {' + '.join(terms[n]) or '0.0'}" for i, n in enumerate(species)]
    body.append("    return dy")
    constants = sorted(set(model.default_values()) | {d.name for d in model.derived}
                       | {c.name for c in model.compartments})
    unpack = [f"    {c} = p['{c}']" for c in constants]
    rhs_src = "def rhs(t, y, p):\n" + "\n".join(unpack + head + body) + "\n"
    out_src = ("def outputs(t, y, p, names):\n" + "\n".join(unpack + head)
               + "\n    _l = locals()\n    return [_l[n] if n in _l else p[n] for n in names]\n")
    ns: dict[str, Any] = dict(_NAMESPACE, _np=np)
    exec(compile(rhs_src + out_src, f"<xposim rhs {model.name}>", "exec"), ns)
    return ModelEquations(model, tuple(species), ns["rhs"], ns["outputs"])
