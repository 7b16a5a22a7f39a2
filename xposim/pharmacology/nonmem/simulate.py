"""``nm_simulate``: a NONMEM dataset + a model + parameters -> the dataset with outputs.

(a) the dataset is read and validated (:mod:`xposim.pharmacology.nmdata`) and everything
the user wrote is checked before any simulation (:func:`prepare`: parameter and output
formulas, names, variability); (b) subjects are simulated in chunks
(:func:`iter_chunks`): parameters are evaluated on every record, records become steps
(:mod:`.events`) and a system advances the amounts between steps — closed form for
linear models (:mod:`.linear`), the engine's ODE integration otherwise (:mod:`.ode`);
(c) outputs are evaluated on every record with that record's amounts (after its own
event), parameters and residual errors. Random effects come from per-subject streams
(:mod:`.variability`), so chunking never changes a result.

A subject the engine cannot handle (a dose into a missing compartment, a non-finite
parameter, a steady state that does not exist, an integration failure, ...) stops the run
with an error naming its row and ID — or, with ``on_error="skip"``, is left out (its
outputs missing) and listed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from xposim.errors import InputError, SimulationError, XposimError
from xposim.pharmacology.nmdata import read_dataset
from xposim.pharmacology.nonmem.events import (
    SubjectFailure,
    build_steps,
    failure,
    subject_index,
)
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
    as_param_specs,
    check_output_names,
    check_param_names,
    check_used,
    dose_params,
    evaluate_params,
    is_dose_param,
    numeric_columns,
    output_env,
    parse_output,
)
from xposim.pharmacology.nonmem.variability import Omega, Sigma, draw, subject_keys

Method = Literal["auto", "closed-form", "ode"]
OnError = Literal["raise", "skip"]
#: Records simulated together (memory and vectorisation balance); chunks hold whole subjects.
CHUNK_RECORDS = 200_000
#: Column holding the replicate number when a dataset's subjects are replicated.
REPLICATE_COLUMN = "IREP"


def _outputs(outputs: Mapping[str, str] | Sequence[str | OutputSpec]) -> list[OutputSpec]:
    if isinstance(outputs, Mapping):
        return [OutputSpec(k, v) for k, v in outputs.items()]
    return [o if isinstance(o, OutputSpec) else parse_output(o) for o in outputs]


@dataclass(frozen=True)
class Setup:
    """Everything a run needs, checked: the validated dataset, the model, the formulas,
    the variability and how to run."""

    data: pd.DataFrame
    model: AnyModel
    params: tuple[ParamSpec, ...]
    outputs: tuple[OutputSpec, ...]
    method: str
    omega: Omega | None = None
    sigma: Sigma | None = None
    seed: int = 0
    nsub: int = 1
    on_error: str = "raise"
    amounts_columns: bool = False
    rtol: float = 1e-10
    atol: float = 1e-12
    subject: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))

    @property
    def n_subjects(self) -> int:
        return len(self.keys)

    @property
    def random_names(self) -> tuple[str, ...]:
        return (self.omega.names if self.omega else ()) + (
            self.sigma.names if self.sigma else ())


@dataclass(frozen=True)
class Chunk:
    """Simulated records ``rows`` (0-based rows of the dataset) of replicate ``rep``:
    ``frame`` holds those records (validated columns) with the outputs added; ``failed``
    the subjects left out (``on_error="skip"``)."""

    rep: int
    rows: np.ndarray
    frame: pd.DataFrame
    failed: tuple[SubjectFailure, ...]


def prepare(data: pd.DataFrame | str | os.PathLike[str], model: str | AnyModel,
            params: Mapping[str, float | str] | Sequence[str | ParamSpec],
            outputs: Mapping[str, str] | Sequence[str | OutputSpec] = (), *,
            method: Method = "auto", omega: Omega | None = None, sigma: Sigma | None = None,
            seed: int = 0, nsub: int = 1, on_error: OnError = "raise",
            amounts_columns: bool = False, rtol: float = 1e-10, atol: float = 1e-12) -> Setup:
    """Validate a run: dataset rules, formulas and every name they use, parameters the
    model needs and none it ignores, output names that clash with input columns or each
    other, ETAs/EPSs declared and used, ``nsub`` >= 1, ``seed`` >= 0."""
    df = read_dataset(data)
    m = get_model(model)
    specs = as_param_specs(params)  # type: ignore[arg-type]
    outs = _outputs(outputs)
    if method == "auto":
        method = "ode" if isinstance(m, OdeModel) else "closed-form"
    if method not in ("closed-form", "ode"):
        raise InputError("method", "must be auto, closed-form or ode", got=method)
    if method == "closed-form" and isinstance(m, OdeModel):
        raise InputError("method", f"model {m.name} is an ODE model; use method ode")
    if on_error not in ("raise", "skip"):
        raise InputError("on-error", "must be raise or skip", got=on_error)
    if isinstance(nsub, bool) or not isinstance(nsub, int | np.integer) or nsub < 1:
        raise InputError("nsub", "must be an integer >= 1", got=nsub)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed", "must be an integer >= 0", got=seed)
    cols = list(numeric_columns(df))
    etas = list(omega.names) if omega else []
    eps = list(sigma.names) if sigma else []
    check_param_names(specs, cols, etas, all_columns=list(map(str, df.columns)))
    given = {s.name for s in specs}
    needed = tuple(getattr(m, "parameters", ()))
    for s in specs:
        canon = m.canonical(s.name)
        if canon != s.name and canon in given:
            raise InputError(f"param {s.name}", f"is an alias of {canon}; give only one")
    have = given | {m.canonical(g) for g in given}
    missing = [p for p in needed if p not in have]
    if missing:
        raise InputError("param", f"model {m.name} needs {', '.join(needed)}; missing "
                         f"{', '.join(missing)}")
    check_used(specs, needed, m.n, m.name, getattr(m, "aliases", {}), outs)
    amounts = [f"A{i + 1}" for i in range(m.n)] + list(m.compartments)
    available = list(dict.fromkeys(amounts + [s.name for s in specs]
                                   + [m.canonical(s.name) for s in specs]))
    check_output_names(outs, available, cols, etas + eps)
    _check_output_columns(outs, df, nsub, m.n if amounts_columns else 0)
    used = set()
    for s in specs:
        used |= {n.upper() for n in s.formula.names}
    for o in outs:
        used |= {n.upper() for n in o.formula.names}
    for name in etas:
        if name not in used:
            raise InputError(f"omega {name.removeprefix('ETA_')}", f"{name} is declared but "
                             "no --param or --output uses it; write e.g. "
                             f"'{name.removeprefix('ETA_')}=TV*exp({name})'")
    for name in eps:
        if name not in {n.upper() for o in outs for n in o.formula.names}:
            example = f"DV_SIM=CP*(1+{name})" if "PROP" in name else f"DV_SIM=CP+{name}"
            raise InputError(f"sigma {name.removeprefix('EPS_').lower()}", f"{name} is "
                             f"declared but no --output uses it; write e.g. '{example}'")
    subject = subject_index(df["ID"].to_numpy())
    keys = subject_keys(df["ID"].to_numpy(), subject)
    return Setup(df, m, tuple(specs), tuple(outs), method, omega, sigma, int(seed),
                 int(nsub), on_error, amounts_columns, rtol, atol, subject, keys)


def _check_output_columns(outs: Sequence[OutputSpec], df: pd.DataFrame, nsub: int,
                          n_amounts: int) -> None:
    taken = {str(c): "an input column" for c in df.columns}
    if nsub > 1:
        if REPLICATE_COLUMN in taken:
            raise InputError("nsub", f"the dataset already has a column {REPLICATE_COLUMN}, "
                             "which would hold the replicate number")
        taken[REPLICATE_COLUMN] = "the replicate column"
    for i in range(n_amounts):
        taken.setdefault(f"A{i + 1}", "an amount column")
    upper = {k.upper(): v for k, v in taken.items()}
    for o in outs:
        clash = taken.get(o.name) or upper.get(o.name.upper())
        if clash:
            raise InputError(f"output {o.name}", f"clashes with {clash} of that name "
                             "(outputs are added beside the input columns); choose another "
                             "name, e.g. " + f"{o.name}_SIM")
        taken[o.name] = "another output"
        upper[o.name.upper()] = "another output"


def iter_chunks(setup: Setup, *, max_records: int = CHUNK_RECORDS) -> Iterator[Chunk]:
    """Simulate replicate by replicate, whole subjects at a time (at most about
    ``max_records`` records per chunk)."""
    bounds = np.r_[np.flatnonzero(np.r_[True, setup.subject[1:] != setup.subject[:-1]]),
                   len(setup.data)]
    groups: list[tuple[int, int]] = []  # (first subject, end subject)
    s0 = 0
    for s in range(setup.n_subjects):
        if bounds[s + 1] - bounds[s0] > max_records and s > s0:
            groups.append((s0, s))
            s0 = s
    groups.append((s0, setup.n_subjects))
    for rep in range(1, setup.nsub + 1):
        for a, b in groups:
            rows = np.arange(bounds[a], bounds[b])
            yield _simulate(setup, rep, rows, a, b)


def _wrap(local: int, rows: np.ndarray, df: pd.DataFrame, sub: np.ndarray,
          exc: XposimError) -> SubjectFailure:
    problem = exc.problem if isinstance(exc, InputError) else str(exc)
    if isinstance(exc, InputError) and exc.got is not None:
        problem = str(InputError("x", problem, got=exc.got)).removeprefix("x: ")
    label = f"row {int(rows[local]) + 1} (ID {df['ID'].iloc[local]})"
    err: XposimError = InputError(label, problem) if isinstance(exc, InputError) \
        else SimulationError(f"{label}: {problem}")
    return failure(df, local, "", sub=sub, rows=rows, error=err)


def _simulate(setup: Setup, rep: int, rows: np.ndarray, s_from: int, s_to: int) -> Chunk:
    m = setup.model
    df = setup.data.iloc[rows].reset_index(drop=True)
    n = len(df)
    sub = setup.subject[rows] - s_from
    n_records = np.bincount(sub, minlength=s_to - s_from)
    etas, eps = draw(setup.omega, setup.sigma, setup.seed, rep, setup.keys[s_from:s_to],
                     n_records)
    columns = numeric_columns(df)
    random = {name: etas[sub, i] for i, name in enumerate(setup.omega.names)} \
        if setup.omega else {}
    table, bad, which = evaluate_params(setup.params, columns, random, n)
    failed: dict[int, SubjectFailure] = {}

    def add(fail: SubjectFailure) -> None:
        if fail.index not in failed or fail.row < failed[fail.index].row:
            failed[fail.index] = fail

    for local in _first_rows(sub, np.flatnonzero(bad)):
        spec = setup.params[which[local]]
        add(failure(df, local, f"parameter {spec.name} = {spec.expression} is not finite",
                    float(table[spec.name][local]), sub=sub, rows=rows))
    for name, values in list(table.items()):
        canon = m.canonical(name)
        if canon != name:
            table[canon] = values
    needed = tuple(getattr(m, "parameters", ()))
    for mask, problem, values in m.problems({p: table[p] for p in needed}):
        for local in _first_rows(sub, np.flatnonzero(mask & ~bad)):
            add(failure(df, local, problem, float(values[local]), sub=sub, rows=rows))
    _raise_first(setup, failed)
    keep = ~np.isin(sub, np.fromiter(failed, dtype=np.int64)) if failed else np.ones(n, bool)
    k_rows = np.flatnonzero(keep)
    amt = np.full((n, m.n), np.nan)
    if k_rows.size:
        part = df.iloc[k_rows].reset_index(drop=True) if not keep.all() else df
        ptab = {k: v[k_rows] for k, v in table.items()}
        f, lag, r_mod, d_mod = dose_params(ptab, m.n, len(part))
        steps = build_steps(part, m.n, f, lag, r_mod, d_mod, rows=rows[k_rows])
        for fail in steps.failed.values():
            local = int(k_rows[np.flatnonzero(rows[k_rows] == fail.row)[0]])
            add(SubjectFailure(int(sub[local]), fail.id, fail.row, fail.error))
        _raise_first(setup, failed)
        amt_part, run_failed = _run(setup, m, part, ptab, steps)
        for prow, exc in run_failed.values():
            add(_wrap(int(k_rows[prow]), rows, df, sub, exc))
        _raise_first(setup, failed)
        amt[k_rows] = amt_part
        if failed:
            amt[np.isin(sub, np.fromiter(failed, dtype=np.int64))] = np.nan
    ok = ~np.isin(sub, np.fromiter(failed, dtype=np.int64)) if failed else np.ones(n, bool)
    out = df.copy()
    if setup.nsub > 1:
        out[REPLICATE_COLUMN] = rep
    values = _evaluate_outputs(setup, df, rows, amt, table, columns, random, eps, ok)
    if setup.amounts_columns:
        for i in range(m.n):
            out[f"A{i + 1}"] = amt[:, i]
    for name, v in values.items():
        out[name] = v
    return Chunk(rep, rows, out, tuple(sorted(failed.values(), key=lambda x: x.row)))


def _first_rows(sub: np.ndarray, rows: np.ndarray) -> list[int]:
    """The earliest of ``rows`` of each subject."""
    if rows.size == 0:
        return []
    _, first = np.unique(sub[rows], return_index=True)
    return [int(x) for x in rows[first]]


def _raise_first(setup: Setup, failed: Mapping[int, SubjectFailure]) -> None:
    if failed and setup.on_error == "raise":
        raise min(failed.values(), key=lambda x: x.row).error


def _run(setup: Setup, m: AnyModel, part: pd.DataFrame, table: Mapping[str, np.ndarray],
         steps: object) -> tuple[np.ndarray, dict[int, tuple[int, XposimError]]]:
    n_rows = len(part)
    needed = tuple(getattr(m, "parameters", ()))
    if isinstance(m, LinearModel | MatrixModel):
        k = m.rate_matrix({p: table[p] for p in needed}
                          or {"_": np.zeros(n_rows)})
        if setup.method == "closed-form":
            return run_steps(LinearSystem(k), steps, n_rows, m.n)  # type: ignore[arg-type]
        system = OdeSystem(lambda row: (lambda t, y, kk=k[row]: kk @ y), m.n,
                           rtol=setup.rtol, atol=setup.atol)
        return run_steps_ode(system, steps, n_rows, m.n)  # type: ignore[arg-type]
    system = OdeSystem(rhs_rows(m.rhs_fn, table), m.n, rtol=setup.rtol, atol=setup.atol)
    return run_steps_ode(system, steps, n_rows, m.n)  # type: ignore[arg-type]


def _evaluate_outputs(setup: Setup, df: pd.DataFrame, rows: np.ndarray, amt: np.ndarray,
                      table: Mapping[str, np.ndarray], columns: Mapping[str, np.ndarray],
                      random: Mapping[str, np.ndarray], eps: np.ndarray, ok: np.ndarray
                      ) -> dict[str, np.ndarray]:
    m = setup.model
    names: dict[str, np.ndarray] = dict(table)
    for i in range(m.n):
        names[f"A{i + 1}"] = amt[:, i]
        names.setdefault(m.compartments[i], amt[:, i])  # amounts by compartment name
    rnd = dict(random)
    if setup.sigma:
        for i, name in enumerate(setup.sigma.names):
            rnd[name] = eps[:, i]
    out: dict[str, np.ndarray] = {}
    n = len(df)
    for spec in setup.outputs:
        env = output_env({**names, **out}, columns, rnd)
        v = np.broadcast_to(np.asarray(spec.formula.evaluate(env, columns), dtype=float),
                            (n,)).copy()
        bad = ~np.isfinite(v) & ok
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"output {spec.name}", f"{spec.expression} is not finite on row "
                             f"{int(rows[i]) + 1} (ID {df['ID'].iloc[i]})", got=float(v[i]))
        v[~ok] = np.nan
        out[spec.name] = v
    return out


def nm_simulate(data: pd.DataFrame | str | os.PathLike[str], model: str | AnyModel,
                params: Mapping[str, float | str] | Sequence[str | ParamSpec],
                outputs: Mapping[str, str] | Sequence[str | OutputSpec] = (), *,
                method: Method = "auto", amounts_columns: bool = False,
                omega: Omega | None = None, sigma: Sigma | None = None, seed: int = 0,
                nsub: int = 1, on_error: OnError = "raise",
                rtol: float = 1e-10, atol: float = 1e-12) -> pd.DataFrame:
    """Simulate a NONMEM dataset: the validated dataset with output columns added.

    ``model``: a built-in name (``1cmt-iv``, ``1cmt-oral``, ``2cmt-iv``, ``2cmt-oral``,
    ``3cmt-iv``, ``3cmt-oral`` or ``ADVAN1``...), a :class:`MatrixModel` or an
    :class:`OdeModel`. ``params``: ``{"CL": 1.1, "F2": "@BIOAV"}`` or
    ``["TVCL=1.1", "CL=TVCL*(WT/70)**0.75*exp(ETA_CL)"]`` — formulas over constants,
    earlier parameters, data columns and ETAs, evaluated on every record. ``outputs``:
    ``["CP=A2/V*1000"]`` over amounts ``A1..An``, parameters, numeric data columns, ETAs,
    EPSs and earlier outputs. ``omega``/``sigma``: :class:`Omega`/:class:`Sigma` (see
    :mod:`.variability`); ``nsub`` replicates the subjects (column ``IREP``); ``seed``
    the random seed. ``amounts_columns`` adds ``A1..An``. Rows and their order are those
    of the input (replicate after replicate). With ``on_error="skip"`` a subject that
    cannot be simulated gets missing outputs and is listed in ``result.attrs["skipped"]``
    (dicts with ``ID``, ``row`` (1-based), ``IREP`` and ``reason``).
    """
    setup = prepare(data, model, params, outputs, method=method, omega=omega, sigma=sigma,
                    seed=seed, nsub=nsub, on_error=on_error, amounts_columns=amounts_columns,
                    rtol=rtol, atol=atol)
    frames, skipped = [], []
    for chunk in iter_chunks(setup):
        frames.append(chunk.frame)
        skipped += [skip_record(f, chunk.rep, setup.nsub) for f in chunk.failed]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs["skipped"] = skipped
    return out


def skip_record(f: SubjectFailure, rep: int, nsub: int) -> dict[str, object]:
    """A skipped subject as a plain record (for JSON manifests and ``attrs``)."""
    ident = f.id.item() if hasattr(f.id, "item") else f.id
    rec: dict[str, object] = {"ID": ident, "row": f.row + 1}
    if nsub > 1:
        rec["IREP"] = rep
    rec["reason"] = str(f.error)
    return rec


def amounts(data: pd.DataFrame | str | os.PathLike[str], model: str | AnyModel,
            params: Mapping[str, float | str] | Sequence[str | ParamSpec], *,
            method: Method = "auto", rtol: float = 1e-10, atol: float = 1e-12
            ) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """(validated dataset, amounts (records, n) after each record, parameter table)."""
    setup = prepare(data, model, params, (), method=method, amounts_columns=True,
                    rtol=rtol, atol=atol)
    chunk = _simulate(setup, 1, np.arange(len(setup.data)), 0, setup.n_subjects)
    amt = chunk.frame[[f"A{i + 1}" for i in range(setup.model.n)]].to_numpy(dtype=float)
    table, _, _ = evaluate_params(setup.params, numeric_columns(setup.data), {},
                                  len(setup.data))
    for name, values in list(table.items()):
        canon = setup.model.canonical(name)
        if canon != name:
            table[canon] = values
    return setup.data, amt, table


__all__ = ["Chunk", "Setup", "amounts", "is_dose_param", "iter_chunks", "nm_simulate",
           "prepare"]
