"""The generic fitter (xposim.analysis.fitting): laws and closed forms, no model inside."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.analysis.fitting import Fitter
from xposim.errors import InputError

T = np.linspace(0.0, 10.0, 21)


def _decay(values):
    """Residuals of C0·exp(−k·t) against exact data with C0 = 5, k = 0.3."""
    return values["C0"] * np.exp(-values["k"] * T) - 5.0 * np.exp(-0.3 * T)


def test_recovers_exact_parameters_on_a_log_scale():
    f = Fitter(bounds={"C0": (0.1, 100.0), "k": (1e-3, 10.0)}, xtol=1e-12, ftol=1e-12,
               gtol=1e-12).fit(_decay, {"C0": 1.0, "k": 1.0})
    assert f.estimates_["C0"] == pytest.approx(5.0, rel=1e-8)
    assert f.estimates_["k"] == pytest.approx(0.3, rel=1e-8)
    assert f.cost_ == pytest.approx(0.5 * float(f.residuals_ @ f.residuals_))
    assert f.cost_ < 1e-20 and f.success_


@pytest.mark.parametrize("method", ["powell", "nelder-mead", "l-bfgs-b"])
def test_minimisers_agree_with_least_squares(method):
    f = Fitter(bounds={"C0": (0.1, 100.0), "k": (1e-3, 10.0)}, method=method, xtol=1e-10,
               ftol=1e-14, gtol=1e-12, max_evaluations=20000).fit(_decay,
                                                                  {"C0": 2.0, "k": 0.5})
    assert f.estimates_["C0"] == pytest.approx(5.0, rel=1e-3)
    assert f.estimates_["k"] == pytest.approx(0.3, rel=1e-3)


def test_linear_scale_reaches_a_zero_bound():
    """An SD that the data want below 0 stops at its bound 0 (only a linear scale can)."""
    f = Fitter(bounds={"sd": (0.0, 1.0)}, scale="linear").fit(
        lambda v: np.array([v["sd"] + 0.2]), {"sd": 0.5})
    assert f.estimates_["sd"] == pytest.approx(0.0, abs=1e-10)


def _rounded(values):
    """Residuals known to 1e-6, as an ODE solver's output is: zero within 1e-6 of k = 2."""
    k = values["k"]
    return np.round(np.array([math.log(k / 2.0), 0.1 * (k - 2.0)]), 6)


@pytest.mark.parametrize("start, scale", [(1.0, "log"), (0.8, "log"), (0.0, "linear"),
                                          (9.9, "log")])
def test_a_diff_step_moves_the_search_from_any_start(start, scale):
    """The finite-difference step is diff_step * max(1, |x|) in the searched coordinate,
    never ~1e-8: SciPy scales a user's step by |x| alone, so a log-scale start at exactly
    1 (x = log 1 = 0), a linear one at 0 - or a search passing through them - got a step
    below the residual's noise, a zero Jacobian, and stopped where it stood. Near the upper
    bound the step goes backward."""
    f = Fitter(bounds={"k": (0.1 if scale == "log" else 0.0, 10.0)}, scale=scale,
               diff_step=1e-3).fit(_rounded, {"k": start})
    assert f.estimates_["k"] == pytest.approx(2.0, rel=1e-4)


def test_best_of_several_starts_wins():
    """(x² − 4)² + x has a shallow minimum near +2 and a deeper one near −2."""
    def res(v):
        x = v["x"] - 10.0  # shift so the search is on a positive (log) scale
        return np.array([x * x - 4.0, math.sqrt(0.5) * (x + 3.0)])

    f = Fitter(bounds={"x": (1.0, 20.0)}).fit(res, [{"x": 12.5}, {"x": 7.5}])
    assert f.estimates_["x"] - 10.0 < 0
    assert len(f.start_costs_) == 2 and f.cost_ == pytest.approx(min(f.start_costs_))
    assert f.start_ == {"x": 7.5}


def test_settings_are_stored_unchanged_and_learned_values_appear_after_fit():
    bounds = {"C0": (0.1, 100.0), "k": (1e-3, 10.0)}
    f = Fitter(bounds=bounds, scale={"k": "log"}, method="least_squares", xtol=1e-9)
    assert f.get_params()["bounds"] is bounds and f.get_params()["xtol"] == 1e-9
    assert not [a for a in vars(f) if a.endswith("_")]
    f.fit(_decay, {"C0": 1.0, "k": 1.0})
    assert {"estimates_", "residuals_", "cost_", "n_evaluations_", "success_"} <= set(vars(f))
    assert f.get_params()["bounds"] is bounds


@pytest.mark.parametrize("kwargs, start, field", [
    (dict(method="newton"), {"k": 1.0}, "method"),
    (dict(bounds={"k": (1.0, 0.5)}), {"k": 1.0}, "bounds of k"),
    (dict(bounds={"k": (0.0, 1.0)}), {"k": 0.5}, "bounds of k"),  # log scale needs > 0
    (dict(scale="cubic"), {"k": 1.0}, "scale of k"),
    (dict(), {"k": 50.0}, "start 0: k"),
    (dict(), {"j": 1.0}, "start 0"),
    (dict(xtol=2.0), {"k": 1.0}, "xtol"),
])
def test_bad_settings_name_the_field(kwargs, start, field):
    settings = {"bounds": {"k": (1e-3, 10.0)}, **kwargs}
    with pytest.raises(InputError, match=field):
        Fitter(**settings).fit(lambda v: np.array([v.get("k", 1.0) - 0.3]), start)


def test_failed_points_cost_the_penalty_instead_of_stopping_the_search():
    class SolverFailedError(RuntimeError):
        pass

    def res(v):
        if v["k"] > 2.0:
            raise SolverFailedError("integrator failed")
        return np.array([v["k"] - 1.5])

    f = Fitter(bounds={"k": (0.1, 10.0)}, penalty=10.0, recoverable=(SolverFailedError,)).fit(
        res, {"k": 0.5})
    assert f.estimates_["k"] == pytest.approx(1.5, rel=1e-6)
    with pytest.raises(SolverFailedError):  # not recoverable: a bug is an error
        Fitter(bounds={"k": (0.1, 10.0)}).fit(res, {"k": 5.0})
    with pytest.raises(InputError, match="start"):  # the start itself must evaluate
        Fitter(bounds={"k": (0.1, 10.0)}, penalty=10.0, recoverable=(SolverFailedError,)).fit(
            res, {"k": 5.0})
