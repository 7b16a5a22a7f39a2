"""Cell layer, kind 1 of 3: laws and closed forms (no reference figure involved).

Mass balance and exponential growth of the dish population, the quasi-steady state of
covalent XPO1 engagement behind "XPO1 abundance protects" (research note §A1.5), the
common reference of the nuclear signals, per-run overrides (``--set``) and the model
conformance suite. Fit regressions: tests/test_cell_fits.py; validation against
published figures not used in fitting: tests/test_cell_validation.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.biology.cell import cell_fate_model, cell_model, core_baseline, fate_initial_state
from xposim.engine import Simulator
from xposim.errors import InputError
from xposim.experiments.dose_response import DoseResponse, run_dose_response
from xposim.experiments.viability import (
    fate_timecourse,
    surviving_fraction,
    viability,
    viability_curve,
)
from xposim.model.overrides import Override, parse_override, parse_overrides
from xposim.presets.cell_lines import get_cell_line
from xposim.testing import assert_close, check_module

POP = ("fate_proliferating", "fate_arrested", "fate_dying1", "fate_dying2", "fate_dying3",
       "fate_dead")


@pytest.mark.parametrize("cell, doubling", [("MM.1S", 36.0), ("fibroblast", 36.0),
                                            ("RPMI-8226", 60.0)])
def test_untreated_population_grows_exponentially_at_the_doubling_time(cell, doubling):
    """Without drug every signal is 0, nobody arrests or dies, and the population follows
    N(t) = N0 * 2**(t / Td) exactly (closed form; Td from the preset)."""
    model = cell_fate_model(cell)
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    t = np.array([0.0, 24.0, 72.0, 168.0])
    res = sim.run(t, initial=fate_initial_state(cell), outputs=[*POP, "total_cells"])
    n0 = fate_initial_state(cell)["fate_proliferating"]
    np.testing.assert_allclose(res["total_cells"], n0 * 2 ** (t / doubling), rtol=1e-6)
    for name in POP[1:]:
        assert np.max(res[name]) < 1e-6 * n0, name


def test_resting_cells_do_not_grow():
    """A non-dividing preset (doubling 1e7 h stands for 'not dividing': 72 h adds
    72 ln2 / 1e7 = 5e-6) keeps its cell count."""
    for line in ("PBMC", "normal"):
        res = fate_timecourse(line, {"selinexor": 0.0}, hours=72.0, step_h=24.0)
        assert res["total_cells"][-1] == pytest.approx(res["total_cells"][0], rel=1e-5)


def test_cell_count_is_conserved_apart_from_division():
    """Mass balance with drug: d(total)/dt = division only; the dying transit moves cells
    but never creates or destroys them (total_cells includes the dead)."""
    model = cell_fate_model("MM.1S")
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    res = sim.run(np.linspace(0, 72, 13), initial=fate_initial_state("MM.1S"),
                  parameters={"drug_ext": 1000.0, "C_dex": 100.0, "doubling_time": 1e7},
                  outputs=["total_cells"])
    np.testing.assert_allclose(res["total_cells"], res["total_cells"][0], rtol=1e-6)


def test_viability_is_relative_to_the_untreated_control():
    """Viability at 0 nM is 1 by definition (CellTiter-Glo normalised to vehicle); the
    batched curve equals the single-point function."""
    assert viability("MM.1S", {"selinexor": 0.0}) == pytest.approx(1.0, abs=1e-12)
    conc = [0.0, 10.0, 100.0]
    curve = viability_curve("MM.1S", "selinexor", conc)
    single = [viability("MM.1S", {"selinexor": c}) for c in conc]
    np.testing.assert_allclose(curve, single, rtol=1e-9)
    assert curve[2] < curve[1] < curve[0]


def test_the_untreated_state_is_a_valid_initial_state_whatever_the_override():
    """Integration noise around 0 (the untreated normal cell with a doubled NES-pool
    half-life held -4e-29 nM of intracellular drug) is not a negative concentration: the
    engine's steady state returns it as 0, and the state starts a run."""
    ov = (Override("NESpool_t_half_cyt", 8.0),)
    state = core_baseline(get_cell_line("normal"), "selinexor", ov)
    assert min(state[s.name] for s in cell_model("normal", overrides=ov).species) >= 0.0


def test_surviving_fraction_counts_only_the_killed():
    """The death readout: 1 untreated, equal to ATP-holding over all cells ever present,
    and above CTG viability when cells also stop dividing (MM.1S at 100 nM); the resting
    normal cell barely dies at 1 uM (measured 0.997)."""
    assert surviving_fraction("MM.1S", {}) == pytest.approx(1.0, abs=1e-12)
    assert surviving_fraction("normal", {"selinexor": 1000.0}) == pytest.approx(1.0, abs=0.01)
    r = fate_timecourse("MM.1S", {"selinexor": 100.0}, hours=72.0, step_h=72.0,
                        outputs=["viable_cells", "total_cells"]).final
    alive = surviving_fraction("MM.1S", {"selinexor": 100.0})
    assert alive == pytest.approx(r["viable_cells"] / r["total_cells"], rel=1e-9)
    assert alive > viability("MM.1S", {"selinexor": 100.0})


@pytest.mark.parametrize("xpo1_um", [0.3, 0.9, 2.7])
def test_unbound_xpo1_at_quasi_steady_state_scales_with_the_xpo1_level(xpo1_um):
    """Research note §A1.5: covalent inactivation against turnover leaves a fixed *share* of
    the line's XPO1 drug-free at a given concentration, so the drug-free amount - what
    export needs - scales with the line's XPO1. Closed form of the steady state (free E,
    reversible complex D = q E, adduct A = k_inact D / (k_rev + k_deg,A)), from the total
    balance k_syn m/m0 = k_deg (E + D) + k_deg,A A:
    E = k_syn m/m0 / (k_deg (1 + q) + k_inact q k_deg,A / (k_rev + k_deg,A))."""
    model = cell_model("myeloma", overrides=(Override("XPO1_total0", xpo1_um, "uM"),))
    p = {q.name: q.canonical_value for q in model.parameters}
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    state = sim.steady_state(parameters={"drug_ext": 30.0})
    kdeg = math.log(2) / p["t_half_XPO1"]
    kdeg_a = math.log(2) / p["t_half_adduct"]
    krev = math.log(2) / p["t_half_reversal"]
    ksyn = p["XPO1_total0"] * kdeg * state["XPO1_mRNA"] / p["XPO1_mRNA0"]
    q = state["XPO1_drug"] / state["XPO1_free"]
    e_free = ksyn / (kdeg * (1 + q) + p["kinact_drug"] * q * kdeg_a / (krev + kdeg_a))
    assert_close(state["XPO1_free"], e_free, rtol=1e-6, what="free XPO1 (nM)")
    share = state["XPO1_free"] / p["XPO1_total0"]
    ref = cell_model("myeloma").parameter("XPO1_total0").canonical_value
    ref_state = Simulator(cell_model("myeloma"), rtol=1e-10, atol=1e-12).steady_state(
        parameters={"drug_ext": 30.0})
    # the same share whatever the XPO1 level, up to the drug the covalent sink consumes
    # inside the cell (uptake is finite: a high-XPO1 cell holds slightly less free drug)
    assert_close(share, ref_state["XPO1_free"] / ref, rtol=0.05,
                 what="free share of XPO1 (independent of the XPO1 level)")


def test_nuclear_signals_use_one_reference_for_every_line():
    """The fate layer's references are constants, not each line's own state: the same in
    every preset, and equal to the untreated nuclear levels of the reference normal cell
    (derived constants in presets/params/fate.toml, to 1%)."""
    normal = core_baseline(get_cell_line("normal"))
    for cargo in ("p53", "p21", "FOXO3a"):
        values = {cell_fate_model(line).parameter(f"{cargo}_n_scale").value
                  for line in ("MM.1S", "normal", "RPMI-8226", "OCI-LY3")}
        assert len(values) == 1, cargo
        assert_close(values.pop(), normal[f"{cargo}_n"], rtol=0.01,
                     what=f"{cargo}_n_scale (update presets/params/fate.toml to the value "
                          "shown as reference)")


def test_single_agent_selinexor_does_not_involve_gr():
    """Without dexamethasone the glucocorticoid signal is exactly 0, so lines differing
    only in GR (MM.1S, MM.1R) respond identically to selinexor alone."""
    sel = {"selinexor": 30.0}
    assert viability("MM.1R", sel) == pytest.approx(viability("MM.1S", sel), rel=1e-9)


# -- per-run overrides (--set) ----------------------------------------------------------

def test_override_parsing_and_unit_conversion():
    assert parse_override("XPO1_total0=0.9uM") == Override("XPO1_total0", 0.9, "uM")
    assert parse_override(" GR_sel_emax = 0 ") == Override("GR_sel_emax", 0.0)
    a = cell_model("myeloma", overrides=(parse_override("XPO1_total0=900nM"),))
    b = cell_model("myeloma", overrides=(parse_override("XPO1_total0=0.9uM"),))
    assert a.parameter("XPO1_total0").value == pytest.approx(0.9, rel=1e-12)
    assert a.parameter("XPO1_total0").canonical_value == b.parameter(
        "XPO1_total0").canonical_value
    assert a.parameter("XPO1_total0").kind == "assumed"


@pytest.mark.parametrize("text, field, message", [
    ("XPO1_total0", "set", "NAME=VALUE"),
    ("XPO1_total0=abc", "set", "NAME=VALUE"),
    ("XPO1_total0=0.9blarg", "set XPO1_total0", "unknown unit"),
])
def test_override_parsing_errors_name_the_field(text, field, message):
    with pytest.raises(InputError) as err:
        parse_override(text)
    assert err.value.field == field and message in str(err.value)


@pytest.mark.parametrize("items, field, message", [
    (["no_such_parameter=1"], "set no_such_parameter", "not a parameter"),
    (["XPO1_total0=2h"], "set XPO1_total0", "unit must convert to uM"),
    (["t_half_XPO1=0"], "set t_half_XPO1", "must be > 0"),
    (["GR_sel_emax=-1"], "set GR_sel_emax", "must be >= 0"),
])
def test_bad_overrides_are_refused_naming_the_parameter(items, field, message):
    with pytest.raises(InputError) as err:
        run_dose_response(DoseResponse("myeloma", overrides=parse_overrides(items)))
    assert err.value.field == field and message in str(err.value)


def test_an_override_given_twice_is_refused():
    with pytest.raises(InputError, match="given twice"):
        parse_overrides(["GR_sel_emax=0", "GR_sel_emax=1"])


def test_overrides_do_not_persist():
    """A run with overrides leaves the preset unchanged (PySB's rule: per-run overrides
    never persist)."""
    before = viability("MM.1S", {"selinexor": 30.0})
    changed = viability("MM.1S", {"selinexor": 30.0},
                        overrides=(Override("XPO1_total0", 2.7, "uM"),))
    assert changed > before
    assert viability("MM.1S", {"selinexor": 30.0}) == before
    assert cell_model("MM.1S").parameter("XPO1_total0").value == 0.9


def test_conformance_of_the_fate_model():
    """Units consistent, SBML round trip, SciPy agreement, no negative states, with
    selinexor and dexamethasone."""
    check_module(cell_fate_model("myeloma"), times=np.linspace(0, 24, 7),
                 parameters={"drug_ext": 100.0, "C_dex": 100.0})
