"""NONMEM-format datasets: read, validate and write.

A dataset is a table of records, one per row: ``ID, TIME, AMT, EVID, CMT, RATE, II, ADDL,
SS, DV, MDV`` plus any covariate columns (kept untouched, in order). Only ``ID`` and
``TIME`` are required; the others default as NONMEM defaults them (``EVID`` from ``AMT``
and ``MDV``, ``MDV`` from ``EVID``, ``CMT`` 1 for doses, ...). Rows keep their order.

Every rule broken is reported as ``InputError(field="row N", ...)`` with ``N`` the 1-based
data row (the first row after the header is row 1) and the rule, e.g.
``row 7: TIME must not decrease within ID 3 (NONMEM data item order), got 1.5 < 2.0``.
Rules and their sources are listed in docs/nonmem-semantics.md.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.io import atomic_file
from xposim.limits import MAX_ADMINISTRATIONS, MAX_DATASET_ROWS

#: standard NONMEM data items, in the order they are written
STANDARD_COLUMNS: tuple[str, ...] = (
    "ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL", "SS", "DV", "MDV",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("ID", "TIME")
_INTEGER_COLUMNS = ("EVID", "CMT", "ADDL", "SS", "MDV")
# Aliases NONMEM datasets commonly use; mapped to the standard names on read.
_ALIASES = {"CMT": ("CMT", "COMP"), "DV": ("DV", "CONC", "ODV")}


def _err(row: int, problem: str, got: object = None) -> InputError:
    return InputError(f"row {row}", problem, got=got)


def _to_numeric(df: pd.DataFrame, col: str, *, required: bool) -> pd.Series:
    raw = df[col]
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        num = raw.astype(float)
    else:
        text = raw.astype(str).str.strip()
        missing = raw.isna() | text.isin(["", ".", "nan", "NaN"])
        num = pd.to_numeric(text.where(~missing), errors="coerce").astype(float)
        bad = num.isna() & ~missing
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _err(i + 1, f"{col} must be numeric ('.' or empty means missing)",
                       got=str(raw.iloc[i]))
    if required and num.isna().any():
        i = int(np.flatnonzero(num.isna().to_numpy())[0])
        raise _err(i + 1, f"{col} is required on every record")
    finite = np.isfinite(num.to_numpy()) | num.isna().to_numpy()
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise _err(i + 1, f"{col} must be finite", got=float(num.iloc[i]))
    return num


def validate_dataset(df: pd.DataFrame) -> pd.DataFrame:
    """Check a NONMEM dataset and return it normalised (a new frame; ``df`` untouched).

    Normalisation: upper-case standard column names (aliases ``COMP``→``CMT``,
    ``CONC``/``ODV``→``DV``), numeric standard columns (``.`` = missing), defaults filled
    (``AMT``, ``RATE``, ``II``, ``ADDL``, ``SS`` 0; without ``EVID``: 1 where ``AMT`` > 0,
    2 where ``MDV`` = 1 and no dose, else 0; ``MDV`` 1 for non-observations; ``CMT`` 1 for
    doses without one; ``DV`` missing if absent), standard columns first in
    :data:`STANDARD_COLUMNS` order, then the others in their original order (numeric
    where every value is). Row order is kept; the index is reset to 0..n-1.

    Raises :class:`~xposim.errors.InputError` with ``field="row N"`` (1-based data row)
    naming the broken rule.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("dataset", "must be a pandas DataFrame or a CSV path",
                         got=type(df).__name__)
    out = df.copy().reset_index(drop=True)
    rename: dict[str, str] = {}
    upper = {str(c).strip().upper(): c for c in out.columns}
    if len(upper) != len(out.columns):
        raise InputError("dataset", "column names must be unique (case-insensitive)",
                         got=list(map(str, out.columns)))
    for std in STANDARD_COLUMNS:
        for alias in _ALIASES.get(std, (std,)):
            if alias in upper and std not in rename.values():
                rename[upper[alias]] = std
                break
    out = out.rename(columns=rename)
    missing = [c for c in REQUIRED_COLUMNS if c not in out.columns]
    if missing:
        raise InputError("dataset", f"missing required column(s) {', '.join(missing)} "
                         "(NONMEM needs ID and TIME)", got=list(map(str, df.columns)))
    if len(out) == 0:
        raise InputError("dataset", "has no data rows")
    n = len(out)
    cols: dict[str, pd.Series] = {}
    for c in STANDARD_COLUMNS:
        if c in out.columns:
            cols[c] = _to_numeric(out, c, required=c in REQUIRED_COLUMNS)
    zeros = pd.Series(np.zeros(n), index=out.index)
    amt = cols.get("AMT", zeros).fillna(0.0)
    for c in (*_INTEGER_COLUMNS, "ID"):
        if c in cols:
            s = cols[c]
            nonint = s.notna() & (s != np.round(s))
            if nonint.any():
                i = int(np.flatnonzero(nonint.to_numpy())[0])
                raise _err(i + 1, f"{c} must be an integer", got=float(s.iloc[i]))
    if "EVID" in cols:
        evid = cols["EVID"]
        if evid.isna().any():
            # NONMEM: EVID missing -> 1 if AMT > 0 else 0 (with MDV deciding for obs)
            evid = evid.where(evid.notna(), np.where(amt > 0, 1.0, 0.0))
    else:
        mdv0 = cols.get("MDV")
        evid = pd.Series(np.where(amt > 0, 1.0, 0.0), index=out.index)
        if mdv0 is not None:
            # records with MDV=1 and no dose are "other" events (EVID 2), NONMEM UG V
            evid = evid.where(~((amt <= 0) & (mdv0.fillna(0) == 1)), 2.0)
    bad = ~evid.isin([0, 1, 2, 3, 4])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _err(i + 1, "EVID must be 0 (observation), 1 (dose), 2 (other), 3 (reset) "
                   "or 4 (reset and dose)", got=float(evid.iloc[i]))
    rate = cols.get("RATE", zeros).fillna(0.0)
    ii = cols.get("II", zeros).fillna(0.0)
    addl = cols.get("ADDL", zeros).fillna(0.0)
    ss = cols.get("SS", zeros).fillna(0.0)
    time = cols["TIME"]
    ident = cols["ID"]
    isdose = evid.isin([1, 4]).to_numpy()
    mdv = cols.get("MDV")
    if mdv is None:
        mdv = pd.Series(np.where(evid == 0, 0.0, 1.0), index=out.index)
    else:
        mdv = mdv.where(mdv.notna(), np.where(evid == 0, 0.0, 1.0))
    cmt = cols.get("CMT")
    if cmt is None:
        cmt = pd.Series(np.where(isdose, 1.0, np.nan), index=out.index)
    else:
        cmt = cmt.where(cmt.notna() | ~pd.Series(isdose, index=out.index), 1.0)
    dv = cols.get("DV", pd.Series(np.full(n, np.nan), index=out.index))

    t, idv, e = time.to_numpy(), ident.to_numpy(), evid.to_numpy()
    a, rt, i_, ad, s_ = (x.to_numpy() for x in (amt, rate, ii, addl, ss))
    dose = np.isin(e, (1, 4))
    same_id = np.r_[False, idv[1:] == idv[:-1]]
    back = same_id & np.r_[False, t[1:] < t[:-1]] & ~np.isin(e, (3, 4))
    const_inf = (s_ == 1) & (rt > 0) & (a == 0)
    prev_t = np.r_[np.nan, t[:-1]]
    # (violating rows, rule, offending value per row); the earliest row is reported
    rules: list[tuple[np.ndarray, str, np.ndarray | None]] = [
        (t < 0, "TIME must be >= 0", t),
        (back, "TIME must not decrease within an ID (records are in time order within "
               "an individual; only a reset, EVID 3 or 4, may restart the clock; "
               "NONMEM UG V)", np.array([f"{x:g} after {y:g}" for x, y in zip(
                   t, prev_t, strict=True)]) if back.any() else None),
        (a < 0, "AMT must be >= 0", a),
        (i_ < 0, "II must be >= 0", i_),
        (ad < 0, "ADDL must be >= 0", ad),
        (ad >= MAX_ADMINISTRATIONS.value, f"ADDL must be < {MAX_ADMINISTRATIONS.value:,} "
         f"(a record expands to ADDL + 1 doses; xposim.limits.{MAX_ADMINISTRATIONS.name})",
         ad),
        (~np.isin(s_, (0, 1, 2)), "SS must be 0, 1 or 2", s_),
        (~((rt >= 0) | np.isin(rt, (-1, -2))), "RATE must be >= 0, -1 (modelled rate) "
         "or -2 (modelled duration)", rt),
        (~np.isin(mdv.to_numpy(), (0, 1)), "MDV must be 0 or 1", mdv.to_numpy()),
        (dose & (cmt.to_numpy() == 0), "CMT must not be 0 on a dose record", None),
        (dose & (s_ > 0) & (i_ <= 0) & ~const_inf, "SS dose needs II > 0 (only a "
         "constant infusion, SS=1 with AMT=0 and RATE>0, may have II=0)", i_),
        (dose & (ad > 0) & (i_ <= 0), "ADDL > 0 needs II > 0", i_),
        (dose & (a == 0) & ~const_inf, "a dose record needs AMT > 0 (or SS=1, AMT=0, "
         "RATE>0 for a steady-state constant infusion)", a),
        (~dose & ((a != 0) | (rt != 0) | (s_ != 0) | (ad != 0)), "a record with EVID 0, "
         "2 or 3 must not carry a dose (AMT, RATE, SS, ADDL must be 0 or missing)", None),
    ]
    first = [(int(np.argmax(m)), j) for j, (m, _, _) in enumerate(rules) if m.any()]
    if first:
        row, j = min(first)
        _, problem, got = rules[j]
        value = None if got is None else got[row]
        if isinstance(value, np.floating):
            value = float(value)
        elif isinstance(value, np.str_):
            value = str(value)
        raise _err(row + 1, problem, got=value)
    MAX_DATASET_ROWS.check("ADDL", n + float(ad[dose].sum()),
                           hint="the records with the ADDL doses they expand to")
    std = {
        "ID": ident, "TIME": time, "AMT": amt, "EVID": evid, "CMT": cmt, "RATE": rate,
        "II": ii, "ADDL": addl, "SS": ss, "DV": dv, "MDV": mdv,
    }
    result = pd.DataFrame(index=out.index)
    for c in STANDARD_COLUMNS:
        s = std[c]
        if c in _INTEGER_COLUMNS or c == "ID":
            if s.isna().any():
                result[c] = s.astype("Int64")
            else:
                result[c] = s.astype(np.int64)
        else:
            result[c] = s.astype(float)
    for c in out.columns:
        if c not in STANDARD_COLUMNS:
            col = out[c]
            if not pd.api.types.is_numeric_dtype(col):
                text = col.astype(str).str.strip()
                missing = col.isna() | text.isin(["", "."])
                conv = pd.to_numeric(text.where(~missing), errors="coerce")
                if not (conv.isna() & ~missing).any():
                    col = conv.astype(float)
            result[c] = col
    return result


def read_dataset(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Read a NONMEM dataset (CSV path or DataFrame) and return it validated.

    CSV: comma-separated with a header row; a leading ``#`` on the header (NONMEM's
    ``IGNORE=#`` convention) is stripped; ``.`` means missing. Rows are numbered from 1
    (the first data row) in errors.
    """
    if isinstance(source, pd.DataFrame):
        return validate_dataset(source)
    path = Path(source)
    if not path.is_file():
        raise InputError("dataset", "file not found", got=str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError("dataset", f"not a readable CSV ({exc})", got=str(path)) from exc
    df.columns = [str(c).strip().lstrip("#").strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip())
    return validate_dataset(df)


def _fmt(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "."
    if isinstance(x, float | np.floating):
        return repr(float(x)) if float(x) != int(x) or abs(x) >= 1e15 else str(int(x))
    return str(x)


def write_dataset(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Validate ``df`` and write it as a NONMEM CSV (missing = ``.``), atomically.

    Floats are written with full precision (``repr``) so a write/read round trip is
    exact. Returns the path written.
    """
    data = validate_dataset(df)
    target = Path(path)
    with atomic_file(target) as tmp:
        lines = [",".join(map(str, data.columns))]
        cols = [data[c].tolist() for c in data.columns]
        for row in zip(*cols, strict=True):
            lines.append(",".join(_fmt(v) for v in row))
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
