"""Figures of a virtual trial (matplotlib; the caller chooses the backend).

Each function takes tidy tables of a run (see xposim.trials.store) and returns a Figure:
Kaplan–Meier with CI bands and numbers at risk, waterfall of best tumour-marker change
with the IMWG (or Lugano) lines, swimmer plot, spaghetti plots with CTCAE thresholds,
PK/occupancy bands, forest plot, exposure–response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from xposim.trials.endpoints import DAYS_PER_MONTH

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
#: CTCAE v5 platelet-count grade limits (10⁹/L): < LLN (150) G1, < 75 G2, < 50 G3, < 25 G4.
PLATELET_GRADES = ((150.0, "G1 <150"), (75.0, "G2 <75"), (50.0, "G3 <50"), (25.0, "G4 <25"))


def km_figure(subjects: pd.DataFrame, arms: Sequence[str], *, duration: str = "pfs_days",
              event: str = "pfs_event", title: str = "Progression-free survival") -> Figure:
    """Kaplan–Meier curves (months) with 95% bands and numbers at risk below."""
    from lifelines import KaplanMeierFitter

    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.add_axes((0.1, 0.32, 0.86, 0.6))
    tab = fig.add_axes((0.1, 0.04, 0.86, 0.16))
    tab.axis("off")
    horizon = float(subjects[duration].max() / DAYS_PER_MONTH) if len(subjects) else 1.0
    ticks = np.linspace(0, max(horizon, 1.0), 7).round(1)
    for i, arm in enumerate(arms):
        df = subjects[subjects["arm"] == arm]
        if not len(df):
            continue
        kmf = KaplanMeierFitter().fit(df[duration] / DAYS_PER_MONTH,
                                      df[event].astype(bool), label=arm)
        sf, ci = kmf.survival_function_, kmf.confidence_interval_
        c = COLORS[i % len(COLORS)]
        ax.step(sf.index, sf.iloc[:, 0], where="post", color=c, label=f"{arm} (n={len(df)})")
        ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=c,
                        alpha=0.18, linewidth=0)
        at_risk = [int((df[duration] / DAYS_PER_MONTH >= t).sum()) for t in ticks]
        tab.text(-0.02, 0.8 - 0.3 * i, arm, ha="right", va="center", color=c, fontsize=8,
                 transform=tab.transAxes)
        for t, k in zip(ticks, at_risk, strict=True):
            tab.text(t / max(horizon, 1.0), 0.8 - 0.3 * i, str(k), ha="center", va="center",
                     fontsize=8, transform=tab.transAxes)
    tab.set_title("numbers at risk", fontsize=8, loc="left")
    ax.set_xlim(0, max(horizon, 1.0))
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.02)
    ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("months")
    ax.set_ylabel("probability")
    ax.set_title(f"{title} (Kaplan–Meier, 95% CI)")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def waterfall_figure(subjects: pd.DataFrame, arms: Sequence[str], *, lugano: bool) -> Figure:
    """Best change of the tumour marker per subject, sorted, with response lines."""
    fig = Figure(figsize=(7.5, 3.2 * len(arms)))
    axes = fig.subplots(len(arms), 1, squeeze=False)[:, 0]
    lines = ((0.5, "PD +50%"), (-0.5, "PR -50%")) if lugano else (
        (0.25, "PD +25%"), (-0.25, "MR -25%"), (-0.5, "PR -50%"), (-0.9, "VGPR -90%"))
    for ax, arm in zip(axes, arms, strict=True):
        ch = subjects.loc[subjects["arm"] == arm, "best_change"].dropna().sort_values(
            ascending=False).to_numpy() * 100
        colors = ["#d62728" if v > 0 else "#1f77b4" for v in ch]
        ax.bar(np.arange(ch.size), np.clip(ch, -100, 100), color=colors, width=1.0)
        for y, label in lines:
            ax.axhline(100 * y, color="grey", lw=0.7, ls="--")
            ax.text(ch.size, 100 * y, f" {label}", va="center", fontsize=7)
        ax.set_ylabel("best change (%)")
        ax.set_title(f"{arm}: best {'SPD' if lugano else 'M-protein'} change "
                     f"({'Lugano' if lugano else 'IMWG'} lines)")
        ax.set_xticks([])
        ax.set_ylim(-105, 105)
    fig.tight_layout()
    return fig


def swimmer_figure(subjects: pd.DataFrame, decisions: pd.DataFrame, arm: str,
                   max_subjects: int = 30) -> Figure:
    """Time on treatment per subject with dose holds/reductions, response and progression."""
    df = subjects[subjects["arm"] == arm].head(max_subjects)
    df = df.sort_values("end_of_treatment_day")
    fig = Figure(figsize=(7.5, 0.2 * len(df) + 1.6))
    ax = fig.add_subplot()
    ys = {sid: y for y, sid in enumerate(df["subject_id"])}
    ax.barh(range(len(df)), df["end_of_treatment_day"], color="#c6dbef", height=0.7)
    d = decisions[(decisions["arm"] == arm) & decisions["subject_id"].isin(ys)]
    for action, marker, color in (("reduce", "v", "#ff7f0e"), ("hold", "|", "#d62728"),
                                  ("discontinue", "x", "k")):
        sel = d[d["action"] == action]
        if len(sel):
            ax.scatter(sel["day"], sel["subject_id"].map(ys), marker=marker, color=color,
                       s=22, zorder=3, label=action)
    for col, marker, color, label in (("days_to_response", "*", "#2ca02c", "response"),
                                      ("progression_day", ">", "#9467bd", "progression")):
        sel = df[df[col].notna()]
        if len(sel):
            ax.scatter(sel[col], sel["subject_id"].map(ys), marker=marker, color=color,
                       s=30, zorder=4, label=label)
    ax.set_yticks(range(len(df)), [str(s) for s in df["subject_id"]], fontsize=6)
    ax.set_xlabel("study day")
    ax.set_ylabel("subject")
    ax.set_title(f"{arm}: time on treatment, dose changes, response (first {len(df)})")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def spaghetti_figure(time_course: pd.DataFrame, arms: Sequence[str], *, marker: str,
                     marker_unit: str) -> Figure:
    """Tumour marker and platelets per subject over time, with CTCAE platelet grades."""
    fig = Figure(figsize=(7.5, 3.0 * len(arms)))
    axes = fig.subplots(len(arms), 2, squeeze=False)
    for row, arm in enumerate(arms):
        tc = time_course[time_course["arm"] == arm]
        for col, (var, unit) in enumerate(((marker, marker_unit),
                                           ("platelets_1e9_per_l", "10^9/L"))):
            ax = axes[row, col]
            sub = tc[tc["variable"] == var]
            for _, g in sub.groupby("subject_id"):
                ax.plot(g["day"], g["value"], lw=0.6, alpha=0.5, color=COLORS[row])
            if var != "platelets_1e9_per_l" and len(sub) and (sub["value"] > 0).all():
                ax.set_yscale("log")  # tumour markers span decades
            if var == "platelets_1e9_per_l":
                for y, label in PLATELET_GRADES:
                    ax.axhline(y, color="grey", lw=0.6, ls="--")
                    ax.text(ax.get_xlim()[1] if len(sub) else 1, y, label, fontsize=6,
                            va="bottom", ha="right")
            ax.set_title(f"{arm}: {var}", fontsize=9)
            ax.set_xlabel("study day")
            ax.set_ylabel(unit)
    fig.tight_layout()
    return fig


def bands_figure(time_course: pd.DataFrame, arms: Sequence[str],
                 variables: Mapping[str, str]) -> Figure | None:
    """Median and 5–95% band over subjects at each visit day for each variable."""
    present = [v for v in variables if (time_course["variable"] == v).any()]
    if not present:
        return None
    fig = Figure(figsize=(7.5, 3.0 * len(present)))
    axes = fig.subplots(len(present), 1, squeeze=False)[:, 0]
    for ax, var in zip(axes, present, strict=True):
        for i, arm in enumerate(arms):
            sub = time_course[(time_course["arm"] == arm) & (time_course["variable"] == var)]
            if not len(sub):
                continue
            q = sub.groupby("day")["value"].quantile([0.05, 0.5, 0.95]).unstack()
            c = COLORS[i % len(COLORS)]
            ax.plot(q.index, q[0.5], color=c, label=f"{arm} median")
            ax.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=0.2, linewidth=0)
        ax.set_title(f"{var} at visits (median, 5-95% of subjects)", fontsize=9)
        ax.set_ylabel(variables[var])
        ax.set_xlabel("study day")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def forest_figure(subgroups: Mapping[str, Mapping[str, Any]],
                  hazard_ratios: Mapping[str, Any] | None = None) -> Figure | None:
    """ORR with 95% CI by subgroup and arm (and the PFS hazard ratio by subgroup)."""
    rows = [(arm, name, v) for arm, groups in subgroups.items() for name, v in groups.items()]
    if not rows:
        return None
    ncol = 2 if hazard_ratios else 1
    fig = Figure(figsize=(7.5 if ncol == 1 else 10, 0.32 * len(rows) + 1.4))
    axes = fig.subplots(1, ncol, squeeze=False)[0]
    ax = axes[0]
    arms = list(subgroups)
    for y, (arm, _name, v) in enumerate(rows):
        lo, hi = v["orr_ci"]
        c = COLORS[arms.index(arm) % len(COLORS)]
        if v["orr"] is not None:
            ax.errorbar(v["orr"], y, xerr=[[v["orr"] - (lo or 0)], [(hi or 1) - v["orr"]]],
                        fmt="s", color=c, capsize=2, ms=4)
    ax.set_yticks(range(len(rows)), [f"{a}: {n} (n={v['n']})" for a, n, v in rows],
                  fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("ORR (95% CI)")
    ax.set_title("Subgroups: overall response")
    if hazard_ratios:
        ax2 = axes[1]
        names = list(hazard_ratios)
        for y, name in enumerate(names):
            hr = hazard_ratios[name]
            lo, hi = hr["ci"]
            if hr.get("value") is None or lo is None or hi is None \
                    or not hr.get("converged", True):
                ax2.text(1.0, y, "not estimable", fontsize=7, va="center", ha="center")
                continue
            ax2.errorbar(hr["value"], y, xerr=[[hr["value"] - lo], [hi - hr["value"]]],
                         fmt="D", color="k", capsize=2, ms=4)
        ax2.axvline(1.0, color="grey", ls="--", lw=0.7)
        ax2.set_xscale("log")
        from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

        ax2.xaxis.set_major_locator(FixedLocator([0.125, 0.25, 0.5, 1, 2, 4, 8]))
        ax2.xaxis.set_major_formatter(ScalarFormatter())
        ax2.xaxis.set_minor_locator(NullLocator())
        ax2.set_yticks(range(len(names)), names, fontsize=7)
        ax2.invert_yaxis()
        ax2.set_xlabel("PFS hazard ratio (95% CI)")
        ax2.set_title("Subgroups: PFS hazard ratio")
    fig.tight_layout()
    return fig


def exposure_response_figure(er: Mapping[str, Mapping[str, Any]]) -> Figure | None:
    """ORR and grade 3–4 thrombocytopenia by exposure quartile, per arm."""
    if not er:
        return None
    fig = Figure(figsize=(7.5, 3.2 * len(er)))
    axes = fig.subplots(len(er), 1, squeeze=False)[:, 0]
    for ax, (arm, e) in zip(axes, er.items(), strict=True):
        qs = e["quartiles"]
        x = np.arange(len(qs))
        for off, key, color, label in ((-0.18, "orr", "#2ca02c", "ORR"),
                                       (0.18, "grade34_thrombocytopenia", "#d62728",
                                        "grade 3-4 thrombocytopenia")):
            vals = np.array([q[key] or 0.0 for q in qs])
            lo = np.array([q[f"{key}_ci"][0] or 0.0 for q in qs])
            hi = np.array([q[f"{key}_ci"][1] or 0.0 for q in qs])
            ax.bar(x + off, vals, width=0.36, color=color, alpha=0.8, label=label)
            ax.errorbar(x + off, vals, yerr=[vals - lo, hi - vals], fmt="none", color="k",
                        capsize=2, lw=0.8)
        ax.set_xticks(x, [f"Q{q['quartile']}\n{q['low']:.3g}-{q['high']:.3g}" for q in qs],
                      fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_ylabel("proportion (95% CI)")
        ax.set_title(f"{arm}: exposure-response by quartile of {e['metric']}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
