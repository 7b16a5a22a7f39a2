"""The public face of xposim (names load on first use; see __init__.py)."""

from . import (
    analysis as analysis,
    biology as biology,
    calibration as calibration,
    disease as disease,
    engine as engine,
    experiments as experiments,
    io as io,
    limits as limits,
    model as model,
    patient as patient,
    pharmacology as pharmacology,
    presets as presets,
    report as report,
    testing as testing,
    trials as trials,
)
from ._version import __version__ as __version__
from .analysis.doseresponse import (
    HillFit as HillFit,
    fit_hill as fit_hill,
    hill_curve as hill_curve,
)
from .analysis.nca import nca as nca
from .analysis.nca_data import read_nca_data as read_nca_data
from .analysis.nca_table import (
    NCAOptions as NCAOptions,
    run_nca as run_nca,
)
from .analysis.synergy import (
    CombinationGrid as CombinationGrid,
    bliss as bliss,
    combination_index as combination_index,
    hsa as hsa,
    loewe as loewe,
    synergy_summary as synergy_summary,
    zip_scores as zip_scores,
)
from .biology.cell import (
    build_cell_model as build_cell_model,
    cell_fate_model as cell_fate_model,
    cell_model as cell_model,
)
from .engine import (
    Bolus as Bolus,
    Result as Result,
    Set as Set,
    Simulator as Simulator,
)
from .errors import (
    InputError as InputError,
    ModelError as ModelError,
    SimulationError as SimulationError,
    XposimError as XposimError,
)
from .experiments.combination import combination_grid as combination_grid
from .experiments.dose_response import (
    DoseResponse as DoseResponse,
    run_dose_response as run_dose_response,
)
from .experiments.predictions import (
    bliss_excess as bliss_excess,
    c528s_shift as c528s_shift,
    therapeutic_window as therapeutic_window,
)
from .experiments.sensitivity import local_sensitivity as local_sensitivity
from .experiments.viability import (
    fate_timecourse as fate_timecourse,
    surviving_fraction as surviving_fraction,
    viability as viability,
    viability_curve as viability_curve,
)
from .model import (
    Assignment as Assignment,
    Compartment as Compartment,
    Input as Input,
    Model as Model,
    Module as Module,
    Parameter as Parameter,
    Reaction as Reaction,
    Species as Species,
    compose as compose,
)
from .model.overrides import (
    Override as Override,
    parse_override as parse_override,
)
from .model.tables import parameter_table as parameter_table
from .patient.arm import (
    default_arm as default_arm,
    typical_patient as typical_patient,
)
from .patient.model import patient_model as patient_model
from .patient.outcome import (
    ArmPlan as ArmPlan,
    OutcomeSummary as OutcomeSummary,
    PatientOutcome as PatientOutcome,
    PatientSimulator as PatientSimulator,
    SimulatorRecipe as SimulatorRecipe,
    VirtualPatient as VirtualPatient,
)
from .patient.runner import (
    ClinicalPatientSimulator as ClinicalPatientSimulator,
    PatientRun as PatientRun,
)
from .pharmacology.bsa import (
    bsa_m2 as bsa_m2,
    dubois_bsa as dubois_bsa,
    mosteller_bsa as mosteller_bsa,
)
from .pharmacology.dose import (
    Dose as Dose,
    DoseRecord as DoseRecord,
)
from .pharmacology.dose_events import dose_events as dose_events
from .pharmacology.label_regimens import (
    label_regimen as label_regimen,
    label_regimen_names as label_regimen_names,
)
from .pharmacology.nmdata import (
    read_dataset as read_dataset,
    validate_dataset as validate_dataset,
    write_dataset as write_dataset,
)
from .pharmacology.nonmem import nm_simulate as nm_simulate
from .pharmacology.pk import (
    dose_compartments as dose_compartments,
    pk_model as pk_model,
)
from .pharmacology.pk.population import (
    Covariates as Covariates,
    simulate_population as simulate_population,
)
from .pharmacology.regimen import (
    Regimen as Regimen,
    parse_regimen as parse_regimen,
    regimen_from_nonmem as regimen_from_nonmem,
    regimen_to_nonmem as regimen_to_nonmem,
    regimen_to_text as regimen_to_text,
)
from .presets.cell_lines import (
    CellLine as CellLine,
    all_cell_lines as all_cell_lines,
    get_cell_line as get_cell_line,
)
from .trials.endpoints import trial_endpoints as trial_endpoints
from .trials.protocol import (
    load_protocol as load_protocol,
    protocol_names as protocol_names,
)
from .trials.run import run_trial as run_trial
