"""What ``xposim pk`` does: read a regimen, simulate, analyse, write (no CLI code here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.model.units import HOURS_PER_WEEK
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
from xposim.pharmacology.regimen.text import regimen_to_text

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
            s["flags"] = list(typ["flags"])
            if d.population is not None:
                table = d.nca(d.population)
                s["population"] = {k: _quantiles(table[k]) for k in NCA_KEYS}
                s["population"]["n"] = len(table)  # type: ignore[index]
            out[d.drug] = s
        return out

    def write(self, folder: Path) -> None:
        """pk.parquet (tidy, with a ``drug`` and ``kind`` column), NONMEM CSV(s) and
        profiles.png (spaghetti plot with the 90% prediction interval)."""
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
        fig = plot_profiles(self)
        fig.savefig(folder / "profiles.png", dpi=110)
        import matplotlib.pyplot as plt

        plt.close(fig)


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


def plot_profiles(run: PKRun):  # noqa: ANN201 - matplotlib Figure
    """Concentration-time profiles: population spaghetti, median and 90% PI, typical."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(run.drugs), 1, figsize=(8, 3.6 * len(run.drugs)),
                             squeeze=False)
    for ax, d in zip(axes[:, 0], run.drugs, strict=True):
        var = d.typical.concentration_variable
        if d.population is not None:
            wide = d.population.profiles(var)
            t = wide.index.to_numpy()
            for col in list(wide.columns)[:100]:
                ax.plot(t, wide[col], color="0.6", lw=0.4, alpha=0.5)
            lo, med, hi = np.percentile(wide.to_numpy(), [5, 50, 95], axis=1)
            ax.fill_between(t, lo, hi, color="tab:blue", alpha=0.25,
                            label="90% prediction interval")
            ax.plot(t, med, color="tab:blue", lw=1.5, label="population median")
        typ = d.typical.profiles(var)
        ax.plot(typ.index, typ.iloc[:, 0], color="k", lw=1.2, ls="--", label="typical subject")
        ax.set_yscale("symlog", linthresh=max(float(typ.max().max()) * 1e-3, 1e-3))
        ax.set_xlabel("time (h)")
        ax.set_ylabel("plasma concentration (ng/mL)")
        ax.set_title(_title(d.regimen))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _title(regimen: Regimen) -> str:
    text = regimen_to_text(regimen)
    return text if len(text) <= 90 else text[:87] + "..."


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
           covariates: Mapping[str, object] | None = None) -> PKRun:
    """Simulate ``regimen`` (a Regimen, regimen text or ``label:<name>``) in the typical
    subject (reference covariates overridden by the given ones) and, with ``n``, in ``n``
    virtual subjects (given covariates fixed). Without ``hours`` the simulation runs to
    72 h after the last dose (open-ended regimens: 3 weeks of dosing)."""
    reg = read_regimen(regimen)
    if not reg.records:
        raise InputError("regimen", "has no doses")
    given = {**_given_covariates(weight_kg, sex, height_cm), **dict(covariates or {})}
    if reg.per_m2 and n is None and not ("weight_kg" in given and "height_cm" in given):
        raise InputError("height", "mg/m2 doses need the body-surface area: give --weight "
                         "and --height (or a population with --n)")
    if hours is not None:
        end = float(hours)
    else:
        dosing = reg.doses(OPEN_ENDED_DOSING_H if reg.open_ended else None)
        end = max(d.time_h for d in dosing) + WASHOUT_H
    times = np.arange(0.0, end + 1e-9, step_h)
    if times.size > 200_001:
        raise InputError("step", "gives more than 200,000 output times; use a larger step",
                         got=step_h)
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
        typical = simulate_population(pk, doses, subjects=[0], seed=seed, times_h=times,
                                      covariates=typical_cov, variability=False,
                                      residual_error=False)
        pop = None
        if n is not None:
            pop = simulate_population(pk, doses, n=n, seed=seed, times_h=times,
                                      covariates=given or None)
        runs.append(DrugRun(drug, part, doses, typical, pop))
    return PKRun(tuple(runs), seed)
