"""One self-contained HTML report per trial run (figures embedded as base64 PNG).

Sections: protocol summary and run provenance; endpoints per arm beside the published
figures the protocol cites (``[[targets]]``, marked calibration / validation /
prediction); Kaplan–Meier PFS with numbers at risk and CI bands; waterfall; swimmer plot;
spaghetti plots with CTCAE platelet grades; PK and occupancy bands; forest plot;
exposure–response. Reads a bounded sample of the time courses (the first subjects of each
arm), so memory does not grow with the trial. ``xposim trial report DIR`` rebuilds it.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from xposim.errors import InputError
from xposim.io.atomic import atomic_file
from xposim.report import trial_plots as tp
from xposim.trials.protocol import parse_protocol
from xposim.trials.store import TrialFolder

#: Subjects per arm drawn in the spaghetti/swimmer plots and in the visit bands.
SPAGHETTI_SUBJECTS = 40
BAND_SUBJECTS = 500
_SUMMARY_COLUMNS = ("best_response", "best_change", "pfs_days", "pfs_event",
                    "end_of_treatment_day", "days_to_response", "progression_day",
                    "response_criteria", "failure")


def _img(fig: Figure | None, alt: str) -> str:
    if fig is None:
        return ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/></figure>'


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return html.escape(str(v))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_ENDPOINT_ROWS = (
    ("n", "evaluable subjects"), ("n_failed", "solver failures (excluded)"),
    ("orr", "ORR (≥ PR)"), ("vgpr_or_better", "≥ VGPR"), ("mr_or_better", "≥ MR"),
    ("cbr", "clinical benefit rate"), ("median_time_to_response_weeks",
                                       "median time to response (weeks, responders)"),
    ("median_dor_months", "median duration of response (months, KM)"),
    ("median_pfs_months", "median PFS (months, KM)"), ("median_os_months", "median OS (months)"),
    ("any_grade_thrombocytopenia", "thrombocytopenia, any grade (new or worsening)"),
    ("grade34_thrombocytopenia", "grade 3–4 thrombocytopenia"),
    ("grade4_thrombocytopenia", "grade 4 thrombocytopenia"),
    ("median_onset_thrombocytopenia_days", "median onset of thrombocytopenia (days, any grade)"),
    ("grade34_neutropenia", "grade 3–4 neutropenia"),
    ("grade34_hyponatremia", "grade 3–4 hyponatremia"), ("grade34_nausea", "grade 3 nausea"),
    ("grade34_fatigue", "grade 3 fatigue"), ("grade34_anorexia", "grade 3 anorexia"),
    ("dose_held", "≥ 1 dose hold"), ("dose_reduced", "≥ 1 dose reduction"),
    ("dose_modified", "dose modified"), ("discontinued_toxicity", "discontinued for toxicity"),
    ("median_treatment_weeks", "median time on treatment (weeks)"),
    ("relative_dose_intensity", "relative dose intensity (median)"))


def _with_ci(arm: Mapping[str, Any], key: str) -> str:
    v = arm.get(key)
    ci = arm.get(f"{key}_ci")
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return _fmt(v) + (f" {_fmt(ci)}" if ci and any(c is not None for c in ci) else "")


def _targets_table(protocol: Any, endpoints: Mapping[str, Any]) -> str:
    rows = []
    for t in protocol.spec.targets:
        if t.arm is None:
            sim = endpoints.get(t.endpoint)
            ci = endpoints.get(f"{t.endpoint}_ci")
        else:
            a = endpoints["arms"].get(t.arm, {})
            sim, ci = a.get(t.endpoint), a.get(f"{t.endpoint}_ci")
        inside = ("–" if t.ci is None or sim is None else
                  ("yes" if t.ci[0] <= sim <= t.ci[1] else "no"))
        rows.append((t.arm or "(between arms)", t.endpoint,
                     _fmt(t.value) + (f" {_fmt(list(t.ci))}" if t.ci else ""),
                     _fmt(sim) + (f" {_fmt(ci)}" if ci else ""), inside, t.use, t.source))
    if not rows:
        return "<p>The protocol cites no published figures.</p>"
    return _table(("arm", "endpoint", "published (95% CI)", "simulated (95% CI)",
                   "simulated within published CI", "use", "source"), rows)


def build_trial_report(run_dir: str | Path) -> str:
    """The HTML text of a run's report."""
    folder = TrialFolder.existing(run_dir)
    m = folder.manifest
    inputs, details = m.inputs, m.details
    endpoints = folder.read_json("endpoints.json")
    protocol = parse_protocol(inputs["protocol_text"], where=details["protocol"]["where"])
    arms = list(protocol.arm_names)
    subj = folder.read("subjects", columns=_SUMMARY_COLUMNS)
    ok = subj[subj["failure"].astype(str).str.len() == 0] if len(subj) else subj
    lugano = protocol.population.disease == "dlbcl"
    marker, unit = ("spd_cm2", "cm2") if lugano else ("m_protein_g_dl", "g/dL")
    sample = range(SPAGHETTI_SUBJECTS)
    tc_small = folder.read("time_course", subjects=sample)
    tc_bands = folder.read("time_course", subjects=range(BAND_SUBJECTS))
    tc_bands = tc_bands[tc_bands["variable"].isin(
        ["Cp_selinexor_ng_ml", "xpo1_occupancy"])]
    dec = folder.read("decisions", subjects=sample)
    spec = protocol.spec
    parts = [f"<h1>{html.escape(spec.protocol.title)}</h1>",
             f"<p>{html.escape(spec.protocol.description)}</p>",
             "<h2>Protocol and run</h2>",
             _table(("item", "value"), [
                 ("protocol", f"{protocol.name} ({details['protocol']['where']}, sha256 "
                              f"{protocol.sha256[:12]})"),
                 ("source", spec.protocol.source),
                 ("population", f"{protocol.population.name}: {protocol.population.title}"),
                 ("arms", "; ".join(f"{a.name}: {a.regimen} ({a.cycle_days:g}-day cycles, "
                                    f"{a.cycles}; rules {', '.join(a.dose_rules) or 'none'})"
                                    for a in spec.arms)),
                 ("schedule", f"labs every {spec.schedule.lab_every_days:g} d, response every "
                              f"{spec.schedule.assessment_every_days:g} d, follow-up "
                              f"{spec.schedule.follow_up_days:g} d"),
                 ("eligibility", ", ".join(f"{k} {b.min if b.min is not None else ''}–"
                                           f"{b.max if b.max is not None else ''}"
                                           for k, b in spec.eligibility.items()) or "none"),
                 ("dropout", f"{spec.dropout.rate_per_year:g}/year ({spec.dropout.source})"),
                 ("subjects", f"{inputs['n_per_arm']} per arm, seed {inputs['seed']}, "
                              f"{details.get('failures', 0)} solver failures"),
                 ("patient model", f"{inputs['model']['name']} (hash "
                                   f"{inputs['model']['hash'][:12]}, contract "
                                   f"v{inputs['contract_version']})"),
                 ("xposim", inputs["xposim_version"]),
                 ("settings", inputs.get("settings") or "none"),
             ]),
             "<h2>Endpoints (95% CI: Clopper–Pearson for proportions; KM medians)</h2>",
             _table(("endpoint", *arms),
                    [(label, *(_with_ci(endpoints["arms"][a], key) for a in arms))
                     for key, label in _ENDPOINT_ROWS]),
             ]
    if "hazard_ratio_pfs" in endpoints:
        a, b = endpoints["hazard_ratio_pfs_arms"]
        parts.append(f"<p>PFS hazard ratio {a} vs {b} (Cox): "
                     f"{_fmt(endpoints['hazard_ratio_pfs'])} "
                     f"{_fmt(endpoints['hazard_ratio_pfs_ci'])}</p>")
    parts += ["<h2>Published figures</h2>", _targets_table(protocol, endpoints),
              "<h2>Progression-free survival</h2>",
              _img(tp.km_figure(ok, arms), "Kaplan-Meier PFS") if len(ok) else "",
              "<h2>Best response</h2>",
              _img(tp.waterfall_figure(ok, arms, lugano=lugano), "waterfall"),
              "<h2>Treatment course</h2>",
              *(_img(tp.swimmer_figure(ok, dec, arm), f"swimmer {arm}") for arm in arms),
              "<h2>Tumour marker and platelets</h2>",
              _img(tp.spaghetti_figure(tc_small, arms, marker=marker, marker_unit=unit),
                   "spaghetti"),
              "<h2>Exposure and target occupancy at visits</h2>",
              _img(tp.bands_figure(tc_bands, arms, {"Cp_selinexor_ng_ml": "ng/mL",
                                                    "xpo1_occupancy": "fraction"}),
                   "PK and occupancy bands") or "<p>No selinexor in this protocol.</p>",
              "<h2>Subgroups</h2>",
              _img(tp.forest_figure(endpoints.get("subgroups", {}),
                                    endpoints.get("subgroup_hazard_ratio_pfs")), "forest"),
              "<h2>Exposure–response</h2>",
              _img(tp.exposure_response_figure(endpoints.get("exposure_response", {})),
                   "exposure-response") or "<p>No exposure metric in this run.</p>"]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
             "table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
             "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
             "img{max-width:100%}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            f"{html.escape(protocol.name)} trial report</title><style>{style}</style>"
            f"</head><body>{''.join(parts)}</body></html>")


def write_trial_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into the run folder (atomically) and return its path."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise InputError("dir", "is not a trial run folder", got=str(run_dir))
    text = build_trial_report(folder)
    out = folder / "report.html"
    with atomic_file(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
