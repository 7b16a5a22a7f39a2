"""Virtual populations: covariates, between-patient biology and PK variability, as data.

A population (``populations.toml`` beside this file, or a protocol's own table of the same
form) declares, with a source and status for every entry:

- ``covariates``: clinical baselines drawn in file order (age, sex, weight, height,
  platelets, ANC, sodium, M-protein and isotype or SPD, prior lines, cytogenetics);
- ``parameters``: patient-model parameter name -> distribution, ``from_covariate`` or
  ``map`` (a value per covariate level). The names are checked against the patient
  model's parameters when a trial starts (:meth:`Population.check_parameters`): a renamed
  parameter is an error naming it, never silently ignored;
- ``pk_iiv``: eta parameter -> omega (log-normal between-subject variability).

A numeric field may instead name the calibration that estimated it,
``median = { calibration = "trial-boston-vd", estimate = "pi_resistance_median" }`` (status
``calibrated``): the value is read from ``presets/calibrated/<calibration>.toml``, written
by ``xposim calibrate`` only, in the entry's ``unit``.

Units: each ``parameters`` entry declares the ``unit`` its numbers are written in (display
units: XPO1 in uM, platelets in 10^9 cells/L, sodium in mmol/L). The patient model takes
its own units (canonical: nM, cells/L); :meth:`Population.in_units` converts every
parameter from its declared unit to the model's (xposim.model.units), once, before any
patient is drawn, and refuses a unit it cannot convert naming the parameter. Values fixed
with ``--set NAME=VALUE`` are in the model's unit.

Randomness: every drawn quantity has its own stream,
``SeedSequence(seed, spawn_key=(*subject_key, POPULATION_STREAM, crc32(name), attempt))``,
so a patient depends only on (seed, subject key) — not on chunking, workers, the order of
other entries, or whether another entry was added. ``attempt`` counts redraws when a
patient fails the protocol's eligibility (acceptance of plausible patients). Entries
that name the same ``shared = "NAME"`` draw from the stream of NAME instead of their own:
they take the same uniform quantile, i.e. the same standard-normal deviate before
truncation (a rank correlation of 1), as the two marrow lineages' sensitivity does.

``logitnormal`` (``median`` in (0, 1), ``sigma`` on the logit scale) draws a fraction:
``expit(logit(median) + sigma·z)``, e.g. a patient's maximal drug effect.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.special import expit, logit, ndtr, ndtri

from xposim.errors import InputError
from xposim.patient.outcome import stream_key

POPULATION_STREAM = 0x50B
_PACKAGED = "populations.toml"
STATUSES = ("excerpt", "derived", "recalled", "assumed", "calibrated")
DISTRIBUTIONS = ("normal", "lognormal", "logitnormal", "uniform", "bernoulli", "categorical",
                 "fixed", "any_of")
#: Distributions whose draw is one uniform quantile (a ``shared`` draw may couple them).
_CONTINUOUS = ("normal", "lognormal", "logitnormal", "uniform")
#: Covariates every population of a disease must declare (the patient contract's names).
REQUIRED_COVARIATES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "myeloma": ("age_years", "sex", "weight_kg", "height_cm", "platelets_1e9_per_l",
                "neutrophils_1e9_per_l", "sodium_mmol_per_l", "m_protein_g_dl", "isotype",
                "prior_lines"),
    "dlbcl": ("age_years", "sex", "weight_kg", "height_cm", "platelets_1e9_per_l",
              "neutrophils_1e9_per_l", "sodium_mmol_per_l", "spd_cm2", "prior_lines"),
})
_ENTRY_KEYS = {"dist", "mean", "sd", "median", "cv", "sigma", "low", "high", "p", "values",
               "weights", "value", "of", "round", "unit", "source", "status", "map",
               "from_covariate", "omega", "shared"}
_NEEDS = {"normal": ("mean", "sd"), "lognormal": ("median",),
          "logitnormal": ("median", "sigma"), "uniform": ("low", "high"),
          "bernoulli": ("p",), "categorical": ("values", "weights"), "fixed": ("value",),
          "any_of": ("of",)}


@dataclass(frozen=True)
class Entry:
    """One declared quantity: a distribution, a covariate copy or a covariate map."""

    name: str
    section: str  # covariates | parameters | pk_iiv
    dist: str  # a DISTRIBUTIONS name, "from_covariate", "map" or "iiv"
    spec: Mapping[str, Any]
    source: str
    status: str
    unit: str = ""

    def sample(self, rng_for: Any, drawn: Mapping[str, Any]) -> Any:
        s, d = self.spec, self.dist
        if d == "from_covariate":
            return float(drawn[s["from_covariate"]])
        if d == "map":
            level = drawn[s["map"]]
            key = str(level).lower() if isinstance(level, bool | np.bool_) else str(level)
            try:
                return float(s["values"][key])
            except KeyError:
                raise InputError(f"{self.section}.{self.name}.values", f"has no value for "
                                 f"{s['map']} = {key!r}") from None
        if d == "any_of":
            return any(bool(drawn[n]) for n in s["of"])
        if d == "fixed":
            return s["value"]
        # a shared draw: every entry naming the same ``shared`` stream takes the same
        # uniform quantile (comonotone, a rank correlation of 1)
        rng = rng_for(str(s.get("shared", self.name)))
        if d == "iiv":
            return float(s["omega"]) * float(rng.standard_normal())
        if d == "bernoulli":
            return bool(rng.random() < float(s["p"]))
        if d == "categorical":
            u = rng.random()
            cum = np.cumsum(np.asarray(s["weights"], dtype=float))
            i = min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(cum) - 1)
            return s["values"][i]
        sex = drawn.get("sex")

        def par(key: str) -> float:
            v = s[key]
            return float(v[sex]) if isinstance(v, Mapping) else float(v)

        u = rng.random()
        lo, hi = s.get("low"), s.get("high")
        if d == "uniform":
            x = par("low") + u * (par("high") - par("low"))
        else:
            if d == "normal":
                mu, sd, tf = par("mean"), par("sd"), (lambda x: x)
                lo_z = -np.inf if lo is None else (float(lo) - mu) / sd
                hi_z = np.inf if hi is None else (float(hi) - mu) / sd
            elif d == "logitnormal":  # a fraction in (0, 1), normal on the logit scale
                mu, sd, tf = float(logit(par("median"))), par("sigma"), _expit
                lo_z = -np.inf if lo is None else (float(logit(float(lo))) - mu) / sd
                hi_z = np.inf if hi is None else (float(logit(float(hi))) - mu) / sd
            else:  # lognormal
                sigma = par("sigma") if "sigma" in s else math.sqrt(math.log1p(par("cv") ** 2))
                mu, sd, tf = math.log(par("median")), sigma, math.exp
                lo_z = -np.inf if lo is None else (math.log(float(lo)) - mu) / sd
                hi_z = np.inf if hi is None else (math.log(float(hi)) - mu) / sd
            a, b = float(ndtr(lo_z)), float(ndtr(hi_z))
            z = float(ndtri(a + u * (b - a)))  # exact truncation by the inverse CDF
            z = min(max(z, lo_z), hi_z)
            x = float(tf(mu + sd * z))
        if s.get("round"):
            return round(x)
        return x


@dataclass(frozen=True)
class Population:
    """A named virtual population (see the module docstring)."""

    name: str
    title: str
    disease: str
    source: str
    covariates: tuple[Entry, ...]
    parameters: tuple[Entry, ...]
    pk_iiv: tuple[Entry, ...] = ()
    fixed: Mapping[str, float] = field(default_factory=dict)  # --set NAME=VALUE overrides
    #: parameter -> factor from its declared unit to the model's (set by in_units)
    scales: Mapping[str, float] = field(default_factory=dict)
    #: the model the scales convert to ("" while the values are in their declared units)
    units_of: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", MappingProxyType(dict(self.fixed)))
        object.__setattr__(self, "scales", MappingProxyType(dict(self.scales)))

    def in_units(self, units: Mapping[str, str], model: str) -> Population:
        """This population drawing every parameter in the patient model's units
        (``units``: parameter -> the model's unit, e.g. the simulator's
        ``parameter_units()``). InputError naming the parameter when its declared unit
        cannot be converted to the model's, or when it declares none and the model's unit
        is not dimensionless. Names the model lacks are left to
        :meth:`check_parameters`."""
        from xposim.model.units import conversion_factor, is_dimensionless

        scales = {}
        for e in self.parameters:
            if e.name not in units:
                continue
            target = units[e.name]
            where = f"population {self.name}: parameters.{e.name}.unit"
            if not e.unit:
                if not is_dimensionless(target):
                    raise InputError(where, f"is not declared; the patient model {model} "
                                     f"takes {e.name} in {target}")
                scales[e.name] = 1.0
                continue
            try:
                scales[e.name] = conversion_factor(e.unit, target)
            except InputError:
                raise InputError(where, f"cannot be converted to {target}, the unit in "
                                 f"which the patient model {model} takes {e.name}",
                                 got=e.unit) from None
        return replace(self, scales=scales, units_of=model)

    def parameter_names(self) -> tuple[str, ...]:
        """Every patient-model parameter this population sets."""
        return tuple(dict.fromkeys([*(e.name for e in self.parameters),
                                    *(e.name for e in self.pk_iiv), *self.fixed]))

    def check_parameters(self, known: Iterable[str], model: str) -> None:
        """InputError naming the first parameter the patient model does not have."""
        have = set(known)
        for name in self.parameter_names():
            if name not in have:
                close = difflib.get_close_matches(name, sorted(have), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise InputError(f"population {self.name}: {name}", f"is not a parameter of "
                                 f"the patient model {model}{hint}")

    def draw(self, seed: int, subject_key: tuple[int, ...], *,
             eligibility: Mapping[str, tuple[float | None, float | None]] | None = None,
             max_attempts: int = 1000) -> tuple[dict[str, Any], dict[str, float], int]:
        """(covariates, model parameters, attempts) of one patient. Patients outside
        ``eligibility`` (covariate -> (min, max), None = open) are redrawn. Parameters are
        in the model's units after :meth:`in_units`, in their declared units before."""
        for attempt in range(max_attempts):
            def rng_for(name: str, attempt: int = attempt) -> np.random.Generator:
                return np.random.default_rng(np.random.SeedSequence(
                    seed, spawn_key=(*subject_key, POPULATION_STREAM, stream_key(name),
                                     attempt)))

            cov: dict[str, Any] = {}
            for e in self.covariates:
                cov[e.name] = e.sample(rng_for, cov)
            if eligibility and not _eligible(cov, eligibility):
                continue
            params = {e.name: float(e.sample(rng_for, cov)) * self.scales.get(e.name, 1.0)
                      for e in self.parameters}
            params.update({e.name: float(e.sample(rng_for, cov)) for e in self.pk_iiv})
            params.update(self.fixed)
            return cov, params, attempt + 1
        raise InputError("eligibility", f"no eligible patient of population {self.name} in "
                         f"{max_attempts} draws (subject {subject_key}); widen the "
                         "eligibility or the population")

    def with_setting(self, path: str, value: float) -> Population:
        """``section.name.field`` -> value (e.g. ``pk_iiv.sel_eta_CL.omega``; in the
        entry's declared unit), or a model parameter NAME fixed for every patient (in the
        model's unit)."""
        if "." not in path:
            return replace(self, fixed={**self.fixed, path: float(value)})
        section, _, rest = path.partition(".")
        name, _, key = rest.partition(".")
        if section not in ("covariates", "parameters", "pk_iiv") or not key:
            raise InputError("set", "must be NAME=VALUE (a model parameter) or "
                             "SECTION.NAME.FIELD=VALUE with SECTION covariates, parameters "
                             "or pk_iiv", got=path)
        entries = list(getattr(self, section))
        for i, e in enumerate(entries):
            if e.name == name:
                if key not in e.spec or isinstance(e.spec[key], Mapping | list):
                    raise InputError("set", f"{section}.{name} has no numeric field {key!r}; "
                                     f"fields: {', '.join(sorted(e.spec))}", got=path)
                entries[i] = replace(e, spec=MappingProxyType({**e.spec, key: float(value)}))
                return replace(self, **{section: tuple(entries)})
        raise InputError("set", f"population {self.name} has no {section} entry {name!r}",
                         got=path)

    def to_dict(self) -> dict[str, Any]:
        """The population as plain data (for the manifest)."""
        def ent(e: Entry) -> dict[str, Any]:
            return {**_plain(e.spec), "source": e.source, "status": e.status}
        return {"name": self.name, "title": self.title, "disease": self.disease,
                "source": self.source,
                "covariates": {e.name: ent(e) for e in self.covariates},
                "parameters": {e.name: ent(e) for e in self.parameters},
                "pk_iiv": {e.name: ent(e) for e in self.pk_iiv}, "fixed": dict(self.fixed),
                "unit_factors": {"model": self.units_of, **self.scales}}


def _expit(x: float) -> float:
    return float(expit(x))


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x


def _eligible(cov: Mapping[str, Any], rules: Mapping[str, tuple[float | None, float | None]]
              ) -> bool:
    for name, (lo, hi) in rules.items():
        v = float(cov[name])
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return False
    return True


# -- parsing ---------------------------------------------------------------------------


def _number(v: object, where: str, *, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(where, "must be a finite number", got=v)
    if positive and v <= 0:
        raise InputError(where, "must be > 0", got=v)
    return float(v)


def _entry(name: str, raw: object, section: str, where: str, drawn: list[str]) -> Entry:
    w = f"{where}.{section}.{name}"
    if not isinstance(raw, Mapping):
        raise InputError(w, "must be a table such as { dist = \"normal\", mean = 65, sd = 9, "
                         "source = \"...\", status = \"excerpt\" }", got=raw)
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise InputError(w, f"unknown key(s) {unknown}")
    for key in ("source", "status"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise InputError(f"{w}.{key}", "is required (where the value comes from, and "
                             f"its status: {', '.join(STATUSES)})")
    if raw["status"] not in STATUSES:
        raise InputError(f"{w}.status", f"must be one of {', '.join(STATUSES)}",
                         got=raw["status"])
    calibrated = [k for k, v in raw.items() if isinstance(v, Mapping) and "calibration" in v]
    if bool(calibrated) != (raw["status"] == "calibrated"):
        raise InputError(f"{w}.status", "is calibrated exactly when a field names its "
                         "calibration: { calibration = \"NAME\", estimate = \"KEY\" }",
                         got=raw["status"])
    spec = {k: _calibrated_field(v, f"{w}.{k}", str(raw.get("unit", "")))
            if k in calibrated else v
            for k, v in raw.items() if k not in ("source", "status", "unit")}
    if section == "pk_iiv":
        _number(raw.get("omega"), f"{w}.omega")
        if raw["omega"] < 0 or set(spec) != {"omega"}:
            raise InputError(f"{w}.omega", "must be a number >= 0 (and the only field)",
                             got=raw.get("omega"))
        dist = "iiv"
    elif "from_covariate" in spec:
        dist = "from_covariate"
        if spec["from_covariate"] not in drawn:
            raise InputError(f"{w}.from_covariate", f"must name a covariate of this "
                             f"population ({', '.join(drawn)})", got=spec["from_covariate"])
    elif "map" in spec:
        dist = "map"
        if spec["map"] not in drawn:
            raise InputError(f"{w}.map", f"must name a covariate ({', '.join(drawn)})",
                             got=spec["map"])
        if not isinstance(spec.get("values"), Mapping):
            raise InputError(f"{w}.values", "must be a table: covariate level -> value")
        for k, v in spec["values"].items():
            _number(v, f"{w}.values.{k}")
    else:
        dist = spec.get("dist")
        if dist not in DISTRIBUTIONS:
            raise InputError(f"{w}.dist", f"must be one of {', '.join(DISTRIBUTIONS)} (or "
                             "use from_covariate / map)", got=dist)
        for key in _NEEDS[dist]:
            if key not in spec:
                raise InputError(f"{w}.{key}", f"is required for dist = {dist!r}")
        if dist == "lognormal" and ("cv" in spec) == ("sigma" in spec):
            raise InputError(f"{w}.cv", "give cv or sigma (one of them) for a lognormal")
        for key in ("mean", "sd", "median", "cv", "sigma", "low", "high", "p"):
            if key in spec:
                vals = spec[key].values() if isinstance(spec[key], Mapping) else [spec[key]]
                for v in vals:
                    _number(v, f"{w}.{key}", positive=key in ("sd", "median", "cv", "sigma"))
                if isinstance(spec[key], Mapping) and set(spec[key]) != {"M", "F"}:
                    raise InputError(f"{w}.{key}", "by-sex values need keys M and F")
                if isinstance(spec[key], Mapping) and drawn.count("sex") == 0:
                    raise InputError(f"{w}.{key}", "by-sex values need sex drawn before")
        if "p" in spec and not 0 <= spec["p"] <= 1:
            raise InputError(f"{w}.p", "must be in [0, 1]", got=spec["p"])
        if "low" in spec and "high" in spec and spec["low"] >= spec["high"]:
            raise InputError(f"{w}.low", "must be below high", got=spec["low"])
        if dist == "lognormal" and "low" in spec and spec["low"] <= 0:
            raise InputError(f"{w}.low", "must be > 0 for a lognormal", got=spec["low"])
        if dist == "logitnormal":
            for key in ("median", "low", "high"):
                if key in spec and not 0 < float(spec[key]) < 1:
                    raise InputError(f"{w}.{key}", "must be in (0, 1) for a logitnormal "
                                     "(a fraction)", got=spec[key])
        if "shared" in spec:
            if dist not in _CONTINUOUS:
                raise InputError(f"{w}.shared", "a shared draw couples continuous "
                                 f"distributions ({', '.join(_CONTINUOUS)})", got=dist)
            if not isinstance(spec["shared"], str) or not spec["shared"].strip():
                raise InputError(f"{w}.shared", "must name the shared draw", got=spec["shared"])
        if dist == "categorical":
            vals, wts = spec["values"], spec["weights"]
            if not isinstance(vals, list) or not isinstance(wts, list) or not vals \
                    or len(vals) != len(wts):
                raise InputError(f"{w}.weights", "values and weights must be lists of equal "
                                 "length")
            for x in wts:
                _number(x, f"{w}.weights")
            if any(x < 0 for x in wts) or sum(wts) <= 0:
                raise InputError(f"{w}.weights", "must be >= 0 with a positive sum", got=wts)
        if dist == "any_of":
            missing = [n for n in spec["of"] if n not in drawn]
            if not isinstance(spec["of"], list) or missing or not spec["of"]:
                raise InputError(f"{w}.of", f"must list covariates drawn before "
                                 f"({', '.join(drawn)})", got=spec["of"])
    return Entry(name, section, dist, MappingProxyType(spec), raw["source"].strip(),
                 raw["status"], str(raw.get("unit", "")))


def _calibrated_field(ref: Mapping[str, Any], where: str, unit: str) -> float:
    """A field whose value ``xposim calibrate`` stored (see the module docstring)."""
    from xposim.errors import ModelError
    from xposim.presets.loader import stored_estimates

    if set(ref) - {"calibration", "estimate"} or not isinstance(ref.get("estimate"), str):
        raise InputError(where, "a calibrated field is { calibration = \"NAME\", estimate = "
                         "\"KEY\" }", got=dict(ref))
    try:
        est = stored_estimates(str(ref["calibration"]))["estimates"]
    except ModelError as exc:
        raise InputError(where, f"cannot read the stored estimates ({exc})") from None
    key = ref["estimate"]
    if key not in est:
        raise InputError(where, f"presets/calibrated/{ref['calibration']}.toml has no "
                         f"estimate {key!r}; run xposim calibrate {ref['calibration']}")
    stored_unit = est[key]["unit"]
    if stored_unit != (unit or "dimensionless"):
        raise InputError(where, f"unit {unit or 'dimensionless'!r} differs from the stored "
                         f"estimate's {stored_unit!r}")
    return float(est[key]["value"])


def parse_population(name: str, table: Mapping[str, Any], where: str) -> Population:
    """A Population from its TOML table; InputError names the file, entry and field."""
    w = f"{where} [{name}]"
    unknown = sorted(set(table) - {"title", "disease", "source", "covariates", "parameters",
                                   "pk_iiv"})
    if unknown:
        raise InputError(w, f"unknown key(s) {unknown}")
    for key in ("title", "disease", "source", "covariates", "parameters"):
        if key not in table:
            raise InputError(f"{w}.{key}", "is required")
    disease = table["disease"]
    if disease not in REQUIRED_COVARIATES:
        raise InputError(f"{w}.disease", "must be myeloma or dlbcl", got=disease)
    drawn: list[str] = []
    covs = []
    for cname, raw in table["covariates"].items():
        e = _entry(cname, raw, "covariates", w, drawn)
        if e.dist in ("from_covariate", "map"):
            raise InputError(f"{w}.covariates.{cname}", "covariates are drawn from "
                             "distributions (from_covariate/map are for parameters)")
        covs.append(e)
        drawn.append(cname)
    missing = [c for c in REQUIRED_COVARIATES[disease] if c not in drawn]
    if missing:
        raise InputError(f"{w}.covariates", f"missing {', '.join(missing)} (every {disease} "
                         "population declares them)")
    params = tuple(_entry(p, raw, "parameters", w, drawn)
                   for p, raw in table["parameters"].items())
    for e in params:
        if e.dist in ("bernoulli", "categorical", "any_of"):
            raise InputError(f"{w}.parameters.{e.name}.dist", "model parameters are numbers: "
                             "use normal, lognormal, uniform, fixed, from_covariate or map",
                             got=e.dist)
    iiv = tuple(_entry(p, raw, "pk_iiv", w, drawn) for p, raw in table.get("pk_iiv", {}).items())
    names = {e.name for e in (*covs, *params, *iiv)}
    for e in (*covs, *params):
        if e.spec.get("shared") in names:
            raise InputError(f"{w}.{e.section}.{e.name}.shared", "must not be the name of an "
                             "entry (that entry's own draw would be reused)",
                             got=e.spec["shared"])
    return Population(name, str(table["title"]), disease, str(table["source"]),
                      tuple(covs), params, iiv)


def read_population_file(path: str | Path | None = None) -> dict[str, Population]:
    """Every population of a file (the packaged ``populations.toml`` by default)."""
    if path is None:
        text = resources.files("xposim.trials").joinpath(_PACKAGED).read_text("utf-8")
        where = f"xposim/trials/{_PACKAGED}"
    else:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError("population", f"cannot read {p} ({exc.strerror})") from exc
        where = str(p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"is not valid TOML ({exc})") from exc
    return {n: parse_population(n, t, where) for n, t in data.items()}


def population_names() -> tuple[str, ...]:
    return tuple(read_population_file())


def load_population(name: str) -> Population:
    """A packaged population by name (``storm``, ``boston``, ``dlbcl-relapsed``)."""
    pops = read_population_file()
    if name not in pops:
        raise InputError("population", f"unknown population; known: {', '.join(pops)}",
                         got=name)
    return pops[name]
