"""Why a clinical patient costs ~270 CVODE steps per dose interval (a diagnostic, not a
benchmark: `make bench` runs only bench_*.py).

On the typical patient's 52 weeks of Xd with the label rules (the doses the rules gave),
in a bare libRoadRunner loop over the exported SBML with the runner's initial state,
parameters and tolerances, it prints:

1. the CVODE step count of the year and per dose interval, at the clinical tolerances;
2. the count against the tolerance (rtol and the absolute tolerances scaled together);
3. the count with each block of species taken out of error control (absolute tolerance
   1e12), and with only the selinexor PK under control;
4. the eigenvalues of the Jacobian (central differences) 0.1, 1, 4 and 12 h after the
   21st dose: the stiffest modes and any oscillatory ones;
5. the step sizes through that interval.

Run: ``.venv/bin/python benchmarks/diagnose_patient_steps.py`` (~1 minute).
"""

from __future__ import annotations

import numpy as np

BLOCKS = {
    "selinexor PK": ("sel_",),
    "dexamethasone PK": ("dex_",),
    "GR": ("GR",),
    "tumour XPO1": ("drug_in", "XPO1_"),
    "marrow XPO1": ("mk_",),
    "reduced tumour signals": ("qss",),
    "platelets, neutrophils": ("plt", "neu"),
    "tumour": ("mm",),
    "adverse events": ("na_", "sodium", "wt_", "body", "nausea", "fatigue", "anorexia",
                       "auc"),
}
ROUTE = {"selinexor": "sel_depot", "dexamethasone": "dex_gut", "bortezomib": "btz_sc"}


def _setup():
    import roadrunner

    from xposim import ClinicalPatientSimulator
    from xposim.engine.plan import resolve_values
    from xposim.patient.arm import default_arm, typical_patient

    sim = ClinicalPatientSimulator()
    arm = default_arm("label:selinexor-dex", "myeloma", 52)
    patient = typical_patient()
    run = sim.run(patient, arm, seed=1)
    prepared = sim.prepare(patient, arm, seed=1)
    pm, state = prepared.model, prepared.initial_state
    rr = roadrunner.RoadRunner(pm.model.sbml)
    m = rr.model
    vols = dict(zip(m.getCompartmentIds(), m.getCompartmentVolumes(), strict=True))
    species = {s.name: s for s in pm.model.species}
    ids = list(m.getFloatingSpeciesIds())
    atol = {i: sim.atol * (1.0 if species[i].amount else vols[species[i].compartment])
            for i in ids}
    values = resolve_values(pm.model, prepared.parameters)
    assigned = {a.name for a in pm.model.assignments}
    for n in m.getGlobalParameterIds():
        if n not in assigned:
            m[n] = values[n]
    doses: dict[float, list[tuple[str, float]]] = {}
    for day, drug, mg in run.outcome.doses[["day", "drug", "amount"]].to_numpy():
        doses.setdefault(round(float(day) * 24.0, 9), []).append((ROUTE[drug], float(mg)))

    def reset() -> None:
        for n in ids:
            if species[n].amount:
                m[n] = state[n]
            else:
                m[f"[{n}]"] = state[n]
        m.setTime(0.0)

    return rr, ids, atol, doses, reset, sim.rtol


def main() -> None:
    rr, ids, atol, doses, reset, rtol0 = _setup()
    m, integ = rr.model, rr.integrator
    idx = np.arange(len(ids), dtype=np.int32)
    starts = sorted(doses)
    bounds = [*starts, 364 * 24.0]

    def year(rtol: float = rtol0, scale: float = 1.0, loose: tuple[str, ...] = (),
             keep_only: tuple[str, ...] | None = None, upto: int | None = None):
        for i in ids:
            off = i.startswith(loose) if loose else False
            if keep_only is not None:
                off = not i.startswith(keep_only)
            integ.setIndividualTolerance(i, 1e12 if off else atol[i] * scale)
        reset()
        per = []
        last = None
        for k, te in enumerate(starts[:upto]):
            for target, mg in doses[te]:
                m[target] = m[target] + mg
            integ.setValue("relative_tolerance", rtol)
            # A variable-step run labels its last row with the interval's end but leaves
            # the model at CVODE's last internal step, past it: count its steps, then
            # advance the state exactly with a fixed-grid run from the same start.
            start = np.array(m.getFloatingSpeciesAmounts())
            integ.variable_step_size = True
            last = rr.simulate(te, bounds[k + 1], selections=["time"])
            per.append(len(last) - 1)
            m.setFloatingSpeciesAmounts(idx, start)
            integ.variable_step_size = False
            rr.simulate(te, bounds[k + 1], 2, selections=["time"])
        return sum(per), per, last

    total, per, _ = year()
    print(f"1. clinical tolerances: {total} steps in 52 weeks, {len(per)} dose intervals, "
          f"median {np.median(per):.0f} per interval")
    print("2. against the tolerance (absolute tolerances scaled alike):")
    for rtol, scale in ((1e-6, 1e-2), (1e-4, 1.0), (1e-3, 10.0), (1e-2, 100.0)):
        print(f"   rtol {rtol:g}: {year(rtol, scale)[0]} steps")
    print("3. one block out of error control:")
    for name, prefixes in BLOCKS.items():
        print(f"   {name:24s} {year(loose=prefixes)[0]:6d} steps")
    only = year(keep_only=("sel_",))
    print(f"   only the selinexor PK under control: {only[0]} steps "
          f"({np.median(only[1]):.0f} per interval)")
    _, _, last = year(upto=21)
    te = starts[20]
    h = np.diff(last[:, 0])
    print(f"5. step sizes (h) through the interval from {te:g} h: first {h[0]:.2g}, "
          f"then {', '.join(f'{x:.3g}' for x in h[30::15])}")
    print("4. Jacobian eigenvalues after the 21st dose:")
    year(upto=20)
    for target, mg in doses[te]:
        m[target] = m[target] + mg
    integ.setValue("relative_tolerance", rtol0)
    order = [m.getStateVectorId(i) for i in range(len(ids))]
    perm = [order.index(n) for n in ids]
    t_prev = te
    for dt in (0.1, 1.0, 4.0, 12.0):
        rr.simulate(t_prev, te + dt, 2)
        t_prev = te + dt
        y = np.array(m.getFloatingSpeciesAmounts())
        jac = np.zeros((len(y), len(y)))
        for j in range(len(y)):
            d = 1e-5 * max(abs(y[j]), 1e-3)
            for sign in (1.0, -1.0):
                z = y.copy()
                z[j] += sign * d
                m.setFloatingSpeciesAmounts(idx, z)
                jac[:, j] += sign * np.array(rr.getRatesOfChange())[perm] / (2 * d)
        m.setFloatingSpeciesAmounts(idx, y)
        w = np.linalg.eigvals(jac)
        osc = w[(np.abs(w.imag) > 0.05 * np.abs(w.real)) & (np.abs(w) > 1.0)]
        print(f"   {dt:4g} h: stiffest {sorted(w.real)[:2]}, max real part "
              f"{w.real.max():.3g} /h, oscillatory modes faster than 1/h: {len(osc)}")


if __name__ == "__main__":
    main()
