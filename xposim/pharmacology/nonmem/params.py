"""Parameters (``$PK``-style assignments) and outputs (``$ERROR``-style) of ``nm_simulate``.

A parameter is ``NAME = formula`` (:mod:`.expressions`) over constants, parameters given
before it, data columns (``WT`` or ``@WT``) and random effects ``ETA_<X>`` (from
:mod:`.variability`), evaluated on every record — so a time-varying covariate changes the
parameter from the record where it changes, as NONMEM's ``$PK`` does. Parameter names are
case-insensitive (stored upper-case, as NONMEM's reserved names are). The model reads its
own parameters (``CL``, ``V``, ...) and the dose parameters of compartment n: ``F<n>``
(bioavailability, default 1), ``ALAG<n>`` (absorption lag, default 0), ``R<n>`` (modelled
rate, used by RATE = -1) and ``D<n>`` (modelled duration, used by RATE = -2). A parameter
the model does not read and no later formula uses is refused: a typo must not be ignored.

An output is ``NAME = formula`` over the amounts ``A1..An`` (or compartment names), every
parameter, numeric data columns, ``ETA_<X>``, residual errors ``EPS_<X>`` and outputs
defined before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.pharmacology.nonmem.expressions import Formula, parse_formula

_DOSE_PARAM = re.compile(r"^(F|ALAG|R|D)(\d+)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RANDOM = re.compile(r"^(ETA|EPS)_", re.IGNORECASE)
_AMOUNT = re.compile(r"^A\d+$")


def _split(text: str, what: str, example: str) -> tuple[str, str]:
    name, sep, rhs = text.partition("=")
    name, rhs = name.strip(), rhs.strip()
    if not sep or not name or not rhs:
        raise InputError(what, f"must be NAME=EXPRESSION, e.g. {example}", got=text)
    if not _NAME.match(name):
        raise InputError(what, "name must be an identifier like CL or F2", got=name)
    return name, rhs


@dataclass(frozen=True)
class ParamSpec:
    """``name = formula`` evaluated on every record (``name`` upper-cased)."""

    name: str
    expression: str
    formula: Formula = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputError("param", "name must be an identifier like CL or F2",
                             got=self.name)
        name = self.name.upper()
        if _RANDOM.match(name):
            raise InputError(f"param {name}", "ETA_/EPS_ names are the random effects of "
                             "--omega and --sigma; choose another name")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "formula", parse_formula(str(self.expression),
                                                          field=f"param {name}"))
        if self.formula.names & {f"A{i}" for i in range(1, 100)}:
            raise InputError(f"param {name}", "amounts (A1, A2, ...) are not known when "
                             "parameters are computed; use them in --output",
                             got=self.expression)


def parse_param(text: str) -> ParamSpec:
    """``"CL=1.1"``, ``"F2=@BIOAV"`` or ``"CL=1.1*(WT/70)**0.75*exp(ETA_CL)"``."""
    name, rhs = _split(text, "param", "CL=1.1 or CL=1.1*(WT/70)**0.75*exp(ETA_CL)")
    return ParamSpec(name, rhs)


def as_param_specs(specs: Mapping[str, float | str] | Sequence[str | ParamSpec]
                   ) -> list[ParamSpec]:
    """``{"CL": 1.1, "F2": "@BIOAV"}``, ParamSpecs or ``"NAME=..."`` strings."""
    if isinstance(specs, Mapping):
        out = [ParamSpec(str(k), repr(float(v)) if isinstance(v, int | float) else str(v))
               for k, v in specs.items()]
    else:
        out = [s if isinstance(s, ParamSpec) else parse_param(s) for s in specs]
    seen: set[str] = set()
    for s in out:
        if s.name in seen:
            raise InputError(f"param {s.name}", "given twice")
        seen.add(s.name)
    return out


@dataclass(frozen=True)
class OutputSpec:
    """``name = formula`` over amounts, parameters, data columns, ETAs, EPSs and earlier
    outputs (the name is kept as written: it becomes a column)."""

    name: str
    expression: str
    formula: Formula = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputError("output", "name must be an identifier", got=self.name)
        object.__setattr__(self, "formula", parse_formula(str(self.expression),
                                                          field=f"output {self.name}"))

    def names(self) -> set[str]:
        return set(self.formula.names)


def parse_output(text: str) -> OutputSpec:
    """``"CP=A2/V*1000"`` -> OutputSpec."""
    name, rhs = _split(text, "output", "CP=A2/V*1000")
    return OutputSpec(name, rhs)


def numeric_columns(data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every numeric data column as a float array ('.' / missing -> NaN)."""
    out: dict[str, np.ndarray] = {}
    for c in data.columns:
        if pd.api.types.is_numeric_dtype(data[c]):
            out[str(c)] = data[c].to_numpy(dtype=float, na_value=np.nan)
    return out


def _lookup(name: str, assigned: Mapping[str, object], columns: Mapping[str, object],
            random: Mapping[str, object]) -> object | None:
    if name in assigned:
        return assigned[name]
    if name.upper() in assigned:
        return assigned[name.upper()]
    if name in columns:
        return columns[name]
    if name in random:
        return random[name]
    if name.upper() in random:
        return random[name.upper()]
    return None


def _listing(label: str, names: Sequence[str], limit: int = 12) -> str:
    names = list(names)
    if not names:
        return ""
    shown = ", ".join(names[:limit]) + (f", ... ({len(names)} in all)"
                                        if len(names) > limit else "")
    return f"{label} ({shown})"


def check_param_names(specs: Sequence[ParamSpec], columns: Sequence[str],
                      random: Sequence[str], all_columns: Sequence[str] | None = None
                      ) -> None:
    """Every name a parameter reads must be a parameter given before it, a numeric data
    column or an ETA; otherwise InputError naming the parameter and the unknown names."""
    cols = set(columns)
    rnd = {r.upper() for r in random}
    assigned: set[str] = set()
    for s in specs:
        missing = sorted(n for n in s.formula.names if n not in assigned
                         and n.upper() not in assigned and n not in cols
                         and n.upper() not in rnd)
        missing += sorted(c for c in s.formula.columns if c not in cols)
        if missing:
            text = [x for x in (_listing("parameters given before it", sorted(assigned)),
                                _listing("numeric data columns", list(columns)),
                                _listing("random effects", list(random))) if x]
            extra = ""
            if all_columns is not None:
                nonnum = [m for m in missing if m in set(all_columns)]
                if nonnum:
                    extra = f"; {', '.join(nonnum)} is not a numeric column"
            raise InputError(f"param {s.name}", f"unknown name(s) {', '.join(missing)}"
                             f"{extra}; it may use " + ("; ".join(text) or "numbers only"),
                             got=s.expression)
        assigned.add(s.name)


def evaluate_params(specs: Sequence[ParamSpec], columns: Mapping[str, np.ndarray],
                    random: Mapping[str, np.ndarray], n_rows: int
                    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Per-record values of every parameter (in order; each may read the ones before it).

    Returns (table, bad, which): ``bad[i]`` True where some parameter is not finite on
    record i, ``which[i]`` the index of the first such parameter (-1 if none). Names must
    have been checked (:func:`check_param_names`).
    """
    table: dict[str, np.ndarray] = {}
    bad = np.zeros(n_rows, bool)
    which = np.full(n_rows, -1)
    for i, s in enumerate(specs):
        env = _Env(table, columns, random)
        value = np.broadcast_to(np.asarray(s.formula.evaluate(env, columns), dtype=float),
                                (n_rows,)).copy()
        nonfinite = ~np.isfinite(value) & ~bad
        which[nonfinite] = i
        bad |= nonfinite
        table[s.name] = value
    return table, bad, which


class _Env(Mapping[str, object]):
    """Name resolution of formulas: assignments (case-insensitive), then data columns,
    then random effects."""

    def __init__(self, assigned: Mapping[str, object], columns: Mapping[str, object],
                 random: Mapping[str, object]) -> None:
        self.assigned, self.columns, self.random = assigned, columns, random

    def __getitem__(self, key: str) -> object:
        v = _lookup(key, self.assigned, self.columns, self.random)
        if v is None:
            raise KeyError(key)
        return v

    def __iter__(self) -> Iterator[str]:
        return iter({**self.random, **self.columns, **self.assigned})

    def __len__(self) -> int:
        return len({**self.random, **self.columns, **self.assigned})


def output_env(assigned: Mapping[str, object], columns: Mapping[str, object],
               random: Mapping[str, object]) -> Mapping[str, object]:
    """The names an output formula sees (``assigned``: parameters, amounts, outputs)."""
    return _Env(assigned, columns, random)


def check_output_names(outputs: Sequence[OutputSpec], available: Sequence[str],
                       columns: Sequence[str], random: Sequence[str]) -> None:
    """Every name an output reads must exist (``available``: amounts, compartments and
    parameters); earlier outputs may be read by later ones."""
    known = {a.upper() for a in available} | set(available)
    cols = set(columns)
    rnd = {r.upper() for r in random}
    done: set[str] = set()
    for o in outputs:
        missing = sorted(n for n in o.formula.names if n not in known and n.upper() not in known
                         and n not in cols and n not in done and n.upper() not in rnd)
        missing += sorted(c for c in o.formula.columns if c not in cols)
        if missing:
            text = [x for x in (_listing("amounts and parameters", list(available)),
                                _listing("numeric data columns", list(columns)),
                                _listing("random effects", list(random)),
                                _listing("outputs given before it", sorted(done))) if x]
            raise InputError(f"output {o.name}", f"unknown name(s) {', '.join(missing)}; "
                             "it may use " + "; ".join(text), got=o.expression)
        done.add(o.name)


def dose_params(p: Mapping[str, np.ndarray], n_cmt: int, n_rows: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """F, ALAG, R, D per record and compartment: 4 arrays of shape (rows, n_cmt)."""
    f = np.ones((n_rows, n_cmt))
    lag = np.zeros((n_rows, n_cmt))
    r = np.full((n_rows, n_cmt), np.nan)
    d = np.full((n_rows, n_cmt), np.nan)
    target = {"F": f, "ALAG": lag, "R": r, "D": d}
    for name, values in p.items():
        m = _DOSE_PARAM.match(name)
        if not m:
            continue
        c = int(m.group(2))
        if not 1 <= c <= n_cmt:
            raise InputError(f"param {name}", f"compartment must be 1..{n_cmt}", got=c)
        target[m.group(1)][:, c - 1] = values
    return f, lag, r, d


def is_dose_param(name: str) -> bool:
    return bool(_DOSE_PARAM.match(name))


def check_used(specs: Sequence[ParamSpec], model_params: Sequence[str], n_cmt: int,
               model_name: str, aliases: Mapping[str, str], outputs: Sequence[OutputSpec]
               ) -> None:
    """Refuse a parameter that nothing reads: not a model or dose parameter, and used by
    no later parameter and no output (e.g. ``F=0.5`` where the model has F1, F2)."""
    read: set[str] = set()
    for o in outputs:
        read |= {n.upper() for n in o.formula.names}
    for i in range(len(specs) - 1, -1, -1):
        s = specs[i]
        m = _DOSE_PARAM.match(s.name)
        used = (s.name in model_params or aliases.get(s.name) in model_params
                or s.name in read or (m is not None and 1 <= int(m.group(2)) <= n_cmt))
        if not used:
            dose = "dose parameters " + ", ".join(
                f"{p}1" if n_cmt == 1 else f"{p}1..{p}{n_cmt}" for p in ("F", "ALAG", "R", "D"))
            have = ", ".join([*model_params, *aliases]) or "none"
            raise InputError(f"param {s.name}", f"not a parameter of model {model_name} "
                             f"(parameters {have}; {dose}) and not used by any later "
                             "--param or --output")
        read |= {n.upper() for n in s.formula.names}
