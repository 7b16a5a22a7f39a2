"""The contract between one simulated patient and the trial runner.

# contract:
#   This module is the interface the trial layer (``xposim.trials``) calls and the patient
#   model (issue 13) implements. It is versioned by :data:`CONTRACT_VERSION`, recorded in
#   every run manifest. Stability: fields may be *added* (with defaults) without a version
#   change; renaming, removing or changing the unit or meaning of a field is a breaking
#   change: bump CONTRACT_VERSION, update docs/trials.md, and the trial tests
#   (tests/test_trial_contract.py) tell what broke. Units are in the field names.

What the patient model provides (see docs/trials.md "Plugging in the patient model"):

- a :class:`PatientSimulator`: ``simulate(patient, arm, *, seed) -> PatientOutcome``,
  plus ``name``, ``model_hash()``, ``parameter_values()``, ``parameter_units()`` (since
  contract 2: the population converts its values to these) and ``recipe`` (how a worker
  process rebuilds it: libRoadRunner objects cannot be pickled, so the runner ships the
  :class:`SimulatorRecipe` and each worker builds the simulator once);
- a :class:`PatientOutcome` per patient: the scalar :class:`OutcomeSummary`, the visit
  time courses (tidy long form), the decision log and the doses given. A solver failure is
  returned as :meth:`PatientOutcome.failed` (message naming subject and time), never raised.

What the trial layer provides: a :class:`VirtualPatient` (covariates, baseline labs and
named model-parameter values drawn from the population) and an :class:`ArmPlan` (regimen,
dose-rule sets, schedule, stop rules) resolved from the protocol.
"""

from __future__ import annotations

import importlib
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from xposim.errors import InputError
from xposim.patient.response import CATEGORIES
from xposim.patient.rules import is_probability

#: Version of this contract (recorded in run manifests).
CONTRACT_VERSION = 2

#: Best-response categories (IMWG for myeloma, Lugano for DLBCL; Lugano has no MR/VGPR).
RESPONSE_CATEGORIES: tuple[str, ...] = tuple(CATEGORIES[k] for k in sorted(CATEGORIES))
#: Why treatment ended.
END_REASONS: tuple[str, ...] = ("progression", "toxicity", "completed", "dropout", "death",
                                "solver_failure")
EndReason = Literal["progression", "toxicity", "completed", "dropout", "death",
                    "solver_failure"]
#: Toxicities whose first grade >= 3 day every outcome reports (None = not reached).
#: Thrombocytopenia and neutropenia: CTCAE v5 grade 3-4 from the visit counts
#: (platelets < 50 ×10⁹/L, ANC < 1.0 ×10⁹/L); hyponatremia: sodium < 130 mmol/L;
#: nausea, fatigue, anorexia: the sampled CTCAE grade >= 3.
TOXICITIES: tuple[str, ...] = ("thrombocytopenia", "neutropenia", "hyponatremia", "nausea",
                               "fatigue", "anorexia")
#: Columns of the tidy tables (in this order).
TIME_COURSE_COLUMNS: tuple[str, ...] = ("subject_id", "day", "variable", "value", "unit")
DECISION_COLUMNS: tuple[str, ...] = ("subject_id", "day", "drug", "rule", "lab", "lab_value",
                                     "action", "new_dose")
DOSE_COLUMNS: tuple[str, ...] = ("subject_id", "day", "drug", "amount", "unit")
#: Standard time-course variable names and units (a model may add others, with units).
STANDARD_VARIABLES: Mapping[str, str] = MappingProxyType({
    "m_protein_g_dl": "g/dL", "spd_cm2": "cm2", "platelets_1e9_per_l": "10^9/L",
    "neutrophils_1e9_per_l": "10^9/L", "sodium_mmol_per_l": "mmol/L",
    "Cp_selinexor_ng_ml": "ng/mL", "Cp_dexamethasone_ng_ml": "ng/mL",
    "Cp_bortezomib_ng_ml": "ng/mL", "xpo1_occupancy": "1",
})
#: Exposure metrics of an XPO1 inhibitor every outcome of a selinexor arm reports
#: (``<drug>_<metric>``; ng/mL, ng·h/mL): day-1 Cmax, AUC over days 1-7 and over cycle 1,
#: average concentration over the time on treatment.
EXPOSURE_METRICS: tuple[str, ...] = ("cmax_day1_ng_ml", "auc_week1_ng_h_per_ml",
                                     "auc_cycle1_ng_h_per_ml", "cavg_ng_ml")

_PATIENT_STREAM = 0x9A71E7  # keeps the patient model's draws apart from the population's


def _opt_day(name: str, v: float | None) -> float | None:
    if v is None:
        return None
    x = float(v)
    if not math.isfinite(x) or x < 0:
        raise InputError(name, "must be a day >= 0 or None", got=v)
    return x


def _frozen(m: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(m or {}))


# -- what the trial layer hands to the patient model -----------------------------------


@dataclass(frozen=True)
class VirtualPatient:
    """One virtual patient of a trial arm, drawn from a population.

    ``covariates``: clinical baselines, name -> value (units in the names): ``age_years``,
    ``sex`` ("M"/"F"), ``weight_kg``, ``height_cm``, ``platelets_1e9_per_l``,
    ``neutrophils_1e9_per_l``, ``sodium_mmol_per_l``, ``prior_lines``, ``high_risk``,
    ``del17p``, ``tp53_altered`` (bools), and for myeloma ``m_protein_g_dl`` and
    ``isotype`` ("IgG", "IgA", "light_chain"), for DLBCL ``spd_cm2``. The patient model
    starts the patient at these baselines (e.g. burden from ``burden_for_m_protein``).
    ``parameters``: model parameter name -> value (canonical model units), already
    validated against :meth:`PatientSimulator.parameter_values`; applied as overrides.
    ``dropout_day``: the patient leaves the study that day (None: never); follow-up and
    treatment end there with reason "dropout".
    """

    subject_id: int
    arm: str
    disease: Literal["myeloma", "dlbcl"]
    covariates: Mapping[str, Any]
    parameters: Mapping[str, float]
    dropout_day: float | None = None
    stream_key: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.subject_id, bool) or not isinstance(self.subject_id, int | np.integer) \
                or self.subject_id < 0:
            raise InputError("subject_id", "must be an integer >= 0", got=self.subject_id)
        if self.disease not in ("myeloma", "dlbcl"):
            raise InputError("disease", "must be myeloma or dlbcl", got=self.disease)
        object.__setattr__(self, "subject_id", int(self.subject_id))
        object.__setattr__(self, "covariates", _frozen(self.covariates))
        object.__setattr__(self, "parameters", _frozen(
            {k: float(v) for k, v in self.parameters.items()}))
        object.__setattr__(self, "dropout_day", _opt_day("dropout_day", self.dropout_day))
        object.__setattr__(self, "stream_key", tuple(int(k) for k in self.stream_key)
                           or (self.subject_id,))

    def rng(self, seed: int) -> np.random.Generator:
        """The only random stream the patient model may draw from (AE grades, etc.):
        depends on (seed, this patient) only, never on chunking or workers."""
        return np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(*self.stream_key, _PATIENT_STREAM)))


@dataclass(frozen=True)
class ArmPlan:
    """The treatment of one arm, resolved from a protocol (days from day 0 = first dose).

    ``regimen``: regimen text (``xposim.pharmacology.regimen`` grammar, or
    ``label:NAME``); ``label``: the label regimen whose reduction steps are the dose levels
    (None: no dose levels, no rules); ``rule_sets``: names of rule sets in ``rule_book``
    (plain TOML data of the ``dose_rules.toml`` form: the packaged rules plus any the
    protocol writes out; build the evaluator with
    ``dose_rules(label, rule_sets, disabled=disabled_rules,
    book=parse_rule_book(rule_book, "protocol"))``), ``disabled_rules`` ids off.
    ``lab_days``/``assessment_days``: absolute study days of labs (rules are evaluated
    there) and of response assessments (day 0 = baseline). ``treatment_days``: last day
    of treatment (cycles × cycle length) or None until progression; ``follow_up_days``:
    the end of observation. ``stop_on_progression``/``stop_on_toxicity``: treatment ends
    at confirmed progression / at a rule's permanent discontinuation. ``rule_adherence``:
    the probability in [0, 1] that a patient's investigator acts on the discretionary
    rules (one draw per patient, :func:`xposim.patient.rules.follows_discretionary`; 1 =
    every rule as written). ``toxicity_discontinuation``: the probability in [0, 1] that
    a patient (or the investigator) stops treatment at the first visit on treatment with
    an adverse event of CTCAE grade >= 3 (one draw per patient,
    :func:`xposim.patient.rules.stops_for_toxicity`; 0 = only the rules stop a drug).
    """

    name: str
    regimen: str
    label: str | None
    rule_sets: tuple[str, ...]
    disabled_rules: tuple[str, ...]
    rule_book: Mapping[str, Any]
    cycle_days: float
    treatment_days: float | None
    follow_up_days: float
    lab_days: tuple[float, ...]
    assessment_days: tuple[float, ...]
    stop_on_progression: bool = True
    stop_on_toxicity: bool = True
    survival_modelled: bool = False
    rule_adherence: float = 1.0
    toxicity_discontinuation: float = 0.0

    def __post_init__(self) -> None:
        for name in ("rule_adherence", "toxicity_discontinuation"):
            a = getattr(self, name)
            if not is_probability(a):
                raise InputError(name, "must be a probability in [0, 1]", got=a)
            object.__setattr__(self, name, float(a))
        for name in ("lab_days", "assessment_days"):
            days = tuple(float(d) for d in getattr(self, name))
            if any(b <= a for a, b in pairwise(days)) or \
                    any(d < 0 or d > self.follow_up_days for d in days):
                raise InputError(name, f"must increase within 0..{self.follow_up_days:g} days")
            object.__setattr__(self, name, days)
        if self.follow_up_days <= 0 or self.cycle_days <= 0:
            raise InputError("follow_up_days", "follow-up and cycle length must be > 0 days")


# -- what the patient model returns ------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSummary:
    """One patient's scalars. Days are study days (0 = first dose); None = not reached.

    Response (IMWG or Lugano on the assessment days, :mod:`xposim.patient.response`):
    ``best_response`` one of :data:`RESPONSE_CATEGORIES`; ``days_to_response`` first
    confirmed >= PR; ``duration_of_response_days`` with ``response_censored``;
    ``progression_day``; ``best_change`` best fractional change of the tumour marker
    (``tumour_marker``: "m_protein_g_dl" or "spd_cm2"; -0.6 = 60% below baseline).
    Survival: ``pfs_days`` to progression or death (``pfs_event``) or censoring at the
    last assessment; ``os_days``/``os_event`` None unless survival is modelled.
    Treatment: ``end_of_treatment_day`` and ``end_of_treatment_reason``
    (:data:`END_REASONS`); ``dose_holds``, ``dose_reductions`` (counts of decisions),
    ``dose_modified`` (any hold or reduction); ``relative_dose_intensity`` per drug (dose
    given / planned over the time on treatment, 0-1+); ``investigator_adherent``: the
    patient's investigator acted on the discretionary dose rules (the arm's
    ``rule_adherence`` draw; True where every rule is acted on); ``stops_for_toxicity``:
    the patient's trait of stopping at the first grade >= 3 adverse event on treatment
    (the arm's ``toxicity_discontinuation`` draw; False at 0).
    Safety: ``platelet_nadir_1e9_per_l`` (lowest visit count) and its day; per toxicity in
    :data:`TOXICITIES`, ``first_grade34_day`` (first visit at grade >= 3),
    ``first_any_grade_day`` (first visit at grade >= 1: the label's "time to onset") and
    ``max_grade`` (CTCAE v5).
    ``exposure``: ``<drug>_<metric>`` -> value for :data:`EXPOSURE_METRICS` of each
    XPO1 inhibitor given (may add more). ``baseline``: the model's day-0 values of the
    standard variables (e.g. ``m_protein_g_dl``, ``platelets_1e9_per_l``).
    """

    best_response: str
    response_criteria: Literal["IMWG", "Lugano"]
    days_to_response: float | None
    duration_of_response_days: float | None
    response_censored: bool
    progression_day: float | None
    best_change: float | None
    tumour_marker: str
    pfs_days: float
    pfs_event: bool
    os_days: float | None
    os_event: bool | None
    end_of_treatment_day: float
    end_of_treatment_reason: str
    follow_up_days: float
    platelet_nadir_1e9_per_l: float
    platelet_nadir_day: float
    first_grade34_day: Mapping[str, float | None]
    first_any_grade_day: Mapping[str, float | None]
    max_grade: Mapping[str, int]
    dose_holds: int
    dose_reductions: int
    dose_modified: bool
    relative_dose_intensity: Mapping[str, float]
    exposure: Mapping[str, float] = field(default_factory=dict)
    baseline: Mapping[str, float] = field(default_factory=dict)
    investigator_adherent: bool = True
    stops_for_toxicity: bool = False

    def __post_init__(self) -> None:
        if self.best_response not in RESPONSE_CATEGORIES:
            raise InputError("best_response", f"must be one of {RESPONSE_CATEGORIES}",
                             got=self.best_response)
        if self.end_of_treatment_reason not in END_REASONS:
            raise InputError("end_of_treatment_reason", f"must be one of {END_REASONS}",
                             got=self.end_of_treatment_reason)
        for name in ("days_to_response", "duration_of_response_days", "progression_day",
                     "os_days"):
            object.__setattr__(self, name, _opt_day(name, getattr(self, name)))
        for name in ("pfs_days", "end_of_treatment_day", "follow_up_days",
                     "platelet_nadir_day"):
            if _opt_day(name, getattr(self, name)) is None:
                raise InputError(name, "is required (a day >= 0)")
        missing = [t for t in TOXICITIES if t not in self.first_grade34_day
                   or t not in self.first_any_grade_day or t not in self.max_grade]
        if missing:
            raise InputError("first_grade34_day", "needs every toxicity in TOXICITIES "
                             "(None when not reached)", got=", ".join(missing))
        for t in TOXICITIES:
            _opt_day(f"first_grade34_day[{t}]", self.first_grade34_day[t])
            _opt_day(f"first_any_grade_day[{t}]", self.first_any_grade_day[t])
        if (self.os_days is None) != (self.os_event is None):
            raise InputError("os_event", "give os_days and os_event together (None = OS "
                             "not modelled)")
        for name in ("first_grade34_day", "first_any_grade_day", "max_grade",
                     "relative_dose_intensity", "exposure", "baseline"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def to_row(self) -> dict[str, Any]:
        """Flat scalars (mappings become ``<map>_<key>`` columns) for the subjects table."""
        row: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            if isinstance(v, Mapping):
                prefix = {"first_grade34_day": "first_grade34_day",
                          "first_any_grade_day": "first_any_grade_day", "max_grade": "max_grade",
                          "relative_dose_intensity": "rdi", "exposure": "exposure",
                          "baseline": "baseline"}[name]
                row.update({f"{prefix}_{k}": (np.nan if x is None else x)
                            for k, x in v.items()})
            else:
                row[name] = np.nan if v is None else v
        return row


def _table(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str,
           subject_id: int) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in columns})
    if tuple(frame.columns) != columns:
        raise InputError(name, f"must have the columns {columns}", got=tuple(frame.columns))
    if len(frame) and not (frame["subject_id"].to_numpy() == subject_id).all():
        raise InputError(name, f"rows must all belong to subject {subject_id}")
    return frame


_DTYPES: dict[str, str] = {"subject_id": "int64", "day": "float64", "variable": "object",
                           "value": "float64", "unit": "object", "drug": "object",
                           "rule": "object", "lab": "object", "lab_value": "float64",
                           "action": "object", "new_dose": "object", "amount": "float64"}


@dataclass(frozen=True)
class PatientOutcome:
    """What one simulated patient returns.

    ``time_course``: :data:`TIME_COURSE_COLUMNS` at the visit/assessment days only
    (variables named as in :data:`STANDARD_VARIABLES` where they are standard, each with
    its unit); ``decisions``: the dose-rule log (:data:`DECISION_COLUMNS`: day, drug,
    rule id, lab read, its value, action, new dose text or "" when stopped; a decision
    that read several labs has one row per lab — :func:`decision_table` builds it from
    :class:`~xposim.patient.rules.Decision` objects); ``doses``: administrations actually
    given (:data:`DOSE_COLUMNS`, amount in mg — :func:`dose_table` builds it).
    ``failure``: None, or the message of a solver failure naming the subject and time
    (then ``summary`` is None and the tables hold what was simulated before it).
    """

    subject_id: int
    summary: OutcomeSummary | None
    time_course: pd.DataFrame = field(default=None)  # type: ignore[assignment]
    decisions: pd.DataFrame = field(default=None)  # type: ignore[assignment]
    doses: pd.DataFrame = field(default=None)  # type: ignore[assignment]
    failure: str | None = None

    def __post_init__(self) -> None:
        if (self.summary is None) == (self.failure is None):
            raise InputError("summary", "give a summary, or a failure message (not both)")
        sid = int(self.subject_id)
        object.__setattr__(self, "subject_id", sid)
        object.__setattr__(self, "time_course", _table(self.time_course, TIME_COURSE_COLUMNS,
                                                       "time_course", sid))
        object.__setattr__(self, "decisions", _table(self.decisions, DECISION_COLUMNS,
                                                     "decisions", sid))
        object.__setattr__(self, "doses", _table(self.doses, DOSE_COLUMNS, "doses", sid))

    @classmethod
    def failed(cls, subject_id: int, message: str, **tables: pd.DataFrame) -> PatientOutcome:
        """A subject whose simulation failed: ``message`` names the subject and time."""
        return cls(subject_id, None, failure=str(message), **tables)

    @classmethod
    def from_arrays(cls, subject_id: int, summary: OutcomeSummary | None, *,
                    time_course: Sequence[Any], decisions: Sequence[Any],
                    doses: Sequence[Any], failure: str | None = None) -> PatientOutcome:
        """The same outcome as the constructor's, from each table's column arrays (in the
        order of :data:`TIME_COURSE_COLUMNS`, :data:`DECISION_COLUMNS`,
        :data:`DOSE_COLUMNS`; each the array its column stores: NumPy numbers, object
        arrays, or the pandas string arrays the constructor would make of text), wrapped
        without pandas' per-column inference (what the runner does per patient); one
        length per table is checked here, everything else by the constructor."""
        tables: dict[str, pd.DataFrame] = {}
        for name, columns, arrays in (("time_course", TIME_COURSE_COLUMNS, time_course),
                                      ("decisions", DECISION_COLUMNS, decisions),
                                      ("doses", DOSE_COLUMNS, doses)):
            if len(arrays) != len(columns):
                raise InputError(name, f"must have the columns {columns}",
                                 got=f"{len(arrays)} arrays")
            n = len(arrays[0])
            if any(len(a) != n for a in arrays):
                raise InputError(name, "columns must all have the same length")
            tables[name] = _frame(columns, arrays)
        # the constructor checks the rest (summary or failure, the subject column)
        return cls(subject_id, summary, failure=failure, **tables)


def decision_table(subject_id: int, decisions: Iterable[Any]) -> pd.DataFrame:
    """The decisions table from :class:`~xposim.patient.rules.Decision` objects (``day``
    in days): one row per lab a decision read (lab "" when it read none)."""
    return _frame(DECISION_COLUMNS, decision_columns(subject_id, decisions))


def decision_columns(subject_id: int, decisions: Iterable[Any]) -> list[Any]:
    """The arrays of :func:`decision_table`'s columns (for
    :meth:`PatientOutcome.from_arrays`)."""
    rows = []
    for d in decisions:
        labs = dict(d.labs) or {"": math.nan}
        for lab, value in labs.items():
            rows.append((int(subject_id), float(d.day), d.drug, d.rule, lab, float(value),
                         d.action, d.new_dose or ""))
    return _typed_columns(rows, DECISION_COLUMNS)


def dose_table(subject_id: int, doses: Iterable[Any], *, bsa_m2: float | None = None
               ) -> pd.DataFrame:
    """The doses table from single administrations
    (:class:`~xposim.pharmacology.dose.Dose`, ``time_h`` in h; mg/m² resolved with
    ``bsa_m2``)."""
    rows = [(int(subject_id), d.time_h / 24.0, d.drug, d.amount_mg(bsa_m2), "mg")
            for d in doses]
    return _typed_frame(rows, DOSE_COLUMNS)


def _typed_frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A table of ``rows`` with each column at its :data:`_DTYPES` type."""
    return _frame(columns, _typed_columns(rows, columns))


def _typed_columns(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> list[Any]:
    """The column arrays of ``rows``, each at its :data:`_DTYPES` type (text as object
    arrays: object columns, not pandas' inferred string type)."""
    data = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    out: list[Any] = []
    for c, v in zip(columns, data, strict=True):
        dtype = _DTYPES[c]
        if dtype == "object":
            a = np.empty(len(v), dtype=object)
            a[:] = v
            out.append(a)
        else:
            out.append(np.array(v, dtype=dtype))
    return out


@lru_cache(maxsize=16)
def _column_index(columns: tuple[str, ...]) -> pd.Index:
    """The column index pandas' constructor makes of ``columns`` (immutable: shared)."""
    return pd.DataFrame({c: [] for c in columns}).columns


def _frame(columns: tuple[str, ...], arrays: Sequence[Any]) -> pd.DataFrame:
    """The table of ``arrays`` (one per column, equal lengths, each already the array its
    column stores: NumPy numbers, object arrays kept as object, pandas string arrays).

    pandas' dict constructor infers every column's type and aligns indexes (~250 us for
    the eight columns of a patient's decisions, three tables per patient);
    ``DataFrame._from_arrays`` (pandas >= 0.23, not public) takes the arrays as they are
    (~50 us). The same frame, as the tests check; the public constructor, with object
    arrays kept object, where that entry is missing."""
    n = len(arrays[0]) if len(arrays) else 0
    index = pd.RangeIndex(n)
    make = getattr(pd.DataFrame, "_from_arrays", None)
    if make is None:  # pragma: no cover - a pandas without it
        return pd.DataFrame({c: pd.Series(a, index=index, dtype=a.dtype, copy=False)
                             for c, a in zip(columns, arrays, strict=True)},
                            index=index, copy=False)
    return make(list(arrays), columns=_column_index(columns), index=index,
                verify_integrity=False)


# -- the simulator interface ----------------------------------------------------------


@dataclass(frozen=True)
class SimulatorRecipe:
    """How to build a simulator in any process: ``factory`` "package.module:function",
    called with ``options`` (JSON-like values). Pickles as plain data."""

    factory: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mod, _, fn = self.factory.partition(":")
        if not mod or not fn:
            raise InputError("factory", "must be 'package.module:function'", got=self.factory)
        object.__setattr__(self, "options", _frozen(self.options))

    def __reduce__(self) -> tuple[Any, ...]:
        return (SimulatorRecipe, (self.factory, dict(self.options)))

    def key(self) -> str:
        return f"{self.factory}{sorted(self.options.items())!r}"

    def build(self) -> PatientSimulator:
        mod, _, fn = self.factory.partition(":")
        try:
            factory = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError) as exc:
            raise InputError("model", f"cannot import the patient model {self.factory} "
                             f"({exc})") from exc
        sim = factory(**dict(self.options))
        if not isinstance(sim, PatientSimulator):
            raise InputError("model", f"{self.factory} did not return a PatientSimulator")
        return sim


@runtime_checkable
class PatientSimulator(Protocol):
    """What the trial runner calls. Build once per worker process (compile there);
    ``simulate`` must be a pure function of (patient, arm, seed): the same inputs give the
    same outcome in any process, whatever was simulated before (overrides never persist)."""

    name: str
    recipe: SimulatorRecipe

    def model_hash(self) -> str:
        """Hash of the simulated model (e.g. sha256 of the SBML), for the manifest."""
        ...

    def parameter_values(self) -> Mapping[str, float]:
        """Every parameter a VirtualPatient may set, with its default (model units)."""
        ...

    def parameter_units(self) -> Mapping[str, str]:
        """The unit of each parameter of :meth:`parameter_values` (what a VirtualPatient's
        values are in; the trial population converts to these)."""
        ...

    def simulate(self, patient: VirtualPatient, arm: ArmPlan, *, seed: int) -> PatientOutcome:
        """Simulate one patient on one arm; draw randomness only from ``patient.rng(seed)``.
        Return :meth:`PatientOutcome.failed` on a solver failure (do not raise)."""
        ...


def stream_key(*parts: str | int) -> int:
    """A stable 32-bit key of names/numbers for SeedSequence spawn keys."""
    return zlib.crc32("\x1f".join(str(p) for p in parts).encode())
