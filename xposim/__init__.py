"""xposim: quantitative systems pharmacology of XPO1 inhibition (selinexor and SINEs).

The public API is re-exported here; implementation lives in private-by-convention
modules that may move.

Names load on first use (PEP 562 ``__getattr__``): ``import xposim`` and the ``xposim``
command start without pandas, SciPy, libRoadRunner or pint. To export a name, add it to
``_EXPORTS`` and to the ``TYPE_CHECKING`` block (type checkers and IDEs read that one);
tests/test_startup.py checks that both agree and that every name resolves.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from xposim._version import __version__ as __version__
from xposim.errors import (
    InputError as InputError,
    ModelError as ModelError,
    SimulationError as SimulationError,
    XposimError as XposimError,
)

#: module -> the public names it provides (imported on first access)
_EXPORTS: dict[str, tuple[str, ...]] = {
    "xposim.analysis.doseresponse": ("HillFit", "fit_hill", "hill_curve"),
    "xposim.analysis.nca": ("analyse_profile", "nca"),
    "xposim.analysis.nca_data": ("read_nca_data",),
    "xposim.analysis.nca_table": ("NCAOptions", "run_nca"),
    "xposim.analysis.synergy": (
        "CombinationGrid", "CombinationIndex", "SynergyScores", "bliss", "combination_index", "hsa",
        "loewe", "synergy_summary", "zip_scores",
    ),
    "xposim.biology.cell": ("build_cell_model", "cell_fate_model", "cell_model"),
    "xposim.biology.fate": ("fate_module",),
    "xposim.biology.ran_cycle": ("ran_cycle_module",),
    "xposim.biology.signaling": (
        "eif4e_module", "gr_module", "nfkb_module", "with_untreated_references",
    ),
    "xposim.engine": ("Bolus", "Result", "Set", "Simulator"),
    "xposim.experiments.combination": ("combination_grid",),
    "xposim.experiments.dose_response": ("DoseResponse", "run_dose_response"),
    "xposim.experiments.predictions": ("bliss_excess", "c528s_shift", "therapeutic_window"),
    "xposim.experiments.sensitivity": ("local_sensitivity",),
    "xposim.experiments.viability": ("fate_timecourse", "surviving_fraction", "viability",
                                     "viability_curve"),
    "xposim.model": (
        "Assignment", "Compartment", "Conservation", "Derived", "Input", "Model", "Module",
        "Parameter", "RateRule", "Reaction", "Species", "compose",
    ),
    "xposim.model.overrides": ("Override", "parse_override"),
    "xposim.model.tables": ("parameter_table",),
    "xposim.patient.arm": ("default_arm", "typical_patient"),
    "xposim.patient.model": ("patient_model",),
    "xposim.patient.outcome": (
        "ArmPlan", "OutcomeSummary", "PatientOutcome", "PatientSimulator", "SimulatorRecipe",
        "VirtualPatient",
    ),
    "xposim.patient.runner": ("ClinicalPatientSimulator", "PatientRun"),
    "xposim.pharmacology.bsa": ("bsa_m2", "dubois_bsa", "mosteller_bsa"),
    "xposim.pharmacology.dose": ("Dose", "DoseRecord"),
    "xposim.pharmacology.dose_events": ("dose_events",),
    "xposim.pharmacology.label_regimens": ("label_regimen", "label_regimen_names"),
    "xposim.pharmacology.nmdata": ("read_dataset", "validate_dataset", "write_dataset"),
    "xposim.pharmacology.nonmem": ("LinearModel", "MatrixModel", "OdeModel", "nm_simulate"),
    "xposim.pharmacology.pk": ("dose_compartments", "pk_model"),
    "xposim.pharmacology.pk.population": ("Covariates", "simulate_population"),
    "xposim.pharmacology.regimen": (
        "Regimen", "parse_regimen", "regimen_from_nonmem", "regimen_to_nonmem", "regimen_to_text",
    ),
    "xposim.presets.cell_lines": ("CellLine", "all_cell_lines", "get_cell_line"),
    "xposim.trials.endpoints": ("trial_endpoints",),
    "xposim.trials.protocol": ("load_protocol", "protocol_names"),
    "xposim.trials.run": ("run_trial",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(["__version__", "InputError", "ModelError", "SimulationError", "XposimError",
                  *_WHERE])


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:  # a subpackage, e.g. xposim.engine (imported eagerly before)
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from xposim.analysis.doseresponse import (
        HillFit as HillFit,
        fit_hill as fit_hill,
        hill_curve as hill_curve,
    )
    from xposim.analysis.nca import analyse_profile as analyse_profile, nca as nca
    from xposim.analysis.nca_data import read_nca_data as read_nca_data
    from xposim.analysis.nca_table import NCAOptions as NCAOptions, run_nca as run_nca
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
    from xposim.experiments.combination import combination_grid as combination_grid
    from xposim.experiments.dose_response import (
        DoseResponse as DoseResponse,
        run_dose_response as run_dose_response,
    )
    from xposim.experiments.predictions import (
        bliss_excess as bliss_excess,
        c528s_shift as c528s_shift,
        therapeutic_window as therapeutic_window,
    )
    from xposim.experiments.sensitivity import local_sensitivity as local_sensitivity
    from xposim.experiments.viability import (
        fate_timecourse as fate_timecourse,
        surviving_fraction as surviving_fraction,
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
    from xposim.model.overrides import (
        Override as Override,
        parse_override as parse_override,
    )
    from xposim.model.tables import parameter_table as parameter_table
    from xposim.patient.arm import (
        default_arm as default_arm,
        typical_patient as typical_patient,
    )
    from xposim.patient.model import patient_model as patient_model
    from xposim.patient.outcome import (
        ArmPlan as ArmPlan,
        OutcomeSummary as OutcomeSummary,
        PatientOutcome as PatientOutcome,
        PatientSimulator as PatientSimulator,
        SimulatorRecipe as SimulatorRecipe,
        VirtualPatient as VirtualPatient,
    )
    from xposim.patient.runner import (
        ClinicalPatientSimulator as ClinicalPatientSimulator,
        PatientRun as PatientRun,
    )
    from xposim.pharmacology.bsa import (
        bsa_m2 as bsa_m2,
        dubois_bsa as dubois_bsa,
        mosteller_bsa as mosteller_bsa,
    )
    from xposim.pharmacology.dose import Dose as Dose, DoseRecord as DoseRecord
    from xposim.pharmacology.dose_events import dose_events as dose_events
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
    from xposim.pharmacology.pk import (
        dose_compartments as dose_compartments,
        pk_model as pk_model,
    )
    from xposim.pharmacology.pk.population import (
        Covariates as Covariates,
        simulate_population as simulate_population,
    )
    from xposim.pharmacology.regimen import (
        Regimen as Regimen,
        parse_regimen as parse_regimen,
        regimen_from_nonmem as regimen_from_nonmem,
        regimen_to_nonmem as regimen_to_nonmem,
        regimen_to_text as regimen_to_text,
    )
    from xposim.presets.cell_lines import (
        CellLine as CellLine,
        all_cell_lines as all_cell_lines,
        get_cell_line as get_cell_line,
    )
    from xposim.trials.endpoints import trial_endpoints as trial_endpoints
    from xposim.trials.protocol import (
        load_protocol as load_protocol,
        protocol_names as protocol_names,
    )
    from xposim.trials.run import run_trial as run_trial
