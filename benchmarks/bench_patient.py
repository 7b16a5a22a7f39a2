"""The clinical patient: compile, a 24-week patient, subject-years per second per core,
and the same simulation as a bare libRoadRunner loop over the exported SBML.

- ``patient_first_use_s``: tumour-cell reduction derived from the cell modules, model
  composed and compiled, first patient run (imports excluded).
- ``patient_24wk_run_ms``: a typical patient on Xd (80 mg + dexamethasone 20 mg days 1, 3
  weekly, label dose rules, weekly labs, 4-weekly assessments), 24 weeks, after compile.
  Target (issue 13): <= 100 ms.
- ``subject_years_per_second_per_core``: 52-week patients of varied biology (tumour XPO1,
  growth, baseline platelets), one process; the trial target (issue 14) is >= 20.
- ``bare_engine_subject_years_per_second_per_core``: the same patients' SBML, doses
  (as the rules gave them), initial state, parameters, tolerances and output times in a
  bare libRoadRunner loop (set the dose amounts, reinitialise, simulate to the next
  event, recording what the runner records at the visits: every species and the outputs),
  with no rules, AE draws or bookkeeping; ``patient_vs_bare_roadrunner``: the median
  per-pair time ratio (target <= 1.2).

Pairs alternate (bare, xposim) so a load change on the shared machine hits both.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

RUNS_24 = 15
BLOCKS = 5
PATIENTS = 6


def _patients():
    from xposim.patient.arm import typical_patient

    rng = np.random.default_rng(7)
    out = []
    for i in range(PATIENTS):
        out.append(typical_patient(subject_id=i, parameters={
            "XPO1_total0": float(900.0 * np.exp(0.4 * rng.standard_normal())),
            "mm_kg0": float(3.32e-4 * np.exp(0.8 * rng.standard_normal()))},
            covariates={"platelets_1e9_per_l": float(rng.uniform(120, 320))}))
    return out


def _bare(pm, sim, run, params, state):
    """A bare libRoadRunner loop reproducing ``run``'s doses and output times."""
    import roadrunner

    model = pm.model
    rr = roadrunner.RoadRunner(model.sbml)
    integ = rr.integrator
    integ.relative_tolerance = sim.rtol
    integ.maximum_num_steps = 200_000
    m = rr.model
    vols = dict(zip(m.getCompartmentIds(), m.getCompartmentVolumes(), strict=True))
    species = {s.name: s for s in model.species}
    sp_ids = list(m.getFloatingSpeciesIds())
    for sid in sp_ids:
        s = species[sid]
        integ.setIndividualTolerance(sid, sim.atol * (1.0 if s.amount else
                                                      vols[s.compartment]))
    from xposim.engine.plan import resolve_values

    values = resolve_values(model, params)
    pids = list(m.getGlobalParameterIds())
    assigned = {a.name for a in model.assignments}
    load = [i for i, n in enumerate(pids) if n not in assigned]
    pvals = np.array([values[pids[i]] for i in load])
    load_idx = np.array(load, dtype=np.int32)
    conc = np.array([i for i, n in enumerate(sp_ids) if not species[n].amount], np.int32)
    amt = np.array([i for i, n in enumerate(sp_ids) if species[n].amount], np.int32)
    c0 = np.array([state[sp_ids[i]] for i in conc])
    a0 = np.array([state[sp_ids[i]] for i in amt])
    doses = run.outcome.doses
    route = {"selinexor": "sel_depot", "dexamethasone": "dex_gut", "bortezomib": "btz_sc"}
    by_time: dict[float, list[tuple[int, float]]] = {}
    for day, drug, mg in doses[["day", "drug", "amount"]].to_numpy():
        by_time.setdefault(round(float(day) * 24.0, 9), []).append(
            (sp_ids.index(route[drug]), float(mg)))
    visits = sorted(set(run.outcome.time_course["day"]))
    times = np.array(visits) * 24.0
    end = float(times[-1])
    events = sorted(t for t in by_time if t < end)
    # what the runner records at a visit: every species (its restart state) and the
    # outputs, in the engine's selection form
    selections = [f"[{n}]" if not species[n].amount else n for n in pm.species]
    selections += list(pm.outputs)

    def once() -> None:
        m.setGlobalParameterValues(load_idx, pvals)
        m.setFloatingSpeciesConcentrations(conc, c0)
        m.setFloatingSpeciesAmounts(amt, a0)
        m.setTime(0.0)
        bounds = [*events, end]
        for k, te in enumerate(events):
            for idx, mg in by_time[te]:
                cur = m.getFloatingSpeciesAmounts(np.array([idx], np.int32))[0]
                m.setFloatingSpeciesAmounts(np.array([idx], np.int32), np.array([cur + mg]))
            integ.setValue("relative_tolerance", sim.rtol)  # restart CVODE at the dose
            t1 = bounds[k + 1]
            grid = np.unique(np.concatenate(([te], times[(times > te) & (times < t1)], [t1])))
            rr.simulate(times=grid, selections=selections)

    return once


def run() -> dict[str, dict[str, object]]:
    from xposim import ClinicalPatientSimulator
    from xposim.patient.arm import default_arm, typical_patient

    t0 = time.perf_counter()
    sim = ClinicalPatientSimulator()
    arm24 = default_arm("label:selinexor-dex", "myeloma", 24)
    sim.run(typical_patient(), arm24, seed=1)
    first = time.perf_counter() - t0
    pm, _ = sim.model_for(("selinexor", "dexamethasone"))
    times, cpu = [], []
    for _ in range(RUNS_24):
        t, c = time.perf_counter(), time.process_time()
        sim.run(typical_patient(), arm24, seed=1)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    t24 = statistics.median(times)
    c24 = statistics.median(cpu)
    detailed = ClinicalPatientSimulator(cell="detailed")
    detailed.run(typical_patient(), arm24, seed=1)
    times_d = []
    for _ in range(RUNS_24 // 3):
        t = time.perf_counter()
        detailed.run(typical_patient(), arm24, seed=1)
        times_d.append(time.perf_counter() - t)
    t24_detailed = statistics.median(times_d)

    arm52 = default_arm("label:selinexor-dex", "myeloma", 52)
    years = 52 * 7 / 365.25
    patients = _patients()
    bares, runs = [], []
    for p in patients:
        r = sim.run(p, arm52, seed=1)
        prepared = sim.prepare(p, arm52, seed=1)
        bares.append(_bare(pm, sim, r, prepared.parameters, prepared.initial_state))
        runs.append(p)
    ours_t, bare_t, ratios = [], [], []
    for _ in range(BLOCKS):
        for p, bare in zip(runs, bares, strict=True):
            t = time.perf_counter()
            bare()
            tb = time.perf_counter() - t
            t = time.perf_counter()
            sim.run(p, arm52, seed=1)
            to = time.perf_counter() - t
            bare_t.append(tb)
            ours_t.append(to)
            ratios.append(to / tb)
    ours_mean = statistics.median(ours_t)
    bare_mean = statistics.median(bare_t)
    return {
        "patient_first_use_s": {
            "value": first, "unit": "s",
            "note": "derive the myeloma tumour-cell reduction, compose and compile the "
                    "patient model (sel + dex), first 24-week run"},
        "patient_24wk_run_ms": {
            "value": 1e3 * t24, "unit": "ms", "target": "<= 100 ms",
            "note": f"median of {RUNS_24}: typical patient, label:selinexor-dex with the "
                    "label dose rules, 24 weeks, weekly labs, rtol 1e-4 / atol 1e-6; "
                    f"CPU time {1e3 * c24:.0f} ms; load average {os.getloadavg()[0]:.1f}"},
        "patient_24wk_run_detailed_cell_ms": {
            "value": 1e3 * t24_detailed, "unit": "ms",
            "note": "the same patient with the cell layer's full export core instead of its "
                    "quasi-steady-state reduction (per-patient untreated steady state "
                    "included)"},
        "subject_years_per_second_per_core": {
            "value": years / ours_mean, "unit": "subject-years/s", "target": ">= 20",
            "note": f"{PATIENTS} patients of varied tumour XPO1, growth and baseline "
                    f"platelets, 52 weeks each on Xd with the dose rules, {BLOCKS} rounds, "
                    "one process"},
        "bare_engine_subject_years_per_second_per_core": {
            "value": years / bare_mean, "unit": "subject-years/s",
            "note": "the same SBML, doses, initial state, parameters, tolerances and output "
                    "times in a bare libRoadRunner loop (no rules, visits or bookkeeping)"},
        "patient_vs_bare_roadrunner": {
            "value": statistics.median(ratios), "unit": "x", "target": "<= 1.2",
            "note": f"median of {len(ratios)} alternating pairs of the time per subject, "
                    "xposim patient runner over the bare loop (both record every species "
                    "and the outputs at the visits)"},
    }


if __name__ == "__main__":
    for key, m in run().items():
        print(f"{key}: {m['value']:.4g} {m['unit']}")
