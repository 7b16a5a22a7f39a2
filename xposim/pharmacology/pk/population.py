"""Virtual subjects and population PK simulation.

A subject is covariates (weight, sex, height) plus log-normal random effects (etas); it
is simulated as parameter overrides on one compiled model (``Simulator.run(parameters=)``).

Randomness is per subject: covariates come from
``default_rng(SeedSequence(seed, spawn_key=(subject_id,)))``; each drug's etas and residual
errors from the same (seed, subject id) extended by a stable key of the drug name
(``spawn_key=(subject_id, crc32(drug), stream)``). A subject's values therefore depend only
on (seed, subject id, drug) — never on which other subjects, drugs or chunks are simulated.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from xposim.analysis.nca import nca
from xposim.engine import Simulator
from xposim.errors import InputError
from xposim.model.units import HOURS_PER_WEEK, conversion_factor, to_canonical
from xposim.pharmacology.bsa import mosteller_bsa
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.dose_events import dose_events, dose_species
from xposim.pharmacology.pk.spec import PKModel
from xposim.pharmacology.regimen.algebra import Regimen

Sex = Literal["M", "F"]

#: Draw-order tags for the per-drug sub-streams (etas, residual errors).
_ETA_STREAM, _RESIDUAL_STREAM = 0, 1


@dataclass(frozen=True)
class Covariates:
    """One subject's covariates: weight (kg), sex (M/F), height (cm)."""

    weight_kg: float = 70.0
    sex: Sex = "M"
    height_cm: float = 170.0

    def __post_init__(self) -> None:
        _check_range("weight", self.weight_kg, 30.0, 250.0, "kg")
        _check_range("height", self.height_cm, 120.0, 230.0, "cm")
        sex = str(self.sex).strip().upper()
        if sex not in ("M", "F"):
            raise InputError("sex", "must be M or F", got=self.sex)
        object.__setattr__(self, "sex", sex)
        object.__setattr__(self, "weight_kg", float(self.weight_kg))
        object.__setattr__(self, "height_cm", float(self.height_cm))

    @property
    def bsa_m2(self) -> float:
        """Body-surface area (m², Mosteller; :mod:`xposim.pharmacology.bsa`)."""
        return mosteller_bsa(self.weight_kg, self.height_cm)

    def model_parameters(self) -> dict[str, float]:
        """Canonical overrides of the covariate parameters of the PK modules."""
        return {"body_weight": to_canonical(self.weight_kg, "kg"),
                "female": 1.0 if self.sex == "F" else 0.0}


def _check_range(field_name: str, value: object, lo: float, hi: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(field_name, f"must be a number in {unit}", got=repr(value))
    if not math.isfinite(float(value)) or not lo <= float(value) <= hi:
        raise InputError(field_name, f"must be between {lo:g} and {hi:g} {unit}", got=value)


@dataclass(frozen=True)
class CovariateDistribution:
    """Adult cancer-patient covariates: sex ~ Bernoulli, weight log-normal by sex, height
    normal by sex (independent of weight), both clipped to plausible limits.

    Defaults (assumed, documented in docs/pk.md): 42% women (myeloma is more common in
    men); median weight 80 kg (men) / 67 kg (women) with 20% CV; height 175 ± 7 cm (men),
    162 ± 6.5 cm (women) — close to adult anthropometry (CDC NHANES 2015-2018, Vital
    Health Stat 3(46), 2021) shifted down for an older, ill population.
    """

    female_fraction: float = 0.42
    weight_median_kg: tuple[float, float] = (80.0, 67.0)  # (men, women)
    weight_cv: float = 0.20
    height_mean_cm: tuple[float, float] = (175.0, 162.0)
    height_sd_cm: tuple[float, float] = (7.0, 6.5)
    weight_limits_kg: tuple[float, float] = (40.0, 160.0)
    height_limits_cm: tuple[float, float] = (140.0, 205.0)
    source: str = "assumed adult cancer population (docs/pk.md)"

    def __post_init__(self) -> None:
        if not 0.0 <= self.female_fraction <= 1.0:
            raise InputError("female_fraction", "must be in [0, 1]", got=self.female_fraction)
        if not 0.0 <= self.weight_cv < 1.0:
            raise InputError("weight_cv", "must be in [0, 1)", got=self.weight_cv)
        for name in ("weight_median_kg", "height_mean_cm", "height_sd_cm",
                     "weight_limits_kg", "height_limits_cm"):
            pair = getattr(self, name)
            if len(pair) != 2 or any(not math.isfinite(v) or v < 0 for v in pair):
                raise InputError(name, "must be two finite values >= 0", got=pair)

    def sample(self, rng: np.random.Generator) -> Covariates:
        """Draw one subject (always 3 draws, in the order sex, weight, height)."""
        u, z_w, z_h = rng.random(), rng.standard_normal(), rng.standard_normal()
        k = 1 if u < self.female_fraction else 0
        sigma = math.sqrt(math.log1p(self.weight_cv**2))
        w = self.weight_median_kg[k] * math.exp(sigma * z_w)
        h = self.height_mean_cm[k] + self.height_sd_cm[k] * z_h
        w = min(max(w, self.weight_limits_kg[0]), self.weight_limits_kg[1])
        h = min(max(h, self.height_limits_cm[0]), self.height_limits_cm[1])
        return Covariates(weight_kg=w, sex="F" if k else "M", height_cm=h)


def as_doses(pk: PKModel, doses: Regimen | Sequence[Dose], *,
             until_h: float | None = None) -> tuple[Dose, ...]:
    """The drug's single administrations, sorted by time, from a Regimen (its doses of
    this drug before ``until_h``, h) or Doses (repeated ones expanded; open-ended ones
    before ``until_h``)."""
    name = pk.drug.name
    if isinstance(doses, Regimen):
        if doses.open_ended and until_h is None:
            raise InputError("until", "an open-ended regimen needs the simulated time")
        out = doses.for_drug(name).doses(until_h) if name in doses.drugs else ()
        return tuple(out)
    out_list: list[Dose] = []
    for d in doses:
        if not isinstance(d, Dose):
            raise InputError("doses", "must be a Regimen or Dose objects", got=repr(d))
        if d.drug != name:
            raise InputError("doses", f"a {d.drug} dose given to the {name} model", got=d.drug)
        if d.open_ended and until_h is None:
            raise InputError("until", "an open-ended dose needs the simulated time")
        out_list.extend(d.administrations(until_h if d.open_ended else None))
    return tuple(sorted(out_list, key=lambda x: x.time_h))


def repeated_doses(drug: str, amount: float, *, times_h: Iterable[float], route: str = "PO",
                   unit: str = "mg") -> tuple[Dose, ...]:
    """The same dose of ``drug`` (``amount`` in ``unit``, mg or mg/m2) at each of
    ``times_h`` (h)."""
    return tuple(Dose(drug, amount, unit, route, float(t)) for t in times_h)


@dataclass(frozen=True)
class VirtualSubject:
    """A subject id with covariates and each drug's etas (name -> value)."""

    id: int
    covariates: Covariates
    etas: Mapping[str, float] = field(default_factory=dict)

    def parameters(self) -> dict[str, float]:
        return {**self.covariates.model_parameters(), **dict(self.etas)}


def _drug_key(pk: PKModel) -> int:
    return zlib.crc32(pk.drug.name.encode())


def subject_rng(seed: int, subject_id: int, *stream: int) -> np.random.Generator:
    """The generator of one subject (and optionally a sub-stream)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(subject_id, *stream)))


def make_subject(pk: PKModel, subject_id: int, seed: int, *,
                 covariates: Covariates | Mapping[str, object] | None = None,
                 distribution: CovariateDistribution | None = None,
                 variability: bool = True,
                 omegas: Mapping[str, float] | None = None) -> VirtualSubject:
    """One virtual subject. ``covariates`` fixes some or all covariates (a Covariates or a
    mapping with ``weight_kg``/``sex``/``height_cm``); the rest are sampled. ``omegas``
    (omega parameter name -> SD) replaces the model's omegas, e.g. while calibrating."""
    _check_id(subject_id)
    drawn = (distribution or CovariateDistribution()).sample(subject_rng(seed, subject_id))
    if isinstance(covariates, Covariates):
        cov = covariates
    else:
        given = dict(covariates or {})
        unknown = sorted(set(given) - {"weight_kg", "sex", "height_cm"})
        if unknown:
            raise InputError("covariates", "known covariates are weight_kg, sex, height_cm",
                             got=", ".join(unknown))
        cov = Covariates(**{"weight_kg": drawn.weight_kg, "sex": drawn.sex,
                            "height_cm": drawn.height_cm, **given})
    etas: dict[str, float] = {}
    if variability:
        rng = subject_rng(seed, subject_id, _drug_key(pk), _ETA_STREAM)
        z = rng.standard_normal(len(pk.random_effects))
        om = dict(omegas or {})
        etas = {re.parameter: float(om.get(re.omega.name, re.omega.value) * zi)
                for re, zi in zip(pk.random_effects, z, strict=True)}
    return VirtualSubject(subject_id, cov, etas)


def _check_id(subject_id: object) -> None:
    if isinstance(subject_id, bool) or not isinstance(subject_id, int | np.integer) \
            or subject_id < 0:
        raise InputError("subject", "ids must be integers >= 0", got=subject_id)


def _add_residual(pk: PKModel, conc_ng_ml: np.ndarray, seed: int, subject_id: int
                  ) -> np.ndarray:
    rng = subject_rng(seed, subject_id, _drug_key(pk), _RESIDUAL_STREAM)
    eps = rng.standard_normal((2, conc_ng_ml.size))
    prop = pk.residual.proportional.value
    add = pk.residual.additive.value  # ng/mL
    return np.maximum(conc_ng_ml * (1.0 + prop * eps[0]) + add * eps[1], 0.0)


@dataclass(frozen=True)
class PopulationResult:
    """Tidy results of a population run.

    ``frame``: subject, time_h, variable, value, unit (``Cp_<drug>_ng_ml`` individual
    prediction, ``Cobs_<drug>_ng_ml`` with residual error, plus the module outputs).
    ``subjects``: one row per subject (covariates, BSA, etas, dose).
    """

    pk: PKModel
    frame: pd.DataFrame
    subjects: pd.DataFrame
    doses: tuple[Dose, ...]
    seed: int

    @property
    def concentration_variable(self) -> str:
        return f"Cp_{self.pk.drug.name}_ng_ml"

    def profiles(self, variable: str | None = None) -> pd.DataFrame:
        """Wide table: one row per time, one column per subject."""
        var = variable or self.concentration_variable
        sub = self.frame[self.frame.variable == var]
        if sub.empty:
            raise InputError("variable", f"not in the results; have "
                             f"{sorted(self.frame.variable.unique())}", got=var)
        return sub.pivot(index="time_h", columns="subject", values="value")

    def nca(self, *, variable: str | None = None, start_h: float = 0.0,
            end_h: float | None = None) -> pd.DataFrame:
        """NCA of each subject's profile between ``start_h`` and ``end_h`` (the dose at
        ``start_h`` is the one analysed; its pre-dose level is the sample at start_h)."""
        wide = self.profiles(variable)
        t = wide.index.to_numpy()
        end = t[-1] if end_h is None else end_h
        keep = (t >= start_h) & (t <= end)
        rows = []
        subj = self.subjects.set_index("subject")
        for sid in wide.columns:
            dose = [d for d in self.doses if d.time_h == start_h]
            bsa = _cov_of(subj.loc[sid]).bsa_m2
            amount = sum(d.amount_mg(bsa) for d in dose) if dose else None
            route = "iv_bolus" if dose and dose[0].route == "IV" else "extravascular"
            c = wide[sid].to_numpy()[keep]
            res = nca(t[keep], c, dose_mg=amount, dose_time_h=start_h, route=route,
                      predose_ng_ml=float(c[0]) if t[keep][0] == start_h else 0.0)
            rows.append({"subject": sid, **res.to_dict()})
        return pd.DataFrame(rows)


    def to_nonmem(self) -> pd.DataFrame:
        """NONMEM-style dataset: one dose record per administration (EVID 1, AMT mg, CMT
        the dose compartment's 1-based index in the module's species) and one observation
        record per time (EVID 0, DV ng/mL with residual error when simulated, else the
        individual prediction), with covariates WT (kg), SEX (1 = female), HT (cm)."""
        species = [s.name for s in self.pk.module.species]
        conc = next(a for a in self.pk.module.assignments if a.name == self.pk.concentration)
        cmt_obs = species.index(sorted(conc.expression.names & set(species))[0]) + 1
        obs_var = f"Cobs_{self.pk.drug.name}_ng_ml"
        if obs_var not in set(self.frame.variable):
            obs_var = self.concentration_variable
        obs = self.frame[self.frame.variable == obs_var]
        rows = []
        for _, subj in self.subjects.iterrows():
            cov = _cov_of(subj)
            base = {"ID": int(subj.subject), "WT": round(cov.weight_kg, 2),
                    "SEX": 1 if cov.sex == "F" else 0, "HT": round(cov.height_cm, 1)}
            for d in self.doses:
                rows.append({**base, "TIME": d.time_h, "EVID": 1, "MDV": 1,
                             "AMT": d.amount_mg(cov.bsa_m2), "CMT": species.index(
                                 dose_species(d, self.pk.module, self.pk.routes)) + 1,
                             "DV": 0.0})
            sub = obs[obs.subject == subj.subject]
            for t, v in zip(sub.time_h, sub.value, strict=True):
                rows.append({**base, "TIME": float(t), "EVID": 0, "MDV": 0, "AMT": 0.0,
                             "CMT": cmt_obs, "DV": float(v)})
        df = pd.DataFrame(rows)
        df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False],
                            kind="stable")
        return df[["ID", "TIME", "AMT", "CMT", "EVID", "MDV", "DV", "WT", "SEX", "HT"]]


def _cov_of(row: pd.Series) -> Covariates:
    return Covariates(float(row.weight_kg), str(row.sex), float(row.height_cm))


def simulate_population(pk: PKModel, doses: Regimen | Sequence[Dose], *,
                        n: int | None = None,
                        subjects: Iterable[int] | None = None, seed: int = 0,
                        times_h: Sequence[float] | np.ndarray | None = None,
                        covariates: Covariates | Mapping[str, object] | None = None,
                        distribution: CovariateDistribution | None = None,
                        variability: bool = True, residual_error: bool = True,
                        outputs: Sequence[str] | None = None,
                        simulator: Simulator | None = None) -> PopulationResult:
    """Simulate subjects ``0..n-1`` (or the given ``subjects`` ids) of a population.

    ``doses``: a :class:`~xposim.pharmacology.regimen.Regimen` (this drug's doses within
    ``times_h``) or a list of :class:`~xposim.pharmacology.dose.Dose`, in mg or mg/m²
    (scaled by each subject's Mosteller BSA), lowered to engine events by
    :func:`~xposim.pharmacology.dose_events.dose_events`; ``times_h`` (h) the observation
    grid (default hourly to 7 days after the
    last dose; required for open-ended regimens); ``covariates`` fixes
    covariates for everyone; ``variability=False`` gives typical subjects (etas 0).
    """
    if (n is None) == (subjects is None):
        raise InputError("n", "give either n (subjects 0..n-1) or explicit subject ids")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError("n", "must be an integer >= 1", got=n)
        ids = list(range(n))
    else:
        ids = list(subjects or [])
        if not ids:
            raise InputError("subjects", "must list at least one subject id")
        for i in ids:
            _check_id(i)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed", "must be an integer >= 0", got=seed)
    horizon = None
    if times_h is not None:
        grid = np.asarray(times_h, dtype=float)
        horizon = float(grid.max()) if grid.size else None
    doses = as_doses(pk, doses, until_h=horizon)
    if not doses:
        raise InputError("doses", f"give at least one {pk.drug.name} dose")
    for d in doses:
        dose_species(d, pk.module, pk.routes)
    if times_h is None:
        last = max(d.time_h for d in doses)
        times_h = np.arange(0.0, last + HOURS_PER_WEEK + 1e-9, 1.0)
    times = np.asarray(times_h, dtype=float)
    outs = tuple(outputs) if outputs is not None else pk.outputs
    if pk.concentration not in outs:
        outs = (pk.concentration, *outs)
    sim = simulator or Simulator(pk.model)
    cp_name = f"Cp_{pk.drug.name}_ng_ml"
    to_ng_ml = conversion_factor(pk.model.unit_of(pk.concentration), "ng/mL")
    frames, rows = [], []
    for sid in ids:
        subj = make_subject(pk, int(sid), int(seed), covariates=covariates,
                            distribution=distribution, variability=variability)
        events = dose_events(doses, pk.module, pk.routes, bsa_m2=subj.covariates.bsa_m2)
        res = sim.run(times, parameters=subj.parameters(), events=events, outputs=outs,
                      subject=int(sid))
        df = res.to_frame()
        cp = res[pk.concentration] * to_ng_ml
        extra = [pd.DataFrame({"subject": int(sid), "time_h": times, "variable": cp_name,
                               "value": cp, "unit": "ng/mL"})]
        if residual_error:
            extra.append(pd.DataFrame({
                "subject": int(sid), "time_h": times, "variable": f"Cobs_{pk.drug.name}_ng_ml",
                "value": _add_residual(pk, cp, int(seed), int(sid)), "unit": "ng/mL"}))
        frames.extend([df, *extra])
        c = subj.covariates
        rows.append({"subject": int(sid), "weight_kg": c.weight_kg, "sex": c.sex,
                     "height_cm": c.height_cm, "bsa_m2": c.bsa_m2,
                     "first_dose_mg": doses[0].amount_mg(c.bsa_m2), **dict(subj.etas)})
    frame = pd.concat(frames, ignore_index=True)
    frame["subject"] = frame["subject"].astype("int64")
    return PopulationResult(pk=pk, frame=frame, subjects=pd.DataFrame(rows),
                            doses=tuple(doses), seed=int(seed))
