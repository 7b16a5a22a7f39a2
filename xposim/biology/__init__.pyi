"""The biology layer's public face: the cell model and the modules it is composed of."""

from .cargoes import (
    CELL_CARGOES as CELL_CARGOES,
    CELL_COMPLEXES as CELL_COMPLEXES,
)
from .cell import (
    build_cell_model as build_cell_model,
    cell_fate_model as cell_fate_model,
    cell_model as cell_model,
)
from .fate import fate_module as fate_module
from .ran_cycle import (
    ReferenceModels as ReferenceModels,
    agreement_table as agreement_table,
    detailed_fractions as detailed_fractions,
    ran_cycle_module as ran_cycle_module,
    reduced_fractions as reduced_fractions,
)
from .signaling import (
    eif4e_module as eif4e_module,
    gr_module as gr_module,
    nfkb_module as nfkb_module,
    with_untreated_references as with_untreated_references,
)
from .signaling.nfkb import lipniacki_2004_model as lipniacki_2004_model
from .target import target_module as target_module
from .transport import export_module as export_module
