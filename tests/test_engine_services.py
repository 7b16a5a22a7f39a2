"""The engine's public services other layers build on: a model's generated equations and
ODE integration (closed forms; the SciPy backend and the NONMEM engine use them)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.engine import (
    TIME_RESOLUTION,
    IntegrationError,
    Simulator,
    integrate,
    model_equations,
)
from xposim.errors import SimulationError


def test_equations_of_a_decay_model_are_its_closed_form(decay):
    eq = model_equations(decay)
    assert eq.species == ("A",)
    p = eq.constants()
    assert p["k"] == pytest.approx(0.2)
    assert eq.rhs(0.0, np.array([10.0]), p) == pytest.approx([-2.0])
    # per-call overrides in canonical units; the model's defaults are untouched
    assert eq.rhs(0.0, np.array([10.0]), eq.constants({"k": 0.5})) == pytest.approx([-5.0])
    assert eq.constants()["k"] == pytest.approx(0.2)
    assert eq.outputs(0.0, np.array([3.0]), p, ["A", "k"]) == pytest.approx([3.0, 0.2])


def test_equations_carry_volumes_between_compartments(shuttle):
    # export moves nM of nucleus into nM of cytoplasm scaled by the volume ratio
    eq = model_equations(shuttle)
    p = eq.constants({"kimp": 0.0, "kdeg": 0.0})
    y = np.zeros(len(eq.species))
    y[eq.species.index("Xn")] = 1.0
    dy = eq.rhs(0.0, y, p)
    kexp = p["kexp"]
    assert dy[eq.species.index("Xn")] == pytest.approx(-kexp)
    assert dy[eq.species.index("Xc")] == pytest.approx(kexp * 0.45 / 1.55)


def test_integrate_matches_exponential_decay():
    times = np.array([0.5, 1.0, 3.0])
    traj = integrate(lambda t, y: -0.3 * y, np.array([2.0]), 0.0, 4.0, times=times,
                     method="LSODA", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(traj.states[:, 0], 2.0 * np.exp(-0.3 * times), rtol=1e-8)
    assert traj.final[0] == pytest.approx(2.0 * math.exp(-1.2), rel=1e-8)
    no_record = integrate(lambda t, y: -0.3 * y, np.array([2.0]), 0.0, 4.0,
                          method="LSODA", rtol=1e-10, atol=1e-12)
    assert no_record.states.shape == (0, 1)
    assert no_record.final[0] == pytest.approx(traj.final[0], rel=1e-8)


def test_integrate_below_the_time_resolution_is_one_euler_step():
    # an interval of 5e-324 h cannot be stepped by solve_ivp; the state barely moves
    out = integrate(lambda t, y: -y + 1.0, np.array([0.0]), 10.0, 10.0 + 5e-324)
    assert out.final[0] == pytest.approx(5e-324)
    h = 0.5 * TIME_RESOLUTION
    assert integrate(lambda t, y: np.array([1.0]), np.array([0.0]), 0.0, h).final[0] == h


def test_integration_failure_names_the_interval():
    with pytest.raises(IntegrationError, match=r"between t=0 h and t=2 h") as info:
        integrate(lambda t, y: y * y, np.array([1.0]), 0.0, 2.0, method="BDF")
    assert isinstance(info.value, SimulationError) and info.value.reason


def test_scipy_backend_integrates_through_the_service(decay):
    # the backend's output equals a direct integration of its generated equations
    eq = model_equations(decay)
    times = np.array([0.0, 1.0, 5.0])
    res = Simulator(decay, backend="scipy", rtol=1e-10, atol=1e-12).run(times)
    direct = integrate(lambda t, y: eq.rhs(t, y, eq.constants()), np.array([10.0]), 0.0,
                       5.0, times=times, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res["A"], direct.states[:, 0], rtol=1e-12)


def test_roadrunner_backend_lean_simulate_equals_the_public_call(shuttle):
    """The backend integrates through libRoadRunner's compiled ``_simulate`` with a kept
    options object (the Python wrapper costs ~20 us per segment); the output is the
    public ``simulate(times=...)``'s, bit for bit."""
    from xposim.engine.roadrunner_backend import RoadRunnerBackend

    sim = Simulator(shuttle, rtol=1e-8, atol=1e-10)
    backend = sim._backend
    assert isinstance(backend, RoadRunnerBackend)
    grid = np.array([0.0, 0.5, 2.0, 7.5])
    rr = backend._rr
    sim.run([0.0])  # loads values, tolerances, selections and the initial state at t = 0
    lean = backend._simulate(grid)
    sim.run([0.0])
    public = np.asarray(rr.simulate(times=grid))
    assert lean.shape == public.shape == (4, len(rr.timeCourseSelections))
    assert lean[-1, 1:].max() > 0 and np.array_equal(lean, public)
