"""Regimens as NONMEM dose records and back.

``regimen_to_nonmem(regimen, cmt_for_route=...)`` writes one dose record (EVID 1) per
regimen record — a :class:`~xposim.pharmacology.dose.Dose` and its II/ADDL/SS — or per
administration; ``regimen_from_nonmem(data, cmt_for_route=...)`` reads one subject's dose
records back into Doses. Which NONMEM compartment (CMT) a drug and route dose is data the
caller passes in: this module knows no PK model (the numbering of the built-in PK models
is :func:`xposim.pharmacology.pk.dose_compartments`).

Units: AMT mg, TIME and II h, RATE mg/h.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.pharmacology.dose import Dose, canonical_drug
from xposim.pharmacology.nmdata import STANDARD_COLUMNS, read_dataset, validate_dataset
from xposim.pharmacology.regimen.algebra import Regimen

#: ``(drug, route)`` or ``route`` -> NONMEM CMT (1-based).
CmtMap = Mapping[object, int]


def regimen_to_nonmem(regimen: Regimen, *, cmt_for_route: CmtMap | None = None, id: int = 1,
                      bsa_m2: float | None = None, until_h: float | None = None,
                      expand: bool = False,
                      covariates: Mapping[str, float] | None = None) -> pd.DataFrame:
    """NONMEM dose records (EVID 1): ID TIME AMT(mg) EVID CMT RATE(mg/h) II(h) ADDL SS
    DV MDV, one row per record (``expand=True``: per administration), plus constant
    covariate columns. Open-ended records need ``until_h``; mg/m² doses ``bsa_m2`` (m²).
    ``cmt_for_route`` maps ``(drug, route)`` (or a ``route``, for every drug) to CMT."""
    if isinstance(id, bool) or not isinstance(id, int | np.integer) or id < 0:
        raise InputError("id", "must be a whole number >= 0", got=id)
    cmts = _Compartments(regimen.drugs, cmt_for_route)
    rows = []
    for d in regimen.records:
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
        times = d.times(until_h)  # open-ended without a horizon raises here
        if expand:
            groups = [(t, 0.0, 0) for t in times]
        elif d.addl is not None and until_h is None:
            groups = [(d.time_h, d.ii_h, d.addl)]
        else:
            groups = [(times[0], d.ii_h, len(times) - 1)] if times else []
        for t, ii, addl in groups:
            rows.append({"ID": int(id), "TIME": t, "AMT": mg.amount, "EVID": 1,
                         "CMT": cmt, "RATE": rate, "II": ii if addl or d.ss else 0.0,
                         "ADDL": addl, "SS": d.ss, "DV": 0.0, "MDV": 1})
    df = pd.DataFrame(rows, columns=list(STANDARD_COLUMNS))
    df = df.astype({"ID": "int64", "EVID": "int64", "CMT": "int64", "ADDL": "int64",
                    "SS": "int64", "MDV": "int64", "TIME": "float64", "AMT": "float64",
                    "RATE": "float64", "II": "float64", "DV": "float64"})
    for name, value in dict(covariates or {}).items():
        df[str(name)] = value
    return validate_dataset(df.sort_values(["TIME", "CMT"], kind="stable"))


def regimen_from_nonmem(data: pd.DataFrame | str, *, cmt_for_route: CmtMap | None = None,
                        id: int | None = None,
                        drugs: Sequence[str] | None = None) -> Regimen:
    """The regimen of one subject's dose records (EVID 1 or 4) of a NONMEM dataset
    (a DataFrame or a CSV path, read and checked by
    :func:`~xposim.pharmacology.nmdata.read_dataset`; errors name the 1-based row).
    ``cmt_for_route`` says which drug and route each CMT is (route-only keys need
    ``drugs``). AMT is mg, TIME/II h; RATE > 0 becomes an infusion rate (mg/h)."""
    df = read_dataset(data).reset_index(drop=True)
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
    cmts = _Compartments(tuple(sorted({canonical_drug(d) for d in (drugs or [])})),
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
                        rate=rate if rate > 0 else None, ii_h=float(row["II"]),
                        addl=int(row["ADDL"]), ss=int(row["SS"]))
        except InputError as exc:
            raise InputError(f"row {n} {exc.field}", exc.problem, got=exc.got) from None
        records.append(dose)
    if not records:
        raise InputError("dataset", "has no dose records (EVID 1 or 4)")
    return Regimen(tuple(records))


class _Compartments:
    """(drug, route) <-> NONMEM CMT number, from the caller's map."""

    def __init__(self, drugs: Sequence[str], given: CmtMap | None) -> None:
        if given is None or not isinstance(given, Mapping) or not given:
            raise InputError("cmt_for_route", "say which NONMEM CMT each drug and route "
                             "doses, e.g. {('selinexor', 'PO'): 1}; "
                             "xposim.pharmacology.pk.dose_compartments(drugs) numbers the "
                             "built-in PK models", got=given)
        self.forward: dict[tuple[str, str], int] = {}
        for key, cmt in given.items():
            if isinstance(cmt, bool) or not isinstance(cmt, int | np.integer) or cmt < 1:
                raise InputError("cmt_for_route", "CMT numbers must be whole numbers >= 1",
                                 got=f"{key}: {cmt}")
            if isinstance(key, tuple) and len(key) == 2:
                pairs = [(canonical_drug(key[0]), str(key[1]).upper())]
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
