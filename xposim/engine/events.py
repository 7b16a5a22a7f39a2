"""Discrete events applied between integration segments (doses, medium changes, washout).

Times are in h. Values are canonical: nM for concentration species and inputs, the
species' own amount unit (mg, nmol) for amount species.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xposim.errors import InputError


def _time(t: float, what: str) -> float:
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
        raise InputError(f"{what}.time", "must be a finite time >= 0 h", got=t)
    return float(t)


@dataclass(frozen=True)
class Set:
    """At ``time`` (h) set ``target`` (a species, input or parameter) to ``value``."""

    time: float
    target: str
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _time(self.time, f"event Set({self.target})"))
        if not math.isfinite(self.value):
            raise InputError(f"event Set({self.target}).value", "must be finite", got=self.value)


@dataclass(frozen=True)
class Bolus:
    """At ``time`` (h) add ``amount`` to species ``target`` (amount, or nM for a
    concentration species)."""

    time: float
    target: str
    amount: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _time(self.time, f"event Bolus({self.target})"))
        if not math.isfinite(self.amount) or self.amount < 0:
            raise InputError(f"event Bolus({self.target}).amount", "must be finite and >= 0",
                             got=self.amount)


Event = Set | Bolus
