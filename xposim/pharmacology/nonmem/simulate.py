"""``nm_simulate``: a NONMEM dataset + a model + parameters -> the dataset with outputs.

(a) the dataset is read and validated (:mod:`xposim.pharmacology.nmdata`); (b) records
become steps (:mod:`.events`); (c) a system advances the amounts between steps: closed
form for linear models (:mod:`.linear`), SciPy's ODE solver otherwise (:mod:`.ode`).
Outputs are evaluated on every record with that record's amounts (after its own event)
and parameters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.pharmacology.nmdata import read_dataset
from xposim.pharmacology.nonmem.events import build_steps
from xposim.pharmacology.nonmem.linear import LinearSystem, run_steps
from xposim.pharmacology.nonmem.models import (
    AnyModel,
    LinearModel,
    MatrixModel,
    OdeModel,
    get_model,
)
from xposim.pharmacology.nonmem.ode import OdeSystem, rhs_rows, run_steps_ode
from xposim.pharmacology.nonmem.params import (
    OutputSpec,
    ParamSpec,
    dose_params,
    is_dose_param,
    param_table,
    parse_output,
)

Method = Literal["auto", "closed-form", "ode"]


def _outputs(outputs: Mapping[str, str] | Sequence[str | OutputSpec]) -> list[OutputSpec]:
    if isinstance(outputs, Mapping):
        return [OutputSpec(k, v) for k, v in outputs.items()]
    return [o if isinstance(o, OutputSpec) else parse_output(o) for o in outputs]


def amounts(data: pd.DataFrame | str | os.PathLike[str], model: str | AnyModel,
            params: Mapping[str, float | str] | Sequence[str | ParamSpec], *,
            method: Method = "auto", rtol: float = 1e-10, atol: float = 1e-12
            ) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """(validated dataset, amounts (records, n) after each record, parameter table)."""
    df = read_dataset(data)
    m = get_model(model)
    raw = param_table(params, df)  # type: ignore[arg-type]
    table: dict[str, np.ndarray] = dict(raw)
    for name, values in raw.items():
        canon = m.canonical(name)
        if canon != name:
            if canon in raw:
                raise InputError(f"param {name}", f"is an alias of {canon}; give only one")
            table[canon] = values
    needed = getattr(m, "parameters", ())
    missing = [p for p in needed if p not in table]
    if missing:
        raise InputError("param", f"model {m.name} needs {', '.join(needed)}; missing "
                         f"{', '.join(missing)}")
    rows = np.arange(len(df))
    m.check({k: table[k] for k in needed}, rows)
    f, lag, r_mod, d_mod = dose_params(table, m.n, len(df))
    steps = build_steps(df, m.n, f, lag, r_mod, d_mod)
    if method == "auto":
        method = "ode" if isinstance(m, OdeModel) else "closed-form"
    if method not in ("closed-form", "ode"):
        raise InputError("method", "must be auto, closed-form or ode", got=method)
    if isinstance(m, LinearModel | MatrixModel):
        k = m.rate_matrix({p: table[p] for p in needed} or {"_": rows.astype(float)})
        if method == "closed-form":
            amt = run_steps(LinearSystem(k), steps, len(df), m.n)
        else:
            system = OdeSystem(lambda row: (lambda t, y, kk=k[row]: kk @ y), m.n, rtol=rtol,
                               atol=atol)
            amt = run_steps_ode(system, steps, len(df), m.n)
    else:
        if method == "closed-form":
            raise InputError("method", f"model {m.name} is an ODE model; use method ode")
        system = OdeSystem(rhs_rows(m.rhs_fn, table), m.n, rtol=rtol, atol=atol)
        amt = run_steps_ode(system, steps, len(df), m.n)
    return df, amt, table


def nm_simulate(data: pd.DataFrame | str | os.PathLike[str], model: str | AnyModel,
                params: Mapping[str, float | str] | Sequence[str | ParamSpec],
                outputs: Mapping[str, str] | Sequence[str | OutputSpec] = (), *,
                method: Method = "auto", amounts_columns: bool = False,
                rtol: float = 1e-10, atol: float = 1e-12) -> pd.DataFrame:
    """Simulate a NONMEM dataset: the validated dataset with output columns added.

    ``model``: a built-in name (``1cmt-iv``, ``1cmt-oral``, ``2cmt-iv``, ``2cmt-oral``,
    ``3cmt-iv``, ``3cmt-oral`` or ``ADVAN1``...), a :class:`MatrixModel` or an
    :class:`OdeModel`. ``params``: ``{"CL": 1.1, "F2": "@BIOAV"}`` or
    ``["CL=1.1", "F2=@BIOAV"]`` (``@COL`` = that data column on each record). ``outputs``:
    ``["CP=A2/V*1000"]`` over amounts ``A1..An``, parameters and numeric data columns.
    ``amounts_columns`` adds ``A1..An``. Rows and their order are those of the input.
    """
    specs = _outputs(outputs)
    df, amt, table = amounts(data, model, params, method=method, rtol=rtol, atol=atol)
    n = amt.shape[1]
    namespace: dict[str, np.ndarray] = {}
    for c in df.columns:
        if pd.api.types.is_numeric_dtype(df[c]):
            namespace[str(c)] = df[c].to_numpy(dtype=float, na_value=np.nan)
    namespace.update(table)
    m = get_model(model)
    for i in range(n):
        namespace[f"A{i + 1}"] = amt[:, i]
        namespace.setdefault(m.compartments[i], amt[:, i])  # amounts by compartment name
    out = df.copy()
    if amounts_columns:
        for i in range(n):
            out[f"A{i + 1}"] = amt[:, i]
    for spec in specs:
        out[spec.name] = np.broadcast_to(spec.evaluate(namespace), (len(df),))
    return out


__all__ = ["amounts", "is_dose_param", "nm_simulate"]
