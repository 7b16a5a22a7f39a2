"""Running a declared calibration: evaluate its targets, fit it, check it, verify it.

- :func:`evaluate`: every target's model value and residual at given (or the stored)
  parameter values;
- :func:`fit`: the bounded fit (:class:`xposim.analysis.fitting.Fitter`) from the
  declared starts;
- :func:`check`: refit and report the drift of each estimate from the stored value
  (``xposim calibrate NAME --check``);
- :func:`verify`: the stored estimates still reproduce the model values recorded when
  they were written (cheap: one evaluation; what the ``test_fit_*`` tests run).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from xposim.analysis.fitting import Fitter
from xposim.calibration.context import Context, Session
from xposim.calibration.declaration import Calibration, Target
from xposim.calibration.functions import get_target_function
from xposim.errors import InputError, ModelError, SimulationError
from xposim.presets.loader import stored_estimates

Fixed = Mapping[str, tuple[float, str | None]]


@dataclass(frozen=True)
class Evaluation:
    """Targets evaluated at ``values`` (the estimated parameters, in their units)."""

    values: dict[str, float]
    model: dict[str, float | np.ndarray]
    residuals: dict[str, np.ndarray]

    @property
    def vector(self) -> np.ndarray:
        return np.concatenate([self.residuals[k] for k in self.residuals])

    @property
    def cost(self) -> float:
        """Half the sum of squared residuals (priors included)."""
        r = self.vector
        return 0.5 * float(r @ r)


def stored_values(cal: Calibration) -> dict[str, float]:
    """The estimates stored in presets/calibrated (values in their declared units)."""
    stored = stored_estimates(_stem(cal))["estimates"]
    out = {}
    for p in cal.parameters:
        if p.name not in stored:
            raise ModelError(f"{cal.writes}: no estimate for {p.name}; run xposim calibrate "
                             f"{cal.name}")
        if stored[p.name]["unit"] != p.unit:
            raise ModelError(f"{cal.writes}: {p.name} stored in {stored[p.name]['unit']}, "
                             f"declared in {p.unit}")
        out[p.name] = float(stored[p.name]["value"])
    return out


def _stem(cal: Calibration) -> str:
    return cal.writes.removeprefix("presets/calibrated/").removesuffix(".toml")


def _model_values(cal: Calibration, ctx: Context) -> dict[str, float | np.ndarray]:
    calls: dict[tuple[str, tuple], dict] = {}
    out: dict[str, float | np.ndarray] = {}
    for t in cal.targets:
        key = (t.function, t.args)
        if key not in calls:
            fn = get_target_function(t.function)
            calls[key] = dict(fn(ctx, **t.arguments))
        figures = calls[key]
        if t.figure not in figures:
            raise ModelError(f"{cal.where} [targets.{t.name}]: {t.function} has no figure "
                             f"{t.figure!r}; it returns {sorted(figures)}")
        v = figures[t.figure]
        out[t.name] = float(v) if np.ndim(v) == 0 else np.asarray(v, float)
    return out


def _prior_residuals(cal: Calibration, values: Mapping[str, float]) -> dict[str, np.ndarray]:
    out = {}
    for p in cal.parameters:
        if p.prior is not None and p.prior_log_sd is not None:
            out[f"prior:{p.name}"] = np.array([math.log(values[p.name] / p.prior)
                                               / p.prior_log_sd])
    return out


def evaluate(cal: Calibration, values: Mapping[str, float] | None = None, *,
             fixed: Fixed | None = None, session: Session | None = None) -> Evaluation:
    """Every target's model value and residual at ``values`` (default: the stored
    estimates); ``fixed``: overrides of other model parameters (name -> (value, unit));
    ``session``: resources shared with other evaluations (default: opened and closed
    here)."""
    vals = stored_values(cal) if values is None else {k: float(v) for k, v in values.items()}
    missing = {p.name for p in cal.parameters} - set(vals)
    if missing:
        raise InputError("values", f"{cal.name} needs values for", got=sorted(missing))
    if session is None:
        with Session() as own:
            return evaluate(cal, vals, fixed=fixed, session=own)
    ctx = Context(vals, {p.name: p.unit for p in cal.parameters}, dict(fixed or {}),
                  session=session)
    model = _model_values(cal, ctx)
    unused = set(ctx.fixed) - ctx.used
    if unused:
        raise InputError("set", f"not a parameter of the models {cal.name} simulates",
                         got=", ".join(sorted(unused)))
    residuals = {t.name: t.residuals(model[t.name]) for t in cal.targets}
    residuals.update(_prior_residuals(cal, vals))
    return Evaluation(vals, model, residuals)


@dataclass(frozen=True)
class FitResult:
    """A finished fit: ``estimates`` (declared units) and the evaluation there."""

    calibration: Calibration
    estimates: dict[str, float]
    evaluation: Evaluation
    success: bool
    message: str
    n_evaluations: int
    seconds: float
    start: dict[str, float]
    fixed: dict[str, tuple[float, str | None]] = field(default_factory=dict)


def starts(cal: Calibration) -> list[dict[str, float]]:
    """The declared starting points: the k-th start of every parameter (a parameter with
    one start uses it in every point)."""
    n = max(len(p.starts) for p in cal.parameters)
    for p in cal.parameters:
        if len(p.starts) not in (1, n):
            raise ModelError(f"{cal.where} [parameters.{p.name}]: give 1 or {n} starts "
                             "(as many as the other parameters)")
    return [{p.name: p.starts[min(k, len(p.starts) - 1)] for p in cal.parameters}
            for k in range(n)]


def fitter(cal: Calibration, callback: Callable[[int, float], None] | None = None) -> Fitter:
    """The :class:`Fitter` the declaration asks for."""
    opts = dict(cal.options)
    max_eval = opts.pop("max_evaluations", None)
    return Fitter(bounds={p.name: p.bounds for p in cal.parameters},
                  scale={p.name: p.scale for p in cal.parameters}, method=cal.method,
                  max_evaluations=None if max_eval is None else int(max_eval),
                  recoverable=(SimulationError, ModelError), callback=callback, **opts)


def fit(cal: Calibration, *, fixed: Fixed | None = None,
        callback: Callable[[int, float], None] | None = None) -> FitResult:
    """Fit the declared parameters to the declared targets from the declared starts."""
    names = [p.name for p in cal.parameters]
    fixed = dict(fixed or {})

    t0 = time.perf_counter()
    last: dict[tuple[float, ...], Evaluation] = {}  # the fitter's final point, not re-run
    with Session() as session:  # e.g. a worker pool kept for every evaluation of the fit
        def at(values: Mapping[str, float]) -> Evaluation:
            key = tuple(float(values[n]) for n in names)
            if key not in last:
                last.clear()
                last[key] = evaluate(cal, values, fixed=fixed, session=session)
            return last[key]

        f = fitter(cal, callback).fit(lambda v: at(v).vector, starts(cal))
        est = {n: f.estimates_[n] for n in names}
        final = at(est)
    return FitResult(cal, est, final, f.success_, f.message_, f.n_evaluations_,
                     time.perf_counter() - t0, f.start_, fixed)


@dataclass(frozen=True)
class Check:
    """Refit against the stored estimates: per parameter the stored and refit value, the
    drift (relative on a log scale, absolute on a linear one) and its tolerance."""

    calibration: Calibration
    stored: dict[str, float]
    stored_cost: float
    refit: FitResult
    drift: dict[str, float]
    tolerance: dict[str, float]

    @property
    def ok(self) -> bool:
        return all(self.drift[n] <= self.tolerance[n] for n in self.drift)

    def rows(self) -> list[dict[str, object]]:
        return [{"parameter": p.name, "unit": p.unit, "stored": self.stored[p.name],
                 "refit": self.refit.estimates[p.name], "drift": self.drift[p.name],
                 "tolerance": self.tolerance[p.name],
                 "drift_kind": "absolute" if p.scale == "linear" else "relative",
                 "ok": self.drift[p.name] <= self.tolerance[p.name]}
                for p in self.calibration.parameters]


def check(cal: Calibration, *, callback: Callable[[int, float], None] | None = None,
          ) -> Check:
    """Refit (from the declared starts) and compare with the stored estimates."""
    stored = stored_values(cal)
    stored_cost = evaluate(cal, stored).cost
    result = fit(cal, callback=callback)
    drift = {p.name: p.drift(stored[p.name], result.estimates[p.name])
             for p in cal.parameters}
    return Check(cal, stored, stored_cost, result, drift,
                 {p.name: cal.tolerance_of(p) for p in cal.parameters})


@dataclass(frozen=True)
class Verification:
    """The stored estimates evaluated now vs the model values recorded with them."""

    calibration: Calibration
    evaluation: Evaluation
    recorded: dict[str, float | np.ndarray]
    rtol: float
    atol: float

    def differences(self) -> dict[str, float]:
        """Largest |now − recorded| / (atol + rtol·|recorded|) per target (≤ 1 is a match)."""
        out = {}
        for t in self.calibration.targets:
            now = np.atleast_1d(np.asarray(self.evaluation.model[t.name], float))
            rec = np.atleast_1d(np.asarray(self.recorded[t.name], float))
            if now.shape != rec.shape:
                out[t.name] = math.inf
                continue
            both_nan = np.isnan(now) & np.isnan(rec)
            err = np.abs(now - rec) / (self.atol + self.rtol * np.abs(rec))
            err = np.where(both_nan, 0.0, err)
            out[t.name] = float(np.nanmax(np.where(np.isnan(err), np.inf, err)))
        return out

    @property
    def ok(self) -> bool:
        return all(v <= 1.0 for v in self.differences().values())


def verify(cal: Calibration, *, rtol: float = 1e-3, atol: float = 1e-9) -> Verification:
    """Evaluate the stored estimates and compare every target's model value with the one
    recorded when they were written (presets/calibrated)."""
    record = stored_estimates(_stem(cal))["targets"]
    recorded: dict[str, float | np.ndarray] = {}
    for t in cal.targets:
        if t.name not in record or "model" not in record[t.name]:
            raise ModelError(f"{cal.writes}: no recorded model value for target {t.name}; "
                             f"run xposim calibrate {cal.name}")
        m = record[t.name]["model"]
        recorded[t.name] = np.asarray(m, float) if isinstance(m, list) else float(m)
    return Verification(cal, evaluate(cal), recorded, rtol, atol)


def target_table(cal: Calibration, ev: Evaluation) -> list[dict[str, object]]:
    """One row per target: quantity, reference figure, model value, residual, source."""
    rows = []
    for t in cal.targets:
        m = ev.model[t.name]
        r = ev.residuals[t.name]
        rows.append({"target": t.name, "quantity": t.quantity, "reference": _ref(t),
                     "unit": t.unit,
                     "model": m if np.ndim(m) == 0 else f"{np.size(m)} values",
                     "residual": float(r[0]) if r.size == 1 else float(np.sqrt(np.mean(r**2))),
                     "residual_kind": t.residual if r.size == 1 else f"rms {t.residual}",
                     "source": t.source})
    return rows


def _ref(t: Target) -> str:
    if t.residual == "range":
        lo = "" if t.low is None else f"{t.low:g}"
        hi = "" if t.high is None else f"{t.high:g}"
        return f"[{lo}, {hi}]"
    text = f"{t.value:g}"
    if t.sd is not None:
        text += f" (SD {t.sd:g})"
    if t.low is not None or t.high is not None:
        text += f" in [{'' if t.low is None else f'{t.low:g}'}, " \
                f"{'' if t.high is None else f'{t.high:g}'}]"
    return text
