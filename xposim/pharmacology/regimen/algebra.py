"""Dosing regimens in the style of mrgsolve/rxode2 event tables: the algebra.

A :class:`Regimen` is a set of dose records — :class:`~xposim.pharmacology.dose.Dose` s,
each possibly repeated ``addl`` more times every ``ii_h`` hours (NONMEM's AMT/II/ADDL) or
indefinitely — plus the time the regimen ends (used by :meth:`Regimen.then`).

- ``Regimen.of(dose, ii_h=24, addl=6)`` or ``until_h=`` / ``forever=True``;
- ``Regimen.schedule(dose, days=(1, 3), every_days=7, cycles=12)`` (days of each cycle);
- ``Regimen.on_off(dose, on_weeks=4, off_weeks=1, cycles=6)`` (weekly, 4 weeks on, 1 off);
- ``a + b`` gives both (any drugs); ``a.then(b)`` starts ``b`` when ``a`` ends;
- ``.doses(until_h)`` expands to single administrations sorted by time.

The text form is :mod:`.text` (``parse_regimen``, ``regimen_to_text``) and NONMEM
datasets :mod:`.nonmem` (``regimen_to_nonmem``, ``regimen_from_nonmem``); both build on
this module, which imports neither.

Times are h (days only at the edges: ``schedule``, text); amounts mg or mg/m².
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from xposim.errors import InputError
from xposim.model.units import HOURS_PER_DAY
from xposim.pharmacology.dose import Dose, canonical_drug, finite_number


def _as_records(items: Iterable[Dose]) -> tuple[Dose, ...]:
    out = list(items)
    for r in out:
        if not isinstance(r, Dose):
            raise InputError("regimen", "records must be Dose objects", got=repr(r))
    return tuple(sorted(out, key=Dose.sort_key))


def _repeated_twice(dose: Dose) -> InputError:
    return InputError("dose", "already repeats (ii/addl/ss); give a single dose to a "
                      "schedule", got=f"{dose.drug} every {dose.ii_h:g} h")


@dataclass(frozen=True, eq=False)
class Regimen:
    """Dose records of one or more drugs, sorted by time, and an optional explicit end
    time ``end`` (h; default: the last record's last dose + its ii).

    Two regimens are equal when their records and their :attr:`end_h` are equal.
    """

    records: tuple[Dose, ...] = ()
    end: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", _as_records(self.records))
        if self.end is not None:
            e = finite_number("regimen.end", self.end)
            # the last administration, computed (expanding ADDL would cost its length)
            last = max((r.time_h + r.addl * r.ii_h for r in self.records
                        if not r.open_ended), default=0.0)
            if last - 1e-12 * max(1.0, abs(last)) <= e < last:
                e = last  # rounding of sums of times, not a real conflict
            if e < last or e < 0:
                raise InputError("regimen.end", f"must be >= the last dose ({last:g} h)",
                                 got=self.end)
            object.__setattr__(self, "end", e + 0.0)

    # ----------------------------------------------------------------- construction
    @classmethod
    def of(cls, dose: Dose, *, ii_h: float = 0.0, addl: int = 0, until_h: float | None = None,
           forever: bool = False, ss: int = 0) -> Regimen:
        """``dose`` repeated ``addl`` more times every ``ii_h`` h; or, with ``until_h``,
        every ``ii_h`` h while before ``until_h`` (the regimen then ends at ``until_h``);
        or with ``forever=True`` indefinitely. A dose that carries its own repetition
        (``Dose(..., ii_h=, addl=)``) is taken as it is."""
        if sum(x for x in (addl != 0, until_h is not None, forever)) > 1:
            raise InputError("addl", "give one of addl, until or forever", got=addl)
        if dose.repeated:
            if (ii_h, addl, until_h, forever, ss) != (0.0, 0, None, False, 0):
                raise _repeated_twice(dose)
            return cls((dose,))
        if forever:
            return cls((replace(dose, ii_h=ii_h, addl=None, ss=ss),))
        if until_h is not None:
            u = finite_number("until", until_h)
            if u <= dose.time_h:
                raise InputError("until", f"must be after the first dose ({dose.time_h:g} h)",
                                 got=until_h)
            ii = finite_number("ii", ii_h)
            if ii <= 0:
                raise InputError("ii", "must be > 0 h with until", got=ii_h)
            n = math.ceil((u - dose.time_h) / ii)
            if dose.time_h + (n - 1) * ii >= u:  # float safety: strictly before until
                n -= 1
            return cls((replace(dose, ii_h=ii, addl=n - 1, ss=ss),), end=u)
        return cls((replace(dose, ii_h=ii_h, addl=addl, ss=ss),))

    @classmethod
    def schedule(cls, dose: Dose, *, days: Sequence[int], every_days: float,
                 cycles: int | None = None, for_days: float | None = None,
                 ss: int = 0) -> Regimen:
        """``dose`` on the given ``days`` (1 = the dose's own time) of every
        ``every_days``-day cycle, for ``cycles`` cycles, or for ``for_days`` days (doses
        before then), or indefinitely when neither is given."""
        if dose.repeated:
            raise _repeated_twice(dose)
        period = finite_number("every", every_days)
        if period <= 0:
            raise InputError("every", "the cycle must be > 0 days", got=every_days)
        ds = list(days)
        if not ds or any(isinstance(d, bool) or not float(d).is_integer() or d < 1 for d in ds) \
                or ds != sorted(set(ds)):
            raise InputError("days", "must be increasing whole numbers >= 1", got=str(ds))
        if ds[-1] > period:
            raise InputError("days", f"must fall within the {period:g}-day cycle",
                             got=str(ds))
        if cycles is not None and for_days is not None:
            raise InputError("cycles", "give cycles or a duration, not both", got=cycles)
        ii = period * HOURS_PER_DAY
        start = dose.time_h
        doses = [dose.at(start + (int(d) - 1) * HOURS_PER_DAY) for d in ds]
        if cycles is not None:
            if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
                raise InputError("cycles", "must be a whole number >= 1", got=cycles)
            return cls(tuple(replace(d, ii_h=ii, addl=cycles - 1, ss=ss) for d in doses),
                       end=start + cycles * ii)
        if for_days is not None:
            span = finite_number("for", for_days) * HOURS_PER_DAY
            if span <= 0:
                raise InputError("for", "the duration must be > 0 days", got=for_days)
            until = start + span
            recs = []
            for d in doses:
                if d.time_h < until:
                    n = math.ceil((until - d.time_h) / ii)
                    if d.time_h + (n - 1) * ii >= until:
                        n -= 1
                    recs.append(replace(d, ii_h=ii, addl=n - 1, ss=ss))
            return cls(tuple(recs), end=until)
        return cls(tuple(replace(d, ii_h=ii, addl=None, ss=ss) for d in doses))

    @classmethod
    def on_off(cls, dose: Dose, *, on_weeks: int, off_weeks: int,
               weekdays: Sequence[int] = (1,), cycles: int | None = None,
               for_days: float | None = None, ss: int = 0) -> Regimen:
        """Dose on ``weekdays`` (1-7) of each week for ``on_weeks`` weeks, then
        ``off_weeks`` weeks off; a cycle is ``on_weeks + off_weeks`` weeks."""
        for name, v in (("on_weeks", on_weeks), ("off_weeks", off_weeks)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InputError(name, "must be a whole number of weeks >= 0", got=v)
        if on_weeks < 1:
            raise InputError("on_weeks", "must be >= 1", got=on_weeks)
        wd = list(weekdays)
        if not wd or any(not 1 <= d <= 7 for d in wd) or wd != sorted(set(wd)):
            raise InputError("weekdays", "must be increasing days 1-7", got=str(wd))
        days = [7 * w + d for w in range(on_weeks) for d in wd]
        return cls.schedule(dose, days=days, every_days=7 * (on_weeks + off_weeks),
                            cycles=cycles, for_days=for_days, ss=ss)

    # ----------------------------------------------------------------- properties
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Regimen):
            return NotImplemented
        return self.records == other.records and self.end_h == other.end_h

    def __hash__(self) -> int:
        return hash((self.records, self.end_h))

    @property
    def open_ended(self) -> bool:
        """True when some dose repeats indefinitely ("until progression")."""
        return any(r.open_ended for r in self.records)

    @property
    def end_h(self) -> float | None:
        """When the regimen ends (h): the explicit ``end`` or the last record's last dose
        plus its interval; None when open-ended."""
        if self.open_ended:
            return None
        if self.end is not None:
            return self.end
        return max((r.end_h() or 0.0 for r in self.records), default=0.0)

    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(sorted({r.drug for r in self.records}))

    @property
    def per_m2(self) -> bool:
        """True when some dose is in mg/m² (needs a body-surface area)."""
        return any(r.per_m2 for r in self.records)

    # ----------------------------------------------------------------- algebra
    def __add__(self, other: Regimen) -> Regimen:
        if not isinstance(other, Regimen):
            return NotImplemented
        ends = (self.end_h, other.end_h)
        end = None if None in ends else max(ends)  # type: ignore[type-var]
        name = " + ".join(n for n in (self.name, other.name) if n)
        return Regimen(self.records + other.records, end=end, name=name)

    def shift(self, h: float) -> Regimen:
        """Every dose ``h`` hours later (h >= 0)."""
        dh = finite_number("shift", h)
        if dh < 0:
            raise InputError("shift", "must be >= 0 h", got=h)
        end = None if self.end is None else self.end + dh
        return Regimen(tuple(r.at(r.time_h + dh) for r in self.records), end=end,
                       name=self.name)

    def then(self, other: Regimen, *, gap_h: float = 0.0) -> Regimen:
        """``other`` started ``gap_h`` hours after this regimen ends."""
        if not isinstance(other, Regimen):
            raise InputError("then", "must be followed by a Regimen", got=repr(other))
        end = self.end_h
        if end is None:
            raise InputError("then", "an open-ended regimen never ends; give a duration "
                             "(e.g. 'x 8 cycles') before 'then'")
        gap = finite_number("gap", gap_h)
        if gap < 0:
            raise InputError("gap", "must be >= 0 h", got=gap_h)
        later = other.shift(end + gap)
        return Regimen(self.records + later.records, end=later.end_h,
                       name=" then ".join(n for n in (self.name, other.name) if n))

    def for_drug(self, drug: str) -> Regimen:
        """The doses of one drug (name or alias)."""
        name = canonical_drug(drug)
        recs = tuple(r for r in self.records if r.drug == name)
        return Regimen(recs, end=self.end_h if not self.open_ended and recs else None)

    def without_drug(self, drug: str) -> Regimen:
        """The doses of the other drugs."""
        name = canonical_drug(drug)
        return Regimen(tuple(r for r in self.records if r.drug != name),
                       end=self.end_h if not self.open_ended else None)

    def window(self, start_h: float = 0.0, end_h: float | None = None) -> Regimen:
        """The doses given at ``start_h <= t < end_h`` (h), still as repeating records; the
        result ends at ``end_h`` (open-ended records stay open without ``end_h``)."""
        lo = finite_number("window start", start_h)
        hi = None if end_h is None else finite_number("window end", end_h)
        if hi is not None and hi <= lo:
            raise InputError("window", "the end must be after the start", got=end_h)
        recs = []
        for r in self.records:
            t0, ii = r.time_h, r.ii_h
            k0 = 0
            if t0 < lo:
                if ii == 0:
                    continue
                k0 = math.ceil((lo - t0) / ii)
                if k0 > 0 and t0 + (k0 - 1) * ii >= lo:
                    k0 -= 1
            if r.addl is not None and k0 > r.addl:
                continue
            k1 = None if r.addl is None else r.addl
            if hi is not None:
                if t0 + k0 * ii >= hi:
                    continue
                last = k0 if ii == 0 else math.ceil((hi - t0) / ii) - 1
                while last > k0 and t0 + last * ii >= hi:
                    last -= 1
                k1 = last if k1 is None else min(k1, last)
            t = t0 + k0 * ii
            recs.append(replace(r, time_h=t, addl=None if k1 is None else k1 - k0))
        end = hi if hi is not None else (None if self.open_ended else self.end_h)
        if end is not None and recs and not any(x.open_ended for x in recs):
            last_dose = max(x.time_h + x.addl * x.ii_h for x in recs)  # type: ignore[operator]
            end = max(end, last_dose)
        return Regimen(tuple(recs), end=end if recs else None, name=self.name)

    def resolved(self, bsa_m2: float | None) -> Regimen:
        """The regimen with mg/m² doses turned into mg for a subject of ``bsa_m2`` (m²)."""
        return Regimen(tuple(r.resolved(bsa_m2) for r in self.records),
                       end=self.end, name=self.name)

    # ----------------------------------------------------------------- expansion
    def doses(self, until_h: float | None = None) -> tuple[Dose, ...]:
        """Every administration (before ``until_h`` when given), sorted by time."""
        if until_h is not None:
            until_h = finite_number("until", until_h)
        out = [d for r in self.records for d in r.administrations(until_h)]
        return tuple(sorted(out, key=Dose.sort_key))

    def dose_table(self, until_h: float | None = None, *,
                   bsa_m2: float | None = None) -> pd.DataFrame:
        """One row per administration: time_h, day (1-based), drug, amount, unit, route,
        amount_mg (NaN for mg/m² doses without ``bsa_m2``)."""
        rows = []
        for d in self.doses(until_h):
            mg = d.amount_mg(bsa_m2) if (not d.per_m2 or bsa_m2 is not None) else math.nan
            rows.append({"time_h": d.time_h, "day": d.time_h / HOURS_PER_DAY + 1.0,
                         "drug": d.drug, "amount": d.amount, "unit": d.unit,
                         "route": d.route, "amount_mg": mg})
        return pd.DataFrame(rows, columns=["time_h", "day", "drug", "amount", "unit", "route",
                                           "amount_mg"])

