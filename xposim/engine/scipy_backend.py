"""SciPy backend: the model's equations generated as Python and integrated by solve_ivp.

An independent reading of the same Module objects (it never sees the SBML), used to check
that the SBML written by the kernel means what the modules say, and as the ODE reference
path in benchmarks. Slower than libRoadRunner. The equations come from
:mod:`xposim.engine.equations`, the integration from :mod:`xposim.engine.integrate`.
"""

from __future__ import annotations

import numpy as np

from xposim.engine.backend import Backend
from xposim.engine.equations import model_equations
from xposim.engine.integrate import IntegrationError, integrate
from xposim.engine.plan import RunPlan
from xposim.model.module import Model


class ScipyBackend(Backend):
    """solve_ivp (BDF by default; LSODA or Radau on request)."""

    def __init__(self, model: Model, *, method: str = "BDF", **kwargs: float) -> None:
        super().__init__(model, **kwargs)
        self.method = method
        eq = model_equations(model)
        self._rhs, self._outputs, self._sp_ids = eq.rhs, eq.outputs, list(eq.species)
        self._sp_index = {n: i for i, n in enumerate(self._sp_ids)}

    def _start(self, plan: RunPlan) -> None:
        self._p = dict(plan.values)
        self._y = np.array([plan.initial[n] for n in self._sp_ids], dtype=float)
        self._t = plan.t0
        self._names = list(plan.outputs)

    def _advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        p = self._p
        try:
            traj = integrate(lambda t, y: self._rhs(t, y, p), self._y, t_from, t_to,
                             times=record, method=self.method, rtol=self.rtol, atol=self.atol)
        except IntegrationError as exc:
            raise RuntimeError(exc.reason) from exc  # the run adds subject and times
        self._y = traj.final
        self._t = t_to
        if record.size == 0:
            return np.empty((0, len(self._names)))
        return np.array([self._outputs(t, y, p, self._names)
                         for t, y in zip(traj.times, traj.states, strict=True)], dtype=float)

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
