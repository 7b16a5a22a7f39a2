"""Body-surface area: Mosteller (N Engl J Med 1987;317:1098) and DuBois (Arch Intern Med
1916;17:863) against hand-computed values of their closed forms."""

from __future__ import annotations

import math

import pytest

from xposim.errors import InputError
from xposim.pharmacology.bsa import bsa_m2, dubois_bsa, mosteller_bsa


def test_mosteller_closed_form():
    # sqrt(180 * 80 / 3600) = sqrt(4) = 2 exactly
    assert mosteller_bsa(80.0, 180.0) == pytest.approx(2.0, rel=1e-12)
    # 170 cm, 70 kg: sqrt(11900 / 3600) = 1.8181 m² (the usual worked example, 1.82 m²)
    assert mosteller_bsa(70.0, 170.0) == pytest.approx(math.sqrt(11900 / 3600), rel=1e-12)
    assert round(mosteller_bsa(70.0, 170.0), 2) == 1.82
    assert bsa_m2(70.0, 170.0) == mosteller_bsa(70.0, 170.0)  # Mosteller is the default


def test_dubois_closed_form_and_agreement_with_mosteller():
    # 0.007184 * 70^0.425 * 170^0.725, by hand via logs: exp(ln 0.007184 + 0.425 ln 70
    # + 0.725 ln 170) = exp(-4.93589 + 1.80563 + 3.72345) = 1.8097 m²
    assert dubois_bsa(70.0, 170.0) == pytest.approx(1.8097, abs=5e-4)
    assert bsa_m2(70.0, 170.0, formula="DuBois") == dubois_bsa(70.0, 170.0)
    # the two agree within 2% for ordinary adults (published comparisons: within 1-2%)
    for w, h in ((55, 160), (70, 170), (85, 182)):
        assert abs(dubois_bsa(w, h) / mosteller_bsa(w, h) - 1) < 0.02
    # and DuBois gives less than Mosteller for the obese (Verbraecken et al., Metabolism
    # 2006;55:515: DuBois underestimates BSA in obese adults)
    assert dubois_bsa(150.0, 170.0) < mosteller_bsa(150.0, 170.0)


@pytest.mark.parametrize("args, kwargs, message", [
    ((10.0, 170.0), {}, "weight: must be between 30 and 250 kg"),
    ((70.0, 300.0), {}, "height: must be between 120 and 230 cm"),
    ((float("nan"), 170.0), {}, "weight: must be between"),
    (("heavy", 170.0), {}, "weight: must be a number"),
    ((70.0, 170.0), {"formula": "boyd"}, "bsa_formula: must be one of mosteller, dubois"),
])
def test_bad_input_names_the_field(args, kwargs, message):
    with pytest.raises(InputError, match=message):
        bsa_m2(*args, **kwargs)
