"""Refit the calibrated PK parameters to the label figures (rerunnable).

    python -m xposim.pharmacology.pk.calibrate selinexor|dexamethasone|bortezomib|all

prints the fitted values and the figures they reproduce; the values are then written by
hand into the module files (each calibrated Parameter records ``fitted_to``), and
``tests/test_pk_calibration.py`` checks the stored values still reproduce the targets.

Targets are those of ``calibration-targets.md`` §1 (encoded below with their sources).
The typical profile is analysed by NCA on :data:`SAMPLING_H` (a rich phase-1 schedule).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from xposim.analysis.nca import NCAResult, nca
from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk.population import (
    CovariateDistribution,
    Covariates,
    make_subject,
)
from xposim.pharmacology.pk.spec import PKModel

#: Rich sampling schedule (h after the dose) used for NCA of simulated typical profiles.
SAMPLING_H: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0,
                                 6.0, 8.0, 10.0, 12.0, 16.0, 24.0, 36.0, 48.0, 72.0)


@dataclass(frozen=True)
class Target:
    """A reference figure: value (and SD where reported), unit, source."""

    value: float
    unit: str
    source: str
    sd: float | None = None
    low: float | None = None  # a range target: any value in [low, high] is on target
    high: float | None = None


SELINEXOR_TARGETS: dict[str, Target] = {
    "cmax_ng_ml": Target(680.0, "ng/mL", "XPOVIO US label §12.3 (80 mg single dose)", 124.0),
    "auc_inf_ng_h_ml": Target(5386.0, "ng·h/mL", "XPOVIO US label §12.3 (80 mg)", 1116.0),
    "tmax_h": Target(3.0, "h", "XPOVIO US label §12.3: Cmax within 4 h; range 2-4 h",
                     low=2.0, high=4.0),
    "half_life_h": Target(7.0, "h", "XPOVIO US label §12.3: t½ 6-8 h", low=6.0, high=8.0),
    "vss_l": Target(129.0, "L", "V/F 125 L (XPOVIO US label §12.3) and 133 L (popPK, "
                    "NEXPOVIO SmPC §5.2)", low=125.0, high=133.0),
}

#: Weight of a range target's middle relative to a point target: the ranges are mutually
#: in tension (a 2-compartment model with CL/F 15 L/h cannot have t½ 7 h and Vss/F 125 L
#: at once), so they are met as a weighted compromise while Cmax and AUC are met exactly.
RANGE_WEIGHT = 0.3


def target_residual(value: float, target: Target) -> float:
    """Relative miss of a point target; for a range target the relative miss of its
    middle, down-weighted by :data:`RANGE_WEIGHT`."""
    weight = 1.0 if target.low is None else RANGE_WEIGHT
    return weight * (value / target.value - 1.0)


def simulate_typical(pk: PKModel, dose_mg: float, *, route: str,
                     parameters: Mapping[str, float] | None = None,
                     times_h: Sequence[float] = SAMPLING_H,
                     simulator: Simulator | None = None,
                     covariates: Covariates | None = None) -> np.ndarray:
    """Total plasma concentration (ng/mL) of the reference subject after one dose."""
    sim = simulator or Simulator(pk.model)
    cov = covariates or Covariates()
    params = {**cov.model_parameters(), **dict(parameters or {})}
    t = np.asarray(times_h, float)
    grid = t if t[0] == 0.0 else np.concatenate(([0.0], t))  # the dose needs t = 0
    res = sim.run(grid, parameters=params,
                  events=[Bolus(0.0, pk.dose_target(route), dose_mg)],
                  outputs=[pk.concentration])
    return res[pk.concentration][grid.size - t.size:] * 1e3


def typical_nca(pk: PKModel, dose_mg: float, *, route: str,
                parameters: Mapping[str, float] | None = None,
                simulator: Simulator | None = None,
                times_h: Sequence[float] = SAMPLING_H) -> NCAResult:
    c = simulate_typical(pk, dose_mg, route=route, parameters=parameters,
                         simulator=simulator, times_h=times_h)
    return nca(times_h, c, dose_mg=dose_mg,
               route="iv_bolus" if route.upper() == "IV" else "extravascular")


def continuous_tmax(pk: PKModel, dose_mg: float, *, route: str,
                    parameters: Mapping[str, float] | None = None,
                    simulator: Simulator | None = None, horizon_h: float = 12.0) -> float:
    """Tmax from a 0.05 h grid refined by a parabola through the peak: smooth in the
    parameters, as a fitting target must be."""
    t = np.linspace(0.0, horizon_h, int(horizon_h * 20) + 1)
    c = simulate_typical(pk, dose_mg, route=route, parameters=parameters, times_h=t,
                         simulator=simulator)
    k = int(np.clip(np.argmax(c), 1, t.size - 2))
    c0, c1, c2 = c[k - 1], c[k], c[k + 1]
    denom = c0 - 2 * c1 + c2
    shift = 0.5 * (c0 - c2) / denom if denom < 0 else 0.0
    return float(t[k] + shift * (t[1] - t[0]))


def _fit(residuals: Callable[[np.ndarray], np.ndarray],
         starts: Sequence[Sequence[float]]) -> np.ndarray:
    """Least squares in log-parameters from several starts; the best solution wins."""
    best = None
    for x0 in starts:
        x = np.log(np.asarray(x0, float))
        # log-parameters kept within a factor 20 of the start: the integrator is never
        # asked for absurd rate constants
        sol = optimize.least_squares(residuals, x, bounds=(x - 3.0, x + 3.0), xtol=1e-12,
                                     ftol=1e-12, diff_step=1e-4)
        if best is None or sol.cost < best.cost:
            best = sol
    assert best is not None
    return np.exp(best.x)


# ---------------------------------------------------------------------------------------
# selinexor


def fit_selinexor_typical() -> dict[str, float]:
    """Typical CL/F, Vc/F, Q/F, Vp/F, ka fitted to :data:`SELINEXOR_TARGETS` (80 mg)."""
    from xposim.pharmacology.pk.selinexor import selinexor_pk

    pk = selinexor_pk()
    sim = Simulator(pk.model)
    names = ("sel_CL_pop", "sel_Vc_pop", "sel_Q_pop", "sel_Vp_pop", "sel_ka_pop")
    tg = SELINEXOR_TARGETS

    def residuals(logx: np.ndarray) -> np.ndarray:
        p = dict(zip(names, np.exp(logx), strict=True))
        r = typical_nca(pk, 80.0, route="PO", parameters=p, simulator=sim)
        tmax = continuous_tmax(pk, 80.0, route="PO", parameters=p, simulator=sim)
        return np.array([
            target_residual(r.cmax_ng_ml, tg["cmax_ng_ml"]),
            target_residual(r.auc_inf_ng_h_ml, tg["auc_inf_ng_h_ml"]),
            target_residual(tmax, tg["tmax_h"]),
            target_residual(r.half_life_h, tg["half_life_h"]),
            target_residual(p["sel_Vc_pop"] + p["sel_Vp_pop"], tg["vss_l"]),
        ])

    x = _fit(residuals, [[15.0, 80.0, 10.0, 45.0, 1.5], [15.0, 50.0, 17.0, 70.0, 1.8],
                         [15.0, 100.0, 5.0, 30.0, 3.0]])
    return dict(zip(names, (float(v) for v in x), strict=True))


def population_cv(pk: PKModel, dose_mg: float, *, route: str, n: int, seed: int,
                  omegas: Mapping[str, float] | None = None,
                  distribution: CovariateDistribution | None = None,
                  simulator: Simulator | None = None) -> dict[str, float]:
    """Mean and CV of Cmax and AUCinf over ``n`` virtual subjects (individual
    predictions, no residual error) with the given omegas (name -> SD of eta)."""
    sim = simulator or Simulator(pk.model)
    cmax, auc = [], []
    for sid in range(n):
        subj = make_subject(pk, sid, seed, distribution=distribution, omegas=omegas)
        c = simulate_typical(pk, dose_mg, route=route, parameters=subj.parameters(),
                             simulator=sim, covariates=subj.covariates)
        r = nca(SAMPLING_H, c, dose_mg=dose_mg)
        cmax.append(r.cmax_ng_ml)
        auc.append(r.auc_inf_ng_h_ml)
    cm, au = np.array(cmax), np.array(auc)
    return {"cmax_mean": float(cm.mean()), "cmax_cv": float(cm.std(ddof=1) / cm.mean()),
            "auc_mean": float(au.mean()), "auc_cv": float(au.std(ddof=1) / au.mean())}


def fit_selinexor_iiv(n: int = 400, seed: int = 20240601) -> dict[str, float]:
    """omega_CL and omega_ka giving the label CVs of AUCinf (20.7%) and Cmax (18.2%),
    with omega_Vc fixed (its assumed value) and the covariate model of the population."""
    from xposim.pharmacology.pk.selinexor import selinexor_pk

    pk = selinexor_pk()
    sim = Simulator(pk.model)
    cv_auc = SELINEXOR_TARGETS["auc_inf_ng_h_ml"].sd / SELINEXOR_TARGETS["auc_inf_ng_h_ml"].value
    cv_cmax = SELINEXOR_TARGETS["cmax_ng_ml"].sd / SELINEXOR_TARGETS["cmax_ng_ml"].value

    def residuals(x: np.ndarray) -> np.ndarray:
        om = {"sel_omega_CL": abs(x[0]), "sel_omega_ka": abs(x[1])}
        s = population_cv(pk, 80.0, route="PO", n=n, seed=seed, omegas=om, simulator=sim)
        return np.array([s["auc_cv"] - cv_auc, s["cmax_cv"] - cv_cmax])

    sol = optimize.least_squares(residuals, [0.1, 0.2], bounds=([0.0, 0.0], [1.0, 1.5]),
                                 diff_step=1e-3, xtol=1e-6)
    return {"sel_omega_CL": float(sol.x[0]), "sel_omega_ka": float(sol.x[1])}


# ---------------------------------------------------------------------------------------
# dexamethasone

DEXAMETHASONE_TARGETS: dict[str, Target] = {
    "cmax_ng_ml": Target(257.0, "ng/mL", "bioequivalence study 4 vs 20 mg tablets (2020), "
                         "20 mg fasting"),
    "tmax_h": Target(1.0, "h", "same study: Tmax about 1 h"),
    "half_life_h": Target(4.0, "h", "same study"),
    "auc_inf_ng_h_ml": Target(1329.0, "ng·h/mL", "same study (met through F)"),
}


def fit_dexamethasone() -> dict[str, float]:
    """Vc, Vp, ka fitted to 20 mg oral Cmax, Tmax, t½ (CL from IV data, F derived, Q
    assumed)."""
    from xposim.pharmacology.pk.dexamethasone import dexamethasone_pk

    pk = dexamethasone_pk()
    sim = Simulator(pk.model)
    names = ("dex_Vc_pop", "dex_Vp_pop", "dex_ka_pop")
    tg = DEXAMETHASONE_TARGETS

    def residuals(logx: np.ndarray) -> np.ndarray:
        p = dict(zip(names, np.exp(logx), strict=True))
        r = typical_nca(pk, 20.0, route="PO", parameters=p, simulator=sim)
        tmax = continuous_tmax(pk, 20.0, route="PO", parameters=p, simulator=sim)
        return np.array([target_residual(r.cmax_ng_ml, tg["cmax_ng_ml"]),
                         target_residual(tmax, tg["tmax_h"]),
                         target_residual(r.half_life_h, tg["half_life_h"])])

    x = _fit(residuals, [[45.0, 40.0, 3.0], [30.0, 60.0, 2.0], [60.0, 25.0, 4.0]])
    return dict(zip(names, (float(v) for v in x), strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv) or ["all"]
    which = args[0]
    if which in ("selinexor", "all"):
        from xposim.pharmacology.pk.selinexor import selinexor_pk

        typ = fit_selinexor_typical()
        print("selinexor typical:", {k: round(v, 4) for k, v in typ.items()})
        pk = selinexor_pk()
        r = typical_nca(pk, 80.0, route="PO", parameters=typ)
        print("  NCA 80 mg:", {k: round(v, 3) for k, v in r.to_dict().items()
                               if isinstance(v, float)})
        iiv = fit_selinexor_iiv()
        print("selinexor IIV:", {k: round(v, 4) for k, v in iiv.items()})
    for name in ("dexamethasone", "bortezomib"):
        if which in (name, "all"):
            fn = globals().get(f"fit_{name}")
            if fn is not None:
                print(f"{name}:", fn())
    return 0


if __name__ == "__main__":
    sys.exit(main())
