"""The public face of xposim (names load on first use; see __init__.py). Each name
comes from its layer's face (that stub names the module), or from its module when a
face cannot list it (a name equal to a submodule)."""

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
from .analysis import (
    CombinationGrid as CombinationGrid,
    HillFit as HillFit,
    NCAOptions as NCAOptions,
    bliss as bliss,
    combination_index as combination_index,
    fit_hill as fit_hill,
    hill_curve as hill_curve,
    hsa as hsa,
    loewe as loewe,
    read_nca_data as read_nca_data,
    run_nca as run_nca,
    synergy_summary as synergy_summary,
    zip_scores as zip_scores,
)
from .analysis.nca import nca as nca
from .biology import (
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
from .experiments import (
    DoseResponse as DoseResponse,
    bliss_excess as bliss_excess,
    c528s_shift as c528s_shift,
    combination_grid as combination_grid,
    fate_timecourse as fate_timecourse,
    local_sensitivity as local_sensitivity,
    run_dose_response as run_dose_response,
    surviving_fraction as surviving_fraction,
    therapeutic_window as therapeutic_window,
    viability_curve as viability_curve,
)
from .experiments.viability import viability as viability
from .model import (
    Assignment as Assignment,
    Compartment as Compartment,
    Input as Input,
    Model as Model,
    Module as Module,
    Override as Override,
    Parameter as Parameter,
    Reaction as Reaction,
    Species as Species,
    compose as compose,
    parameter_table as parameter_table,
    parse_override as parse_override,
)
from .patient import (
    ArmPlan as ArmPlan,
    ClinicalPatientSimulator as ClinicalPatientSimulator,
    OutcomeSummary as OutcomeSummary,
    PatientOutcome as PatientOutcome,
    PatientRun as PatientRun,
    PatientSimulator as PatientSimulator,
    PreparedPatient as PreparedPatient,
    SimulatorRecipe as SimulatorRecipe,
    VirtualPatient as VirtualPatient,
    default_arm as default_arm,
    patient_model as patient_model,
    typical_patient as typical_patient,
)
from .pharmacology import (
    Covariates as Covariates,
    Dose as Dose,
    DoseRecord as DoseRecord,
    Regimen as Regimen,
    bsa_m2 as bsa_m2,
    dose_compartments as dose_compartments,
    dubois_bsa as dubois_bsa,
    label_regimen as label_regimen,
    label_regimen_names as label_regimen_names,
    mosteller_bsa as mosteller_bsa,
    nm_simulate as nm_simulate,
    parse_regimen as parse_regimen,
    pk_model as pk_model,
    read_dataset as read_dataset,
    regimen_from_nonmem as regimen_from_nonmem,
    regimen_to_nonmem as regimen_to_nonmem,
    regimen_to_text as regimen_to_text,
    simulate_population as simulate_population,
    validate_dataset as validate_dataset,
    write_dataset as write_dataset,
)
from .pharmacology.dose_events import dose_events as dose_events
from .presets import (
    CellLine as CellLine,
    all_cell_lines as all_cell_lines,
    get_cell_line as get_cell_line,
)
from .trials import (
    load_protocol as load_protocol,
    protocol_names as protocol_names,
    run_trial as run_trial,
    trial_endpoints as trial_endpoints,
)
