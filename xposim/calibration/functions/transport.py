"""Target functions of the transport calibrations.

``export_core_untreated``: the untreated reduced export core of the reference (normal)
cell, whose NES affinities ``transport-affinities`` solves so each cargo meets its baseline
localisation or export constant.

``reduced_vs_detailed``: agreement of the reduced law with the detailed Ran-cycle model
over the inactivation grid, with the NES affinities re-solved for every trial
``k_tr``/``phi_n`` (so the constants are consistent with the affinities the cell model
uses); ``reduced-export-law`` fits ``k_tr`` to it and reads ``phi_n`` off the detailed
model self-consistently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np

from xposim.biology.cargoes import DEFAULT_CARGOES, DEFAULT_COMPLEXES, Cargo
from xposim.biology.ran_cycle import (
    COMPARED_CARGOES,
    F_INACT_GRID,
    ReferenceModels,
    agreement_table,
    detailed_fractions,
    reduced_fractions,
    steady_state,
)
from xposim.biology.transport import CellVolumes, export_module
from xposim.calibration.context import Context
from xposim.calibration.declaration import load_declaration
from xposim.engine import Simulator
from xposim.errors import ModelError
from xposim.model import Model, compose

#: XPO1 of the reference (normal) cell: the HeLa level (Riddick & Macara 2007), nM.
REFERENCE_XPO1_NM = 300.0
_FRACTION = "_nuclear_fraction"
_EXPORT = "_k_export_per_s"


@cache
def _core() -> tuple[Model, Simulator]:
    model = compose(export_module(volumes=CellVolumes.reference()), name="export_core")
    return model, Simulator(model, rtol=1e-11, atol=1e-12)


def export_core_untreated(ctx: Context, xpo1_nM: float = REFERENCE_XPO1_NM,
                          ) -> dict[str, float]:
    """Untreated steady state of the reduced export core of the reference cell with
    ``XPO1_free = xpo1_nM``: ``<cargo>_nuclear_fraction`` and ``<cargo>_k_export_per_s``
    (export rate constant, 1/s) of every cargo."""
    model, sim = _core()
    params = {**ctx.for_model(model), "XPO1_free": float(xpo1_nM)}
    state = sim.steady_state(parameters=params)
    names = [a.name for a in model.assignments
             if a.name.endswith(_FRACTION) or a.name.endswith("_k_export")]
    res = sim.run([0.0, 1e-6], parameters=params, initial=state, outputs=names)
    out = {}
    for name, v in zip(names, res.values[0], strict=True):
        key = name[:-len("_k_export")] + _EXPORT if name.endswith("_k_export") else name
        out[key] = float(v) / (3600.0 if name.endswith("_k_export") else 1.0)
    return out


def baselines() -> dict[str, tuple[str, float]]:
    """Each cargo's baseline from the targets of ``transport-affinities``: cargo ->
    ("nuclear_fraction", share) or ("k_export", 1/h)."""
    out: dict[str, tuple[str, float]] = {}
    for t in load_declaration("transport-affinities").targets:
        assert t.value is not None
        if t.figure.endswith(_FRACTION):
            out[t.figure[:-len(_FRACTION)]] = ("nuclear_fraction", t.value)
        elif t.figure.endswith(_EXPORT):
            out[t.figure[:-len(_EXPORT)]] = ("k_export", t.value * 3600.0)
        else:
            raise ModelError(f"transport-affinities target {t.name}: figure must end in "
                             f"{_FRACTION} or {_EXPORT}")
    return out


def required_k_export(c: Cargo, baseline: tuple[str, float], volumes: CellVolumes) -> float:
    """Export constant (1/h) a cargo needs to meet its baseline in the untreated cell.

    Protein made in the cytoplasm, nuclear balance with r = X_n/X_c = f·V_c/((1−f)·V_n):
    k_exp = (k_imp·V_c/V_n + k_leak)/r − k_deg,n − k_leak; mRNA made in the nucleus (no
    import, no leak): k_exp = k_deg,c·(1 − f)/f.
    """
    kind, value = baseline
    if kind == "k_export":
        return value
    f = value
    vn, vc = volumes.nucleus_pL, volumes.cytoplasm_pL
    kn = math.log(2) / c.t_half_nuc.canonical_value
    kc = math.log(2) / c.t_half_cyt.canonical_value
    if c.synthesized_in == "nucleus":
        if c.k_import.value or c.k_leak.value:
            raise ModelError(f"{c.name}: nuclear synthesis with import/leak is not solvable")
        return kc * (1 - f) / f
    ki, kl = c.k_import.canonical_value, c.k_leak.canonical_value
    r = f * vc / ((1 - f) * vn)
    ke = (ki * vc / vn + kl) / r - kn - kl
    if ke <= 0:
        rmax = (ki * vc / vn + kl) / (kn + kl)
        fmax = rmax * vn / (rmax * vn + vc)
        raise ModelError(f"{c.name}: baseline nuclear fraction {f} is above what import and "
                         f"leak allow without export ({fmax:.3f})")
    return ke


def solve_affinities(models: ReferenceModels, k_tr_per_h: float, phi_n: float, *,
                     tol: float = 1e-9, max_iter: int = 200) -> dict[str, float]:
    """NES affinities (nM) meeting every cargo's baseline under the reduced law with these
    constants (fixed point: Kd = M_eff·(k_tr/k_exp − 1), M_eff depending on every load)."""
    volumes = CellVolumes.reference()
    cargo = {c.name: c for c in (*DEFAULT_CARGOES, *(cx.cargo for cx in DEFAULT_COMPLEXES))}
    needs = {n: required_k_export(cargo[n], b, volumes) for n, b in baselines().items()}
    if any(ke >= k_tr_per_h for ke in needs.values()):
        raise ModelError(f"k_tr = {k_tr_per_h / 3600:g} /s is below a required export "
                         "constant")
    sim = Simulator(models.reduced, rtol=1e-11, atol=1e-12)
    kd = {n: models.reduced.parameter(f"{n}_nes_kd").canonical_value for n in needs}
    state: dict[str, float] | None = None
    base = {"XPO1_free": REFERENCE_XPO1_NM, "k_tr": k_tr_per_h, "phi_n": phi_n}
    for _ in range(max_iter):
        params = {**base, **{f"{n}_nes_kd": v for n, v in kd.items()}}
        state = steady_state(sim, params, initial=state, rtol=1e-11)
        res = sim.run([0.0, 1e-9], parameters=params, initial=state, outputs=["XPO1_eff"])
        m_eff = float(res["XPO1_eff"][0])
        new = {n: m_eff * (k_tr_per_h / ke - 1.0) for n, ke in needs.items()}
        change = max(abs(new[n] / kd[n] - 1.0) for n in kd)
        kd = new
        if change < tol:
            return kd
    raise ModelError(f"NES affinity solve did not converge in {max_iter} iterations")


@cache
def reference_models() -> ReferenceModels:
    return ReferenceModels.build()


def compare(ctx: Context, f_inact: Sequence[float] = F_INACT_GRID,
            ) -> tuple[np.ndarray, dict[str, float], float]:
    """(agreement table rows, solved affinities, untreated phi_n of the detailed model)."""
    models = reference_models()
    k_tr, phi_n = ctx.canonical("k_tr"), ctx.canonical("phi_n")
    kd = solve_affinities(models, k_tr, phi_n)
    kd_params = {f"{n}_nes_kd": v for n, v in kd.items()}
    det = detailed_fractions(list(f_inact), models=models,
                             parameters={**ctx.for_model(models.detailed), **kd_params})
    red = reduced_fractions(list(f_inact), k_tr_per_s=k_tr / 3600.0, phi_n=phi_n,
                            parameters=kd_params, models=models)
    table = agreement_table(det, red)
    untreated = det[det["f_inact"] == 0.0]
    if untreated.empty:
        raise ModelError("reduced_vs_detailed: f_inact must include 0 (phi_n is read there)")
    return table, kd, float(untreated["phi_n_detailed"].iloc[0])


def reduced_vs_detailed(ctx: Context, f_inact: Sequence[float] = F_INACT_GRID,
                        ) -> dict[str, float | np.ndarray]:
    """``difference``: reduced − detailed nuclear fraction of every compared cargo at each
    ``f_inact`` (array, cargo-major within each level); ``worst_to_95``: the largest
    |difference| up to 95% inactivation; ``phi_n_gap``: untreated detailed phi_n minus
    the trial phi_n."""
    table, _, phi_detailed = compare(ctx, f_inact)
    diff = table["difference"].to_numpy(dtype=float)
    part = table[table["f_inact"] <= 0.95]
    return {"difference": diff, "phi_n_gap": phi_detailed - ctx.canonical("phi_n"),
            "phi_n_detailed": phi_detailed,
            "worst_to_95": float(part["difference"].abs().max()),
            "n_compared": float(len(COMPARED_CARGOES) * len(f_inact))}

