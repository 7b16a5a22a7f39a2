"""Non-compartmental analysis (NCA) of one concentration-time profile.

Units: time in h, concentration in ng/mL, dose in mg; so AUC is ng·h/mL, CL/F is L/h
(mg·1000 / (ng·h/mL)) and Vz/F is L.

Rules (those of PKNCA and Phoenix WinNonlin, stated so results can be compared):

- **AUC** by the *linear-up/log-down* trapezoidal rule: a segment whose concentration falls
  (both ends > 0) is integrated as an exponential decay, any other segment linearly.
  AUMC uses the same rule on ``t·C``.
- **Pre-dose point**: for extravascular doses with no sample at the dose time, a sample of
  ``predose`` (default 0 ng/mL) is inserted there. For an IV bolus C0 is back-extrapolated
  log-linearly from the first two samples (when they decline), else the first sample is
  used, as WinNonlin does.
- **λz** (terminal slope): log-linear least squares on the last *k* samples, k >= 3, using
  only samples after Tmax (Cmax excluded) with C > 0. Among all k the best adjusted R²
  is found; the largest k whose adjusted R² is within ``adj_r2_tolerance`` (1e-4) of the
  best is chosen (PKNCA ``adj.r.squared.factor``; WinNonlin "best fit"). The slope must
  be negative. adjusted R² = 1 - (1 - R²)(k - 1)/(k - 2).
- **AUCinf** = AUClast + Clast/λz (observed Clast); %AUC extrapolated =
  100·(AUCinf - AUClast)/AUCinf. CL/F = dose/AUCinf, Vz/F = dose/(λz·AUCinf),
  MRT = AUMCinf/AUCinf, and for an IV bolus Vss = CL·MRT.

**Acceptance flags** (PKNCA's defaults, ``PKNCA.options``: ``min.span.ratio`` 2,
``max.aucinf.pext`` 20, ``min.hl.r.squared`` 0.9): the λz-derived values are still
reported, but ``flags`` names each rule they break, e.g. a first-dose interval of a drug
whose half-life is longer than the interval (bortezomib between twice-weekly doses).

When the terminal phase cannot be estimated (fewer than 3 usable samples after Tmax, or
no decline) the quantities that need λz are ``None`` and ``lambda_z_note`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from xposim.errors import InputError

Route = Literal["extravascular", "iv_bolus"]

#: Minimum number of samples for the terminal log-linear regression (PKNCA/WinNonlin).
MIN_LAMBDA_Z_POINTS = 3
#: PKNCA's adj.r.squared.factor: prefer more points when adjusted R² is this close.
ADJ_R2_TOLERANCE = 1e-4
#: PKNCA.options defaults for accepting a half-life and AUCinf (flags, not exclusions).
MIN_SPAN_RATIO = 2.0  # (last - first time of the λz points) / t½
MAX_AUC_PCT_EXTRAP = 20.0  # %
MIN_LAMBDA_Z_ADJ_R2 = 0.9


@dataclass(frozen=True)
class LambdaZ:
    """The terminal regression: slope λz (1/h), points used, fit quality."""

    lambda_z: float
    n_points: int
    adj_r_squared: float
    r_squared: float
    t_first: float
    t_last: float
    intercept: float  # ln(C) at t = 0 of the regression line

    @property
    def half_life(self) -> float:
        return math.log(2.0) / self.lambda_z


@dataclass(frozen=True)
class NCAResult:
    """NCA of one profile. Times in h (from the dose), concentrations ng/mL, AUC ng·h/mL,
    AUMC ng·h²/mL, CL/F L/h, volumes L. ``None`` where not estimable."""

    cmax_ng_ml: float
    tmax_h: float
    clast_ng_ml: float
    tlast_h: float
    auc_last_ng_h_ml: float
    aumc_last_ng_h2_ml: float
    lambda_z_per_h: float | None
    lambda_z_points: int | None
    lambda_z_adj_r2: float | None
    half_life_h: float | None
    auc_inf_ng_h_ml: float | None
    auc_pct_extrap: float | None
    aumc_inf_ng_h2_ml: float | None
    mrt_h: float | None
    dose_mg: float | None
    cl_f_l_h: float | None
    vz_f_l: float | None
    vss_l: float | None
    route: str
    lambda_z_note: str = ""
    lambda_z_span_ratio: float | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, float | int | str | None]:
        return asdict(self)


def _validate(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    c = np.asarray(conc, dtype=float)
    if t.ndim != 1 or c.ndim != 1:
        raise InputError("time", "time and concentration must be 1-D sequences")
    if t.size != c.size:
        raise InputError("concentration", f"must have one value per time ({t.size} times)",
                         got=c.size)
    if t.size < 3:
        raise InputError("time", "NCA needs at least 3 samples", got=t.size)
    if not np.all(np.isfinite(t)):
        raise InputError("time", "must be finite (h)")
    if not np.all(np.isfinite(c)):
        raise InputError("concentration", "must be finite (no NaN; drop missing samples)")
    if np.any(np.diff(t) <= 0):
        k = int(np.argmax(np.diff(t) <= 0))
        raise InputError("time", "must be strictly increasing (sorted, no duplicates); "
                         f"sample {k + 1} at {t[k + 1]:g} h follows {t[k]:g} h")
    if np.any(c < 0):
        k = int(np.argmax(c < 0))
        raise InputError("concentration", f"must be >= 0 ng/mL; sample at {t[k]:g} h is "
                         f"{c[k]:g}")
    return t, c


def _segment_auc(t1: float, t2: float, c1: float, c2: float) -> tuple[float, float]:
    """(AUC, AUMC) of one segment by linear-up/log-down."""
    dt = t2 - t1
    if c2 < c1 and c2 > 0.0:
        lr = math.log(c1 / c2)
        auc = (c1 - c2) * dt / lr
        aumc = (c1 * t1 - c2 * t2) * dt / lr + (c1 - c2) * dt * dt / (lr * lr)
        return auc, aumc
    return 0.5 * (c1 + c2) * dt, 0.5 * (c1 * t1 + c2 * t2) * dt


def auc_linear_up_log_down(time: Sequence[float] | np.ndarray,
                           conc: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(AUC, AUMC) from the first to the last sample (ng·h/mL, ng·h²/mL)."""
    t = np.asarray(time, dtype=float)
    c = np.asarray(conc, dtype=float)
    auc = aumc = 0.0
    for i in range(t.size - 1):
        a, m = _segment_auc(float(t[i]), float(t[i + 1]), float(c[i]), float(c[i + 1]))
        auc += a
        aumc += m
    return auc, aumc


def _interpolate(t1: float, t2: float, c1: float, c2: float, t: float) -> float:
    """Concentration at t inside [t1, t2], consistent with linear-up/log-down."""
    f = (t - t1) / (t2 - t1)
    if c2 < c1 and c2 > 0.0:
        return c1 * (c2 / c1) ** f
    return c1 + f * (c2 - c1)


def auc_between(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray,
                start: float, end: float) -> float:
    """Partial AUC (ng·h/mL) from ``start`` to ``end`` h, interpolating inside segments.

    Both limits must lie within the sampled times.
    """
    t, c = _validate(time, conc)
    if not t[0] <= start < end <= t[-1]:
        raise InputError("interval", f"must satisfy {t[0]:g} <= start < end <= {t[-1]:g} h",
                         got=f"[{start:g}, {end:g}]")
    inside = (t > start) & (t < end)
    ts = [start, *t[inside].tolist(), end]
    cs = []
    for x in (start, end):
        k = int(np.searchsorted(t, x, side="right")) - 1
        k = min(k, t.size - 2)
        cs.append(_interpolate(t[k], t[k + 1], c[k], c[k + 1], x))
    cvals = [cs[0], *c[inside].tolist(), cs[1]]
    return auc_linear_up_log_down(ts, cvals)[0]


def select_lambda_z(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray, *,
                    min_points: int = MIN_LAMBDA_Z_POINTS,
                    adj_r2_tolerance: float = ADJ_R2_TOLERANCE) -> LambdaZ | str:
    """Best-fit terminal slope (see module docstring), or a string saying why none."""
    t, c = np.asarray(time, float), np.asarray(conc, float)
    i_max = int(np.argmax(c))  # first occurrence of Cmax
    after = np.arange(t.size) > i_max
    usable = after & (c > 0)
    tt, cc = t[usable], c[usable]
    if tt.size < min_points:
        return (f"only {tt.size} sample(s) with C > 0 after Tmax; λz needs >= {min_points}")
    y = np.log(cc)
    best: LambdaZ | None = None
    fits: list[LambdaZ] = []
    for k in range(min_points, tt.size + 1):
        x, yy = tt[-k:], y[-k:]
        slope, intercept = np.polyfit(x, yy, 1)
        resid = yy - (slope * x + intercept)
        ss_tot = float(np.sum((yy - yy.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else 0.0
        adj = 1.0 - (1.0 - r2) * (k - 1) / (k - 2)
        if slope >= 0:
            continue
        fits.append(LambdaZ(-float(slope), k, adj, r2, float(x[0]), float(x[-1]),
                            float(intercept)))
    if not fits:
        return "no declining terminal phase (log-linear slope >= 0 for every choice of points)"
    top = max(f.adj_r_squared for f in fits)
    for f in fits:  # fits are in increasing k: keep the largest within tolerance
        if f.adj_r_squared >= top - adj_r2_tolerance:
            best = f
    assert best is not None
    return best


def nca(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray, *,
        dose_mg: float | None = None, dose_time_h: float = 0.0,
        route: Route = "extravascular", predose_ng_ml: float = 0.0,
        min_points: int = MIN_LAMBDA_Z_POINTS,
        adj_r2_tolerance: float = ADJ_R2_TOLERANCE) -> NCAResult:
    """NCA of a single-dose profile (ng/mL over h; dose in mg, given at ``dose_time_h``).

    Samples before the dose are refused. For a dose within a multiple-dose schedule pass
    the samples of that interval and its pre-dose level as ``predose_ng_ml``.
    """
    t, c = _validate(time, conc)
    if route not in ("extravascular", "iv_bolus"):
        raise InputError("route", "must be 'extravascular' or 'iv_bolus'", got=route)
    if dose_mg is not None and (not math.isfinite(dose_mg) or dose_mg <= 0):
        raise InputError("dose", "must be > 0 mg", got=dose_mg)
    if not math.isfinite(predose_ng_ml) or predose_ng_ml < 0:
        raise InputError("predose", "must be >= 0 ng/mL", got=predose_ng_ml)
    if t[0] < dose_time_h:
        raise InputError("time", f"samples must not precede the dose at {dose_time_h:g} h",
                         got=float(t[0]))
    t = t - dose_time_h
    if t[0] > 0:
        if route == "extravascular":
            c0 = predose_ng_ml
        elif c[1] < c[0] and c[1] > 0:  # IV bolus: back-extrapolate log-linearly
            c0 = c[0] * (c[0] / c[1]) ** (t[0] / (t[1] - t[0]))
        else:
            c0 = c[0]
        t = np.concatenate(([0.0], t))
        c = np.concatenate(([c0], c))
    if not np.any(c > 0):
        raise InputError("concentration", "all samples are 0: nothing to analyse")
    i_max = int(np.argmax(c))
    cmax, tmax = float(c[i_max]), float(t[i_max])
    i_last = int(np.flatnonzero(c > 0)[-1])
    clast, tlast = float(c[i_last]), float(t[i_last])
    auc_last, aumc_last = auc_linear_up_log_down(t[: i_last + 1], c[: i_last + 1])

    lz = select_lambda_z(t, c, min_points=min_points, adj_r2_tolerance=adj_r2_tolerance)
    if isinstance(lz, str):
        return NCAResult(cmax, tmax, clast, tlast, auc_last, aumc_last, None, None, None,
                         None, None, None, None, None, dose_mg, None, None, None, route,
                         lambda_z_note=lz)
    lam = lz.lambda_z
    auc_inf = auc_last + clast / lam
    aumc_inf = aumc_last + clast * tlast / lam + clast / lam**2
    mrt = aumc_inf / auc_inf
    cl = vz = vss = None
    if dose_mg is not None:
        cl = dose_mg * 1e3 / auc_inf  # mg -> ug; ug / (ug·h/L) = L/h
        vz = cl / lam
        if route == "iv_bolus":
            vss = cl * mrt
    pct_extrap = 100.0 * (auc_inf - auc_last) / auc_inf
    span_ratio = (lz.t_last - lz.t_first) / lz.half_life
    flags = tuple(name for name, broken in (
        (f"lambda_z span < {MIN_SPAN_RATIO:g} half-lives", span_ratio < MIN_SPAN_RATIO),
        (f"AUC extrapolated > {MAX_AUC_PCT_EXTRAP:g}%", pct_extrap > MAX_AUC_PCT_EXTRAP),
        (f"lambda_z adjusted R² < {MIN_LAMBDA_Z_ADJ_R2:g}",
         lz.adj_r_squared < MIN_LAMBDA_Z_ADJ_R2),
    ) if broken)
    return NCAResult(cmax, tmax, clast, tlast, auc_last, aumc_last, lam, lz.n_points,
                     lz.adj_r_squared, lz.half_life, auc_inf, pct_extrap, aumc_inf, mrt,
                     dose_mg, cl, vz, vss, route, lambda_z_span_ratio=span_ratio,
                     flags=flags)
