"""SciPy backend: the model's equations generated as Python and integrated by solve_ivp.

An independent reading of the same Module objects (it never sees the SBML), used to check
that the SBML written by the kernel means what the modules say, and as the ODE reference
path in benchmarks. Slower than libRoadRunner.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from xposim.engine.backend import Backend
from xposim.engine.plan import RunPlan
from xposim.model.module import Model

_NAMESPACE = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "min": min,
              "max": max}


def _generate(model: Model) -> tuple[Callable[..., Any], Callable[..., Any], list[str]]:
    """Source of rhs(t, y, p) and outputs(t, y, p) for ``model`` (p: dict of constants)."""
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
    return ns["rhs"], ns["outputs"], species


class ScipyBackend(Backend):
    """solve_ivp (BDF by default; LSODA or Radau on request)."""

    def __init__(self, model: Model, *, method: str = "BDF", **kwargs: float) -> None:
        super().__init__(model, **kwargs)
        self.method = method
        self._rhs, self._outputs, self._sp_ids = _generate(model)
        self._sp_index = {n: i for i, n in enumerate(self._sp_ids)}

    def _start(self, plan: RunPlan) -> None:
        self._p = dict(plan.values)
        self._y = np.array([plan.initial[n] for n in self._sp_ids], dtype=float)
        self._t = plan.t0
        self._names = list(plan.outputs)

    def _advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        p = self._p
        sol = solve_ivp(lambda t, y: self._rhs(t, y, p), (t_from, t_to), self._y,
                        method=self.method, t_eval=record if record.size else None,
                        rtol=self.rtol, atol=self.atol, dense_output=False)
        if not sol.success:
            raise RuntimeError(sol.message)
        self._y = sol.y[:, -1].copy() if record.size == 0 or record[-1] == t_to else \
            self._final(sol, t_from, t_to)
        self._t = t_to
        if record.size == 0:
            return np.empty((0, len(self._names)))
        return np.array([self._outputs(t, sol.y[:, k], p, self._names)
                         for k, t in enumerate(sol.t)], dtype=float)

    def _final(self, sol: Any, t_from: float, t_to: float) -> np.ndarray:
        end = solve_ivp(lambda t, y: self._rhs(t, y, self._p), (float(sol.t[-1]), t_to),
                        sol.y[:, -1], method=self.method, rtol=self.rtol, atol=self.atol)
        if not end.success:
            raise RuntimeError(end.message)
        return end.y[:, -1].copy()

    def _set(self, name: str, value: float, *, species: bool) -> None:
        if species:
            self._y[self._sp_index[name]] = value
        else:
            self._p[name] = value

    def _get(self, name: str) -> float:
        if name in self._sp_index:
            return float(self._y[self._sp_index[name]])
        return float(self._outputs(self._t, self._y, self._p, [name])[0])

    def _read(self) -> np.ndarray:
        return np.array(self._outputs(self._t, self._y, self._p, self._names), dtype=float)
