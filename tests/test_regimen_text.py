"""The regimen text form: what each phrase means (dose times derived by hand from the
schedule words), errors that name the offending word, and the text round trip."""

from __future__ import annotations

import pytest

from xposim.errors import InputError
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.label_regimens import all_label_regimens
from xposim.pharmacology.regimen import Regimen, parse_regimen, regimen_to_text


def days_of(text, until_days=400, drug=None):
    r = parse_regimen(text)
    if drug:
        r = r.for_drug(drug)
    return [d.time_h / 24 + 1 for d in r.doses(until_days * 24.0)]


@pytest.mark.parametrize("text, days", [
    ("selinexor 80 mg PO once", [1]),
    ("selinexor 80 mg PO once on day 3", [3]),
    ("selinexor 80 mg PO days 1,3 weekly x 2 weeks", [1, 3, 8, 10]),
    ("selinexor 80mg po biw x 2 weeks", [1, 3, 8, 10]),
    ("selinexor 80 mg PO twice weekly x 14 days", [1, 3, 8, 10]),
    ("selinexor 60 mg PO weekly x 3 weeks", [1, 8, 15]),
    ("dex 20 mg PO days 1-2,4-5 weekly x 1 cycles", [1, 2, 4, 5]),
    ("bortezomib 1.3 mg/m2 SC days 1,4,8,11 q21d x 2 cycles", [1, 4, 8, 11, 22, 25, 29, 32]),
    ("bortezomib 1.3 mg/m2 SC days 1,4,8,11 of each 21-day cycle x 1 cycles", [1, 4, 8, 11]),
    ("bortezomib 1.3 mg/m2 SC weekly 4 weeks on 1 week off x 2 cycles",
     [1, 8, 15, 22, 36, 43, 50, 57]),
    ("bortezomib 1.3 mg/m2 SC weekly 4 on 1 off x 1 cycles", [1, 8, 15, 22]),
    ("bortezomib 1.3 mg/m2 SC weekly 4 weeks on / 1 week off x 1 cycles", [1, 8, 15, 22]),
    ("dex 20 mg PO daily x 3 days", [1, 2, 3]),
    ("dex 20 mg PO q2d x 3 doses", [1, 3, 5]),
    ("selinexor 80 mg PO from day 8 weekly x 2 weeks", [8, 15]),
    ("selinexor 80 mg PO weekly x 2 weeks then selinexor 60 mg PO weekly x 2 weeks",
     [1, 8, 15, 22]),
    ("selinexor 80 mg PO once then after 6 days selinexor 60 mg PO once", [1, 7]),
])
def test_phrases_mean_what_they_say(text, days):
    assert days_of(text) == days


def test_hours_infusions_and_options():
    r = parse_regimen("selinexor 80 mg PO every 12 h x 4 doses")
    assert [d.time_h for d in r.doses()] == [0, 12, 24, 36] and r.end_h == 48
    inf = parse_regimen("dex 8 mg IV over 0.5 h once").doses()[0]
    assert inf.duration_h == 0.5 and inf.route == "IV"
    rate = parse_regimen("dex 8 mg IV rate 16 mg/h once").doses()[0]
    assert rate.rate == 16
    # rates and amounts in other units are converted through xposim.model.units
    g = parse_regimen("dex 0.008 g IV rate 0.016 g/h once").doses()[0]
    assert (g.amount, g.unit, g.rate) == (8.0, "mg", 16.0)
    assert parse_regimen("dex 8 mg IV rate 0.25 mg/min once").doses()[0].rate == 15.0
    m2 = parse_regimen("bortezomib 1.3 mg/m² IV rate 2.6 mg/m^2/h once").doses()[0]
    assert (m2.unit, m2.rate) == ("mg/m2", 2.6)
    with pytest.raises(InputError, match=r"the rate unit must be mg/h .*: 'mg/m2/h'"):
        parse_regimen("dex 8 mg IV rate 16 mg/m2/h once")
    with pytest.raises(InputError, match=r"the rate unit must be mg/h .*: 'mg'"):
        parse_regimen("dex 8 mg IV once rate 16 mg")
    lag = parse_regimen("selinexor 80 mg PO lag 0.5 h F 0.9 once at 6 h").doses()[0]
    assert (lag.time_h, lag.lag_h, lag.f) == (6.0, 0.5, 0.9)
    assert parse_regimen("selinexor 80 mg PO q12h x 2 doses ss 1").records[0].ss == 1
    # open-ended schedules (label "until progression")
    assert parse_regimen("selinexor 80 mg PO days 1,3 weekly").open_ended


def test_two_drugs_with_plus_and_per_drug_parts():
    r = parse_regimen("selinexor 100 mg PO weekly + bortezomib 1.3 mg/m2 SC weekly 4 on 1 off"
                      " + dex 20 mg PO days 1,2 weekly")
    assert r.drugs == ("bortezomib", "dexamethasone", "selinexor")
    assert days_of(regimen_to_text(r), 35, "bortezomib") == [1, 8, 15, 22]
    assert days_of(regimen_to_text(r), 35, "selinexor") == [1, 8, 15, 22, 29]


@pytest.mark.parametrize("text, message", [
    ("", "regimen: is required"),
    ("selinexor eighty mg PO once", "regimen: amount must be a number: 'eighty'"),
    ("selinexor 80 mg PO sometimes", "regimen: unknown schedule .*: 'sometimes'"),
    ("selinexor 80 mg IM once", "route: must be PO, IV or SC"),
    ("aspirin 80 mg PO once", "drug: unknown drug"),
    ("selinexor -80 mg PO once", "dose: must be > 0 mg"),
    ("selinexor 80 mg PO days 3,1 weekly", "days must be increasing whole numbers"),
    ("selinexor 80 mg PO days 1,9 weekly", "must fall within the 7-day cycle"),
    ("selinexor 80 mg PO days 1,3", "give the period"),
    ("selinexor 80 mg PO weekly x 2 fortnights", "repeat unit must be .*: 'fortnights'"),
    ("selinexor 80 mg PO weekly then dex 20 mg PO once", "then: an open-ended regimen"),
    ("selinexor 80 mg PO once banana", "unexpected word: 'banana'"),
    ("selinexor 80 mg PO once x 3 doses", "'once' cannot repeat"),
    ("80 mg selinexor PO once", "start with the drug name"),
    ("selinexor 80 mg PO daily 2 on 1 off", "needs a weekly schedule"),
    ("selinexor 80 mg PO once + ", "empty part"),
])
def test_errors_name_the_offending_word(text, message):
    with pytest.raises(InputError, match=message):
        parse_regimen(text)


def test_round_trip_of_label_and_built_regimens():
    for lr in all_label_regimens():
        assert parse_regimen(regimen_to_text(lr.regimen)) == lr.regimen, lr.name
    built = (Regimen.of(Dose("selinexor", 80, time_h=3.5), ii_h=30.25, addl=3)
             + Regimen.of(Dose("dex", 20, route="IV", rate=40), ii_h=24, until_h=100)
             ).then(Regimen.on_off(Dose("btz", 1.3, "mg/m2", "SC"), on_weeks=2, off_weeks=1,
                                   cycles=2), gap_h=7)
    assert parse_regimen(regimen_to_text(built)) == built
