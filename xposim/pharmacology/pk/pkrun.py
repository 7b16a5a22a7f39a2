"""What ``xposim pk`` does: read a regimen, simulate, analyse, write (no CLI code here).

A population is simulated in chunks of subjects; with an output folder each chunk is
written as soon as it is done (pk.parquet row groups, NONMEM CSV parts) and only its NCA
and a thinned copy of its concentrations (for the plot) are kept, so memory stays bounded
whatever the number of subjects or the length of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.limits import (
    MAX_OUTPUT_POINTS,
    MAX_SIMULATED_DAYS,
    MAX_SUBJECT_TIMES,
    MAX_SUBJECTS,
)
from xposim.model.units import HOURS_PER_DAY, HOURS_PER_WEEK
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.label_regimens import read_regimen
from xposim.pharmacology.nmdata import DatasetWriter
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.pk.population import (
    CHUNK_VALUES,
    Covariates,
    PopulationResult,
    population_chunks,
    simulate_population,
)
from xposim.pharmacology.pk.spec import PKModel
from xposim.pharmacology.regimen.algebra import Regimen

#: Simulated time of an open-ended ("until progression") regimen without --hours: three
#: weeks of dosing (the label schedules repeat weekly or in 21-35-day cycles) + 72 h.
OPEN_ENDED_DOSING_H = 3 * HOURS_PER_WEEK
#: Washout simulated after the last dose by default (h): ≥ 9 selinexor half-lives (6-8 h).
WASHOUT_H = 72.0

#: NCA keys reported (name in the NCA result -> reported name); units in the names.
NCA_KEYS: tuple[str, ...] = ("cmax_ng_ml", "tmax_h", "auc_last_ng_h_ml", "auc_inf_ng_h_ml",
                             "half_life_h", "cl_f_l_h", "vz_f_l")


@dataclass(frozen=True)
class DrugRun:
    """One drug's part of a run: the typical subject (full resolution), the population
    (``None`` without ``n``; only the concentration, on a grid thinned to
    :data:`PLOT_VALUES`, when it was streamed to disk) and the NCA of the first dose of
    each (``nca_typical``, ``nca_population``: one row per subject)."""

    drug: str
    regimen: Regimen  # this drug's part
    doses: tuple[Dose, ...]  # the doses simulated
    typical: PopulationResult
    population: PopulationResult | None
    nca_typical: pd.DataFrame | None = None
    nca_population: pd.DataFrame | None = None

    def first_interval(self) -> tuple[float, float]:
        times = sorted({d.time_h for d in self.doses})
        end = times[1] - 1e-6 if len(times) > 1 else float(self.typical.times_h.max())
        return times[0], end

    def nca(self, result: PopulationResult) -> pd.DataFrame:
        start, end = self.first_interval()
        return result.nca(start_h=start, end_h=end)

    def truncation_flags(self, typ: pd.Series) -> list[str]:
        """What the NCA of the first dose cannot see because the simulated window ends too
        early: the peak (Cmax at the window's last sample) or the terminal phase (no λz)."""
        start, end = self.first_interval()
        t = self.typical.times_h
        last = float(t[(t >= start) & (t <= end)].max())
        flags = []
        if float(typ["tmax_h"]) >= last - start - 1e-9:
            flags.append(f"truncated: Cmax is at the end of the window ({last:g} h), so "
                         "Tmax is not clear; simulate longer (--hours)")
        if _num(typ["lambda_z_per_h"]) is None:
            flags.append("truncated: the terminal phase is not reached, so lambda_z, t1/2 "
                         "and AUCinf cannot be estimated; simulate longer (--hours)")
        return flags


@dataclass(frozen=True)
class PKRun:
    """Typical-subject (and optionally population) results of every drug of a regimen;
    ``written_to``: the folder the population was streamed into (pk.parquet and the
    NONMEM files are there already)."""

    drugs: tuple[DrugRun, ...]
    seed: int
    written_to: Path | None = None

    def summary(self) -> dict[str, dict[str, object]]:
        """Per drug: the typical subject's NCA of the first dose, and with a population the
        median, 5th and 95th percentiles of each quantity."""
        out: dict[str, dict[str, object]] = {}
        for d in self.drugs:
            typ = (d.nca_typical if d.nca_typical is not None else d.nca(d.typical)).iloc[0]
            s: dict[str, object] = {k: _num(typ[k]) for k in NCA_KEYS}
            # how far to trust t½ and AUCinf (PKNCA acceptance rules; see analysis/nca.py)
            s["auc_pct_extrap"] = _num(typ["auc_pct_extrap"])
            s["lambda_z_span_ratio"] = _num(typ["lambda_z_span_ratio"])
            s["flags"] = d.truncation_flags(typ) + list(typ["flags"])
            table = d.nca_population
            if table is None and d.population is not None:
                table = d.nca(d.population)
            if table is not None:
                s["population"] = {k: _quantiles(table[k]) for k in NCA_KEYS}
                s["population"]["n"] = len(table)  # type: ignore[index]
            out[d.drug] = s
        return out

    def write(self, folder: Path) -> None:
        """pk.parquet (tidy, with a ``drug`` and ``kind`` column) and the NONMEM CSV(s)
        into ``folder``; after a run streamed into ``folder`` they are there already. The
        figure is :func:`xposim.report.pk_plots.plot_profiles`."""
        if self.written_to is not None and Path(self.written_to) == Path(folder):
            return
        if any(d.population is not None and d.population.thinned for d in self.drugs):
            raise InputError("out", "this population was too large to keep in memory; "
                             "give the folder to run_pk(out_dir=...) to stream it")
        with RunFiles(folder, [d.drug for d in self.drugs]) as files:
            for d in self.drugs:
                files.add(d.drug, "typical", d.typical)
                if d.population is not None:
                    files.add(d.drug, "population", d.population, nonmem=True)
                else:
                    files.nonmem(d.drug, d.typical)


class RunFiles:
    """Streamed output of a PK run (a small helper of this module, to be unified with the
    CLI's common output path): pk.parquet written row group by row group, one NONMEM CSV
    per drug written part by part. Use as a context manager; files are complete only
    when the block ends without error (the caller's folder is temporary until then)."""

    SCHEMA = None  # set on first use (pyarrow is imported lazily)

    def __init__(self, folder: Path, drugs: Sequence[str]) -> None:
        self.folder = Path(folder)
        self.drugs = list(drugs)
        self._parquet = None
        self._csv: dict[str, tuple[object, DatasetWriter]] = {}

    def __enter__(self) -> RunFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._parquet is not None:
            self._parquet.close()
        for fh, _ in self._csv.values():
            fh.close()  # type: ignore[attr-defined]

    def add(self, drug: str, kind: str, result: PopulationResult, *,
            nonmem: bool = False) -> None:
        """Append ``result`` to pk.parquet (and, with ``nonmem``, its records to the
        drug's NONMEM CSV)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        c = result.tidy_columns()
        n = len(c["value"])  # type: ignore[arg-type]
        dict_type = pa.dictionary(pa.int32(), pa.string())
        table = pa.table({
            "drug": pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), [drug]),
            "kind": pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), [kind]),
            "subject": pa.array(c["subject"]), "time_h": pa.array(c["time_h"]),
            "variable": pa.DictionaryArray.from_arrays(c["variable"], c["variables"]),
            "value": pa.array(c["value"]),
            "unit": pa.DictionaryArray.from_arrays(c["unit"], c["units"]),
        }, schema=pa.schema([("drug", dict_type), ("kind", dict_type), ("subject", pa.int64()),
                             ("time_h", pa.float64()), ("variable", dict_type),
                             ("value", pa.float64()), ("unit", dict_type)]))
        if self._parquet is None:
            # dictionary pages only where values repeat by design (names, times, ids)
            self._parquet = pq.ParquetWriter(
                self.folder / "pk.parquet", table.schema,
                use_dictionary=["drug", "kind", "variable", "unit", "subject", "time_h"])
        self._parquet.write_table(table)
        if nonmem:
            self.nonmem(drug, result)

    def nonmem(self, drug: str, result: PopulationResult) -> None:
        """Append ``result``'s records to the drug's NONMEM CSV (nonmem.csv for one drug,
        nonmem_<drug>.csv for several)."""
        if drug not in self._csv:
            name = "nonmem.csv" if len(self.drugs) == 1 else f"nonmem_{drug}.csv"
            fh = (self.folder / name).open("w", encoding="utf-8", newline="")
            self._csv[drug] = (fh, DatasetWriter(fh, check="first"))
        self._csv[drug][1].write(result.nonmem_columns())


def _num(x: object) -> float | None:
    if x is None:
        return None
    v = float(x)  # type: ignore[arg-type]
    return v if np.isfinite(v) else None


def _quantiles(col: pd.Series) -> dict[str, float | None]:
    v = pd.to_numeric(col, errors="coerce").dropna().to_numpy(float)
    if v.size == 0:
        return {"median": None, "p5": None, "p95": None}
    p5, med, p95 = np.percentile(v, [5, 50, 95])
    return {"median": float(med), "p5": float(p5), "p95": float(p95)}


def _given_covariates(weight_kg: float | None, sex: str | None, height_cm: float | None
                      ) -> dict[str, object]:
    given: dict[str, object] = {}
    if weight_kg is not None:
        given["weight_kg"] = weight_kg
    if sex is not None:
        given["sex"] = sex
    if height_cm is not None:
        given["height_cm"] = height_cm
    Covariates(**given)  # validates the given values (named field in the error)
    return given


def run_pk(regimen: str | Regimen, *, weight_kg: float | None = None,
           sex: str | None = None, height_cm: float | None = None, n: int | None = None,
           seed: int = 0, hours: float | None = None, step_h: float = 0.25,
           covariates: Mapping[str, object] | None = None,
           obs_times_h: Sequence[float] | np.ndarray | None = None,
           obs_every_h: float | None = None, out_dir: Path | None = None,
           progress: Callable[[int], None] | None = None) -> PKRun:
    """Simulate ``regimen`` (a Regimen, regimen text or ``label:<name>``) in the typical
    subject (reference covariates overridden by the given ones) and, with ``n``, in ``n``
    virtual subjects (given covariates fixed). Without ``hours`` the simulation runs to
    72 h after the last dose (open-ended regimens: 3 weeks of dosing).

    The typical subject and every NCA use the ``step_h`` grid. The population is recorded
    at ``obs_times_h`` or every ``obs_every_h`` (h; default the same grid). With
    ``out_dir`` the population is simulated in chunks of subjects and written as it goes
    (pk.parquet, NONMEM CSVs), so memory stays bounded; ``progress(k)`` is called as each
    chunk of ``k`` virtual subjects finishes (the subjects of every drug count).

    Refused before simulating: a span beyond :data:`xposim.limits.MAX_SIMULATED_DAYS`
    (``hours``, or the ``regimen`` without it), a grid beyond
    :data:`~xposim.limits.MAX_OUTPUT_POINTS` (``step``, the recorded times), a population
    beyond :data:`~xposim.limits.MAX_SUBJECTS` or :data:`~xposim.limits.MAX_SUBJECT_TIMES`
    (``n``), and a grid with fewer than 3 samples in a drug's first dosing interval (NCA
    needs 3)."""
    reg = read_regimen(regimen)
    if not reg.records:
        raise InputError("regimen", "has no doses")
    given = {**_given_covariates(weight_kg, sex, height_cm), **dict(covariates or {})}
    if reg.per_m2 and n is None and not ("weight_kg" in given and "height_cm" in given):
        raise InputError("height", "mg/m2 doses need the body-surface area: give --weight "
                         "and --height (or a population with --n)")
    if not (np.isfinite(step_h) and step_h > 0):
        raise InputError("step", "must be > 0 h (a finite number)", got=step_h)
    if hours is not None:
        if not (np.isfinite(hours) and hours > 0):
            raise InputError("hours", "must be > 0 h (a finite number)", got=hours)
        end = float(hours)
        MAX_SIMULATED_DAYS.check("hours", end / HOURS_PER_DAY, got=hours)
    else:
        span = OPEN_ENDED_DOSING_H if reg.open_ended else float(reg.end_h or 0.0)
        MAX_SIMULATED_DAYS.check("regimen", (span + WASHOUT_H) / HOURS_PER_DAY,
                                 hint="give --hours to simulate its beginning",
                                 got=regimen if isinstance(regimen, str) else None)
        dosing = reg.doses(OPEN_ENDED_DOSING_H if reg.open_ended else None)
        end = max(d.time_h for d in dosing) + WASHOUT_H
    MAX_OUTPUT_POINTS.check("step", end / step_h + 1,
                            hint=f"use a step of at least "
                                 f"{end / (MAX_OUTPUT_POINTS.value - 1):.3g} h over {end:g} h",
                            got=step_h)
    times = np.arange(0.0, end + 1e-9, step_h)
    if obs_times_h is not None and obs_every_h is not None:
        raise InputError("obs-times", "give obs_times_h or obs_every_h, not both")
    if n is None and (obs_times_h is not None or obs_every_h is not None):
        raise InputError("obs-times" if obs_times_h is not None else "obs-every",
                         "sets the times a population is recorded at: give --n")
    if obs_every_h is not None:
        if not (np.isfinite(obs_every_h) and obs_every_h > 0):
            raise InputError("obs-every", "must be > 0 h", got=obs_every_h)
        MAX_OUTPUT_POINTS.check("obs-every", end / obs_every_h + 1, got=obs_every_h)
        obs_times_h = np.arange(0.0, end + 1e-9, obs_every_h)
    obs = times if obs_times_h is None else _check_obs_times(obs_times_h, end)
    if n is not None:
        MAX_SUBJECTS.check("n", n, got=n)
        MAX_SUBJECT_TIMES.check("n", n * obs.size, got=n,
                                hint=f"{n:,} subjects x {obs.size:,} recorded times; use "
                                     "fewer subjects or record fewer times (--obs-every, "
                                     "--obs-times)")
    typical_cov = Covariates(**given)
    runs = []
    files = RunFiles(out_dir, reg.drugs) if out_dir is not None else None
    try:
        for drug in reg.drugs:
            part = reg.for_drug(drug)
            # a horizon shorter than the regimen simulates the doses given before it
            doses = part.doses(end)
            pk = pk_model(drug)
            if not doses:
                raise InputError("hours", f"no {drug} dose falls within the simulated time",
                                 got=end)
            _check_first_interval(drug, doses, times, step_h)
            typical = simulate_population(pk, doses, subjects=[0], seed=seed, times_h=times,
                                          covariates=typical_cov, variability=False,
                                          residual_error=False)
            run = DrugRun(drug, part, doses, typical, None)
            run = replace(run, nca_typical=run.nca(typical))
            if files is not None:
                files.add(drug, "typical", typical)
                if n is None:
                    files.nonmem(drug, typical)
            if n is not None:
                pop, table = _population(pk, doses, run, n=n, seed=seed, times=times,
                                         obs=obs, given=given, files=files,
                                         progress=progress)
                run = replace(run, population=pop, nca_population=table)
            runs.append(run)
    finally:
        if files is not None:
            files.__exit__(None)
    return PKRun(tuple(runs), seed, written_to=out_dir)


#: Concentration values (subjects × times) kept for the population plot of a streamed
#: run; a longer grid is thinned (every k-th time) to stay within it.
PLOT_VALUES = 4_000_000
#: Values (subjects × times × variables) of a population kept whole in memory when it is
#: not streamed to a folder; a larger one keeps only what the plot needs.
KEEP_VALUES = 20_000_000
#: Chunks of a population run per drug, at least (when they hold PROGRESS_CHUNK subjects
#: or more): smaller than the memory bound alone would make them, so that a progress bar
#: moves. A subject's values do not depend on the chunking.
PROGRESS_STEPS = 20
PROGRESS_CHUNK = 25


def _check_first_interval(drug: str, doses: tuple[Dose, ...], times: np.ndarray,
                          step_h: float) -> None:
    """NCA of the first dose needs 3 samples between it and the next dose (or the end)."""
    starts = sorted({d.time_h for d in doses})
    end = starts[1] if len(starts) > 1 else float(times[-1])
    k = int(np.count_nonzero((times >= starts[0]) & (times < end + 1e-9)))
    if k < 3:
        raise InputError("step", f"gives {k} output time(s) between the first {drug} dose "
                         f"({starts[0]:g} h) and {end:g} h; the NCA of the first dose needs "
                         "at least 3: use a smaller --step (or a longer --hours)", got=step_h)


def _check_obs_times(obs: Sequence[float] | np.ndarray, end: float) -> np.ndarray:
    t = np.asarray(obs, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise InputError("obs-times", "give at least one time (h)")
    MAX_OUTPUT_POINTS.check("obs-times", t.size)
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise InputError("obs-times", "must be finite, >= 0 h and increasing")
    if t[-1] > end + 1e-9:
        raise InputError("obs-times", f"must end within the simulated time ({end:g} h; "
                         "see --hours)", got=float(t[-1]))
    return t


def _population(pk: PKModel, doses: tuple[Dose, ...], run: DrugRun, *, n: int, seed: int,
                times: np.ndarray, obs: np.ndarray, given: Mapping[str, object],
                files: RunFiles | None, progress: Callable[[int], None] | None
                ) -> tuple[PopulationResult, pd.DataFrame]:
    """The population of one drug, chunk by chunk: its first-dose NCA (on the fine grid),
    written to ``files`` when given, and kept in memory (all of it without ``files``,
    only the thinned concentrations for the plot with them)."""
    start, end = run.first_interval()
    nca_grid = times[(times >= start) & (times <= end)]
    per_subject = obs.size * (len(pk.outputs) + 3)
    keep_all = files is None and n * per_subject <= KEEP_VALUES
    stride = 1 if keep_all else max(1, -(-n * obs.size // PLOT_VALUES))
    # chunks within the memory bound population_chunks would use (CHUNK_VALUES), and
    # small enough that progress is reported PROGRESS_STEPS times
    width = np.union1d(obs, nca_grid).size * (len(pk.outputs) + 5)
    size = max(1, min(CHUNK_VALUES // width,
                      max(PROGRESS_CHUNK, -(-n // PROGRESS_STEPS))))
    kept: list[PopulationResult] = []
    tables: list[pd.DataFrame] = []
    for chunk, fine in population_chunks(pk, doses, n=n, seed=seed, times_h=obs,
                                         covariates=given or None, extra_times=nca_grid,
                                         chunk_subjects=size):
        tables.append(fine.nca(start_h=start, end_h=end))  # type: ignore[union-attr]
        if files is not None:
            files.add(run.drug, "population", chunk, nonmem=True)
        done = len(chunk.subject_ids)
        if not keep_all:
            var = chunk.concentration_variable
            chunk = replace(chunk, times_h=chunk.times_h[::stride], outputs=(),
                            values={var: chunk.values[var][:, ::stride]},
                            units={var: chunk.units[var]}, thinned=True)
        kept.append(chunk)
        if progress is not None:
            progress(done)
    return _concat(kept), pd.concat(tables, ignore_index=True)


def _concat(parts: Sequence[PopulationResult]) -> PopulationResult:
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return replace(first, subject_ids=np.concatenate([p.subject_ids for p in parts]),
                   values={v: np.concatenate([p.values[v] for p in parts])
                           for v in first.values},
                   subjects=pd.concat([p.subjects for p in parts], ignore_index=True))
