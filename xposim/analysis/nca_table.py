"""NCA of a whole dataset: one row per subject and dosing interval, units per column,
summary statistics across subjects, and all-or-nothing files.

:func:`run_nca` takes :class:`~xposim.analysis.nca_data.NCAData` and :class:`NCAOptions`
and returns :class:`NCAResults`: ``frame`` (columns :data:`ROW_COLUMNS` then the CDISC
PP codes that apply to the routes present), ``units`` (one per column), ``notes`` (why a
value is missing, per row) and the analysed profiles (for plots). With
``superposition_tau`` each subject also gets a ``KIND = "superposition"`` row: the
steady state predicted from its first dose.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.analysis.nca import (
    LambdaZSpec,
    ProfileNCA,
    analyse_profile,
    check_auc_method,
    normalise_route,
    partial_auc_code,
)
from xposim.analysis.nca_codes import (
    BY_CODE,
    PARAMETERS,
    ROW_COLUMNS,
    check_units,
    parameter_units,
    volume_factor,
)
from xposim.analysis.nca_data import BLQRule, NCAData
from xposim.analysis.nca_intervals import dosing_intervals
from xposim.analysis.nca_superposition import superpose
from xposim.errors import InputError

_EV_ONLY = {"TLAG", "MRTEVLST", "MRTEVIFO", "MRTEVIFP", "CLFO", "CLFP", "VZFO", "VZFP"}
_IV_ONLY = {"MRTIVLST", "MRTIVIFO", "MRTIVIFP", "CLO", "CLP", "VZO", "VZP", "VSSO", "VSSP"}
_BOLUS_ONLY = {"C0", "AUCPBEO", "AUCPBEP"}
_INTERVAL = ("AUCTAU", "CMIN", "CTROUGH", "CAVG", "FLUCP", "ACCR")
#: Which summary PKNCA's summary() shows for a parameter (others: geometric mean, CV%).
_PKNCA_SUMMARY = {"TMAX": "median [min, max]", "TLST": "median [min, max]",
                  "TLAG": "median [min, max]", "LAMZHL": "mean (SD)", "LAMZ": "mean (SD)",
                  "R2": "mean (SD)", "R2ADJ": "mean (SD)", "LAMZNPT": "median [min, max]",
                  "LAMZLL": "median [min, max]", "LAMZUL": "median [min, max]",
                  "FLUCP": "mean (SD)", "AUCPEO": "mean (SD)", "AUCPEP": "mean (SD)"}


@dataclass(frozen=True)
class NCAOptions:
    """Settings of a dataset NCA (times, doses and concentrations in the given units).

    ``route`` None: ``iv_infusion`` when the dose records have a duration, else
    ``extravascular``. ``dose``/``duration`` stand in for a file without dose records
    (dose at time 0). ``lambda_z`` maps subject IDs (or ``"*"``, every subject) to a
    :class:`LambdaZSpec`. ``partial``: (start, end) pairs for AUCINT.
    """

    route: str | None = None
    auc_method: str = "linear-up-log-down"
    blq: BLQRule = field(default_factory=BLQRule)
    lambda_z: Mapping[object, LambdaZSpec] = field(default_factory=dict)
    tmax_in_lambda_z: bool | None = None
    dose: float | None = None
    duration: float | None = None
    time_unit: str = "h"
    conc_unit: str = "ng/mL"
    dose_unit: str = "mg"
    partial: tuple[tuple[float, float], ...] = ()
    superposition_tau: float | None = None

    def __post_init__(self) -> None:
        if self.route is not None:
            object.__setattr__(self, "route", normalise_route(self.route))
        check_auc_method(self.auc_method)
        check_units(self.time_unit, self.conc_unit, self.dose_unit)
        if self.dose is not None and not (math.isfinite(self.dose) and self.dose > 0):
            raise InputError("dose", f"must be > 0 {self.dose_unit}", got=self.dose)
        if self.duration is not None and not (math.isfinite(self.duration)
                                              and self.duration > 0):
            raise InputError("duration", f"must be > 0 {self.time_unit}", got=self.duration)
        if self.superposition_tau is not None and not (
                math.isfinite(self.superposition_tau) and self.superposition_tau > 0):
            raise InputError("superposition", f"tau must be > 0 {self.time_unit}",
                             got=self.superposition_tau)
        for start, end in self.partial:
            if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
                raise InputError("partial-auc", "must be START-END with 0 <= START < END",
                                 got=f"{start:g}-{end:g}")


@dataclass(frozen=True)
class SubjectProfile:
    """One analysed interval, kept for plots and superposition."""

    id: object
    interval: int
    kind: str
    result: ProfileNCA = field(repr=False)


@dataclass(frozen=True)
class NCAResults:
    """Rows by subject and interval (``frame``), a unit per column, notes per row."""

    frame: pd.DataFrame
    units: dict[str, str]
    notes: tuple[dict[str, str], ...]
    flags: tuple[tuple[str, ...], ...]
    profiles: tuple[SubjectProfile, ...]
    superposition: tuple[dict[str, object], ...] = ()
    options: NCAOptions | None = None

    @property
    def parameter_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ROW_COLUMNS]

    def to_json(self) -> dict[str, object]:
        """Plain data: units, rows (with notes and flags), summary, superposition."""
        rows = []
        for rec, note, flag in zip(self.frame.to_dict("records"), self.notes, self.flags,
                                   strict=True):
            rows.append({k: _plain(v) for k, v in rec.items()} | {
                "notes": {k: v for k, v in note.items()
                          if k == "*" or (k in rec and rec[k] is None)},
                "flags": list(flag)})
        summary = summarise(self)
        return {"units": self.units, "subjects": rows,
                "summary": [{k: _plain(v) for k, v in r.items()}
                            for r in summary.to_dict("records")],
                "superposition": list(self.superposition)}


def _plain(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def run_nca(data: NCAData, options: NCAOptions | None = None) -> NCAResults:
    """NCA of every subject and dosing interval of ``data`` (see module docstring)."""
    opt = options or NCAOptions()
    if opt.dose is not None and data.has_doses:
        raise InputError("dose", "the data has dose records; --dose is for data without "
                         "them (remove it, or drop the dose records)")
    vf = volume_factor(opt.dose_unit, opt.conc_unit)
    rows: list[dict[str, object]] = []
    notes: list[dict[str, str]] = []
    flags: list[tuple[str, ...]] = []
    profiles: list[SubjectProfile] = []
    supers: list[dict[str, object]] = []
    partial_codes = [partial_auc_code(s, e) for s, e in opt.partial]
    known_ids = {s.id for s in data.subjects}
    for key in opt.lambda_z:
        if key != "*" and key not in known_ids and str(key) not in map(str, known_ids):
            raise InputError("lambda-z", "no subject with this ID in the data", got=str(key))
    for subj in data.subjects:
        intervals = dosing_intervals(subj, opt.blq, dose=opt.dose,
                                     duration=opt.duration or 0.0)
        spec = _spec_for(opt.lambda_z, subj.id)
        auc_tau_first: tuple[float, float] | None = None
        for iv in intervals:
            duration = iv.duration if iv.duration > 0 else (opt.duration or 0.0)
            route = opt.route or ("iv_infusion" if duration > 0 else "extravascular")
            if route == "iv_infusion" and duration <= 0:
                raise InputError("duration", f"ID {subj.id}: an IV infusion needs a "
                                 "duration: RATE or DUR on the dose record, or --duration")
            if route == "iv_bolus" and iv.duration > 0:
                raise InputError("route", f"ID {subj.id}: dose {iv.index} has an infusion "
                                 f"duration ({iv.duration:g} {opt.time_unit}) but the route "
                                 "is iv-bolus")
            row: dict[str, object] = {
                "ID": subj.id, "INTERVAL": iv.index, "KIND": "observed",
                "START": iv.start, "END": iv.end, "TAU": iv.tau, "DOSE": iv.dose,
                "ROUTE": route, "DURATION": duration if route == "iv_infusion" else None}
            if not np.any(iv.conc > 0):
                notes.append({"*": "no positive concentration after this dose"})
                flags.append(())
                rows.append(row)
                continue
            dose_note = ("no dose: give --dose or dose records" if iv.dose is None else "")
            try:
                r = analyse_profile(
                    iv.time, iv.conc, dose=iv.dose, route=route, duration=duration,
                    auc_method=opt.auc_method, predose=iv.predose,
                    c0_from_sample=iv.first_dose, lambda_z=spec,
                    tmax_in_lambda_z=opt.tmax_in_lambda_z, tau=iv.tau, partial=opt.partial,
                    volume_factor=vf, dose_note=dose_note)
            except InputError as exc:
                raise InputError(f"ID {subj.id}, dose {iv.index}", str(exc)) from exc
            vals = dict(r.values)
            if iv.tau is not None and vals.get("AUCTAU") is not None:
                if auc_tau_first is None:
                    auc_tau_first = (iv.tau, float(vals["AUCTAU"]))  # type: ignore[arg-type]
                    vals["ACCR"] = None
                elif math.isclose(auc_tau_first[0], iv.tau, rel_tol=1e-9):
                    vals["ACCR"] = float(vals["AUCTAU"]) / auc_tau_first[1]  # type: ignore[arg-type]
            row.update(vals)
            rows.append(row)
            n = dict(r.notes)
            if iv.note:
                n["START"] = iv.note
            notes.append(n)
            flags.append(r.flags)
            profiles.append(SubjectProfile(subj.id, iv.index, "observed", r))
        if opt.superposition_tau is not None and intervals and profiles \
                and profiles[-1].id == subj.id:
            first = next(p for p in profiles if p.id == subj.id)
            tau = opt.superposition_tau
            try:
                gt, gc = superpose(first.result, tau)
            except InputError as exc:
                notes.append({"*": f"superposition: {exc.problem}"})
                flags.append(())
                rows.append({"ID": subj.id, "INTERVAL": None, "KIND": "superposition",
                             "TAU": tau})
                continue
            single = intervals[0]
            r = analyse_profile(gt, gc, dose=single.dose, route=first.result.route,
                                duration=single.duration or (opt.duration or 0.0),
                                auc_method=opt.auc_method, tau=tau, c0_from_sample=True,
                                volume_factor=vf, dose_note="no dose")
            vals = {k: r.values.get(k) for k in ("CMAX", "TMAX", "AUCTAU", "CMIN",
                                                   "CTROUGH", "CAVG", "FLUCP")}
            auc1 = first.result.partial_auc(0.0, tau)
            vals["ACCR"] = (vals["AUCTAU"] / auc1  # type: ignore[operator]
                            if auc1 and vals["AUCTAU"] is not None else None)
            rows.append({"ID": subj.id, "INTERVAL": None, "KIND": "superposition",
                         "START": None, "END": None, "TAU": tau, "DOSE": single.dose,
                         "ROUTE": first.result.route, "DURATION": None, **vals})
            notes.append({"*": "steady state predicted by superposition of dose 1"})
            flags.append(())
            profiles.append(SubjectProfile(subj.id, 0, "superposition", r))
            supers.append({"ID": _plain(subj.id), "tau": tau,
                           "time": [float(x) for x in gt], "conc": [float(x) for x in gc]})
    frame = pd.DataFrame(rows)
    codes = _columns_for(frame, [p.code for p in PARAMETERS], partial_codes)
    for col in (*ROW_COLUMNS, *codes):
        if col not in frame.columns:
            frame[col] = None
    frame = frame[[*ROW_COLUMNS, *codes]]
    frame = frame.astype(object).where(frame.notna(), None)
    units = parameter_units(opt.time_unit, opt.conc_unit, opt.dose_unit)
    units = {"ID": "", "INTERVAL": "", "KIND": "", "START": opt.time_unit,
             "END": opt.time_unit, "TAU": opt.time_unit, "DOSE": opt.dose_unit,
             "ROUTE": "", "DURATION": opt.time_unit,
             **{c: units.get(c, units["AUCLST"]) for c in codes}}
    return NCAResults(frame, units, tuple(notes), tuple(flags), tuple(profiles),
                      tuple(supers), opt)


def _spec_for(specs: Mapping[object, LambdaZSpec], sid: object) -> LambdaZSpec | None:
    for key in (sid, str(sid)):
        if key in specs:
            return specs[key]
    return specs.get("*")


def _columns_for(frame: pd.DataFrame, codes: Sequence[str], partial: Sequence[str]
                 ) -> list[str]:
    """The codes that apply to the routes present (and interval codes when any)."""
    routes = set(frame.get("ROUTE", pd.Series(dtype=object)).dropna())
    ev = "extravascular" in routes
    iv = bool(routes & {"iv_bolus", "iv_infusion"})
    bolus = "iv_bolus" in routes
    has_tau = "TAU" in frame and frame["TAU"].notna().any()
    keep = []
    for code in codes:
        if (code in _EV_ONLY and not ev) or (code in _IV_ONLY and not iv):
            continue
        if (code in _BOLUS_ONLY and not bolus) or (code in _INTERVAL and not has_tau):
            continue
        keep.append(code)
    return keep + list(partial)


def summarise(results: NCAResults) -> pd.DataFrame:
    """Statistics of each parameter across subjects, by interval and kind: N, geometric
    mean and CV% (positive values only), mean, SD, CV%, median, min, max, and which of
    them PKNCA's summary() shows for the parameter."""
    f = results.frame
    out = []
    group_cols = ["INTERVAL", "KIND"]
    for (interval, kind), g in f.groupby(group_cols, dropna=False, sort=False):
        for code in results.parameter_columns:
            v = pd.to_numeric(g[code], errors="coerce").dropna().to_numpy(float)
            row: dict[str, object] = {"INTERVAL": None if pd.isna(interval) else interval,
                                      "KIND": kind, "PARAM": code,
                                      "UNIT": results.units.get(code, ""), "N": int(v.size)}
            if v.size:
                pos = v[v > 0]
                geo = pos.size == v.size
                lv = np.log(pos) if geo else None
                sd = float(v.std(ddof=1)) if v.size > 1 else None
                mean = float(v.mean())
                row.update({
                    "GEOMEAN": float(np.exp(lv.mean())) if geo else None,
                    "GEOCV": (float(100 * math.sqrt(math.expm1(lv.var(ddof=1))))
                              if geo and v.size > 1 else None),
                    "MEAN": mean, "SD": sd,
                    "CV": 100 * sd / mean if sd is not None and mean != 0 else None,
                    "MEDIAN": float(np.median(v)), "MIN": float(v.min()),
                    "MAX": float(v.max())})
            row["PKNCA"] = _PKNCA_SUMMARY.get(code, "geometric mean (geometric CV%)")
            out.append(row)
    cols = ["INTERVAL", "KIND", "PARAM", "UNIT", "N", "GEOMEAN", "GEOCV", "MEAN", "SD",
            "CV", "MEDIAN", "MIN", "MAX", "PKNCA"]
    frame = pd.DataFrame(out, columns=cols)
    return frame.astype(object).where(frame.notna(), None)


def labelled(results: NCAResults) -> pd.DataFrame:
    """The frame with each column named ``CODE (unit)`` (bare code when unitless)."""
    return results.frame.rename(columns={
        c: f"{c} ({u})" if (u := results.units.get(c, "")) else c for c in results.frame})


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Refuse an output name that is not .csv or .parquet (before any work)."""
    p = Path(path)
    if p.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("out", "must end in .csv or .parquet", got=str(path))
    if p.exists() and p.is_dir():
        raise InputError("out", "is a directory", got=str(path))
    return p


def write_results(results: NCAResults, path: str | os.PathLike[str]) -> Path:
    """Write the table atomically (nothing is left behind on error): columns ``CODE
    (unit)``; Parquet also stores each column's unit in its field metadata."""
    from xposim.io import atomic_file

    p = check_output_path(path)
    table = labelled(results)
    with atomic_file(p) as tmp:
        if p.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(_typed(table), preserve_index=False)
            fields = [f.with_metadata({b"unit": results.units.get(c, "").encode()})
                      for f, c in zip(arrow.schema, results.frame.columns, strict=True)]
            arrow = arrow.cast(pa.schema(fields, metadata=arrow.schema.metadata))
            pq.write_table(arrow, tmp)
    return p


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as float (None -> NaN) so Parquet stores numbers, not objects."""
    out = table.copy()
    for c in out.columns:
        conv = pd.to_numeric(out[c], errors="coerce")
        if conv.notna().sum() == out[c].notna().sum():
            out[c] = conv.astype(float)
        else:
            out[c] = out[c].astype("string")
    return out


def parameter_names(codes: Sequence[str]) -> list[str]:
    """Human names (WinNonlin's) for codes, for tables and plots."""
    return [BY_CODE[c].winnonlin if c in BY_CODE else c for c in codes]
