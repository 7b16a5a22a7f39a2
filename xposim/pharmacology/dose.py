"""The one dose type: :class:`Dose`, an administration of one drug, optionally repeated.

A Dose is what mrgsolve's ``ev()`` and a NONMEM dose record are: an amount of a drug by a
route at a time, given ``addl`` more times every ``ii_h`` hours (``addl=None``: without
end, "until progression"), with an optional steady-state flag ``ss``. Regimens are sets
of Doses (:mod:`xposim.pharmacology.regimen`), population PK simulates Doses, NONMEM
datasets are read into and written from Doses, and
:func:`xposim.pharmacology.dose_events.dose_events` is the one function that turns Doses
into engine events.

Amounts are mg (flat) or mg/m² (scaled by the subject's body-surface area when the dose is
given); times are h from the start of the regimen. Other mass and mass-per-area units
(g, µg, µg/m²) are converted at construction through :mod:`xposim.model.units`, so a Dose
always holds ``mg`` or ``mg/m2``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from xposim.errors import InputError
from xposim.model.units import convert_to_one_of
from xposim.presets.drugs import get_drug

ROUTES: tuple[str, ...] = ("PO", "IV", "SC")
AmountUnit = Literal["mg", "mg/m2"]
AMOUNT_UNITS: tuple[str, ...] = ("mg", "mg/m2")


def finite_number(field: str, value: object) -> float:
    """``value`` as a finite float, or InputError naming ``field``."""
    if isinstance(value, bool):
        raise InputError(field, "must be a number", got=repr(value))
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field, "must be a number", got=repr(value)) from None
    if not math.isfinite(v):
        raise InputError(field, "must be finite", got=value)
    return v


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
    return get_drug(key).name


@dataclass(frozen=True)
class Dose:
    """An administration, optionally repeated.

    ``drug`` registry name or alias; ``amount`` > 0 in ``unit`` (mg or mg/m2; other mass
    units converted); ``route`` PO, IV or SC; ``time_h`` (h, >= 0). ``cmt`` names the
    model compartment (species) the dose goes into when it is not the route's usual one.
    An infusion gives either ``rate`` (in ``unit`` per h) or ``duration_h``; without
    either the dose is a bolus. ``lag_h`` delays absorption; ``f`` (0-1] is the
    bioavailable fraction applied on top of the model's own.

    Repetition (NONMEM's II/ADDL/SS): the dose is given ``addl`` more times every
    ``ii_h`` hours (``addl=None``: indefinitely); ``ss`` (0, 1, 2) is NONMEM's
    steady-state flag, carried as data for the event layer (expansion ignores it).
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
    ii_h: float = 0.0
    addl: int | None = 0
    ss: int = 0

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "drug", canonical_drug(self.drug))
        given = finite_number("dose.amount", self.amount)
        amount, unit = convert_to_one_of(given, self.unit, AMOUNT_UNITS, field="dose.unit")
        if amount <= 0:
            raise InputError("dose", f"must be > 0 {unit}", got=f"{self.amount:g} {self.unit}")
        s(self, "amount", amount)
        s(self, "unit", unit)
        route = str(self.route).strip().upper()
        if route not in ROUTES:
            raise InputError("route", f"must be {', '.join(ROUTES[:-1])} or {ROUTES[-1]}",
                             got=self.route)
        s(self, "route", route)
        t = finite_number("dose.time", self.time_h)
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
                v = finite_number(f"dose.{name}", v)
                if v <= 0:
                    raise InputError(f"dose.{name}", "must be > 0", got=getattr(self, name))
                s(self, name, v)
        if self.rate is not None and given != amount:
            s(self, "rate", self.rate * amount / given)  # a rate in g/h follows the amount
        lag = finite_number("dose.lag", self.lag_h)
        if lag < 0:
            raise InputError("dose.lag", "must be >= 0 h", got=self.lag_h)
        s(self, "lag_h", lag + 0.0)
        f = finite_number("dose.f", self.f)
        if not 0.0 < f <= 1.0:
            raise InputError("dose.f", "bioavailability must be in (0, 1]", got=self.f)
        s(self, "f", f)
        self._check_repetition()

    def _check_repetition(self) -> None:
        ii = finite_number("ii", self.ii_h)
        if ii < 0:
            raise InputError("ii", "must be >= 0 h", got=self.ii_h)
        object.__setattr__(self, "ii_h", ii + 0.0)
        if self.addl is not None:
            if isinstance(self.addl, bool) or not isinstance(self.addl, int | np.integer) \
                    or self.addl < 0:
                raise InputError("addl", "must be a whole number >= 0", got=self.addl)
            object.__setattr__(self, "addl", int(self.addl))
        if (self.addl is None or self.addl > 0) and ii == 0:
            raise InputError("ii", "repeated doses (addl > 0 or open-ended) need ii > 0 h",
                             got=self.ii_h)
        if self.ss not in (0, 1, 2):
            raise InputError("ss", "must be 0, 1 or 2", got=self.ss)
        if self.ss and ii == 0:
            raise InputError("ii", "steady-state doses (ss > 0) need ii > 0 h", got=self.ii_h)
        if self.addl == 0 and not self.ss:
            object.__setattr__(self, "ii_h", 0.0)  # an interval without repeats means nothing

    # ----------------------------------------------------------------- one administration
    @property
    def is_infusion(self) -> bool:
        return self.rate is not None or self.duration_h is not None

    @property
    def per_m2(self) -> bool:
        return self.unit == "mg/m2"

    def at(self, time_h: float) -> Dose:
        """The same dose (and repetition) starting at another time (h)."""
        return replace(self, time_h=time_h)

    def amount_mg(self, bsa_m2: float | None = None) -> float:
        """Amount in mg (mg/m2 doses are multiplied by ``bsa_m2``, m²)."""
        if not self.per_m2:
            return self.amount
        if bsa_m2 is None:
            raise InputError("height", "mg/m2 doses need the body-surface area: give "
                             "weight and height", got=f"{self.drug} {self.amount:g} mg/m2")
        b = finite_number("bsa", bsa_m2)
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

    # ----------------------------------------------------------------- repetition
    @property
    def repeated(self) -> bool:
        """True when the dose is given more than once (or carries a steady-state flag)."""
        return self.addl != 0 or bool(self.ss)

    @property
    def open_ended(self) -> bool:
        """True when the dose repeats indefinitely."""
        return self.addl is None

    def times(self, until_h: float | None = None) -> list[float]:
        """Administration times (h), those before ``until_h`` when given."""
        t0 = self.time_h
        if self.addl is None:
            if until_h is None:
                raise InputError("until", "an open-ended regimen needs a horizon (h) to "
                                 "expand", got=None)
            n = 0 if until_h <= t0 else math.ceil((until_h - t0) / self.ii_h)
        else:
            n = self.addl + 1
        out = [t0 + k * self.ii_h for k in range(n)]
        return [t for t in out if until_h is None or t < until_h]

    def end_h(self) -> float | None:
        """Time the last interval ends (h): last dose + ii; None if open-ended."""
        if self.addl is None:
            return None
        return self.time_h + (self.addl + 1) * self.ii_h

    def administrations(self, until_h: float | None = None) -> tuple[Dose, ...]:
        """Each administration (before ``until_h`` when given) as a single Dose."""
        if not self.repeated:
            return (self,) if until_h is None or self.time_h < until_h else ()
        return tuple(self._single_at(t) for t in self.times(until_h))

    def _single_at(self, time_h: float) -> Dose:
        # this validated dose, unrepeated, at a time produced from it (finite, >= 0):
        # skips re-validating every field (expansion makes thousands of doses per subject)
        new = copy.copy(self)
        for name, value in (("time_h", float(time_h) + 0.0), ("ii_h", 0.0), ("addl", 0),
                            ("ss", 0)):
            object.__setattr__(new, name, value)
        return new

    def sort_key(self) -> tuple:
        """A total order on doses: time, drug, route, unit, amount, repetition, then the
        rest."""
        return (self.time_h, self.drug, self.route, self.unit, self.amount, self.ii_h,
                math.inf if self.addl is None else self.addl, self.ss, self.cmt or "",
                self.rate or 0.0, self.duration_h or 0.0, self.lag_h, self.f)


def DoseRecord(dose: Dose, ii_h: float = 0.0, addl: int | None = 0, ss: int = 0) -> Dose:
    """Compatibility alias for the former dose-record type: ``dose`` repeated ``addl``
    more times every ``ii_h`` h, i.e. ``dataclasses.replace(dose, ii_h=, addl=, ss=)``.
    New code gives the repetition to :class:`Dose` directly."""
    if not isinstance(dose, Dose):
        raise InputError("dose", "must be a Dose", got=repr(dose))
    return replace(dose, ii_h=ii_h, addl=addl, ss=ss)
