"""Dose and Regimen: construction rules, expansion, algebra, NONMEM records.

Expected values are derived by hand from the schedule definitions (mrgsolve event
semantics: ``addl`` additional doses every ``ii``; ``until`` = doses strictly before that
time, mrgsolve ``ev()`` reference) and the XPOVIO US label §2 weekly totals.
"""

from __future__ import annotations

import pandas as pd
import pytest

from xposim.errors import InputError
from xposim.pharmacology.dose import Dose, DoseRecord
from xposim.pharmacology.nmdata import read_dataset, write_dataset
from xposim.pharmacology.pk import dose_compartments
from xposim.pharmacology.regimen import Regimen, regimen_from_nonmem, regimen_to_nonmem

SEL = Dose("selinexor", 80.0)
BTZ = Dose("btz", 1.3, "mg/m2", "SC")


def to_nm(reg, **kw):
    """NONMEM records with the built-in PK models' compartment numbering."""
    return regimen_to_nonmem(reg, cmt_for_route=dose_compartments(reg.drugs), **kw)


def from_nm(data, drugs, **kw):
    return regimen_from_nonmem(data, cmt_for_route=dose_compartments(drugs), **kw)


def times(reg, until=None):
    return [d.time_h for d in reg.doses(until)]


def test_dose_normalises_and_validates():
    d = Dose("XPOVIO", 0.08, "g", "po", time_h=12)
    assert (d.drug, d.amount, d.unit, d.route, d.time_h) == ("selinexor", 80.0, "mg", "PO", 12.0)
    b = Dose("bortezomib", 1300, "ug/m^2", "SC")
    assert (b.amount, b.unit) == (pytest.approx(1.3), "mg/m2")
    assert BTZ.amount_mg(2.0) == pytest.approx(2.6)
    assert BTZ.resolved(2.0) == Dose("bortezomib", 2.6, "mg", "SC")
    assert Dose("dex", 20, route="IV", duration_h=0.5).infusion_duration_h() == 0.5
    assert Dose("dex", 20, route="IV", rate=40).infusion_duration_h() == 0.5


@pytest.mark.parametrize("kwargs, message", [
    ({"drug": "selinexor", "amount": -80}, "dose: must be > 0 mg"),
    ({"drug": "aspirin", "amount": 80}, "drug: unknown drug"),
    ({"drug": "selinexor", "amount": 80, "route": "IM"}, "route: must be PO, IV or SC"),
    ({"drug": "selinexor", "amount": 80, "unit": "mL"}, "dose.unit: must be mg or mg/m2"),
    ({"drug": "selinexor", "amount": 80, "time_h": -1}, "dose.time: must be >= 0 h"),
    ({"drug": "selinexor", "amount": 80, "f": 1.5}, "dose.f: bioavailability"),
    ({"drug": "dex", "amount": 20, "rate": 1, "duration_h": 1}, "dose.rate: give"),
    ({"drug": "dex", "amount": 20, "lag_h": -1}, "dose.lag: must be >= 0 h"),
])
def test_bad_doses_name_the_field(kwargs, message):
    with pytest.raises(InputError, match=message):
        Dose(**kwargs)
    with pytest.raises(InputError, match="height: mg/m2 doses need"):
        BTZ.amount_mg(None)


def test_addl_until_forever():
    assert times(Regimen.of(SEL, ii_h=24, addl=3)) == [0, 24, 48, 72]
    # until: doses strictly before it (168 h -> days 1-7), and the regimen ends there
    r = Regimen.of(SEL, ii_h=24, until_h=168)
    assert times(r) == [24.0 * k for k in range(7)] and r.end_h == 168
    assert times(Regimen.of(SEL, ii_h=24, until_h=169)) == [24.0 * k for k in range(8)]
    f = Regimen.of(SEL, ii_h=48, forever=True)
    assert f.open_ended and f.end_h is None
    assert times(f, 200) == [0, 48, 96, 144, 192]
    with pytest.raises(InputError, match="until: an open-ended regimen needs a horizon"):
        f.doses()
    with pytest.raises(InputError, match="ii: repeated doses"):
        Dose("selinexor", 80.0, addl=2)


def test_a_dose_carries_its_repetition():
    # a Dose with II/ADDL is a regimen record (NONMEM dose record, mrgsolve ev(ii, addl))
    rep = Dose("selinexor", 80.0, time_h=12, ii_h=48, addl=2)
    assert rep.times() == [12, 60, 108] and rep.end_h() == 156 and rep.repeated
    assert [d.time_h for d in rep.administrations()] == [12, 60, 108]
    assert all(not d.repeated for d in rep.administrations())
    assert Regimen.of(rep) == Regimen.of(Dose("selinexor", 80.0, time_h=12), ii_h=48, addl=2)
    assert Regimen((rep,)).doses() == rep.administrations()
    # the compatibility alias DoseRecord(dose, ii, addl, ss) is that Dose
    assert DoseRecord(Dose("selinexor", 80.0, time_h=12), 48.0, 2) == rep
    # an interval without repeats means nothing; the steady-state flag keeps it
    assert Dose("selinexor", 80.0, ii_h=24).ii_h == 0.0
    assert Dose("selinexor", 80.0, ii_h=24, ss=1).ii_h == 24.0
    forever = Dose("selinexor", 80.0, ii_h=24, addl=None)
    assert forever.open_ended and forever.end_h() is None
    assert len(forever.administrations(72)) == 3
    with pytest.raises(InputError, match="until: an open-ended regimen needs a horizon"):
        forever.administrations()
    with pytest.raises(InputError, match="dose: already repeats"):
        Regimen.of(rep, ii_h=24, addl=1)
    with pytest.raises(InputError, match="dose: already repeats"):
        Regimen.schedule(rep, days=(1,), every_days=7)


@pytest.mark.parametrize("kwargs, message", [
    ({"addl": -1, "ii_h": 24}, "addl: must be a whole number >= 0"),
    ({"addl": 1.5, "ii_h": 24}, "addl: must be a whole number >= 0"),
    ({"ii_h": -1, "addl": 1}, "ii: must be >= 0 h"),
    ({"ss": 3, "ii_h": 24}, "ss: must be 0, 1 or 2"),
    ({"ss": 1}, "ii: steady-state doses"),
    ({"addl": None}, "ii: repeated doses"),
])
def test_bad_repetition_names_the_field(kwargs, message):
    with pytest.raises(InputError, match=message):
        Dose("selinexor", 80.0, **kwargs)


def test_other_mass_units_convert_amount_and_rate_together():
    d = Dose("dex", 0.02, "g", "IV", rate=0.04)  # 0.04 g/h
    assert (d.amount, d.unit, d.rate) == (20.0, "mg", pytest.approx(40.0))
    assert d.infusion_duration_h() == pytest.approx(0.5)


def test_schedule_and_on_off_cycles():
    xd = Regimen.schedule(SEL, days=(1, 3), every_days=7, cycles=12)
    assert len(xd.doses()) == 24 and xd.end_h == 12 * 168
    # label Xd: 160 mg per week (XPOVIO US label §2.4 Table 1)
    week = [d.amount for d in xd.doses() if d.time_h < 168]
    assert sum(week) == 160
    # 4 weeks on, 1 off: days 1, 8, 15, 22 of each 35-day cycle
    onoff = Regimen.on_off(BTZ, on_weeks=4, off_weeks=1, cycles=2)
    assert [t / 24 + 1 for t in times(onoff)] == [1, 8, 15, 22, 36, 43, 50, 57]
    assert onoff.end_h == 2 * 35 * 24
    with pytest.raises(InputError, match="days: must fall within the 7-day cycle"):
        Regimen.schedule(SEL, days=(1, 9), every_days=7)
    with pytest.raises(InputError, match="days: must be increasing"):
        Regimen.schedule(SEL, days=(3, 1), every_days=7)


def test_plus_then_shift_window():
    a = Regimen.schedule(BTZ, days=(1, 4, 8, 11), every_days=21, cycles=8)
    b = Regimen.schedule(BTZ, days=(1, 8, 15, 22), every_days=35, cycles=2)
    seq = a.then(b)
    # 8 x 21-day cycles = 24 weeks: the weekly phase starts on day 169
    assert times(seq)[32] == 168 * 24 and len(seq.doses()) == 32 + 8
    assert seq.end_h == 168 * 24 + 70 * 24
    assert a.then(b, gap_h=24).doses()[32].time_h == 169 * 24
    both = a + Regimen.of(SEL, ii_h=168, addl=3)
    assert both.drugs == ("bortezomib", "selinexor") and both == Regimen.of(
        SEL, ii_h=168, addl=3) + a
    assert both.for_drug("selinexor") .doses() == Regimen.of(SEL, ii_h=168, addl=3).doses()
    assert both.without_drug("selinexor").doses() == a.doses()
    w = Regimen.of(SEL, ii_h=24, forever=True).window(30, 100)
    assert times(w) == [48, 72, 96] and w.end_h == 100
    assert times(Regimen.of(SEL).shift(5)) == [5]
    with pytest.raises(InputError, match="then: an open-ended regimen never ends"):
        Regimen.of(SEL, ii_h=24, forever=True).then(a)


def test_to_nonmem_columns_and_round_trip(tmp_path):
    reg = Regimen.schedule(SEL, days=(1, 3), every_days=7, cycles=4)
    df = to_nm(reg, id=3, covariates={"WT": 70.0})
    assert list(df.columns) == ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL",
                                "SS", "DV", "MDV", "WT"]
    assert df[["TIME", "AMT", "EVID", "CMT", "II", "ADDL"]].values.tolist() == [
        [0, 80, 1, 1, 168, 3], [48, 80, 1, 1, 168, 3]]
    assert from_nm(df, drugs=["selinexor"]).records == reg.records
    # through a CSV file written and read by nmdata
    path = write_dataset(df, tmp_path / "reg.csv")
    assert from_nm(str(path), drugs=["selinexor"]).records == reg.records
    # expanded: one row per administration, same doses
    ex = to_nm(reg, expand=True)
    assert len(ex) == 8 and (ex.ADDL == 0).all()
    assert from_nm(ex, drugs=["selinexor"]).doses() == reg.doses()
    # mg/m2 needs a BSA; AMT is mg
    with pytest.raises(InputError, match="height: mg/m2 doses need"):
        to_nm(Regimen.of(BTZ))
    assert to_nm(Regimen.of(BTZ), bsa_m2=2.0).AMT.tolist() == [pytest.approx(2.6)]
    # infusion: RATE in mg/h
    inf = Regimen.of(Dose("dex", 20, route="IV", duration_h=0.5))
    assert to_nm(inf).RATE.tolist() == [40.0]
    # open-ended needs a horizon
    with pytest.raises(InputError, match="until"):
        to_nm(Regimen.of(SEL, ii_h=24, forever=True))
    assert to_nm(Regimen.of(SEL, ii_h=24, forever=True), until_h=72).ADDL.tolist() == [2]


def test_two_drugs_get_distinct_compartments():
    reg = Regimen.of(SEL) + Regimen.of(Dose("dex", 20))
    df = to_nm(reg)
    assert df.CMT.nunique() == 2
    back = from_nm(df, drugs=["selinexor", "dexamethasone"])
    assert back.records == reg.records
    custom = regimen_to_nonmem(reg, cmt_for_route={("selinexor", "PO"): 1,
                                                   ("dex", "PO"): 5})
    assert sorted(custom.CMT) == [1, 5]
    assert regimen_from_nonmem(custom, cmt_for_route={("selinexor", "PO"): 1,
                                                      ("dex", "PO"): 5}).records == reg.records
    with pytest.raises(InputError, match="share CMT 1"):
        regimen_to_nonmem(reg, cmt_for_route={"PO": 1})
    # the compartment numbering is the caller's (this layer knows no PK model)
    with pytest.raises(InputError, match="cmt_for_route: say which NONMEM CMT"):
        regimen_to_nonmem(reg)
    with pytest.raises(InputError, match="cmt_for_route: say which NONMEM CMT"):
        regimen_from_nonmem(df)
    assert dose_compartments(["bortezomib"]) == {("bortezomib", "IV"): 3,
                                                 ("bortezomib", "SC"): 1}


@pytest.mark.parametrize("rows, message", [
    ([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1, "II": 0, "ADDL": 2}],
     "row 1: ADDL > 0 needs II > 0"),
    ([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1},
      {"ID": 1, "TIME": 0, "AMT": 80, "EVID": 7, "CMT": 1}], "row 2: EVID must be 0"),
    ([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 9}], "row 1 CMT: is not a dose"),
    ([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1, "RATE": -2}],
     "row 1 RATE: modelled rates"),
    ([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1},
      {"ID": 2, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1}], "id: the dataset has 2"),
    ([{"ID": 1, "TIME": 0, "DV": 5.0, "EVID": 0}], "dataset: has no dose records"),
])
def test_malformed_datasets_name_the_row(rows, message):
    with pytest.raises(InputError, match=message):
        from_nm(pd.DataFrame(rows), drugs=["selinexor"])


def test_observation_rows_are_ignored_and_dose_table():
    df = pd.DataFrame([{"ID": 1, "TIME": 0, "AMT": 80, "EVID": 1, "CMT": 1},
                       {"ID": 1, "TIME": 2, "AMT": 0, "EVID": 0, "CMT": 2, "DV": 500}])
    reg = from_nm(read_dataset(df), drugs=["selinexor"])
    assert reg.doses() == (SEL,)
    tab = (Regimen.of(BTZ, ii_h=72, addl=1) + Regimen.of(SEL)).dose_table(bsa_m2=1.5)
    assert tab.drug.tolist() == ["bortezomib", "selinexor", "bortezomib"]
    assert tab.amount_mg.tolist() == pytest.approx([1.95, 80.0, 1.95])
    assert tab.day.tolist() == [1.0, 1.0, 4.0]
