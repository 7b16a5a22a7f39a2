"""The six steps of the guided walk: what each simulates and what the page draws.

:func:`render_view` turns a step's validated parameters into a *view*: plain JSON data
(panels of series with labels and units, the drawn cells' compartment concentrations over
time, a summary table, notes). Every number comes from the library's public API
(:mod:`xposim.web.cells` for the dish, :mod:`xposim.web.patient_course` for the patient,
:mod:`xposim.analysis.synergy` for Bliss); this module only chooses what to run and how
to show it, and names every variable as the model does, with the model's unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from xposim.analysis.synergy import CombinationGrid, bliss
from xposim.engine.results import Result
from xposim.errors import InputError
from xposim.web import limits, schema
from xposim.web.cells import CellSpec, cell_timecourse, preset, preset_xpo1_uM
from xposim.web.patient_course import MAX_DECISIONS_SHOWN, build_regimen, patient_course
from xposim.web.steps import STEP_TEXT

#: Cargoes drawn in the cell (model names; nuclear species ``<c>_n``, cytoplasmic ``<c>_c``).
DRAWN_CARGOES = ("p53", "p21", "FOXO3a", "IkBa")
#: Cargoes whose nuclear fraction is plotted.
PLOTTED_CARGOES = ("p53", "p21", "FOXO3a", "BRCA1", "IkBa")
#: Outputs every cell run records.
CELL_OUTPUTS = ("occupancy", "covalent_occupancy", "XPO1_cell_total", "drug_in",
                "viable_cells", "total_cells", "g1_arrested_fraction", "apoptotic_fraction",
                "death_signal",
                "GR_total", "gr_death_signal",
                *(f"{c}_nuclear_fraction" for c in PLOTTED_CARGOES),
                *(f"{c}_k_export" for c in PLOTTED_CARGOES),
                *(f"{c}_{side}" for c in DRAWN_CARGOES for side in ("n", "c")))
#: How the page writes the dimensionless unit.
UNIT_LABELS = {"1": "dimensionless"}
#: Outputs whose model unit is "1" because the unit is in the name (docs/disease.md).
NAMED_UNITS = {"plt_1e9_per_l": "10^9/L", "neu_1e9_per_l": "10^9/L",
               "m_protein_g_per_dl": "g/dL"}


@dataclass(frozen=True)
class StepInfo:
    number: int
    title: str
    intro: str
    build: Callable[[Any], dict[str, Any]]


def step_h(hours: float) -> float:
    """Output step (h) giving at most :data:`limits.MAX_POINTS` points over ``hours``."""
    return hours / (limits.MAX_POINTS - 1)


def _floats(values: Iterable[float]) -> list[float]:
    out = [float(v) for v in values]
    if not all(math.isfinite(v) for v in out):
        raise InputError("simulation", "produced a non-finite value; try a smaller change")
    return out


def series(name: str, x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *,
           variable: str = "", dash: str = "solid", mode: str = "lines",
           group: int | None = None) -> dict[str, Any]:
    """One trace; ``group`` picks its colour (same variable, same colour)."""
    return {"name": name, "variable": variable, "x": _floats(x) if mode != "bar" else list(x),
            "y": _floats(y), "dash": dash, "mode": mode, "group": group}


def panel(pid: str, title: str, y_label: str, y_unit: str, traces: list[dict[str, Any]], *,
          x_label: str = "time", x_unit: str = "h", kind: str = "line",
          refs: Sequence[tuple[float, str]] = ()) -> dict[str, Any]:
    """A plot: ``traces`` against x, axis labels with units, horizontal reference lines."""
    return {"id": pid, "title": title, "kind": kind,
            "x": {"label": x_label, "unit": x_unit},
            "y": {"label": y_label, "unit": UNIT_LABELS.get(y_unit, y_unit)},
            "series": traces, "refs": [{"y": y, "label": lab} for y, lab in refs]}


def _unit(res: Result, name: str) -> str:
    return res.unit(name)


def cell_frames(runs: Sequence[tuple[str, Result]]) -> dict[str, Any]:
    """The drawn cells: per run, each cargo's nuclear and cytoplasmic concentration and
    XPO1 occupancy at every output time (all runs share the time grid)."""
    first = runs[0][1]
    units = {_unit(first, f"{c}_{s}") for c in DRAWN_CARGOES for s in ("n", "c")}
    if len(units) != 1:
        raise InputError("cargo", "drawn cargoes must share one unit", got=sorted(units))
    rows = []
    for label, res in runs:
        if not np.array_equal(res.time, first.time):
            raise InputError("time", "drawn cells must share one time grid")
        rows.append({"label": label, "occupancy": _floats(res["occupancy"]),
                     "nucleus": {c: _floats(res[f"{c}_n"]) for c in DRAWN_CARGOES},
                     "cytoplasm": {c: _floats(res[f"{c}_c"]) for c in DRAWN_CARGOES}})
    return {"time_h": _floats(first.time), "unit": units.pop(), "cargoes": list(DRAWN_CARGOES),
            "variables": {"nucleus": "<cargo>_n", "cytoplasm": "<cargo>_c"}, "rows": rows}


def _time_panel(pid: str, title: str, y_label: str, runs: Sequence[tuple[str, Result]],
                variables: Sequence[str], *, names: Sequence[str] | None = None,
                refs: Sequence[tuple[float, str]] = ()) -> dict[str, Any]:
    traces = []
    dashes = ("solid", "dash", "dot", "dashdot")
    for i, (label, res) in enumerate(runs):
        for j, var in enumerate(variables):
            name = label if len(variables) == 1 else (
                f"{(names or variables)[j]} · {label}" if len(runs) > 1 else
                (names or variables)[j])
            multi = len(variables) > 1
            traces.append(series(name, res.time, res[var], variable=var,
                                 dash=dashes[i % len(dashes)] if multi else "solid",
                                 group=j if multi else i))
    unit = _unit(runs[0][1], variables[0])
    return panel(pid, title, y_label, unit, traces, refs=refs)


def _bar_panel(pid: str, title: str, y_label: str, unit: str,
               bars: Sequence[tuple[str, Sequence[str], Sequence[float], str]]) -> dict[str, Any]:
    """Grouped bars: (series name, categories, values, variable pattern)."""
    traces = [series(name, cats, vals, variable=var, mode="bar")
              for name, cats, vals, var in bars]
    return panel(pid, title, y_label, unit, traces, x_label="cargo", x_unit="", kind="bar")


def _summary(rows: list[tuple[str, str, float, str]]) -> list[dict[str, Any]]:
    return [{"cell": cell, "quantity": q, "value": float(v), "unit": u}
            for cell, q, v, u in rows]


def _spec(line: str, xpo1: float | None = None, tp53: str | None = None,
          c528s: bool = False) -> CellSpec:
    return CellSpec(line, xpo1_uM=xpo1, tp53=None if tp53 in (None, "preset") else tp53,
                    c528s=c528s)


def _run(spec: CellSpec, conc: dict[str, float], hours: float,
         washout: float | None = None) -> Result:
    return cell_timecourse(spec, conc, hours=hours, step_h=step_h(hours),
                           washout_at_h=washout or None, outputs=CELL_OUTPUTS)


def _localisation_panels(runs: Sequence[tuple[str, Result]]) -> list[dict[str, Any]]:
    """Where each cargo sits at the end: nuclear fraction and export rate constant."""
    cats = list(PLOTTED_CARGOES)
    frac = [(label, cats, [res.final[f"{c}_nuclear_fraction"] for c in cats],
             "<cargo>_nuclear_fraction") for label, res in runs]
    kexp = [(label, cats, [res.final[f"{c}_k_export"] for c in cats], "<cargo>_k_export")
            for label, res in runs]
    first = runs[0][1]
    return [
        _bar_panel("nuclear-fraction", "Share of each cargo in the nucleus (end of run)",
                   "nuclear fraction", first.unit("p53_nuclear_fraction"), frac),
        _bar_panel("export-rate", "XPO1 export rate constant of each cargo (end of run)",
                   "export rate constant", first.unit("p53_k_export"), kexp),
    ]


def _cell_info(*specs: CellSpec) -> dict[str, Any]:
    return {s.cell_line: {"xpo1_uM": preset_xpo1_uM(s.cell_line),
                          "tp53": preset(s.cell_line).biology.p53_status,
                          "distinguishing": preset(s.cell_line).distinguishing}
            for s in specs}


def build_step1(p: schema.Step1) -> dict[str, Any]:
    spec = _spec(p.cell_line, p.xpo1_uM)
    res = _run(spec, {}, p.hours)
    runs = [(spec.label, res)]
    return {
        "panels": [*_localisation_panels(runs),
                   _time_panel("nuclear-fraction-time", "Nuclear fraction over time",
                               "nuclear fraction", runs,
                               [f"{c}_nuclear_fraction" for c in PLOTTED_CARGOES],
                               names=PLOTTED_CARGOES)],
        "cells": cell_frames(runs),
        "summary": _summary([(spec.label, f"{c}_nuclear_fraction", res.final[
            f"{c}_nuclear_fraction"], res.unit(f"{c}_nuclear_fraction")) for c in
            PLOTTED_CARGOES] + [(spec.label, "XPO1_cell_total", res.final["XPO1_cell_total"],
                                 res.unit("XPO1_cell_total"))]),
        "cell_info": _cell_info(spec),
    }


def build_step2(p: schema.Step2) -> dict[str, Any]:
    normal, cancer = _spec(p.normal_line), _spec(p.cell_line, p.xpo1_uM)
    runs = [(normal.label, _run(normal, {}, p.hours)), (cancer.label, _run(cancer, {}, p.hours))]
    xpo1 = [(label, ["XPO1"], [res.final["XPO1_cell_total"]], "XPO1_cell_total")
            for label, res in runs]
    return {
        "panels": [*_localisation_panels(runs),
                   _bar_panel("xpo1", "XPO1 in the cell", "XPO1 (cell average)",
                              runs[0][1].unit("XPO1_cell_total"), xpo1)],
        "cells": cell_frames(runs),
        "summary": _summary([(label, f"{c}_nuclear_fraction", res.final[
            f"{c}_nuclear_fraction"], res.unit(f"{c}_nuclear_fraction"))
            for label, res in runs for c in ("p53", "p21", "FOXO3a")]),
        "cell_info": _cell_info(normal, cancer),
    }


def build_step3(p: schema.Step3) -> dict[str, Any]:
    wild = _spec(p.cell_line, p.xpo1_uM)
    mutant = _spec(p.cell_line, p.xpo1_uM, c528s=True)
    conc = {"selinexor": p.selinexor_nM}
    runs = [(wild.label, _run(wild, conc, p.hours, p.washout_h))]
    if not wild.normalised().c528s and not preset(p.cell_line).xpo1_c528s:
        runs.append((mutant.label, _run(mutant, conc, p.hours, p.washout_h)))
    return {
        "panels": [
            _time_panel("occupancy", "XPO1 occupancy (drug-bound share)", "occupancy", runs,
                        ["occupancy"]),
            _time_panel("covalent", "Covalent Cys528 adduct share", "covalent occupancy",
                        runs, ["covalent_occupancy"]),
            _time_panel("nuclear-fraction-time", "Tumour suppressors in the nucleus",
                        "nuclear fraction", runs,
                        [f"{c}_nuclear_fraction" for c in ("p53", "p21", "FOXO3a")],
                        names=("p53", "p21", "FOXO3a")),
            _time_panel("drug-in", "Selinexor inside the cell", "drug_in", runs, ["drug_in"]),
        ],
        "cells": cell_frames(runs),
        "summary": _summary([(label, q, res.final[q], res.unit(q)) for label, res in runs
                             for q in ("occupancy", "covalent_occupancy",
                                       "p53_nuclear_fraction")]),
        "cell_info": _cell_info(wild),
    }


def _viability(treated: Result, control: Result) -> np.ndarray:
    """Viable cells relative to the untreated control at the same time (what
    :func:`xposim.experiments.viability.viability` reports at the end)."""
    return np.asarray(treated["viable_cells"]) / np.asarray(control["viable_cells"])


def _surviving(res: Result) -> float:
    """Share of all cells not killed at the end (what
    :func:`xposim.experiments.viability.surviving_fraction` reports)."""
    return float(res.final["viable_cells"] / res.final["total_cells"])


def build_step4(p: schema.Step4) -> dict[str, Any]:
    cancer = _spec(p.cell_line, p.xpo1_uM, p.tp53)
    normal = _spec(p.normal_line)
    conc = {"selinexor": p.selinexor_nM}
    runs, viab = [], []
    for spec in (cancer, normal):
        treated = _run(spec, conc, p.hours, p.washout_h)
        control = _run(spec, {}, p.hours)
        runs.append((spec.label, treated))
        viab.append((spec.label, treated.time, _viability(treated, control)))
    return {
        "panels": [
            panel("viability", "Viable cells relative to the untreated control",
                  "viability", "1", [series(label, t, v, variable="viable_cells / control")
                                     for label, t, v in viab]),
            _time_panel("arrest", "G1-arrested share of live cells", "G1 arrested", runs,
                        ["g1_arrested_fraction"]),
            _time_panel("apoptosis", "Apoptotic share (annexin V+)", "apoptotic", runs,
                        ["apoptotic_fraction"]),
            _time_panel("nuclear-fraction-time", "Tumour suppressors in the nucleus",
                        "nuclear fraction", runs,
                        [f"{c}_nuclear_fraction" for c in ("p53", "FOXO3a")],
                        names=("p53", "FOXO3a")),
        ],
        "cells": cell_frames(runs),
        "summary": _summary(
            [(label, "viability", float(v[-1]), "1") for label, _, v in viab]
            + [(label, q, res.final[q], res.unit(q)) for label, res in runs
               for q in ("g1_arrested_fraction", "apoptotic_fraction")]
            + [(label, "share of cells killed", 1.0 - _surviving(res), "1")
               for label, res in runs]),
        "cell_info": _cell_info(cancer, normal),
    }


def build_step5(p: schema.Step5) -> dict[str, Any]:
    background = {"bortezomib": p.bortezomib_nM} if p.bortezomib_nM > 0 else {}
    wells = {"control": {}, "selinexor": {"selinexor": p.selinexor_nM},
             "dexamethasone": {"dexamethasone": p.dexamethasone_nM},
             "selinexor + dexamethasone": {"selinexor": p.selinexor_nM,
                                           "dexamethasone": p.dexamethasone_nM}}
    specs = [_spec(p.cell_line), _spec(p.gr_negative_line)]
    bars, combo_runs, viab_traces, rows = [], [], [], []
    for spec in specs:
        res = {name: _run(spec, {**c, **background}, p.hours) for name, c in wells.items()}
        end = {name: float(_viability(r, res["control"])[-1]) for name, r in res.items()}
        grid = CombinationGrid(("selinexor", "dexamethasone"), np.array([0.0, p.selinexor_nM]),
                               np.array([0.0, p.dexamethasone_nM]),
                               np.array([[end["control"], end["dexamethasone"]],
                                         [end["selinexor"], end["selinexor + dexamethasone"]]]),
                               kind="viability", fixed=background)
        scores = bliss(grid)
        expected = 1.0 - float(scores.expected[1, 1])  # back to viability
        # Bliss on the probabilities of death (the share of cells killed): the readout of
        # "synergistic death"; viability also falls when cells only stop dividing
        # (relative to the control well, which holds any background drug)
        alive = {name: _surviving(r) / _surviving(res["control"]) for name, r in res.items()}
        death_excess = (alive["selinexor"] * alive["dexamethasone"]
                        - alive["selinexor + dexamethasone"])
        names = ["selinexor", "dexamethasone", "selinexor + dexamethasone", "Bliss expected"]
        bars.append((spec.label, names, [end["selinexor"], end["dexamethasone"],
                                         end["selinexor + dexamethasone"], expected],
                     "viability at end"))
        combo_runs.append((spec.label, res["selinexor + dexamethasone"]))
        for name in ("selinexor", "dexamethasone", "selinexor + dexamethasone"):
            viab_traces.append(series(f"{name} · {spec.label}", res[name].time,
                                      _viability(res[name], res["control"]),
                                      variable="viable_cells / control",
                                      dash={"selinexor": "dot", "dexamethasone": "dash"}.get(
                                          name, "solid")))
        rows += [(spec.label, f"viability, {n}", end[n], "1") for n in names[:3]]
        rows += [(spec.label, "Bliss excess (inhibition)", scores.mean, "1"),
                 (spec.label, "Bliss excess (death)", death_excess, "1"),
                 (spec.label, "GR_total at end (combination)",
                  res["selinexor + dexamethasone"].final["GR_total"],
                  res["control"].unit("GR_total"))]
    unit = combo_runs[0][1].unit("GR_total")
    return {
        "panels": [
            panel("viability-end", "Viability at the end: single agents, combination and "
                  "the Bliss expectation", "viability", "1",
                  [series(n, c, v, variable=var, mode="bar") for n, c, v, var in bars],
                  x_label="treatment", x_unit="", kind="bar"),
            panel("viability", "Viability over time", "viability", "1", viab_traces),
            _time_panel("gr", "Glucocorticoid receptor with selinexor + dexamethasone", "GR_total",
                        combo_runs, ["GR_total"]),
            _time_panel("gr-signal", "GR death signal (dexamethasone-bound nuclear GR)",
                        "gr_death_signal", combo_runs, ["gr_death_signal"]),
        ],
        "cells": cell_frames(combo_runs),
        "summary": _summary(rows),
        "cell_info": _cell_info(*specs),
        "units": {"GR_total": unit},
    }


def build_step6(p: schema.Step6) -> dict[str, Any]:
    regimen = build_regimen(p.regimen, p.selinexor_mg,
                            None if p.schedule == "label" else p.schedule)
    course = patient_course(regimen, weeks=p.weeks, platelets0=p.platelets0, label=p.regimen)
    days = course.days

    def trace(name: str, var: str, dash: str = "solid") -> dict[str, Any]:
        return series(name, days, course[var], variable=var, dash=dash)

    def tpanel(pid: str, title: str, y_label: str, traces: list[dict[str, Any]],
               unit_of: str, refs: Sequence[tuple[float, str]] = ()) -> dict[str, Any]:
        return panel(pid, title, y_label, course.units[unit_of], traces, x_unit="d",
                     refs=refs)

    doses_by_drug: dict[str, tuple[list[float], list[float]]] = {}
    for drug, day, amount in course.doses:
        xs, ys = doses_by_drug.setdefault(drug, ([], []))
        xs.append(day)
        ys.append(amount)
    plt = course["plt_1e9_per_l"]
    below50 = days[plt < 50.0]
    s = course.summary
    rows = [("typical patient", "platelet nadir", float(plt.min()),
             course.units["plt_1e9_per_l"]),
            ("typical patient", "day of platelet nadir", float(days[int(np.argmin(plt))]), "d"),
            ("typical patient", "first day platelets < 50 (grade 3-4)",
             float(below50[0]) if below50.size else float("nan"), "d"),
            ("typical patient", "peak tumour XPO1 occupancy", float(course["occupancy"].max()),
             "1"),
            ("typical patient", "neutrophil nadir", float(course["neu_1e9_per_l"].min()),
             course.units["neu_1e9_per_l"]),
            ("typical patient", "best M-protein change", float(s.best_change), "1"),
            ("typical patient", "dose holds", float(s.dose_holds), "1"),
            ("typical patient", "dose reductions", float(s.dose_reductions), "1")]
    rows = [r for r in rows if math.isfinite(r[2])]
    shown = course.decisions[:MAX_DECISIONS_SHOWN]
    more = len(course.decisions) - len(shown)
    notes = [f"Best response (IMWG): {s.best_response}.", *course.notes,
             *(f"Dose rule: {d}." for d in shown)]
    if more:
        notes.append(f"... and {more} more dose-rule decisions (xposim patient --out writes "
                     "the full log).")
    return {
        "panels": [
            tpanel("pk", "Selinexor in plasma (total)", "concentration",
                   [trace("total plasma selinexor", "Cp_selinexor_ng_ml")],
                   "Cp_selinexor_ng_ml"),
            tpanel("occupancy", "XPO1 occupancy (unbound plasma selinexor)", "occupancy",
                   [trace("tumour cell", "occupancy"),
                    trace("marrow progenitors", "mk_occupancy", "dash")], "occupancy"),
            tpanel("platelets", "Platelets (CTCAE v5 grade limits dotted)", "platelets",
                   [trace("platelets", "plt_1e9_per_l")], "plt_1e9_per_l",
                   refs=[(75.0, "grade 1 < 75"), (50.0, "grade 3 < 50"),
                         (25.0, "grade 4 < 25; label hold")]),
            tpanel("neutrophils", "Neutrophils", "neutrophils",
                   [trace("neutrophils", "neu_1e9_per_l")], "neu_1e9_per_l",
                   refs=[(1.0, "grade 3 < 1.0"), (0.5, "grade 4 < 0.5")]),
            tpanel("m-protein", "Serum M-protein (tumour killed by the drug-induced death "
                   "signal of its cell)", "M-protein",
                   [trace("M-protein", "m_protein_g_per_dl")], "m_protein_g_per_dl"),
            panel("doses", "Doses given (after the dose rules)", "dose", "mg",
                  [series(drug, xs, ys, variable=f"{drug} dose", mode="markers")
                   for drug, (xs, ys) in doses_by_drug.items()], x_unit="d"),
        ],
        "cells": None,
        "summary": _summary(rows),
        "regimen": course.regimen_text,
        "notes": notes,
    }


STEPS: dict[int, StepInfo] = {
    n: StepInfo(n, title, intro, build)
    for (n, (title, intro)), build in zip(STEP_TEXT.items(), (
        build_step1, build_step2, build_step3, build_step4, build_step5, build_step6),
        strict=True)}


def render_view(step: int, params: dict[str, Any]) -> dict[str, Any]:
    """The view of ``step`` for ``params`` (validated again here: workers trust nobody)."""
    info = STEPS[step]
    p = schema.STEP_PARAMS[step].model_validate(params)
    view = info.build(p)
    view.update(step=step, title=info.title, params=p.model_dump())
    view.setdefault("notes", [])
    return view
