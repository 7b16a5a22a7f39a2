"""The patient model's parameter names, from the modules it is built of.

:func:`model_parameter_defaults` collects the parameters
of the modules the patient model composes (PK, marrow target, cell fate and signalling,
myeloma/DLBCL, platelets, neutrophils, toxicities; docs/disease.md "What the patient
runner needs"), so a population naming a parameter that no module has is refused today
and a renamed parameter breaks a test rather than being ignored. The patient simulator's
own :meth:`~xposim.patient.outcome.PatientSimulator.parameter_values` is what a run
checks against.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Any


@lru_cache(maxsize=1)
def model_parameter_defaults() -> Any:
    """Parameter name -> default value (canonical model units) of the patient model's
    modules."""
    return MappingProxyType({p.name: float(p.canonical_value) for p in _parameters()})


@lru_cache(maxsize=1)
def model_parameter_units() -> Any:
    """Parameter name -> canonical unit (what :func:`model_parameter_defaults` is in)."""
    from xposim.model.units import canonical_unit

    return MappingProxyType({p.name: canonical_unit(p.unit)[0] for p in _parameters()})


def _parameters() -> list[Any]:
    from xposim.biology.fate import fate_parameters
    from xposim.biology.signaling.gr import gr_module
    from xposim.biology.signaling.nfkb import nfkb_module
    from xposim.biology.target import target_module
    from xposim.disease import (
        dlbcl_module,
        myeloma_module,
        neutrophil_module,
        platelet_module,
        toxicity_module,
    )
    from xposim.pharmacology.pk.bortezomib import bortezomib_pk
    from xposim.pharmacology.pk.dexamethasone import dexamethasone_pk
    from xposim.pharmacology.pk.selinexor import selinexor_pk

    modules = (target_module(), gr_module(), nfkb_module(), myeloma_module(), dlbcl_module(),
               platelet_module(), neutrophil_module(), toxicity_module(),
               selinexor_pk().module, dexamethasone_pk().module, bortezomib_pk().module)
    params = {p.name: p for m in modules for p in m.parameters}
    params.update({p.name: p for p in fate_parameters()})
    return list(params.values())
