"""Doses into a model: ``dose_events`` is the one lowering of pharmacology's Dose to the
engine's generic Bolus events (route or cmt -> species, mg/m² × BSA, × F, + lag,
repetition expanded, mg -> the species' amount unit)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.engine import Bolus, Simulator
from xposim.errors import InputError
from xposim.model import Compartment, Module, Parameter, Reaction, Species, compose
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.dose_events import dose_events, dose_species
from xposim.presets.drugs import get_drug

K_EL = 0.2  # 1/h, test value


@pytest.fixture(scope="module")
def model():
    """Oral depot (mg) -> central (mg) -> out, plus a molar depot (nmol) and a
    concentration species (nM) that doses must not enter."""
    return compose(Module(
        name="doses", compartments=[Compartment("body", 1.0, "L")],
        parameters=[Parameter("kel", K_EL, "1/h", "test value", "assumed")],
        species=[Species("gut", "body", 0.0, "mg", amount=True),
                 Species("central", "body", 0.0, "mg", amount=True),
                 Species("gut_nmol", "body", 0.0, "nmol", amount=True),
                 Species("conc", "body", 0.0, "nM")],
        reactions=[Reaction("elim", "kel * central", {"central": 1}, ())]), name="doses")


ROUTES = {"PO": "gut", "IV": "central"}


def test_route_cmt_bsa_f_lag_and_repetition(model):
    doses = [Dose("selinexor", 80.0, time_h=1.0, lag_h=0.5, f=0.9),
             Dose("bortezomib", 1.3, "mg/m2", "IV", time_h=2.0, ii_h=72.0, addl=1),
             Dose("selinexor", 60.0, cmt="central", time_h=3.0)]
    events = dose_events(doses, model, ROUTES, bsa_m2=2.0)
    assert [(e.time, e.target) for e in events] == [(1.5, "gut"), (2.0, "central"),
                                                    (74.0, "central"), (3.0, "central")]
    assert [e.amount for e in events] == pytest.approx([80.0 * 0.9, 1.3 * 2.0, 1.3 * 2.0,
                                                        60.0], rel=1e-15)
    assert all(isinstance(e, Bolus) for e in events)
    open_ended = Dose("selinexor", 80.0, ii_h=24.0, addl=None)
    assert len(dose_events([open_ended], model, ROUTES, until_h=72.0)) == 3


def test_amounts_follow_the_species_unit(model):
    # species amounts are canonical (mg or nmol): a molar species gets mg / MW
    nmol = dose_events([Dose("selinexor", 80.0, cmt="gut_nmol")], model, ROUTES)
    mw = get_drug("selinexor").mw.value  # g/mol, registry (with its source)
    assert nmol[0].amount == pytest.approx(80.0e-3 / mw * 1e9, rel=1e-12)


def test_a_bolus_into_a_clearing_compartment_decays_in_closed_form(model):
    events = dose_events([Dose("dex", 20.0, route="IV", time_h=1.0)], model, ROUTES)
    res = Simulator(model).run([0.0, 1.0, 3.0, 6.0], events=events, outputs=["central"])
    t = np.array([1.0, 3.0, 6.0])
    np.testing.assert_allclose(res["central"][1:], 20.0 * np.exp(-K_EL * (t - 1.0)),
                               rtol=1e-6)
    assert res["central"][0] == 0.0 and math.isfinite(res["central"][-1])


@pytest.mark.parametrize("dose, message", [
    (Dose("selinexor", 80.0, route="SC"), "route: selinexor can be given PO/IV"),
    (Dose("selinexor", 80.0, cmt="liver"), "dose.cmt: not a species of doses"),
    (Dose("selinexor", 80.0, cmt="conc"), "dose.cmt: conc is a concentration species"),
    (Dose("dex", 20.0, route="IV", duration_h=0.5), "dose.rate: infusions are not"),
])
def test_bad_doses_name_the_field(model, dose, message):
    with pytest.raises(InputError, match=message):
        dose_events([dose], model, ROUTES)


def test_mg_per_m2_needs_a_body_surface_area(model):
    with pytest.raises(InputError, match="height: mg/m2 doses need"):
        dose_events([Dose("bortezomib", 1.3, "mg/m2", "IV")], model, ROUTES)
    assert dose_species(Dose("dex", 20.0, route="IV"), model, ROUTES) == "central"
