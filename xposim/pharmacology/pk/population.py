"""Virtual subjects and population PK simulation.

A subject is covariates (weight, sex, height) plus log-normal random effects (etas); it
is simulated as parameter overrides on one model. A linear model (every PK module whose
right-hand side is linear in its states, e.g. selinexor and dexamethasone) runs in closed
form, all subjects at once (K per subject from the engine's generated equations, amounts
advanced by matrix exponentials e^{K·h}, one batch per distinct step length);
any other model runs through the engine (``Simulator.run(parameters=)``), subject by
subject. Results are arrays (subjects × times per variable); the tidy table is built on
request, and :func:`iter_population` yields chunks of subjects so a large run can be
written as it goes.

Randomness is per subject: covariates come from
``default_rng(SeedSequence(seed, spawn_key=(subject_id,)))``; each drug's etas and residual
errors from the same (seed, subject id) extended by a stable key of the drug name
(``spawn_key=(subject_id, crc32(drug), stream)``). A subject's values therefore depend only
on (seed, subject id, drug) — never on which other subjects, drugs or chunks are simulated.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from xposim.analysis.nca import nca
from xposim.engine import Simulator, model_equations
from xposim.engine.plan import plan_run, resolve_values
from xposim.errors import InputError
from xposim.model.units import HOURS_PER_WEEK, canonical_unit, conversion_factor, to_canonical
from xposim.pharmacology.bsa import mosteller_bsa
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.dose_events import dose_events, dose_species
from xposim.pharmacology.nonmem.linear import expm_batch
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
    """Results of a population run, as arrays.

    ``values[variable]`` is (subjects, times) at ``times_h`` (h) for ``subject_ids``, in
    ``units[variable]``: the module outputs (``outputs``), ``Cp_<drug>_ng_ml`` (individual
    prediction) and ``Cobs_<drug>_ng_ml`` (with residual error, when simulated).
    ``subjects``: one row per subject (covariates, BSA, etas, dose). :attr:`frame` is the
    tidy table (subject, time_h, variable, value, unit), built on request.
    """

    pk: PKModel
    times_h: np.ndarray
    subject_ids: np.ndarray
    values: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    outputs: tuple[str, ...]
    subjects: pd.DataFrame
    doses: tuple[Dose, ...]
    seed: int
    #: only the concentration, on every k-th time (a plot's copy of a large run)
    thinned: bool = False

    @property
    def concentration_variable(self) -> str:
        return f"Cp_{self.pk.drug.name}_ng_ml"

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable: the module outputs first, then the derived ones."""
        return tuple(self.values)

    def tidy_columns(self) -> dict[str, object]:
        """The tidy table's columns as arrays: ``subject``, ``time_h``, ``value``, and
        ``variable``/``unit`` as integer codes into ``variables``/``units`` (lists)."""
        n_s, n_t = len(self.subject_ids), len(self.times_h)
        outs = list(self.outputs)
        extra = [v for v in self.values if v not in self.outputs]
        names = outs + extra
        unit_names = list(dict.fromkeys(self.units[v] for v in names))
        ucode = {u: i for i, u in enumerate(unit_names)}
        width = n_t * len(outs) + n_t * len(extra)
        parts_v, parts_t, parts_c = [], [], []
        if outs:
            parts_v.append(np.stack([self.values[o] for o in outs], axis=2).reshape(n_s, -1))
            parts_t.append(np.repeat(self.times_h, len(outs)))
            parts_c.append(np.tile(np.arange(len(outs), dtype=np.int32), n_t))
        for v in extra:
            parts_v.append(self.values[v])
            parts_t.append(self.times_h)
            parts_c.append(np.full(n_t, names.index(v), dtype=np.int32))
        codes = np.concatenate(parts_c)
        units = np.array([ucode[self.units[v]] for v in names], dtype=np.int32)
        return {
            "subject": np.repeat(self.subject_ids.astype("int64"), width),
            "time_h": np.tile(np.concatenate(parts_t), n_s),
            "variable": np.tile(codes, n_s), "variables": names,
            "value": np.concatenate(parts_v, axis=1).ravel(),
            "unit": np.tile(units[codes], n_s), "units": unit_names,
        }

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Tidy table: subject, time_h, variable, value, unit (``variable`` and ``unit``
        categorical). Per subject: the module outputs time by time, then each derived
        variable over all times."""
        c = self.tidy_columns()
        return pd.DataFrame({
            "subject": c["subject"], "time_h": c["time_h"],
            "variable": pd.Categorical.from_codes(c["variable"], c["variables"]),
            "value": c["value"], "unit": pd.Categorical.from_codes(c["unit"], c["units"]),
        })

    def profiles(self, variable: str | None = None) -> pd.DataFrame:
        """Wide table: one row per time, one column per subject."""
        var = variable or self.concentration_variable
        if var not in self.values:
            raise InputError("variable", f"not in the results; have {sorted(self.values)}",
                             got=var)
        df = pd.DataFrame(self.values[var].T, index=pd.Index(self.times_h, name="time_h"),
                          columns=pd.Index(self.subject_ids.astype("int64"), name="subject"))
        return df

    def nca(self, *, variable: str | None = None, start_h: float = 0.0,
            end_h: float | None = None) -> pd.DataFrame:
        """NCA of each subject's profile between ``start_h`` and ``end_h`` (the dose at
        ``start_h`` is the one analysed; its pre-dose level is the sample at start_h)."""
        var = variable or self.concentration_variable
        if var not in self.values:
            raise InputError("variable", f"not in the results; have {sorted(self.values)}",
                             got=var)
        t = self.times_h
        end = t[-1] if end_h is None else end_h
        keep = (t >= start_h) & (t <= end)
        tk = t[keep]
        dose = [d for d in self.doses if d.time_h == start_h]
        route = "iv_bolus" if dose and dose[0].route == "IV" else "extravascular"
        bsa = self.subjects["bsa_m2"].to_numpy(dtype=float)
        conc = self.values[var][:, keep]
        rows = []
        for i, sid in enumerate(self.subject_ids.tolist()):
            amount = sum(d.amount_mg(bsa[i]) for d in dose) if dose else None
            c = conc[i]
            res = nca(tk, c, dose_mg=amount, dose_time_h=start_h, route=route,
                      predose_ng_ml=float(c[0]) if tk[0] == start_h else 0.0)
            rows.append({"subject": int(sid), **res.to_dict()})
        return pd.DataFrame(rows)

    def to_nonmem(self) -> pd.DataFrame:
        """NONMEM-style dataset: one dose record per administration (EVID 1, AMT mg, CMT
        the dose compartment's 1-based index in the module's species) and one observation
        record per time (EVID 0, DV ng/mL with residual error when simulated, else the
        individual prediction), with covariates WT (kg), SEX (1 = female), HT (cm); the
        standard items in NONMEM order (:data:`~xposim.pharmacology.nmdata.STANDARD_COLUMNS`).
        """
        return pd.DataFrame(self.nonmem_columns())

    def nonmem_columns(self) -> dict[str, np.ndarray]:
        """The columns of :meth:`to_nonmem` as arrays (no table is built)."""
        species = [s.name for s in self.pk.module.species]
        conc = next(a for a in self.pk.module.assignments if a.name == self.pk.concentration)
        cmt_obs = species.index(sorted(conc.expression.names & set(species))[0]) + 1
        obs_var = f"Cobs_{self.pk.drug.name}_ng_ml"
        if obs_var not in self.values:
            obs_var = self.concentration_variable
        subj = self.subjects
        n_s, n_t, n_d = len(subj), len(self.times_h), len(self.doses)
        bsa = subj["bsa_m2"].to_numpy(dtype=float)
        d_time = np.array([d.time_h for d in self.doses], dtype=float)
        d_cmt = np.array([species.index(dose_species(d, self.pk.module, self.pk.routes)) + 1
                          for d in self.doses], dtype=np.int64)
        d_amt = np.array([[d.amount_mg(b) for d in self.doses] for b in bsa]) \
            if any(d.per_m2 for d in self.doses) else \
            np.broadcast_to(np.array([d.amount for d in self.doses], dtype=float), (n_s, n_d))
        # every subject has the same records in the same order: sort one subject's
        # (dose records first at equal times, stable) and apply it to all
        time1 = np.r_[d_time, self.times_h]
        evid1 = np.r_[np.ones(n_d, np.int64), np.zeros(n_t, np.int64)]
        perm = np.lexsort((-evid1, time1))
        width = n_d + n_t
        total = n_s * width

        def per_record(x: np.ndarray) -> np.ndarray:
            return np.tile(x[perm], n_s)

        def per_subject(x: np.ndarray) -> np.ndarray:
            return np.repeat(x, width)

        amt = np.concatenate([d_amt, np.zeros((n_s, n_t))], axis=1)[:, perm].ravel()
        dv = np.concatenate([np.zeros((n_s, n_d)), self.values[obs_var]],
                            axis=1)[:, perm].ravel()
        zero = np.zeros(total)
        izero = np.zeros(total, np.int64)
        evid = per_record(evid1)
        return {
            "ID": per_subject(subj["subject"].to_numpy(dtype=np.int64)),
            "TIME": per_record(time1), "AMT": amt, "EVID": evid,
            "CMT": per_record(np.r_[d_cmt, np.full(n_t, cmt_obs, np.int64)]),
            "RATE": zero, "II": zero, "ADDL": izero, "SS": izero, "DV": dv,
            "MDV": evid.copy(),
            "WT": per_subject(np.round(subj["weight_kg"].to_numpy(dtype=float), 2)),
            "SEX": per_subject((subj["sex"].to_numpy() == "F").astype(np.int64)),
            "HT": per_subject(np.round(subj["height_cm"].to_numpy(dtype=float), 1)),
        }


def _cov_of(row: pd.Series) -> Covariates:
    return Covariates(float(row.weight_kg), str(row.sex), float(row.height_cm))


Method = Literal["auto", "closed-form", "engine"]
#: Subjects × times × variables held at once by a chunk of :func:`iter_population`.
CHUNK_VALUES = 4_000_000


@dataclass(frozen=True)
class _Request:
    """A checked population request (what every chunk needs)."""

    pk: PKModel
    doses: tuple[Dose, ...]
    ids: tuple[int, ...]
    seed: int
    times: np.ndarray
    covariates: Covariates | Mapping[str, object] | None
    distribution: CovariateDistribution | None
    variability: bool
    residual_error: bool
    outputs: tuple[str, ...]
    method: str


def _request(pk: PKModel, doses: Regimen | Sequence[Dose], *, n: int | None,
             subjects: Iterable[int] | None, seed: int,
             times_h: Sequence[float] | np.ndarray | None,
             covariates: Covariates | Mapping[str, object] | None,
             distribution: CovariateDistribution | None, variability: bool,
             residual_error: bool, outputs: Sequence[str] | None, method: str
             ) -> _Request:
    if (n is None) == (subjects is None):
        raise InputError("n", "give either n (subjects 0..n-1) or explicit subject ids")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError("n", "must be an integer >= 1", got=n)
        ids = tuple(range(n))
    else:
        ids = tuple(subjects or [])
        if not ids:
            raise InputError("subjects", "must list at least one subject id")
        for i in ids:
            _check_id(i)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed", "must be an integer >= 0", got=seed)
    if method not in ("auto", "closed-form", "engine"):
        raise InputError("method", "must be auto, closed-form or engine", got=method)
    horizon = None
    if times_h is not None:
        grid = np.asarray(times_h, dtype=float)
        horizon = float(grid.max()) if grid.size else None
    single = as_doses(pk, doses, until_h=horizon)
    if not single:
        raise InputError("doses", f"give at least one {pk.drug.name} dose")
    for d in single:
        dose_species(d, pk.module, pk.routes)
    if times_h is None:
        last = max(d.time_h for d in single)
        times_h = np.arange(0.0, last + HOURS_PER_WEEK + 1e-9, 1.0)
    times = np.asarray(times_h, dtype=float)
    outs = tuple(outputs) if outputs is not None else pk.outputs
    if pk.concentration not in outs:
        outs = (pk.concentration, *outs)
    return _Request(pk, tuple(single), tuple(int(i) for i in ids), int(seed), times,
                    covariates, distribution, variability, residual_error, outs, method)


class _ClosedForm:
    """A linear PK model in closed form: per subject K (dy/dt = K·y) and the affine output
    map (outputs = C·y + c0), read from the engine's generated equations."""

    def __init__(self, pk: PKModel, outputs: Sequence[str]) -> None:
        self.eq = model_equations(pk.model)
        self.n = len(self.eq.species)
        self.outputs = tuple(outputs)
        self.species = {s: i for i, s in enumerate(self.eq.species)}

    def matrices(self, values: Mapping[str, float]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(K, C, c0) for one subject's constants, or None if the model is not linear
        and homogeneous in the states (or an output not affine) at these values."""
        rhs, out, n = self.eq.rhs, self.eq.outputs, self.n
        zero = np.zeros(n)
        f0 = np.asarray(rhs(0.0, zero, values), dtype=float)
        if np.any(f0 != 0):
            return None
        eye = np.eye(n)
        k = np.column_stack([np.asarray(rhs(0.0, eye[j], values), dtype=float)
                             for j in range(n)])
        o0 = np.asarray(out(0.0, zero, values, self.outputs), dtype=float)
        c = np.column_stack([np.asarray(out(0.0, eye[j], values, self.outputs),
                                        dtype=float) - o0 for j in range(n)])
        probe = np.linspace(0.3, 1.7, n) * 1e2
        t = 37.5
        fx = np.asarray(rhs(t, probe, values), dtype=float)
        ox = np.asarray(out(t, probe, values, self.outputs), dtype=float)
        tol = 1e-12
        if (np.max(np.abs(fx - k @ probe)) > tol * (np.max(np.abs(fx)) + 1e-300)
                or np.max(np.abs(ox - (c @ probe + o0)), initial=0.0)
                > tol * (np.max(np.abs(ox), initial=0.0) + 1e-300)):
            return None
        return k, c, o0


def _canonical_unit(pk: PKModel, name: str) -> str:
    species = {s.name: s for s in pk.model.species}
    if name in species:
        return canonical_unit(species[name].unit)[0]
    return pk.model.unit_of(name)


def _simulate_chunk(req: _Request, ids: Sequence[int], times: np.ndarray,
                    simulator: Simulator | None, closed: _ClosedForm | None
                    ) -> tuple[dict[str, np.ndarray], list[dict[str, object]]]:
    """Individual predictions (variable -> (subjects, times)) of ``ids`` at ``times`` and
    their subject rows; closed form when ``closed`` is given, else the engine."""
    pk = req.pk
    subjects = [make_subject(pk, int(sid), req.seed, covariates=req.covariates,
                             distribution=req.distribution, variability=req.variability)
                for sid in ids]
    rows = []
    for subj in subjects:
        c = subj.covariates
        rows.append({"subject": int(subj.id), "weight_kg": c.weight_kg, "sex": c.sex,
                     "height_cm": c.height_cm, "bsa_m2": c.bsa_m2,
                     "first_dose_mg": req.doses[0].amount_mg(c.bsa_m2), **dict(subj.etas)})
    n_s, n_t = len(subjects), times.size
    values = {o: np.empty((n_s, n_t)) for o in req.outputs}
    if closed is None:
        sim = simulator or Simulator(pk.model)
        for i, subj in enumerate(subjects):
            events = dose_events(req.doses, pk.module, pk.routes, bsa_m2=subj.covariates.bsa_m2)
            res = sim.run(times, parameters=subj.parameters(), events=events,
                          outputs=req.outputs, subject=int(subj.id))
            for j, o in enumerate(req.outputs):
                values[o][i] = res.values[:, j]
        return values, rows
    return _closed_form_values(req, subjects, times, closed), rows


class _NotLinearError(Exception):
    """The model is not linear for some subject: use the engine."""


def _dose_template(req: _Request, closed: _ClosedForm
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The doses as engine events for a subject of 1 m² — times (sorted, stable), target
    state indices, amounts, and which scale with body-surface area (mg/m² doses): an
    event's amount is linear in the BSA, so every subject's events follow from these."""
    events = dose_events(req.doses, req.pk.module, req.pk.routes, bsa_m2=1.0)
    per_m2 = np.array([d.per_m2 for dose in req.doses for d in dose.administrations(None)])
    time = np.array([ev.time for ev in events], dtype=float)
    order = np.argsort(time, kind="stable")
    cmt = np.array([closed.species[ev.target] for ev in events], np.int64)
    amount = np.array([ev.amount for ev in events], dtype=float)
    return time[order], cmt[order], amount[order], per_m2[order]


def _closed_form_values(req: _Request, subjects: Sequence[VirtualSubject], times: np.ndarray,
                        closed: _ClosedForm) -> dict[str, np.ndarray]:
    pk = req.pk
    n, n_s = closed.n, len(subjects)
    ev_time, ev_cmt, base, per_m2 = _dose_template(req, closed)
    if ev_time.size and ev_time[0] < times[0]:
        raise InputError("doses", f"must not precede the first output time {times[0]:g} h",
                         got=float(ev_time[0]))
    # the engine's own checks of a run (times, parameters, initial state) on one subject
    first = plan_run(pk.model, times, parameters=subjects[0].parameters(),
                     outputs=req.outputs, subject=int(subjects[0].id))
    if any(v != 0 for v in first.initial.values()):
        raise _NotLinearError("a species starts away from 0")
    ks = np.empty((n_s, n, n))
    cs = np.empty((n_s, len(req.outputs), n))
    c0s = np.empty((n_s, len(req.outputs)))
    bsa = np.empty(n_s)
    for i, subj in enumerate(subjects):
        values = first.values if i == 0 else resolve_values(pk.model, subj.parameters())
        m = closed.matrices(values)
        if m is None:
            raise _NotLinearError("the right-hand side is not linear in the states")
        ks[i], cs[i], c0s[i] = m
        bsa[i] = subj.covariates.bsa_m2
    amounts = base[None, :] * np.where(per_m2[None, :], bsa[:, None], 1.0)
    amt = _propagate(ks, times, ev_time, ev_cmt, amounts)
    out = amt @ cs.transpose(0, 2, 1) + c0s[:, None, :]
    return {o: np.ascontiguousarray(out[:, :, j]) for j, o in enumerate(req.outputs)}


def _step_key(h: float) -> float:
    """A step length rounded to 12 significant digits: grid steps that differ only in
    their last bits (np.arange) share one propagator (relative error <= 5e-13)."""
    return float(f"{h:.12g}")


def _propagate(ks: np.ndarray, times: np.ndarray, ev_time: np.ndarray, ev_cmt: np.ndarray,
               ev_amount: np.ndarray) -> np.ndarray:
    """Amounts (subjects, times, n) of dy/dt = K_s·y at ``times``, from zero at
    ``times[0]``: boluses ``ev_amount`` (subjects, events) into ``ev_cmt`` at ``ev_time``
    (sorted), applied before an output at the same time (the engine's outputs are
    right-continuous). Subjects share the timeline, so each distinct step length needs
    one batch of matrix exponentials e^{K_s·h} (exact for any K, transit chains with
    equal rates included)."""
    n_s, n, _ = ks.shape
    out = np.empty((n_s, times.size, n))
    a = np.zeros((n_s, n))
    keep = ev_time <= times[-1]
    ev_time, ev_cmt, ev_amount = ev_time[keep], ev_cmt[keep], ev_amount[:, keep]
    t_all = np.r_[ev_time, times]
    kind = np.r_[np.zeros(ev_time.size, np.int64), np.ones(times.size, np.int64)]
    idx = np.r_[np.arange(ev_time.size), np.arange(times.size)]
    order = np.lexsort((idx, kind, t_all))
    cache: dict[float, np.ndarray] = {}
    tprev = float(times[0])
    for j in order.tolist():
        t = float(t_all[j])
        if t > tprev:
            key = _step_key(t - tprev)
            e = cache.get(key)
            if e is None:
                e = cache[key] = expm_batch(ks * key)
            a = np.einsum("sij,sj->si", e, a)  # faster than matmul on small stacks
            tprev = t
        if kind[j] == 0:
            a[:, ev_cmt[idx[j]]] += ev_amount[:, idx[j]]
        else:
            out[:, idx[j]] = a
    return out


def _residual_block(req: _Request, ids: Sequence[int], cp: np.ndarray) -> np.ndarray:
    return np.stack([_add_residual(req.pk, cp[i], req.seed, int(sid))
                     for i, sid in enumerate(ids)]) if len(ids) else cp.copy()


def _finish(req: _Request, ids: Sequence[int], pred: Mapping[str, np.ndarray],
            rows: list[dict[str, object]], times: np.ndarray, keep: np.ndarray
            ) -> PopulationResult:
    """A PopulationResult on ``times[keep]`` (``pred`` is on ``times``): outputs, Cp
    (ng/mL) and Cobs."""
    pk = req.pk
    values = {o: np.ascontiguousarray(pred[o][:, keep]) for o in req.outputs}
    units = {o: _canonical_unit(pk, o) for o in req.outputs}
    cp_name = f"Cp_{pk.drug.name}_ng_ml"
    to_ng_ml = conversion_factor(pk.model.unit_of(pk.concentration), "ng/mL")
    cp = values[pk.concentration] * to_ng_ml
    values[cp_name] = cp
    units[cp_name] = "ng/mL"
    if req.residual_error:
        obs = f"Cobs_{pk.drug.name}_ng_ml"
        values[obs] = _residual_block(req, ids, cp)
        units[obs] = "ng/mL"
    return PopulationResult(pk=pk, times_h=times[keep].copy(),
                            subject_ids=np.asarray(ids, dtype=np.int64), values=values,
                            units=units, outputs=req.outputs, subjects=pd.DataFrame(rows),
                            doses=req.doses, seed=req.seed)


def _closed_form_for(req: _Request, simulator: Simulator | None) -> _ClosedForm | None:
    if req.method == "engine" or (req.method == "auto" and simulator is not None):
        return None
    closed = _ClosedForm(req.pk, req.outputs)
    if req.method == "auto":
        probe = make_subject(req.pk, req.ids[0], req.seed, covariates=req.covariates,
                             distribution=req.distribution, variability=req.variability)
        try:
            values = plan_run(req.pk.model, req.times[:1], parameters=probe.parameters()).values
        except InputError:
            return None
        if closed.matrices(values) is None:
            return None
    return closed


def _chunk_size(req: _Request, n_times: int) -> int:
    per_subject = max(1, n_times * (len(req.outputs) + 4))
    return max(1, min(len(req.ids), CHUNK_VALUES // per_subject))


def iter_population(pk: PKModel, doses: Regimen | Sequence[Dose], *,
                    n: int | None = None, subjects: Iterable[int] | None = None,
                    seed: int = 0, times_h: Sequence[float] | np.ndarray | None = None,
                    covariates: Covariates | Mapping[str, object] | None = None,
                    distribution: CovariateDistribution | None = None,
                    variability: bool = True, residual_error: bool = True,
                    outputs: Sequence[str] | None = None, simulator: Simulator | None = None,
                    method: Method = "auto", chunk_subjects: int | None = None
                    ) -> Iterator[PopulationResult]:
    """:func:`simulate_population` in chunks of subjects (``chunk_subjects``, default: as
    many as keep about 4 million values in memory), each a PopulationResult; a subject's
    values are the same whatever the chunking."""
    for result, _ in population_chunks(
            pk, doses, n=n, subjects=subjects, seed=seed, times_h=times_h,
            covariates=covariates, distribution=distribution, variability=variability,
            residual_error=residual_error, outputs=outputs, simulator=simulator,
            method=method, chunk_subjects=chunk_subjects):
        yield result


def population_chunks(pk: PKModel, doses: Regimen | Sequence[Dose], *,
                      n: int | None = None, subjects: Iterable[int] | None = None,
                      seed: int = 0, times_h: Sequence[float] | np.ndarray | None = None,
                      covariates: Covariates | Mapping[str, object] | None = None,
                      distribution: CovariateDistribution | None = None,
                      variability: bool = True, residual_error: bool = True,
                      outputs: Sequence[str] | None = None,
                      simulator: Simulator | None = None, method: Method = "auto",
                      chunk_subjects: int | None = None,
                      extra_times: Sequence[float] | np.ndarray | None = None
                      ) -> Iterator[tuple[PopulationResult, PopulationResult | None]]:
    """Chunks of :func:`iter_population`, each with the individual predictions of the
    same subjects at ``extra_times`` (h; a PopulationResult without residual error, e.g.
    a fine grid for an NCA while ``times_h`` is coarse), from one simulation."""
    req = _request(pk, doses, n=n, subjects=subjects, seed=seed, times_h=times_h,
                   covariates=covariates, distribution=distribution, variability=variability,
                   residual_error=residual_error, outputs=outputs, method=method)
    extra = None if extra_times is None else np.asarray(extra_times, dtype=float)
    closed = _closed_form_for(req, simulator)
    times = req.times if extra is None else np.union1d(req.times, extra)
    keep = np.isin(times, req.times)
    size = chunk_subjects or _chunk_size(req, times.size)
    for start in range(0, len(req.ids), size):
        ids = req.ids[start:start + size]
        try:
            pred, rows = _simulate_chunk(req, ids, times, simulator, closed)
        except _NotLinearError as exc:
            if req.method == "closed-form":
                raise InputError("method", f"model {req.pk.model.name} has no closed form: "
                                 f"{exc}") from None
            closed = None
            pred, rows = _simulate_chunk(req, ids, times, simulator, None)
        result = _finish(req, ids, pred, rows, times, keep)
        fine = None
        if extra is not None:
            fine = _finish(replace(req, residual_error=False), ids, pred, rows, times,
                           np.isin(times, extra))
        yield result, fine


def simulate_population(pk: PKModel, doses: Regimen | Sequence[Dose], *,
                        n: int | None = None,
                        subjects: Iterable[int] | None = None, seed: int = 0,
                        times_h: Sequence[float] | np.ndarray | None = None,
                        covariates: Covariates | Mapping[str, object] | None = None,
                        distribution: CovariateDistribution | None = None,
                        variability: bool = True, residual_error: bool = True,
                        outputs: Sequence[str] | None = None,
                        simulator: Simulator | None = None,
                        method: Method = "auto") -> PopulationResult:
    """Simulate subjects ``0..n-1`` (or the given ``subjects`` ids) of a population.

    ``doses``: a :class:`~xposim.pharmacology.regimen.Regimen` (this drug's doses within
    ``times_h``) or a list of :class:`~xposim.pharmacology.dose.Dose`, in mg or mg/m²
    (scaled by each subject's Mosteller BSA), lowered to engine events by
    :func:`~xposim.pharmacology.dose_events.dose_events`; ``times_h`` (h) the observation
    grid (default hourly to 7 days after the last dose; required for open-ended
    regimens); ``covariates`` fixes covariates for everyone; ``variability=False`` gives
    typical subjects (etas 0). ``method``: ``"auto"`` (closed form for a linear model,
    the engine otherwise or when a ``simulator`` is given), ``"closed-form"`` or
    ``"engine"``. Large runs: :func:`iter_population` yields chunks of subjects.
    """
    ids = list(range(n)) if isinstance(n, int) and not isinstance(n, bool) and n >= 1 \
        else None
    size = len(ids) if ids is not None else max(1, len(list(subjects or [])))
    ((result, _),) = population_chunks(
        pk, doses, n=n, subjects=subjects, seed=seed, times_h=times_h, covariates=covariates,
        distribution=distribution, variability=variability, residual_error=residual_error,
        outputs=outputs, simulator=simulator, method=method, chunk_subjects=size)
    return result
