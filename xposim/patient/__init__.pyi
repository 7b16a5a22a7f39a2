"""The public face of xposim.patient (names load on first use; see __init__.py)."""

from .arm import (
    default_arm as default_arm,
    typical_patient as typical_patient,
)
from .model import (
    BETWEEN_PATIENT as BETWEEN_PATIENT,
    PatientModel as PatientModel,
    patient_model as patient_model,
)
from .outcome import (
    TOXICITIES as TOXICITIES,
    ArmPlan as ArmPlan,
    OutcomeSummary as OutcomeSummary,
    PatientOutcome as PatientOutcome,
    PatientSimulator as PatientSimulator,
    SimulatorRecipe as SimulatorRecipe,
    VirtualPatient as VirtualPatient,
)
from .reduction import (
    derive_reduction as derive_reduction,
)
from .response import (
    CATEGORIES as CATEGORIES,
    Response as Response,
    ResponseTable as ResponseTable,
    assess_imwg as assess_imwg,
    assess_lugano as assess_lugano,
    imwg_response as imwg_response,
    lugano_response as lugano_response,
)
from .rules import (
    Decision as Decision,
    DoseRules as DoseRules,
    DrugState as DrugState,
    RuleBook as RuleBook,
    TreatmentState as TreatmentState,
    dose_rules as dose_rules,
    follows_discretionary as follows_discretionary,
    load_rule_book as load_rule_book,
    parse_rule_book as parse_rule_book,
    stops_for_toxicity as stops_for_toxicity,
)
from .runner import (
    ClinicalPatientSimulator as ClinicalPatientSimulator,
    PatientRun as PatientRun,
    PreparedPatient as PreparedPatient,
)
