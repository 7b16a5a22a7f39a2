"""The exported SBML opens in COPASI and gives the same numbers as the engine."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from xposim.biology.cell import cell_model
from xposim.engine import Simulator
from xposim.testing import simulate_in_copasi

# COPASI is imported lazily by simulate_in_copasi (it resets the process locale to "C",
# which simulate_in_copasi undoes)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("COPASI") is None,
                                reason="python-copasi not installed")


@pytest.mark.parametrize("cell", ["myeloma", "myeloma-c528s"])
def test_cell_model_in_copasi_matches_engine(cell):
    model = cell_model(cell)
    t = np.linspace(0.0, 24.0, 25)
    params = {"drug_ext": 100.0}
    ours = Simulator(model, rtol=1e-10, atol=1e-12).run(
        t, parameters=params, outputs=[s.name for s in model.species])
    theirs = simulate_in_copasi(model, t, params)
    scale = np.maximum(np.abs(ours.values), 1e-6 * np.abs(ours.values).max())
    assert np.max(np.abs(theirs - ours.values) / scale) < 1e-6


def test_amount_model_in_copasi_matches_closed_form(decay):
    t = np.linspace(0.0, 10.0, 11)
    theirs = simulate_in_copasi(decay, t)[:, 0]
    np.testing.assert_allclose(theirs, 10.0 * np.exp(-0.2 * t), rtol=1e-7)
