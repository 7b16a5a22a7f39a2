"""xposim: quantitative systems pharmacology of XPO1 inhibition (selinexor and SINEs).

The public API is re-exported here; implementation lives in private-by-convention
modules that may move.
"""

from xposim._version import __version__ as __version__
from xposim.analysis.doseresponse import (
    HillFit as HillFit,
    fit_hill as fit_hill,
    hill_curve as hill_curve,
)
from xposim.analysis.nca import nca as nca
from xposim.analysis.synergy import (
    CombinationGrid as CombinationGrid,
    CombinationIndex as CombinationIndex,
    SynergyScores as SynergyScores,
    bliss as bliss,
    combination_index as combination_index,
    hsa as hsa,
    loewe as loewe,
    synergy_summary as synergy_summary,
    zip_scores as zip_scores,
)
from xposim.biology.cell import (
    build_cell_model as build_cell_model,
    cell_fate_model as cell_fate_model,
    cell_model as cell_model,
)
from xposim.biology.fate import fate_module as fate_module
from xposim.biology.ran_cycle import ran_cycle_module as ran_cycle_module
from xposim.biology.signaling import (
    eif4e_module as eif4e_module,
    gr_module as gr_module,
    nfkb_module as nfkb_module,
    with_untreated_references as with_untreated_references,
)
from xposim.engine import (
    Bolus as Bolus,
    Result as Result,
    Set as Set,
    Simulator as Simulator,
)
from xposim.errors import (
    InputError as InputError,
    ModelError as ModelError,
    SimulationError as SimulationError,
    XposimError as XposimError,
)
from xposim.experiments.combination import combination_grid as combination_grid
from xposim.experiments.dose_response import (
    DoseResponse as DoseResponse,
    run_dose_response as run_dose_response,
)
from xposim.experiments.viability import (
    fate_timecourse as fate_timecourse,
    viability as viability,
    viability_curve as viability_curve,
)
from xposim.model import (
    Assignment as Assignment,
    Compartment as Compartment,
    Conservation as Conservation,
    Derived as Derived,
    Input as Input,
    Model as Model,
    Module as Module,
    Parameter as Parameter,
    RateRule as RateRule,
    Reaction as Reaction,
    Species as Species,
    compose as compose,
)
from xposim.model.tables import parameter_table as parameter_table
from xposim.pharmacology.bsa import (
    bsa_m2 as bsa_m2,
    dubois_bsa as dubois_bsa,
    mosteller_bsa as mosteller_bsa,
)
from xposim.pharmacology.dose import Dose as Dose
from xposim.pharmacology.label_regimens import (
    label_regimen as label_regimen,
    label_regimen_names as label_regimen_names,
)
from xposim.pharmacology.nmdata import (
    read_dataset as read_dataset,
    validate_dataset as validate_dataset,
    write_dataset as write_dataset,
)
from xposim.pharmacology.nonmem import (
    LinearModel as LinearModel,
    MatrixModel as MatrixModel,
    OdeModel as OdeModel,
    nm_simulate as nm_simulate,
)
from xposim.pharmacology.pk import pk_model as pk_model
from xposim.pharmacology.pk.population import (
    Covariates as Covariates,
    DoseEvent as DoseEvent,
    simulate_population as simulate_population,
)
from xposim.pharmacology.regimen import DoseRecord as DoseRecord, Regimen as Regimen
from xposim.pharmacology.regimen_text import parse_regimen as parse_regimen
from xposim.presets.cell_lines import (
    CellLine as CellLine,
    all_cell_lines as all_cell_lines,
    get_cell_line as get_cell_line,
)
