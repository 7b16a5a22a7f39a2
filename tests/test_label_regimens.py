"""Label regimens and dose-reduction steps against the label and trial figures.

Sources: XPOVIO US label §2.1-2.2 (doses and schedules) and §2.4 Table 1 (reduction steps:
Xd 160 mg/week -> 100, 80, 60 mg once weekly; XVd 100 -> 80, 60, 40 mg once weekly; DLBCL
120 mg/week -> 80 mg/week (40 mg days 1 and 3), 60, 40 mg once weekly); VELCADE label §2
(1.3 -> 1.0 -> 0.7 mg/m²; Vd days 1, 4, 8, 11 q21d with dexamethasone 20 mg days 1, 2, 4,
5, 8, 9, 11, 12); BOSTON, Grosicki et al., Lancet 2020;396:1563 ("during the first 24
weeks ... XVd patients received 40% less bortezomib and 25% less dexamethasone than Vd").
"""

from __future__ import annotations

import pytest

from xposim.errors import InputError
from xposim.pharmacology.label_regimens import (
    all_label_regimens,
    label_regimen,
    label_regimen_names,
)

WEEK_H = 168.0


def weekly_mg(regimen, drug, week=0, bsa=None):
    ds = regimen.for_drug(drug).window(week * WEEK_H, (week + 1) * WEEK_H).doses()
    return sum(d.amount_mg(bsa) for d in ds)


def test_the_four_named_regimens_exist_with_sources():
    assert set(label_regimen_names()) == {"selinexor-dex", "selinexor-bortezomib-dex",
                                          "dlbcl", "bortezomib-dex"}
    for lr in all_label_regimens():
        assert lr.source and lr.title and lr.indication
        for red in lr.reductions.values():
            assert red.source and red.after_last == "permanently discontinue"


def test_selinexor_dex_doses_per_week():
    xd = label_regimen("label:selinexor-dex").regimen
    assert xd.open_ended  # until progression
    assert weekly_mg(xd, "selinexor") == 160  # 80 mg days 1 and 3
    assert weekly_mg(xd, "dexamethasone") == 40  # 20 mg with each selinexor dose
    assert [d.time_h for d in xd.for_drug("selinexor").doses(WEEK_H)] == [0, 48]


def test_svd_35_day_cycle():
    svd = label_regimen("selinexor-bortezomib-dex")
    cycle = svd.regimen.window(0, 35 * 24)
    sel = cycle.for_drug("selinexor").doses()
    btz = cycle.for_drug("bortezomib").doses()
    dex = cycle.for_drug("dex").doses()
    assert [d.amount for d in sel] == [100] * 5  # once weekly, every week
    assert [d.time_h / 24 + 1 for d in btz] == [1, 8, 15, 22]  # 4 weeks on, 1 off
    assert btz[0].amount_mg(1.8) == pytest.approx(1.3 * 1.8)
    assert len(dex) == 10 and [d.time_h / 24 + 1 for d in dex[:2]] == [1, 2]
    assert svd.cycle_days == 35


def test_dlbcl():
    assert weekly_mg(label_regimen("dlbcl").regimen, "selinexor") == 120


def test_vd_twice_weekly_for_24_weeks_then_weekly():
    vd = label_regimen("bortezomib-dex").regimen
    btz = [d.time_h / 24 + 1 for d in vd.for_drug("btz").doses(40 * WEEK_H)]
    assert btz[:8] == [1, 4, 8, 11, 22, 25, 29, 32]
    assert len([d for d in btz if d <= 168]) == 32  # 8 cycles x 4 doses in 24 weeks
    assert btz[32:36] == [169, 176, 183, 190]  # weekly from week 25, days 1, 8, 15, 22
    dex = [d.time_h / 24 + 1 for d in vd.for_drug("dex").doses(21 * 24)]
    assert dex == [1, 2, 4, 5, 8, 9, 11, 12]  # "4 times per week" in the dosing weeks


def test_boston_first_24_weeks_less_bortezomib_and_dexamethasone():
    vd = label_regimen("bortezomib-dex").regimen.window(0, 24 * WEEK_H)
    svd = label_regimen("selinexor-bortezomib-dex").regimen.window(0, 24 * WEEK_H)
    btz = len(svd.for_drug("btz").doses()) / len(vd.for_drug("btz").doses())
    dex = len(svd.for_drug("dex").doses()) / len(vd.for_drug("dex").doses())
    # by schedule: 20 vs 32 bortezomib doses (37.5% less; the paper rounds to "40%"),
    # 48 vs 64 dexamethasone doses (25% less, as reported)
    assert 1 - btz == pytest.approx(0.40, abs=0.03)
    assert 1 - dex == pytest.approx(0.25, abs=1e-12)


def test_dose_reduction_steps_are_the_label_tables():
    def per_week(lr, drug, level):
        return weekly_mg(lr.reductions[drug].step(level), drug)

    xd = label_regimen("selinexor-dex")
    assert [per_week(xd, "selinexor", k) for k in range(4)] == [160, 100, 80, 60]
    svd = label_regimen("selinexor-bortezomib-dex")
    assert [per_week(svd, "selinexor", k) for k in range(4)] == [100, 80, 60, 40]
    assert [svd.reductions["bortezomib"].step(k).doses(1)[0].amount for k in range(3)] \
        == [1.3, 1.0, 0.7]
    dl = label_regimen("dlbcl")
    assert [per_week(dl, "selinexor", k) for k in range(4)] == [120, 80, 60, 40]
    assert xd.reductions["selinexor"].step(4) is None  # then discontinue
    assert label_regimen("bortezomib-dex").reductions["bortezomib"].levels == 2


def test_reduced_regimen_from_a_time():
    svd = label_regimen("selinexor-bortezomib-dex")
    r = svd.reduced("selinexor", 1, from_h=2 * WEEK_H)
    assert [weekly_mg(r, "selinexor", w) for w in range(4)] == [100, 100, 80, 80]
    assert r.for_drug("btz") == svd.regimen.for_drug("btz")  # other drugs unchanged
    stopped = svd.reduced("selinexor", 4, from_h=WEEK_H)
    assert [weekly_mg(stopped, "selinexor", w) for w in range(3)] == [100, 0, 0]
    with pytest.raises(InputError, match="drug: selinexor-bortezomib-dex has label dose "
                       "reductions for selinexor, bortezomib"):
        svd.reduced("dex", 1)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError, match="regimen: unknown label regimen; known: "
                       "selinexor-dex"):
        label_regimen("selinexor-pomalidomide")


def test_cli_lists_label_regimens_and_expands_a_regimen(tmp_path):
    import json

    from clihelp import run_cli

    from xposim.pharmacology.nmdata import read_dataset

    code, out, err = run_cli("regimen", "list", "--json")
    assert code == 0, err
    listed = {r["name"]: r for r in json.loads(out)}
    assert listed["dlbcl"]["reductions"]["selinexor"]["steps"][1] == \
        "selinexor 40 mg PO days 1,3 weekly"
    code, out, err = run_cli("regimen", "show", "label:selinexor-dex", "--days", "7", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [(r["day"], r["drug"], r["amount_mg"]) for r in rows] == [
        (1, "dexamethasone", 20), (1, "selinexor", 80), (3, "dexamethasone", 20),
        (3, "selinexor", 80)]
    path = tmp_path / "vd.csv"
    code, _, err = run_cli("regimen", "show", "label:bortezomib-dex", "--days", "42",
                           "--nonmem", "--weight", "70", "--height", "170", "--out", str(path))
    assert code == 0, err
    nm = read_dataset(path)
    btz = nm[nm.CMT == 1]  # bortezomib SC depot (VELCADE: 1.3 mg/m² x 1.818 m²)
    assert btz.AMT.tolist() == pytest.approx([1.3 * (170 * 70 / 3600) ** 0.5] * 4)
    assert btz.ADDL.tolist() == [1] * 4 and btz.II.tolist() == [504.0] * 4


@pytest.mark.parametrize("args, message", [
    (["show", "label:dlbcl"], "days: the regimen is open-ended"),
    (["show", "selinexor 80 mg PO weekly x 2 weeks", "--nonmem", "--weight", "70"],
     "height: give both"),
    (["show", "bortezomib 1.3 mg/m2 SC once", "--nonmem"], "height: mg/m2 doses need"),
    (["show", "selinexor 80 mg PO fortnightly"], "regimen: unknown schedule"),
])
def test_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, args, message):
    from clihelp import run_cli

    code, _, err = run_cli("regimen", *args, "--out", str(tmp_path / "x.csv"))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
