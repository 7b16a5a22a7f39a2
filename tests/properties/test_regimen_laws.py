"""Laws of regimens for any regimen (Hypothesis): the text form and a NONMEM dataset
written and read back give the same regimen; ``+`` is commutative; ADDL expands to the
explicit doses (NONMEM UG: ADDL additional doses at II intervals after TIME)."""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, given, settings, strategies as st

from xposim.pharmacology.dose import Dose
from xposim.pharmacology.nmdata import read_dataset, write_dataset
from xposim.pharmacology.pk import dose_compartments
from xposim.pharmacology.regimen import (
    Regimen,
    parse_regimen,
    regimen_from_nonmem,
    regimen_to_nonmem,
    regimen_to_text,
)

FAST = settings(max_examples=int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25")),
                deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROUTES = {"selinexor": ("PO",), "dexamethasone": ("PO", "IV"), "bortezomib": ("IV", "SC")}
times = st.one_of(st.integers(0, 30).map(lambda d: 24.0 * d),
                  st.floats(0.0, 500.0, allow_nan=False, allow_infinity=False))
amounts = st.one_of(st.sampled_from([0.7, 1.0, 1.3, 20.0, 40.0, 60.0, 80.0, 100.0]),
                    st.floats(0.01, 1000.0, allow_nan=False, allow_infinity=False))


@st.composite
def doses(draw, *, per_m2: bool = True, infusions: bool = True) -> Dose:
    drug = draw(st.sampled_from(sorted(ROUTES)))
    route = draw(st.sampled_from(ROUTES[drug]))
    unit = draw(st.sampled_from(["mg", "mg/m2"])) if per_m2 else "mg"
    rate = draw(st.one_of(st.none(), st.floats(0.5, 100.0))) if infusions and route == "IV" \
        else None
    return Dose(drug, draw(amounts), unit, route, draw(times), rate=rate)


@st.composite
def parts(draw, *, open_ok: bool = True, **dose_kw) -> Regimen:
    d = draw(doses(**dose_kw))
    kind = draw(st.sampled_from(["once", "addl", "until", "schedule", "onoff"]
                                + (["forever"] if open_ok else [])))
    ii = draw(st.one_of(st.sampled_from([12.0, 24.0, 48.0, 168.0]),
                        st.floats(0.5, 400.0, allow_nan=False)))
    if kind == "once":
        return Regimen.of(d)
    if kind == "addl":
        ss = draw(st.sampled_from([0, 0, 1, 2]))
        return Regimen((replace(d, ii_h=ii, addl=draw(st.integers(0, 6)), ss=ss),))
    if kind == "until":
        return Regimen.of(d, ii_h=ii, until_h=d.time_h + draw(st.floats(1.0, 2000.0)))
    if kind == "forever":
        return Regimen.of(d, ii_h=ii, forever=True)
    period = draw(st.sampled_from([7, 14, 21, 28, 35]))
    cycles = draw(st.one_of(st.none(), st.integers(1, 4))) if open_ok \
        else draw(st.integers(1, 4))
    if kind == "schedule":
        days = sorted(draw(st.sets(st.integers(1, period), min_size=1, max_size=5)))
        return Regimen.schedule(d, days=days, every_days=period, cycles=cycles)
    return Regimen.on_off(d, on_weeks=draw(st.integers(1, 3)),
                          off_weeks=draw(st.integers(0, 2)), cycles=cycles)


@st.composite
def regimens(draw, *, open_ok: bool = True, **dose_kw) -> Regimen:
    reg = draw(parts(open_ok=False, **dose_kw))
    for _ in range(draw(st.integers(0, 2))):
        nxt = draw(parts(open_ok=open_ok, **dose_kw))
        if draw(st.booleans()) and not reg.open_ended:
            reg = reg.then(nxt, gap_h=draw(st.sampled_from([0.0, 24.0, 7.5])))
        else:
            reg = reg + nxt
    return reg


@FAST
@given(regimens())
def test_text_round_trip(reg):
    assert parse_regimen(regimen_to_text(reg)) == reg


@FAST
@given(regimens(open_ok=False, per_m2=False))
def test_nonmem_round_trip_gives_the_same_regimen(reg):
    cmts = dose_compartments(reg.drugs)
    df = regimen_to_nonmem(reg, cmt_for_route=cmts, id=7)
    back = regimen_from_nonmem(df, cmt_for_route=cmts)
    assert back.records == reg.records  # the dose records; the end time is not a data item
    assert back.doses() == reg.doses()


@FAST
@given(regimens(open_ok=False, per_m2=False))
def test_nonmem_csv_round_trip(tmp_path_factory, reg):
    path = tmp_path_factory.mktemp("nm") / "data.csv"
    cmts = dose_compartments(reg.drugs)
    write_dataset(regimen_to_nonmem(reg, cmt_for_route=cmts), path)
    assert regimen_from_nonmem(read_dataset(path), cmt_for_route=cmts).records == reg.records


@FAST
@given(regimens(), regimens(), st.floats(0.0, 3000.0))
def test_plus_is_commutative_in_the_dose_set(a, b, until):
    assert a + b == b + a
    assert (a + b).doses(until) == (b + a).doses(until)
    key = Dose.sort_key  # a total order on doses
    assert sorted((a + b).doses(until), key=key) == sorted(a.doses(until) + b.doses(until),
                                                           key=key)


@FAST
@given(doses(per_m2=False), st.floats(0.5, 400.0), st.integers(0, 20))
def test_addl_expansion_equals_explicit_doses(d, ii, addl):
    reg = Regimen.of(d, ii_h=ii, addl=addl)
    explicit = tuple(d.at(d.time_h + k * ii) for k in range(addl + 1))
    assert reg.doses() == explicit
    assert Regimen(explicit).doses() == explicit
    cmts = dose_compartments([d.drug])
    expanded = regimen_from_nonmem(regimen_to_nonmem(reg, cmt_for_route=cmts, expand=True),
                                   cmt_for_route=cmts)
    assert expanded.doses() == explicit
    # the same record as one repeated Dose
    assert Regimen((replace(d, ii_h=ii, addl=addl),)).doses() == explicit
