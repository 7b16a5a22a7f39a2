"""Target functions of the PK calibrations, and the typical-subject simulations they use.

The typical profile is analysed by NCA on :data:`SAMPLING_H` (a rich phase-1 schedule);
Tmax is refined by a parabola through the peak so it is smooth in the parameters, as a
fitting target must be. Bortezomib figures follow the label schedule (1.3 mg/m² days 1,
4, 8, 11) of the reference subject and the review tables they are compared with
(calibration-targets.md §1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np

from xposim.analysis.nca import NCAResult, nca
from xposim.calibration.context import Context
from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.pk.population import (
    CovariateDistribution,
    Covariates,
    make_subject,
)
from xposim.pharmacology.pk.spec import PKModel

#: Rich sampling schedule (h after the dose) used for NCA of simulated typical profiles.
SAMPLING_H: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0,
                                 6.0, 8.0, 10.0, 12.0, 16.0, 24.0, 36.0, 48.0, 72.0)


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


#: Days 1, 4, 8, 11 of three 21-day cycles (h), 1.3 mg/m² (VELCADE label); the
#: repeated-dose figures were measured on C1D11 and C3D11.
BORTEZOMIB_DOSE_TIMES_H: tuple[float, ...] = tuple(
    504.0 * cycle + day for cycle in range(3) for day in (0.0, 72.0, 168.0, 240.0))
BORTEZOMIB_D11_H: dict[str, float] = {"c1": 240.0, "c3": 1008.0 + 240.0}
BORTEZOMIB_MG_M2 = 1.3
#: Sampling after a dose (h): 2, 5, 15, 30 min, ... to just before the next dose at 72 h
#: (an output at an event time is post-dose, so the last sample is 72 h - 3.6 s).
BORTEZOMIB_SAMPLING_H: tuple[float, ...] = (2 / 60, 5 / 60, 0.25, 0.5, 0.75, 1.0, 2.0, 4.0,
                                            6.0, 8.0, 12.0, 24.0, 36.0, 48.0, 71.999)

def bortezomib_reference_dose_mg() -> float:
    """1.3 mg/m² for the reference subject (70 kg, 170 cm: Mosteller 1.818 m²)."""
    return BORTEZOMIB_MG_M2 * Covariates().bsa_m2


def bortezomib_cycle(pk: PKModel, route: str, *,
                     parameters: Mapping[str, float] | None = None,
                     simulator: Simulator | None = None,
                     outputs: Sequence[str] | None = None,
                     extra_times_h: Sequence[float] = ()) -> tuple[np.ndarray, dict]:
    """Simulate cycle 1 (doses days 1, 4, 8, 11) of the reference subject; return the
    sampling times and the requested outputs (concentrations in ng/mL)."""
    sim = simulator or Simulator(pk.model)
    dose = bortezomib_reference_dose_mg()
    grid = {0.0, *extra_times_h}
    for d in BORTEZOMIB_DOSE_TIMES_H:
        grid |= {d + s for s in BORTEZOMIB_SAMPLING_H}
    t = np.array(sorted(grid))
    outs = list(outputs or [pk.concentration])
    params = {**Covariates().model_parameters(), **dict(parameters or {})}
    res = sim.run(t, parameters=params,
                  events=[Bolus(d, pk.dose_target(route), dose)
                          for d in BORTEZOMIB_DOSE_TIMES_H], outputs=outs)
    values = {n: res[n] * (1e3 if n == pk.concentration else 1.0) for n in outs}
    return t, values


def bortezomib_figures(parameters: Mapping[str, float] | None = None,
                       simulator: Simulator | None = None) -> dict[str, float]:
    """The reference subject's figures compared with the targets of ``pk-bortezomib`` and
    ``pk-bortezomib-pd`` (calibration/declarations).

    Each dose is analysed from its time to 72 h later. Day 11 (IV, cycles 1 and 3, keys
    ``c1_``/``c3_``): CLss = dose/AUC(0-72 h), t½ from λz, Vss = CLss·MRTss with
    MRTss = [AUMCτ + τ·(AUCinf - AUCτ)]/AUCτ, τ = 72 h (Gabrielsson & Weiner; WinNonlin).
    """
    pk = pk_model("bortezomib")
    sim = simulator or Simulator(pk.model)
    dose = bortezomib_reference_dose_mg()
    out: dict[str, float] = {}
    inh = "proteasome_inhibition"
    d11 = BORTEZOMIB_D11_H["c1"]
    fine = np.concatenate((np.arange(0.0, 72.0, 0.25), d11 + np.arange(0.0, 3.0, 0.02)))
    for route in ("IV", "SC"):
        t, v = bortezomib_cycle(pk, route, parameters=parameters, simulator=sim,
                                outputs=[pk.concentration, inh], extra_times_h=fine)
        c = v[pk.concentration]

        def analyse(t0: float, route: str = route, t: np.ndarray = t,
                    c: np.ndarray = c) -> NCAResult:
            rel = np.array([t0 + s for s in BORTEZOMIB_SAMPLING_H])
            idx = np.searchsorted(t, rel)
            pre = float(c[np.searchsorted(t, t0) - 1]) if t0 > 0 else 0.0
            return nca(rel, c[idx], dose_mg=dose, dose_time_h=t0, predose_ng_ml=pre,
                       route="iv_bolus" if route == "IV" else "extravascular")

        if route == "IV":
            r = analyse(0.0)
            out["d1_cl_l_h"] = r.cl_f_l_h or float("nan")
            out["d1_half_life_h"] = r.half_life_h or float("nan")
            for cyc, t0 in BORTEZOMIB_D11_H.items():
                r = analyse(t0)
                cl = dose * 1e3 / r.auc_last_ng_h_ml
                lam = r.lambda_z_per_h or float("nan")
                auc_inf = r.auc_last_ng_h_ml + r.clast_ng_ml / lam
                mrt = (r.aumc_last_ng_h2_ml + 72.0 * (auc_inf - r.auc_last_ng_h_ml)) \
                    / r.auc_last_ng_h_ml  # τ = 72 h
                out.update({f"{cyc}_d11_cl_l_h": cl,
                            f"{cyc}_d11_half_life_h": math.log(2) / lam,
                            f"{cyc}_d11_vss_l": cl * mrt})
            # observed Cmax = first sample (2 min), not the back-extrapolated C0
            out["iv_cmax_ng_ml"] = float(c[np.searchsorted(t, d11 + 2 / 60)])
            out.update(_first_dose_inhibition(pk, sim, parameters, dose))
        else:
            r = analyse(d11)
            out.update({"sc_cmax_ng_ml": r.cmax_ng_ml,
                         "sc_auc_last_ng_h_ml": r.auc_last_ng_h_ml})
            w = (t >= d11) & (t < d11 + 3.0)
            k = int(np.argmax(c[w]))
            out["sc_tmax_h"] = float(t[w][k] - d11)
        window = (t >= d11) & (t <= d11 + 1.0)
        out[f"{route.lower()}_max_inhibition"] = float(v[inh][window].max())
    return out


#: Times (h) after the first dose at which :func:`_first_dose_inhibition` reports inhibition.
BORTEZOMIB_PD_TIMES_H: tuple[float, ...] = (1.0, 24.0, 48.0, 72.0, 96.0)


def _first_dose_inhibition(pk: PKModel, sim: Simulator,
                           parameters: Mapping[str, float] | None,
                           dose: float) -> dict[str, float]:
    """Blood 20S inhibition after the first (C1D1) dose, IV and SC, on a 0.25 h grid to
    240 h: ``{iv,sc}_inhibition_<h>h`` at :data:`BORTEZOMIB_PD_TIMES_H`,
    ``{iv,sc}_peak_fraction_1h`` (inhibition at 1 h / maximum over 0-72 h) and
    ``recovery_h``, the first time the IV inhibition falls below 10% (crossing interpolated
    linearly, so the figure is smooth in the parameters; 240 if it never does)."""
    t = np.arange(0.0, 240.0 + 1e-9, 0.25)
    params = {**Covariates().model_parameters(), **dict(parameters or {})}
    out: dict[str, float] = {}
    for route in ("IV", "SC"):
        res = sim.run(t, parameters=params, events=[Bolus(0.0, pk.dose_target(route), dose)],
                      outputs=["proteasome_inhibition"])
        inh = res["proteasome_inhibition"]
        r = route.lower()
        for h in BORTEZOMIB_PD_TIMES_H:
            out[f"{r}_inhibition_{h:g}h"] = float(inh[np.searchsorted(t, h)])
        out[f"{r}_peak_fraction_1h"] = float(inh[np.searchsorted(t, 1.0)]
                                             / max(inh[t <= 72.0].max(), 1e-12))
        if route == "IV":
            out["recovery_h"] = _crossing(t, inh, 0.10)
    return out


def _crossing(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time after 0 at which y falls below level, interpolated linearly (t[-1] if
    never)."""
    below = np.flatnonzero((t > 0.0) & (y < level))
    if not below.size:
        return float(t[-1])
    i = int(below[0])
    if y[i - 1] <= y[i]:
        return float(t[i])
    return float(t[i - 1] + (y[i - 1] - level) / (y[i - 1] - y[i]) * (t[i] - t[i - 1]))




# ---------------------------------------------------------------------------------------
# target functions

@cache
def _simulator(drug: str) -> Simulator:
    return Simulator(pk_model(drug).model)


def _sim(pk: PKModel) -> Simulator:
    """One compiled model per drug and process."""
    return _simulator(pk.drug.name)


#: Parameter-name prefix of each drug's PK module.
_PREFIX = {"selinexor": "sel", "dexamethasone": "dex", "bortezomib": "btz"}


def _prefix(pk: PKModel) -> str:
    return _PREFIX[pk.drug.name]


def pk_single_dose(ctx: Context, drug: str, dose_mg: float, route: str = "PO",
                   ) -> dict[str, float]:
    """Typical subject after one dose: NCA figures (``cmax_ng_ml``, ``auc_inf_ng_h_ml``,
    ``half_life_h``...), ``tmax_h`` (continuous) and ``vss_l`` (apparent Vc + Vp of the
    typical subject, when the model has both)."""
    pk = pk_model(drug)
    sim = _sim(pk)
    params = ctx.for_model(pk.model)
    r = typical_nca(pk, dose_mg, route=route, parameters=params, simulator=sim)
    out = {k: float(v) for k, v in r.to_dict().items()
           if isinstance(v, float | int) and not isinstance(v, bool)}
    out["tmax_h"] = continuous_tmax(pk, dose_mg, route=route, parameters=params,
                                    simulator=sim)
    p = _prefix(pk)
    if {f"{p}_Vc_pop", f"{p}_Vp_pop"} <= {q.name for q in pk.model.parameters}:
        values = {q.name: q.canonical_value for q in pk.model.parameters}
        values.update(params)
        out["vss_l"] = values[f"{p}_Vc_pop"] + values[f"{p}_Vp_pop"]
    return out


def pk_population_cv(ctx: Context, drug: str, dose_mg: float, route: str = "PO",
                     n: int = 400, seed: int = 20240601) -> dict[str, float]:
    """``auc_cv`` and ``cmax_cv`` (and means) over ``n`` virtual subjects (individual
    predictions, no residual error) with the trial omegas (SD of eta)."""
    pk = pk_model(drug)
    names = {re.parameter.replace("_eta_", "_omega_") for re in pk.random_effects}
    omegas = {n_: abs(ctx.value(n_)) for n_ in ctx.values if n_ in names}
    return population_cv(pk, dose_mg, route=route, n=int(n), seed=int(seed), omegas=omegas,
                         simulator=_sim(pk))


def bortezomib_label_figures(ctx: Context) -> dict[str, float]:
    """:func:`bortezomib_figures` of the reference subject at the trial values."""
    pk = pk_model("bortezomib")
    return bortezomib_figures(ctx.for_model(pk.model), _sim(pk))
