"""One patient: the clinical model, treatment that reacts, response and dose rules.

- :class:`ClinicalPatientSimulator` — the patient simulator of the trial contract
  (:mod:`xposim.patient.outcome`): visit to visit with the label's dose rules;
  :func:`default_arm`, :func:`typical_patient` for one patient without a protocol;
- :func:`patient_model` — PK + tumour cell (the cell layer's, or its quasi-steady-state
  reduction, :mod:`xposim.patient.reduction`) + marrow + disease + toxicities, coupled in
  :mod:`xposim.patient.coupling`;
- :func:`assess_imwg`, :func:`imwg_response` — IMWG response from serum M-protein;
  :func:`assess_lugano`, :func:`lugano_response` — Lugano-style response from SPD.
- :func:`dose_rules`, :func:`load_rule_book` — label dose-modification tables as data
  (``dose_rules.toml``) and the evaluator that turns one visit's labs into decisions.
"""

from xposim.patient.arm import (
    default_arm as default_arm,
    typical_patient as typical_patient,
)
from xposim.patient.model import (
    BETWEEN_PATIENT as BETWEEN_PATIENT,
    PatientModel as PatientModel,
    patient_model as patient_model,
)
from xposim.patient.response import (
    CATEGORIES as CATEGORIES,
    Response as Response,
    ResponseTable as ResponseTable,
    assess_imwg as assess_imwg,
    assess_lugano as assess_lugano,
    imwg_response as imwg_response,
    lugano_response as lugano_response,
)
from xposim.patient.rules import (
    Decision as Decision,
    DoseRules as DoseRules,
    DrugState as DrugState,
    RuleBook as RuleBook,
    TreatmentState as TreatmentState,
    dose_rules as dose_rules,
    load_rule_book as load_rule_book,
    parse_rule_book as parse_rule_book,
)
from xposim.patient.runner import (
    ClinicalPatientSimulator as ClinicalPatientSimulator,
    PatientRun as PatientRun,
)
