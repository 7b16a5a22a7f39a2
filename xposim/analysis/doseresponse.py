"""Dose–response curves: the four-parameter Hill (log-logistic) fit and IC50 with a 95% CI.

Model (concentration ``c`` in nM, ``h > 0``; ``top`` >= ``bottom`` are the plateaus)::

    kind="viability"  (falls with c):  y = bottom + (top - bottom) / (1 + (c / IC50)^h)
    kind="inhibition" (rises with c):  y = bottom + (top - bottom) / (1 + (IC50 / c)^h)

This is the 4PL of GraphPad Prism ("log(inhibitor) vs. response -- variable slope") and
of R drc ``LL.4`` (Ritz et al., PLoS ONE 2015, 10:e0146021). ``c = 0`` (the vehicle
control) is allowed: it is the plateau at zero drug (``top`` for viability, ``bottom``
for inhibition), so no log of zero is ever taken.

**Relative vs absolute IC50.** The fitted ``ic50_nM`` is the *relative* IC50: the
concentration halfway between the two fitted plateaus. The *absolute* IC50
(:attr:`HillFit.absolute_ic50_nM`) is the concentration at which the response crosses
0.5 itself (50% of the control for viability normalised to control = 1), which exists
only when 0.5 lies between the plateaus (Sebaugh, Pharm. Stat. 2011, 10:128, "Guidelines
for accurate EC50/IC50 estimation"). They coincide when bottom = 0 and top = 1.

**Confidence interval.** The fit estimates log10(IC50) directly, so the interval is the
Wald (delta-method) interval on log10 IC50 from the least-squares covariance
(J^T J)^-1 s^2 at the optimum (as ``scipy.optimize.curve_fit`` computes it), with the
Student t quantile on n - p degrees of freedom, transformed back:
``10**(logIC50 ± t * SE)``. It is asymmetric in
nM, as in Prism's "asymmetrical (profile likelihood)" default it approximates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special, stats

from xposim.errors import InputError

Kind = Literal["viability", "inhibition"]

#: Bounds on the Hill coefficient during the fit (dimensionless); a slope outside this
#: range means a step the concentrations cannot resolve.
HILL_BOUNDS = (0.05, 50.0)
#: How far (decades) the fitted IC50 may lie beyond the tested positive concentrations.
IC50_DECADES_BEYOND = 4.0
#: How far (in ranges of the data) a fitted plateau may lie beyond the observed responses.
PLATEAU_SPAN = 2.0
#: Function evaluations per start: a well-posed 4PL converges in < 50; more means a
#: degenerate valley (e.g. plateau and IC50 both running off beyond the data).
MAX_EVALUATIONS = 300
#: Half-width (decades of concentration) beyond which the IC50 CI is reported as absent.
MAX_CI_DECADES = 6.0
_LN10 = math.log(10.0)
#: Parameter order of the fit and of the Jacobian columns.
_PARAMS = ("log10_ic50", "hill", "bottom", "top")


@dataclass(frozen=True)
class HillFit:
    """A fitted 4-parameter Hill curve; concentrations in nM, responses as given (fraction).

    ``ic50_ci95_nM`` is ``None`` when the interval is not estimable (no residual degrees
    of freedom, or a singular covariance); ``status`` then says why. ``status == "ok"``
    means the fit converged, the IC50 lies within the tested range and the CI exists.
    """

    kind: Kind
    top: float
    bottom: float
    ic50_nM: float
    hill: float
    log10_ic50_se: float | None
    ic50_ci95_nM: tuple[float, float] | None
    residual_se: float
    n: int
    n_params: int
    status: str = "ok"
    #: Names of the fitted parameters, in the order of ``covariance``.
    free_params: tuple[str, ...] = _PARAMS
    #: Covariance of the fitted parameters (residual-variance scaled); ``None`` if not
    #: estimable.
    covariance: tuple[tuple[float, ...], ...] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def relative_ic50_nM(self) -> float:
        """Concentration halfway between the fitted plateaus (nM); same as ``ic50_nM``."""
        return self.ic50_nM

    @property
    def absolute_ic50_nM(self) -> float | None:
        """Concentration where the response equals 0.5 (nM); ``None`` if never reached."""
        lo, hi = self.bottom, self.top
        if not lo < 0.5 < hi:
            return None
        return self.inverse(0.5)

    def predict(self, conc_nM: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Response at ``conc_nM`` (nM, >= 0)."""
        c = np.asarray(conc_nM, dtype=float)
        if np.any(~np.isfinite(c)) or np.any(c < 0):
            raise InputError("conc_nM", "must be finite and >= 0 nM")
        return _curve(c, math.log10(self.ic50_nM), self.hill, self.bottom, self.top, self.kind)

    def inverse(self, response: float) -> float:
        """Concentration (nM) at which the curve gives ``response``.

        ``response`` must lie strictly between ``bottom`` and ``top``.
        """
        lo, hi = self.bottom, self.top
        if not (math.isfinite(response) and lo < response < hi):
            raise InputError("response", f"must lie strictly between the plateaus "
                             f"({lo:.4g}, {hi:.4g})", got=response)
        frac = (response - lo) / (hi - lo)  # fraction of the span above bottom
        # viability: frac = 1/(1+u); inhibition: frac = u/(1+u), u = (c/IC50)^h
        u = (1.0 - frac) / frac if self.kind == "viability" else frac / (1.0 - frac)
        return float(self.ic50_nM * u ** (1.0 / self.hill))

    def predict_band(self, conc_nM: float | Sequence[float] | np.ndarray,
                     level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise confidence band of the fitted mean curve at ``conc_nM`` (nM).

        Delta method: var y = J C J^T with J the gradient of the curve in the fitted
        parameters and C their covariance; Student t on n - p degrees of freedom.
        Raises InputError if the covariance is not estimable.
        """
        if self.covariance is None:
            raise InputError("covariance", "not estimable for this fit: no band", got=None)
        if not 0.0 < level < 1.0:
            raise InputError("level", "must be between 0 and 1", got=level)
        c = np.atleast_1d(np.asarray(conc_nM, dtype=float))
        y = self.predict(c)
        jac = _jacobian(c, math.log10(self.ic50_nM), self.hill, self.bottom, self.top,
                        self.kind)
        cov = np.asarray(self.covariance)
        j = jac[:, [_PARAMS.index(p) for p in self.free_params]]
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", j, cov, j), 0.0))
        tq = float(stats.t.ppf(0.5 + level / 2.0, max(self.n - self.n_params, 1)))
        return y - tq * se, y + tq * se

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["absolute_ic50_nM"] = self.absolute_ic50_nM
        return out


def hill_curve(conc_nM: float | Sequence[float] | np.ndarray, *, ic50_nM: float, hill: float,
               bottom: float = 0.0, top: float = 1.0, kind: Kind = "viability") -> np.ndarray:
    """The 4-parameter Hill curve itself (concentrations nM), for synthetic data and tests."""
    if not (ic50_nM > 0 and hill > 0):
        raise InputError("ic50_nM", "IC50 (nM) and hill must be > 0", got=(ic50_nM, hill))
    _check_kind(kind)
    return _curve(np.asarray(conc_nM, dtype=float), math.log10(ic50_nM), hill, bottom, top,
                  kind)


def _check_kind(kind: str) -> None:
    if kind not in ("viability", "inhibition"):
        raise InputError("kind", "must be 'viability' (falls with concentration) or "
                         "'inhibition' (rises)", got=kind)


def _frac(c: np.ndarray, log_ic50: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """g = 1/(1 + (c/IC50)^h) and the log-distance z = h (ln c - ln IC50) (-inf at c=0)."""
    with np.errstate(divide="ignore"):
        lnc = np.log(c)
    z = h * (lnc - log_ic50 * _LN10)
    return special.expit(-z), lnc - log_ic50 * _LN10


def _curve(c: np.ndarray, log_ic50: float, h: float, bottom: float, top: float,
           kind: str) -> np.ndarray:
    g, _ = _frac(c, log_ic50, h)
    share = g if kind == "viability" else 1.0 - g
    return bottom + (top - bottom) * share


def _jacobian(c: np.ndarray, log_ic50: float, h: float, bottom: float, top: float,
              kind: str) -> np.ndarray:
    """Columns d y / d (log10 IC50, h, bottom, top)."""
    g, dist = _frac(c, log_ic50, h)
    sign = 1.0 if kind == "viability" else -1.0
    dg_dz = -g * (1.0 - g)  # zero at c = 0, where dist = -inf
    span = top - bottom
    d_log = sign * span * dg_dz * (-h * _LN10)
    d_h = np.where(dg_dz == 0.0, 0.0, sign * span * dg_dz * np.where(np.isfinite(dist), dist,
                                                                       0.0))
    share = g if kind == "viability" else 1.0 - g
    return np.column_stack([d_log, d_h, 1.0 - share, share])


def _validate(conc: Sequence[float] | np.ndarray, response: Sequence[float] | np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray]:
    c = np.asarray(conc, dtype=float)
    y = np.asarray(response, dtype=float)
    if c.ndim != 1 or y.ndim != 1:
        raise InputError("conc_nM", "concentrations and responses must be 1-D sequences")
    if c.size != y.size:
        raise InputError("response", f"must have one value per concentration ({c.size})",
                         got=y.size)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise InputError("conc_nM", "must be finite and >= 0 nM (0 = vehicle control)")
    if not np.all(np.isfinite(y)):
        raise InputError("response", "must be finite (no NaN; drop missing wells)")
    if np.unique(c[c > 0]).size < 3:
        raise InputError("conc_nM", "needs at least 3 distinct concentrations > 0 nM",
                         got=int(np.unique(c[c > 0]).size))
    return c, y


def _covariance(jac: np.ndarray, sse: float, dof: int) -> np.ndarray:
    """Parameter covariance (J^T J)^-1 s^2 by SVD, s^2 = SSE/dof; inf where J is rank
    deficient (as scipy.optimize.curve_fit does)."""
    _, sv, vt = np.linalg.svd(jac, full_matrices=False)
    p = jac.shape[1]
    if dof <= 0 or sv.size < p or sv[-1] <= np.finfo(float).eps * max(jac.shape) * sv[0]:
        return np.full((p, p), np.inf)
    return (vt.T / sv ** 2) @ vt * (sse / dof)


def _midpoint_log(c: np.ndarray, y: np.ndarray, lo_log: float, hi_log: float) -> float:
    """log10 of the concentration where the mean response crosses mid-range (a start)."""
    pos = c > 0
    xs = np.unique(c[pos])
    means = np.array([y[c == x].mean() for x in xs])
    mid = 0.5 * (float(y.min()) + float(y.max()))
    above = means >= mid
    flips = np.nonzero(above[:-1] != above[1:])[0]
    if flips.size == 0:
        return 0.5 * (lo_log + hi_log)
    k = int(flips[0])
    return 0.5 * (math.log10(xs[k]) + math.log10(xs[k + 1]))


def fit_hill(conc_nM: Sequence[float] | np.ndarray, response: Sequence[float] | np.ndarray,
             *, kind: Kind = "viability", bottom: float | None = None,
             top: float | None = None) -> HillFit:
    """Fit the 4-parameter Hill curve to ``response`` vs ``conc_nM`` (nM; 0 allowed).

    ``kind="viability"``: the response falls with concentration (surviving fraction);
    ``kind="inhibition"``: it rises (fractional inhibition, 1 - viability). ``bottom`` and
    ``top`` fix a plateau instead of fitting it (e.g. ``top=1`` for viability normalised to
    the vehicle control). Replicate wells are separate points. Least squares, unweighted.

    Raises :class:`InputError` for too few points, non-finite values, flat data or data
    running the wrong way for ``kind``. Returns a :class:`HillFit` whose ``status`` flags
    an IC50 extrapolated beyond the tested concentrations or a missing CI.
    """
    _check_kind(kind)
    c, y = _validate(conc_nM, response)
    for name, v in (("bottom", bottom), ("top", top)):
        if v is not None and not math.isfinite(v):
            raise InputError(name, "must be a finite response or None (fitted)", got=v)
    if bottom is not None and top is not None and not bottom < top:
        raise InputError("bottom", "must be < top", got=(bottom, top))
    free = [bottom is None, top is None]
    n_params = 2 + sum(free)
    if c.size < n_params + 1:
        raise InputError("response", f"needs at least {n_params + 1} points to fit "
                         f"{n_params} parameters", got=c.size)
    scale = max(float(np.max(np.abs(y))), 1e-300)
    if float(np.ptp(y)) <= 1e-9 * scale:
        raise InputError("response", "is flat: it does not change with concentration, so "
                         "no curve or IC50 can be fitted")
    rho = stats.spearmanr(c, y).statistic
    wrong = rho > 0.5 if kind == "viability" else rho < -0.5
    if wrong:
        other = "inhibition" if kind == "viability" else "viability"
        raise InputError("kind", f"the response {'rises' if kind == 'viability' else 'falls'} "
                         f"with concentration (Spearman rho {rho:+.2f}); use kind='{other}' "
                         f"or 1 - response", got=kind)

    pos = c[c > 0]
    lo_log, hi_log = math.log10(pos.min()), math.log10(pos.max())
    log_bounds = (lo_log - IC50_DECADES_BEYOND, hi_log + IC50_DECADES_BEYOND)

    def unpack(p: np.ndarray) -> tuple[float, float, float, float]:
        k = 2
        b = bottom
        t = top
        if free[0]:
            b = p[k]
            k += 1
        if free[1]:
            t = p[k]
        return p[0], p[1], b, t  # type: ignore[return-value]

    cols = [0, 1] + [2 + i for i, f in enumerate(free) if f]

    def model(x: np.ndarray, *p: float) -> np.ndarray:
        return _curve(x, *unpack(np.asarray(p)), kind)

    def jac(x: np.ndarray, *p: float) -> np.ndarray:
        return _jacobian(x, *unpack(np.asarray(p)), kind)[:, cols]

    y_lo, y_hi = float(y.min()), float(y.max())
    b0 = y_lo if bottom is None else bottom
    t0 = y_hi if top is None else top
    # Plateaus may lie beyond the data, but not by more than PLATEAU_SPAN data ranges:
    # otherwise a plateau and the IC50 can run off together along a flat valley.
    span = PLATEAU_SPAN * (y_hi - y_lo)
    plateau_bounds = (y_lo - span, y_hi + span)
    lower = [log_bounds[0], HILL_BOUNDS[0]] + [plateau_bounds[0]] * sum(free)
    upper = [log_bounds[1], HILL_BOUNDS[1]] + [plateau_bounds[1]] * sum(free)
    def attempt(log0: float, h0: float) -> tuple[float, np.ndarray, np.ndarray] | None:
        p0 = [log0, h0] + ([b0] if free[0] else []) + ([t0] if free[1] else [])
        p0 = np.clip(p0, np.array(lower) + 1e-12, np.array(upper) - 1e-12)
        try:
            # Trust-region reflective least squares (what curve_fit uses with bounds). A
            # start that stops at MAX_EVALUATIONS is kept: with near-exact data the
            # relative tolerances can creep on after the fit is already exact.
            res = optimize.least_squares(lambda p: model(c, *p) - y, p0,
                                         jac=lambda p: jac(c, *p), bounds=(lower, upper),
                                         method="trf", xtol=1e-13, ftol=1e-13, gtol=1e-13,
                                         max_nfev=MAX_EVALUATIONS)
        except (RuntimeError, ValueError):
            return None
        if not np.all(np.isfinite(res.x)):
            return None
        sse = float(np.sum(res.fun ** 2))
        return sse, res.x, _covariance(res.jac, sse, c.size - len(p0))

    def interior(fit: tuple[float, np.ndarray, np.ndarray] | None) -> bool:
        if fit is None:
            return False
        lg, hh = fit[1][0], fit[1][1]
        return (log_bounds[0] + 1e-6 < lg < log_bounds[1] - 1e-6
                and HILL_BOUNDS[0] * (1 + 1e-6) < hh < HILL_BOUNDS[1] * (1 - 1e-6))

    # Start where the mean response crosses the middle of its range (two slopes); if that
    # lands on a bound, search a grid of starts across the tested range.
    log_mid = _midpoint_log(c, y, lo_log, hi_log)
    tries = [attempt(log_mid, h0) for h0 in (1.0, 3.0)]
    if not any(interior(t) for t in tries):
        tries += [attempt(lg, h0) for lg in np.linspace(lo_log, hi_log, 4) for h0 in (1.0, 3.0)]
    done = [t for t in tries if t is not None]
    best = min(done, key=lambda t: t[0]) if done else None
    if best is None:
        raise InputError("response", "the Hill fit did not converge from any start")
    sse, popt, pcov = best
    log_ic50, h, b, t = unpack(popt)
    if not t > b:
        raise InputError("response", f"no {'decrease' if kind == 'viability' else 'increase'}"
                         f" with concentration to fit (fitted top {t:.4g} <= bottom {b:.4g})")
    dof = c.size - n_params
    resid_se = math.sqrt(sse / dof)
    notes = []
    cov_out = None
    if pcov is not None and np.all(np.isfinite(pcov)):
        cov_out = tuple(tuple(float(v) for v in row) for row in np.asarray(pcov))
    se: float | None = None
    ci: tuple[float, float] | None = None
    var = float(pcov[0, 0]) if pcov is not None else math.inf
    if resid_se == 0.0:
        se, ci = 0.0, (float(10.0 ** log_ic50), float(10.0 ** log_ic50))
    elif math.isfinite(var) and var >= 0:
        se = math.sqrt(var)
        half = float(stats.t.ppf(0.975, dof)) * se
        if half <= MAX_CI_DECADES:
            ci = (float(10.0 ** (log_ic50 - half)), float(10.0 ** (log_ic50 + half)))
        else:
            notes.append(f"no CI: the data do not determine the IC50 (95% CI wider than "
                         f"±{MAX_CI_DECADES:g} decades)")
    else:
        notes.append("no CI: the covariance of log10 IC50 is not estimable")
    if not lo_log <= log_ic50 <= hi_log:
        notes.append("IC50 extrapolated beyond the tested concentrations "
                     f"({pos.min():g}-{pos.max():g} nM)")
    if any(math.isclose(v, bd, rel_tol=1e-6, abs_tol=1e-9)
           for v, bd in ((log_ic50, log_bounds[0]), (log_ic50, log_bounds[1]),
                         (h, HILL_BOUNDS[0]), (h, HILL_BOUNDS[1]),
                         *[(v, bd) for v, f in ((b, free[0]), (t, free[1])) if f
                           for bd in plateau_bounds])):
        notes.append("a parameter is at its bound: the data do not determine the curve")
    return HillFit(kind=kind, top=float(t), bottom=float(b), ic50_nM=float(10.0 ** log_ic50),
                   hill=float(h), log10_ic50_se=se, ic50_ci95_nM=ci, residual_se=resid_se,
                   n=int(c.size), n_params=n_params, status="; ".join(notes) or "ok",
                   free_params=tuple(_PARAMS[k] for k in cols), covariance=cov_out)
