"""Trial protocols as TOML files, validated on load (pydantic).

A protocol names its population, schedule, eligibility, dropout, arms (regimen text or
``label:NAME``, cycles, dose-modification rule sets), optional written-out rule sets and
populations, and the published figures it is compared with (``targets``). Every field is
documented in docs/protocols.md. Unknown keys, missing fields and bad values are one
:class:`~xposim.errors.InputError` naming the file, line and field.

Built-in protocols live in ``xposim/trials/protocols/``: :func:`protocol_names`.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from xposim.errors import InputError
from xposim.patient.outcome import ArmPlan
from xposim.patient.rules import is_probability
from xposim.trials.population import Population, load_population, parse_population

#: Endpoints a target may name (see xposim.trials.endpoints).
TARGET_ENDPOINTS: tuple[str, ...] = (
    "orr", "mr_or_better", "cbr", "vgpr_or_better", "median_time_to_response_weeks",
    "median_dor_months", "median_pfs_months", "median_os_months", "hazard_ratio_pfs",
    "grade34_thrombocytopenia", "any_grade_thrombocytopenia", "grade4_thrombocytopenia",
    "median_onset_thrombocytopenia_days", "grade34_neutropenia", "grade34_hyponatremia",
    "grade34_nausea", "grade34_fatigue", "grade34_anorexia", "dose_modified",
    "dose_reduced", "dose_held", "discontinued_toxicity", "median_treatment_weeks")
#: Limits on what a protocol may ask for (bounded work).
MAX_FOLLOW_UP_DAYS = 3650.0
MAX_VISITS = 2000
#: The arm settings a run may set (``--set arms.ARM.KEY=VALUE``): probabilities in [0, 1].
ARM_SETTINGS: tuple[str, ...] = ("rule_adherence", "toxicity_discontinuation")

Days = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolInfo(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: str
    source: str = ""
    description: str = ""
    disease: Literal["myeloma", "dlbcl"]
    population: str
    control_arm: str | None = None
    paired: bool = False
    exposure_metric: str = "selinexor_auc_week1_ng_h_per_ml"


class Schedule(_Strict):
    follow_up_days: Annotated[float, Field(gt=0, le=MAX_FOLLOW_UP_DAYS, allow_inf_nan=False)]
    lab_every_days: Days
    assessment_every_days: Days
    survival: bool = False


class Bound(_Strict):
    min: Annotated[float, Field(allow_inf_nan=False)] | None = None
    max: Annotated[float, Field(allow_inf_nan=False)] | None = None


class Dropout(_Strict):
    rate_per_year: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    source: str = ""


class Calibrated(_Strict):
    """A value ``xposim calibrate`` stored: ``{ calibration = "NAME", estimate = "KEY" }``
    (read from ``presets/calibrated/NAME.toml``)."""

    calibration: Annotated[str, Field(min_length=1)]
    estimate: Annotated[str, Field(min_length=1)]


class Arm(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_+-]*$")]
    regimen: str
    cycle_days: Days
    cycles: int | Literal["until progression"] = "until progression"
    dose_levels: str | None = None
    dose_rules: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    stop_on_progression: bool = True
    stop_on_toxicity: bool = True
    #: probability in [0, 1] that a patient's investigator acts on the discretionary dose
    #: rules (xposim/patient/rules.py, "Execution"), or a calibrated value
    rule_adherence: float | Calibrated = 1.0
    #: probability in [0, 1] that a patient (or the investigator) stops treatment at the
    #: first visit on treatment with a grade >= 3 adverse event (a per-patient trait,
    #: xposim/patient/rules.py :func:`stops_for_toxicity`), or a calibrated value
    toxicity_discontinuation: float | Calibrated = 0.0
    description: str = ""

    @field_validator("rule_adherence", "toxicity_discontinuation", mode="before")
    @classmethod
    def _adherence(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            unknown = sorted(set(v) - {"calibration", "estimate"})
            if unknown or not all(isinstance(v.get(k), str) and v.get(k)
                                  for k in ("calibration", "estimate")):
                raise ValueError("must be a probability in [0, 1] or { calibration = "
                                 "\"NAME\", estimate = \"KEY\" }")
            return v
        if not is_probability(v):
            raise ValueError(f"must be a probability in [0, 1] (or a calibrated value), "
                             f"got {v!r}")
        return float(v)

    @field_validator("regimen")
    @classmethod
    def _regimen(cls, v: str) -> str:
        from xposim.pharmacology.label_regimens import read_regimen

        try:
            read_regimen(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return " ".join(v.split())

    @field_validator("cycles")
    @classmethod
    def _cycles(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("must be >= 1 or \"until progression\"")
        return v


class Target(_Strict):
    endpoint: Literal[TARGET_ENDPOINTS]  # type: ignore[valid-type]
    value: Annotated[float, Field(allow_inf_nan=False)]
    arm: str | None = None
    ci: tuple[float, float] | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    source: str
    use: Literal["calibration", "validation", "prediction"]


class ProtocolFile(_Strict):
    protocol: ProtocolInfo
    schedule: Schedule
    eligibility: dict[str, Bound] = {}
    max_draws: Annotated[int, Field(ge=1, le=100000)] = 1000
    dropout: Dropout = Dropout()
    arms: Annotated[tuple[Arm, ...], Field(min_length=1, max_length=8)]
    rule_sets: dict[str, dict[str, Any]] = {}
    population: dict[str, dict[str, Any]] = {}
    targets: tuple[Target, ...] = ()


# -- the loaded protocol ---------------------------------------------------------------


@dataclass(frozen=True)
class Protocol:
    """A validated protocol: its text (kept verbatim for the manifest), the parsed file
    and the population it draws from."""

    name: str
    text: str
    where: str
    spec: ProtocolFile
    population: Population
    rule_book: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def arms(self) -> tuple[Arm, ...]:
        return self.spec.arms

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.spec.arms)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def eligibility(self) -> dict[str, tuple[float | None, float | None]]:
        return {k: (b.min, b.max) for k, b in self.spec.eligibility.items()}

    def targets(self, arm: str | None = None) -> tuple[Target, ...]:
        return tuple(t for t in self.spec.targets if t.arm == arm)

    def arm_plan(self, arm: str | Arm) -> ArmPlan:
        """The resolved treatment of one arm (visit days absolute, day 0 = first dose)."""
        a = arm if isinstance(arm, Arm) else self.spec.arms[self.arm_names.index(arm)]
        s = self.spec.schedule
        labs = np.arange(0.0, s.follow_up_days + 1e-9, s.lab_every_days)
        assess = np.arange(0.0, s.follow_up_days + 1e-9, s.assessment_every_days)
        treat = None if a.cycles == "until progression" else float(a.cycles) * a.cycle_days
        return ArmPlan(name=a.name, regimen=a.regimen, label=_dose_levels(a),
                       rule_sets=a.dose_rules, disabled_rules=a.disabled_rules,
                       rule_book=self.rule_book if a.dose_rules else {},
                       cycle_days=a.cycle_days,
                       treatment_days=None if treat is None else min(treat, s.follow_up_days),
                       follow_up_days=s.follow_up_days, lab_days=tuple(labs.tolist()),
                       assessment_days=tuple(assess.tolist()),
                       stop_on_progression=a.stop_on_progression,
                       stop_on_toxicity=a.stop_on_toxicity, survival_modelled=s.survival,
                       rule_adherence=self.rule_adherence(a),
                       toxicity_discontinuation=self.toxicity_discontinuation(a))

    def rule_adherence(self, arm: str | Arm) -> float:
        """The arm's rule adherence (probability in [0, 1]); a calibrated value is read
        from its stored estimates here (InputError naming the file, line and field when it
        is missing or out of range)."""
        return self._arm_probability(arm, "rule_adherence")

    def toxicity_discontinuation(self, arm: str | Arm) -> float:
        """The arm's probability that a patient stops at the first grade >= 3 adverse
        event (in [0, 1]); a calibrated value is read as :meth:`rule_adherence`'s."""
        return self._arm_probability(arm, "toxicity_discontinuation")

    def _arm_probability(self, arm: str | Arm, key: str) -> float:
        a = arm if isinstance(arm, Arm) else self.spec.arms[self.arm_names.index(arm)]
        v = getattr(a, key)
        if not isinstance(v, Calibrated):
            return float(v)
        from xposim.trials.population import _calibrated_field

        i = self.arm_names.index(a.name)
        loc = ("arms", i, key)
        try:
            value = _calibrated_field(v.model_dump(), key, "dimensionless")
        except InputError as exc:
            raise _error(self.where, line_index(self.text), loc, exc.problem) from None
        if not 0.0 <= value <= 1.0:
            raise _error(self.where, line_index(self.text), loc, f"the stored estimate "
                         f"{v.calibration}:{v.estimate} = {value} is not a probability")
        return value

    def with_settings(self, settings: Mapping[str, float] | Any) -> Protocol:
        """This protocol with run settings applied (NAME=VALUE pairs or a mapping): a model
        parameter or ``section.name.field`` of the population
        (:meth:`~xposim.trials.population.Population.with_setting`), or
        ``arms.ARM.rule_adherence`` or ``arms.ARM.toxicity_discontinuation``
        (:meth:`with_arm_setting`)."""
        from dataclasses import replace

        pairs = settings.items() if isinstance(settings, Mapping) else settings
        pop, arm_settings = self.population, []
        for name, value in pairs:
            if str(name).startswith("arms."):
                arm_settings.append((str(name), value))
            else:
                pop = pop.with_setting(name, value)
        out = replace(self, population=pop)
        for name, value in arm_settings:
            arm, _, key = name.removeprefix("arms.").rpartition(".")
            if key not in ARM_SETTINGS or not arm:
                raise InputError("set", "an arm setting is " + " or ".join(
                    f"arms.ARM.{k}=VALUE" for k in ARM_SETTINGS), got=name)
            out = out.with_arm_setting(arm, key, value)
        return out

    def with_rule_adherence(self, arm: str, value: float) -> Protocol:
        """This protocol with ``arm``'s rule adherence set to ``value``
        (:meth:`with_arm_setting`)."""
        return self.with_arm_setting(arm, "rule_adherence", value)

    def with_arm_setting(self, arm: str, key: str, value: float) -> Protocol:
        """This protocol with ``arm``'s setting ``key`` (one of :data:`ARM_SETTINGS`, a
        probability) set to ``value``. The text is unchanged, and a trial run reads the
        protocol from its text: give a run the value as the setting ``arms.ARM.KEY``
        (recorded in the manifest), which calls this."""
        from dataclasses import replace

        where = f"set arms.{arm}.{key}"
        if key not in ARM_SETTINGS:
            raise InputError(where, f"must be one of {', '.join(ARM_SETTINGS)}", got=key)
        if arm not in self.arm_names:
            raise InputError(where, f"no arm {arm!r}; arms: {', '.join(self.arm_names)}")
        if not is_probability(value):
            raise InputError(where, "must be a probability in [0, 1]", got=value)
        arms = tuple(a.model_copy(update={key: float(value)})
                     if a.name == arm else a for a in self.spec.arms)
        return replace(self, spec=self.spec.model_copy(update={"arms": arms}))

    def dropout_day(self, rng: np.random.Generator) -> float | None:
        """Exponential time to dropout (days) from the protocol's yearly rate."""
        rate = self.spec.dropout.rate_per_year
        u = rng.random()
        if rate <= 0:
            return None
        day = -math.log1p(-u) / rate * 365.25
        return day if day < self.spec.schedule.follow_up_days else None


def _rule_loc(message: str, rule_sets: Mapping[str, Any]) -> tuple[Any, ...]:
    """Where in the file a rule-book error points: rule set, rule, field."""
    m = re.search(r"\[([^\]]+)\](?: rule ([^ .:]+)(?:\.([a-z_]+))?)?", message)
    if not m or m.group(1) not in rule_sets:
        return ("rule_sets",)
    name, rule, key = m.groups()
    rules = rule_sets[name].get("rules", [])
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(r, Mapping) and r.get("id") == rule:
            return ("rule_sets", name, "rules", i, *((key,) if key else ()))
    return ("rule_sets", name)


def _dose_levels(a: Arm) -> str | None:
    if a.dose_levels is not None:
        return a.dose_levels.removeprefix("label:")
    if a.regimen.lower().startswith("label:"):
        return a.regimen[len("label:"):].strip().lower()
    return None


# -- loading ---------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _key_path(text: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in text.split("."))


def line_index(text: str) -> dict[tuple[str, ...], int]:
    """(table path + key) -> 1-based line, for error messages. Arrays of tables get their
    index (``("arms", "0", "regimen")``)."""
    index: dict[tuple[str, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current: tuple[str, ...] = ()
    depth = 0  # inside a multi-line array/inline table: skip keys
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if '"' not in line else line
        if depth == 0:
            m = _HEADER.match(line)
            if m:
                path = _key_path(m.group(2))
                if m.group(1) == "[[":
                    i = counts.get(path, 0)
                    counts[path] = i + 1
                    current = (*path, str(i))
                else:
                    current = path
                index.setdefault(current, n)
                continue
            k = _KEY.match(line)
            if k:
                index.setdefault((*current, *_key_path(k.group(1))), n)
        depth += stripped.count("[") - stripped.count("]")
        depth += stripped.count("{") - stripped.count("}")
        depth = max(depth, 0)
    return index


def _locate(index: Mapping[tuple[str, ...], int], loc: tuple[Any, ...]) -> int | None:
    path = tuple(str(p) for p in loc)
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return None


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(file)"


def _error(where: str, index: Mapping[tuple[str, ...], int], loc: tuple[Any, ...],
           message: str) -> InputError:
    line = _locate(index, loc)
    place = f"{where}, line {line}" if line else where
    return InputError(f"{place}: {_loc_text(loc)}", message)


def _pydantic_message(err: Mapping[str, Any]) -> str:
    kind, msg = err.get("type", ""), str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    msg = msg.removeprefix("Value error, ")
    inp = err.get("input")
    if inp is not None and not isinstance(inp, dict | list | tuple) and "got" not in msg:
        msg += f", got {inp!r}"
    return msg


def builtin_dir() -> Any:
    return resources.files("xposim.trials").joinpath("protocols")


def protocol_names() -> tuple[str, ...]:
    """Names of the built-in protocols."""
    return tuple(sorted(p.name.removesuffix(".toml") for p in builtin_dir().iterdir()
                        if p.name.endswith(".toml")))


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A built-in protocol by name, or a protocol file (``.toml``)."""
    text_name = str(name_or_path)
    path = Path(text_name)
    if text_name.endswith(".toml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError("protocol", f"cannot read {path} ({exc.strerror})") from None
        return parse_protocol(text, where=str(path))
    if text_name not in protocol_names():
        raise InputError("protocol", f"not a .toml file or a built-in protocol; built-in: "
                         f"{', '.join(protocol_names())}", got=text_name)
    text = builtin_dir().joinpath(f"{text_name}.toml").read_text("utf-8")
    return parse_protocol(text, where=f"{text_name}.toml")


def _packaged_rule_data() -> dict[str, Any]:
    text = resources.files("xposim.patient").joinpath("dose_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def parse_protocol(text: str, *, where: str = "protocol") -> Protocol:
    """Validate a protocol's TOML text; InputError names the file, line and field."""
    from xposim.patient.rules import dose_rules, parse_rule_book

    index = line_index(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"is not valid TOML ({exc})") from None
    try:
        spec = ProtocolFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # pydantic reports the literal branch of `cycles` as a second location: keep the field
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p == "int")))
        raise _error(where, index, loc, _pydantic_message(err)) from None

    info = spec.protocol
    # the population: the protocol's own, or a packaged one
    if info.population in spec.population:
        try:
            pop = parse_population(info.population, spec.population[info.population], where)
        except InputError as exc:
            raise _error(where, index, ("population", info.population),
                         str(exc).split(": ", 1)[-1]) from None
    else:
        try:
            pop = load_population(info.population)
        except InputError as exc:
            raise _error(where, index, ("protocol", "population"), exc.problem + (
                " (or define [population." + info.population + "] in the protocol)")) from None
    if pop.disease != info.disease:
        raise _error(where, index, ("protocol", "population"), f"population "
                     f"{pop.name} is {pop.disease}, the protocol {info.disease}")
    covariate_names = [e.name for e in pop.covariates]
    for name in spec.eligibility:
        if name not in covariate_names:
            raise _error(where, index, ("eligibility", name), f"not a covariate of "
                         f"population {pop.name} ({', '.join(covariate_names)})")
    names = [a.name for a in spec.arms]
    if len(set(names)) != len(names):
        raise _error(where, index, ("arms",), f"arm names must differ, got {names}")
    if info.control_arm is not None and info.control_arm not in names:
        raise _error(where, index, ("protocol", "control_arm"), f"must be one of the arms "
                     f"{names}, got {info.control_arm!r}")
    if len(names) == 2 and info.control_arm is None:
        raise _error(where, index, ("protocol", "control_arm"), "is required for a two-arm "
                     "protocol (the hazard ratio compares the other arm with it)")
    for i, t in enumerate(spec.targets):
        if t.arm is not None and t.arm not in names:
            raise _error(where, index, ("targets", i, "arm"), f"must be one of {names}, "
                         f"got {t.arm!r}")
    # rule sets: the packaged book plus those written out here
    book_data = _packaged_rule_data()
    for name, table in spec.rule_sets.items():
        if name in book_data:
            raise _error(where, index, ("rule_sets", name), "a packaged rule set has this "
                         "name; choose another")
        book_data[name] = table
    try:
        book = parse_rule_book(book_data, where)
    except InputError as exc:
        loc = _rule_loc(str(exc), spec.rule_sets)
        message = str(exc).removeprefix(f"{where} ")
        if len(loc) > 1:  # the location says which set/rule/field: keep only the problem
            message = re.sub(r"^\[[^\]]+\](?: rule [^ :]+)?: ", "", message)
        raise _error(where, index, loc, message) from None
    for i, a in enumerate(spec.arms):
        levels = _dose_levels(a)
        if a.dose_rules and levels is None:
            raise _error(where, index, ("arms", i, "dose_levels"), "is required when "
                         "dose_rules are given and the regimen is not label:NAME (the label "
                         "regimen whose reduction steps are the dose levels)")
        if levels is not None:
            from xposim.pharmacology.label_regimens import label_regimen

            try:
                label_regimen(levels)
            except InputError as exc:
                raise _error(where, index, ("arms", i, "dose_levels"), exc.problem) from None
        if a.dose_rules:
            try:
                dose_rules(levels or "", a.dose_rules, disabled=a.disabled_rules, book=book)
            except InputError as exc:
                loc = ("arms", i, "disabled_rules" if exc.field == "disabled"
                       else "dose_rules")
                raise _error(where, index, loc, str(exc)) from None
        if a.rule_adherence != 1.0 and not a.dose_rules:
            raise _error(where, index, ("arms", i, "rule_adherence"), "given without "
                         "dose_rules")
        if a.disabled_rules and not a.dose_rules:
            raise _error(where, index, ("arms", i, "disabled_rules"), "given without "
                         "dose_rules")
    return Protocol(info.name, text, where, spec, pop, MappingProxyType(book_data))
