"""Parameters (a constant or ``@COLUMN`` of the record) and output expressions.

Dose parameters per compartment n: ``F<n>`` (bioavailability, default 1), ``ALAG<n>``
(absorption lag, default 0), ``R<n>`` (modelled rate, used by RATE = -1), ``D<n>``
(modelled duration, used by RATE = -2). Output expressions such as ``CP=A2/V*1000``
read amounts ``A1..An``, every parameter and every numeric data column.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xposim.errors import InputError

_DOSE_PARAM = re.compile(r"^(F|ALAG|R|D)(\d+)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
          "minimum": np.minimum, "maximum": np.maximum}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Constant,
            ast.Call, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


@dataclass(frozen=True)
class ParamSpec:
    """``name`` = a constant, or the value of data column ``column`` on each record."""

    name: str
    value: float | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InputError("param", "name must be an identifier like CL or F2",
                             got=self.name)
        if (self.value is None) == (self.column is None):
            raise InputError(f"param {self.name}", "give a constant or a @COLUMN")
        if self.value is not None and not np.isfinite(self.value):
            raise InputError(f"param {self.name}", "must be finite", got=self.value)


def parse_param(text: str) -> ParamSpec:
    """``"CL=1.1"`` or ``"F2=@BIOAV"`` -> ParamSpec."""
    name, sep, rhs = text.partition("=")
    name, rhs = name.strip(), rhs.strip()
    if not sep or not name or not rhs:
        raise InputError("param", "must be NAME=VALUE or NAME=@COLUMN, e.g. CL=1.1 or "
                         "F2=@BIOAV", got=text)
    if rhs.startswith("@"):
        return ParamSpec(name.upper(), column=rhs[1:].strip())
    try:
        value = float(rhs)
    except ValueError:
        raise InputError(f"param {name}", "must be a number or @COLUMN", got=rhs) from None
    return ParamSpec(name.upper(), value=value)


def param_table(specs: Mapping[str, float | str] | list[ParamSpec] | list[str],
                data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-record parameter values (one array of len(data) per name).

    ``specs``: ``{"CL": 1.1, "F2": "@BIOAV"}``, ParamSpecs or ``"NAME=..."`` strings.
    """
    if isinstance(specs, Mapping):
        parsed = [parse_param(f"{k}={v}") for k, v in specs.items()]
    else:
        parsed = [s if isinstance(s, ParamSpec) else parse_param(s) for s in specs]
    out: dict[str, np.ndarray] = {}
    n = len(data)
    for s in parsed:
        if s.name in out:
            raise InputError(f"param {s.name}", "given twice")
        if s.column is not None:
            if s.column not in data.columns:
                raise InputError(f"param {s.name}", f"data column {s.column!r} not found; "
                                 f"have {', '.join(map(str, data.columns))}", got=s.column)
            col = pd.to_numeric(data[s.column], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(col)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"row {i + 1}", f"{s.column} (parameter {s.name}) must be "
                                 "a finite number on every record",
                                 got=str(data[s.column].iloc[i]))
            out[s.name] = col
        else:
            out[s.name] = np.full(n, float(s.value))  # type: ignore[arg-type]
    return out


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


@dataclass(frozen=True)
class OutputSpec:
    """``name = expression`` over A1..An, parameters and data columns."""

    name: str
    expression: str

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InputError("output", "name must be an identifier", got=self.name)
        try:
            tree = ast.parse(self.expression, mode="eval")
        except SyntaxError:
            raise InputError(f"output {self.name}", "not a valid expression",
                             got=self.expression) from None
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise InputError(f"output {self.name}", "may use numbers, names, + - * / "
                                 "** and " + ", ".join(_FUNCS), got=self.expression)
            if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                                   and node.func.id in _FUNCS):
                raise InputError(f"output {self.name}", "unknown function; allowed: "
                                 + ", ".join(_FUNCS), got=self.expression)

    def names(self) -> set[str]:
        tree = ast.parse(self.expression, mode="eval")
        return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(_FUNCS)

    def evaluate(self, namespace: Mapping[str, np.ndarray]) -> np.ndarray:
        missing = self.names() - set(namespace)
        if missing:
            raise InputError(f"output {self.name}", "unknown name(s) " + ", ".join(
                sorted(missing)) + "; use A1..An, parameters or data columns",
                got=self.expression)
        code = compile(ast.parse(self.expression, mode="eval"), "<output>", "eval")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(eval(code, {"__builtins__": {}, **_FUNCS}, dict(namespace)),
                              dtype=float)


def parse_output(text: str) -> OutputSpec:
    """``"CP=A2/V*1000"`` -> OutputSpec."""
    name, sep, expr = text.partition("=")
    if not sep or not name.strip() or not expr.strip():
        raise InputError("output", "must be NAME=EXPRESSION, e.g. CP=A2/V*1000", got=text)
    return OutputSpec(name.strip(), expr.strip())
