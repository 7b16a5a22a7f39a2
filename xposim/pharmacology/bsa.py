"""Body-surface area (m²) from weight and height, for mg/m² doses.

Two formulas (inputs in kg and cm):

- **Mosteller** (default): BSA = sqrt(height × weight / 3600); Mosteller RD, N Engl J Med
  1987;317:1098. The usual oncology pharmacy choice.
- **DuBois**: BSA = 0.007184 × weight^0.425 × height^0.725; DuBois D, DuBois EF, Arch Intern
  Med 1916;17:863-871.

Both are adult formulas (they agree within a few percent for adults of ordinary build and
diverge for the very obese); inputs outside adult ranges (weight 30-250 kg, height
120-230 cm, the limits of :class:`~xposim.pharmacology.pk.population.Covariates`) are
refused rather than extrapolated.
"""

from __future__ import annotations

import math
from typing import Literal

from xposim.errors import InputError
from xposim.model.components import Parameter

BsaFormula = Literal["mosteller", "dubois"]
BSA_FORMULAS: tuple[str, ...] = ("mosteller", "dubois")

_MOSTELLER = "Mosteller RD, N Engl J Med 1987;317:1098"
_DUBOIS = "DuBois D, DuBois EF, Arch Intern Med 1916;17:863-871"

#: Mosteller divisor: BSA[m²] = sqrt(H[cm] × W[kg] / 3600).
MOSTELLER_DIVISOR = Parameter("mosteller_divisor", 3600.0, "dimensionless", _MOSTELLER,
                              "measured", "cm·kg per m⁴ in sqrt(H·W/3600)")
#: DuBois coefficient and exponents: BSA[m²] = 0.007184 × W[kg]^0.425 × H[cm]^0.725.
DUBOIS_COEFFICIENT = Parameter("dubois_coefficient", 0.007184, "dimensionless", _DUBOIS,
                               "measured", "m² per kg^0.425·cm^0.725")
DUBOIS_WEIGHT_EXPONENT = Parameter("dubois_weight_exponent", 0.425, "dimensionless", _DUBOIS,
                                   "measured")
DUBOIS_HEIGHT_EXPONENT = Parameter("dubois_height_exponent", 0.725, "dimensionless", _DUBOIS,
                                   "measured")

#: Accepted adult ranges (kg, cm): the formulas were derived in and are used for adults.
WEIGHT_RANGE_KG: tuple[float, float] = (30.0, 250.0)
HEIGHT_RANGE_CM: tuple[float, float] = (120.0, 230.0)


def _check(field: str, value: object, lo: float, hi: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # type: ignore[arg-type]  # numpy scalars
        except (TypeError, ValueError):
            raise InputError(field, f"must be a number in {unit}", got=repr(value)) from None
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise InputError(field, f"must be between {lo:g} and {hi:g} {unit} for a BSA",
                         got=value)
    return v


def mosteller_bsa(weight_kg: float, height_cm: float) -> float:
    """Body-surface area (m²) by Mosteller 1987: sqrt(height_cm × weight_kg / 3600)."""
    w = _check("weight", weight_kg, *WEIGHT_RANGE_KG, "kg")
    h = _check("height", height_cm, *HEIGHT_RANGE_CM, "cm")
    return math.sqrt(h * w / MOSTELLER_DIVISOR.value)


def dubois_bsa(weight_kg: float, height_cm: float) -> float:
    """Body-surface area (m²) by DuBois & DuBois 1916: 0.007184 × W^0.425 × H^0.725."""
    w = _check("weight", weight_kg, *WEIGHT_RANGE_KG, "kg")
    h = _check("height", height_cm, *HEIGHT_RANGE_CM, "cm")
    return (DUBOIS_COEFFICIENT.value * w ** DUBOIS_WEIGHT_EXPONENT.value
            * h ** DUBOIS_HEIGHT_EXPONENT.value)


def bsa_m2(weight_kg: float, height_cm: float, *, formula: str = "mosteller") -> float:
    """Body-surface area (m²) from weight (kg) and height (cm); ``formula`` is
    ``"mosteller"`` (default) or ``"dubois"``."""
    key = str(formula).strip().lower().replace(" ", "").replace("_", "")
    if key == "mosteller":
        return mosteller_bsa(weight_kg, height_cm)
    if key in ("dubois", "du-bois"):
        return dubois_bsa(weight_kg, height_cm)
    raise InputError("bsa_formula", f"must be one of {', '.join(BSA_FORMULAS)}", got=formula)
