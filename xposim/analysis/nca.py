"""Non-compartmental analysis (NCA) of one concentration-time profile.

:func:`analyse_profile` works in the caller's units (time, concentration and dose in any
consistent units; ``volume_factor`` turns dose/concentration into litres) and returns the
parameters under their CDISC SDTM PP test codes (``CMAX``, ``AUCIFO``, ``LAMZ`` ...; see
:mod:`xposim.analysis.nca_codes`). :func:`nca` is the fixed-unit form used by the
simulation code: time h, concentration ng/mL, dose mg; AUC ng·h/mL, CL/F L/h, volumes L.

Rules (those of Phoenix WinNonlin, with PKNCA's names; docs/nca.md states each):

- **AUC/AUMC** by ``auc_method``: ``"linear"`` (WinNonlin "Linear Trapezoidal Linear
  Interpolation", PKNCA ``"linear"``); ``"linear-up-log-down"`` (WinNonlin "Linear Up Log
  Down", PKNCA ``"lin up/log down"``): a falling segment with both ends > 0 is integrated
  as an exponential; ``"linear-log"`` (WinNonlin "Linear Log", PKNCA ``"lin-log"``): linear
  up to Tmax, exponential after it wherever both ends are > 0 and differ. Partial AUCs
  interpolate the same way and extrapolate past Tlast with λz.
- **Dose-time point**: extravascular and infusion profiles without a sample at the dose
  time get ``predose`` (default 0) there. IV bolus: C0 is the sample at the dose time if
  one is given and > 0, else back-extrapolated log-linearly from the first two samples when
  they decline (both > 0), else the first sample; Cmax/Tmax stay the observed maximum.
- **λz** (terminal slope): log-linear least squares on the last k >= 3 samples with C > 0
  after Tmax (for an IV bolus Tmax itself may be used, as in WinNonlin; PKNCA's
  ``allow.tmax.in.half.life`` is FALSE for every route: pass ``tmax_in_lambda_z``). Among
  all k the best adjusted R² is found; the largest k within ``adj_r2_tolerance`` (1e-4) of
  it is chosen (PKNCA ``adj.r.squared.factor``; WinNonlin "best fit"). The slope must be
  negative. adjusted R² = 1 - (1 - R²)(k - 1)/(k - 2). All k are scored at once from
  cumulative sums (linear in the number of samples). A :class:`LambdaZSpec` fixes the
  points (times or a time range) or excludes some.
- **AUCINF_obs** = AUClast + Clast/λz; **AUCINF_pred** uses Clast predicted by the λz line;
  CL = dose/AUCINF, Vz = CL/λz, MRT = AUMCINF/AUCINF (IV infusion: minus half the infusion
  duration), Vss = CL·MRT (IV only).

**Acceptance flags** (PKNCA's defaults, ``PKNCA.options``: ``min.span.ratio`` 2,
``max.aucinf.pext`` 20, ``min.hl.r.squared`` 0.9): the λz-derived values are still
reported, but ``flags`` names each rule they break. When a value cannot be computed it is
``None`` and ``notes`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from xposim.errors import InputError

Route = Literal["extravascular", "iv_bolus", "iv_infusion"]
AUCMethod = Literal["linear", "linear-up-log-down", "linear-log"]
ROUTES: tuple[str, ...] = ("extravascular", "iv_bolus", "iv_infusion")
AUC_METHODS: tuple[str, ...] = ("linear", "linear-up-log-down", "linear-log")

#: Minimum number of samples for the terminal log-linear regression (PKNCA/WinNonlin).
MIN_LAMBDA_Z_POINTS = 3
#: PKNCA's adj.r.squared.factor: prefer more points when adjusted R² is this close.
ADJ_R2_TOLERANCE = 1e-4
#: PKNCA.options defaults for accepting a half-life and AUCinf (flags, not exclusions).
MIN_SPAN_RATIO = 2.0  # (last - first time of the λz points) / t½
MAX_AUC_PCT_EXTRAP = 20.0  # %
MIN_LAMBDA_Z_ADJ_R2 = 0.9


def normalise_route(route: str) -> str:
    """``"iv-bolus"`` -> ``"iv_bolus"``; refuses unknown routes naming the allowed ones."""
    r = str(route).strip().lower().replace("-", "_")
    if r not in ROUTES:
        raise InputError("route", "must be one of extravascular, iv-bolus, iv-infusion",
                         got=route)
    return r


def check_auc_method(method: str) -> str:
    if method not in AUC_METHODS:
        raise InputError("auc-method", "must be one of " + ", ".join(AUC_METHODS), got=method)
    return method


@dataclass(frozen=True)
class LambdaZ:
    """The terminal regression: slope λz (1/time), points used, fit quality."""

    lambda_z: float
    n_points: int
    adj_r_squared: float
    r_squared: float
    t_first: float
    t_last: float
    intercept: float  # ln(C) at t = 0 of the regression line
    times: tuple[float, ...] = ()  # the times used (relative to the dose)
    manual: bool = False

    @property
    def half_life(self) -> float:
        return math.log(2.0) / self.lambda_z

    def predict(self, t: float) -> float:
        """Concentration on the regression line at ``t``."""
        return math.exp(self.intercept - self.lambda_z * t)


@dataclass(frozen=True)
class LambdaZSpec:
    """How λz is chosen for one profile (times relative to the dose).

    ``times``: use exactly the samples at these times; ``time_range`` (lo, hi): use every
    usable sample with lo <= t <= hi; ``exclude``: times never used (with best fit or a
    range). With neither ``times`` nor ``time_range`` the best-fit rule picks the points.
    """

    times: tuple[float, ...] | None = None
    time_range: tuple[float, float] | None = None
    exclude: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.times is not None and self.time_range is not None:
            raise InputError("lambda-z", "give either fixed times or a time range, not both")
        if self.times is not None and len(self.times) < 2:
            raise InputError("lambda-z", "fixed points need at least 2 times",
                             got=list(self.times))
        if self.time_range is not None:
            lo, hi = self.time_range
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise InputError("lambda-z", "time range must be LO < HI",
                                 got=list(self.time_range))


# ---------------------------------------------------------------------------------------
# AUC by segments (vectorised)


def _log_segments(c: np.ndarray, method: str, i_peak: int) -> np.ndarray:
    """Which segments are integrated as exponentials under ``method``."""
    c1, c2 = c[:-1], c[1:]
    usable = (c1 > 0) & (c2 > 0) & (c1 != c2)
    if method == "linear":
        return np.zeros(c1.size, dtype=bool)
    if method == "linear-up-log-down":
        return usable & (c2 < c1)
    return usable & (np.arange(c1.size) >= i_peak)  # linear-log: after the peak


def _segment_areas(t: np.ndarray, c: np.ndarray, log: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(AUC, AUMC) of each segment."""
    t1, t2, c1, c2 = t[:-1], t[1:], c[:-1], c[1:]
    dt = t2 - t1
    auc = 0.5 * (c1 + c2) * dt
    aumc = 0.5 * (c1 * t1 + c2 * t2) * dt
    if log.any():
        a, b, ta, tb, d = c1[log], c2[log], t1[log], t2[log], dt[log]
        lr = np.log(a / b)
        auc[log] = (a - b) * d / lr
        aumc[log] = (a * ta - b * tb) * d / lr + (a - b) * d * d / (lr * lr)
    return auc, aumc


def _areas(t: np.ndarray, c: np.ndarray, method: str) -> tuple[float, float]:
    if t.size < 2:
        return 0.0, 0.0
    log = _log_segments(c, method, int(np.argmax(c)))
    auc, aumc = _segment_areas(t, c, log)
    return float(auc.sum()), float(aumc.sum())


def auc_linear_up_log_down(time: Sequence[float] | np.ndarray,
                           conc: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(AUC, AUMC) from the first to the last sample by linear-up/log-down."""
    return _areas(np.asarray(time, float), np.asarray(conc, float), "linear-up-log-down")


def auc_segments(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray,
                 method: str = "linear-up-log-down") -> tuple[float, float]:
    """(AUC, AUMC) from the first to the last sample by ``method`` (see module doc)."""
    return _areas(np.asarray(time, float), np.asarray(conc, float), check_auc_method(method))


def _interpolate(t: np.ndarray, c: np.ndarray, x: float, method: str) -> float:
    """Concentration at x within [t0, tn], consistent with the AUC rule of the segment."""
    k = int(np.searchsorted(t, x, side="right")) - 1
    k = min(max(k, 0), t.size - 2)
    if t[k] == x:
        return float(c[k])
    log = _log_segments(c[k:k + 2], method, 0 if k >= int(np.argmax(c)) else 1)[0]
    f = (x - t[k]) / (t[k + 1] - t[k])
    if log:
        return float(c[k] * (c[k + 1] / c[k]) ** f)
    return float(c[k] + f * (c[k + 1] - c[k]))


def _partial_auc(t: np.ndarray, c: np.ndarray, start: float, end: float, method: str,
                 lam: float | None) -> float | None:
    """AUC from start to end over a profile ending at Tlast; past Tlast C = Clast·e^-λz(t-Tlast)
    (None without λz)."""
    tl, cl = float(t[-1]), float(c[-1])
    total = 0.0
    a, b = max(start, float(t[0])), min(end, tl)
    if b > a:
        inside = (t > a) & (t < b)
        ts = np.concatenate(([a], t[inside], [b]))
        cs = np.concatenate(([_interpolate(t, c, a, method)], c[inside],
                             [_interpolate(t, c, b, method)]))
        log = _log_segments(cs, method, 0)
        if method == "linear-log":  # the peak of the whole profile decides, not the piece
            log &= ts[:-1] >= float(t[int(np.argmax(c))])
        total += float(_segment_areas(ts, cs, log)[0].sum())
    if end > tl:
        if lam is None:
            return None
        lo = max(start, tl)
        total += cl / lam * (math.exp(-lam * (lo - tl)) - math.exp(-lam * (end - tl)))
    return total


def auc_between(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray,
                start: float, end: float, *, method: str = "linear-up-log-down") -> float:
    """Partial AUC from ``start`` to ``end`` (both within the sampled times), interpolating
    inside segments consistently with ``method``."""
    t, c = _validate(time, conc, min_samples=2)
    if not t[0] <= start < end <= t[-1]:
        raise InputError("interval", f"must satisfy {t[0]:g} <= start < end <= {t[-1]:g}",
                         got=f"[{start:g}, {end:g}]")
    out = _partial_auc(t, c, start, end, check_auc_method(method), None)
    assert out is not None
    return out


# ---------------------------------------------------------------------------------------
# λz


def _fit_points(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, R²) of y on x by least squares."""
    xm, ym = x.mean(), y.mean()
    dx, dy = x - xm, y - ym
    sxx, sxy, syy = float(dx @ dx), float(dx @ dy), float(dy @ dy)
    slope = sxy / sxx
    r2 = sxy * sxy / (sxx * syy) if syy > 0 else 0.0
    return slope, float(ym - slope * xm), r2


def _best_fit(x: np.ndarray, y: np.ndarray, min_points: int, tol: float
              ) -> LambdaZ | str:
    """Best-fit rule over the last k points, every k scored at once from suffix sums."""
    n = x.size
    # shift to the last point: translation leaves slope and R² unchanged and keeps the
    # cumulative sums small (no cancellation for late times)
    xr, yr = x[::-1] - x[-1], y[::-1] - y[-1]
    k = np.arange(1, n + 1, dtype=float)
    sx, sy = np.cumsum(xr), np.cumsum(yr)
    sxx, sxy, syy = np.cumsum(xr * xr), np.cumsum(xr * yr), np.cumsum(yr * yr)
    vx = sxx - sx * sx / k
    vy = syy - sy * sy / k
    cxy = sxy - sx * sy / k
    kk = k[min_points - 1:]
    vx, vy, cxy = vx[min_points - 1:], vy[min_points - 1:], cxy[min_points - 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(vx > 0, cxy / vx, 0.0)
        r2 = np.where((vx > 0) & (vy > 0), cxy * cxy / (vx * vy), 0.0)
    r2 = np.clip(r2, 0.0, 1.0)
    adj = 1.0 - (1.0 - r2) * (kk - 1.0) / (kk - 2.0)
    ok = slope < 0
    if not ok.any():
        return "no declining terminal phase (log-linear slope >= 0 for every choice of points)"
    top = adj[ok].max()
    chosen = int(np.flatnonzero(ok & (adj >= top - tol))[-1])  # largest k within tolerance
    npts = int(kk[chosen])
    xs, ys = x[-npts:], y[-npts:]
    b, a, r2c = _fit_points(xs, ys)  # refit the chosen window exactly (reported values)
    adjc = 1.0 - (1.0 - r2c) * (npts - 1) / (npts - 2)
    return LambdaZ(-b, npts, adjc, r2c, float(xs[0]), float(xs[-1]), a,
                   tuple(float(v) for v in xs))


def select_lambda_z(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray, *,
                    min_points: int = MIN_LAMBDA_Z_POINTS,
                    adj_r2_tolerance: float = ADJ_R2_TOLERANCE,
                    include_tmax: bool = False,
                    spec: LambdaZSpec | None = None,
                    first_index: int = 0) -> LambdaZ | str:
    """Terminal slope by the best-fit rule (or ``spec``), or a string saying why none.

    Candidates are samples with C > 0 after the first Cmax (at or after it with
    ``include_tmax``) and at index >= ``first_index`` (to skip an inserted dose-time point).
    """
    t, c = np.asarray(time, float), np.asarray(conc, float)
    idx = np.arange(t.size)
    i_max = first_index + int(np.argmax(c[first_index:]))
    after = idx >= i_max if include_tmax else idx > i_max
    usable = after & (c > 0) & (idx >= first_index)
    spec = spec or LambdaZSpec()
    if spec.exclude:
        usable &= ~np.isin(t, np.asarray(spec.exclude, float))
    if spec.times is not None or spec.time_range is not None:
        pos = (c > 0) & (idx >= first_index)
        if spec.times is not None:
            want = np.asarray(spec.times, float)
            missing = [w for w in want if not np.any(np.isclose(t, w, rtol=0, atol=1e-9))]
            if missing:
                return f"λz times {missing} are not sample times"
            sel = pos & np.any(np.isclose(t[:, None], want[None, :], rtol=0, atol=1e-9),
                               axis=1)
        else:
            lo, hi = spec.time_range  # type: ignore[misc]
            sel = pos & (t >= lo) & (t <= hi)
            if spec.exclude:
                sel &= ~np.isin(t, np.asarray(spec.exclude, float))
        if sel.sum() < 2:
            return f"only {int(sel.sum())} sample(s) with C > 0 in the chosen λz points"
        xs, ys = t[sel], np.log(c[sel])
        b, a, r2 = _fit_points(xs, ys)
        if b >= 0:
            return "chosen λz points do not decline (log-linear slope >= 0)"
        k = xs.size
        adj = 1.0 - (1.0 - r2) * (k - 1) / (k - 2) if k > 2 else float("nan")
        return LambdaZ(-b, k, adj, r2, float(xs[0]), float(xs[-1]), a,
                       tuple(float(v) for v in xs), manual=True)
    tt, cc = t[usable], c[usable]
    if tt.size < min_points:
        return (f"only {tt.size} sample(s) with C > 0 after Tmax; λz needs >= {min_points}")
    return _best_fit(tt, np.log(cc), min_points, adj_r2_tolerance)


# ---------------------------------------------------------------------------------------
# One profile


def _validate(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray, *,
              min_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    c = np.asarray(conc, dtype=float)
    if t.ndim != 1 or c.ndim != 1:
        raise InputError("time", "time and concentration must be 1-D sequences")
    if t.size != c.size:
        raise InputError("concentration", f"must have one value per time ({t.size} times)",
                         got=c.size)
    if t.size < min_samples:
        raise InputError("time", f"NCA needs at least {min_samples} samples", got=t.size)
    if not np.all(np.isfinite(t)):
        raise InputError("time", "must be finite")
    if not np.all(np.isfinite(c)):
        raise InputError("concentration", "must be finite (no NaN; drop missing samples)")
    if np.any(np.diff(t) <= 0):
        k = int(np.argmax(np.diff(t) <= 0))
        raise InputError("time", "must be strictly increasing (sorted, no duplicates); "
                         f"sample {k + 1} at {t[k + 1]:g} follows {t[k]:g}")
    if np.any(c < 0):
        k = int(np.argmax(c < 0))
        raise InputError("concentration", f"must be >= 0; sample at {t[k]:g} is {c[k]:g}")
    return t, c


@dataclass(frozen=True)
class ProfileNCA:
    """NCA of one profile: ``values`` by PP code (None where not computable, with the
    reason in ``notes``), the λz fit, PKNCA acceptance ``flags`` and the analysed curve
    (``time``/``conc`` relative to the dose, with any inserted dose-time point)."""

    values: Mapping[str, float | None]
    notes: Mapping[str, str]
    flags: tuple[str, ...]
    lambda_z: LambdaZ | None
    lambda_z_note: str
    time: np.ndarray = field(repr=False)
    conc: np.ndarray = field(repr=False)
    inserted: bool = False
    route: str = "extravascular"
    auc_method: str = "linear-up-log-down"

    def __getitem__(self, code: str) -> float | None:
        return self.values[code]

    def partial_auc(self, start: float, end: float) -> float | None:
        """AUC from ``start`` to ``end`` (relative to the dose) by the profile's AUC rule,
        past Tlast on the λz line (None when that is needed and there is no λz)."""
        i_last = int(np.flatnonzero(self.conc > 0)[-1])
        lam = self.lambda_z.lambda_z if self.lambda_z else None
        return _partial_auc(self.time[: i_last + 1], self.conc[: i_last + 1], start, end,
                            self.auc_method, lam)

    def concentration_at(self, t: float) -> float | None:
        """C at ``t`` (relative to the dose) by the AUC rule's interpolation, and past
        Tlast on the λz line from the observed Clast (None without λz)."""
        tt, cc = self.time, self.conc
        pos = np.flatnonzero(cc > 0)
        i_last = int(pos[-1])
        if t <= tt[i_last]:
            if t < tt[0]:
                return None
            return _interpolate(tt[: i_last + 1], cc[: i_last + 1], t, self.auc_method) \
                if i_last > 0 else float(cc[0])
        if self.lambda_z is None:
            return None
        return float(cc[i_last] * math.exp(-self.lambda_z.lambda_z * (t - tt[i_last])))


def _c0_bolus(t: np.ndarray, c: np.ndarray) -> tuple[float, str]:
    """Back-extrapolated C0 at t = 0 (WinNonlin rule) and how it was obtained."""
    if c.size >= 2 and c[0] > 0 and c[1] > 0 and c[1] < c[0]:
        return float(c[0] * (c[0] / c[1]) ** (t[0] / (t[1] - t[0]))), "back-extrapolated"
    first = np.flatnonzero(c > 0)
    return float(c[first[0]]), "first positive sample (first two samples do not decline)"


def analyse_profile(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray,
                    *, dose: float | None = None, route: str = "extravascular",
                    duration: float = 0.0, auc_method: str = "linear-up-log-down",
                    predose: float = 0.0, c0_from_sample: bool = True,
                    lambda_z: LambdaZSpec | None = None, tmax_in_lambda_z: bool | None = None,
                    tau: float | None = None,
                    partial: Sequence[tuple[float, float]] = (),
                    volume_factor: float | None = 1.0, dose_note: str = "",
                    min_points: int = MIN_LAMBDA_Z_POINTS,
                    adj_r2_tolerance: float = ADJ_R2_TOLERANCE) -> ProfileNCA:
    """NCA of one profile, times relative to the dose (>= 0), in the caller's units.

    ``volume_factor`` converts dose/concentration to litres (1e3 for mg over ng/mL; None
    when the units do not convert, e.g. mg over nM: CL and V are then None with a reason).
    ``dose_note`` explains a missing dose. ``c0_from_sample``: for an IV bolus a sample at
    the dose time is C0 (False when it is a pre-dose trough of a later dose). ``tau``
    adds the dosing-interval parameters (AUCTAU, CMIN, CTROUGH, CAVG, FLUCP); ``partial``
    adds AUCINT over each (start, end).
    """
    t, c = _validate(time, conc)
    route = normalise_route(route)
    method = check_auc_method(auc_method)
    if dose is not None and (not math.isfinite(dose) or dose <= 0):
        raise InputError("dose", "must be > 0", got=dose)
    if not math.isfinite(duration) or duration < 0:
        raise InputError("duration", "must be >= 0", got=duration)
    if route == "iv_infusion" and duration <= 0:
        raise InputError("duration", "an IV infusion needs a duration > 0 (RATE or DUR)")
    if not math.isfinite(predose) or predose < 0:
        raise InputError("predose", "must be >= 0", got=predose)
    if t[0] < 0:
        raise InputError("time", "samples must not precede the dose", got=float(t[0]))
    if not np.any(c > 0):
        raise InputError("concentration", "no positive concentration: nothing to analyse")
    notes: dict[str, str] = {}
    v: dict[str, float | None] = {}
    obs_t, obs_c = t, c
    inserted = False
    c0 = None
    if route == "iv_bolus":
        if t[0] == 0 and c[0] > 0 and c0_from_sample:
            c0 = float(c[0])
        else:
            if t[0] == 0:  # a pre-dose trough: not part of this dose's curve
                obs_t, obs_c = t[1:], c[1:]
                if obs_t.size == 0 or not np.any(obs_c > 0):
                    raise InputError("concentration",
                                     "no positive concentration after the bolus")
            c0, how = _c0_bolus(obs_t, obs_c)
            notes["C0"] = how
            t = np.concatenate(([0.0], obs_t))
            c = np.concatenate(([c0], obs_c))
            inserted = True
    elif t[0] > 0:
        t = np.concatenate(([0.0], t))
        c = np.concatenate(([predose], c))
        inserted = True
    first = 1 if inserted else 0
    v["C0"] = c0
    if route != "iv_bolus":
        notes["C0"] = "reported for IV bolus only"
    i_max = first + int(np.argmax(c[first:]))
    v["CMAX"], v["TMAX"] = float(c[i_max]), float(t[i_max])
    pos = np.flatnonzero(c > 0)
    i_last = int(pos[-1])
    v["CLST"], v["TLST"] = float(c[i_last]), float(t[i_last])
    if route == "extravascular":
        j = int(pos[0])
        v["TLAG"] = float(t[j - 1]) if j > 0 else float(t[j])
    else:
        v["TLAG"] = None
        notes["TLAG"] = "extravascular only"
    auc_last, aumc_last = _areas(t[: i_last + 1], c[: i_last + 1], method)
    v["AUCLST"], v["AUMCLST"] = auc_last, aumc_last
    v["AUCALL"] = _areas(t, c, method)[0]
    mrt_offset = duration / 2.0 if route == "iv_infusion" else 0.0
    mrt_last = aumc_last / auc_last - mrt_offset if auc_last > 0 else None
    iv = route != "extravascular"
    v["MRTIVLST" if iv else "MRTEVLST"] = mrt_last

    # λz
    include = (route == "iv_bolus") if tmax_in_lambda_z is None else tmax_in_lambda_z
    lz = select_lambda_z(t, c, min_points=min_points, adj_r2_tolerance=adj_r2_tolerance,
                         include_tmax=include, spec=lambda_z, first_index=first)
    lz_note = lz if isinstance(lz, str) else ""
    fit = None if isinstance(lz, str) else lz
    lam = fit.lambda_z if fit else None
    v["LAMZ"] = lam
    v["LAMZHL"] = fit.half_life if fit else None
    v["LAMZNPT"] = float(fit.n_points) if fit else None
    v["LAMZLL"] = fit.t_first if fit else None
    v["LAMZUL"] = fit.t_last if fit else None
    v["R2"] = fit.r_squared if fit else None
    v["R2ADJ"] = fit.adj_r_squared if fit and math.isfinite(fit.adj_r_squared) else None
    v["CORRXY"] = -math.sqrt(fit.r_squared) if fit else None
    v["LAMZSPN"] = (fit.t_last - fit.t_first) / fit.half_life if fit else None
    clast = v["CLST"]
    tlast = v["TLST"]
    if fit:
        clstp = fit.predict(tlast)
        v["CLSTP"] = clstp
        for suffix, cl_ in (("O", clast), ("P", clstp)):
            auc_inf = auc_last + cl_ / lam
            aumc_inf = aumc_last + cl_ * tlast / lam + cl_ / lam**2
            v[f"AUCIF{suffix}"] = auc_inf
            v[f"AUCPE{suffix}"] = 100.0 * (auc_inf - auc_last) / auc_inf
            v[f"AUMCIF{suffix}"] = aumc_inf
            v[f"AUMCPE{suffix}"] = 100.0 * (aumc_inf - aumc_last) / aumc_inf
            v[f"MRT{'IV' if iv else 'EV'}IF{suffix}"] = aumc_inf / auc_inf - mrt_offset
    else:
        for code in ("CLSTP", "AUCIFO", "AUCIFP", "AUCPEO", "AUCPEP", "AUMCIFO", "AUMCIFP",
                     "AUMCPEO", "AUMCPEP", "MRTIVIFO" if iv else "MRTEVIFO",
                     "MRTIVIFP" if iv else "MRTEVIFP", "LAMZ", "LAMZHL", "LAMZNPT",
                     "LAMZLL", "LAMZUL", "R2", "R2ADJ", "CORRXY", "LAMZSPN"):
            v[code] = None
            notes[code] = f"no λz: {lz_note}"
    if route == "iv_bolus":
        back = _areas(t[:2], c[:2], method)[0] if inserted else 0.0  # 0 -> first sample
        for s in ("O", "P"):
            inf = v.get(f"AUCIF{s}")
            v[f"AUCPBE{s}"] = 100.0 * back / inf if inf else None
            if inf is None:
                notes[f"AUCPBE{s}"] = f"no λz: {lz_note}"

    # dose-dependent
    cl_codes = {"O": ("CLO", "VZO", "VSSO") if iv else ("CLFO", "VZFO", None),
                "P": ("CLP", "VZP", "VSSP") if iv else ("CLFP", "VZFP", None)}
    why_no_dose = dose_note or "no dose: give --dose or dose records"
    for code in ("CMAXD", "AUCLSTD", "AUCIFOD", "AUCIFPD"):
        base = {"CMAXD": "CMAX", "AUCLSTD": "AUCLST", "AUCIFOD": "AUCIFO",
                "AUCIFPD": "AUCIFP"}[code]
        if dose is None:
            v[code] = None
            notes[code] = why_no_dose
        elif v.get(base) is None:
            v[code] = None
            notes[code] = notes.get(base, "")
        else:
            v[code] = v[base] / dose  # type: ignore[operator]
    for s, (cl_code, vz_code, vss_code) in cl_codes.items():
        codes = [cl_code, vz_code] + ([vss_code] if vss_code else [])
        auc_inf = v.get(f"AUCIF{s}")
        if dose is None or volume_factor is None or auc_inf is None:
            reason = (why_no_dose if dose is None else
                      notes.get(f"AUCIF{s}", "") if auc_inf is None else
                      "dose and concentration units do not convert to a volume "
                      "(e.g. mass dose with a molar concentration)")
            for code in codes:
                v[code] = None
                notes[code] = reason
            continue
        cl = dose * volume_factor / auc_inf
        v[cl_code] = cl
        v[vz_code] = cl / lam  # type: ignore[operator]
        if vss_code:
            v[vss_code] = cl * v[f"MRTIVIF{s}"]  # type: ignore[operator]

    # dosing interval and partial AUCs
    prof_t, prof_c = t[: i_last + 1], c[: i_last + 1]
    if tau is not None:
        if not math.isfinite(tau) or tau <= 0:
            raise InputError("tau", "must be > 0", got=tau)
        auc_tau = _partial_auc(prof_t, prof_c, 0.0, tau, method, lam)
        v["AUCTAU"] = auc_tau
        within = t <= tau + 1e-9
        cmin = float(c[within].min()) if within.any() else None
        v["CMIN"] = cmin
        at_tau = np.flatnonzero(np.isclose(t, tau, rtol=0, atol=1e-9))
        v["CTROUGH"] = float(c[at_tau[0]]) if at_tau.size else None
        if not at_tau.size:
            notes["CTROUGH"] = "no sample at the end of the dosing interval"
        v["CAVG"] = auc_tau / tau if auc_tau is not None else None
        v["FLUCP"] = (100.0 * (v["CMAX"] - cmin) / v["CAVG"]
                      if v["CAVG"] and cmin is not None else None)
        if auc_tau is None:
            for code in ("AUCTAU", "CAVG", "FLUCP"):
                notes[code] = f"interval ends after Tlast and no λz: {lz_note}"
    for start, end in partial:
        name = partial_auc_code(start, end)
        if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
            raise InputError("partial-auc", "must be 0 <= START < END", got=f"{start}-{end}")
        v[name] = _partial_auc(prof_t, prof_c, start, end, method, lam)
        if v[name] is None:
            notes[name] = f"interval ends after Tlast and no λz: {lz_note}"

    flags: tuple[str, ...] = ()
    if fit:
        span = v["LAMZSPN"]
        pext = v["AUCPEO"]
        flags = tuple(name for name, broken in (
            (f"lambda_z span < {MIN_SPAN_RATIO:g} half-lives", span < MIN_SPAN_RATIO),
            (f"AUC extrapolated > {MAX_AUC_PCT_EXTRAP:g}%", pext > MAX_AUC_PCT_EXTRAP),
            (f"lambda_z adjusted R² < {MIN_LAMBDA_Z_ADJ_R2:g}",
             fit.n_points > 2 and fit.adj_r_squared < MIN_LAMBDA_Z_ADJ_R2),
        ) if broken)
    return ProfileNCA(v, notes, flags, fit, lz_note, t, c, inserted, route, method)


def partial_auc_code(start: float, end: float) -> str:
    """Column name of a partial AUC: CDISC AUCINT with its start and end in the name."""
    return f"AUCINT_{start:g}_{end:g}".replace(".", "p")


# ---------------------------------------------------------------------------------------
# Fixed-unit form used by the simulation code (h, ng/mL, mg)


@dataclass(frozen=True)
class NCAResult:
    """NCA of one profile. Times in h (from the dose), concentrations ng/mL, AUC ng·h/mL,
    AUMC ng·h²/mL, CL/F L/h, volumes L. ``None`` where not estimable. ``cmax_ng_ml`` is
    the observed maximum; an IV bolus's back-extrapolated C0 is ``c0_ng_ml``."""

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
    c0_ng_ml: float | None = None
    lambda_z_r2: float | None = None
    lambda_z_t_first_h: float | None = None
    lambda_z_t_last_h: float | None = None
    auc_all_ng_h_ml: float | None = None
    auc_inf_pred_ng_h_ml: float | None = None

    def to_dict(self) -> dict[str, float | int | str | None]:
        return asdict(self)


def nca(time: Sequence[float] | np.ndarray, conc: Sequence[float] | np.ndarray, *,
        dose_mg: float | None = None, dose_time_h: float = 0.0,
        route: str = "extravascular", predose_ng_ml: float = 0.0,
        duration_h: float = 0.0, auc_method: str = "linear-up-log-down",
        min_points: int = MIN_LAMBDA_Z_POINTS,
        adj_r2_tolerance: float = ADJ_R2_TOLERANCE) -> NCAResult:
    """NCA of a single-dose profile (ng/mL over h; dose in mg, given at ``dose_time_h``).

    Samples before the dose are refused. For a dose within a multiple-dose schedule pass
    the samples of that interval and its pre-dose level as ``predose_ng_ml``.
    """
    t, c = _validate(time, conc, min_samples=3)
    if dose_mg is not None and (not math.isfinite(dose_mg) or dose_mg <= 0):
        raise InputError("dose", "must be > 0 mg", got=dose_mg)
    if t[0] < dose_time_h:
        raise InputError("time", f"samples must not precede the dose at {dose_time_h:g} h",
                         got=float(t[0]))
    if not np.any(c > 0):
        raise InputError("concentration", "all samples are 0: nothing to analyse")
    route = normalise_route(route)
    r = analyse_profile(t - dose_time_h, c, dose=dose_mg, route=route, duration=duration_h,
                        auc_method=auc_method, predose=predose_ng_ml,
                        volume_factor=1e3,  # mg / (ng/mL) = 1000 L
                        min_points=min_points, adj_r2_tolerance=adj_r2_tolerance)
    p = r.values
    iv = route != "extravascular"
    cl = p["CLO" if iv else "CLFO"]
    lz = r.lambda_z
    return NCAResult(
        cmax_ng_ml=p["CMAX"], tmax_h=p["TMAX"], clast_ng_ml=p["CLST"], tlast_h=p["TLST"],
        auc_last_ng_h_ml=p["AUCLST"], aumc_last_ng_h2_ml=p["AUMCLST"],
        lambda_z_per_h=p["LAMZ"], lambda_z_points=lz.n_points if lz else None,
        lambda_z_adj_r2=p["R2ADJ"], half_life_h=p["LAMZHL"], auc_inf_ng_h_ml=p["AUCIFO"],
        auc_pct_extrap=p["AUCPEO"], aumc_inf_ng_h2_ml=p["AUMCIFO"],
        mrt_h=p["MRTIVIFO" if iv else "MRTEVIFO"], dose_mg=dose_mg, cl_f_l_h=cl,
        vz_f_l=p["VZO" if iv else "VZFO"], vss_l=p.get("VSSO"), route=route,
        lambda_z_note=r.lambda_z_note, lambda_z_span_ratio=p["LAMZSPN"], flags=r.flags,
        c0_ng_ml=p["C0"], lambda_z_r2=p["R2"], lambda_z_t_first_h=p["LAMZLL"],
        lambda_z_t_last_h=p["LAMZUL"], auc_all_ng_h_ml=p["AUCALL"],
        auc_inf_pred_ng_h_ml=p["AUCIFP"])
