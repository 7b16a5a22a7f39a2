"""ODE advance for nonlinear or user models, driven by the same steps; the integration
itself is the engine's (:func:`xposim.engine.integrate`, SciPy ``solve_ivp``).

Steady state has no closed form here: as NONMEM's general steady-state routines do, the
dose cycle is repeated from the current estimate until the amounts stop changing
(relative tolerance ``ss_rtol``), then the state is advanced to the record's phase
(II − ALAG, or 0 when ALAG >= II) of the cycle.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import numpy as np

from xposim.engine import IntegrationError, integrate
from xposim.errors import SimulationError, XposimError
from xposim.pharmacology.nonmem.events import BOLUS, OUT, RATE, RESET, SS, SteadyState, Steps

RhsRow = Callable[[float, np.ndarray], np.ndarray]


class OdeSystem:
    """Integrates dA/dt = f_row(t, A) + r between steps (one subject at a time).

    ``rhs_for_row(row)`` returns the right-hand side with that record's parameters.
    """

    def __init__(self, rhs_for_row: Callable[[int], RhsRow], n: int, *, rtol: float = 1e-10,
                 atol: float = 1e-12, method: str = "LSODA", ss_rtol: float = 1e-12,
                 max_cycles: int = 20_000) -> None:
        self.rhs_for_row = rhs_for_row
        self.n = n
        self.rtol, self.atol, self.method = rtol, atol, method
        self.ss_rtol, self.max_cycles = ss_rtol, max_cycles
        self._cache: dict[int, RhsRow] = {}

    def _rhs(self, row: int) -> RhsRow:
        if row not in self._cache:
            self._cache[row] = self.rhs_for_row(row)
        return self._cache[row]

    def advance(self, a: np.ndarray, r: np.ndarray, h: float, row: int, t0: float = 0.0
                ) -> np.ndarray:
        f = self._rhs(row)
        try:
            # intervals below the engine's time resolution (e.g. ALAG = 5e-324) are taken
            # as one Euler step there, never handed to the solver
            return integrate(lambda t, y: f(t, y) + r, a, t0, t0 + h, method=self.method,
                             rtol=self.rtol, atol=self.atol).final
        except IntegrationError as exc:
            raise SimulationError(f"integration failed over {h:g} h from t={t0:g}: "
                                  f"{exc.reason}") from exc

    def _segments(self, spec: SteadyState, start: float, stop: float
                  ) -> list[tuple[float, float]]:
        """(length, number of running infusions) pieces of the cycle phase [start, stop)."""
        tau, dur = spec.ii, spec.duration
        cuts = {start, stop}
        k = 0
        while dur - k * tau > start:
            if start < dur - k * tau < stop:
                cuts.add(dur - k * tau)
            k += 1
        pts = sorted(cuts)
        out = []
        for lo, hi in itertools.pairwise(pts):
            mid = 0.5 * (lo + hi)
            count = sum(1 for j in range(int(dur / tau) + 2) if mid + j * tau < dur)
            out.append((hi - lo, float(count)))
        return out

    def _through(self, x: np.ndarray, spec: SteadyState, stop: float, row: int
                 ) -> np.ndarray:
        """Dose at phase 0 (x is the pre-dose state), then advance to phase ``stop``."""
        e_c = np.zeros(self.n)
        e_c[spec.cmt] = 1.0
        x = x.copy()
        if spec.kind == "bolus":
            x = x + spec.amount * e_c
            return self.advance(x, np.zeros(self.n), stop, row) if stop > 0 else x
        for h, count in self._segments(spec, 0.0, stop):
            x = self.advance(x, count * spec.rate * e_c, h, row)
        return x

    def steady_state(self, spec: SteadyState, row: int) -> np.ndarray:
        """Pre-dose steady state by repeating the dose cycle (fixed-point iteration).

        The cycle map contracts geometrically (ratio ρ = the slowest e^(-k·II)), so the
        remaining error after a change Δ is about Δ·ρ/(1-ρ): iteration stops when that is
        below ``max(ss_rtol, 10·rtol)`` of the amounts. The integrator's own noise
        (``rtol``) sets a floor: once changes within 100·rtol have failed to shrink, the
        estimate is as good as the integration allows and is accepted rather than
        iterated forever.
        """
        e_c = np.zeros(self.n)
        e_c[spec.cmt] = 1.0
        x = np.zeros(self.n)
        prev_delta = math.inf
        stalled = 0
        for _ in range(self.max_cycles):
            if spec.kind == "constant":
                nxt = self.advance(x, spec.rate * e_c, 24.0, row)
            else:
                nxt = self._through(x, spec, spec.ii, row)
            scale = max(float(np.max(np.abs(nxt))), 1e-300)
            delta = float(np.max(np.abs(nxt - x)))
            x = nxt
            rho = delta / prev_delta if prev_delta > 0 and math.isfinite(prev_delta) else 1.0
            tol = max(self.ss_rtol, 10.0 * self.rtol) * scale  # no finer than the solver
            if delta == 0.0 or (rho < 1.0 and delta * rho / (1.0 - rho) <= tol):
                break
            stalled += rho >= 1.0  # changes that failed to shrink: noise, not convergence
            if stalled >= 2 and delta <= 100.0 * self.rtol * scale:
                break  # at the integrator's noise floor
            prev_delta = delta
        else:
            raise SimulationError(f"no steady state within {self.max_cycles} dosing "
                                  "cycles")
        if spec.kind == "constant":
            return x
        return self._through(x, spec, spec.phase, row)


def run_steps_ode(system: OdeSystem, steps: Steps, n_rows: int, n: int
                  ) -> tuple[np.ndarray, dict[int, tuple[int, XposimError]]]:
    """Amounts (records, n) after each record's event, subject by subject, and the
    subjects that failed (subject -> (record, error)); their amounts stay NaN."""
    out = np.full((n_rows, n), np.nan)
    failed: dict[int, tuple[int, XposimError]] = {}
    n_sub, width = steps.time.shape
    for s in range(n_sub):
        a = np.zeros(n)
        r = np.zeros(n)
        tprev = steps.time[s, 0]
        written: list[int] = []
        row = int(steps.prow[s, 0])
        try:
            for j in range(width):
                kind = steps.kind[s, j]
                if kind < 0:
                    break
                tj = steps.time[s, j]
                row = int(steps.prow[s, j])
                if tj > tprev:
                    a = system.advance(a, r, tj - tprev, row, tprev)
                tprev = tj
                c = steps.cmt[s, j]
                if kind == BOLUS:
                    a[c] += steps.value[s, j]
                elif kind == RATE:
                    r[c] += steps.value[s, j]
                elif kind == RESET:
                    a[:] = 0.0
                    r[:] = 0.0
                elif kind == SS:
                    a = a + system.steady_state(steps.ss[steps.ref[s, j]], row)
                elif kind == OUT:
                    out[steps.ref[s, j]] = a
                    written.append(int(steps.ref[s, j]))
        except XposimError as exc:
            failed[s] = (row, exc)
            out[written] = np.nan
    return out, failed


def rhs_rows(rhs: Callable[[float, np.ndarray, Mapping[str, float]], np.ndarray],
             params: Mapping[str, np.ndarray]) -> Callable[[int], RhsRow]:
    """Bind a user rhs(t, A, p) to each record's parameter values."""
    def for_row(row: int) -> RhsRow:
        p = {k: float(v[row]) for k, v in params.items()}
        return lambda t, y: np.asarray(rhs(t, y, p), dtype=float)
    return for_row
