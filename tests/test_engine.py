"""The engine: analytic solutions, events, overrides, backends agreeing, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from xposim.engine import Bolus, Set, Simulator
from xposim.engine.roadrunner_backend import compiled
from xposim.errors import InputError, SimulationError
from xposim.model import Compartment, Module, Parameter, Reaction, Species, compose
from xposim.testing import assert_results_allclose

BACKENDS = ["roadrunner", "scipy"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_first_order_decay_matches_closed_form(decay, backend):
    t = np.array([0.0, 0.5, 1.0, 5.0, 24.0])
    res = Simulator(decay, backend=backend, rtol=1e-10, atol=1e-12).run(t)
    np.testing.assert_allclose(res["A"], 10.0 * np.exp(-0.2 * t), rtol=1e-7)
    assert res.unit("A") == "mg"


@pytest.mark.parametrize("backend", BACKENDS)
def test_bolus_between_outputs_at_outputs_and_at_zero(decay, backend):
    """Superposition of boluses: A(t) = sum_i D_i exp(-k (t - t_i)) for t >= t_i."""
    doses = [(0.0, 5.0), (0.7, 3.0), (2.0, 4.0), (2.0, 1.0)]  # t=2 twice: both applied
    t = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    sim = Simulator(decay, backend=backend, rtol=1e-10, atol=1e-12)
    res = sim.run(t, events=[Bolus(ti, "A", d) for ti, d in doses])
    expected = [10 * math.exp(-0.2 * ti) + sum(d * math.exp(-0.2 * (ti - td))
                                                for td, d in doses if td <= ti) for ti in t]
    np.testing.assert_allclose(res["A"], expected, rtol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_time_events_apply_in_given_order(decay, backend):
    sim = Simulator(decay, backend=backend)
    res = sim.run([0.0, 1.0], events=[Set(1.0, "A", 2.0), Bolus(1.0, "A", 3.0)])
    assert res["A"][-1] == pytest.approx(5.0)
    res = sim.run([0.0, 1.0], events=[Bolus(1.0, "A", 3.0), Set(1.0, "A", 2.0)])
    assert res["A"][-1] == pytest.approx(2.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_shuttle_steady_state_matches_flux_balance(shuttle, backend):
    """At steady state export = import and synthesis = degradation (closed form)."""
    sim = Simulator(shuttle, backend=backend, rtol=1e-10, atol=1e-12)
    ss = sim.steady_state()
    kexp, kimp, X0 = 3.6, 1.8, 100.0
    xc = X0  # synthesis ksyn = X0*kdeg balances degradation kdeg*Xc
    xn = kimp * xc * 1.55 / (kexp * 0.45)
    assert ss["Xc"] == pytest.approx(xc, rel=1e-6)
    assert ss["Xn"] == pytest.approx(xn, rel=1e-6)


def test_overrides_do_not_persist(shuttle):
    sim = Simulator(shuttle)
    base = sim.run([0, 5, 10])
    sim.run([0, 5, 10], parameters={"kexp": 0.1, "u": 2.0}, initial={"Xn": 7.0})
    again = sim.run([0, 5, 10])
    assert_results_allclose(again, base, rtol=0, atol=0)


def test_derived_parameters_follow_their_inputs(shuttle):
    sim = Simulator(shuttle)
    res = sim.run([0.0, 1.0], parameters={"X0": 300.0}, outputs=["Xc", "ksyn"])
    assert res["Xc"][0] == 300.0
    assert res["ksyn"][0] == pytest.approx(300.0 * 0.05)


def test_results_converge_under_tighter_tolerances(shuttle):
    t = np.linspace(0, 48, 13)
    loose = Simulator(shuttle, rtol=1e-6, atol=1e-8).run(t)
    tight = Simulator(shuttle, rtol=1e-11, atol=1e-13).run(t)
    assert_results_allclose(loose, tight, rtol=1e-4, atol=1e-6)


def test_backends_agree_with_events(shuttle):
    t = np.linspace(0, 30, 31)
    ev = [Set(2.0, "u", 1.5), Bolus(3.5, "Xn", 20.0), Set(12.0, "u", 0.0)]
    a = Simulator(shuttle, rtol=1e-10, atol=1e-12).run(t, events=ev)
    b = Simulator(shuttle, backend="scipy", rtol=1e-10, atol=1e-12).run(t, events=ev)
    assert_results_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_compiled_once_per_process(shuttle):
    assert compiled(shuttle) is compiled(shuttle)
    Simulator(shuttle)
    assert compiled(shuttle) is Simulator(shuttle)._backend._rr


def test_tidy_results(shuttle):
    res = Simulator(shuttle).run([0.0, 1.0], subject=3)
    df = res.to_frame()
    assert list(df.columns) == ["subject", "time_h", "variable", "value", "unit"]
    assert len(df) == 2 * 3 and set(df.unit) == {"nM", "1"}
    ds = res.to_xarray()
    assert ds["Xn"].attrs["units"] == "nM" and ds.time_h.attrs["units"] == "h"


@pytest.mark.parametrize("kwargs, field", [
    (dict(parameters={"nope": 1.0}), "parameters.nope"),
    (dict(parameters={"ksyn": 1.0}), "parameters.ksyn"),
    (dict(parameters={"kexp": float("nan")}), "parameters.kexp"),
    (dict(initial={"Xn": -1.0}), "initial.Xn"),
    (dict(outputs=["zzz"]), "outputs.zzz"),
    (dict(events=[Bolus(1.0, "kexp", 1.0)]), "event Bolus(kexp)"),
])
def test_bad_run_requests_name_the_field(shuttle, kwargs, field):
    with pytest.raises(InputError, match=field.replace("(", r"\(").replace(")", r"\)")):
        Simulator(shuttle).run([0.0, 1.0], **kwargs)


def test_times_must_increase(shuttle):
    with pytest.raises(InputError, match="times: must be strictly increasing"):
        Simulator(shuttle).run([0.0, 2.0, 1.0])


def test_solver_failure_names_subject_and_time():
    blowup = compose(Module(
        name="blowup", compartments=[Compartment("c", 1, "pL")],
        parameters=[Parameter("k", 1, "1/(nM*h)", "finite-time blow-up test", "assumed")],
        species=[Species("X", "c", 1.0)],
        reactions=[Reaction("r", "k * X * X", (), {"X": 1}, "c")]), name="blowup")
    with pytest.raises(SimulationError, match=r"subject 7: .*t=0(\.5)? h and t=2 h"):
        Simulator(blowup, max_steps=5000).run([0.0, 0.5, 2.0], subject=7)


def _transit_model():
    """Depot -> 3 transits -> central -> out (all amounts, mg): an oral-absorption chain."""
    names = ["depot", "t1", "t2", "t3", "central"]
    return compose(Module(
        name="chain", compartments=[Compartment("body", 1.0, "L")],
        parameters=[Parameter("ktr", 2.0, "1/h", "test value", "assumed"),
                    Parameter("kel", 0.1, "1/h", "test value", "assumed")],
        species=[Species(n, "body", 0.0, "mg", amount=True) for n in names],
        reactions=[*[Reaction(f"r{i}", f"ktr * {a}", {a: 1}, {b: 1})
                     for i, (a, b) in enumerate(itertools.pairwise(names))],
                   Reaction("out", "kel * central", {"central": 1}, ())]), name="chain")


def test_repeated_boluses_into_an_emptied_chain_integrate_cleanly():
    """Regression: libRoadRunner scales a scalar absolute tolerance by the current state,
    so species near zero got ~1e-40 tolerances and CVODE failed on the second dose. The
    engine sets per-species tolerances; the result must match SciPy."""
    model = _transit_model()
    t = np.arange(0.0, 240.0 + 1e-9, 2.0)
    doses = [Bolus(d, "depot", 80.0) for d in (0.0, 48.0, 168.0, 216.0)]
    a = Simulator(model).run(t, events=doses)
    b = Simulator(model, backend="scipy", rtol=1e-10, atol=1e-12).run(t, events=doses)
    assert_results_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_no_pathological_steps_after_doses(capfd):
    """With state-scaled absolute tolerances CVODE shrank its step to ~1e-25 h after each
    dose ("t + h = t" warnings) and could fail outright; per-species tolerances in each
    species' own unit keep the step sane."""
    model = _transit_model()
    t = np.arange(0.0, 240.0 + 1e-9, 2.0)
    Simulator(model).run(t, events=[Bolus(d, "depot", 80.0) for d in (0.0, 48.0, 168.0)])
    err = capfd.readouterr().err
    assert "t + h = t" not in err and "CVODE" not in err
