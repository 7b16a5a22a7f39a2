"""The analysis layer's face: dose-response fits, fitting, NCA, synergy scores."""

from .doseresponse import (
    HillFit as HillFit,
    fit_hill as fit_hill,
    hill_curve as hill_curve,
)
from .fitting import Fitter as Fitter
from .nca import (
    analyse_profile as analyse_profile,
)
from .nca_data import (
    Columns as Columns,
    read_nca_data as read_nca_data,
)
from .nca_superposition import superpose as superpose
from .nca_table import (
    NCAOptions as NCAOptions,
    run_nca as run_nca,
)
from .synergy import (
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
