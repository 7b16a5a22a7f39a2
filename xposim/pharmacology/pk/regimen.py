"""Dosing text for the PK layer: ``"selinexor 80 mg PO days 1,3 weekly"``.

A small grammar (one or more parts joined by ``+``)::

    <drug> <amount> <mg|mg/m2> <PO|IV|SC> <schedule> [for <N> weeks|cycles]
    schedule: once | daily | weekly | biw (= days 1,3 weekly) | days 1,3 weekly
              | days 1,4,8,11 q21d

Times are hours from the first dose (day 1 = 0 h). This is the PK command's own reader;
:mod:`xposim.pharmacology.regimen_text` (the project-wide regimen language) replaces it
where available.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from xposim.errors import InputError
from xposim.pharmacology.pk.population import DoseEvent
from xposim.presets.drugs import get_drug

_PART = re.compile(
    r"^\s*(?P<drug>[A-Za-z][\w-]*)\s+(?P<amount>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>mg/m\^?2|mg/m²|mg)"
    r"\s+(?P<route>[A-Za-z]+)\s+(?P<schedule>.+?)\s*$", re.I)
_FOR = re.compile(r"\s+(?:for|x)\s+(?P<n>\d+)\s*(?P<what>weeks?|cycles?|days?)\s*$", re.I)


@dataclass(frozen=True)
class DrugRegimen:
    """One drug's doses (DoseEvent list) and the schedule period (h) if repeating."""

    drug: str
    doses: tuple[DoseEvent, ...]
    period_h: float | None
    text: str


def _days(spec: str, field: str) -> list[float]:
    try:
        days = [float(d) for d in re.split(r"[,\s]+", spec.strip()) if d]
    except ValueError:
        raise InputError(field, "days must be numbers, e.g. 'days 1,3 weekly'", got=spec) from None
    if not days or any(d < 1 or not d.is_integer() for d in days) or days != sorted(set(days)):
        raise InputError(field, "days must be increasing whole numbers >= 1", got=spec)
    return [24.0 * (d - 1) for d in days]


def _schedule(text: str, field: str) -> tuple[list[float], float | None, int]:
    """(offsets in h within one period, period h or None, default repeats)."""
    s = text.strip().lower()
    if s == "once":
        return [0.0], None, 1
    if s in ("daily", "qd"):
        return [0.0], 24.0, 21
    if s in ("weekly", "qw"):
        return [0.0], 168.0, 3
    if s in ("biw", "twice weekly"):
        return [0.0, 48.0], 168.0, 3
    m = re.match(r"^days?\s+([\d,\s]+?)\s+(weekly|q(\d+)d)$", s)
    if m:
        period = 168.0 if m.group(2) == "weekly" else 24.0 * float(m.group(3))
        offsets = _days(m.group(1), field)
        if offsets[-1] >= period:
            raise InputError(field, "dosing days must fall within the cycle", got=text)
        return offsets, period, 3 if period == 168.0 else 1
    raise InputError(field, "schedule must be once, daily, weekly, biw, 'days 1,3 weekly' or "
                     "'days 1,4,8,11 q21d'", got=text)


def parse_part(text: str, field: str = "regimen") -> DrugRegimen:
    """One ``<drug> <amount> <unit> <route> <schedule>`` part."""
    m = _PART.match(text)
    if not m:
        raise InputError(field, "must read '<drug> <amount> mg|mg/m2 <PO|IV|SC> <schedule>', "
                         "e.g. 'selinexor 80 mg PO days 1,3 weekly'", got=text.strip())
    drug = get_drug(m.group("drug")).name
    amount = float(m.group("amount"))
    unit = "mg" if m.group("unit").lower() == "mg" else "mg/m2"
    if not math.isfinite(amount) or amount <= 0:
        raise InputError("dose", f"must be > 0 {unit}", got=f"{m.group('amount')} {unit}")
    route = m.group("route").upper()
    if route not in ("PO", "IV", "SC"):
        raise InputError("route", "must be PO, IV or SC", got=m.group("route"))
    schedule = m.group("schedule")
    repeats = None
    fm = _FOR.search(schedule)
    if fm:
        schedule = schedule[: fm.start()]
        repeats = int(fm.group("n"))
        if repeats < 1:
            raise InputError(field, "the number of weeks/cycles must be >= 1", got=text.strip())
    offsets, period, default_repeats = _schedule(schedule, field)
    if fm and fm.group("what").lower().startswith("day"):
        if period is None:
            raise InputError(field, "'for N days' needs a repeating schedule", got=text.strip())
        repeats = max(1, math.ceil(24.0 * repeats / period))
    n = repeats or default_repeats
    if period is None:
        n = 1
    times = [k * (period or 0.0) + o for k in range(n) for o in offsets]
    doses = tuple(DoseEvent(t, amount, route, unit) for t in times)  # type: ignore[arg-type]
    return DrugRegimen(drug, doses, period, text.strip())


def parse_regimen(text: str) -> tuple[DrugRegimen, ...]:
    """Parse ``part [+ part ...]``; each drug may appear once."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("regimen", "is required, e.g. 'selinexor 80 mg PO once'")
    parts = tuple(parse_part(p) for p in text.split("+"))
    names = [p.drug for p in parts]
    if len(set(names)) != len(names):
        raise InputError("regimen", "name each drug once", got=text)
    return parts
