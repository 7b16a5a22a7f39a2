"""Test helpers for xposim models and results, usable on your own modules too.

- :func:`assert_results_allclose` compares two results and prints, per variable, where
  and by how much they differ.
- :func:`check_module` is the conformance suite every built-in module passes: units of
  every rate law consistent, SBML written and re-read by a fresh libRoadRunner giving the
  engine's trajectories, an independent SciPy integration of the module's equations
  agreeing, no negative states, declared conservation laws holding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pint

from xposim.engine.events import Event
from xposim.engine.results import Result
from xposim.engine.simulator import Simulator
from xposim.model.expressions import FUNCTIONS
from xposim.model.module import Model, Module, compose
from xposim.model.units import UREG, canonical_unit


def assert_results_allclose(actual: Result, expected: Result, *, rtol: float = 1e-6,
                            atol: float = 1e-9, variables: Sequence[str] | None = None) -> None:
    """Assert two results agree at every time within ``atol + rtol * |expected|``.

    On failure the message lists, for each differing variable, the worst time and the
    absolute and relative differences.
    """
    __tracebackhide__ = True
    if actual.time.shape != expected.time.shape or not np.allclose(actual.time, expected.time):
        raise AssertionError(f"time grids differ: {actual.time} vs {expected.time}")
    names = list(variables) if variables is not None else list(expected.names)
    lines = []
    for n in names:
        if n not in actual.names:
            lines.append(f"  {n}: missing from actual")
            continue
        a, e = actual[n], expected[n]
        err = np.abs(a - e)
        tol = atol + rtol * np.abs(e)
        bad = err > tol
        if np.any(bad) or np.any(np.isnan(a) != np.isnan(e)):
            k = int(np.argmax(np.where(bad, err / np.maximum(tol, 1e-300), 0)))
            rel = err[k] / abs(e[k]) if e[k] != 0 else math.inf
            lines.append(f"  {n}: {int(bad.sum())}/{bad.size} times differ; worst at "
                         f"t={actual.time[k]:g} h: actual {a[k]:.9g} vs expected {e[k]:.9g} "
                         f"(abs {err[k]:.3g}, rel {rel:.3g})")
    if lines:
        raise AssertionError(f"results differ (rtol={rtol}, atol={atol}):\n" + "\n".join(lines))


def assert_close(actual: float, expected: float, *, rtol: float = 0.0, atol: float = 0.0,
                 what: str = "value", source: str = "") -> None:
    """Assert a scalar is within tolerance of a reference figure, with a readable message."""
    __tracebackhide__ = True
    tol = atol + rtol * abs(expected)
    if not abs(actual - expected) <= tol:
        raise AssertionError(
            f"{what}: model {actual:.6g} vs reference {expected:.6g} "
            f"(difference {actual - expected:+.4g}, allowed ±{tol:.4g})"
            + (f" [{source}]" if source else ""))


def assert_in_range(actual: float, low: float, high: float, *, what: str = "value",
                    source: str = "") -> None:
    """Assert ``low <= actual <= high`` with a readable message."""
    __tracebackhide__ = True
    if not low <= actual <= high:
        raise AssertionError(f"{what}: model {actual:.6g} outside reference range "
                             f"[{low:.6g}, {high:.6g}]" + (f" [{source}]" if source else ""))


# ---------------------------------------------------------------------------------------
# units


def unit_problems(model: Model) -> list[str]:
    """Dimensional analysis of every rate law, rule, derived parameter and assignment."""
    q: dict[str, Any] = {"time": UREG.Quantity(1.0, "hour")}
    for p in model.parameters:
        q[p.name] = UREG.Quantity(1.0, canonical_unit(p.unit)[0].replace("^", "**"))
    for d in model.derived:
        q[d.name] = UREG.Quantity(1.0, _pint(d.unit))
    for i in model.inputs:
        q[i.name] = UREG.Quantity(1.0, _pint(i.unit))
    for c in model.compartments:
        q[c.name] = UREG.Quantity(1.0, _pint(c.unit))
    for s in model.species:
        q[s.name] = UREG.Quantity(1.0, _pint(s.unit))
    for a in model.assignments:
        q[a.name] = UREG.Quantity(1.0, _pint(a.unit))
    problems: list[str] = []

    def check(expr: Any, expected: str, where: str) -> None:
        try:
            value = _eval_units(expr, q)
        except pint.DimensionalityError as exc:
            problems.append(f"{where}: inconsistent units inside the expression ({exc})")
            return
        got = value.units if isinstance(value, pint.Quantity) else UREG.dimensionless
        if UREG.Quantity(1.0, got).dimensionality != UREG.Quantity(1.0, _pint(expected)) \
                .dimensionality:
            problems.append(f"{where}: has units {got:~}, expected {expected}")

    species = {s.name: s for s in model.species}
    for r in model.reactions:
        if r.compartment is not None:
            check(r.rate, "nM/h", f"rate of reaction {r.name}")
        else:
            check(r.rate, f"{species[r.species[0]].unit}/h", f"rate of reaction {r.name}")
    for rr in model.rate_rules:
        check(rr.expression, f"{species[rr.species].unit}/h", f"rate rule of {rr.species}")
    for a in model.assignments:
        check(a.expression, a.unit, f"assignment {a.name}")
    for d in model.derived:
        check(d.expression, d.unit, f"derived {d.name}")
    for s in model.species:
        if s.initial_value is None:
            check(s.initial, s.unit, f"initial value of {s.name}")
    return problems


def _pint(unit: str) -> str:
    return canonical_unit(unit)[0].replace("^", "**") if unit != "1" else "dimensionless"


def _eval_units(expr: Any, q: Mapping[str, Any]) -> Any:
    funcs = {name: impl for name, (_, impl, _) in FUNCTIONS.items()}
    funcs["min"] = lambda *a: _same_units(a)
    funcs["max"] = lambda *a: _same_units(a)
    values = dict(q)
    # plain numeric zeros are unit-free in rate laws (e.g. max(0, x)); let them adopt
    code = compile(expr._tree, "<units>", "eval")
    return eval(code, {"__builtins__": {}}, {**funcs, **values})


def _same_units(args: Sequence[Any]) -> Any:
    quantities = [a for a in args if isinstance(a, pint.Quantity)]
    if not quantities:
        return args[0]
    first = quantities[0]
    for a in quantities[1:]:
        if a.dimensionality != first.dimensionality:
            raise pint.DimensionalityError(first.units, a.units)
    return first


# ---------------------------------------------------------------------------------------
# conformance suite


@dataclass
class ModuleReport:
    """What :func:`check_module` measured (max deviations), for logs and docs."""

    model: str
    unit_problems: list[str] = field(default_factory=list)
    sbml_roundtrip_max_rel: float = 0.0
    scipy_max_rel: float = 0.0
    min_state: float = 0.0
    conservation_max_rel: dict[str, float] = field(default_factory=dict)


def check_module(module: Module | Model, *, times: Sequence[float] | None = None,
                 parameters: Mapping[str, float] | None = None,
                 events: Sequence[Event] = (), rtol: float = 1e-5,
                 negative_tolerance: float = 1e-6) -> ModuleReport:
    """Run the conformance checks on a module (composed alone) or a model.

    Raises AssertionError listing every failed check; returns the measured report.
    """
    __tracebackhide__ = True
    model = module if isinstance(module, Model) else compose(module, name=module.name)
    grid = np.asarray(times if times is not None else np.linspace(0.0, 48.0, 49), float)
    report = ModuleReport(model=model.name)
    failures: list[str] = []

    report.unit_problems = unit_problems(model)
    failures += [f"units: {p}" for p in report.unit_problems]

    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    res = sim.run(grid, parameters=parameters, events=events)

    # SBML read by a fresh libRoadRunner (computes initial assignments itself)
    import roadrunner

    fresh = roadrunner.RoadRunner(model.sbml)
    fresh.integrator.relative_tolerance = 1e-10
    fresh.integrator.absolute_tolerance = 1e-12
    for name, value in (parameters or {}).items():
        fresh[name] = value
    if parameters:
        fresh.reset()
    if events:
        report.sbml_roundtrip_max_rel = float("nan")  # events need the engine loop
    else:
        sel = [f"[{s.name}]" if not s.amount else s.name for s in model.species]
        ref = np.asarray(fresh.simulate(times=grid, selections=sel))
        mine = np.column_stack([res[s.name] for s in model.species])
        report.sbml_roundtrip_max_rel = _max_rel(mine, ref)
        if report.sbml_roundtrip_max_rel > rtol:
            failures.append(f"SBML round trip: fresh libRoadRunner differs by "
                            f"{report.sbml_roundtrip_max_rel:.3g} (relative)")

    alt = Simulator(model, backend="scipy", rtol=1e-10, atol=1e-12).run(
        grid, parameters=parameters, events=events)
    report.scipy_max_rel = _max_rel(res.values, alt.values)
    if report.scipy_max_rel > rtol:
        worst = int(np.argmax(np.max(np.abs(res.values - alt.values)
                                     / np.maximum(np.abs(alt.values), 1e-6), axis=0)))
        failures.append(f"SciPy reading of the equations differs from the SBML by "
                        f"{report.scipy_max_rel:.3g} (worst: {res.names[worst]})")

    states = np.column_stack([res[s.name] for s in model.species])
    report.min_state = float(states.min()) if states.size else 0.0
    scale = max(1.0, float(np.abs(states).max())) if states.size else 1.0
    if report.min_state < -negative_tolerance * scale:
        k = int(np.argmin(states.min(axis=0)))
        failures.append(f"negative state: {model.species[k].name} reaches "
                        f"{report.min_state:.3g}")

    comps = {c.name: c.size for c in model.compartments}
    species = {s.name: s for s in model.species}
    for law in model.conservations:
        run = sim.run(grid, parameters={**(parameters or {}), **dict(law.when)}, events=events)
        total = sum(w * run[n] * (1.0 if species[n].amount else comps[species[n].compartment])
                    for n, w in law.terms)
        rel = float(np.max(np.abs(total - total[0])) / max(abs(total[0]), 1e-300))
        report.conservation_max_rel[law.name] = rel
        if rel > rtol:
            failures.append(f"conservation {law.name}: total drifts by {rel:.3g} (relative)")
    if failures:
        raise AssertionError(f"check_module({model.name}) failed:\n  " + "\n  ".join(failures))
    return report


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.abs(b), 1e-6 * max(1.0, float(np.abs(b).max()) if b.size else 1.0))
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def simulate_in_copasi(model: Model, times: Sequence[float],
                       parameters: Mapping[str, float] | None = None,
                       outputs: Sequence[str] | None = None) -> np.ndarray:
    """Simulate ``model``'s SBML in COPASI (python-copasi) on an even grid ``times``.

    Parameter values (canonical units) are written into the SBML before import, so the
    run is what a COPASI user gets after editing the model. Returns an array
    (len(times), len(outputs)) of species concentrations/amounts in the model's units.
    """
    import locale

    import libsbml

    saved = locale.setlocale(locale.LC_ALL)
    try:
        import COPASI  # sets the C locale on import; restore the caller's
    finally:
        locale.setlocale(locale.LC_ALL, saved)

    grid = np.asarray(times, dtype=float)
    steps = np.diff(grid)
    if grid[0] != 0.0 or not np.allclose(steps, steps[0]):
        raise ValueError("simulate_in_copasi: times must start at 0 and be evenly spaced")
    doc = libsbml.readSBMLFromString(model.sbml)
    for name, value in (parameters or {}).items():
        p = doc.getModel().getParameter(name)
        if p is None:
            raise KeyError(f"no parameter {name!r}")
        p.setValue(float(value))
    dm = COPASI.CRootContainer.addDatamodel()
    try:
        if not dm.importSBMLFromString(libsbml.writeSBMLToString(doc)):
            raise AssertionError("COPASI could not import the SBML: "
                                 + COPASI.CCopasiMessage.getAllMessageText())
        task = dm.getTask("Time-Course")
        task.setMethodType(COPASI.CTaskEnum.Method_deterministic)
        problem = task.getProblem()
        problem.setStepNumber(len(grid) - 1)
        problem.setDuration(float(grid[-1]))
        problem.setTimeSeriesRequested(True)
        method = task.getMethod()
        method.getParameter("Relative Tolerance").setValue(1e-10)
        method.getParameter("Absolute Tolerance").setValue(1e-14)
        task.processWithOutputFlags(True, COPASI.CCopasiTask.ONLY_TIME_SERIES)
        ts = task.getTimeSeries()
        titles = [ts.getTitle(j) for j in range(ts.getNumVariables())]
        names = list(outputs) if outputs is not None else [s.name for s in model.species]
        # amounts come back as concentration x volume (COPASI keeps one quantity unit)
        size = {c.name: c.size for c in model.compartments}
        factor = {s.name: size[s.compartment] if s.amount else 1.0 for s in model.species}
        out = np.empty((ts.getRecordedSteps(), len(names)))
        for k, name in enumerate(names):
            j = titles.index(name)
            out[:, k] = [ts.getConcentrationData(i, j) * factor[name]
                         for i in range(ts.getRecordedSteps())]
        return out
    finally:
        COPASI.CRootContainer.removeDatamodel(dm)

__all__ = ["ModuleReport", "assert_close", "assert_in_range", "assert_results_allclose",
           "check_module", "simulate_in_copasi", "unit_problems"]
