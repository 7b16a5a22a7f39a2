"""The stored calibrated PK parameters are what the calibration script finds, and they
still reproduce the label targets they were fitted to (calibration-targets.md §1;
XPOVIO US label §12.3)."""

from __future__ import annotations

import pytest

from xposim.pharmacology.pk import calibrate
from xposim.pharmacology.pk.selinexor import IIV, selinexor_pk


def _stored(names):
    module = selinexor_pk().module
    omegas = {p.name: p.value for p in IIV}
    return {n: omegas[n] if n in omegas else module.parameter(n).value for n in names}


def test_refitting_selinexor_typical_values_gives_the_stored_values():
    fitted = calibrate.fit_selinexor_typical()
    stored = _stored(fitted)
    for name, value in fitted.items():
        assert stored[name] == pytest.approx(value, rel=0.01), name


def test_every_calibrated_parameter_says_what_it_was_fitted_to():
    for p in (*selinexor_pk().module.parameters, *IIV):
        if p.kind == "calibrated":
            assert "label" in p.fitted_to.lower(), p.name


@pytest.mark.slow
def test_refitting_selinexor_iiv_gives_the_stored_omegas():
    fitted = calibrate.fit_selinexor_iiv()
    stored = _stored(fitted)
    assert stored["sel_omega_ka"] == pytest.approx(fitted["sel_omega_ka"], abs=0.02)
    assert stored["sel_omega_CL"] == pytest.approx(fitted["sel_omega_CL"], abs=0.02)
