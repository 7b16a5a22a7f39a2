"""Work done once, not per run: compiled expressions, one libRoadRunner compile per model
structure, and what that sharing must never change (results, bit for bit)."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import xposim.engine.roadrunner_backend as rrb
import xposim.model.expressions as expressions
from xposim.engine import Bolus, Set, Simulator
from xposim.errors import InputError
from xposim.model import Compartment, Derived, Module, Parameter, Species, compose
from xposim.model.expressions import Expression, compile_assignments

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text", [
    "a * b + c", "-a ** 2", "a ** -0.5", "exp(-b / c) * log(a)", "sqrt(abs(a - c))",
    "min(a, b, c) / max(a, b)", "(a + 1) / (b - 2) ** 3", "3 - 2 - 1 * a / b / c", "+a - -b",
    "log(2) / a", "sqrt(2) * exp(1) + max(a, 2, 1) - min(3, 1)", "exp(log(2) * b)",
])
@pytest.mark.parametrize("a", [0.7, 0.0])
def test_compiled_assignments_equal_expression_eval_bitwise(text, a):
    """Same operations on the same types in the same order: identical floats (also for
    NumPy's inf at a = 0, where a Python float would raise)."""
    values = {"a": a, "b": 3.1, "c": 1e-3}
    with np.errstate(all="ignore"):
        try:
            expected = float(Expression(text).compile()(values))
        except ZeroDivisionError:
            with pytest.raises(ZeroDivisionError):
                compile_assignments([("y", Expression(text))])(values, {})
            return
        out: dict[str, float] = {}
        compile_assignments([("y", Expression(text))])(values, out)
    np.testing.assert_array_equal(out["y"], expected)


def test_compiled_assignments_chain_and_report_the_first_non_finite():
    evaluate = compile_assignments([("x", Expression("a * 2")), ("y", Expression("x + a")),
                                    ("z", Expression("exp(y)"))])
    v = {"a": 1.5}
    assert evaluate(v, v) is None
    assert v == {"a": 1.5, "x": 3.0, "y": 4.5, "z": math.exp(4.5)}
    v = {"a": 400.0}
    with np.errstate(over="ignore"):
        assert evaluate(v, v) == "z"


def test_runs_compile_no_python_code(shuttle, monkeypatch):
    """After the first run of a model, later runs (new overrides too) compile nothing."""
    sim = Simulator(shuttle)
    first = sim.run([0.0, 1.0, 5.0], parameters={"X0": 200.0})

    def refuse(*args, **kwargs):
        raise AssertionError("compile() called during a run")

    monkeypatch.setattr(expressions, "compile", refuse, raising=False)
    again = sim.run([0.0, 1.0, 5.0], parameters={"X0": 200.0})
    Simulator(shuttle).run([0.0, 2.0], parameters={"X0": 50.0})
    np.testing.assert_array_equal(again.values, first.values)


def test_non_finite_derived_value_is_an_input_error(shuttle):
    with pytest.raises(InputError, match=r"parameters\.ksyn: derived value is not finite"):
        Simulator(shuttle).run([0.0, 1.0], parameters={"X0": 1e308, "kdeg": 1e10})


def test_models_differing_only_in_values_share_one_compile(shuttle):
    other = shuttle.with_parameters(kexp=5e-3, X0=0.3)
    assert rrb.structure_key(other) == rrb.structure_key(shuttle)
    assert rrb.compiled(other) is rrb.compiled(shuttle)
    assert other.hash != shuttle.hash  # results still name their own model
    assert Simulator(other).run([0.0, 1.0]).model_hash == other.hash


def _tiny(volume_L: float = 1.0, derived: str = "2 * k") -> object:
    return compose(Module(name="m", compartments=[Compartment("c", volume_L, "L", source="t")],
                          parameters=[Parameter("k", 1.0, "1/h", "t", "assumed")],
                          derived=[Derived("k2", derived, "1/h", "test")],
                          species=[Species("A", "c", 1.0)]), name="m")


def test_structure_changes_get_their_own_compile():
    base = _tiny()
    assert rrb.structure_key(_tiny()) == rrb.structure_key(base)
    assert rrb.structure_key(_tiny(volume_L=2.0)) != rrb.structure_key(base)  # not loaded
    assert rrb.structure_key(_tiny(derived="3 * k")) != rrb.structure_key(base)


def test_shared_compile_gives_the_results_of_a_fresh_one(shuttle, monkeypatch):
    """A model run on a compile made for another gives, bit for bit, what it gives alone."""
    other = shuttle.with_parameters(kexp=5e-3, kimp=1e-3, X0=0.25)
    t = np.linspace(0.0, 30.0, 31)
    ev = [Set(2.0, "u", 1.5), Bolus(3.5, "Xn", 20.0), Set(12.0, "u", 0.0)]
    Simulator(shuttle).run(t, events=ev, parameters={"kdeg": 0.2})  # leaves its values
    shared = Simulator(other).run(t, events=ev)
    monkeypatch.setattr(rrb, "_compiled", OrderedDict())
    alone = Simulator(other).run(t, events=ev)
    np.testing.assert_array_equal(shared.values, alone.values)


def test_models_pickle_after_running(shuttle):
    Simulator(shuttle).run([0.0, 1.0])
    back = pickle.loads(pickle.dumps(shuttle))
    assert back == shuttle
    np.testing.assert_array_equal(Simulator(back).run([0.0, 1.0]).values,
                                  Simulator(shuttle).run([0.0, 1.0]).values)


def test_first_cell_command_compiles_the_cell_model_once():
    """``xposim cell`` used to compile twice (the preset template, then the preset)."""
    script = textwrap.dedent("""
        import contextlib, io, roadrunner
        made = []
        class Counting(roadrunner.RoadRunner):
            def __init__(self, *args, **kwargs):
                made.append(1)
                super().__init__(*args, **kwargs)
        roadrunner.RoadRunner = Counting
        from xposim.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(["cell", "--cell-line", "myeloma", "--drug", "selinexor=100nM", "--json"])
        print(len(made))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "1"


@pytest.mark.parametrize("times, events", [
    ([0.0, 1.0, 2.0, 5.0], [Bolus(1.0, "Xn", 5.0)]),                 # event at an output
    ([0.0, 1.0, 2.0, 5.0], [Bolus(1.5, "Xn", 5.0), Set(4.0, "u", 1.0)]),  # between outputs
    ([0.5, 3.0], [Set(0.5, "u", 2.0), Set(1e-13 + 3.0, "u", 0.0)]),  # event just after one
    ([0.0, 10.0], [Bolus(20.0, "Xn", 1.0)]),                          # event after the end
    ([0.0, 2.0, 2.0 + 1e-9], []),                                     # close but resolvable
])
def test_segment_shortcut_matches_the_general_merge(shuttle, monkeypatch, times, events):
    """Well-spaced output times take a shortcut to the integration grid; it must give
    what the general merging path gives, bit for bit."""
    import xposim.engine.plan as plan

    sim = Simulator(shuttle)
    fast = sim.run(times, events=events)
    monkeypatch.setattr(plan, "_check_times", lambda buffer: False)
    general = sim.run(times, events=events)
    np.testing.assert_array_equal(fast.values, general.values)


def test_outputs_closer_than_the_resolution_read_one_state(shuttle):
    res = Simulator(shuttle).run([0.0, 1.0, 1.0 + 1e-14, 2.0], events=[Bolus(1.0, "Xn", 5.0)])
    np.testing.assert_array_equal(res.values[1], res.values[2])


def test_full_state_fast_path_matches_the_checked_path_and_still_checks(shuttle):
    """A run continuing from a full state (every species, Python floats) is checked in one
    pass: the same plan and result as the name-by-name check (numpy floats, which take
    it), and a bad value or name among a full state still raises the same InputError."""
    from xposim.engine.plan import plan_run

    names = {s.name for s in shuttle.species}
    full = {"Xn": 3.5, "Xc": 0.0}
    fast = plan_run(shuttle, [0.0, 5.0], initial=full, species=names)
    checked = plan_run(shuttle, [0.0, 5.0], initial=full)
    assert fast.initial == checked.initial and fast.initial is not full
    sim = Simulator(shuttle)
    a = sim.run([0.0, 5.0, 10.0], initial=full, events=[Bolus(2.0, "Xn", 1.0)])
    b = sim.run([0.0, 5.0, 10.0], initial={k: np.float64(v) for k, v in full.items()},
                events=[Bolus(2.0, "Xn", 1.0)])
    np.testing.assert_array_equal(a.values, b.values)
    for bad, field in [({"Xn": -1.0, "Xc": 0.0}, "initial.Xn"),
                       ({"Xn": 1.0, "Xc": math.nan}, "initial.Xc"),
                       ({"Xn": 1.0, "Xc": math.inf}, "initial.Xc"),
                       ({"Xn": 1.0, "Xc": "2"}, "initial.Xc"),
                       ({"Xn": 1.0, "nope": 2.0}, "initial.nope")]:
        for kwargs in ({}, {"species": names}):
            with pytest.raises(InputError, match=field):
                plan_run(shuttle, [0.0, 5.0], initial=bad, **kwargs)
        with pytest.raises(InputError, match=field):
            sim.run([0.0, 5.0], initial=bad)


def test_doses_by_target_index_match_the_scipy_backend(shuttle, decay):
    """The RoadRunner backend reads and writes a dose's target by index (a concentration in
    nM and an amount species): the same course as the SciPy backend's reading of the same
    events, which never sees the SBML."""
    cases = [(shuttle, [Bolus(2.0, "Xn", 1.5), Bolus(2.0, "Xn", 0.5), Set(3.0, "u", 0.1)]),
             (decay, [Bolus(1.0, "A", 4.0), Bolus(6.0, "A", 2.0)])]
    for m, ev in cases:
        times = [0.0, 2.0, 5.0, 8.0]
        ours = Simulator(m, rtol=1e-10, atol=1e-12).run(times, events=ev).values
        ref = Simulator(m, backend="scipy", rtol=1e-10, atol=1e-12).run(times,
                                                                        events=ev).values
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-9)
