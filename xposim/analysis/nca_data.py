"""Reading concentration-time data for NCA: NONMEM-style files and tidy tables.

A NONMEM-style file has ``ID, TIME, DV`` and optionally ``AMT, EVID, MDV, RATE, DUR,
CMT, ADDL, II, SS`` (any case; ``.`` or empty = missing). A tidy table names its subject,
time and concentration columns through :class:`Columns`. Records are classified as
NONMEM does: with ``EVID``, 0 is an observation and 1/4 a dose; without it, a record with
``AMT`` > 0 is a dose and any other record with ``MDV`` != 1 an observation. Dose records
give the amount (``AMT``) and, for infusions, the duration (``AMT/RATE`` when ``RATE`` >
0, ``DUR`` when ``RATE`` = -2 or when only ``DUR`` is given); ``ADDL``/``II`` add doses.

Every broken rule is one :class:`~xposim.errors.InputError` naming the row (1-based data
row: the first row under a CSV header is row 1) and the column: non-numeric values,
negative concentrations, times that decrease within a subject, two samples at one time
with different values, a file without any positive concentration. Missing
concentrations on observation records are dropped (PKNCA ``conc.na = "drop"``).
BLQ samples (0, below ``lloq``, or flagged in a BLQ column) are handled per profile by a
:class:`BLQRule`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError

#: Column roles and the names recognised for them (case-insensitive) when not given.
AUTO_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("ID", "SUBJECT", "SUBJ", "USUBJID"),
    "time": ("TIME",),
    "conc": ("DV", "CONC", "CONCENTRATION"),
    "amt": ("AMT",),
    "evid": ("EVID",),
    "mdv": ("MDV",),
    "rate": ("RATE",),
    "dur": ("DUR",),
    "cmt": ("CMT",),
    "addl": ("ADDL",),
    "ii": ("II",),
    "ss": ("SS",),
    "blq": ("BLQ", "BLQFL", "CENS"),
}
REQUIRED_ROLES = ("id", "time", "conc")


@dataclass(frozen=True)
class Columns:
    """Column names by role; ``None`` = find it by its usual names (:data:`AUTO_NAMES`)."""

    id: str | None = None
    time: str | None = None
    conc: str | None = None
    amt: str | None = None
    evid: str | None = None
    mdv: str | None = None
    rate: str | None = None
    dur: str | None = None
    cmt: str | None = None
    addl: str | None = None
    ii: str | None = None
    ss: str | None = None
    blq: str | None = None


@dataclass(frozen=True)
class BLQRule:
    """What to do with BLQ samples by position (PKNCA ``conc.blq`` with its defaults):
    before the first measurable sample (``first``), between measurable samples
    (``middle``), after the last (``last``). Each is ``"keep"`` (as 0), ``"drop"`` or a
    number to use instead."""

    first: str | float = "keep"
    middle: str | float = "drop"
    last: str | float = "keep"

    def __post_init__(self) -> None:
        for name in ("first", "middle", "last"):
            v = getattr(self, name)
            if isinstance(v, str):
                if v not in ("keep", "drop"):
                    raise InputError("blq", f"{name} must be keep, drop or a number >= 0",
                                     got=v)
            elif not (math.isfinite(float(v)) and float(v) >= 0):
                raise InputError("blq", f"{name} must be keep, drop or a number >= 0",
                                 got=v)

    @classmethod
    def parse(cls, text: str) -> BLQRule:
        """``"first=keep,middle=drop,last=0.5"`` or one value for all positions."""
        def value(v: str) -> str | float:
            v = v.strip().lower()
            if v in ("keep", "drop"):
                return v
            try:
                return float(v)
            except ValueError as exc:
                raise InputError("blq", "values must be keep, drop or a number",
                                 got=v) from exc

        text = text.strip()
        if "=" not in text:
            v = value(text)
            return cls(v, v, v)
        parts: dict[str, str | float] = {}
        for item in text.split(","):
            key, _, val = item.partition("=")
            key = key.strip().lower()
            if key not in ("first", "middle", "last"):
                raise InputError("blq", "positions are first, middle and last", got=key)
            parts[key] = value(val)
        return cls(**parts)  # type: ignore[arg-type]


def apply_blq(time: np.ndarray, conc: np.ndarray, blq: np.ndarray, rule: BLQRule
              ) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``rule`` to one profile (``blq`` marks BLQ samples; their value is ignored)."""
    measurable = np.flatnonzero(~blq)
    idx = np.arange(time.size)
    if measurable.size == 0:
        position = np.full(time.size, "first")
    else:
        position = np.where(idx < measurable[0], "first",
                            np.where(idx > measurable[-1], "last", "middle"))
    keep = ~blq.copy()
    out = conc.astype(float).copy()
    for name in ("first", "middle", "last"):
        sel = blq & (position == name)
        action = getattr(rule, name)
        if action == "drop":
            continue
        keep |= sel
        out[sel] = 0.0 if action == "keep" else float(action)
    return time[keep], out[keep]


@dataclass(frozen=True)
class SubjectData:
    """One subject's observations and doses (times in the file's unit)."""

    id: object
    time: np.ndarray = field(repr=False)
    conc: np.ndarray = field(repr=False)
    blq: np.ndarray = field(repr=False)
    rows: np.ndarray = field(repr=False)  # 1-based data rows of the observations
    dose_time: np.ndarray = field(repr=False)
    dose_amount: np.ndarray = field(repr=False)
    dose_duration: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class NCAData:
    """A dataset ready for NCA: subjects in file order, the columns used, what was dropped."""

    subjects: tuple[SubjectData, ...]
    columns: dict[str, str]
    dropped_missing: int = 0
    has_doses: bool = False


def _err(row: int, col: str, problem: str, got: object = None) -> InputError:
    return InputError(f"row {row}, column {col}", problem, got=got)


def _numeric(raw: pd.Series, col: str) -> np.ndarray:
    """Numbers with NaN for missing ('.' or empty); anything else names its row."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(raw):
        out = raw.to_numpy(dtype=float)
    else:
        text = raw.astype("string").str.strip()
        missing = raw.isna().to_numpy() | text.isin(["", "."]).fillna(True).to_numpy()
        num = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(num) & ~missing
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _err(i + 1, col, "must be numeric ('.' or empty means missing)",
                       got=str(raw.iloc[i]))
        out = num
    inf = np.isinf(out)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise _err(i + 1, col, "must be finite", got=float(out[i]))
    return out


def read_table(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """A CSV or Parquet file (by extension) or a DataFrame, as read (strings kept)."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    path = Path(source)
    if not path.is_file():
        raise InputError("data", "file not found", got=str(path))
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, OSError) as exc:
        raise InputError("data", f"not a readable CSV or Parquet file ({exc})",
                         got=str(path)) from exc
    if df.empty:
        raise InputError("data", "has no data rows", got=str(path))
    return df


def _resolve(df: pd.DataFrame, columns: Columns) -> dict[str, str]:
    by_upper: dict[str, str] = {}
    for c in df.columns:
        key = str(c).strip().upper()
        if key in by_upper:
            raise InputError("data", "column names must be unique (case-insensitive)",
                             got=str(c))
        by_upper[key] = str(c)
    found: dict[str, str] = {}
    for role, names in AUTO_NAMES.items():
        given = getattr(columns, role)
        if given is not None:
            if given.strip().upper() not in by_upper:
                raise InputError(f"{role}-col", f"no column {given!r} in the data; have "
                                 f"{', '.join(map(str, df.columns))}")
            found[role] = by_upper[given.strip().upper()]
            continue
        for name in names:
            if name in by_upper:
                found[role] = by_upper[name]
                break
    missing = [r for r in REQUIRED_ROLES if r not in found]
    if missing:
        raise InputError("data", f"missing column(s) for {', '.join(missing)} "
                         f"(NONMEM names {', '.join(AUTO_NAMES[r][0] for r in missing)}, or "
                         f"name them with --{missing[0]}-col); have "
                         f"{', '.join(map(str, df.columns))}")
    return found


def read_nca_data(source: str | os.PathLike[str] | pd.DataFrame, *,
                  columns: Columns | None = None, lloq: float | None = None,
                  obs_cmt: int | None = None) -> NCAData:
    """Read and check a dataset (see module docstring); one error names row and column."""
    df = read_table(source)
    cols = _resolve(df, columns or Columns())
    n = len(df)
    num = {role: _numeric(df[c], c) for role, c in cols.items() if role != "id"}
    ids_raw = df[cols["id"]]
    ids = ids_raw.astype("string").str.strip()
    if ids.isna().any() or (ids == "").any() or (ids == ".").any():
        i = int(np.flatnonzero((ids.isna() | (ids == "") | (ids == ".")).to_numpy())[0])
        raise _err(i + 1, cols["id"], "a subject ID is required on every record")
    time = num["time"]
    if np.isnan(time).any():
        i = int(np.flatnonzero(np.isnan(time))[0])
        raise _err(i + 1, cols["time"], "a time is required on every record")
    amt = num.get("amt", np.full(n, np.nan))
    mdv = num.get("mdv", np.zeros(n))
    if "evid" in num:
        evid = num["evid"]
        if np.isnan(evid).any():
            i = int(np.flatnonzero(np.isnan(evid))[0])
            raise _err(i + 1, cols["evid"], "EVID is required on every record (0 "
                       "observation, 1 dose, 2 other, 3 reset, 4 reset and dose)")
        bad = ~np.isin(evid, (0, 1, 2, 3, 4))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _err(i + 1, cols["evid"], "must be 0, 1, 2, 3 or 4", got=float(evid[i]))
        is_dose = np.isin(evid, (1, 4))
        is_obs = (evid == 0) & ~(mdv == 1)
    else:
        is_dose = np.nan_to_num(amt) > 0
        is_obs = ~is_dose & ~(mdv == 1)
    if "ss" in num and np.any(np.nan_to_num(num["ss"])[is_dose] != 0):
        i = int(np.flatnonzero(is_dose & (np.nan_to_num(num["ss"]) != 0))[0])
        raise _err(i + 1, cols["ss"], "steady-state dose records (SS != 0) are not "
                   "supported by nca: give the doses of the analysed intervals")
    if is_dose.any():
        bad = is_dose & ~(np.nan_to_num(amt) > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _err(i + 1, cols.get("amt", "AMT"), "a dose record needs AMT > 0",
                       got=None if "amt" not in cols else str(df[cols["amt"]].iloc[i]))
    if obs_cmt is not None and "cmt" in num:
        is_obs &= num["cmt"] == obs_cmt
    conc = num["conc"]
    neg = is_obs & (conc < 0)
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise _err(i + 1, cols["conc"], "concentrations must be >= 0", got=float(conc[i]))
    missing_conc = is_obs & np.isnan(conc)
    blq = np.zeros(n, dtype=bool)
    if "blq" in num:
        blq |= np.nan_to_num(num["blq"]) == 1
    is_obs &= ~(missing_conc & ~blq)  # a missing value is dropped unless flagged BLQ
    conc = np.where(blq, 0.0, conc)
    blq |= conc == 0
    if lloq is not None:
        if not (math.isfinite(lloq) and lloq > 0):
            raise InputError("lloq", "must be > 0", got=lloq)
        blq |= conc < lloq
    duration = np.zeros(n)
    if is_dose.any():
        rate = num.get("rate", np.zeros(n))
        dur = num.get("dur", np.zeros(n))
        rate_d, dur_d = np.nan_to_num(rate), np.nan_to_num(dur)
        modelled = is_dose & (rate_d == -1)
        if modelled.any():
            i = int(np.flatnonzero(modelled)[0])
            raise _err(i + 1, cols["rate"], "RATE = -1 (rate estimated by the model) has "
                       "no duration for NCA: give RATE > 0 or DUR")
        need_dur = is_dose & (rate_d == -2) & ~(dur_d > 0)
        if need_dur.any():
            i = int(np.flatnonzero(need_dur)[0])
            raise _err(i + 1, cols.get("dur", "DUR"), "RATE = -2 needs DUR > 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            duration = np.where(rate_d > 0, np.nan_to_num(amt) / rate_d,
                                np.where(dur_d > 0, dur_d, 0.0))
        duration = np.where(is_dose, duration, 0.0)

    subjects: list[SubjectData] = []
    codes, uniques = pd.factorize(ids, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    has_pos = False
    for rows in np.split(order, bounds):
        sid = _subject_id(uniques[codes[rows[0]]])
        t = time[rows]
        dec = np.flatnonzero(np.diff(t) < 0)
        if dec.size:
            r = int(rows[dec[0] + 1])
            raise _err(r + 1, cols["time"], f"times must not decrease within ID {sid} "
                       f"({t[dec[0] + 1]:g} after {t[dec[0]]:g}); sort the records by time")
        obs = rows[is_obs[rows]]
        ot, oc, ob = time[obs], conc[obs], blq[obs]
        same = np.flatnonzero(np.diff(ot) == 0)
        if same.size:
            diff = (oc[same] != oc[same + 1]) & ~(np.isnan(oc[same]) & np.isnan(oc[same + 1]))
            if diff.any():
                j = int(same[np.flatnonzero(diff)[0]])
                raise InputError(f"rows {obs[j] + 1} and {obs[j + 1] + 1}, column "
                                 f"{cols['conc']}", f"two samples of ID {sid} at time "
                                 f"{ot[j]:g} differ ({oc[j]:g} vs {oc[j + 1]:g})")
            keep = np.ones(ot.size, dtype=bool)
            keep[same + 1] = False
            obs, ot, oc, ob = obs[keep], ot[keep], oc[keep], ob[keep]
        has_pos |= bool(np.any(~ob))
        dose_rows = rows[is_dose[rows]]
        dt, da, dd = time[dose_rows], amt[dose_rows], duration[dose_rows]
        if "addl" in num and dose_rows.size:
            addl = np.nan_to_num(num["addl"][dose_rows]).astype(int)
            ii = np.nan_to_num(num.get("ii", np.zeros(n))[dose_rows])
            bad = (addl > 0) & ~(ii > 0)
            if bad.any():
                r = int(dose_rows[np.flatnonzero(bad)[0]])
                raise _err(r + 1, cols.get("ii", "II"), "ADDL > 0 needs II > 0")
            rep = addl + 1
            k = np.concatenate([np.arange(m) for m in rep])
            dt = np.repeat(dt, rep) + k * np.repeat(ii, rep)
            da, dd = np.repeat(da, rep), np.repeat(dd, rep)
            o = np.argsort(dt, kind="stable")
            dt, da, dd = dt[o], da[o], dd[o]
        subjects.append(SubjectData(sid, ot, oc, ob, obs + 1, dt, da, dd))
    if not has_pos:
        raise InputError(f"column {cols['conc']}", "no positive (measurable) concentration "
                         "in the file: nothing to analyse")
    return NCAData(tuple(subjects), cols, int(missing_conc.sum()), bool(is_dose.any()))


def _subject_id(value: object) -> object:
    """IDs as numbers when they are (1, 2.5), else the text."""
    text = str(value)
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f
