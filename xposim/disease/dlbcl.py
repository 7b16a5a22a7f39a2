"""DLBCL in vivo: lymphoma burden and lesion size as the sum of products of diameters.

The burden core (:mod:`xposim.disease._burden`) with prefix ``dlbcl``; the lesions' sum of
the products of perpendicular diameters follows the whole lesion mass (dying cells still
occupy it)::

    SPD = SPD0 · (W / W0)^(2/3)         (area-like measure of a volume, shape kept)

All DLBCL values are assumed (see ``dlbcl.toml``): no published DLBCL tumour-size model
with usable parameters was found.

Input: ``dlbcl_death_hazard`` (1/h). Outputs: ``dlbcl_burden`` (cells), ``dlbcl_spd``
(m²), ``dlbcl_spd_cm2`` (cm², the Lugano number).
"""

from __future__ import annotations

from xposim.disease._burden import BURDEN_PARAMETERS, burden_parts
from xposim.disease._common import DISEASE_COMPARTMENT, load_parameters
from xposim.model import Assignment, Module, Parameter

_FILE = "dlbcl.toml"


def dlbcl_parameters() -> tuple[Parameter, ...]:
    """The DLBCL parameter table (xposim/disease/dlbcl.toml)."""
    return load_parameters(_FILE, "dlbcl", (*(f"dlbcl_{s}" for s in BURDEN_PARAMETERS),
                                            "dlbcl_spd0", "dlbcl_spd_exponent", "cm2"))


def dlbcl_module(name: str = "dlbcl") -> Module:
    """Lymphoma burden with damage transit and resistance, and its SPD."""
    parts = burden_parts("dlbcl", "lymphoma")
    return Module(
        name=name,
        description="DLBCL burden (Simeoni growth, damage transit, acquired resistance) and "
                    "lesion size as SPD",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=dlbcl_parameters(),
        species=parts["species"],
        reactions=parts["reactions"],
        assignments=(*parts["assignments"],
                     Assignment("dlbcl_spd", "dlbcl_spd0 * (dlbcl_burden / dlbcl_burden0) ** "
                                "dlbcl_spd_exponent", "m^2",
                                "sum of products of diameters of the target lesions"),
                     Assignment("dlbcl_spd_cm2", "dlbcl_spd / cm2", "1",
                                "SPD in cm² (Lugano)")),
        inputs=parts["inputs"],
        conservations=parts["conservations"],
    )
