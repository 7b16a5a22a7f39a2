"""Local sensitivity of the cell layer's headline predictions (xposim.experiments.
sensitivity): a law on the machinery (fast) and the screen that keeps the docs' list of
parameters carrying the predictions complete (slow, `make validate`)."""

from __future__ import annotations

import math

import pytest

from xposim.biology.cell import cell_fate_model
from xposim.experiments.sensitivity import (
    MAIN_PARAMETERS,
    PRESET_BIOLOGY,
    local_sensitivity,
)


def test_a_parameter_no_readout_depends_on_changes_nothing():
    """BRCA1 is exported but read by no fate signal, and competes for XPO1 only through
    its tiny share of the export load (2 nM/h against a Kd of ~2.6e5 nM): doubling or
    halving its synthesis moves no prediction by more than 1e-3 (fold 1; measured 4e-4,
    most of it through the common references, the normal cell's nuclear suppressor levels,
    whose export load it also shares)."""
    row = local_sensitivity(["BRCA1_synthesis"]).iloc[0]
    for col in ("ic50_up", "ic50_down", "bliss_up", "bliss_down"):
        assert row[col] == pytest.approx(1.0, abs=1e-3), col
    assert row["window_up"] == row["window_down"]


def test_main_parameters_are_model_constants():
    model = {p.name: p for p in cell_fate_model("MM.1S").parameters}
    for name in MAIN_PARAMETERS:
        assert model[name].kind in ("assumed", "calibrated"), name
        assert name not in PRESET_BIOLOGY


@pytest.mark.slow
def test_main_parameters_cover_every_influential_constant():
    """Screen every assumed or calibrated constant of the MM.1S cell-fate model (preset
    biology excluded): any whose doubling or halving moves the myeloma IC50 >= 1.5-fold or
    the MM.1S selinexor x dexamethasone Bliss excess >= 2-fold or across 0 must be in
    MAIN_PARAMETERS, which docs/cell-fate.md tabulates (~4 min)."""
    model = cell_fate_model("MM.1S")
    names = [p.name for p in model.parameters if p.kind in ("assumed", "calibrated")
             and p.value != 0 and p.name not in PRESET_BIOLOGY]
    table = local_sensitivity(names)
    missing = []
    for _, row in table.iterrows():
        ic50 = max(abs(math.log(row[c])) for c in ("ic50_up", "ic50_down"))
        bliss = [row[c] for c in ("bliss_up", "bliss_down")]
        moves = ic50 >= math.log(1.5) or any(b <= 0.5 or b >= 2.0 for b in bliss)
        if moves and row["parameter"] not in MAIN_PARAMETERS:
            missing.append(row["parameter"])
    assert not missing, f"add to MAIN_PARAMETERS and docs: {missing}"
