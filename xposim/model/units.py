"""Units: parsing, canonical internal units, and conversion at the edges.

Internal (canonical) units are built from hour (h), nanomole (nmol), milligram (mg) and
litre (L); a concentration is therefore nM (nmol/L) and a rate constant 1/h or 1/(nM·h).
Parameters keep the unit of their source; the kernel converts them to canonical units
when it writes the model. Mass <-> molar conversions need a molecular weight and happen
only here (:func:`mass_to_molar`).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

from xposim.errors import InputError


@lru_cache(maxsize=1)
def unit_registry() -> pint.UnitRegistry:
    """The one unit registry of the package, built on first use (building it takes ~0.1 s,
    so importing xposim does not)."""
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("cells = [cell_count] = cell")
    return ureg


class _LazyRegistry:
    """Stands for :func:`unit_registry` until first use: ``UREG.Quantity`` etc. forward."""

    def __getattr__(self, name: str) -> Any:
        return getattr(unit_registry(), name)


#: The one unit registry of the package (read-only use; units are never redefined).
UREG: pint.UnitRegistry = _LazyRegistry()  # type: ignore[assignment]

_CANONICAL_BASE = {
    "[time]": ("hour", "h"),
    "[substance]": ("nanomole", "nmol"),
    "[mass]": ("milligram", "mg"),
    "[cell_count]": ("cells", "cells"),
}

_ALIASES = {"µ": "u", "μ": "u", "·": "*", "−": "-", "²": "**2", "³": "**3"}


def _normalise(unit: str) -> str:
    text = unit.strip()
    for a, b in _ALIASES.items():
        text = text.replace(a, b)
    text = re.sub(r"\^", "**", text)
    return text or "dimensionless"


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> pint.Unit:
    """Parse a unit string such as ``"1/uM/s"``, ``"ng/mL"``, ``"mg/m^2"``."""
    try:
        return UREG.parse_units(_normalise(unit))
    except Exception as exc:  # pint raises several types
        raise InputError("unit", "not a recognised unit (e.g. nM, ng/mL, 1/h, L/h)",
                         got=unit) from exc


def is_dimensionless(unit: str) -> bool:
    return parse_unit(unit).dimensionless


@lru_cache(maxsize=1024)
def canonical_unit(unit: str) -> tuple[str, float]:
    """Return (canonical unit string, factor) with value_canonical = factor * value.

    Canonical units: h, nmol, mg, L (m for lengths that are not volumes), cells;
    amount per volume is written nM.
    """
    parsed = parse_unit(unit)
    dims = {str(k): float(v) for k, v in parsed.dimensionality.items()}
    exps: dict[str, float] = {}
    for dim, (_, symbol) in _CANONICAL_BASE.items():
        exps[symbol] = dims.pop(dim, 0.0)
    length = dims.pop("[length]", 0.0)
    if dims:
        raise InputError("unit", "has dimensions xposim cannot represent", got=unit)
    if length % 3 == 0:
        exps["L"] = length / 3
    else:
        exps["m"] = length
    pint_name = {"h": "hour", "nmol": "nanomole", "mg": "milligram", "cells": "cells",
                 "L": "liter", "m": "meter"}
    target = " * ".join(f"{pint_name[s]}**{e:g}" for s, e in exps.items() if e) or "dimensionless"
    factor = float(UREG.Quantity(1.0, parsed).to(target).magnitude)
    # amount per volume reads as a molar concentration
    if exps.get("nmol") and exps.get("L") == -exps["nmol"]:
        exps["nM"] = exps.pop("nmol")
        exps.pop("L")
    order = ["mg", "nM", "nmol", "cells", "L", "m", "h"]
    numer = [_power(s, exps[s]) for s in order if exps.get(s, 0) > 0]
    denom = [_power(s, -exps[s]) for s in order if exps.get(s, 0) < 0]
    text = "*".join(numer) or "1"
    if denom:
        text += "/" + (denom[0] if len(denom) == 1 else "(" + "*".join(denom) + ")")
    return text, factor


def _power(symbol: str, exponent: float) -> str:
    return symbol if exponent == 1 else f"{symbol}^{exponent:g}"


def to_canonical(value: float, unit: str) -> float:
    """Convert ``value`` in ``unit`` to the canonical unit of the same dimension."""
    return value * canonical_unit(unit)[1]


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert between two units of the same dimension (raises InputError otherwise)."""
    try:
        return float(UREG.Quantity(value, parse_unit(from_unit)).to(parse_unit(to_unit)).magnitude)
    except pint.DimensionalityError as exc:
        raise InputError("unit", f"cannot convert {from_unit} to {to_unit} (unit mismatch)",
                         got=from_unit) from exc


def same_dimension(a: str, b: str) -> bool:
    return parse_unit(a).dimensionality == parse_unit(b).dimensionality


_QTY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s].*)?$")


def parse_quantity(text: str, *, field: str, expect: str | None = None) -> tuple[float, str]:
    """Parse ``"100nM"`` / ``"1.3 mg/m^2"`` into (value, unit).

    The unit is required. With ``expect`` (a unit), the unit must have the same dimension.
    """
    match = _QTY.match(str(text))
    if not match:
        raise InputError(field, "must be a number followed by a unit (e.g. 100nM)", got=text)
    value = float(match.group(1))
    unit = (match.group(2) or "").strip()
    if not unit:
        raise InputError(field, "needs a unit (e.g. 100nM, 0.1uM, 44ng/mL)", got=text)
    try:
        parse_unit(unit)
    except InputError as exc:
        raise InputError(field, f"unknown unit '{unit}'", got=text) from exc
    if expect is not None and not same_dimension(unit, expect) and not (
        _is_mass_conc(unit) and _is_molar_conc(expect)
    ):
        raise InputError(field, f"unit must be convertible to {expect}", got=text)
    if not math.isfinite(value):
        raise InputError(field, "must be finite", got=text)
    return value, unit


def _is_mass_conc(unit: str) -> bool:
    return parse_unit(unit).dimensionality == UREG.parse_units("mg/L").dimensionality


def _is_molar_conc(unit: str) -> bool:
    return parse_unit(unit).dimensionality == UREG.parse_units("nM").dimensionality


def concentration_to_nM(value: float, unit: str, *, mw_g_per_mol: float | None,
                        field: str = "concentration") -> float:
    """Convert a molar or mass concentration to nM (mass needs the molecular weight)."""
    if _is_molar_conc(unit):
        return convert(value, unit, "nM")
    if _is_mass_conc(unit):
        if mw_g_per_mol is None:
            raise InputError(field, "a mass concentration needs the drug's molecular weight",
                             got=f"{value} {unit}")
        return mass_to_molar(convert(value, unit, "ng/mL"), mw_g_per_mol)
    raise InputError(field, "must be a concentration (nM, uM, ng/mL ...)", got=f"{value} {unit}")


def mass_to_molar(ng_per_ml: float, mw_g_per_mol: float) -> float:
    """ng/mL -> nM for a molecular weight in g/mol (1 ng/mL = 1e3/MW nM)."""
    return ng_per_ml * 1e3 / mw_g_per_mol


def molar_to_mass(nM: float, mw_g_per_mol: float) -> float:
    """nM -> ng/mL for a molecular weight in g/mol."""
    return nM * mw_g_per_mol / 1e3


def si_decomposition(unit: str) -> tuple[float, dict[str, float]]:
    """(factor, {SI base unit: exponent}) with 1 unit = factor * product(base**exp).

    Used to write SBML unit definitions (kilogram, metre, second, mole, item).
    """
    q = UREG.Quantity(1.0, parse_unit(unit)).to_base_units()
    bases = {str(k): float(v) for k, v in q.units._units.items()}
    return float(q.magnitude), bases


# --------------------------------------------------------------------------- conversions
# The functions below are the one path for unit conversions outside the kernel: code in
# model and pharmacology converts by naming units, never by bare factors (``* 1e3``).

#: Hours per day and per week (exact by the definitions of day and week; a test checks
#: them against the unit registry). Named so that day arithmetic of schedules needs no
#: unit registry at import.
HOURS_PER_DAY: float = 24.0
HOURS_PER_WEEK: float = 168.0

# Body-surface-area doses are written mg/m2 in clinical text: "m2" after a separator is
# square metres.
_CLINICAL_SQUARE_METRE = re.compile(r"(?<![A-Za-z0-9_])m2(?![A-Za-z0-9_])")


def clinical_unit(unit: str) -> str:
    """The registry spelling of a clinical unit text (``mg/m2`` -> ``mg/m**2``; spaces
    dropped). Other spellings pass unchanged."""
    return _CLINICAL_SQUARE_METRE.sub("m**2", str(unit).replace(" ", ""))


@lru_cache(maxsize=1024)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Factor f with value_in_to_unit = f × value_in_from_unit (same dimension; clinical
    spellings such as ``mg/m2`` accepted); multiply NumPy arrays by it. Raises InputError
    on a dimension mismatch."""
    factor = convert(1.0, clinical_unit(from_unit), clinical_unit(to_unit))
    # the registry's float arithmetic leaves 999.9999999999999 for mg/L -> ng/mL; unit
    # factors are exact to 15 digits, so rounding there restores the exact value
    return float(f"{factor:.15g}")


@lru_cache(maxsize=1024)
def _first_match(unit: str, choices: tuple[str, ...]) -> tuple[float, str] | None:
    try:
        parsed = parse_unit(clinical_unit(unit))
    except InputError:
        return None
    for choice in choices:
        if parsed.dimensionality == parse_unit(clinical_unit(choice)).dimensionality:
            return conversion_factor(unit, choice), choice
    return None


def convert_to_one_of(value: float, unit: str, choices: tuple[str, ...], *,
                      field: str) -> tuple[float, str]:
    """(value, choice): ``value`` in ``unit`` converted to the first of ``choices`` of the
    same dimension, e.g. ``(0.08, "g", ("mg", "mg/m2"))`` -> ``(80.0, "mg")``. Raises
    InputError naming ``field`` when no choice matches."""
    if unit in choices:
        return float(value), unit
    match = _first_match(str(unit), tuple(choices))
    if match is None:
        raise InputError(field, f"must be {' or '.join(choices)} (or another unit of the "
                         "same dimension)", got=unit)
    factor, choice = match
    return float(value) * factor, choice


def mass_to_substance(value: float, mass_unit: str, mw_g_per_mol: float,
                      substance_unit: str = "nmol") -> float:
    """An amount of mass (``value`` in ``mass_unit``) in moles (``substance_unit``) for a
    molecular weight in g/mol."""
    if not mw_g_per_mol > 0:
        raise InputError("molecular weight", "must be > 0 g/mol", got=mw_g_per_mol)
    grams = value * conversion_factor(mass_unit, "g")
    return grams / mw_g_per_mol * conversion_factor("mol", substance_unit)
