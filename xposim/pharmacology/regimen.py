"""Dosing regimens in the style of mrgsolve/rxode2 event tables.

A :class:`Regimen` is a set of :class:`DoseRecord` s — a :class:`~xposim.pharmacology.dose.Dose`
repeated ``addl`` more times every ``ii_h`` hours (NONMEM's AMT/II/ADDL), or indefinitely —
plus the time the regimen ends (used by :meth:`Regimen.then`).

- ``Regimen.of(dose, ii_h=24, addl=6)`` or ``until_h=`` / ``forever=True``;
- ``Regimen.schedule(dose, days=(1, 3), every_days=7, cycles=12)`` (days of each cycle);
- ``Regimen.on_off(dose, on_weeks=4, off_weeks=1, cycles=6)`` (weekly, 4 weeks on, 1 off);
- ``a + b`` gives both (any drugs); ``a.then(b)`` starts ``b`` when ``a`` ends;
- ``.doses(until_h)`` expands to explicit doses sorted by time;
- ``.to_nonmem()`` / ``Regimen.from_nonmem(df)`` write and read NONMEM dose records;
- ``.to_text()`` / :func:`~xposim.pharmacology.regimen_text.parse_regimen` the text form.

Times are h (days only at the edges: ``schedule``, text); amounts mg or mg/m².
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.pharmacology.dose import Dose, _finite

#: Columns of a NONMEM dataset written by :meth:`Regimen.to_nonmem` (in this order).
NONMEM_COLUMNS: tuple[str, ...] = ("ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL",
                                   "SS", "DV", "MDV")
_HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class DoseRecord:
    """A dose given at ``dose.time_h`` and ``addl`` more times every ``ii_h`` h
    (``addl=None``: indefinitely). ``ss`` is NONMEM's steady-state flag (0, 1 or 2),
    carried as data for the event layer; expansion ignores it."""

    dose: Dose
    ii_h: float = 0.0
    addl: int | None = 0
    ss: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.dose, Dose):
            raise InputError("dose", "must be a Dose", got=repr(self.dose))
        ii = _finite("ii", self.ii_h)
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

    @property
    def open_ended(self) -> bool:
        return self.addl is None

    def times(self, until_h: float | None = None) -> list[float]:
        """Dose times (h), those before ``until_h`` when given."""
        t0 = self.dose.time_h
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
        """Time the record's last interval ends (h): last dose + ii; None if open-ended."""
        if self.addl is None:
            return None
        return self.dose.time_h + (self.addl + 1) * self.ii_h

    def shifted(self, h: float) -> DoseRecord:
        return replace(self, dose=self.dose.at(self.dose.time_h + h))

    def sort_key(self) -> tuple:
        return (*dose_key(self.dose)[:5], self.ii_h,
                math.inf if self.addl is None else self.addl, self.ss, *dose_key(self.dose)[5:])


def dose_key(d: Dose) -> tuple:
    """A total order on doses: time, drug, route, unit, amount, then the rest."""
    return (d.time_h, d.drug, d.route, d.unit, d.amount, d.cmt or "", d.rate or 0.0,
            d.duration_h or 0.0, d.lag_h, d.f)


def _as_records(items: Iterable[DoseRecord | Dose]) -> tuple[DoseRecord, ...]:
    out = []
    for r in items:
        if isinstance(r, Dose):
            r = DoseRecord(r)
        if not isinstance(r, DoseRecord):
            raise InputError("regimen", "records must be Dose or DoseRecord", got=repr(r))
        out.append(r)
    return tuple(sorted(out, key=DoseRecord.sort_key))


@dataclass(frozen=True, eq=False)
class Regimen:
    """Dose records of one or more drugs, sorted by time, and an optional explicit end
    time ``end`` (h; default: the last record's last dose + its ii).

    Two regimens are equal when their records and their :attr:`end_h` are equal.
    """

    records: tuple[DoseRecord, ...] = ()
    end: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", _as_records(self.records))
        if self.end is not None:
            e = _finite("regimen.end", self.end)
            last = max((t for r in self.records if not r.open_ended
                        for t in r.times()[-1:]), default=0.0)
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
        or with ``forever=True`` indefinitely."""
        if sum(x for x in (addl != 0, until_h is not None, forever)) > 1:
            raise InputError("addl", "give one of addl, until or forever", got=addl)
        if forever:
            return cls((DoseRecord(dose, ii_h, None, ss),))
        if until_h is not None:
            u = _finite("until", until_h)
            if u <= dose.time_h:
                raise InputError("until", f"must be after the first dose ({dose.time_h:g} h)",
                                 got=until_h)
            ii = _finite("ii", ii_h)
            if ii <= 0:
                raise InputError("ii", "must be > 0 h with until", got=ii_h)
            n = math.ceil((u - dose.time_h) / ii)
            if dose.time_h + (n - 1) * ii >= u:  # float safety: strictly before until
                n -= 1
            return cls((DoseRecord(dose, ii, n - 1, ss),), end=u)
        return cls((DoseRecord(dose, ii_h, addl, ss),))

    @classmethod
    def schedule(cls, dose: Dose, *, days: Sequence[int], every_days: float,
                 cycles: int | None = None, for_days: float | None = None,
                 ss: int = 0) -> Regimen:
        """``dose`` on the given ``days`` (1 = the dose's own time) of every
        ``every_days``-day cycle, for ``cycles`` cycles, or for ``for_days`` days (doses
        before then), or indefinitely when neither is given."""
        period = _finite("every", every_days)
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
        ii = period * _HOURS_PER_DAY
        start = dose.time_h
        doses = [dose.at(start + (int(d) - 1) * _HOURS_PER_DAY) for d in ds]
        if cycles is not None:
            if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
                raise InputError("cycles", "must be a whole number >= 1", got=cycles)
            return cls(tuple(DoseRecord(d, ii, cycles - 1, ss) for d in doses),
                       end=start + cycles * ii)
        if for_days is not None:
            span = _finite("for", for_days) * _HOURS_PER_DAY
            if span <= 0:
                raise InputError("for", "the duration must be > 0 days", got=for_days)
            until = start + span
            recs = []
            for d in doses:
                if d.time_h < until:
                    n = math.ceil((until - d.time_h) / ii)
                    if d.time_h + (n - 1) * ii >= until:
                        n -= 1
                    recs.append(DoseRecord(d, ii, n - 1, ss))
            return cls(tuple(recs), end=until)
        return cls(tuple(DoseRecord(d, ii, None, ss) for d in doses))

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

    @classmethod
    def parse(cls, text: str) -> Regimen:
        """The regimen of a text such as ``"selinexor 80 mg PO days 1,3 weekly x 12 weeks"``
        (grammar: :mod:`xposim.pharmacology.regimen_text`)."""
        from xposim.pharmacology.regimen_text import parse_regimen

        return parse_regimen(text)

    # ----------------------------------------------------------------- properties
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Regimen):
            return NotImplemented
        return self.records == other.records and self.end_h == other.end_h

    def __hash__(self) -> int:
        return hash((self.records, self.end_h))

    def __repr__(self) -> str:
        try:
            text = self.to_text()
        except InputError:
            text = f"{len(self.records)} records"
        return f"Regimen({text!r})"

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
        return tuple(sorted({r.dose.drug for r in self.records}))

    @property
    def per_m2(self) -> bool:
        """True when some dose is in mg/m² (needs a body-surface area)."""
        return any(r.dose.per_m2 for r in self.records)

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
        dh = _finite("shift", h)
        if dh < 0:
            raise InputError("shift", "must be >= 0 h", got=h)
        end = None if self.end is None else self.end + dh
        return Regimen(tuple(r.shifted(dh) for r in self.records), end=end, name=self.name)

    def then(self, other: Regimen, *, gap_h: float = 0.0) -> Regimen:
        """``other`` started ``gap_h`` hours after this regimen ends."""
        if not isinstance(other, Regimen):
            raise InputError("then", "must be followed by a Regimen", got=repr(other))
        end = self.end_h
        if end is None:
            raise InputError("then", "an open-ended regimen never ends; give a duration "
                             "(e.g. 'x 8 cycles') before 'then'")
        gap = _finite("gap", gap_h)
        if gap < 0:
            raise InputError("gap", "must be >= 0 h", got=gap_h)
        later = other.shift(end + gap)
        return Regimen(self.records + later.records, end=later.end_h,
                       name=" then ".join(n for n in (self.name, other.name) if n))

    def for_drug(self, drug: str) -> Regimen:
        """The doses of one drug (name or alias)."""
        from xposim.pharmacology.dose import canonical_drug

        name = canonical_drug(drug)
        recs = tuple(r for r in self.records if r.dose.drug == name)
        return Regimen(recs, end=self.end_h if not self.open_ended and recs else None)

    def without_drug(self, drug: str) -> Regimen:
        from xposim.pharmacology.dose import canonical_drug

        name = canonical_drug(drug)
        return Regimen(tuple(r for r in self.records if r.dose.drug != name),
                       end=self.end_h if not self.open_ended else None)

    def window(self, start_h: float = 0.0, end_h: float | None = None) -> Regimen:
        """The doses given at ``start_h <= t < end_h`` (h), still as repeating records; the
        result ends at ``end_h`` (open-ended records stay open without ``end_h``)."""
        lo = _finite("window start", start_h)
        hi = None if end_h is None else _finite("window end", end_h)
        if hi is not None and hi <= lo:
            raise InputError("window", "the end must be after the start", got=end_h)
        recs = []
        for r in self.records:
            t0, ii = r.dose.time_h, r.ii_h
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
            recs.append(DoseRecord(r.dose.at(t), ii, None if k1 is None else k1 - k0, r.ss))
        end = hi if hi is not None else (None if self.open_ended else self.end_h)
        if end is not None and recs and not any(x.open_ended for x in recs):
            last_dose = max(x.times()[-1] for x in recs)
            end = max(end, last_dose)
        return Regimen(tuple(recs), end=end if recs else None, name=self.name)

    def resolved(self, bsa_m2: float | None) -> Regimen:
        """The regimen with mg/m² doses turned into mg for a subject of ``bsa_m2`` (m²)."""
        return Regimen(tuple(replace(r, dose=r.dose.resolved(bsa_m2)) for r in self.records),
                       end=self.end, name=self.name)

    # ----------------------------------------------------------------- expansion
    def doses(self, until_h: float | None = None) -> tuple[Dose, ...]:
        """Every administration (before ``until_h`` when given), sorted by time."""
        if until_h is not None:
            until_h = _finite("until", until_h)
        out = [r.dose._at_checked_time(t) for r in self.records for t in r.times(until_h)]
        return tuple(sorted(out, key=dose_key))

    def dose_table(self, until_h: float | None = None, *,
                   bsa_m2: float | None = None) -> pd.DataFrame:
        """One row per administration: time_h, day (1-based), drug, amount, unit, route,
        amount_mg (NaN for mg/m² doses without ``bsa_m2``)."""
        rows = []
        for d in self.doses(until_h):
            mg = d.amount_mg(bsa_m2) if (not d.per_m2 or bsa_m2 is not None) else math.nan
            rows.append({"time_h": d.time_h, "day": d.time_h / _HOURS_PER_DAY + 1.0,
                         "drug": d.drug, "amount": d.amount, "unit": d.unit,
                         "route": d.route, "amount_mg": mg})
        return pd.DataFrame(rows, columns=["time_h", "day", "drug", "amount", "unit", "route",
                                           "amount_mg"])

    def to_text(self) -> str:
        """The text form; ``Regimen.parse(r.to_text()) == r``."""
        from xposim.pharmacology.regimen_text import regimen_to_text

        return regimen_to_text(self)

    # ----------------------------------------------------------------- NONMEM
    def to_nonmem(self, *, id: int = 1, cmt_for_route: Mapping[object, int] | None = None,
                  bsa_m2: float | None = None, until_h: float | None = None,
                  expand: bool = False,
                  covariates: Mapping[str, float] | None = None) -> pd.DataFrame:
        """NONMEM dose records (EVID 1): ID TIME AMT(mg) EVID CMT RATE(mg/h) II(h) ADDL SS
        DV MDV, one row per record (``expand=True``: per administration), plus constant
        covariate columns. Open-ended records need ``until_h``; mg/m² doses ``bsa_m2``.
        ``cmt_for_route`` maps ``(drug, route)`` or ``route`` to CMT; the default numbers
        the drugs' PK-module species one drug after another (alphabetical), so a single
        drug gets the CMT of :meth:`PopulationResult.to_nonmem`."""
        if isinstance(id, bool) or not isinstance(id, int | np.integer) or id < 0:
            raise InputError("id", "must be a whole number >= 0", got=id)
        cmts = _CmtMap(self.drugs, cmt_for_route)
        rows = []
        for r in self.records:
            d = r.dose
            if d.cmt is not None:
                raise InputError("dose.cmt", "named compartments are not written to NONMEM "
                                 "datasets; dose by route", got=d.cmt)
            if d.lag_h or d.f != 1.0:
                raise InputError("dose.lag", "lag time and bioavailability belong to the "
                                 "model ($PK ALAG/F), not the dataset", got=d.lag_h or d.f)
            mg = d.resolved(bsa_m2)  # mg/m2 without a BSA raises the named error here
            rate = 0.0
            if mg.rate is not None:
                rate = mg.rate
            elif mg.duration_h is not None:
                rate = mg.amount / mg.duration_h
            cmt = cmts.cmt(d.drug, d.route)
            times = r.times(until_h)  # open-ended without a horizon raises here
            if expand:
                groups = [(t, 0.0, 0) for t in times]
            elif r.addl is not None and until_h is None:
                groups = [(d.time_h, r.ii_h, r.addl)]
            else:
                groups = [(times[0], r.ii_h, len(times) - 1)] if times else []
            for t, ii, addl in groups:
                rows.append({"ID": int(id), "TIME": t, "AMT": mg.amount, "EVID": 1,
                             "CMT": cmt, "RATE": rate, "II": ii if addl or r.ss else 0.0,
                             "ADDL": addl, "SS": r.ss, "DV": 0.0, "MDV": 1})
        df = pd.DataFrame(rows, columns=list(NONMEM_COLUMNS))
        df = df.astype({"ID": "int64", "EVID": "int64", "CMT": "int64", "ADDL": "int64",
                        "SS": "int64", "MDV": "int64", "TIME": "float64", "AMT": "float64",
                        "RATE": "float64", "II": "float64", "DV": "float64"})
        for name, value in dict(covariates or {}).items():
            df[str(name)] = value
        from xposim.pharmacology.nmdata import validate_dataset

        return validate_dataset(df.sort_values(["TIME", "CMT"], kind="stable"))

    @classmethod
    def from_nonmem(cls, data: pd.DataFrame | str, *, id: int | None = None,
                    drugs: Sequence[str] | None = None,
                    cmt_for_route: Mapping[object, int] | None = None) -> Regimen:
        """The regimen of one subject's dose records (EVID 1 or 4) of a NONMEM dataset
        (a DataFrame or a CSV path). ``drugs`` (with the default CMT numbering of
        :meth:`to_nonmem`) or ``cmt_for_route`` say which drug and route each CMT is.
        AMT is mg, TIME/II h; RATE > 0 becomes an infusion rate (mg/h)."""
        df = _read_and_validate(data)
        if id is None:
            ids = sorted(pd.unique(df["ID"]))
            if len(ids) > 1:
                raise InputError("id", f"the dataset has {len(ids)} subjects; choose one",
                                 got=", ".join(str(int(i)) for i in ids[:10]))
            sub = df
        else:
            sub = df[df["ID"] == id]
            if sub.empty:
                raise InputError("id", "not in the dataset", got=id)
        if cmt_for_route is None and drugs is None:
            raise InputError("drugs", "say which drugs the dataset doses (drugs=[...]) or "
                             "give cmt_for_route")
        cmts = _CmtMap(tuple(sorted({_canon(d) for d in (drugs or [])})) or (),
                       cmt_for_route)
        records = []
        for idx, row in sub.iterrows():
            n = int(idx) + 1  # type: ignore[call-overload]
            if int(row["EVID"]) not in (1, 4):
                continue
            drug, route = cmts.route_of(int(row["CMT"]), n)
            rate = float(row["RATE"])
            if rate < 0:
                raise InputError(f"row {n} RATE", "modelled rates/durations (RATE -1, -2) "
                                 "cannot become a regimen", got=rate)
            try:
                dose = Dose(drug, float(row["AMT"]), "mg", route, float(row["TIME"]),
                            rate=rate if rate > 0 else None)
                rec = DoseRecord(dose, float(row["II"]), int(row["ADDL"]), int(row["SS"]))
            except InputError as exc:
                raise InputError(f"row {n} {exc.field}", exc.problem, got=exc.got) from None
            records.append(rec)
        if not records:
            raise InputError("dataset", "has no dose records (EVID 1 or 4)")
        return cls(tuple(records))


def _canon(drug: str) -> str:
    from xposim.pharmacology.dose import canonical_drug

    return canonical_drug(drug)


@cache
def _pk_layout(drug: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(species names, (route, dose species)) of a drug's PK module."""
    from xposim.pharmacology.pk import pk_model

    pk = pk_model(drug)
    return (tuple(s.name for s in pk.module.species), tuple(pk.routes.items()))


class _CmtMap:
    """(drug, route) <-> NONMEM CMT number."""

    def __init__(self, drugs: Sequence[str], given: Mapping[object, int] | None) -> None:
        self.forward: dict[tuple[str, str], int] = {}
        if given is not None:
            for key, cmt in given.items():
                if isinstance(cmt, bool) or not isinstance(cmt, int | np.integer) or cmt < 1:
                    raise InputError("cmt_for_route", "CMT numbers must be whole numbers "
                                     ">= 1", got=f"{key}: {cmt}")
                if isinstance(key, tuple) and len(key) == 2:
                    pairs = [(_canon(key[0]), str(key[1]).upper())]
                elif isinstance(key, str):
                    if not drugs:
                        raise InputError("cmt_for_route", "keys must be (drug, route) when "
                                         "the drugs are not given", got=key)
                    pairs = [(d, key.upper()) for d in drugs]
                else:
                    raise InputError("cmt_for_route", "keys must be (drug, route) or route",
                                     got=repr(key))
                for p in pairs:
                    self.forward[p] = int(cmt)
        else:
            offset = 0
            for drug in drugs:
                species, routes = _pk_layout(drug)
                for route, target in routes:
                    self.forward[(drug, route)] = offset + species.index(target) + 1
                offset += len(species)
        self.backward: dict[int, tuple[str, str]] = {}
        for pair, cmt in self.forward.items():
            if cmt in self.backward and self.backward[cmt] != pair:
                other = self.backward[cmt]
                raise InputError("cmt_for_route", f"{other[0]} {other[1]} and {pair[0]} "
                                 f"{pair[1]} share CMT {cmt}", got=cmt)
            self.backward[cmt] = pair

    def cmt(self, drug: str, route: str) -> int:
        try:
            return self.forward[(drug, route)]
        except KeyError:
            raise InputError("cmt_for_route", f"no CMT for {drug} {route}; known: "
                             + ", ".join(f"{d} {r}" for d, r in self.forward),
                             got=f"{drug} {route}") from None

    def route_of(self, cmt: int, row: int) -> tuple[str, str]:
        try:
            return self.backward[cmt]
        except KeyError:
            raise InputError(f"row {row} CMT", "is not a dose compartment of the given "
                             "drugs: " + ", ".join(f"{c} = {d} {r}" for c, (d, r)
                                                   in sorted(self.backward.items())),
                             got=cmt) from None


def _read_and_validate(data: pd.DataFrame | str) -> pd.DataFrame:
    """The dataset (DataFrame or CSV path) read and checked by
    :func:`xposim.pharmacology.nmdata.read_dataset` (errors name the 1-based data row)."""
    from xposim.pharmacology.nmdata import read_dataset

    return read_dataset(data).reset_index(drop=True)
