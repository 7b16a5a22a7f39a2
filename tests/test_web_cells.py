"""The explorer's views hold the library's numbers: every step, computed without a server,
against the public Python API for the same inputs; a changed preset is the library's
``fate_timecourse`` with parameter overrides; the parameters' validation messages.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from xposim.biology.cell import cell_fate_model
from xposim.experiments.viability import fate_timecourse, surviving_fraction, viability
from xposim.model.overrides import Override
from xposim.web import limits
from xposim.web.app import view_csv
from xposim.web.cells import CellSpec, cell_timecourse
from xposim.web.schema import STEP_PARAMS, parse_params, validation_messages
from xposim.web.views import CELL_OUTPUTS, render_view, step_h


def _trace(view, panel_id, name):
    panel = next(p for p in view["panels"] if p["id"] == panel_id)
    return next(s for s in panel["series"] if s["name"] == name)


# ------------------------------------------------------------------ changed presets
def test_a_changed_preset_is_fate_timecourse_with_overrides():
    """The explorer repeats no model logic: a changed cell is the library's run of the
    preset with the changes as parameter overrides (what `--set` gives the CLI)."""
    spec = CellSpec("MM.1S", xpo1_uM=2.0, tp53="mutant", c528s=True)
    assert spec.overrides() == (Override("XPO1_total0", 2.0, "uM"),
                                Override("p53_function", 0.0), Override("kinact_drug", 0.0))
    conc = {"selinexor": 100.0, "dexamethasone": 50.0}
    ref = fate_timecourse("MM.1S", conc, hours=72, step_h=0.3, washout_at_h=30.0,
                          outputs=CELL_OUTPUTS, overrides=spec.overrides())
    got = cell_timecourse(spec, conc, hours=72, step_h=0.3, washout_at_h=30.0,
                          outputs=CELL_OUTPUTS)
    np.testing.assert_array_equal(got.time, ref.time)
    np.testing.assert_array_equal(got.values, ref.values)
    assert CellSpec("MM.1S").overrides() == ()


def test_c528s_of_myeloma_is_the_c528s_preset():
    out = ["occupancy", "covalent_occupancy", "p53_nuclear_fraction", "viable_cells"]
    ref = fate_timecourse("myeloma-c528s", {"selinexor": 300.0}, hours=48, step_h=0.5,
                          outputs=out)
    got = cell_timecourse(CellSpec("myeloma", c528s=True), {"selinexor": 300.0}, hours=48,
                          step_h=0.5, outputs=out)
    np.testing.assert_allclose(got.values, ref.values, rtol=1e-10, atol=1e-12)
    assert got.final["covalent_occupancy"] == 0.0


def test_xpo1_override_sets_the_untreated_xpo1_level():
    """Law: untreated, the cell holds XPO1_total0 (the value the user sets)."""
    for xpo1 in (0.3, 1.5, 2.7):
        res = cell_timecourse(CellSpec("myeloma", xpo1_uM=xpo1), {}, hours=24, step_h=1.0,
                              outputs=["XPO1_cell_total"])
        np.testing.assert_allclose(res["XPO1_cell_total"], xpo1 * 1000.0, rtol=1e-6)


def test_more_xpo1_pushes_suppressors_out():
    fractions = [cell_timecourse(CellSpec("normal", xpo1_uM=x), {}, hours=24, step_h=1.0,
                                 outputs=["p53_nuclear_fraction"]).final[
        "p53_nuclear_fraction"] for x in (0.3, 0.9, 2.7)]
    assert fractions[0] > fractions[1] > fractions[2]


def test_changed_parameters_say_where_they_came_from():
    model = cell_fate_model("MM.1S", overrides=CellSpec(
        "MM.1S", xpo1_uM=2.0, tp53="mutant").overrides())
    for name, value in (("XPO1_total0", 2.0), ("p53_function", 0.0)):
        p = model.parameter(name)
        assert p.value == value and "per-run override" in p.source, (name, p.source)


def test_changes_equal_to_the_preset_are_dropped():
    assert CellSpec("myeloma", xpo1_uM=0.9, tp53="wild-type").is_preset
    assert not CellSpec("myeloma", xpo1_uM=1.0).is_preset


# ------------------------------------------------------------------ views == API
def test_step3_view_is_fate_timecourse():
    view = render_view(3, {"selinexor_nM": 250, "hours": 48, "washout_h": 24})
    ref = fate_timecourse("myeloma", {"selinexor": 250.0}, hours=48, step_h=step_h(48),
                          washout_at_h=24.0, outputs=["occupancy", "p53_n", "p53_c"])
    occ = _trace(view, "occupancy", "myeloma")
    assert occ["x"] == ref.time.tolist() and occ["y"] == ref["occupancy"].tolist()
    cells = view["cells"]
    assert cells["unit"] == "nM" and cells["rows"][0]["label"] == "myeloma"
    assert cells["rows"][0]["nucleus"]["p53"] == ref["p53_n"].tolist()
    assert cells["rows"][0]["cytoplasm"]["p53"] == ref["p53_c"].tolist()
    assert cells["rows"][1]["label"] == "myeloma C528S"
    assert max(cells["rows"][1]["occupancy"]) < 0.05  # no covalent bond: little occupancy
    assert len(occ["x"]) <= limits.MAX_POINTS + 1


def test_step4_viability_is_the_library_viability():
    """Step 4 shows the library's 72 h viability and share of cells killed. Both cells
    stop dividing at 100 nM (CTG readings 0.37 and 0.34), but the primed myeloma cell
    dies and the fibroblast, which arrests (Burke et al., Oncotarget 2017), does not."""
    view = render_view(4, {"selinexor_nM": 100})
    rows = {(r["cell"], r["quantity"]): r["value"] for r in view["summary"]}
    for line in ("MM.1S", "fibroblast"):
        assert rows[(line, "viability")] == pytest.approx(
            viability(line, {"selinexor": 100.0}, hours=72), rel=1e-6)
        assert rows[(line, "share of cells killed")] == pytest.approx(
            1.0 - surviving_fraction(line, {"selinexor": 100.0}, hours=72), rel=1e-5)
    assert rows[("MM.1S", "viability")] < 0.5
    assert rows[("MM.1S", "share of cells killed")] > 0.1
    assert rows[("fibroblast", "share of cells killed")] < 0.01
    assert rows[("fibroblast", "apoptotic_fraction")] < 0.01


def test_step5_bliss_follows_gr():
    """Step 5's Bliss excesses are the library's: on viability (CTG-like, nearly additive:
    both drugs arrest MM.1S) and on death (the synergy Argueta 2018 reports, carried by
    GR: none in MM.1R); docs/combinations.md."""
    view = render_view(5, {"selinexor_nM": 20, "dexamethasone_nM": 100})
    rows = {(r["cell"], r["quantity"]): r["value"] for r in view["summary"]}
    wells = (("s", {"selinexor": 20.0}), ("d", {"dexamethasone": 100.0}),
             ("sd", {"selinexor": 20.0, "dexamethasone": 100.0}))
    for line in ("MM.1S", "MM.1R"):
        v = {k: viability(line, c, hours=72) for k, c in wells}
        assert rows[(line, "Bliss excess (inhibition)")] == pytest.approx(
            v["s"] * v["d"] - v["sd"], rel=1e-5, abs=1e-7)
        a = {k: surviving_fraction(line, c, hours=72) for k, c in wells}
        assert rows[(line, "Bliss excess (death)")] == pytest.approx(
            a["s"] * a["d"] - a["sd"], rel=1e-5, abs=1e-7)
    assert rows[("MM.1S", "Bliss excess (death)")] > 0.05
    assert abs(rows[("MM.1R", "Bliss excess (death)")]) < 0.01
    assert abs(rows[("MM.1R", "Bliss excess (inhibition)")]) < 0.01


def test_step6_is_the_patient_runners_typical_patient():
    """Step 6 is one call to the patient runner: its platelets, M-protein and doses are
    those of the typical patient of ``xposim patient`` on the label regimen (with the
    label's dose rules), and the tumour is killed (M-protein falls)."""
    from xposim.patient.arm import default_arm, typical_patient
    from xposim.patient.runner import ClinicalPatientSimulator

    run = ClinicalPatientSimulator().run(
        typical_patient(covariates={"platelets_1e9_per_l": 240.0}),
        default_arm("label:selinexor-dex", "myeloma", 12), seed=0, record_step_h=2.0)
    tc = run.timecourse
    ref = tc[tc["variable"] == "plt_1e9_per_l"].sort_values("day")["value"].to_numpy()
    view = render_view(6, {"weeks": 12})
    plt = _trace(view, "platelets", "platelets")
    np.testing.assert_allclose(plt["y"], ref, rtol=1e-9)
    rows = {r["quantity"]: r["value"] for r in view["summary"]}
    assert rows["platelet nadir"] == pytest.approx(float(np.min(ref)), rel=1e-9)
    assert rows["best M-protein change"] == pytest.approx(run.outcome.summary.best_change)
    assert rows["best M-protein change"] < -0.2  # the drug kills the tumour
    mp = _trace(view, "m-protein", "M-protein")["y"]
    assert mp[-1] < 0.8 * mp[0]
    doses = _trace(view, "doses", "selinexor")
    given = run.outcome.doses[run.outcome.doses["drug"] == "selinexor"]
    assert doses["y"] == given["amount"].tolist()  # the doses after the rules
    assert rows["dose reductions"] == run.outcome.summary.dose_reductions >= 1
    assert any("sel-plt-25-75" in n for n in view["notes"])  # the decision is shown
    assert not any("patient runner" in n for n in view["notes"])


def test_step6_with_a_changed_dose_says_the_rules_are_off():
    view = render_view(6, {"weeks": 4, "selinexor_mg": 60})
    assert any("given as written" in n for n in view["notes"])
    rows = {r["quantity"]: r["value"] for r in view["summary"]}
    assert rows["dose holds"] == rows["dose reductions"] == 0


@pytest.mark.parametrize("step", range(1, 7))
def test_every_step_has_units_on_every_axis_and_a_csv(step):
    view = render_view(step, {})
    for panel in view["panels"]:
        assert panel["y"]["unit"] and panel["y"]["label"] and panel["x"]["label"]
        assert panel["series"], panel["id"]
    text = view_csv(view)
    n_points = sum(len(s["x"]) for p in view["panels"] for s in p["series"])
    if view["cells"]:
        cells = view["cells"]
        n_points += len(cells["time_h"]) * len(cells["rows"]) * len(cells["cargoes"]) * 2
    assert text.count("\n") == n_points + 1


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(("step", "query", "message"), [
    (3, {"selinexor_nM": "2e6"}, "selinexor_nM: must be <= 10000 nM, got '2e6'"),
    (3, {"selinexor_nM": "-1"}, "selinexor_nM: must be >= 0 nM"),
    (3, {"selinexor_nM": "nan"}, "selinexor_nM: must be a finite number in nM"),
    (3, {"hours": "500"}, "hours: must be <= 168 h"),
    (3, {"hours": "10", "washout_h": "20"}, "washout_h: must be 0 (never) or less than hours"),
    (3, {"cell_line": "HeLa"}, "cell_line: must be one of 'normal', 'myeloma'"),
    (3, {"dose": "1"}, "dose: unknown parameter for this step; known: cell_line"),
    (3, {"xpo1_uM": "50"}, "xpo1_uM: must be <= 3 µM"),
    (4, {"tp53": "broken"}, "tp53: must be one of 'preset', 'wild-type'"),
    (5, {"selinexor_nM": "0"}, "selinexor_nM: must be > 0 nM"),
    (6, {"weeks": "100"}, "weeks: must be <= 24 weeks"),
    (6, {"weeks": "2.5"}, "weeks: must be a whole number in weeks"),
    (6, {"regimen": "bortezomib-dex"}, "regimen: must be one of 'selinexor-dex'"),
])
def test_bad_parameters_get_a_message_naming_the_field(step, query, message):
    with pytest.raises(ValidationError) as info:
        parse_params(step, query)
    messages = validation_messages(STEP_PARAMS[step], info.value)
    assert any(m.startswith(message) for m in messages), messages


def test_empty_values_mean_the_default():
    assert parse_params(3, {"xpo1_uM": "", "hours": ""}).hours == 24.0
