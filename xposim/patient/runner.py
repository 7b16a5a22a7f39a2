"""Treatment that reacts: one patient, visit to visit, with the label's dose rules.

The engine runs the composed patient model (:mod:`xposim.patient.model`) from one visit
to the next with the doses of that interval as events. At each lab visit the runner reads
the simulated labs, draws the graded adverse events from the patient's own random stream
(exact sampling of their Markov chains, which are then set to the drawn grade), passes
the labs to the rule book (:class:`~xposim.patient.rules.DoseRules`) and applies the
decisions to the doses of the next interval — holds, resumptions, reductions to the
label's dose levels, discontinuation, supportive care — and records each one. Dose levels
change the events, never the model: one compile serves every patient and every decision.
At each assessment the tumour marker is assessed (IMWG or Lugano); treatment stops at
confirmed progression or unacceptable toxicity as the arm says. A solver failure is
returned (:meth:`PatientOutcome.failed`) naming the subject and the time.

:class:`ClinicalPatientSimulator` implements the trial contract
(:class:`~xposim.patient.outcome.PatientSimulator`); :func:`run_patient` is the same
simulation returning everything (dense time course for plots) for one patient.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from xposim.errors import InputError, SimulationError
from xposim.patient.model import PatientModel, check_drugs, patient_model
from xposim.patient.outcome import (
    STANDARD_VARIABLES,
    TOXICITIES,
    ArmPlan,
    OutcomeSummary,
    PatientOutcome,
    SimulatorRecipe,
    VirtualPatient,
    decision_columns,
)
from xposim.patient.reduction import untreated_state
from xposim.patient.rules import (
    PATIENT_CHOICE_RULE,
    Decision,
    follows_discretionary,
    stops_for_toxicity,
)

DAY = 24.0
#: Labs the rules may read that the model does not simulate, and the value the runner
#: supplies: the event is absent (no bleeding, no febrile neutropenia, no neuropathy, no
#: other grade 3-4 event) and haemoglobin is normal, so the rules reading them never fire
#: (docs/patient.md lists them; the rules stay in the log's vocabulary).
ABSENT_EVENTS: Mapping[str, float] = MappingProxyType({
    "bleeding": 0.0, "febrile": 0.0, "neuropathy_grade": 0.0, "other_nonheme_grade": 0.0,
    "hemoglobin_g_per_dl": 12.0})
#: Model parameters the runner sets itself (not patient parameters).
_INTERNAL = ("death_drive_untreated", "arrest_fraction_untreated", "growth_factor_untreated",
             "auc_rate_unit")
#: Covariates of a VirtualPatient and the model parameter each sets (with its unit).
COVARIATE_PARAMETERS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "weight_kg": ("body_weight", "kg"),
    "platelets_1e9_per_l": ("plt_base", "Gcells/L"),
    "neutrophils_1e9_per_l": ("neu_base", "Gcells/L"),
    "sodium_mmol_per_l": ("na_baseline", "mmol/L"),
    "spd_cm2": ("dlbcl_spd0", "cm^2"),
})
GRADED = ("nausea", "fatigue", "anorexia")


@dataclass
class PatientRun:
    """Everything one simulated patient produced (what :func:`run_patient` returns).

    ``timecourse``: tidy (subject_id, day, variable, value, unit) at the record times
    (visits, or every ``record_step_h`` when asked); ``outcome``: the contract's
    :class:`PatientOutcome` (visit time course, decisions, doses, summary)."""

    outcome: PatientOutcome
    timecourse: pd.DataFrame
    model: PatientModel


@dataclass(frozen=True)
class PreparedPatient:
    """One patient ready to simulate on one arm (:meth:`ClinicalPatientSimulator.prepare`):
    what the clinical simulation starts from, for benchmarks, diagnostics and engines of
    one's own.

    ``model``: the composed :class:`~xposim.patient.model.PatientModel` of the patient's
    disease and the arm's drugs (``model.model.sbml`` is its SBML); ``simulator``: the
    compiled :class:`~xposim.engine.Simulator` of that model (shared by every patient of
    the simulator: runs never carry state); ``parameters``: the run parameters (canonical
    units: covariates, the patient's own values, the untreated references of the
    coupling); ``initial_state``: species at day 0 (nM or amount, the untreated steady
    state of the patient's own tumour cell); ``rules``: the arm's
    :class:`~xposim.patient.rules.DoseRules` (None without dose levels); ``bsa_m2``:
    body-surface area (m², None without height)."""

    patient: VirtualPatient
    arm: ArmPlan
    seed: int
    model: PatientModel
    simulator: Any
    parameters: Mapping[str, float]
    initial_state: Mapping[str, float]
    rules: Any
    bsa_m2: float | None

    @property
    def tolerances(self) -> tuple[float, float]:
        """(relative, absolute) solver tolerances of the runs (absolute in each species'
        own unit)."""
        return float(self.simulator.rtol), float(self.simulator.atol)

    def run(self, times_h: Sequence[float] | np.ndarray, *, outputs: Sequence[str],
            events: Sequence[Any] = ()) -> Any:
        """The untreated-start model run at ``times_h`` (h) with ``events``
        (:class:`~xposim.engine.Bolus`/``Set``), ``outputs`` recorded: an
        :class:`~xposim.engine.Result` (no rules, no visits)."""
        return self.simulator.run(times_h, parameters=self.parameters,
                                  initial=self.initial_state, events=events,
                                  outputs=list(outputs), subject=self.patient.subject_id)


# -- dosing plans -------------------------------------------------------------------


@dataclass(frozen=True)
class _DrugPlan:
    drug: str
    levels: tuple[Any, ...]  # Regimen per dose level (level 0 = starting regimen)

    def administrations(self, level: int, horizon_h: float, bsa: float | None
                        ) -> tuple[list[float], list[float], list[str]]:
        """(times h, amounts mg, routes) of ``level`` before ``horizon_h``."""
        regimen = self.levels[min(level, len(self.levels) - 1)]
        times, amounts, routes = [], [], []
        for d in regimen.doses(horizon_h):
            if d.is_infusion:
                raise InputError("regimen", f"{d.drug}: infusions are not simulated yet; "
                                 "give IV doses as boluses")
            times.append(d.time_h + d.lag_h)
            amounts.append(d.amount_mg(bsa) * d.f)
            routes.append(d.route)
        return times, amounts, routes

    def per_m2(self, level: int) -> bool:
        """Whether a dose of ``level`` is in mg/m² (its amounts depend on the patient)."""
        regimen = self.levels[min(level, len(self.levels) - 1)]
        return any(r.per_m2 for r in regimen.records)


def _plans(arm: ArmPlan) -> tuple[dict[str, _DrugPlan], Any]:
    from xposim.pharmacology.label_regimens import label_regimen, read_regimen

    base = read_regimen(arm.regimen)
    lr = label_regimen(arm.label) if arm.label else None
    plans = {}
    for drug in base.drugs:
        if lr is not None and drug in lr.reductions:
            steps = lr.reductions[drug].steps
            plans[drug] = _DrugPlan(drug, tuple(steps))
        else:
            plans[drug] = _DrugPlan(drug, (base.for_drug(drug),))
    return plans, lr


# -- the simulator ------------------------------------------------------------------


class ClinicalPatientSimulator:
    """The clinical patient model behind the trial contract.

    ``disease``: myeloma or dlbcl, or None for both (each patient is simulated with the
    model of its own disease; what the trial runner builds); ``preset``: tumour-cell
    preset (default: the disease's generic preset; one disease only); ``cell``:
    ``reduced`` (quasi-steady transport, default) or ``detailed``; ``rtol``/``atol``:
    solver tolerances (relative; absolute in each species' own unit). Models are composed
    per disease and drug set on first use and compiled once per process.
    """

    name = "xposim-clinical"

    def __init__(self, disease: str | None = "myeloma", preset: str | None = None,
                 cell: str = "reduced", rtol: float = 1e-4, atol: float = 1e-6) -> None:
        from xposim.patient.coupling import DISEASE_PREFIX, disease_prefix

        if disease is not None:
            disease_prefix(disease)
        elif preset is not None:
            raise InputError("preset", "a tumour-cell preset needs one disease", got=preset)
        if cell not in ("reduced", "detailed"):
            raise InputError("cell", "must be 'reduced' or 'detailed'", got=cell)
        for name, v in (("rtol", rtol), ("atol", atol)):
            if not (isinstance(v, int | float) and 0 < v < 0.1):
                raise InputError(name, "must be a tolerance in (0, 0.1)", got=v)
        #: the diseases this simulator models; the first is the default of model_for
        self.diseases: tuple[str, ...] = (disease,) if disease else tuple(DISEASE_PREFIX)
        self.disease = self.diseases[0]
        self.preset = preset
        self.cell = cell
        self.rtol, self.atol = float(rtol), float(atol)
        self._sims: dict[tuple[str, tuple[str, ...]], Any] = {}
        #: per arm (by identity): what every patient of the arm shares (drugs, dose
        #: plans, rules, administrations), built on first use
        self._arms: dict[int, _ArmSetup] = {}
        #: per disease: the reference model (every drug) and its settable parameters
        self._refs: dict[str, tuple[PatientModel, frozenset[str]]] = {}
        self.recipe = SimulatorRecipe("xposim.patient.runner:clinical_simulator",
                                      {"disease": disease, "preset": preset, "cell": cell,
                                       "rtol": self.rtol, "atol": self.atol})

    # -- contract ------------------------------------------------------------------
    def model_hash(self) -> str:
        """sha256 of the SBML of the model with every drug that has a PK model (of each
        disease, combined, when the simulator models both)."""
        import hashlib

        hashes = [self._reference(d)[0].model.hash for d in self.diseases]
        if len(hashes) == 1:
            return hashes[0]
        return hashlib.sha256("\n".join(hashes).encode()).hexdigest()

    def parameter_values(self) -> Mapping[str, float]:
        """Every parameter a VirtualPatient may set (all drugs' model, every disease this
        simulator models), canonical units."""
        out: dict[str, float] = {}
        for d in reversed(self.diseases):
            ref, settable = self._reference(d)
            out.update({k: v for k, v in ref.defaults.items() if k in settable})
        return MappingProxyType(out)

    def parameter_units(self) -> Mapping[str, str]:
        """The canonical unit of each settable parameter (convert population values to
        these before passing them; e.g. XPO1_total0 in nM, na_baseline in nM)."""
        out: dict[str, str] = {}
        for d in reversed(self.diseases):
            ref, settable = self._reference(d)
            m = ref.model
            out.update({k: m.unit_of(k) for k in m.default_values() if k in settable})
        return MappingProxyType(out)

    def simulate(self, patient: VirtualPatient, arm: ArmPlan, *, seed: int) -> PatientOutcome:
        """Simulate one patient on one arm (see :func:`run_patient`)."""
        return self._patient(patient, arm, seed, None).outcome()

    # -- the richer entry point ---------------------------------------------------------
    def run(self, patient: VirtualPatient, arm: ArmPlan, *, seed: int,
            record_step_h: float | None = None) -> PatientRun:
        """Simulate one patient; with ``record_step_h`` the time course is also recorded
        every that many hours (for plots)."""
        return self._patient(patient, arm, seed, record_step_h).run()

    def prepare(self, patient: VirtualPatient, arm: ArmPlan, *, seed: int) -> PreparedPatient:
        """``patient`` ready to be simulated on ``arm``: its model, compiled simulator, run
        parameters and untreated initial state, exactly as :meth:`simulate` starts from
        them (for benchmarks, diagnostics and engines of one's own; see
        :class:`PreparedPatient`). SimulationError naming the subject when the untreated
        state cannot be reached."""
        p = self._patient(patient, arm, seed, None)
        state = p.prepare()
        return PreparedPatient(patient=patient, arm=arm, seed=seed, model=p.pm,
                               simulator=p.sim, rules=p.rules,
                               parameters=MappingProxyType(dict(p.params)),
                               initial_state=MappingProxyType(dict(state)), bsa_m2=p.bsa)

    def _patient(self, patient: VirtualPatient, arm: ArmPlan, seed: int,
                 record_step_h: float | None) -> _Patient:
        if patient.disease not in self.diseases:
            raise InputError("disease", f"this simulator models {', '.join(self.diseases)}",
                             got=patient.disease)
        setup = self._setup(arm)
        pm, sim = self.model_for(setup.drugs, patient.disease)
        return _Patient(pm, sim, setup.rules_for(pm), patient, arm, seed, record_step_h,
                        setup=setup)

    def untreated_course(self, patient: VirtualPatient, days: Sequence[float],
                         outputs: Sequence[str], *, drugs: Sequence[str] = ("selinexor",)
                         ) -> pd.DataFrame:
        """The patient without treatment (natural history): ``outputs`` at ``days`` (one
        column each, ``day`` first), on the model of ``drugs`` with no dose given."""
        pm, sim = self.model_for(drugs, patient.disease)
        arm = ArmPlan(name="untreated", regimen=" + ".join(f"{d} 1 mg PO once" for d in
                                                            pm.drugs),
                      label=None, rule_sets=(), disabled_rules=(), rule_book={},
                      cycle_days=28.0, treatment_days=0.0,
                      follow_up_days=max(float(max(days)), 1e-9), lab_days=(),
                      assessment_days=())
        p = _Patient(pm, sim, None, patient, arm, 0, None)
        state = p.prepare()
        res = sim.run(np.asarray(days, float) * DAY, parameters=p.params, initial=state,
                      outputs=list(outputs), subject=patient.subject_id)
        frame = pd.DataFrame(res.values, columns=list(outputs))
        frame.insert(0, "day", np.asarray(days, float))
        return frame

    def model_for(self, drugs: Sequence[str], disease: str | None = None
                  ) -> tuple[PatientModel, Any]:
        """(patient model, simulator) for a drug set (and disease: default the first this
        simulator models), built on first use."""
        from xposim.engine import Simulator

        disease = disease or self.disease
        key = (disease, check_drugs(list(drugs)))
        if key not in self._sims:
            pm = patient_model(disease, key[1], self.preset, self.cell)  # type: ignore[arg-type]
            self._sims[key] = (pm, Simulator(pm.model, rtol=self.rtol, atol=self.atol))
        return self._sims[key]

    def model_for_arm(self, arm: ArmPlan, disease: str | None = None
                      ) -> tuple[PatientModel, Any]:
        """(patient model, simulator) for the drugs of an arm's regimen (built on first
        use; InputError for a drug without a PK model)."""
        return self.model_for(self._setup(arm).drugs, disease)

    def check_arm(self, arm: ArmPlan, disease: str | None = None) -> None:
        """Raise InputError for an arm this model cannot run (drug without PK, rule
        reading a lab the model does not make, supportive care on an unknown parameter)."""
        pm, _ = self.model_for_arm(arm, disease)
        self._setup(arm).rules_for(pm)

    # -- internals -----------------------------------------------------------------
    def _reference(self, disease: str) -> tuple[PatientModel, frozenset[str]]:
        """The model of ``disease`` with every drug, and its settable parameters."""
        hit = self._refs.get(disease)
        if hit is None:
            from xposim.patient.model import PK_DRUGS

            ref = patient_model(disease, PK_DRUGS, self.preset, self.cell)  # type: ignore[arg-type]
            settable = frozenset(p.name for p in ref.model.parameters
                                 if not p.name.startswith("qss_") and p.name not in _INTERNAL)
            hit = self._refs[disease] = (ref, settable)
        return hit

    def _setup(self, arm: ArmPlan) -> _ArmSetup:
        """What every patient of ``arm`` shares (cached by identity: an ArmPlan is frozen;
        the protocol layer keeps one per arm)."""
        hit = self._arms.get(id(arm))
        if hit is not None and hit.arm is arm:
            return hit
        setup = _ArmSetup.build(arm)
        if len(self._arms) > 64:
            self._arms.clear()
        self._arms[id(arm)] = setup
        return setup

    @staticmethod
    def _drugs(arm: ArmPlan) -> tuple[str, ...]:
        from xposim.pharmacology.label_regimens import read_regimen

        return check_drugs(list(read_regimen(arm.regimen).drugs))

    def adopt_models(self, other: ClinicalPatientSimulator) -> None:
        """Take the models ``other`` (of the same options, e.g. unpickled from a worker
        process that built them) has built and this simulator has not."""
        if other.recipe.options != self.recipe.options:
            raise InputError("simulator", "adopts models only from a simulator of the same "
                             "options", got=dict(other.recipe.options))
        for key, built in other._sims.items():
            self._sims.setdefault(key, built)
        for disease, ref in other._refs.items():
            self._refs.setdefault(disease, ref)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for worker processes (the trial runner ships its simulator to them): the
        options, the models built so far (no worker derives or composes them again) and
        each one's compiled code (libRoadRunner ``saveStateS``: no worker compiles), without
        per-arm caches. Models whose simulator is not the libRoadRunner one are rebuilt."""
        from xposim.engine.roadrunner_backend import RoadRunnerBackend, compiled_state

        models = []
        for key, (pm, sim) in self._sims.items():
            code = (compiled_state(pm.model)
                    if isinstance(getattr(sim, "_backend", None), RoadRunnerBackend) else None)
            models.append((key, _model_state(pm), code))
        return {"parts": _dumps({
            "options": dict(self.recipe.options), "models": models,
            "references": {d: (_model_state(pm), sorted(st))
                           for d, (pm, st) in self._refs.items()}})}

    def __setstate__(self, packed: dict[str, Any]) -> None:
        import pickle

        from xposim.engine import Simulator
        from xposim.engine.roadrunner_backend import load_compiled

        state = pickle.loads(packed["parts"])
        self.__init__(**state["options"])  # type: ignore[misc]
        for key, parts, code in state["models"]:
            pm = _model_from_state(parts)
            if code is not None:
                load_compiled(pm.model, code)
            self._sims[tuple(key)] = (pm, Simulator(pm.model, rtol=self.rtol, atol=self.atol))
        for d, (parts, settable) in state["references"].items():
            self._refs[d] = (_model_from_state(parts), frozenset(settable))


def _proxy(d: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(d)


def _dumps(obj: Any) -> bytes:
    """pickle.dumps, with read-only mapping proxies (which do not pickle) as proxies of
    copies."""
    import io
    import pickle

    class _Pickler(pickle.Pickler):
        def reducer_override(self, o: Any) -> Any:
            if type(o) is MappingProxyType:
                return _proxy, (dict(o),)
            return NotImplemented

    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _model_state(pm: PatientModel) -> tuple[Any, ...]:
    """A PatientModel as picklable parts (its mappings are read-only proxies)."""
    return (pm.disease, pm.drugs, pm.preset, pm.cell, pm.model,
            {d: dict(r) for d, r in pm.dose_routes.items()}, dict(pm.reductions))


def _model_from_state(parts: tuple[Any, ...]) -> PatientModel:
    disease, drugs, preset, cell, model, routes, reductions = parts
    return PatientModel(disease, tuple(drugs), preset, cell, model,
                        MappingProxyType({d: MappingProxyType(r) for d, r in routes.items()}),
                        MappingProxyType(reductions))


class _Layout:
    """Where a patient model's visit run puts what the runner reads (one per model,
    shared by its patients): the recorded names (species first, then the outputs: the
    selection of every run of a patient, so the compiled model's selection is never
    switched), the index of each output, of the labs and of the AE chains, and the
    time-course columns of the outcome."""

    def __init__(self, pm: PatientModel) -> None:
        from xposim.patient.model import STANDARD_OUTPUTS

        self.species: list[str] = list(pm.species)
        outputs = list(pm.outputs)
        self.names: list[str] = [*self.species, *outputs]
        n = len(self.species)
        self.out_index: dict[str, int] = {o: n + i for i, o in enumerate(outputs)}
        index = {name: i for i, name in enumerate(self.names)}
        #: (AE, the indices of its grade 0-3 chain, the species names of the chain)
        self.ae: tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...] = tuple(
            (ae, tuple(index[f"{ae}_p{g}"] for g in range(4)),
             tuple(f"{ae}_p{g}" for g in range(4)))
            for ae in GRADED if all(f"{ae}_p{g}" in index for g in range(4)))
        self.auc_index: int | None = index.get("auc_selinexor")
        # units as the outcome contract names them (STANDARD_VARIABLES); Cp in ng/mL from
        # the model's mg/L
        cols = [(k, self.out_index[v], STANDARD_VARIABLES[k], 1.0)
                for k, v in STANDARD_OUTPUTS.items() if v in self.out_index]
        cols += [(f"Cp_{d}_ng_ml", self.out_index[f"Cp_{d}_mg_l"],
                  STANDARD_VARIABLES[f"Cp_{d}_ng_ml"], 1000.0)
                 for d in pm.drugs if f"Cp_{d}_mg_l" in self.out_index]
        #: time-course columns: variable names, indices, units and scale factors
        self.tc_names = np.array([c[0] for c in cols], dtype=object)
        self.tc_index = [c[1] for c in cols]
        self.tc_units = np.array([c[2] for c in cols], dtype=object)
        self.tc_scale = np.array([c[3] for c in cols])
        #: the same texts as the column array pandas makes of them (its string dtype),
        #: taken per row instead of inferred from ~200 objects per subject; None where
        #: pandas keeps object arrays as they are
        self.tc_text: tuple[Any, Any] | None = None
        self.dose_text: tuple[Any, dict[str, int], Any] | None = None
        inferred = pd.DataFrame({"x": self.tc_names, "u": self.tc_units})
        if isinstance(inferred["x"].dtype, pd.StringDtype):
            self.tc_text = (inferred["x"].array, inferred["u"].array)
            drugs = list(pm.drugs)
            made = pd.DataFrame({"d": np.array(drugs, dtype=object),
                                 "u": np.array(["mg"] * len(drugs), dtype=object)})
            self.dose_text = (made["d"].array, {d: i for i, d in enumerate(drugs)},
                              made["u"].array)
        #: visit count -> the time course's text columns (tc_columns)
        self._tc_columns: dict[int, tuple[Any, Any]] = {}

    def tc_columns(self, n_t: int) -> tuple[Any, Any]:
        """The time course's variable and unit columns of ``n_t`` visits, as the DataFrame
        constructor would store them. String columns are taken once per visit count
        (~30 us a subject) and handed out as copies, which share the immutable Arrow
        data."""
        n_v = len(self.tc_index)
        if self.tc_text is None or not n_t * n_v:
            # pandas keeps these (empty, or without an inferred text type) as object
            rows = np.tile(np.arange(n_v), n_t)
            return self.tc_names.take(rows), self.tc_units.take(rows)
        hit = self._tc_columns.get(n_t)
        if hit is None:
            rows = np.tile(np.arange(n_v), n_t)
            if len(self._tc_columns) > 256:
                self._tc_columns.clear()
            hit = self._tc_columns[n_t] = (self.tc_text[0].take(rows),
                                           self.tc_text[1].take(rows))
        return hit[0].copy(), hit[1].copy()

    def dose_columns(self, drugs: Sequence[str]) -> tuple[Any, Any]:
        """The dose table's drug and unit (mg) columns for doses of ``drugs``, as the
        DataFrame constructor would store them."""
        n = len(drugs)
        if self.dose_text is not None and n:
            names, code, mg = self.dose_text
            if all(d in code for d in drugs):
                return (names.take(np.array([code[d] for d in drugs], dtype=np.intp)),
                        mg.take(np.zeros(n, dtype=np.intp)))
        drug = np.empty(n, dtype=object)
        drug[:] = drugs
        unit = np.full(n, "mg", dtype=object)
        if n and self.dose_text is not None:  # a drug of no route: as pandas infers it
            made = pd.DataFrame({"d": drug, "u": unit})
            return made["d"].array, made["u"].array
        return drug, unit


class _SpeciesThroughNames:
    """A simulator whose runs asked for the species (``untreated_state`` asks for them)
    record the patient's visit names instead and return their species columns (the
    names start with the species): the same numbers, without switching the compiled
    model's output selection (~0.1-0.25 ms each time) before and after."""

    def __init__(self, sim: Any, names: list[str], n_species: int) -> None:
        self.sim, self.model = sim, sim.model
        self._names, self._n = names, n_species

    def run(self, times: Any, *, outputs: Sequence[str], **kwargs: Any) -> Any:
        if list(outputs) != self._names[:self._n]:  # not the species: as asked
            return self.sim.run(times, outputs=outputs, **kwargs)
        res = self.sim.run(times, outputs=self._names, **kwargs)
        return _Values(res.values[:, :self._n])


@dataclass(frozen=True)
class _Values:
    values: np.ndarray


@dataclass
class _ArmSetup:
    """What every patient of one arm shares: its drugs, dose-level plans and label, its
    rules and layout per patient model, and the administrations of each (drug, level,
    horizon)."""

    arm: ArmPlan
    drugs: tuple[str, ...]
    plans: dict[str, _DrugPlan]
    label: Any
    rules: dict[int, tuple[PatientModel, Any]]
    given: dict[tuple[Any, ...], tuple[list[float], list[float], list[str]]]
    layouts: dict[int, tuple[PatientModel, _Layout]] = field(default_factory=dict)
    events: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, arm: ArmPlan) -> _ArmSetup:
        drugs = ClinicalPatientSimulator._drugs(arm)
        plans, label = _plans(arm)
        return cls(arm, drugs, plans, label, {}, {})

    def layout_for(self, pm: PatientModel) -> _Layout:
        """``pm``'s :class:`_Layout` (built once per model)."""
        hit = self.layouts.get(id(pm))
        if hit is None or hit[0] is not pm:
            hit = self.layouts[id(pm)] = (pm, _Layout(pm))
        return hit[1]

    def boluses(self, pm: PatientModel, drug: str,
                given: tuple[list[float], list[float], list[str]]) -> list[Any]:
        """The engine's Bolus events of ``given`` (:meth:`administrations` of ``drug``)
        into ``pm``'s dose routes (None for a route ``pm`` does not have): built once and
        shared like the administrations (events are frozen)."""
        from xposim.engine import Bolus

        key = (id(pm), id(given))
        hit = self.events.get(key)
        if hit is None or hit[0] is not pm or hit[1] is not given:
            routes = pm.dose_routes[drug]
            made = [None if routes.get(r) is None else Bolus(t, routes[r], a)
                    for t, a, r in zip(*given, strict=True)]
            if len(self.events) > 4096:
                self.events.clear()
            hit = self.events[key] = (pm, given, made)
        return hit[2]

    def rules_for(self, pm: PatientModel) -> Any:
        """The arm's DoseRules checked against ``pm`` (built once per model)."""
        hit = self.rules.get(id(pm))
        if hit is None or hit[0] is not pm:
            hit = self.rules[id(pm)] = (pm, _build_rules(self.arm, pm))
        return hit[1]

    def administrations(self, drug: str, level: int, horizon_h: float, bsa: float | None
                        ) -> tuple[list[float], list[float], list[str]]:
        """(times h, amounts mg, routes) of ``drug`` at ``level`` before ``horizon_h``:
        shared by every patient of the arm (flat doses) or of the same body-surface area
        (mg/m² doses). The lists are shared: read them, never change them."""
        plan = self.plans[drug]
        key = (drug, level, horizon_h, bsa if plan.per_m2(level) else None)
        hit = self.given.get(key)
        if hit is None:
            hit = plan.administrations(level, horizon_h, bsa)
            if len(self.given) > 4096:
                self.given.clear()
            self.given[key] = hit
        return hit


def clinical_simulator(**options: Any) -> ClinicalPatientSimulator:
    """Factory named by :attr:`ClinicalPatientSimulator.recipe` (worker processes) and by
    the trial layer's ``BUILTIN_MODEL``: without a ``disease`` option, both diseases."""
    options.setdefault("disease", None)
    return ClinicalPatientSimulator(**options)


def _build_rules(arm: ArmPlan, pm: PatientModel) -> Any:
    """The arm's DoseRules (None without dose levels), checked against the model."""
    from xposim.patient.rules import dose_rules, parse_rule_book

    if not arm.rule_sets:
        return None
    if arm.label is None:
        raise InputError("rule_sets", "dose rules need a label regimen whose reduction steps "
                         "are the dose levels (arm.label)")
    book = parse_rule_book(arm.rule_book, f"arm {arm.name} rule book")
    rules = dose_rules(arm.label, arm.rule_sets, disabled=arm.disabled_rules, book=book)
    made = {lab.name for lab in book.labs.values()
            if lab.model_output and (lab.model_output in pm.model.definitions
                                     or "(sampled)" in lab.model_output)}
    made |= {"fatigue_grade2_days"} | set(ABSENT_EVENTS)
    for r in rules.rules:
        missing = sorted(r.labs - made)
        if missing:
            raise InputError(f"rule {r.id}", f"reads {', '.join(missing)}, which the patient "
                             "model does not simulate; disable the rule (disabled_rules)")
        for key in r.set:
            if key not in pm.defaults:
                raise InputError(f"rule {r.id}.set.{key}", "is not a parameter of the "
                                 "patient model")
        for lab in r.add:
            if lab != "platelets_1e9_per_l":
                raise InputError(f"rule {r.id}.add.{lab}", "only platelet transfusion "
                                 "(platelets_1e9_per_l) is simulated")
    return rules


# -- one patient ----------------------------------------------------------------------


class _Patient:
    """The visit loop of one patient (state kept here, never in the simulator)."""

    def __init__(self, pm: PatientModel, sim: Any, rules: Any, patient: VirtualPatient,
                 arm: ArmPlan, seed: int, record_step_h: float | None,
                 setup: _ArmSetup | None = None) -> None:
        self.pm, self.sim, self.rules = pm, sim, rules
        self.patient, self.arm, self.seed = patient, arm, seed
        self.sid = patient.subject_id
        if record_step_h is not None and not (0 < record_step_h <= 24 * 7):
            raise InputError("record_step_h", "must be in (0, 168] h", got=record_step_h)
        self.record_step_h = record_step_h
        self.rng = patient.rng(seed)
        self.params = _parameters(pm, patient)
        self.bsa = _bsa(patient, pm)
        self.setup = setup if setup is not None else _ArmSetup.build(arm)
        self.plans, self.label = self.setup.plans, self.setup.label
        self.layout = self.setup.layout_for(pm)
        self.names, self.out_index = self.layout.names, self.layout.out_index
        #: the investigator acts on the discretionary rules (the arm's rule_adherence,
        #: drawn once per patient from its own stream; always where no rule applies)
        self.adherent = rules is None or follows_discretionary(arm.rule_adherence, seed,
                                                               patient.stream_key)
        #: the patient (or investigator) stops treatment at the first visit on treatment
        #: with a grade >= 3 adverse event (the arm's toxicity_discontinuation, drawn once
        #: per patient from its own stream; no draw at 0)
        self.stops_for_toxicity = stops_for_toxicity(arm.toxicity_discontinuation, seed,
                                                     patient.stream_key)

    # ---------------------------------------------------------------- run
    def prepare(self) -> dict[str, float]:
        """The patient's untreated initial state; sets the untreated references of the
        coupling in the run parameters (the signals of the patient's own untreated cell)."""
        pm = self.pm
        values = self._resolved()
        state: dict[str, float] = {}
        pm.model.evaluate_initial(values, state)
        for red in pm.reductions.values():
            state.update(red.initial_state(values))  # type: ignore[attr-defined]
        # The tumour cell outside the reduced block (GR, the NF-kB core, which reads the
        # block's export capacity) starts at the preset's untreated state; a patient whose
        # tumour differs (XPO1, GR, proteasome) starts at its own, so nothing drifts.
        state = self._untreated_detailed(state)
        # read through the visit names where they hold the signals (the same numbers; the
        # selection stays as it is)
        signals = ("death_drive", "arrest_fraction", "growth_factor")
        idx = self.out_index
        if all(n in idx for n in signals):
            row = self.sim.run([0.0], parameters=self.params, initial=state,
                               outputs=self.names, subject=self.sid).values[0]
            drive, arrest, division = (row[idx[n]] for n in signals)
        else:
            drive, arrest, division = self.sim.run([0.0], parameters=self.params,
                                                   initial=state, outputs=list(signals),
                                                   subject=self.sid).values[0]
        if not float(division) > 0:
            raise SimulationError(f"subject {self.sid}: the untreated tumour cell does not "
                                  f"divide (growth_factor {float(division)}); the coupling "
                                  "reads the drug-induced division loss relative to it")
        self.params["death_drive_untreated"] = float(drive)
        self.params["arrest_fraction_untreated"] = float(arrest)
        self.params["growth_factor_untreated"] = float(division)
        return state

    def run(self) -> PatientRun:
        """The outcome and the dense time course (:class:`PatientRun`)."""
        out, dense = self._simulate()
        return PatientRun(out, self._dense(dense), self.pm)

    def outcome(self) -> PatientOutcome:
        """The outcome alone (no dense table: what the trial contract returns)."""
        return self._simulate()[0]

    def _simulate(self) -> tuple[PatientOutcome, list[tuple[np.ndarray, np.ndarray]]]:
        pm, arm = self.pm, self.arm
        species = self.layout.species
        try:
            state = self.prepare()
        except SimulationError as exc:
            failure = f"subject {self.sid}: solver failure at day 0 (the untreated initial " \
                      f"state): {exc}"
            return PatientOutcome.failed(self.sid, failure), []
        horizon = arm.follow_up_days
        if self.patient.dropout_day is not None:
            horizon = min(horizon, self.patient.dropout_day)
        lab_days = [d for d in arm.lab_days if d <= horizon]
        assess_days = [d for d in arm.assessment_days if d <= horizon]
        marks = {0.0, horizon, *lab_days, *assess_days}
        cycle = self.arm.cycle_days
        for extra in (7.0, cycle, arm.treatment_days):
            if extra is not None and 0 < extra < horizon:
                marks.add(float(extra))
        days = sorted(marks)
        treat_end = arm.treatment_days if arm.treatment_days is not None else math.inf
        ev_state = None
        if self.rules is not None:
            ev_state = self.rules.initial_state(self.adherent)
        levels = {d: 0 for d in self.plans}
        stopped: set[str] = set()
        held: set[str] = set()
        visit_rows: list[tuple[float, np.ndarray]] = []
        dense: list[tuple[np.ndarray, np.ndarray]] = []
        decisions: list[Any] = []
        doses: list[tuple[float, str, float]] = []
        grades: dict[str, list[tuple[float, int]]] = {ae: [] for ae in GRADED}
        fatigue_since: float | None = None
        marker_days: list[float] = []
        marker_values: list[float] = []
        progression = None
        end_day: float | None = None
        end_reason = "completed"
        admin_cache: dict[tuple[str, int], tuple[Any, ...]] = {}
        horizon_h = horizon * DAY
        current = self._read_at_zero(state)
        auc_at: dict[float, float] = {}
        failure = None
        lab_set, assess_set = set(lab_days), set(assess_days)
        auc_index = self.layout.auc_index
        marker_index = self.out_index[pm.marker]
        all_drugs = set(self.plans)
        if self.rules is not None:
            book_labs = self.rules.book.labs
            leading = [rs.drug for rs in self.rules.rule_sets
                       if rs.drug != "supportive" and rs.held_with is None]
        first_segment: list[tuple[np.ndarray, np.ndarray]] = []
        for k, day in enumerate(days):
            visit_rows.append((day, current))
            if auc_index is not None:
                auc_at[day] = float(current[auc_index])
            treating = end_day is None and day < treat_end
            if day in lab_set:
                labs = self._labs(current, day, grades, state)
                g2 = labs.get("fatigue_grade", 0) >= 2
                fatigue_since = (fatigue_since if fatigue_since is not None else day) \
                    if g2 else None
                labs["fatigue_grade2_days"] = (day - fatigue_since) if g2 and \
                    fatigue_since is not None else 0.0
                if self.rules is not None and treating:
                    made, ev_state = self.rules.evaluate(
                        {k2: v for k2, v in labs.items() if k2 in book_labs},
                        ev_state, day=day)
                    for dec in made:
                        decisions.append(dec)
                        self._apply(dec, state)
                    for drug, st in ev_state.drugs.items():
                        if drug in self.plans:
                            levels[drug] = st.level
                            (stopped.add if st.discontinued else stopped.discard)(drug)
                            (held.add if st.held else held.discard)(drug)
                    if any(d in stopped for d in leading) and self.arm.stop_on_toxicity:
                        stopped |= all_drugs
                    if stopped >= all_drugs:
                        end_day, end_reason = day, "toxicity"
                if self.stops_for_toxicity and treating and end_day is None:
                    worst = self._grade3_events(labs)
                    if worst:
                        for drug in self.plans:
                            if drug not in stopped:
                                decisions.append(Decision(day, drug, PATIENT_CHOICE_RULE,
                                                          "discontinue", worst,
                                                          levels[drug], None, None))
                        stopped |= all_drugs
                        end_day, end_reason = day, "toxicity"
            if day in assess_set:
                marker_days.append(day)
                marker_values.append(float(current[marker_index]))
                progression = self._progression(marker_days, marker_values)
                if progression is not None and self.arm.stop_on_progression:
                    if end_day is None:
                        end_day, end_reason = day, "progression"
                    break
            if self.patient.dropout_day is not None and day >= self.patient.dropout_day:
                if end_day is None:
                    end_day, end_reason = day, "dropout"
                break
            if end_day is None and day >= treat_end:
                end_day, end_reason = day, "completed"
            if k + 1 >= len(days):
                break
            t0, t1 = day * DAY, days[k + 1] * DAY
            events = []
            if end_day is None:
                events = self._events(t0, min(t1, treat_end * DAY), levels, stopped | held,
                                      admin_cache, horizon_h, doses)
            times = self._record_times(t0, t1)
            try:
                res = self.sim.run(times, parameters=self.params, initial=state,
                                   events=events, outputs=self.names, subject=self.sid)
            except SimulationError as exc:
                failure = f"subject {self.sid}: solver failure between day {day:g} and " \
                          f"day {days[k + 1]:g}: {exc}"
                break
            values_out = res.values
            if k == 0:
                first_segment.append((np.asarray(res.time), values_out))
            if self.record_step_h is not None:
                dense.append((np.asarray(res.time)[:-1], values_out[:-1]))
            current = values_out[-1]
            # Python floats (tolist: exact): the engine checks them on its fast path
            state = {n: (v if v > 0.0 else 0.0)
                     for n, v in zip(species, current.tolist(), strict=False)}
        last_day = visit_rows[-1][0]
        if end_day is None:
            end_day = min(last_day, treat_end) if math.isfinite(treat_end) else last_day
        if self.record_step_h is not None:
            dense.append((np.array([last_day * DAY]), visit_rows[-1][1][None, :]))
        return self._finish(visit_rows, decisions, doses, grades, marker_days,
                            marker_values, end_day, end_reason, auc_at, failure,
                            first_segment, admin_cache), dense

    # ---------------------------------------------------------------- pieces
    def _resolved(self) -> dict[str, float]:
        from xposim.engine.plan import resolve_values

        return resolve_values(self.pm.model, self.params)

    def _read_at_zero(self, state: Mapping[str, float]) -> np.ndarray:
        res = self.sim.run([0.0], parameters=self.params, initial=state, outputs=self.names,
                           subject=self.sid)
        return res.values[0]

    def _untreated_detailed(self, state: dict[str, float]) -> dict[str, float]:
        """The tumour cell starts at its own untreated steady state (by integration;
        the tumour and marrow states only: drug-free, the disease held still)."""
        params = dict(self.params)
        for x in ("mm_kg0", "dlbcl_kg0"):
            if x in self.pm.defaults:
                params[x] = 0.0
        disease = ("mm_", "dlbcl_")  # held still: kept as they are, not tested

        def held(name: str) -> bool:
            return name.startswith(disease)

        sim = _SpeciesThroughNames(self.sim, self.names, len(self.layout.species))
        cur = untreated_state(sim, params, initial=state, subject=self.sid, ignore=held)
        return {n: (state[n] if held(n) else v) for n, v in cur.items()}

    def _record_times(self, t0: float, t1: float) -> np.ndarray:
        step = self.record_step_h
        if t0 == 0.0:  # day 1: Cmax needs the first day in detail
            step = min(step or 0.25, 0.25)
            first = np.arange(0.0, min(t1, DAY), step)
            rest = (np.arange(DAY, t1, self.record_step_h)
                    if self.record_step_h is not None and t1 > DAY else np.array([]))
            return np.unique(np.concatenate([first, rest, [t1]]))
        if step is None:
            return np.array([t0, t1])
        return np.unique(np.concatenate([np.arange(t0, t1, step), [t1]]))

    def _events(self, t0: float, t1: float, levels: Mapping[str, int], off: set[str],
                cache: dict, horizon_h: float, doses: list[tuple[float, str, float]]
                ) -> list[Any]:
        events = []
        for drug in self.plans:
            if drug in off or t1 <= t0:
                continue
            key = (drug, levels[drug])
            if key not in cache:
                given = self.setup.administrations(drug, levels[drug], horizon_h, self.bsa)
                cache[key] = (*given, self.setup.boluses(self.pm, drug, given))
            times, amounts, routes, made = cache[key]
            lo = bisect.bisect_left(times, t0 - 1e-9)
            hi = bisect.bisect_left(times, t1 - 1e-9)
            for i in range(lo, hi):
                if made[i] is None:
                    raise InputError("route", f"{drug} can be given "
                                     f"{'/'.join(self.pm.dose_routes[drug])}", got=routes[i])
                events.append(made[i])
                doses.append((times[i] / DAY, drug, amounts[i]))
        return events

    def _labs(self, current: np.ndarray, day: float, grades: dict, state: dict[str, float]
              ) -> dict[str, float]:
        idx = self.out_index
        cur = current.tolist()  # Python floats (exact), read many times below
        out = {"platelets_1e9_per_l": cur[idx["plt_1e9_per_l"]],
               "neutrophils_1e9_per_l": cur[idx["neu_1e9_per_l"]],
               "sodium_mmol_per_l": cur[idx["sodium_mmol_per_l"]],
               "weight_loss_fraction": cur[idx["weight_loss_fraction"]]}
        unit = self.params.get("probability_unit", self.pm.defaults["probability_unit"])
        if len(self.layout.ae) != len(GRADED):  # a model without every AE chain
            for ae in GRADED:
                self.names.index(f"{ae}_p0")  # ValueError naming the missing one
        for ae, chain, keys in self.layout.ae:
            p = [max(cur[i], 0.0) for i in chain]
            total = p[0] + p[1] + p[2] + p[3]
            u, g, acc = self.rng.random() * total, 3, 0.0
            for j in range(4):
                acc += p[j]
                if u < acc:
                    g = j
                    break
            if total <= 0.0:
                g = 0
            for j, key in enumerate(keys):  # the chain is now in grade g
                state[key] = unit if j == g else 0.0
            grades[ae].append((day, g))
            out[f"{ae}_grade"] = float(g)
        out.update(ABSENT_EVENTS)
        return out

    @staticmethod
    def _grade3_events(labs: Mapping[str, float]) -> dict[str, float]:
        """The visit's adverse events at CTCAE grade >= 3, as the outcome grades them
        (:data:`~xposim.patient.outcome.TOXICITIES`: platelets below 50 and neutrophils
        below 1.0 × 10⁹/L (v5.0), sodium below 130 mmol/L (v4.03, as STORM), the sampled
        nausea, fatigue and anorexia grades): lab or ``<event>_grade`` -> its value."""
        graded = ("platelets_1e9_per_l", "neutrophils_1e9_per_l", "sodium_mmol_per_l")
        grades = _lab_grades(*(labs[lab] for lab in graded))
        out = {lab: float(labs[lab]) for lab, g in zip(graded, grades.values(), strict=True)
               if int(g) >= 3}
        for ae in GRADED:
            if labs.get(f"{ae}_grade", 0.0) >= 3:
                out[f"{ae}_grade"] = float(labs[f"{ae}_grade"])
        return out

    def _apply(self, dec: Any, state: dict[str, float]) -> None:
        if dec.action != "supportive":
            return
        for key, value in dec.set.items():
            self.params[key] = float(value)
        for lab, value in dec.add.items():
            if lab == "platelets_1e9_per_l":
                unit = self.pm.defaults["clinical_count_unit"] * self.pm.defaults[
                    "blood_reference_volume"]
                state["plt_circ"] = state.get("plt_circ", 0.0) + float(value) * unit

    def _progression(self, days: list[float], values: list[float]) -> float | None:
        if len(days) < 3:
            return None
        from xposim.patient.response import imwg_progression_day, lugano_progression_day

        if self.pm.disease == "myeloma":
            return imwg_progression_day(days, values)
        return lugano_progression_day(days, values)

    # ---------------------------------------------------------------- summary
    def _finish(self, visit_rows: list[tuple[float, np.ndarray]], decisions: list[Any],
                doses: list[tuple[float, str, float]], grades: dict[str, list],
                marker_days: list[float], marker_values: list[float], end_day: float,
                end_reason: str, auc_at: Mapping[float, float], failure: str | None,
                first_segment: list[tuple[np.ndarray, np.ndarray]],
                admin_cache: Mapping[tuple[str, int], tuple[Any, ...]]
                ) -> PatientOutcome:
        sid, lay = self.sid, self.layout
        days = np.array([d for d, _ in visit_rows])
        values = np.array([v for _, v in visit_rows])
        n_v, n_t = len(lay.tc_index), days.size
        summary = None
        if failure is None:
            summary = self._summary(visit_rows, decisions, doses, grades, marker_days,
                                    marker_values, end_day, end_reason, auc_at,
                                    first_segment, admin_cache)
        # every text column is the array the DataFrame constructor would store (the
        # cached string arrays, or object arrays where pandas keeps them): the three
        # tables are wrapped straight from their column arrays
        variable, unit = lay.tc_columns(n_t)
        drug, dose_unit = lay.dose_columns([d[1] for d in doses])
        return PatientOutcome.from_arrays(
            sid, summary, failure=failure,
            time_course=[np.full(n_t * n_v, sid, dtype=np.int64), np.repeat(days, n_v),
                         variable, (values[:, lay.tc_index] * lay.tc_scale).reshape(-1),
                         unit],
            decisions=decision_columns(sid, decisions),
            doses=[np.full(len(doses), sid, dtype=np.int64),
                   np.array([d[0] for d in doses], dtype=float), drug,
                   np.array([d[2] for d in doses], dtype=float), dose_unit])

    def _dense(self, dense: list[tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
        if not dense:
            return pd.DataFrame(columns=["subject_id", "day", "variable", "value", "unit"])
        t = np.concatenate([d[0] for d in dense])
        v = np.concatenate([d[1] for d in dense])
        names, units, cols = [], [], []
        for out in self.pm.outputs:
            i = self.out_index[out]
            unit = self.pm.model.unit_of(out)
            scale = 1.0
            name = out
            if out.startswith("Cp_") and out.endswith("_mg_l"):
                name, unit, scale = out[:-5] + "_ng_ml", "ng/mL", 1000.0
            elif unit == "1":
                unit = {"m_protein_g_per_dl": "g/dL", "plt_1e9_per_l": "10^9/L",
                        "neu_1e9_per_l": "10^9/L", "sodium_mmol_per_l": "mmol/L",
                        "dlbcl_spd_cm2": "cm2"}.get(out, "1")
            names.append(name)
            units.append(unit)
            cols.append(v[:, i] * scale)
        n_t = t.size
        df = pd.DataFrame({
            "subject_id": np.full(n_t * len(names), self.sid, dtype=np.int64),
            "day": np.repeat(t / DAY, len(names)),
            "variable": np.tile(np.array(names, dtype=object), n_t),
            "value": np.column_stack(cols).reshape(-1),
            "unit": np.tile(np.array(units, dtype=object), n_t),
        })
        return df.drop_duplicates(subset=["day", "variable"], keep="first").reset_index(
            drop=True)

    def _summary(self, visit_rows: list[tuple[float, np.ndarray]], decisions: list[Any],
                 doses: list[tuple[float, str, float]], grades: dict[str, list],
                 marker_days: list[float], marker_values: list[float], end_day: float,
                 end_reason: str, auc_at: Mapping[float, float], dense: list,
                 admin_cache: Mapping[tuple[str, int], tuple[Any, ...]]) -> OutcomeSummary:
        from xposim.patient.model import STANDARD_OUTPUTS
        from xposim.patient.response import assess_imwg, assess_lugano

        pm = self.pm
        lab_set = set(self.arm.lab_days)
        labs = [(d, v) for d, v in visit_rows if d in lab_set] or visit_rows[:1]
        lab_values = np.array([v for _, v in labs])
        plt = lab_values[:, self.out_index["plt_1e9_per_l"]]
        neu = lab_values[:, self.out_index["neu_1e9_per_l"]]
        na = lab_values[:, self.out_index["sodium_mmol_per_l"]]
        lab_days = [d for d, _ in labs]
        i_min = int(np.argmin(plt))
        series = _lab_grades(plt, neu, na)
        first34: dict[str, float | None] = {}
        first_any: dict[str, float | None] = {}
        max_grade: dict[str, int] = {}
        for tox in TOXICITIES:
            if tox in series:
                g = np.asarray(series[tox])
                d = lab_days
            else:
                pairs = grades.get(tox, [])
                g = np.array([p[1] for p in pairs], dtype=int)
                d = [p[0] for p in pairs]
            hit = np.nonzero(g >= 3)[0] if g.size else np.array([], dtype=int)
            first34[tox] = float(d[hit[0]]) if hit.size else None
            anyg = np.nonzero(g >= 1)[0] if g.size else np.array([], dtype=int)
            first_any[tox] = float(d[anyg[0]]) if anyg.size else None
            max_grade[tox] = int(g.max()) if g.size else 0
        # response
        criteria = "IMWG" if pm.disease == "myeloma" else "Lugano"
        if marker_days:
            assess = assess_imwg if pm.disease == "myeloma" else assess_lugano
            r = assess(marker_days, marker_values).subject(0)
            best, ttr, dor, cens, pd_day, change = (r.best_response, r.days_to_response,
                                                    r.duration_of_response_days,
                                                    r.response_censored, r.progression_day,
                                                    r.best_change)
        else:
            best, ttr, dor, cens, pd_day, change = "NE", None, None, False, None, None
        last_assess = marker_days[-1] if marker_days else 0.0
        # dosing: holds and reductions of the drugs with their own rules (followers such as
        # dexamethasone in Xd pause with their leader and are not counted twice)
        leading = set()
        if self.rules is not None:
            leading = {rs.drug for rs in self.rules.rule_sets
                       if rs.drug != "supportive" and rs.held_with is None}
        lead = [d for d in decisions if d.drug in leading]
        holds = len({(d.day, d.drug) for d in lead if d.action == "hold"})
        reductions = len({(d.day, d.drug) for d in lead if d.action in ("reduce", "resume")
                          and d.new_level is not None and d.old_level is not None
                          and d.new_level > d.old_level})
        rdi = self._rdi(doses, end_day, admin_cache)
        exposure = self._exposure(auc_at, dense, end_day)
        base_vals = visit_rows[0][1]
        baseline = {k: float(base_vals[self.out_index[v]]) for k, v in STANDARD_OUTPUTS.items()
                    if v in self.out_index}
        return OutcomeSummary(
            best_response=best, response_criteria=criteria,  # type: ignore[arg-type]
            days_to_response=ttr, duration_of_response_days=dor, response_censored=cens,
            progression_day=pd_day, best_change=change, tumour_marker=(
                "m_protein_g_dl" if pm.disease == "myeloma" else "spd_cm2"),
            pfs_days=float(pd_day if pd_day is not None else last_assess),
            pfs_event=pd_day is not None, os_days=None, os_event=None,
            end_of_treatment_day=float(end_day), end_of_treatment_reason=end_reason,
            follow_up_days=float(visit_rows[-1][0]),
            platelet_nadir_1e9_per_l=float(plt[i_min]), platelet_nadir_day=float(lab_days[i_min]),
            first_grade34_day=first34, first_any_grade_day=first_any, max_grade=max_grade,
            dose_holds=holds, dose_reductions=reductions,
            dose_modified=bool(holds or reductions), relative_dose_intensity=rdi,
            exposure=exposure, baseline=baseline,
            investigator_adherent=self.adherent,
            stops_for_toxicity=self.stops_for_toxicity)

    def _rdi(self, doses: list[tuple[float, str, float]], end_day: float,
             cache: Mapping[tuple[str, int], tuple[Any, ...]]
             ) -> dict[str, float]:
        """Dose given / dose planned (the starting level's schedule) before ``end_day``."""
        out = {}
        end_h = end_day * DAY
        for drug, plan in self.plans.items():
            if (drug, 0) in cache:
                times, amounts = cache[(drug, 0)][:2]
            else:
                times, amounts, _ = plan.administrations(0, max(end_h, 0.0), self.bsa)
            planned = sum(a for t, a in zip(times, amounts, strict=True) if t < end_h)
            given = sum(mg for day, d, mg in doses if d == drug and day * DAY < end_h)
            out[drug] = given / planned if planned > 0 else 1.0
        return out

    def _exposure(self, auc_at: Mapping[float, float], dense: list, end_day: float
                  ) -> dict[str, float]:
        if "selinexor" not in self.plans or "Cp_selinexor_mg_l" not in self.out_index:
            return {}
        mw = self.pm.defaults["sel_MW"]
        to_ng_h_ml = mw * 1000.0  # nM·h x mg/nmol = mg·h/L; x 1000 -> ng·h/mL
        i = self.out_index["Cp_selinexor_mg_l"]
        cmax = 0.0
        for t, v in dense:
            day1 = t < DAY + 1e-9
            if day1.any():
                cmax = max(cmax, float(v[day1, i].max()) * 1000.0)
        def auc(a: float, b: float) -> float:
            if a in auc_at and b in auc_at:
                return (auc_at[b] - auc_at[a]) * to_ng_h_ml
            return math.nan
        cycle = self.arm.cycle_days
        out = {"selinexor_cmax_day1_ng_ml": cmax,
               "selinexor_auc_week1_ng_h_per_ml": auc(0.0, 7.0),
               "selinexor_auc_cycle1_ng_h_per_ml": auc(0.0, cycle)}
        if end_day > 0 and end_day in auc_at:
            out["selinexor_cavg_ng_ml"] = (auc_at[end_day] - auc_at[0.0]) * to_ng_h_ml / (
                end_day * DAY)
        else:
            out["selinexor_cavg_ng_ml"] = 0.0
        return {k: v for k, v in out.items() if math.isfinite(v)}


def _parameters(pm: PatientModel, patient: VirtualPatient) -> dict[str, float]:
    """Canonical run parameters: covariate baselines, then the patient's own values."""
    from xposim.model.units import to_canonical

    cov = patient.covariates
    params: dict[str, float] = {}
    for key, (name, unit) in COVARIATE_PARAMETERS.items():
        if key in cov and cov[key] is not None and name in pm.defaults:
            params[name] = to_canonical(float(cov[key]), unit)
    if "sex" in cov and cov["sex"] is not None:
        sex = str(cov["sex"]).upper()
        if sex not in ("M", "F"):
            raise InputError("covariates.sex", "must be M or F", got=cov["sex"])
        params["female"] = 1.0 if sex == "F" else 0.0
    known = pm.defaults
    for name, value in patient.parameters.items():
        if name in known:
            _check_scale(pm, name, float(value))
            params[name] = float(value)
        elif not name.startswith(("btz_", "dex_", "sel_")):
            raise InputError(f"parameters.{name}", f"is not a parameter of the patient model "
                             f"{pm.model.name}")
        # a PK parameter of a drug this arm does not give changes nothing: dropped
    if pm.disease == "myeloma" and cov.get("m_protein_g_dl") is not None \
            and "mm_burden0" not in patient.parameters:
        from xposim.disease import burden_for_m_protein
        from xposim.model.units import canonical_unit

        table = _myeloma_units()
        over = {n: params.get(n, known[n]) / canonical_unit(table[n])[1]
                for n in ("mm_mprotein_secretion", "mm_mprotein_kdeg", "mm_mprotein_volume")}
        params["mm_burden0"] = burden_for_m_protein(float(cov["m_protein_g_dl"]), over)
    return params


@cache
def _myeloma_units() -> Mapping[str, str]:
    """Each myeloma table parameter's unit (read from the packaged table once, not for
    every patient)."""
    from xposim.disease.myeloma import myeloma_parameters

    return MappingProxyType({p.name: p.unit for p in myeloma_parameters()})


#: A patient value this many times outside its parameter's bounds is refused: values are in
#: canonical model units (nM, cells/L, 1/h), and a value in the declared unit instead
#: (0.9 for a 0.9 uM XPO1, 139 for a 139 mmol/L sodium) is off by 1e3-1e9.
UNIT_GUARD = 100.0


def _check_scale(pm: PatientModel, name: str, value: float) -> None:
    bounds = pm.bounds(name)
    if bounds is None:
        return
    lo, hi = bounds
    low_ok = lo <= 0 or value >= lo / UNIT_GUARD
    high_ok = hi <= 0 or value <= hi * UNIT_GUARD
    if not (low_ok and high_ok):
        unit = pm.model.unit_of(name)
        raise InputError(f"parameters.{name}", f"is {UNIT_GUARD:g}-fold outside its bounds "
                         f"[{lo:.4g}, {hi:.4g}] {unit}: patient parameters are in canonical "
                         f"model units ({unit}); was it given in another unit?", got=value)


def _bsa(patient: VirtualPatient, pm: PatientModel) -> float | None:
    from xposim.pharmacology.bsa import mosteller_bsa

    cov = patient.covariates
    if cov.get("height_cm") is None:
        return None
    weight = cov.get("weight_kg")
    if weight is None:
        weight = pm.defaults["body_weight"] / 1e6
    return mosteller_bsa(float(weight), float(cov["height_cm"]))


def _lab_grades(platelets: Any, neutrophils: Any, sodium: Any) -> dict[str, Any]:
    """CTCAE grades of the graded labs, toxicity -> grade(s) (in the order of the
    arguments): platelets and neutrophils (10⁹/L, v5.0), sodium (mmol/L, v4.03, the grading
    of STORM and the label's hyponatraemia figures). One place for the outcome's grades
    and the visits' grade >= 3 check."""
    from xposim.disease import hyponatremia_grade, neutrophil_grade, platelet_grade

    return {"thrombocytopenia": platelet_grade(platelets),
            "neutropenia": neutrophil_grade(neutrophils),
            "hyponatremia": hyponatremia_grade(sodium, version="4.03")}
