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

import os
from collections.abc import Mapping
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
    # steady-state constant infusion: SS > 0 with AMT = 0 (NONMEM help, SS dose event
    # record: RATE > 0, 0 or -1, II = 0, no ADDL; the infusion ends at the record)
    const_inf = dose & (s_ > 0) & (a == 0)
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
        (const_inf & (i_ != 0), "a steady-state constant infusion (SS>0, AMT=0) needs "
         "II=0 (NONMEM help, II data item)", i_),
        (const_inf & (ad != 0), "a steady-state constant infusion (SS>0, AMT=0) cannot "
         "have ADDL (NONMEM help, SS dose event record)", ad),
        (const_inf & (rt == -2), "a steady-state constant infusion (SS>0, AMT=0) takes "
         "RATE > 0, 0 or -1 (modelled rate), not -2", rt),
        (dose & (ad > 0) & (i_ <= 0), "ADDL > 0 needs II > 0", i_),
        (dose & (a == 0) & ~const_inf, "a dose record needs AMT > 0 (or SS=1, AMT=0, "
         "RATE>0, II=0 for a steady-state constant infusion)", a),
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


def _text(col: pd.Series | np.ndarray) -> object:
    """A column as CSV text (a pyarrow string array): numbers as the shortest text that
    reads back exactly (integral floats without a decimal point), missing as '.', other
    text quoted where a comma, quote or line break needs it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, np.ndarray):
        col = pd.Series(col)
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        arr = pa.array(col, from_pandas=True)
        if pa.types.is_floating(arr.type):
            # NaN is missing; -0.0 and 0.0 are both written 0
            arr = pc.if_else(pc.equal(arr, 0.0), 0.0, arr)
        # format each distinct value once (times, amounts, covariates repeat a lot)
        enc = pc.dictionary_encode(arr)
        if len(enc.dictionary) * 4 < len(arr):
            text = pc.take(pc.cast(enc.dictionary, pa.string()), enc.indices)
        else:
            text = pc.cast(arr, pa.string())
    else:
        text = pa.array(col.astype(object).where(col.notna(), None), type=pa.string(),
                        from_pandas=True)
        special = pc.match_substring_regex(text, r'[",\r\n]')
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"',
                                             "")
        text = pc.if_else(special, quoted, text)
    return pc.fill_null(text, ".")


def dataset_lines(df: pd.DataFrame | Mapping[str, np.ndarray]) -> object:
    """The data lines of ``df`` as CSV (a pyarrow string array, one line per row)."""
    import pyarrow.compute as pc

    cols = [_text(df[c]) for c in df]
    return cols[0] if len(cols) == 1 else pc.binary_join_element_wise(*cols, ",")


class DatasetWriter:
    """Writes a NONMEM CSV part by part (each part whole subjects, same columns), checking
    each part with :func:`validate_dataset` (``check="all"``) or its first subject only
    (``check="first"``, for parts generated by this package), to an open text file."""

    def __init__(self, fh: object, *, check: str = "all") -> None:
        if check not in ("all", "first"):
            raise InputError("check", "must be all or first", got=check)
        self.fh, self.check = fh, check
        self.columns: list[str] | None = None

    def write(self, df: pd.DataFrame | Mapping[str, np.ndarray]) -> None:
        """Append the records of ``df`` (a table, or columns as arrays)."""
        import pyarrow as pa

        if self.check == "all":
            data: pd.DataFrame | Mapping[str, np.ndarray] = validate_dataset(pd.DataFrame(df))
        else:
            ident = np.asarray(df["ID"])
            first = int(np.argmax(ident != ident[0])) if (ident != ident[0]).any() \
                else len(ident)
            head = validate_dataset(pd.DataFrame({c: np.asarray(df[c])[:first] for c in df}))
            # a part already in normal form (standard columns, order, types) is written
            # as it is; anything else is normalised in full
            same = list(head.columns) == list(df) and all(
                head[c].dtype == np.asarray(df[c]).dtype for c in df)
            data = df if same else validate_dataset(pd.DataFrame(df))
        cols = [str(c) for c in data]
        if self.columns is None:
            self.columns = cols
            self.fh.write(",".join(cols) + "\n")  # type: ignore[attr-defined]
            self.fh.flush()  # type: ignore[attr-defined]
        elif cols != self.columns:
            raise InputError("dataset", "every part must have the same columns",
                             got=", ".join(cols))
        if len(np.asarray(data[cols[0]])) == 0:
            return
        import pyarrow.compute as pc

        # "line\n" for every row; the string array's data buffer is then the file's bytes
        lines = pc.binary_join_element_wise(dataset_lines(data), "", "\n")
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        lines = lines.cast(pa.large_string())
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
            lines.offset:lines.offset + len(lines) + 1]
        data_buf = memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])]
        self.fh.flush()  # type: ignore[attr-defined]
        sink = self.fh.buffer if hasattr(self.fh, "buffer") else self.fh  # type: ignore[attr-defined]
        sink.write(data_buf)
        sink.flush()


def write_dataset(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Validate ``df`` and write it as a NONMEM CSV (missing = ``.``), atomically.

    Numbers are written as the shortest text that reads back exactly, so a write/read
    round trip is exact. Returns the path written.
    """
    data = validate_dataset(df)
    target = Path(path)
    with atomic_file(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        DatasetWriter(fh, check="first").write(data)
    return target
