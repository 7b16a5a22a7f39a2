"""Between-subject (``--omega``) and residual (``--sigma``) variability of ``nm simulate``.

``--omega CL=0.09`` declares ``ETA_CL ~ N(0, 0.09)`` — a variance, as in NONMEM's
``$OMEGA`` — used in parameter formulas, e.g. ``CL=1.1*exp(ETA_CL)`` (log-normal CL with
ω² = 0.09). A full block (correlated ETAs) comes from a CSV file: a header naming the
ETAs, then the symmetric covariance matrix row by row (an optional first column of row
labels is allowed). ``--sigma prop=0.04,add=0.1`` declares ``EPS_PROP ~ N(0, 0.04)`` and
``EPS_ADD ~ N(0, 0.1)``, drawn anew for every record and used in output formulas, e.g.
``DV_SIM=CP*(1+EPS_PROP)+EPS_ADD``.

Randomness is per subject: replicate r of the k-th subject block with ID i draws from
``default_rng(SeedSequence(seed, spawn_key=(r, sign(i), |i|, k)))`` — first the ETAs
(standard normals times the Cholesky factor of Ω), then the EPSs of its records — so a
subject's values depend only on (seed, replicate, ID, block), never on the order,
chunking or other subjects of the run.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _random_name(prefix: str, text: str, field: str) -> str:
    name = text.strip().upper()
    if name.startswith(prefix + "_"):
        name = name[len(prefix) + 1:]
    if not _NAME.match(name):
        raise InputError(field, "names must be identifiers like CL or PROP", got=text)
    return f"{prefix}_{name}"


def _variance(text: str, field: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(field, "variance must be a number", got=text) from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(field, "variance must be a finite number > 0", got=text)
    return v


def _pairs(text: str, field: str, example: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(field, f"must be NAME=VARIANCE[,NAME=VARIANCE...], e.g. "
                             f"{example}", got=text)
        out.append((name.strip(), value.strip()))
    return out


@dataclass(frozen=True)
class Omega:
    """Covariance of the ETAs: ``names`` (``ETA_<X>``) and the matrix (variances on the
    diagonal); checked symmetric and positive definite on construction."""

    names: tuple[str, ...]
    matrix: np.ndarray

    def __post_init__(self) -> None:
        m = np.atleast_2d(np.asarray(self.matrix, dtype=float))
        k = len(self.names)
        if m.shape != (k, k):
            raise InputError("omega", f"matrix must be {k} x {k} for {k} ETAs", got=m.shape)
        if len(set(self.names)) != k:
            dup = sorted({x for x in self.names if self.names.count(x) > 1})
            raise InputError("omega", "each ETA may be declared once", got=", ".join(dup))
        if not np.all(np.isfinite(m)):
            raise InputError("omega", "all elements must be finite numbers")
        if not np.allclose(m, m.T, rtol=1e-12, atol=0.0):
            raise InputError("omega", "the block must be symmetric")
        for i, name in enumerate(self.names):
            if not m[i, i] > 0:
                raise InputError(f"omega {name}", "variance must be > 0", got=float(m[i, i]))
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            raise InputError("omega", "the block must be positive definite (correlations "
                             "within -1 and 1, and consistent)") from None
        object.__setattr__(self, "matrix", m)

    @property
    def cholesky(self) -> np.ndarray:
        return np.linalg.cholesky(self.matrix)

    @staticmethod
    def combine(parts: Sequence[Omega]) -> Omega | None:
        """Block-diagonal combination (None for no parts)."""
        if not parts:
            return None
        names = tuple(n for p in parts for n in p.names)
        size = len(names)
        m = np.zeros((size, size))
        i = 0
        for p in parts:
            k = len(p.names)
            m[i:i + k, i:i + k] = p.matrix
            i += k
        return Omega(names, m)


def read_omega_block(path: str | os.PathLike[str]) -> Omega:
    """An Ω block from a CSV file: header = ETA names, then the matrix rows."""
    p = Path(path)
    field = f"omega {p}"
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:
        raise InputError(field, f"not a readable CSV ({exc})") from exc
    cols = [str(c).strip() for c in df.columns]
    if cols and (cols[0] == "" or cols[0].upper() in ("ETA", "NAME") or cols[0].startswith(
            "Unnamed")):
        labels = [str(x).strip() for x in df.iloc[:, 0]]
        df = df.iloc[:, 1:]
        cols = cols[1:]
        if [_random_name("ETA", x, field) for x in labels] != \
                [_random_name("ETA", x, field) for x in cols]:
            raise InputError(field, "row labels must repeat the header's ETA names in order",
                             got=", ".join(labels))
    names = tuple(_random_name("ETA", c, field) for c in cols)
    if len(df) != len(cols):
        raise InputError(field, f"a block of {len(cols)} ETAs needs {len(cols)} rows",
                         got=len(df))
    try:
        m = df.apply(lambda s: pd.to_numeric(s.str.strip())).to_numpy(dtype=float)
    except ValueError as exc:
        raise InputError(field, f"every element must be a number ({exc})") from None
    try:
        return Omega(names, m)
    except InputError as exc:
        raise InputError(field, exc.problem, got=exc.got) from None


def parse_omega(texts: Sequence[str]) -> Omega | None:
    """``["CL=0.09", "V=0.04,KA=0.2", "block.csv"]`` -> one Ω (block-diagonal)."""
    parts: list[Omega] = []
    for text in texts:
        if "=" not in text:
            if not Path(text).is_file():
                raise InputError("omega", "must be NAME=VARIANCE (e.g. CL=0.09) or a CSV "
                                 "file with a covariance block", got=text)
            parts.append(read_omega_block(text))
            continue
        for name, value in _pairs(text, "omega", "CL=0.09,V=0.04"):
            eta = _random_name("ETA", name, "omega")
            parts.append(Omega((eta,), np.array([[_variance(value, f"omega {eta}")]])))
    return Omega.combine(parts)


@dataclass(frozen=True)
class Sigma:
    """Variances of the residual errors ``EPS_<X>`` (independent)."""

    names: tuple[str, ...]
    variances: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.variances):
            raise InputError("sigma", "one variance per name")
        if len(set(self.names)) != len(self.names):
            raise InputError("sigma", "each EPS may be declared once",
                             got=", ".join(self.names))
        for n, v in zip(self.names, self.variances, strict=True):
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"sigma {n}", "variance must be a finite number > 0", got=v)


def parse_sigma(texts: Sequence[str]) -> Sigma | None:
    """``["prop=0.04,add=0.1"]`` -> Sigma (EPS_PROP, EPS_ADD)."""
    names: list[str] = []
    values: list[float] = []
    for text in texts:
        for name, value in _pairs(text, "sigma", "prop=0.04,add=0.1"):
            eps = _random_name("EPS", name, "sigma")
            names.append(eps)
            values.append(_variance(value, f"sigma {eps}"))
    return Sigma(tuple(names), tuple(values)) if names else None


def subject_keys(ident: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """(sign, |ID|, block) of each subject: the k-th block of records with the same ID in
    the dataset is block k (NONMEM: an ID that reappears after another is another
    individual)."""
    first = np.r_[True, subject[1:] != subject[:-1]] if len(subject) else np.zeros(0, bool)
    ids = ident[first].astype(np.int64)
    block = pd.Series(ids).groupby(ids).cumcount().to_numpy()
    return np.column_stack([(ids < 0).astype(np.int64), np.abs(ids), block])


def draw(omega: Omega | None, sigma: Sigma | None, seed: int, rep: int,
         keys: np.ndarray, n_records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ETAs (subjects, n_eta) and EPSs (records, n_eps) of replicate ``rep`` (>= 1) for
    subjects with ``keys`` (:func:`subject_keys`) and ``n_records`` records each."""
    n_eta = len(omega.names) if omega else 0
    n_eps = len(sigma.names) if sigma else 0
    etas = np.zeros((len(keys), n_eta))
    eps = np.zeros((int(np.sum(n_records)), n_eps))
    if n_eta == 0 and n_eps == 0:
        return etas, eps
    chol = omega.cholesky if omega else None
    sd = np.sqrt(np.asarray(sigma.variances)) if sigma else None
    start = 0
    for i, (key, m) in enumerate(zip(keys.tolist(), np.asarray(n_records).tolist(),
                                     strict=True)):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep, *key)))
        if n_eta:
            etas[i] = chol @ rng.standard_normal(n_eta)  # type: ignore[operator]
        if n_eps:
            eps[start:start + m] = rng.standard_normal((m, n_eps)) * sd
        start += m
    return etas, eps
