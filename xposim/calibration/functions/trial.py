"""The target function of the trial calibrations: one arm of a protocol, run by the trial
layer on a fixed virtual population, and its figures — the published endpoints (hard
counts and Kaplan–Meier medians, as ``xposim trial run`` reports them) and smooth
versions of the same figures for the fit.

**Common random numbers.** Every evaluation simulates the same subjects (ids 0..n-1) from
the same seed: covariates, between-patient biology, PK etas, dropout and the patients'
own adverse-event draws are the same, only the trial values differ. The objective is
therefore a deterministic function of the parameters.

**Why smooth figures.** The hard figures are step functions of the parameters: a
patient is a responder or not, a count moves by 1/n when one patient crosses a threshold
between two parameter values, and a median of events dated on the protocol's visit grid
(assessments every 28 days) jumps from one visit to the next. A finite-difference
Jacobian of a step function is zero (the step moves no patient) or huge (it moves one),
and a least-squares search stops or wanders. Each figure therefore has a smooth version
computed from each patient's *continuous* quantities:

- response (ORR, ≥ VGPR, ≥ MR): each patient's confirmed best M-protein ratio ``r`` (the
  best pair of consecutive assessments, counted at the worse of the two, as IMWG
  confirms; up to confirmed progression) counted with a logistic kernel against the IMWG
  lines, ``σ((0.50 − r)/w)`` for ≥ PR, ``σ((0.10 − r)/w_v)`` for ≥ VGPR and
  ``σ((0.75 − r)/w)`` for ≥ MR (``w`` = ``response_width``, default 0.05; ``w_v`` =
  ``w`` × 0.10/0.50, the same width relative to its line as ≥ PR's: with ``w`` itself
  a patient at 20% of his baseline, twice the line, would count 0.12 as ≥ VGPR). Not
  evaluable patients count 0, as in the hard count. With a smooth distribution of ``r``
  the symmetric kernel's bias is of second order in ``w``;
- time to response: the time the M-protein first falls to half its baseline,
  interpolated between the weekly labs, its median weighted by the soft ≥ PR weights;
- PFS: the time the M-protein first crosses the IMWG progression threshold
  (max(1.25 × nadir, nadir + 0.5 g/dL); nadir + 1 g/dL from a 5 g/dL nadir), interpolated
  between the weekly labs and placed in the assessment interval that confirmed it, plus
  half an assessment interval (progression is dated at the assessment that shows it: on
  average half an interval after the crossing, which keeps the smooth median comparable
  with a published median read on a visit grid); censored patients as in the hard figure;
  Kaplan–Meier median, extrapolated exponentially from the curve's last point when it
  stays above 0.5 (:func:`km_median`: continuous where the median becomes reachable, and
  finite, as a fit's residuals must be);
- duration of response: from the half-baseline crossing to the progression crossing,
  Kaplan–Meier median weighted by the soft ≥ PR weights;
- grade 3–4 thrombocytopenia: ``σ((ln 50 − ln nadir)/v)`` of each patient's lowest lab
  platelet count (``v`` = ``platelet_log_width``, default 0.1: a 10% change of the
  nadir);
- dose modifications: the label's rules modify the dose below 75 × 10⁹/L platelets and
  below 1.0 × 10⁹/L neutrophils (and for adverse events); a patient counts
  ``1 − (1 − σ((ln 75 − ln p′)/v))·(1 − σ((ln 1.0 − ln a′)/v))`` with ``p′`` and ``a′``
  the lowest platelet and neutrophil counts on treatment, or 1 when the first hold or
  reduction was triggered by another lab (an adverse event). (Not the counts that
  triggered the first modification: that is the first lab below the line, so it piles
  up just under it, where a symmetric kernel counts it as a fraction; the count goes on
  falling after a reduction, away from the line);
- any-grade thrombocytopenia, new or worsening (as adverse-event and lab tables count
  it: a patient already at grade 1 at baseline counts when he reaches grade 2): the same
  kernel of the lowest lab platelet count against the CTCAE line below the baseline
  count (150 × 10⁹/L from grade 0, 75 from grade 1); grade 4 thrombocytopenia and grade
  3–4 neutropenia: against 25 × 10⁹/L platelets (CTCAE v5.0 grade 4) and 1.0 × 10⁹/L
  neutrophils (grade 3). Their hard versions count each subject's CTCAE maximum over the
  labs (above the baseline grade for any grade), as the grade 3–4 endpoints do;
- median onset of thrombocytopenia: the time platelets first fall below the grade-1
  line (150 × 10⁹/L), interpolated between the weekly labs, among patients at grade 0 at
  baseline who reach it (the label's "time to onset" of a new event; the hard figure also
  counts patients already below 150 at baseline, at day 0).

**Rule adherence** (the execution model, xposim/patient/rules.py "Execution"): with
``adherence`` naming an estimated parameter ``p`` (the arm's ``rule_adherence``), the
arm is run at a fixed *design* adherence (``adherence_design``, 0.5): each patient's
investigator follows the discretionary rules or not by the patient's own draw, the same
at every evaluation, so no patient changes course when ``p`` moves. Every smooth figure
is then the mixture of the two strata, each patient weighted ``p/n_a`` (adherent) or
``(1 − p)/n_n`` (not): in a trial at adherence ``p`` a patient is adherent with
probability ``p`` independently of everything else, so the mixture has the trial's
expectation and is linear in ``p`` (means; weighted medians and Kaplan–Meier curves
for the medians). In the non-adherent stratum the smooth dose modification counts the
mandatory lines (25 × 10⁹/L platelets, 0.5 × 10⁹/L neutrophils). The hard figures are
the design run's.

**Toxicity discontinuation** (the per-patient trait "stops at the first visit on
treatment with a grade >= 3 adverse event", xposim/patient/rules.py): with
``discontinuation`` naming an estimated parameter ``q`` (the arm's
``toxicity_discontinuation``), the arm is run at a design value
(``discontinuation_design``, 0.5) and each patient's trait, drawn once from its own
stream, is read from the subjects table (``stops_for_toxicity``). A patient's case weight
is the product of the two strata's probabilities, ``P(adherence stratum) ×
P(discontinuation stratum)``, shared among the patients of its cell of the 2 × 2 table
(``p·q/n_as``, ``p·(1 − q)/n_a,not s``...; the two traits are independent draws, so this
is the trial's expectation, linear in each estimate; with one mixture alone it is that
mixture's ``p/n_a``...). When a cell with positive probability is empty (a small run),
the weights fall back to the product of the two marginal weights.
``discontinued_toxicity_smooth`` is the weighted share of patients whose treatment ended
for toxicity (``end_of_treatment_reason``): a patient's course is fixed within its
stratum (same draws at every evaluation), so this count per stratum is exactly linear in
the estimates even though it is a hard count in the model's other parameters (its
sensitivity to them comes through the strata's courses).

A fit uses the smooth figures (``figure = "orr_smooth"``...); validation checks the hard
ones (tests/test_trial_validation.py). docs/calibration.md says more.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from xposim.calibration.context import Context, Session
from xposim.disease.ctcae import grading_rules, platelet_grade
from xposim.errors import InputError

DAYS_PER_MONTH = 30.4375
#: IMWG lines on the M-protein ratio to baseline (Kumar et al., Lancet Oncol 2016): VGPR
#: a >= 90% fall of serum M-protein, PR >= 50%, MR >= 25%.
VGPR_RATIO, PR_RATIO, MR_RATIO = 0.10, 0.50, 0.75
#: CTCAE v5.0 platelet and neutrophil lines (10⁹/L), read from the grading table
#: (xposim/disease/ctcae_v5.toml: grades 1-4 below 150, 75, 50, 25 platelets; grade 3
#: below 1.0 neutrophils).
PLATELET_LINES = grading_rules()["platelet_count_decreased"].thresholds
PLATELET_LLN, PLATELET_GRADE3, PLATELET_GRADE4 = (PLATELET_LINES[0], PLATELET_LINES[2],
                                                  PLATELET_LINES[3])
NEUTROPHIL_GRADE3 = grading_rules()["neutrophil_count_decreased"].thresholds[2]
#: CTCAE v4.03 grade 3 hyponatraemia: sodium below 130 mmol/L (the grading STORM and the
#: label's 22% used; xposim/disease/ctcae_v5.toml ``hyponatremia_v4``).
SODIUM_GRADE3 = grading_rules()["hyponatremia_v4"].thresholds[2]
#: Width (mmol/L) of the soft count of the sodium nadir against its line: sodium varies
#: over a few mmol/L (a log width as the platelets' would span the whole grade 3 band).
SODIUM_WIDTH = 0.5
#: The label's dose rules act below 75 × 10⁹/L platelets and 1.0 × 10⁹/L neutrophils
#: (xposim/patient/dose_rules.toml, selinexor-mm).
PLATELET_RULE, NEUTROPHIL_RULE = 75.0, 1.0
#: ... and always (mandatory rules sel-plt-lt25, sel-anc-lt0.5-or-fn) below 25 and 0.5.
PLATELET_MANDATORY, NEUTROPHIL_MANDATORY = 25.0, 0.5
#: The hard figures (as the trial endpoints report them) and their smooth versions.
HARD_FIGURES: tuple[str, ...] = (
    "orr", "vgpr_or_better", "mr_or_better", "median_time_to_response_weeks", "median_pfs_months",
    "median_duration_of_response_months", "dose_modified", "grade34_thrombocytopenia",
    "median_onset_thrombocytopenia_days", "any_grade_thrombocytopenia",
    "grade4_thrombocytopenia", "grade34_neutropenia", "grade34_hyponatremia",
    "discontinued_toxicity")
SMOOTH_FIGURES: tuple[str, ...] = tuple(f"{f}_smooth" for f in HARD_FIGURES)
_M, _PLT, _ANC = "m_protein_g_dl", "platelets_1e9_per_l", "neutrophils_1e9_per_l"
_NA = "sodium_mmol_per_l"


def trial_endpoints(ctx: Context, *, protocol: str, n: int, seed: int,
                    arm: str | None = None, workers: int = 1, chunk_size: int = 25,
                    population: Mapping[str, str | Sequence[str]] | None = None,
                    response_width: float = 0.05, platelet_log_width: float = 0.1,
                    adherence: str | None = None, adherence_design: float = 0.5,
                    discontinuation: str | None = None,
                    discontinuation_design: float = 0.5,
                    ) -> dict[str, float]:
    """Run ``arm`` of ``protocol`` (a built-in name or a .toml file) with ``n`` subjects
    and ``seed``, the trial values as ``set`` overrides, and return its figures (see the
    module docstring): :data:`HARD_FIGURES` and :data:`SMOOTH_FIGURES` (NaN = not
    estimable, e.g. a median not reached), plus ``n_evaluable``.

    Trial values of patient-model parameters are fixed for every patient (canonical
    units); ``population`` maps an estimated name to the population setting(s) it sets
    instead (``section.entry.field``, e.g. ``parameters.pi_resistance.median``, in the
    population's own unit; a list sets several fields to the one value, e.g. one SD
    shared by two entries). A model parameter's own name may be mapped to its
    population median: the estimate is then the typical value the patients vary around,
    not a value fixed for every patient. ``adherence``: the estimated parameter that is
    the arm's rule adherence, run at ``adherence_design`` and mixed (module docstring).
    ``discontinuation``: the estimated parameter that is the arm's
    ``toxicity_discontinuation``, run at ``discontinuation_design`` and mixed the same way.
    ``workers`` > 1 runs on a local Dask cluster kept by the
    calibration's session across evaluations (each worker compiles the model once).
    """
    from xposim.trials.protocol import load_protocol
    from xposim.trials.run import run_trial
    from xposim.trials.store import TrialFolder

    for name, v in (("response_width", response_width),
                    ("platelet_log_width", platelet_log_width)):
        if not (isinstance(v, int | float) and 0 < v < 1):
            raise InputError(name, "must be a kernel width in (0, 1)", got=v)
    if adherence is not None and not (isinstance(adherence_design, int | float)
                                      and 0 < adherence_design < 1):
        raise InputError("adherence_design", "must be in (0, 1): both strata are run",
                         got=adherence_design)
    if discontinuation is not None and not (isinstance(discontinuation_design, int | float)
                                            and 0 < discontinuation_design < 1):
        raise InputError("discontinuation_design", "must be in (0, 1): both strata are run",
                         got=discontinuation_design)
    proto = load_protocol(protocol)
    if arm is None:
        if len(proto.arm_names) != 1:
            raise InputError("arm", f"protocol {proto.name} has arms "
                             f"{', '.join(proto.arm_names)}: name one")
        arm = proto.arm_names[0]
    if arm not in proto.arm_names:
        raise InputError("arm", f"must be one of {', '.join(proto.arm_names)}", got=arm)
    if proto.spec.protocol.disease != "myeloma":
        raise InputError("protocol", "the trial figures are defined for myeloma (IMWG) "
                         "arms", got=proto.name)
    own: Session | None = None
    session = ctx.session
    if session is None:  # a call outside a calibration: a session of its own
        own = session = Session()
    try:
        sim = _simulator(session)
        settings = _settings(ctx, sim, proto, population or {},
                             tuple(x for x in (adherence, discontinuation) if x is not None))
        if adherence is not None:
            settings[f"arms.{arm}.rule_adherence"] = float(adherence_design)
        if discontinuation is not None:
            settings[f"arms.{arm}.toxicity_discontinuation"] = float(discontinuation_design)
        backend, client = "serial", None
        if workers > 1:
            backend, client = "dask", session.get(("dask", int(workers)),
                                                  lambda stack: _dask(stack, int(workers)))
        with tempfile.TemporaryDirectory(prefix="xposim-calibration-") as tmp:
            run = run_trial(proto, n=n, seed=seed, out=Path(tmp) / "run", simulator=sim,
                            backend=backend, workers=max(int(workers), 1), client=client,  # type: ignore[arg-type]
                            chunk_size=chunk_size, settings=settings,
                            command=f"xposim calibrate (trial_endpoints {proto.name})")
            folder = TrialFolder.existing(run.path)
            subjects = folder.read("subjects", arms=[arm])
            tc = folder.read("time_course", columns=["day", "variable", "value"], arms=[arm])
            decisions = folder.read("decisions", arms=[arm])
        hard = run.endpoints["arms"][arm]
    finally:
        if own is not None:
            own.close()
    ok = subjects[subjects["failure"].astype(str).str.len() == 0]
    out = {
        "orr": hard.get("orr"), "vgpr_or_better": hard.get("vgpr_or_better"),
        "mr_or_better": hard.get("mr_or_better"),
        "median_time_to_response_weeks": hard.get("median_time_to_response_weeks"),
        "median_pfs_months": hard.get("median_pfs_months"),
        "median_duration_of_response_months": hard.get("median_dor_months"),
        "dose_modified": hard.get("dose_modified"),
        "grade34_thrombocytopenia": hard.get("grade34_thrombocytopenia"),
        "median_onset_thrombocytopenia_days": hard.get("median_onset_thrombocytopenia_days"),
        "grade34_neutropenia": hard.get("grade34_neutropenia"),
        "grade34_hyponatremia": hard.get("grade34_hyponatremia"),
        "any_grade_thrombocytopenia": hard.get("any_grade_thrombocytopenia"),
        "grade4_thrombocytopenia": hard.get("grade4_thrombocytopenia"),
        "discontinued_toxicity": hard.get("discontinued_toxicity"),
        "n_evaluable": len(ok)}
    adherent = p = None
    run_adherence = proto.arm_plan(arm).rule_adherence if adherence is None else float(
        adherence_design)
    if adherence is not None:
        p = ctx.value(adherence)
        if not 0.0 <= p <= 1.0:
            raise InputError(adherence, "rule adherence must be in [0, 1]", got=p)
    if run_adherence < 1.0:  # each patient's investigator, as the run drew it
        adherent = dict(zip(ok["subject_id"].astype(int),
                            ok["investigator_adherent"].astype(bool), strict=True))
    stopper = q = None
    if discontinuation is not None:
        q = ctx.value(discontinuation)
        if not 0.0 <= q <= 1.0:
            raise InputError(discontinuation, "toxicity discontinuation must be in [0, 1]",
                             got=q)
        stopper = dict(zip(ok["subject_id"].astype(int),
                           ok["stops_for_toxicity"].astype(bool), strict=True))
    plan = proto.with_rule_adherence(arm, 1.0).arm_plan(arm)
    out.update(smooth_figures(ok, tc[tc["subject_id"].isin(ok["subject_id"])], decisions,
                              assessment_days=plan.assessment_days,
                              lab_days=plan.lab_days,
                              response_width=response_width,
                              platelet_log_width=platelet_log_width,
                              adherent=adherent, adherence=p,
                              stopper=stopper, discontinuation=q))
    return {k: (math.nan if v is None else float(v)) for k, v in out.items()}


def _simulator(session: Session) -> Any:
    """The patient model (built once per session: composing and compiling takes seconds)."""
    from xposim.trials.model import patient_model_recipe

    recipe = patient_model_recipe()
    return session.get(("trial-simulator", recipe.key()), lambda stack: recipe.build())


def _dask(stack: ExitStack, workers: int) -> Any:
    from xposim.trials.run import connect_dask

    client = connect_dask(None, workers)
    cluster = client.cluster

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    stack.callback(close)
    return client


def _settings(ctx: Context, sim: Any, proto: Any,
              population: Mapping[str, str | Sequence[str]],
              protocol_values: Sequence[str] = ()) -> dict[str, float]:
    """The run's ``set`` overrides: model parameters (canonical units) and population
    settings; every trial value must land somewhere."""
    names = list(sim.parameter_values())
    units_of = getattr(sim, "parameter_units", None)
    units: dict[str, str | None] = (dict(units_of()) if callable(units_of)
                                    else dict.fromkeys(names))
    for name in population:
        if name not in ctx.values:
            raise InputError("population", f"{name} is not an estimated parameter of this "
                             "calibration", got=name)
    model_values = {n: v for n, v in ctx.values.items()
                    if n not in population and n not in protocol_values}
    unknown = sorted(n for n in model_values if n not in units)
    if unknown:
        raise InputError("parameters", f"not parameters of the patient model {sim.name} "
                         "(nor population settings given in args.population)",
                         got=", ".join(unknown))
    # an estimate mapped to population settings is not also fixed for every patient: a
    # model parameter's name mapped to its population median (e.g. plt_sel_emax ->
    # parameters.plt_sel_emax.median) estimates the typical value the patients vary around
    out = ctx.for_units({n: u for n, u in units.items()
                         if n not in population and n not in protocol_values})
    pop = proto.population
    for name, paths in population.items():
        for path in ([paths] if isinstance(paths, str) else list(paths)):
            section, _, rest = str(path).partition(".")
            entry = rest.partition(".")[0]
            entries = {e.name: e for e in getattr(pop, section, ())} if section in (
                "covariates", "parameters", "pk_iiv") else {}
            if entry not in entries:
                raise InputError("population", f"{path}: population {pop.name} has no such "
                                 "entry", got=path)
            unit = entries[entry].unit or "dimensionless"
            declared = ctx.units[name]
            if declared not in (unit, "1") or (declared == "1" and unit not in
                                               ("dimensionless", "1")):
                raise InputError(f"population {name}", f"declared in {declared}, the "
                                 f"population entry {path} is in {unit}", got=declared)
            out[str(path)] = ctx.value(name)
    return out


# -- smooth figures (pure functions of a run's tables) ---------------------------------


def smooth_figures(subjects: pd.DataFrame, time_course: pd.DataFrame,
                   decisions: pd.DataFrame, *, assessment_days: Any, lab_days: Any,
                   response_width: float = 0.05, platelet_log_width: float = 0.1,
                   adherent: Mapping[int, bool] | None = None,
                   adherence: float | None = None,
                   stopper: Mapping[int, bool] | None = None,
                   discontinuation: float | None = None) -> dict[str, float]:
    """The smooth versions of the figures (module docstring) from one arm's evaluable
    subjects, their visit time courses (``subject_id, day, variable, value``: M-protein
    and platelets at every visit) and decision log. ``adherent`` (subject id -> the
    investigator followed the discretionary rules) with ``adherence`` (the probability
    to mix the two strata with, None: no mixture, each patient counted as run): the
    rule-adherence mixture (module docstring). ``stopper`` (subject id -> the patient
    stops at the first grade >= 3 event) with ``discontinuation`` (its probability): the
    toxicity-discontinuation mixture, the case weights the product of the two mixtures'
    (module docstring)."""
    assess = np.asarray(assessment_days, float)
    interval = float(np.median(np.diff(assess))) if assess.size > 1 else 28.0
    labs = set(np.round(np.asarray(lab_days, float), 9))
    per = _per_subject(subjects, time_course, decisions, assess, labs, interval)
    out: dict[str, float] = {}
    if per.empty:
        return dict.fromkeys(SMOOTH_FIGURES, math.nan)
    # case weights: None (every patient alike, as without a mixture) or the mixture's
    adh = np.ones(len(per), bool)
    if adherent is not None:
        adh = per["subject_id"].map(lambda s: bool(adherent[int(s)])).to_numpy(bool)
    traits: list[tuple[np.ndarray, float]] = []
    if adherence is not None:
        if adherent is None or not 0.0 <= adherence <= 1.0:
            raise InputError("adherence", "must be a probability in [0, 1], given with "
                             "adherent", got=adherence)
        traits.append((adh, adherence))
    if discontinuation is not None:
        if stopper is None or not 0.0 <= discontinuation <= 1.0:
            raise InputError("discontinuation", "must be a probability in [0, 1], given "
                             "with stopper", got=discontinuation)
        traits.append((per["subject_id"].map(lambda s: bool(stopper[int(s)])).to_numpy(bool),
                       discontinuation))
    cw = mixture_weights(traits) if traits else None

    def mean(x: np.ndarray) -> float:
        return float(np.mean(x) if cw is None else np.average(x, weights=cw))

    def times(w: np.ndarray) -> np.ndarray:
        return w if cw is None else w * cw

    w_pr = expit((PR_RATIO - per["ratio"].to_numpy()) / response_width)
    w_mr = expit((MR_RATIO - per["ratio"].to_numpy()) / response_width)
    w_vgpr = expit((VGPR_RATIO - per["ratio"].to_numpy())
                   / (response_width * VGPR_RATIO / PR_RATIO))
    out["orr_smooth"] = mean(w_pr)
    out["vgpr_or_better_smooth"] = mean(w_vgpr)
    out["mr_or_better_smooth"] = mean(w_mr)
    t_pr = per["t_pr"].to_numpy()
    has = np.isfinite(t_pr)
    out["median_time_to_response_weeks_smooth"] = weighted_median(
        t_pr[has], times(w_pr)[has]) / 7.0
    pfs_t = per["pfs_t"].to_numpy()
    pfs_e = per["pfs_event"].to_numpy(bool)
    out["median_pfs_months_smooth"] = km_median(pfs_t / DAYS_PER_MONTH, pfs_e, cw)
    dor = per["dor_t"].to_numpy()
    ok = np.isfinite(dor) & has
    out["median_duration_of_response_months_smooth"] = km_median(
        dor[ok] / DAYS_PER_MONTH, per["pfs_event"].to_numpy(bool)[ok], times(w_pr)[ok])
    lw = platelet_log_width
    nadir = per["plt_nadir"].to_numpy()
    out["grade34_thrombocytopenia_smooth"] = mean(
        expit((math.log(PLATELET_GRADE3) - np.log(nadir)) / lw))
    out["any_grade_thrombocytopenia_smooth"] = mean(
        expit((np.log(per["plt_worse_line"].to_numpy()) - np.log(nadir)) / lw))
    out["grade4_thrombocytopenia_smooth"] = mean(
        expit((math.log(PLATELET_GRADE4) - np.log(nadir)) / lw))
    out["grade34_neutropenia_smooth"] = mean(
        expit((math.log(NEUTROPHIL_GRADE3) - np.log(per["anc_nadir"].to_numpy())) / lw))
    out["grade34_hyponatremia_smooth"] = mean(
        expit((SODIUM_GRADE3 - per["na_nadir"].to_numpy()) / SODIUM_WIDTH))
    # the lines that modify the dose: the discretionary ones for an adherent investigator,
    # the mandatory ones otherwise
    plt_line = np.where(adh, PLATELET_RULE, PLATELET_MANDATORY)
    anc_line = np.where(adh, NEUTROPHIL_RULE, NEUTROPHIL_MANDATORY)
    s_plt = expit((np.log(plt_line) - np.log(per["plt_nadir_pre"].to_numpy())) / lw)
    s_anc = expit((np.log(anc_line) - np.log(per["anc_nadir_pre"].to_numpy())) / lw)
    soft_mod = 1.0 - (1.0 - s_plt) * (1.0 - s_anc)
    other = per["modified_other"].to_numpy(bool)
    out["dose_modified_smooth"] = mean(np.where(other, 1.0, soft_mod))
    out["discontinued_toxicity_smooth"] = mean(per["eot_toxicity"].to_numpy(float))
    onset = per["t_onset"].to_numpy()
    fin = np.isfinite(onset)
    if cw is None:
        out["median_onset_thrombocytopenia_days_smooth"] = (
            float(np.median(onset[fin])) if fin.any() else math.nan)
    else:
        out["median_onset_thrombocytopenia_days_smooth"] = weighted_median(onset[fin],
                                                                           cw[fin])
    return out


def _per_subject(subjects: pd.DataFrame, tc: pd.DataFrame, decisions: pd.DataFrame,
                 assess: np.ndarray, labs: set[float], interval: float) -> pd.DataFrame:
    from xposim.patient.response import assess_imwg

    m = tc[tc["variable"] == _M]
    p = tc[tc["variable"] == _PLT]
    a = tc[tc["variable"] == _ANC]
    na = tc[tc["variable"] == _NA]
    m_by = {k: g.sort_values("day") for k, g in m.groupby("subject_id")}
    p_by = {k: g.sort_values("day") for k, g in p.groupby("subject_id")}
    a_by = {k: g.sort_values("day") for k, g in a.groupby("subject_id")}
    na_by = {k: g.sort_values("day") for k, g in na.groupby("subject_id")}
    mods = decisions[decisions["action"].isin(("hold", "reduce"))] if len(decisions) else \
        decisions
    first_mod: dict[int, tuple[float, bool]] = {}
    for sid, g in mods.groupby("subject_id") if len(mods) else ():
        day = float(g["day"].min())
        trig = g[g["day"] == day]["lab"].astype(str)
        first_mod[int(sid)] = (day, bool(trig.isin((_PLT, _ANC)).any()))
    assess_set = set(np.round(assess, 9))
    rows = []
    for s in subjects.itertuples(index=False):
        sid = int(s.subject_id)
        mg = m_by.get(sid)
        pg = p_by.get(sid)
        if mg is None or pg is None or mg.empty or pg.empty:
            continue
        days = mg["day"].to_numpy(float)
        vals = mg["value"].to_numpy(float)
        base = float(vals[0])
        on_assess = np.array([round(d, 9) in assess_set for d in days])
        a_days, a_vals = days[on_assess], vals[on_assess]
        ratio, j_pd = _confirmed_best_ratio(a_days, a_vals, assess_imwg)
        pd_day = float(s.progression_day) if s.pfs_event and math.isfinite(
            float(s.progression_day)) else math.nan
        on_labs = np.array([round(d, 9) in labs for d in days])
        l_days, l_vals = days[on_labs], vals[on_labs]
        t_pr = _first_crossing_down(l_days, l_vals / base if base > 0 else l_vals * np.nan,
                                    PR_RATIO)
        if math.isfinite(pd_day):
            t_pd = _progression_crossing(l_days[l_days <= pd_day + 1e-9],
                                         l_vals[l_days <= pd_day + 1e-9])
            t_pd = pd_day if not math.isfinite(t_pd) else min(max(t_pd, pd_day - interval),
                                                               pd_day)
            pfs_t = t_pd + interval / 2.0
        else:
            t_pd = math.nan
            pfs_t = float(s.pfs_days)
        if math.isfinite(t_pr) and (not math.isfinite(t_pd) or t_pr < t_pd):
            dor_t = (t_pd - t_pr) if math.isfinite(t_pd) else max(float(s.pfs_days) - t_pr,
                                                                  0.0)
        else:
            dor_t = math.nan
        pdays = pg["day"].to_numpy(float)
        pvals = pg["value"].to_numpy(float)
        on_plabs = np.array([round(d, 9) in labs for d in pdays])
        pl_days, pl_vals = pdays[on_plabs], pvals[on_plabs]
        if pl_vals.size == 0:
            pl_days, pl_vals = pdays[:1], pvals[:1]
        nadir = float(pl_vals.min())
        first = first_mod.get(sid)
        pre = pl_vals[pl_days <= float(s.end_of_treatment_day) + 1e-9]
        nadir_pre = float(pre.min()) if pre.size else float(pl_vals[0])
        anc_nadir_pre = _on_treatment_nadir(a_by.get(sid), labs, float(s.end_of_treatment_day))
        anc_nadir = _on_treatment_nadir(a_by.get(sid), labs, math.inf)
        na_nadir = _on_treatment_nadir(na_by.get(sid), labs, math.inf)
        onset = (_first_crossing_down(pl_days, pl_vals, PLATELET_LLN, strict=True)
                 if pl_vals[0] >= PLATELET_LLN else math.nan)
        rows.append({"subject_id": sid, "ratio": ratio, "j_pd": j_pd, "t_pr": t_pr,
                     "pfs_t": pfs_t, "pfs_event": math.isfinite(pd_day), "dor_t": dor_t,
                     "plt_nadir": max(nadir, 1e-6), "plt_nadir_pre": max(nadir_pre, 1e-6),
                     "anc_nadir_pre": max(anc_nadir_pre, 1e-6),
                     "anc_nadir": max(anc_nadir, 1e-6), "na_nadir": na_nadir,
                     "plt_worse_line": _worsening_line(float(pl_vals[0])),
                     "modified_other": first is not None and not first[1],
                     # (a table without the column: no treatment ended for toxicity)
                     "eot_toxicity": str(getattr(s, "end_of_treatment_reason", ""))
                     == "toxicity",
                     "t_onset": onset})
    return pd.DataFrame(rows)


def mixture_weights(traits: Sequence[tuple[np.ndarray, float]]) -> np.ndarray | None:
    """Case weights (mean 1) of a mixture of independent per-patient traits, each given
    as (whether each patient has it, the probability to mix with): each patient
    ``∏ P(its stratum of each trait) / n_cell``, shared among the patients of its cell of
    the 2 × … × 2 table (the trial's expectation, linear in each probability; one trait:
    ``p/n_a`` and ``(1 − p)/n_n``). When a cell of positive probability is empty (a small
    run) the product of the traits' marginal weights, normalised. None when a trait's two
    strata are not both present (then no mixture: each patient as run)."""
    masks = [np.asarray(m, bool) for m, _ in traits]
    probs = [float(p) for _, p in traits]
    if not masks or any(m.all() or not m.any() for m in masks):
        return None
    n = masks[0].size
    prob = np.ones(n)
    cell = np.zeros(n, int)
    for m, p in zip(masks, probs, strict=True):
        prob = prob * np.where(m, p, 1.0 - p)
        cell = cell * 2 + m
    count = np.bincount(cell, minlength=2 ** len(masks))
    bits = [[(c >> (len(masks) - 1 - k)) & 1 for k in range(len(masks))]
            for c in range(2 ** len(masks))]
    needed = [c for c, b in enumerate(bits)
              if math.prod(p if x else 1.0 - p for x, p in zip(b, probs, strict=True)) > 0]
    if all(count[c] for c in needed):
        return prob / count[cell] * n
    w = np.ones(n)
    for m, p in zip(masks, probs, strict=True):
        w = w * np.where(m, p / m.sum(), (1.0 - p) / (~m).sum())
    return w * n / w.sum() if w.sum() > 0 else None


def _worsening_line(baseline: float) -> float:
    """The platelet line (10⁹/L) below which a patient's grade exceeds its baseline grade
    (the CTCAE line under the baseline count)."""
    grade = int(platelet_grade(baseline))
    if grade < len(PLATELET_LINES):
        return PLATELET_LINES[grade]
    return PLATELET_LINES[-1] / 2.0  # already grade 4: worsening is not defined; a far line


def _on_treatment_nadir(g: pd.DataFrame | None, labs: set[float], end: float) -> float:
    """The lowest lab value up to the end of treatment (inf without the variable: a model
    that does not simulate it never triggers its rule)."""
    if g is None or g.empty:
        return math.inf
    days = g["day"].to_numpy(float)
    vals = g["value"].to_numpy(float)
    keep = np.array([round(d, 9) in labs for d in days]) & (days <= end + 1e-9)
    return float(vals[keep].min()) if keep.any() else float(vals[0])


def _confirmed_best_ratio(days: np.ndarray, values: np.ndarray, assess_imwg: Any
                          ) -> tuple[float, int]:
    """The best confirmed M-protein ratio to baseline: over the pairs of consecutive
    post-baseline assessments up to confirmed progression, the lower of the pair's two
    levels counted at the higher (IMWG confirmation); ``inf`` when not evaluable (fewer
    than two post-baseline assessments, or a baseline below the measurable 0.5 g/dL)."""
    if values.size < 3 or values[0] < 0.5:
        return math.inf, -1
    r = assess_imwg(days, values).subject(0)
    v = values.size
    j_pd = v if r.progression_day is None else int(np.searchsorted(days, r.progression_day))
    ratio = values / values[0]
    pairs = np.maximum(ratio[1:-1], ratio[2:])
    first = np.arange(1, v - 1)
    valid = first <= j_pd
    return (float(pairs[valid].min()) if valid.any() else math.inf), j_pd


def _first_crossing_down(days: np.ndarray, values: np.ndarray, line: float, *,
                         strict: bool = False) -> float:
    """The first time ``values`` reach ``line`` from above (``< line`` when ``strict``),
    linear between the visits; NaN if never."""
    below = values < line if strict else values <= line
    if values.size == 0 or not below.any():
        return math.nan
    k = int(np.argmax(below))
    if k == 0:
        return float(days[0])
    v0, v1 = values[k - 1], values[k]
    frac = (v0 - line) / (v0 - v1) if v0 != v1 else 1.0
    return float(days[k - 1] + min(max(frac, 0.0), 1.0) * (days[k] - days[k - 1]))


def _progression_crossing(days: np.ndarray, values: np.ndarray) -> float:
    """The first time the M-protein reaches the IMWG progression threshold of its nadir
    (max(1.25 × nadir, nadir + 0.5 g/dL); nadir + 1 g/dL from 5 g/dL), linear between the
    visits; the nadir is the lowest level seen at two consecutive visits (or baseline)."""
    if values.size < 2:
        return math.nan
    nadir = float(values[0])
    for k in range(1, values.size):
        if k >= 2:
            nadir = min(nadir, float(max(values[k - 2], values[k - 1])))
        thr = nadir + 1.0 if nadir >= 5.0 else max(1.25 * nadir, nadir + 0.5)
        if values[k] >= thr:
            v0, v1 = float(values[k - 1]), float(values[k])
            frac = (thr - v0) / (v1 - v0) if v1 > v0 else 1.0
            return float(days[k - 1] + min(max(frac, 0.0), 1.0) * (days[k] - days[k - 1]))
    return math.nan


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``values`` weighted by ``weights``, interpolated between the
    midpoints of the sorted weights (continuous in values and weights); NaN when the
    weights sum to ~0."""
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    if v.size == 0 or w.sum() <= 1e-12:
        return math.nan
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(0.5 * w.sum(), cum, v))


def km_median(durations: np.ndarray, events: np.ndarray,
              weights: np.ndarray | None = None) -> float:
    """Kaplan–Meier median (lifelines), optionally with case weights. When the curve
    stays above 0.5, the median extrapolated exponentially from its last point,
    ``t_last·ln 0.5 / ln S(t_last)`` — equal to the KM median where the curve reaches 0.5,
    so the figure stays continuous (and finite: a fit's residuals must be) as a parameter
    change makes the median reachable; capped at 100 × t_last without events. NaN only
    without subjects."""
    import warnings

    from lifelines import KaplanMeierFitter

    d = np.asarray(durations, float)
    events = np.asarray(events, bool)
    if weights is not None:  # cases of weight 0 are not there (lifelines rejects them)
        weights = np.asarray(weights, float)
        keep = weights > 0
        d, events, weights = d[keep], events[keep], weights[keep]
    if d.size == 0 or (weights is not None and float(np.sum(weights)) <= 1e-12):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about non-integer weights
        kmf = KaplanMeierFitter().fit(d, np.asarray(events, bool), weights=weights)
    m = float(kmf.median_survival_time_)
    if math.isfinite(m):
        return m
    sf = kmf.survival_function_.iloc[:, 0]
    t_last, s_last = float(sf.index[-1]), float(sf.iloc[-1])
    if t_last <= 0:
        return math.nan
    if s_last >= 1.0 - 1e-12:
        return 100.0 * t_last
    return min(t_last * math.log(0.5) / math.log(s_last), 100.0 * t_last)
