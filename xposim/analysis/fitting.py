"""Bounded fitting of named parameters: least squares or minimisation over log-parameters.

A :class:`Fitter` follows scikit-learn's parameter discipline: its settings are explicit
keyword arguments stored unchanged; :meth:`Fitter.fit` takes the problem (a function from
named parameter values to a residual vector) and one or more starting points, and stores
what it learned in trailing-underscore attributes (``estimates_``, ``residuals_``,
``cost_``...). It knows nothing about the model being fitted.

Parameters are searched on a log scale (``scale="log"``, the default: rate constants,
volumes, half-lives) or a linear one (``"linear"``: shares and SDs that may be 0), always
inside their bounds. ``method="least_squares"`` uses :func:`scipy.optimize.least_squares`
(trust-region reflective) on the residuals; ``"powell"``, ``"nelder-mead"`` and
``"l-bfgs-b"`` use :func:`scipy.optimize.minimize` on the sum of squared residuals.
``cost_`` is half the sum of squared residuals in both cases (SciPy's convention).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import optimize

from xposim.errors import InputError

Residuals = Callable[[Mapping[str, float]], np.ndarray]
METHODS: tuple[str, ...] = ("least_squares", "powell", "nelder-mead", "l-bfgs-b")
SCALES: tuple[str, ...] = ("log", "linear")


class Fitter:
    """Fit named parameters within bounds to a residual function.

    Parameters
    ----------
    bounds:
        name -> (low, high), in the parameter's own unit; fixes the parameter order.
    scale:
        ``"log"`` or ``"linear"`` for all parameters, or a mapping name -> scale.
    method:
        one of :data:`METHODS`.
    xtol, ftol, gtol:
        convergence tolerances passed to SciPy (``xtol`` on the transformed parameters).
    max_evaluations:
        upper bound on residual evaluations per start (None: SciPy's default).
    diff_step:
        finite-difference step for ``least_squares``: ``diff_step * max(1, |x|)`` in the
        searched coordinate ``x`` (the log of the value on a log scale, so a step of
        ``diff_step`` is a relative change of the value), forward, backward at an upper
        bound. None: SciPy's default step (~1.5e-8, for smooth residuals only).
    penalty:
        residual value substituted, for every component, when the residual function
        raises one of ``recoverable`` or returns non-finite values (steers the search
        away from points where the model fails); None: such a point is an error.
    recoverable:
        exception types treated as a failed point (e.g. a solver failure).
    callback:
        called after every evaluation with (evaluation number, cost).
    """

    def __init__(self, *, bounds: Mapping[str, tuple[float, float]],
                 scale: str | Mapping[str, str] = "log", method: str = "least_squares",
                 xtol: float = 1e-8, ftol: float = 1e-8, gtol: float = 1e-8,
                 max_evaluations: int | None = None, diff_step: float | None = None,
                 penalty: float | None = None,
                 recoverable: tuple[type[Exception], ...] = (),
                 callback: Callable[[int, float], None] | None = None) -> None:
        self.bounds = bounds
        self.scale = scale
        self.method = method
        self.xtol = xtol
        self.ftol = ftol
        self.gtol = gtol
        self.max_evaluations = max_evaluations
        self.diff_step = diff_step
        self.penalty = penalty
        self.recoverable = recoverable
        self.callback = callback

    # -- settings -------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The settings, exactly as given."""
        return {k: getattr(self, k) for k in (
            "bounds", "scale", "method", "xtol", "ftol", "gtol", "max_evaluations",
            "diff_step", "penalty", "recoverable", "callback")}

    def _validated(self) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
        if self.method not in METHODS:
            raise InputError("method", f"must be one of {METHODS}", got=self.method)
        names = list(self.bounds)
        if not names:
            raise InputError("bounds", "name at least one parameter to fit")
        scales = [self.scale.get(n, "log") if isinstance(self.scale, Mapping) else self.scale
                  for n in names]
        if isinstance(self.scale, Mapping) and set(self.scale) - set(names):
            raise InputError("scale", "names parameters without bounds",
                             got=sorted(set(self.scale) - set(names)))
        lo, hi = [], []
        for n, s in zip(names, scales, strict=True):
            if s not in SCALES:
                raise InputError(f"scale of {n}", f"must be one of {SCALES}", got=s)
            a, b = (float(v) for v in self.bounds[n])
            if not (math.isfinite(a) and math.isfinite(b) and a < b):
                raise InputError(f"bounds of {n}", "must be finite with low < high",
                                 got=(a, b))
            if s == "log" and a <= 0:
                raise InputError(f"bounds of {n}", "must be > 0 on a log scale", got=(a, b))
            lo.append(math.log(a) if s == "log" else a)
            hi.append(math.log(b) if s == "log" else b)
        for k in ("xtol", "ftol", "gtol"):
            v = getattr(self, k)
            if not (isinstance(v, int | float) and 0 < v < 1):
                raise InputError(k, "must be in (0, 1)", got=v)
        if self.max_evaluations is not None and self.max_evaluations < 1:
            raise InputError("max_evaluations", "must be >= 1", got=self.max_evaluations)
        return names, np.array(lo), np.array(hi), scales

    # -- fitting --------------------------------------------------------------------
    def fit(self, residuals: Residuals,
            starts: Mapping[str, float] | Sequence[Mapping[str, float]]) -> Fitter:
        """Fit from each start (in the parameters' units); the lowest cost wins.

        ``residuals`` maps {name: value} to a 1-D array of residuals (fixed length).
        """
        names, lo, hi, scales = self._validated()
        start_list = [starts] if isinstance(starts, Mapping) else list(starts)
        if not start_list:
            raise InputError("starts", "give at least one starting point")

        def to_values(x: np.ndarray) -> dict[str, float]:
            return {n: float(math.exp(v) if s == "log" else v)
                    for n, v, s in zip(names, x, scales, strict=True)}

        n_eval = 0
        size: list[int] = []

        def evaluate(x: np.ndarray) -> np.ndarray:
            nonlocal n_eval
            n_eval += 1
            values = to_values(np.clip(x, lo, hi))
            try:
                r = np.atleast_1d(np.asarray(residuals(values), float))
                problem = "" if np.all(np.isfinite(r)) else "non-finite residuals"
            except self.recoverable as exc:
                if not size:  # the residual length is not known yet
                    raise InputError("residuals", f"cannot be evaluated at the start "
                                     f"{values}: {exc}") from exc
                r, problem = np.full(size[0], np.nan), str(exc)
            if problem:
                if self.penalty is None or not size:
                    raise InputError("residuals", f"{problem} at {values}")
                r = np.full(size[0], float(self.penalty))
            if not size:
                size.append(r.size)
            elif r.size != size[0]:
                raise InputError("residuals", f"length changed from {size[0]} to {r.size}")
            if self.callback is not None:
                self.callback(n_eval, 0.5 * float(r @ r))
            return r

        results = []
        for i, start in enumerate(start_list):
            missing = set(names) - set(start)
            if missing:
                raise InputError(f"start {i}", "misses parameters", got=sorted(missing))
            x0 = []
            for n, s, a, b in zip(names, scales, lo, hi, strict=True):
                v = float(start[n])
                t = math.log(v) if s == "log" and v > 0 else v
                if (s == "log" and v <= 0) or not a <= t <= b:
                    raise InputError(f"start {i}: {n}", f"must be within bounds "
                                     f"{tuple(self.bounds[n])}", got=v)
                x0.append(t)
            results.append(self._run(evaluate, np.array(x0), lo, hi))
        best = min(range(len(results)), key=lambda k: results[k][1])
        x, _, success, message, _ = results[best]
        r = evaluate(x)
        self.estimates_ = to_values(x)
        self.residuals_ = r
        self.cost_ = 0.5 * float(r @ r)
        self.success_ = bool(success)
        self.message_ = str(message)
        self.n_evaluations_ = n_eval
        self.start_ = dict(start_list[best])
        self.start_costs_ = [float(res[1]) for res in results]
        return self

    def _with_jacobian(self, evaluate: Callable[[np.ndarray], np.ndarray], hi: np.ndarray,
                       ) -> tuple[Callable[[np.ndarray], np.ndarray],
                                  Callable[[np.ndarray], np.ndarray]]:
        """The residuals (the last point remembered, so the Jacobian reuses it) and their
        forward-difference Jacobian with steps ``diff_step * max(1, |x|)``.

        SciPy scales a user's relative step by ``|x|`` alone, so at x = 0 - a log-scale
        parameter at exactly 1, or a linear one at 0 - the step falls to ~1.5e-8, below
        the noise of a residual computed by an ODE solver: the Jacobian is then 0 and the
        search stops where it stands. SciPy's own default step uses ``max(1, |x|)``; so
        does this one, with the caller's step size.
        """
        step = float(self.diff_step)  # type: ignore[arg-type]
        last: dict[bytes, np.ndarray] = {}

        def f(x: np.ndarray) -> np.ndarray:
            key = np.asarray(x, float).tobytes()
            if key not in last:
                last.clear()
                last[key] = evaluate(x)
            return last[key]

        def jac(x: np.ndarray) -> np.ndarray:
            f0 = f(x)
            out = np.empty((f0.size, x.size))
            for i in range(x.size):
                h = step * max(1.0, abs(float(x[i])))
                if x[i] + h > hi[i]:  # stay inside the bounds: step backward
                    h = -h
                xi = np.array(x, float)
                xi[i] += h
                out[:, i] = (evaluate(xi) - f0) / (xi[i] - x[i])
            return out

        return f, jac

    def _run(self, evaluate: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
             lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, float, bool, str, int]:
        if self.method == "least_squares":
            kw: dict[str, Any] = {}
            fun = evaluate
            if self.diff_step is not None:
                fun, kw["jac"] = self._with_jacobian(evaluate, hi)
            sol = optimize.least_squares(fun, x0, bounds=(lo, hi), xtol=self.xtol,
                                         ftol=self.ftol, gtol=self.gtol,
                                         max_nfev=self.max_evaluations, **kw)
            return sol.x, float(sol.cost), sol.success, sol.message, sol.nfev

        def objective(x: np.ndarray) -> float:
            r = evaluate(x)
            return 0.5 * float(r @ r)

        options: dict[str, Any] = {}
        method = {"powell": "Powell", "nelder-mead": "Nelder-Mead",
                  "l-bfgs-b": "L-BFGS-B"}[self.method]
        if method == "Powell":
            options.update(xtol=self.xtol, ftol=self.ftol)
        elif method == "Nelder-Mead":
            options.update(xatol=self.xtol, fatol=self.ftol)
        else:
            options.update(ftol=self.ftol, gtol=self.gtol)
        if self.max_evaluations is not None:
            options["maxfev" if method != "L-BFGS-B" else "maxfun"] = self.max_evaluations
        sol = optimize.minimize(objective, x0, method=method, bounds=list(zip(lo, hi,
                                                                             strict=True)),
                                options=options)
        return np.clip(sol.x, lo, hi), float(sol.fun), bool(sol.success), str(sol.message), \
            int(sol.nfev)
