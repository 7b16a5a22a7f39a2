"""Trial endpoints per arm, with 95% confidence intervals.

From the subjects table of a run (one row per subject: the flattened
:class:`~xposim.patient.outcome.OutcomeSummary`, covariates ``cov_*``, parameters ``par_*``):

- proportions (ORR = ≥ PR; ≥ VGPR; ≥ MR; CBR; grade 3–4 toxicities; dose holds,
  reductions, modifications; discontinuation for toxicity) with the **exact
  Clopper–Pearson** 95% interval (:func:`clopper_pearson`); CBR is ≥ MR for IMWG (the
  STORM definition) and ≥ SD for Lugano (disease control);
- time to response: median (and range) among responders, in weeks, as trials report it;
- duration of response, PFS, OS: Kaplan–Meier (lifelines), median with its 95% CI
  (lifelines' log(-log) pointwise band, read where it crosses 0.5), in months of
  30.4375 days;
- hazard ratio of PFS between two arms: Cox proportional hazards (lifelines), the other
  arm against ``control_arm``, with its Wald 95% CI;
- thrombocytopenia also as any grade, new or worsening (the CTCAE maximum above the
  baseline grade: a patient at grade 1 at baseline counts from grade 2, as the label's
  tables count), and grade 4 (< 25 × 10⁹/L), with Clopper–Pearson intervals;
- onset: median first day of any-grade and of grade 3–4 toxicity among subjects with one;
- relative dose intensity per drug (median), time on treatment;
- subgroups (XPO1 expression above/below the arm's median, TP53 status, cytogenetic risk)
  and exposure–response (ORR and grade 3–4 thrombocytopenia by exposure quartile).

Subjects whose simulation failed are excluded and counted (``n_failed``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from xposim.disease.ctcae import platelet_grade
from xposim.patient.outcome import TOXICITIES
from xposim.patient.response import CATEGORIES

DAYS_PER_MONTH = 30.4375
RANK = {name: code for code, name in CATEGORIES.items()}
CI_METHOD = "Clopper-Pearson exact 95%"
KM_METHOD = ("Kaplan-Meier (lifelines), median with the 95% CI of the log(-log) "
             "pointwise band; months of 30.4375 days")
HR_METHOD = "Cox proportional hazards (lifelines), Wald 95% CI"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def clopper_pearson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper–Pearson) two-sided 1 - alpha interval of a binomial proportion."""
    from scipy.stats import beta

    if n <= 0:
        return (math.nan, math.nan)
    lo = 0.0 if x == 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x == n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def proportion(mask: Any) -> dict[str, Any]:
    m = np.asarray(mask, dtype=bool)
    x, n = int(m.sum()), int(m.size)
    lo, hi = clopper_pearson(x, n)
    return {"value": x / n if n else None, "ci": [_num(lo), _num(hi)], "x": x, "n": n}


def km_median(durations: Any, events: Any) -> dict[str, Any]:
    """Kaplan–Meier median (same unit as ``durations``) with its 95% CI (None = not
    reached / not estimable)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.size == 0:
        return {"median": None, "ci": [None, None], "events": 0, "n": 0}
    kmf = KaplanMeierFitter().fit(d, e)
    ci = median_survival_times(kmf.confidence_interval_)
    return {"median": _num(kmf.median_survival_time_),
            "ci": [_num(ci.iloc[0, 0]), _num(ci.iloc[0, 1])], "events": int(e.sum()),
            "n": int(d.size)}


def cox_hazard_ratio(durations: Any, events: Any, treated: Any) -> dict[str, Any]:
    """Hazard ratio of ``treated`` (1) vs control (0), Cox PH, with its 95% CI."""
    import warnings

    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceWarning

    df = pd.DataFrame({"t": np.asarray(durations, float), "e": np.asarray(events, bool),
                       "treated": np.asarray(treated, float)})
    if df["e"].sum() == 0 or df["treated"].nunique() < 2:
        return {"value": None, "ci": [None, None], "p": None, "converged": False}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        cph = CoxPHFitter().fit(df, "t", "e")
    s = cph.summary.loc["treated"]
    # small subgroups can separate completely: the estimate is then flagged, not trusted
    separated = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {"value": _num(s["exp(coef)"]), "ci": [_num(s["exp(coef) lower 95%"]),
                                                  _num(s["exp(coef) upper 95%"])],
            "p": _num(s["p"]), "converged": not separated}


def _rank(series: pd.Series) -> np.ndarray:
    return series.map(RANK).fillna(-1).to_numpy()


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(np.nan, index=df.index)


def arm_endpoints(df: pd.DataFrame) -> dict[str, Any]:
    """Endpoints of one arm's evaluable subjects (see the module docstring)."""
    n = len(df)
    out: dict[str, Any] = {"n": n}
    if n == 0:
        return out
    rank = _rank(df["best_response"])
    lugano = (df["response_criteria"] == "Lugano").all()

    def put(key: str, mask: Any) -> None:
        p = proportion(mask)
        out[key], out[f"{key}_ci"] = p["value"], p["ci"]

    put("orr", rank >= RANK["PR"])
    put("vgpr_or_better", rank >= RANK["VGPR"])
    if lugano:
        out["mr_or_better"], out["mr_or_better_ci"] = None, [None, None]
        put("cbr", rank >= RANK["SD"])
    else:
        put("mr_or_better", rank >= RANK["MR"])
        put("cbr", rank >= RANK["MR"])
    out["best_response_counts"] = {c: int((df["best_response"] == c).sum())
                                   for c in CATEGORIES.values()}
    ttr = _col(df, "days_to_response").dropna().to_numpy() / 7.0
    out["median_time_to_response_weeks"] = _num(np.median(ttr)) if ttr.size else None
    out["time_to_response_range_weeks"] = ([_num(ttr.min()), _num(ttr.max())] if ttr.size
                                           else [None, None])
    resp = df[rank >= RANK["PR"]]
    dor = km_median(resp["duration_of_response_days"] / DAYS_PER_MONTH,
                    ~resp["response_censored"].astype(bool))
    out["median_dor_months"], out["median_dor_months_ci"] = dor["median"], dor["ci"]
    pfs = km_median(df["pfs_days"] / DAYS_PER_MONTH, df["pfs_event"].astype(bool))
    out["median_pfs_months"], out["median_pfs_months_ci"] = pfs["median"], pfs["ci"]
    out["pfs_events"] = pfs["events"]
    if _col(df, "os_days").notna().any():
        os_ = km_median(df["os_days"] / DAYS_PER_MONTH, df["os_event"].astype(bool))
        out["median_os_months"], out["median_os_months_ci"] = os_["median"], os_["ci"]
    else:
        out["median_os_months"], out["median_os_months_ci"] = None, [None, None]
    for tox in TOXICITIES:
        first = _col(df, f"first_grade34_day_{tox}")
        put(f"grade34_{tox}", first.notna())
        any_ = _col(df, f"first_any_grade_day_{tox}").dropna()
        out[f"median_onset_{tox}_days"] = _num(any_.median()) if len(any_) else None
        out[f"median_onset_grade34_{tox}_days"] = (_num(first.dropna().median())
                                                   if first.notna().any() else None)
    worst = pd.to_numeric(_col(df, "max_grade_thrombocytopenia"), errors="coerce").to_numpy()
    counts = pd.to_numeric(_col(df, "baseline_platelets_1e9_per_l"),
                           errors="coerce").to_numpy(float)
    known = np.isfinite(counts)
    if known.any():  # subjects without a baseline count (none in a run) do not count
        base = np.full(n, np.inf)
        base[known] = platelet_grade(counts[known])
        put("any_grade_thrombocytopenia", worst > base)
        put("grade4_thrombocytopenia", worst >= 4)
    else:
        for key in ("any_grade_thrombocytopenia", "grade4_thrombocytopenia"):
            out[key], out[f"{key}_ci"] = None, [None, None]
    put("dose_held", df["dose_holds"] > 0)
    put("dose_reduced", df["dose_reductions"] > 0)
    put("dose_modified", df["dose_modified"].astype(bool))
    put("discontinued_toxicity", df["end_of_treatment_reason"] == "toxicity")
    out["mean_dose_holds"] = _num(df["dose_holds"].mean())
    out["mean_dose_reductions"] = _num(df["dose_reductions"].mean())
    out["median_treatment_weeks"] = _num(df["end_of_treatment_day"].median() / 7.0)
    out["end_of_treatment_reasons"] = {str(k): int(v) for k, v in
                                       df["end_of_treatment_reason"].value_counts().items()}
    out["relative_dose_intensity"] = {c.removeprefix("rdi_"): _num(df[c].median())
                                      for c in df.columns
                                      if c.startswith("rdi_") and df[c].notna().any()}
    out["median_platelet_nadir_1e9_per_l"] = _num(df["platelet_nadir_1e9_per_l"].median())
    return out


def subgroup_endpoints(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """ORR and median PFS by subgroup: XPO1 expression (above/below the arm's median of
    ``par_XPO1_total0``), TP53 status, cytogenetic risk."""
    groups: dict[str, pd.Series] = {}
    if "par_XPO1_total0" in df:
        med = df["par_XPO1_total0"].median()
        groups["XPO1 high"] = df["par_XPO1_total0"] > med
        groups["XPO1 low"] = df["par_XPO1_total0"] <= med
    if "cov_tp53_altered" in df:
        alt = df["cov_tp53_altered"].astype(bool)
        groups["TP53 altered"], groups["TP53 wild-type"] = alt, ~alt
    if "cov_high_risk" in df:
        hr = df["cov_high_risk"].astype(bool)
        groups["high-risk cytogenetics"], groups["standard-risk cytogenetics"] = hr, ~hr
    out = {}
    for name, mask in groups.items():
        sub = df[mask.to_numpy()]
        if not len(sub):
            continue
        p = proportion(_rank(sub["best_response"]) >= RANK["PR"])
        pfs = km_median(sub["pfs_days"] / DAYS_PER_MONTH, sub["pfs_event"].astype(bool))
        out[name] = {"n": len(sub), "orr": p["value"], "orr_ci": p["ci"],
                     "median_pfs_months": pfs["median"], "median_pfs_months_ci": pfs["ci"]}
    return out


def exposure_response(df: pd.DataFrame, metric: str) -> dict[str, Any] | None:
    """ORR and grade 3–4 thrombocytopenia by quartile of ``exposure_<metric>``."""
    col = f"exposure_{metric}"
    if col not in df or df[col].notna().sum() < 8:
        return None
    sub = df[df[col].notna()]
    q = pd.qcut(sub[col], 4, labels=False, duplicates="drop")
    rows = []
    for k in sorted(q.unique()):
        s = sub[(q == k).to_numpy()]
        orr = proportion(_rank(s["best_response"]) >= RANK["PR"])
        thr = proportion(s["first_grade34_day_thrombocytopenia"].notna())
        rows.append({"quartile": int(k) + 1, "n": len(s), "low": _num(s[col].min()),
                     "high": _num(s[col].max()), "orr": orr["value"], "orr_ci": orr["ci"],
                     "grade34_thrombocytopenia": thr["value"],
                     "grade34_thrombocytopenia_ci": thr["ci"]})
    return {"metric": metric, "quartiles": rows}


def trial_endpoints(subjects: pd.DataFrame, protocol: Any) -> dict[str, Any]:
    """Endpoints of a run: ``arms`` (per arm), ``hazard_ratio_pfs`` (two-arm protocols),
    ``subgroups``, ``exposure_response``, methods; JSON-ready (None for not estimable)."""
    failed = subjects["failure"].astype(str).str.len() > 0 if len(subjects) else []
    ok = subjects[~np.asarray(failed, dtype=bool)] if len(subjects) else subjects
    arms: dict[str, Any] = {}
    subgroups: dict[str, Any] = {}
    er: dict[str, Any] = {}
    metric = protocol.spec.protocol.exposure_metric
    for arm in protocol.arm_names:
        df = ok[ok["arm"] == arm]
        a = arm_endpoints(df)
        a["n_failed"] = int((subjects["arm"] == arm).sum() - len(df)) if len(subjects) else 0
        arms[arm] = a
        if len(df):
            subgroups[arm] = subgroup_endpoints(df)
            e = exposure_response(df, metric)
            if e is not None:
                er[arm] = e
    out: dict[str, Any] = {"protocol": protocol.name, "arms": arms, "subgroups": subgroups,
                           "exposure_response": er,
                           "methods": {"proportions": CI_METHOD, "time_to_event": KM_METHOD,
                                       "hazard_ratio": HR_METHOD}}
    control = protocol.spec.protocol.control_arm
    if len(protocol.arm_names) == 2 and control is not None:
        other = next(a for a in protocol.arm_names if a != control)
        two = ok[ok["arm"].isin([control, other])]
        hr = cox_hazard_ratio(two["pfs_days"], two["pfs_event"].astype(bool),
                              (two["arm"] == other).astype(float))
        out["hazard_ratio_pfs"] = hr["value"]
        out["hazard_ratio_pfs_ci"] = hr["ci"]
        out["hazard_ratio_pfs_p"] = hr["p"]
        out["hazard_ratio_pfs_arms"] = [other, control]
        sub_hr = {}
        for name in subgroups.get(other, {}):
            mask = _subgroup_mask(two, name)
            s = two[mask]
            sub_hr[name] = cox_hazard_ratio(s["pfs_days"], s["pfs_event"].astype(bool),
                                            (s["arm"] == other).astype(float))
        out["subgroup_hazard_ratio_pfs"] = sub_hr
    return _clean(out)


def _subgroup_mask(df: pd.DataFrame, name: str) -> np.ndarray:
    if name.startswith("XPO1"):
        med = df["par_XPO1_total0"].median()
        m = df["par_XPO1_total0"] > med
        return (m if name == "XPO1 high" else ~m).to_numpy()
    if name.startswith("TP53"):
        m = df["cov_tp53_altered"].astype(bool)
        return (m if name == "TP53 altered" else ~m).to_numpy()
    m = df["cov_high_risk"].astype(bool)
    return (m if name.startswith("high") else ~m).to_numpy()


def _clean(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return _num(x)
    return x


#: The per-arm keys ``xposim trial run --json`` always prints.
JSON_ARM_KEYS: tuple[str, ...] = (
    "n", "n_failed", "orr", "orr_ci", "vgpr_or_better", "mr_or_better", "mr_or_better_ci",
    "cbr", "median_pfs_months", "median_pfs_months_ci", "median_time_to_response_weeks",
    "median_dor_months", "grade34_thrombocytopenia", "grade34_thrombocytopenia_ci",
    "any_grade_thrombocytopenia", "grade4_thrombocytopenia",
    "median_onset_thrombocytopenia_days", "grade34_neutropenia", "grade34_hyponatremia",
    "dose_modified", "dose_held", "dose_reduced", "discontinued_toxicity",
    "relative_dose_intensity", "median_treatment_weeks")


def json_summary(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """What ``--json`` prints: ``{"arms": {NAME: {...}}}`` (+ ``hazard_ratio_pfs``)."""
    out: dict[str, Any] = {"protocol": endpoints.get("protocol"), "arms": {
        arm: {k: a.get(k) for k in JSON_ARM_KEYS} for arm, a in endpoints["arms"].items()}}
    if "hazard_ratio_pfs" in endpoints:
        out["hazard_ratio_pfs"] = endpoints["hazard_ratio_pfs"]
        out["hazard_ratio_pfs_ci"] = endpoints["hazard_ratio_pfs_ci"]
        out["hazard_ratio_pfs_arms"] = endpoints["hazard_ratio_pfs_arms"]
    return out
