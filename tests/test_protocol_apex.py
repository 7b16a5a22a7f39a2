"""The built-in ``apex`` protocol (bortezomib vs high-dose dexamethasone; Richardson et al.,
N Engl J Med 2005;352:2487): it loads, validates, lists, and says what the paper says.

Fast: no simulation. The trial itself is run by the slow tests/test_trial_apex.py.
"""

from __future__ import annotations

import json

from clihelp import run_cli

from xposim.pharmacology.label_regimens import read_regimen
from xposim.trials.protocol import load_protocol, protocol_names


def test_apex_is_a_builtin_protocol_and_is_listed():
    assert "apex" in protocol_names()
    code, out, _ = run_cli("trial", "list", "--json")
    assert code == 0
    assert "apex" in {p["name"] for p in json.loads(out)}


def test_apex_arms_follow_the_published_regimens():
    """NEJM 2005 abstract: bortezomib 1.3 mg/m2 IV days 1, 4, 8, 11 for eight 3-week cycles
    then days 1, 8, 15, 22 for three 5-week cycles; dexamethasone 40 mg PO days 1-4, 9-12,
    17-20 for four 5-week cycles then days 1-4 for five 4-week cycles."""
    p = load_protocol("apex")
    assert p.arm_names == ("bortezomib", "dexamethasone")
    assert p.spec.protocol.control_arm == "dexamethasone"
    assert p.population.name == "boston" and not p.spec.protocol.paired

    btz = read_regimen(p.arm_plan("bortezomib").regimen).doses()
    days = [d.time_h / 24 + 1 for d in btz]
    assert len(btz) == 8 * 4 + 3 * 4
    assert days[:5] == [1.0, 4.0, 8.0, 11.0, 22.0]
    assert days[32:36] == [169.0, 176.0, 183.0, 190.0]  # first 5-week cycle from day 169
    assert {(d.drug, d.amount, d.unit, d.route) for d in btz} == {
        ("bortezomib", 1.3, "mg/m2", "IV")}

    dex = read_regimen(p.arm_plan("dexamethasone").regimen).doses()
    days = [d.time_h / 24 + 1 for d in dex]
    assert len(dex) == 4 * 12 + 5 * 4
    assert days[:12] == [1, 2, 3, 4, 9, 10, 11, 12, 17, 18, 19, 20]
    assert days[48:52] == [141.0, 142.0, 143.0, 144.0]  # first 4-week cycle from day 141
    assert {(d.drug, d.amount, d.unit, d.route) for d in dex} == {
        ("dexamethasone", 40.0, "mg", "PO")}


def test_apex_treatment_ends_with_the_last_published_cycle():
    """11 bortezomib cycles end on day 273 (8 x 21 + 3 x 35); 9 dexamethasone cycles on day
    280 (4 x 35 + 5 x 28). No dose rules: see the protocol file (IV dose levels)."""
    p = load_protocol("apex")
    btz, dex = p.arm_plan("bortezomib"), p.arm_plan("dexamethasone")
    assert (btz.treatment_days, dex.treatment_days) == (273.0, 280.0)
    assert btz.rule_sets == () and dex.rule_sets == ()
    assert btz.follow_up_days == 365.0


def test_every_apex_figure_is_a_prediction_never_a_calibration_target():
    """APEX is an independent check: nothing in it may be fitted."""
    targets = load_protocol("apex").spec.targets
    assert {t.use for t in targets} == {"prediction"}
    assert {(t.arm, t.endpoint) for t in targets} == {
        ("bortezomib", "orr"), ("dexamethasone", "orr"),
        ("bortezomib", "median_pfs_months"), ("dexamethasone", "median_pfs_months"),
        (None, "hazard_ratio_pfs"),
        ("bortezomib", "grade34_thrombocytopenia"),
        ("dexamethasone", "grade34_thrombocytopenia")}
    assert all(t.source.startswith(("Richardson 2005", "Lonial 2008")) for t in targets)
