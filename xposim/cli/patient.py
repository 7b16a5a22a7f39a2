"""``xposim patient``: one virtual patient on a regimen, with the label's dose rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xposim.cli._common import (
    SET_HELP,
    Overwrite,
    output_folder,
    parse_set_options,
    print_json,
    use_file_backend,
)
from xposim.errors import InputError

#: The trial population drawn from by ``--seed/--subject`` for each disease.
POPULATIONS = {"myeloma": "storm", "dlbcl": "dlbcl-relapsed"}


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
        settings: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
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
        overwrite: Overwrite = False,
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
        pm, _ = sim.model_for_arm(arm)
        overrides = _patient_overrides(pm.model, parse_set_options(settings),
                                       sim.parameter_values())
        if drawn:
            person = _drawn_patient(disease, int(seed), int(subject), overrides, sim)  # type: ignore[arg-type]
        else:
            person = typical_patient(disease, parameters=overrides)
        inputs = {"disease": disease, "regimen": regimen, "weeks": weeks, "cell": cell,
                  "preset": pm.preset, "settings": list(settings or []), "subject": subject,
                  "rules_file": str(rules) if rules else None}
        with output_folder(None if out is None else str(out), command="patient",
                           inputs=inputs, overwrite=overwrite, seed=seed) as dest:
            run = sim.run(person, arm, seed=int(seed or 0), record_step_h=2.0)
            if run.outcome.failure is not None:
                from xposim.errors import SimulationError

                raise SimulationError(run.outcome.failure)
            summary = patient_summary(run)
            if dest is not None:
                dest.record(model_hash=pm.model.hash, details={
                    "model": pm.model.name,
                    "patient": {"subject_id": person.subject_id,
                                "covariates": dict(person.covariates),
                                "parameters": dict(person.parameters)},
                    "rule_sets": list(arm.rule_sets),
                    "disabled_rules": list(arm.disabled_rules),
                    "tolerances": {"rtol": sim.rtol, "atol": sim.atol}})
                _write(dest.path, run, summary, {
                    "disease": disease, "regimen": regimen, "weeks": weeks,
                    "patient": "typical" if not drawn else f"seed {seed}, subject {subject}",
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
    from xposim.patient.outcome import VirtualPatient
    from xposim.trials.population import load_population

    pop = load_population(POPULATIONS[disease]).in_units(sim.parameter_units(), sim.name)
    cov, canon, _ = pop.draw(seed, (subject,))
    canon.update(overrides)
    return VirtualPatient(subject_id=subject, arm="patient", disease=disease,  # type: ignore[arg-type]
                          covariates=cov, parameters=canon)


def _patient_overrides(model: Any, overrides: Any, patient_names: Any) -> dict[str, float]:
    """``--set`` overrides as canonical values of the patient's parameters (the kernel's
    parsing and unit checks; a model parameter that is not a patient parameter is
    refused)."""
    from xposim.model.overrides import resolve_overrides

    out = {}
    for p in resolve_overrides(model, overrides, what="the patient model"):
        if p.name not in patient_names:
            raise InputError(f"set {p.name}", "is not a patient parameter (docs/patient.md "
                             "lists them)")
        out[p.name] = p.canonical_value
    return out


def _write(out: Path, run: Any, summary: dict[str, Any], settings: dict[str, Any]) -> None:
    """The result files of one patient into the staged folder ``out``."""
    import json

    use_file_backend()
    from xposim.report.patient import patient_html

    page = patient_html(run, summary, title="xposim patient", settings=settings)
    run.timecourse.to_parquet(out / "timecourse.parquet", index=False)
    run.outcome.decisions.to_csv(out / "decisions.csv", index=False)
    run.outcome.doses.to_csv(out / "doses.csv", index=False)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n",
                                      encoding="utf-8")
    (out / "report.html").write_text(page, encoding="utf-8")
