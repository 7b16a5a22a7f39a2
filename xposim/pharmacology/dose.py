"""One administration of one drug: :class:`Dose`.

Amounts are mg (flat) or mg/m² (scaled by the subject's body-surface area when the dose is
given); times are h from the start of the regimen. Other mass units (g, µg) and mass per
area units are converted at construction, so a Dose always holds ``mg`` or ``mg/m2``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from xposim.errors import InputError
from xposim.model.units import convert, parse_unit

ROUTES: tuple[str, ...] = ("PO", "IV", "SC")
AmountUnit = Literal["mg", "mg/m2"]


def _finite(field: str, value: object) -> float:
    if isinstance(value, bool):
        raise InputError(field, "must be a number", got=repr(value))
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field, "must be a number", got=repr(value)) from None
    if not math.isfinite(v):
        raise InputError(field, "must be finite", got=value)
    return v


def normalise_amount(amount: float, unit: str, field: str = "dose") -> tuple[float, AmountUnit]:
    """(amount, unit) in mg or mg/m2 from any mass or mass-per-area unit."""
    text = str(unit).strip().replace("²", "2").replace("^", "").replace(" ", "")
    if text.lower() in ("mg", "mg/m2"):
        return float(amount), "mg" if text.lower() == "mg" else "mg/m2"
    try:
        parsed = parse_unit(text.replace("m2", "m**2"))
    except InputError:
        raise InputError(f"{field}.unit", "must be mg or mg/m2 (or another mass or "
                         "mass-per-area unit)", got=unit) from None
    dims = {str(k): float(v) for k, v in parsed.dimensionality.items()}
    if dims == {"[mass]": 1.0}:
        return convert(float(amount), text, "mg"), "mg"
    if dims == {"[mass]": 1.0, "[length]": -2.0}:
        return convert(float(amount), text.replace("m2", "m**2"), "mg/m**2"), "mg/m2"
    raise InputError(f"{field}.unit", "must be mg or mg/m2 (or another mass or "
                     "mass-per-area unit)", got=unit)


def canonical_drug(name: str) -> str:
    """The registry name of a drug (aliases accepted, e.g. ``dex``)."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("drug", "is required, e.g. selinexor", got=name)
    try:
        return _registry_name(name.strip().lower())
    except InputError as exc:
        raise InputError(exc.field, exc.problem, got=name) from None


@lru_cache(maxsize=256)
def _registry_name(key: str) -> str:
    # the registry is read-only package data, so the lookup can be cached (Doses are
    # made by the thousand when regimens are expanded)
    from xposim.presets.drugs import get_drug

    return get_drug(key).name


@dataclass(frozen=True)
class Dose:
    """One administration.

    ``drug`` registry name or alias; ``amount`` > 0 in ``unit`` (mg or mg/m2); ``route``
    PO, IV or SC; ``time_h`` (h, >= 0). ``cmt`` names the model compartment (species) the
    dose goes into when it is not the route's usual one. An infusion gives either
    ``rate`` (in ``unit`` per h) or ``duration_h``; without either the dose is a bolus.
    ``lag_h`` delays absorption; ``f`` (0-1] is the bioavailable fraction applied on top
    of the model's own.
    """

    drug: str
    amount: float
    unit: str = "mg"
    route: str = "PO"
    time_h: float = 0.0
    cmt: str | None = None
    rate: float | None = None
    duration_h: float | None = None
    lag_h: float = 0.0
    f: float = 1.0

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "drug", canonical_drug(self.drug))
        amount = _finite("dose.amount", self.amount)
        amount, unit = normalise_amount(amount, self.unit)
        if amount <= 0:
            raise InputError("dose", f"must be > 0 {unit}", got=f"{self.amount:g} {self.unit}")
        s(self, "amount", amount)
        s(self, "unit", unit)
        route = str(self.route).strip().upper()
        if route not in ROUTES:
            raise InputError("route", f"must be {', '.join(ROUTES[:-1])} or {ROUTES[-1]}",
                             got=self.route)
        s(self, "route", route)
        t = _finite("dose.time", self.time_h)
        if t < 0:
            raise InputError("dose.time", "must be >= 0 h", got=self.time_h)
        s(self, "time_h", t + 0.0)  # -0.0 -> 0.0
        if self.cmt is not None and (not isinstance(self.cmt, str) or not self.cmt.strip()):
            raise InputError("dose.cmt", "must name a compartment (species)", got=self.cmt)
        if self.rate is not None and self.duration_h is not None:
            raise InputError("dose.rate", "give an infusion rate or a duration, not both",
                             got=self.rate)
        for name in ("rate", "duration_h"):
            v = getattr(self, name)
            if v is not None:
                v = _finite(f"dose.{name}", v)
                if v <= 0:
                    raise InputError(f"dose.{name}", "must be > 0", got=getattr(self, name))
                s(self, name, v)
        lag = _finite("dose.lag", self.lag_h)
        if lag < 0:
            raise InputError("dose.lag", "must be >= 0 h", got=self.lag_h)
        s(self, "lag_h", lag + 0.0)
        f = _finite("dose.f", self.f)
        if not 0.0 < f <= 1.0:
            raise InputError("dose.f", "bioavailability must be in (0, 1]", got=self.f)
        s(self, "f", f)

    @property
    def is_infusion(self) -> bool:
        return self.rate is not None or self.duration_h is not None

    @property
    def per_m2(self) -> bool:
        return self.unit == "mg/m2"

    def at(self, time_h: float) -> Dose:
        """The same dose at another time (h)."""
        return replace(self, time_h=time_h)

    def _at_checked_time(self, time_h: float) -> Dose:
        # for expansion of a validated record, whose times are finite and >= 0: skips
        # re-validating every field (expansion makes thousands of doses per subject)
        new = copy.copy(self)
        object.__setattr__(new, "time_h", float(time_h) + 0.0)
        return new

    def amount_mg(self, bsa_m2: float | None = None) -> float:
        """Amount in mg (mg/m2 doses are multiplied by ``bsa_m2``, m²)."""
        if not self.per_m2:
            return self.amount
        if bsa_m2 is None:
            raise InputError("height", "mg/m2 doses need the body-surface area: give "
                             "weight and height", got=f"{self.drug} {self.amount:g} mg/m2")
        b = _finite("bsa", bsa_m2)
        if b <= 0:
            raise InputError("bsa", "must be > 0 m²", got=bsa_m2)
        return self.amount * b

    def resolved(self, bsa_m2: float | None) -> Dose:
        """The dose in mg for a subject of ``bsa_m2`` (m²); flat doses are unchanged."""
        if not self.per_m2:
            return self
        mg = self.amount_mg(bsa_m2)  # raises without a BSA
        rate = None if self.rate is None else self.rate * mg / self.amount
        return replace(self, amount=mg, unit="mg", rate=rate)

    def infusion_duration_h(self) -> float | None:
        """Infusion length (h), or None for a bolus."""
        if self.duration_h is not None:
            return self.duration_h
        if self.rate is not None:
            return self.amount / self.rate
        return None
