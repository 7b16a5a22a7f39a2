"""The one unit path (xposim.model.units): factors from the unit registry, exact for
decimal prefixes; clinical spellings (mg/m2); mass to substance by molecular weight."""

from __future__ import annotations

import pytest

from xposim.errors import InputError
from xposim.model.units import (
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    clinical_unit,
    conversion_factor,
    convert,
    convert_to_one_of,
    mass_to_molar,
    mass_to_substance,
)


def test_named_time_constants_are_the_registry_values():
    assert convert(1.0, "day", "h") == HOURS_PER_DAY
    assert HOURS_PER_WEEK == convert(1.0, "week", "h") == 7 * HOURS_PER_DAY


def test_decimal_factors_are_exact():
    # the registry alone gives 999.9999999999999 for mg/L -> ng/mL
    assert conversion_factor("mg/L", "ng/mL") == 1000.0
    assert conversion_factor("ug", "mg") == 0.001
    assert conversion_factor("g/h", "mg/h") == 1000.0
    assert conversion_factor("lb", "g") == 453.59237  # exact by definition (15 digits)
    with pytest.raises(InputError, match="cannot convert mg to h"):
        conversion_factor("mg", "h")


@pytest.mark.parametrize("unit, want", [
    ("mg/m2", "mg/m**2"), ("mg / m2", "mg/m**2"), ("mg/m2/h", "mg/m**2/h"),
    ("m2", "m**2"), ("mg", "mg"), ("mm2", "mm2"), ("mg/m^2", "mg/m^2"),
])
def test_clinical_square_metres(unit, want):
    assert clinical_unit(unit) == want


@pytest.mark.parametrize("value, unit, want", [
    (80.0, "mg", (80.0, "mg")),
    (0.08, "g", (80.0, "mg")),
    (1300.0, "ug/m^2", (1.3, "mg/m2")),
    (1300.0, "µg/m²", (1.3, "mg/m2")),
    (1300.0, "ug/m2", (1.3, "mg/m2")),
    (1.3, "mg / m2", (1.3, "mg/m2")),
])
def test_convert_to_one_of_the_dose_units(value, unit, want):
    got = convert_to_one_of(value, unit, ("mg", "mg/m2"), field="dose.unit")
    assert got == (pytest.approx(want[0], rel=1e-15), want[1])


def test_convert_to_one_of_names_the_field():
    with pytest.raises(InputError, match=r"dose.unit: must be mg or mg/m2 .*got 'mL'"):
        convert_to_one_of(1.0, "mL", ("mg", "mg/m2"), field="dose.unit")
    with pytest.raises(InputError, match="rate: must be mg/h"):
        convert_to_one_of(1.0, "parsecs", ("mg/h",), field="rate")


def test_mass_to_substance_and_concentration_agree():
    # 1 mg of a 1000 g/mol drug is 1 µmol = 1000 nmol; 1 ng/mL of it is 1 nM
    assert mass_to_substance(1.0, "mg", 1000.0) == 1000.0
    assert mass_to_substance(1.0, "mg", 1000.0, "umol") == 1.0
    assert mass_to_molar(1.0, 1000.0) == pytest.approx(1.0)
    with pytest.raises(InputError, match="molecular weight"):
        mass_to_substance(1.0, "mg", 0.0)
