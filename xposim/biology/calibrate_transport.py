"""Solve the NES affinities that give each cargo its baseline in the normal preset.

Most named cargoes have no measured NES affinity, but their localisation in untreated
cells is known roughly (``baseline_nuclear_fraction``), and IkBa / IkBa·NF-kB have
measured export constants (Lipniacki 2004, ``baseline_k_export``). Given the reduced
export law, the untreated steady state fixes the export constant each cargo needs:

- protein made in the cytoplasm, nuclear balance with r = X_n/X_c:
  k_exp = (k_imp·V_c/V_n + k_leak)/r − k_deg,n − k_leak, with r = f·V_c / ((1−f)·V_n)
- mRNA made in the nucleus (no import, no leak): k_exp = k_deg,c·(1 − f)/f

and the law k_exp = k_tr·M_eff/(Kd + M_eff) gives Kd = M_eff·(k_tr/k_exp − 1). M_eff
itself depends on every cargo's nuclear load, so the solve iterates to a fixed point.

    python -m xposim.biology.calibrate_transport           # show the solution
    python -m xposim.biology.calibrate_transport --write   # update presets/cargo_affinities.toml
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from importlib import resources

from xposim.biology.cargoes import DEFAULT_CARGOES, DEFAULT_COMPLEXES, Cargo, CargoComplex
from xposim.biology.transport import CellVolumes, export_module
from xposim.engine import Simulator
from xposim.errors import ModelError
from xposim.model import compose

#: XPO1 of the reference (normal) preset: the HeLa level (Riddick & Macara 2007).
REFERENCE_XPO1_NM = 300.0


def _required_k_export(c: Cargo, volumes: CellVolumes) -> float | None:
    """Export constant (1/h) the cargo needs to meet its baseline target."""
    if c.baseline_k_export is not None:
        return c.baseline_k_export.canonical_value
    if c.baseline_nuclear_fraction is None:
        return None
    f = c.baseline_nuclear_fraction.value
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
        fmax = _max_fraction(ki, kl, kn, vn, vc)
        raise ModelError(f"{c.name}: baseline nuclear fraction {f} is above what import and "
                         f"leak allow without export ({fmax:.3f})")
    return ke


def _max_fraction(ki: float, kl: float, kn: float, vn: float, vc: float) -> float:
    r = (ki * vc / vn + kl) / (kn + kl)
    return r * vn / (r * vn + vc)


def solve_affinities(cargoes: Sequence[Cargo] = DEFAULT_CARGOES,
                     complexes: Sequence[CargoComplex] = DEFAULT_COMPLEXES, *,
                     volumes: CellVolumes | None = None, xpo1_nM: float = REFERENCE_XPO1_NM,
                     tol: float = 1e-10, max_iter: int = 100) -> dict[str, float]:
    """NES affinities (nM) meeting every baseline target in the reference cell."""
    volumes = volumes or CellVolumes()
    model = compose(export_module(cargoes, complexes, volumes=volumes), name="calibration")
    sim = Simulator(model, rtol=1e-11, atol=1e-12)
    k_tr = model.parameter("k_tr").canonical_value
    all_cargo = list(cargoes) + [cx.cargo for cx in complexes]
    needs = {c.name: _required_k_export(c, volumes) for c in all_cargo}
    needs = {k: v for k, v in needs.items() if v is not None}
    for name, ke in needs.items():
        if not 0 < ke < k_tr:
            raise ModelError(f"{name}: required export constant {ke:g} /h must be below "
                             f"k_tr = {k_tr:g} /h")
    kd = {n: model.parameter(f"{n}_nes_kd").canonical_value for n in needs}
    state = None
    for _ in range(max_iter):
        params = {"XPO1_free": xpo1_nM, **{f"{n}_nes_kd": v for n, v in kd.items()}}
        state = sim.steady_state(parameters=params, initial=state)
        m_eff = sim.run([0.0, 1e-6], parameters=params, initial=state,
                        outputs=["XPO1_eff"])["XPO1_eff"][0]
        new = {n: m_eff * (k_tr / ke - 1.0) for n, ke in needs.items()}
        change = max(abs(new[n] / kd[n] - 1.0) for n in kd)
        kd = new
        if change < tol:
            return kd
    raise ModelError(f"NES affinity solve did not converge in {max_iter} iterations")


def baseline_errors(volumes: CellVolumes | None = None) -> dict[str, float]:
    """Stored affinities: relative error of each cargo's baseline target (0 = met)."""
    volumes = volumes or CellVolumes()
    model = compose(export_module(volumes=volumes), name="calibration_check")
    sim = Simulator(model, rtol=1e-11, atol=1e-12)
    params = {"XPO1_free": REFERENCE_XPO1_NM}
    ss = sim.steady_state(parameters=params)
    outs = [a.name for a in model.assignments]
    final = sim.run([0.0, 1e-6], parameters=params, initial=ss, outputs=outs).values[0]
    values = dict(zip(outs, final, strict=True))
    errors = {}
    for c in list(DEFAULT_CARGOES) + [cx.cargo for cx in DEFAULT_COMPLEXES]:
        if c.baseline_nuclear_fraction is not None:
            target = c.baseline_nuclear_fraction.value
            errors[c.name] = values[f"{c.name}_nuclear_fraction"] / target - 1
        elif c.baseline_k_export is not None:
            errors[c.name] = values[f"{c.name}_k_export"] / c.baseline_k_export \
                .canonical_value - 1
    return errors


def _write(kd: dict[str, float]) -> str:
    lines = ["# Generated by `python -m xposim.biology.calibrate_transport --write`: NES "
             "affinities", "# (nM) solved so the untreated normal preset meets each cargo's "
             "baseline target", "# (cargoes.py). Do not edit by hand; tests/test_transport.py "
             "checks they are current."]
    for name, value in kd.items():
        lines += [f"[{name}]", f"nes_kd_nM = {value:.8g}"]
    text = "\n".join(lines) + "\n"
    path = resources.files("xposim.presets").joinpath("cargo_affinities.toml")
    with resources.as_file(path) as p:
        p.write_text(text, encoding="utf-8")
    return str(path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update cargo_affinities.toml")
    args = parser.parse_args(argv)
    kd = solve_affinities()
    for name, value in kd.items():
        print(f"{name:12s} Kd = {value:12.6g} nM")
    if args.write:
        print("wrote", _write(kd))


if __name__ == "__main__":
    main()
