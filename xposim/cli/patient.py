"""``xposim patient``: one virtual patient on a regimen, with the label's dose rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xposim.cli._common import print_json, use_file_backend
from xposim.errors import InputError

#: The trial population drawn from by ``--seed/--subject`` for each disease.
POPULATIONS = {"myeloma": "storm", "dlbcl": "dlbcl-relapsed"}


def parse_settings(items: list[str], known: dict[str, tuple[str, str]]) -> dict[str, float]:
    """``NAME=VALUE[unit]`` items -> canonical values. ``known``: name -> (declared unit,
    canonical unit). Without a unit the value is in the declared unit (as ``xposim
    params`` shows it). A small, swappable parser: the shared one of ``xposim.cli._common``
    (branch cell-science) replaces it at merge."""
    import re

    from xposim.model.units import canonical_unit, parse_quantity, same_dimension

    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name or not text.strip():
            raise InputError("set", "must be NAME=VALUE[unit], e.g. XPO1_total0=2.7uM", got=item)
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"set {name}", f"is not a patient parameter{hint}")
        declared, canon = known[name]
        text = text.strip()
        if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
            value, unit = float(text), declared
        else:
            value, unit = parse_quantity(text, field=f"set {name}")
            if not same_dimension(unit, canon):
                raise InputError(f"set {name}", f"unit must be convertible to {canon}",
                                 got=text)
        out[name] = value * canonical_unit(unit)[1]
    return out


def register(app: typer.Typer) -> None:
    @app.command("patient")
    def patient(
        disease: Annotated[str, typer.Option(help="myeloma or dlbcl")] = "myeloma",
        regimen: Annotated[str, typer.Option(help="regimen text or label:NAME, e.g. "
                                             "label:selinexor-dex")] = "label:selinexor-dex",
        weeks: Annotated[float, typer.Option(help="weeks of follow-up (treatment until "
                                             "progression or toxicity within them)")] = 24.0,
        typical: Annotated[bool, typer.Option("--typical", help="the typical patient "
                                              "(every parameter at its default)")] = False,
        seed: Annotated[int | None, typer.Option(help="seed of the drawn patient")] = None,
        subject: Annotated[int | None, typer.Option(help="subject number of the drawn "
                                                    "patient")] = None,
        settings: Annotated[list[str] | None, typer.Option(
            "--set", help="NAME=VALUE[unit] parameter override (repeatable)")] = None,
        rules: Annotated[Path | None, typer.Option(help="dose-rule book (TOML of the "
                                                   "packaged form) instead of the label's")]
        = None,
        preset: Annotated[str | None, typer.Option(help="tumour cell preset (default: the "
                                                   "disease's generic one)")] = None,
        cell: Annotated[str, typer.Option(help="tumour cell: reduced (clinical) or "
                                          "detailed")] = "reduced",
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as "
                                              "JSON")] = False,
        out: Annotated[Path | None, typer.Option(help="write timecourse.parquet, "
                                                 "decisions.csv, doses.csv, summary.json, "
                                                 "manifest.json and report.html here")] = None,
    ) -> None:
        """Simulate one patient visit to visit: PK, tumour, platelets, toxicities, dose rules."""
        from xposim.patient.coupling import disease_prefix

        disease_prefix(disease)
        if weeks is None or not weeks > 0:
            raise InputError("weeks", "must be > 0", got=weeks)
        drawn = seed is not None or subject is not None
        if typical and drawn:
            raise InputError("typical", "give --typical or --seed/--subject, not both")
        if drawn and (seed is None or subject is None):
            raise InputError("seed", "a drawn patient needs both --seed and --subject")
        if drawn and (seed < 0 or subject < 0):  # type: ignore[operator]
            raise InputError("seed", "seed and subject must be >= 0", got=f"{seed}/{subject}")
        if cell not in ("reduced", "detailed"):
            raise InputError("cell", "must be reduced or detailed", got=cell)
        if out is not None and out.exists() and not out.is_dir():
            raise InputError("out", "exists and is not a folder", got=str(out))
        from xposim.patient.arm import default_arm, typical_patient
        from xposim.patient.rules import load_rule_book
        from xposim.patient.runner import ClinicalPatientSimulator

        book = None
        if rules is not None:
            import tomllib

            load_rule_book(rules)  # validated: unknown lab, action or key -> one error
            book = tomllib.loads(rules.read_text(encoding="utf-8"))
        arm = default_arm(regimen, disease, weeks, rule_book=book)
        sim = ClinicalPatientSimulator(disease=disease, preset=preset, cell=cell)
        sim.check_arm(arm)
        pm, _ = sim.model_for(sim._drugs(arm))
        known = {p.name: (p.unit, p.canonical_unit) for p in pm.model.parameters
                 if p.name in sim.parameter_values()}
        overrides = parse_settings(list(settings or []), known)
        if drawn:
            person = _drawn_patient(disease, int(seed), int(subject), overrides, sim)  # type: ignore[arg-type]
        else:
            person = typical_patient(disease, parameters=overrides)
        run = sim.run(person, arm, seed=int(seed or 0), record_step_h=2.0)
        if run.outcome.failure is not None:
            from xposim.errors import SimulationError

            raise SimulationError(run.outcome.failure)
        summary = patient_summary(run)
        if out is not None:
            manifest = {"xposim_version": _version(), "model_hash": pm.model.hash,
                        "model": pm.model.name, "disease": disease, "regimen": regimen,
                        "weeks": weeks, "cell": cell, "preset": pm.preset,
                        "patient": {"subject_id": person.subject_id,
                                    "covariates": dict(person.covariates),
                                    "parameters": dict(person.parameters)},
                        "seed": seed, "subject": subject, "rule_sets": list(arm.rule_sets),
                        "disabled_rules": list(arm.disabled_rules),
                        "rules_file": str(rules) if rules else None,
                        "tolerances": {"rtol": sim.rtol, "atol": sim.atol}}
            _write(out, run, summary, manifest, {"disease": disease, "regimen": regimen,
                                       "weeks": weeks, "patient": "typical" if not drawn
                                       else f"seed {seed}, subject {subject}",
                                       "tumour cell": f"{pm.preset} ({cell})",
                                       "settings": ", ".join(settings or []) or "none",
                                       "dose rules": ", ".join(arm.rule_sets) or "none",
                                       "rules switched off (labs not simulated)":
                                       ", ".join(arm.disabled_rules) or "none"})
        if as_json:
            print_json(summary)
            return
        table = Table(title=f"{disease}, {regimen}, {weeks:g} weeks")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        for k, v in summary.items():
            table.add_row(k, "—" if v is None else (f"{v:.4g}" if isinstance(v, float)
                                                     else str(v)))
        Console().print(table)


def patient_summary(run: Any) -> dict[str, Any]:
    """The JSON summary of one patient (keys documented in docs/patient.md)."""
    s = run.outcome.summary
    myeloma = run.model.disease == "myeloma"
    lead = "selinexor" if "selinexor" in s.relative_dose_intensity else next(
        iter(s.relative_dose_intensity), None)
    return {
        "best_response": s.best_response,
        "days_to_response": s.days_to_response,
        "m_protein_best_change": s.best_change if myeloma else None,
        "spd_best_change": None if myeloma else s.best_change,
        "progression_day": s.progression_day,
        "pfs_days": s.pfs_days,
        "platelet_nadir_1e9_per_l": s.platelet_nadir_1e9_per_l,
        "platelet_nadir_day": s.platelet_nadir_day,
        "day_first_grade34_thrombocytopenia": s.first_grade34_day["thrombocytopenia"],
        "dose_holds": s.dose_holds,
        "dose_reductions": s.dose_reductions,
        "relative_dose_intensity": (s.relative_dose_intensity[lead] if lead else None),
        "relative_dose_intensity_by_drug": dict(s.relative_dose_intensity),
        "end_of_treatment_day": s.end_of_treatment_day,
        "end_of_treatment_reason": s.end_of_treatment_reason,
        "exposure": dict(s.exposure),
    }


def _drawn_patient(disease: str, seed: int, subject: int, overrides: dict[str, float],
                   sim: Any) -> Any:
    """A patient of the disease's trial population (xposim.trials, issue 14)."""
    try:
        from xposim.trials.population import load_population
    except ImportError:
        raise InputError("seed", "drawing a patient needs the trial populations "
                         "(xposim.trials, issue 14), not in this installation; use "
                         "--typical") from None
    from xposim.patient.outcome import VirtualPatient

    pop = load_population(POPULATIONS[disease]).in_units(sim.parameter_units(), sim.name)
    cov, canon, _ = pop.draw(seed, (subject,))
    canon.update(overrides)
    return VirtualPatient(subject_id=subject, arm="patient", disease=disease,  # type: ignore[arg-type]
                          covariates=cov, parameters=canon)


def _version() -> str:
    from xposim._version import __version__

    return __version__


def _write(out: Path, run: Any, summary: dict[str, Any], manifest: dict[str, Any],
           settings: dict[str, Any]) -> None:
    import json

    from xposim.io import atomic_dir

    use_file_backend()
    from xposim.report.patient import patient_html

    page = patient_html(run, summary, title="xposim patient", settings=settings)
    with atomic_dir(out) as tmp:
        run.timecourse.to_parquet(tmp / "timecourse.parquet", index=False)
        run.outcome.decisions.to_csv(tmp / "decisions.csv", index=False)
        run.outcome.doses.to_csv(tmp / "doses.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False)
                                          + "\n", encoding="utf-8")
        (tmp / "report.html").write_text(page, encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str)
                                           + "\n", encoding="utf-8")
