"""A single patient's treatment plan and the typical patient, without a trial protocol.

The trial layer resolves :class:`~xposim.patient.outcome.ArmPlan` from a protocol; for one
patient (``xposim patient``) :func:`default_arm` builds it from a regimen alone:

- **dose levels and rules**: a ``label:NAME`` regimen brings the label's reduction steps
  and the rule sets of :data:`LABEL_RULE_SETS`; any other regimen text has no dose levels,
  so no rules (the doses are given as written);
- **rules reading labs the model does not simulate** (haemoglobin, neuropathy, "other"
  non-haematological grade) are switched off and listed (:func:`unmodelled_rules`; the
  runner would read those labs as normal or absent anyway, so they could not fire);
  bleeding and febrile neutropenia are read as absent;
- **visits** (assumed, after STORM's schedule): labs weekly (days 0, 7, 14, ...; the label
  asks for blood counts "more frequently during the first three months"), response
  assessed every 28 days from day 0 (day 0 is the baseline);
- **treatment** until progression or unacceptable toxicity (label), within ``weeks``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from types import MappingProxyType

from xposim.errors import InputError
from xposim.patient.outcome import ArmPlan, VirtualPatient

#: Rule sets of the packaged rule book applied with each label regimen.
LABEL_RULE_SETS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "selinexor-dex": ("selinexor-mm", "dexamethasone-xd", "supportive"),
    "selinexor-bortezomib-dex": ("selinexor-mm", "bortezomib", "supportive"),
    "dlbcl": ("selinexor-dlbcl", "supportive"),
    "bortezomib-dex": ("bortezomib", "supportive"),
})
#: Default visit spacing (days): labs, response assessments.
LAB_EVERY_DAYS = 7.0
ASSESS_EVERY_DAYS = 28.0


def packaged_rule_book() -> dict[str, object]:
    """The packaged ``dose_rules.toml`` as plain data (what an ArmPlan carries)."""
    text = resources.files("xposim.patient").joinpath("dose_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def unmodelled_rules(rule_book: Mapping[str, object], rule_sets: Sequence[str]) -> tuple[str, ...]:
    """Ids of the rules in ``rule_sets`` that read a lab no model output provides (other
    than bleeding and febrile neutropenia, read as absent)."""
    from xposim.patient.rules import parse_rule_book

    book = parse_rule_book(rule_book, "rules")
    absent = {"bleeding", "febrile", "fatigue_grade2_days"}
    made = {n for n, lab in book.labs.items() if lab.model_output} | absent
    out = []
    for name in rule_sets:
        if name not in book.rule_sets:
            continue
        for r in book.rule_sets[name].rules:
            if r.labs - made:
                out.append(r.id)
    return tuple(out)


def default_arm(regimen: str, disease: str, weeks: float, *,
                rule_book: Mapping[str, object] | None = None,
                name: str = "patient") -> ArmPlan:
    """An ArmPlan for one patient on ``regimen`` (text or ``label:NAME``) for ``weeks``."""
    from xposim.pharmacology.label_regimens import label_regimen, read_regimen

    if isinstance(weeks, bool) or not isinstance(weeks, int | float) or not weeks > 0:
        raise InputError("weeks", "must be a number of weeks > 0", got=weeks)
    if weeks > 520:
        raise InputError("weeks", "must be at most 520 (10 years)", got=weeks)
    read_regimen(regimen)  # validates the text
    text = regimen.strip()
    label = None
    cycle = 28.0
    if text.lower().startswith("label:"):
        lr = label_regimen(text)
        label = lr.name
        cycle = float(lr.cycle_days or cycle)
    book = dict(rule_book) if rule_book is not None else packaged_rule_book()
    sets = LABEL_RULE_SETS.get(label, ()) if label else ()
    if label and not sets:
        raise InputError("regimen", f"no rule sets are defined for label regimen {label}")
    days = float(weeks) * 7.0
    labs = tuple(float(d) for d in _grid(days, LAB_EVERY_DAYS))
    assess = tuple(float(d) for d in _grid(days, ASSESS_EVERY_DAYS))
    return ArmPlan(name=name, regimen=text, label=label, rule_sets=tuple(sets),
                   disabled_rules=unmodelled_rules(book, sets), rule_book=book,
                   cycle_days=cycle, treatment_days=None, follow_up_days=days,
                   lab_days=labs, assessment_days=assess)


def _grid(end: float, step: float) -> list[float]:
    n = int(end // step)
    return [k * step for k in range(n + 1)]


def typical_patient(disease: str = "myeloma", *, subject_id: int = 0,
                    parameters: Mapping[str, float] | None = None,
                    covariates: Mapping[str, object] | None = None) -> VirtualPatient:
    """The typical patient: every parameter at its model default (70 kg man, platelets
    240 ×10⁹/L, the preset's tumour cell, M-protein 3.2 g/dL or SPD 40 cm²), unless
    ``parameters``/``covariates`` say otherwise (height 170 cm for mg/m² doses)."""
    cov: dict[str, object] = {"height_cm": 170.0}
    cov.update(covariates or {})
    return VirtualPatient(subject_id=subject_id, arm="patient", disease=disease,  # type: ignore[arg-type]
                          covariates=cov, parameters=dict(parameters or {}))
