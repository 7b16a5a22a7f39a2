"""ODE integration between two times: the engine's one use of SciPy's ``solve_ivp``.

:func:`integrate` advances dy/dt = f(t, y) from ``t_from`` to ``t_to`` and returns the
states at requested times and at ``t_to``. The SciPy backend and the NONMEM event engine
both integrate through it, so they share its handling of intervals below the engine's
time resolution and of solver failures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from xposim.engine.backend import TIME_RESOLUTION
from xposim.errors import SimulationError

#: dy/dt = f(t, y) with t in h.
Derivative = Callable[[float, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Trajectory:
    """States at the requested ``times`` (rows: ``(len(times), n)``) and at the end."""

    times: np.ndarray
    states: np.ndarray
    final: np.ndarray


def integrate(f: Derivative, y0: np.ndarray, t_from: float, t_to: float, *,
              times: np.ndarray | None = None, method: str = "BDF", rtol: float = 1e-8,
              atol: float = 1e-10) -> Trajectory:
    """Integrate ``f`` from ``y0`` at ``t_from`` to ``t_to`` (h) with ``solve_ivp``
    (``method`` BDF, LSODA, Radau, ...), recording the states at ``times`` (within
    [t_from, t_to]). Raises :class:`IntegrationError` when the solver fails."""
    y0 = np.asarray(y0, dtype=float)
    record = np.empty(0) if times is None else np.asarray(times, dtype=float)
    h = t_to - t_from
    if h <= TIME_RESOLUTION * max(1.0, abs(t_from)):
        # below the time resolution (e.g. a lag of 5e-324 h) solve_ivp cannot step across
        # the interval and would loop; one Euler step is exact to O(h²)
        end = y0 + h * np.asarray(f(t_from, y0), dtype=float)
        states = np.repeat(end[None, :], record.size, axis=0)
        return Trajectory(record, states, end)
    sol = solve_ivp(f, (t_from, t_to), y0, method=method, rtol=rtol, atol=atol,
                    t_eval=record if record.size else None)
    _check(sol, t_from, t_to)
    if record.size == 0:
        return Trajectory(record, np.empty((0, y0.size)), sol.y[:, -1].copy())
    states = sol.y.T.copy()
    if record[-1] == t_to:
        return Trajectory(sol.t, states, sol.y[:, -1].copy())
    # the last recorded time is before t_to: carry on from there
    end = solve_ivp(f, (float(sol.t[-1]), t_to), sol.y[:, -1], method=method, rtol=rtol,
                    atol=atol)
    _check(end, float(sol.t[-1]), t_to)
    return Trajectory(sol.t, states, end.y[:, -1].copy())


class IntegrationError(SimulationError):
    """The solver failed between ``t_from`` and ``t_to`` (h); ``reason`` is its message.
    Callers add who was simulated (subject, record)."""

    def __init__(self, reason: str, t_from: float, t_to: float) -> None:
        super().__init__(f"integration failed between t={t_from:g} h and t={t_to:g} h: "
                         f"{reason}")
        self.reason, self.t_from, self.t_to = reason, t_from, t_to


def _check(sol: object, t_from: float, t_to: float) -> None:
    if not sol.success:  # type: ignore[attr-defined]
        raise IntegrationError(str(sol.message), t_from, t_to)  # type: ignore[attr-defined]
