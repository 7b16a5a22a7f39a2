"""What ``xposim pk`` does: read a regimen, simulate, analyse, write (no CLI code here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.limits import MAX_OUTPUT_POINTS, MAX_SIMULATED_DAYS, MAX_VALUES_IN_MEMORY
from xposim.model.units import HOURS_PER_DAY, HOURS_PER_WEEK
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.label_regimens import read_regimen
from xposim.pharmacology.nmdata import write_dataset
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.pk.population import (
    Covariates,
    PopulationResult,
    simulate_population,
)
from xposim.pharmacology.regimen.algebra import Regimen

#: Simulated time of an open-ended ("until progression") regimen without --hours: three
#: weeks of dosing (the label schedules repeat weekly or in 21-35-day cycles) + 72 h.
OPEN_ENDED_DOSING_H = 3 * HOURS_PER_WEEK
#: Washout simulated after the last dose by default (h): ≥ 9 selinexor half-lives (6-8 h).
WASHOUT_H = 72.0

#: NCA keys reported (name in the NCA result -> reported name); units in the names.
NCA_KEYS: tuple[str, ...] = ("cmax_ng_ml", "tmax_h", "auc_last_ng_h_ml", "auc_inf_ng_h_ml",
                             "half_life_h", "cl_f_l_h", "vz_f_l")
#: Subjects simulated between two progress reports of a population run.
PROGRESS_CHUNK = 25


@dataclass(frozen=True)
class DrugRun:
    drug: str
    regimen: Regimen  # this drug's part
    doses: tuple[Dose, ...]  # the doses simulated
    typical: PopulationResult
    population: PopulationResult | None

    def first_interval(self) -> tuple[float, float]:
        times = sorted({d.time_h for d in self.doses})
        end = times[1] - 1e-6 if len(times) > 1 else float(self.typical.frame.time_h.max())
        return times[0], end

    def nca(self, result: PopulationResult) -> pd.DataFrame:
        start, end = self.first_interval()
        return result.nca(start_h=start, end_h=end)

    def truncation_flags(self, typ: pd.Series) -> list[str]:
        """What the NCA of the first dose cannot see because the simulated window ends too
        early: the peak (Cmax at the window's last sample) or the terminal phase (no λz)."""
        start, end = self.first_interval()
        t = self.typical.frame.time_h
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
    """Typical-subject (and optionally population) results of every drug of a regimen."""

    drugs: tuple[DrugRun, ...]
    seed: int

    def summary(self) -> dict[str, dict[str, object]]:
        """Per drug: the typical subject's NCA of the first dose, and with a population the
        median, 5th and 95th percentiles of each quantity."""
        out: dict[str, dict[str, object]] = {}
        for d in self.drugs:
            typ = d.nca(d.typical).iloc[0]
            s: dict[str, object] = {k: _num(typ[k]) for k in NCA_KEYS}
            # how far to trust t½ and AUCinf (PKNCA acceptance rules; see analysis/nca.py)
            s["auc_pct_extrap"] = _num(typ["auc_pct_extrap"])
            s["lambda_z_span_ratio"] = _num(typ["lambda_z_span_ratio"])
            s["flags"] = d.truncation_flags(typ) + list(typ["flags"])
            if d.population is not None:
                table = d.nca(d.population)
                s["population"] = {k: _quantiles(table[k]) for k in NCA_KEYS}
                s["population"]["n"] = len(table)  # type: ignore[index]
            out[d.drug] = s
        return out

    def write(self, folder: Path) -> None:
        """pk.parquet (tidy, with a ``drug`` and ``kind`` column) and the NONMEM CSV(s);
        the figure is :func:`xposim.report.pk_plots.plot_profiles`."""
        frames = []
        for d in self.drugs:
            for kind, res in (("typical", d.typical), ("population", d.population)):
                if res is not None:
                    f = res.frame.copy()
                    f.insert(0, "kind", kind)
                    f.insert(0, "drug", d.drug)
                    frames.append(f)
        pd.concat(frames, ignore_index=True).to_parquet(folder / "pk.parquet", index=False)
        for d in self.drugs:
            res = d.population or d.typical
            name = "nonmem.csv" if len(self.drugs) == 1 else f"nonmem_{d.drug}.csv"
            write_dataset(res.to_nonmem(), folder / name)


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
           progress: Callable[[int], None] | None = None) -> PKRun:
    """Simulate ``regimen`` (a Regimen, regimen text or ``label:<name>``) in the typical
    subject (reference covariates overridden by the given ones) and, with ``n``, in ``n``
    virtual subjects (given covariates fixed). Without ``hours`` the simulation runs to
    72 h after the last dose (open-ended regimens: 3 weeks of dosing). ``progress(k)`` is
    called as each batch of ``k`` virtual subjects finishes.

    Refused before simulating: a span beyond :data:`xposim.limits.MAX_SIMULATED_DAYS`
    (``hours``, or the ``regimen`` without it), a grid beyond
    :data:`~xposim.limits.MAX_OUTPUT_POINTS` (``step``), a population beyond
    :data:`~xposim.limits.MAX_VALUES_IN_MEMORY` subject-times (``n``), and a grid with
    fewer than 3 samples in a drug's first dosing interval (NCA needs 3)."""
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
    if n is not None:
        MAX_VALUES_IN_MEMORY.check("n", n * times.size, got=n,
                                   hint=f"{n} subjects x {times.size:,} output times; use "
                                        "fewer subjects or a larger --step")
    typical_cov = Covariates(**given)
    runs = []
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
        pop = None
        if n is not None:
            pop = _population(pk, doses, n, seed, times, given or None, progress)
        runs.append(DrugRun(drug, part, doses, typical, pop))
    return PKRun(tuple(runs), seed)


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


def _population(pk: object, doses: tuple[Dose, ...], n: int, seed: int, times: np.ndarray,
                covariates: Mapping[str, object] | None,
                progress: Callable[[int], None] | None) -> PopulationResult:
    """Subjects 0..n-1, simulated in batches so that progress can be reported (a subject's
    result depends only on (seed, id): batching changes nothing)."""
    if progress is None:
        return simulate_population(pk, doses, n=n, seed=seed, times_h=times,  # type: ignore[arg-type]
                                   covariates=covariates)
    parts = []
    for lo in range(0, n, PROGRESS_CHUNK):
        ids = range(lo, min(n, lo + PROGRESS_CHUNK))
        parts.append(simulate_population(pk, doses, subjects=ids, seed=seed,  # type: ignore[arg-type]
                                         times_h=times, covariates=covariates))
        progress(len(ids))
    first = parts[0]
    return PopulationResult(pk=first.pk, seed=first.seed, doses=first.doses,
                            frame=pd.concat([p.frame for p in parts], ignore_index=True),
                            subjects=pd.concat([p.subjects for p in parts],
                                               ignore_index=True))
