"""Myeloma in vivo: malignant plasma-cell burden and serum M-protein.

The burden core (:mod:`xposim.disease._burden`: Simeoni growth with ψ = 20, three damage
transits, acquired resistance) with prefix ``mm``, parameterised for myeloma after the
elranatamab QSP model, plus the M-protein every malignant cell secretes::

    dMP/dt = q·W - kdeg·MP          MP: mg in the body; serum conc. = MP / V
    MP(0)  = q·W0 / kdeg            steady state at the baseline burden

so the baseline M-protein follows from the baseline burden (and
:func:`burden_for_m_protein` inverts it for a patient known by the M-protein).

Inputs: ``mm_death_hazard`` (1/h), the drug-induced death hazard of sensitive cells, and
``mm_growth_inhibition`` (0-1), the share of growth stopped by drug-induced arrest and
slower division.
Outputs: ``mm_burden`` (cells), ``m_protein_mg_l`` (mg/L), ``m_protein_g_per_dl`` (g/dL,
the IMWG number), ``mm_resistant_share``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from xposim.disease._burden import BURDEN_PARAMETERS, burden_parts
from xposim.disease._common import DISEASE_COMPARTMENT, load_parameters
from xposim.errors import InputError
from xposim.model import Assignment, Derived, Module, Parameter, Reaction, Species
from xposim.model.units import to_canonical

_FILE = "myeloma.toml"
_MP = ("mm_mprotein_secretion", "mm_mprotein_kdeg", "mm_mprotein_volume", "g_per_dl")


@cache
def myeloma_parameters() -> tuple[Parameter, ...]:
    """The myeloma parameter table (xposim/disease/myeloma.toml; read once per process:
    frozen parameters, and burden_for_m_protein reads it for every trial patient)."""
    return load_parameters(_FILE, "myeloma", (*(f"mm_{s}" for s in BURDEN_PARAMETERS), *_MP))


def myeloma_module(name: str = "myeloma") -> Module:
    """Malignant plasma-cell burden with damage transit, resistance and M-protein."""
    parts = burden_parts("mm", "myeloma")
    c = DISEASE_COMPARTMENT.name
    return Module(
        name=name,
        description="Myeloma burden (Simeoni growth, damage transit, acquired resistance) "
                    "with serum M-protein produced in proportion to burden",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=myeloma_parameters(),
        derived=(Derived("mm_mprotein0", "mm_mprotein_secretion * mm_burden0 / "
                         "(mm_mprotein_kdeg * mm_mprotein_volume)", "mg/L",
                         "baseline serum M-protein: steady state at the baseline burden"),),
        species=(*parts["species"],
                 Species("mm_mprotein", c, "mm_mprotein_secretion * mm_burden0 / "
                         "mm_mprotein_kdeg", "mg", "M-protein in the body (steady state "
                         "at the baseline burden)", amount=True)),
        reactions=(*parts["reactions"],
                   Reaction("mm_mprotein_secretion_flux", "mm_mprotein_secretion * "
                            "mm_burden", (), {"mm_mprotein": 1}, None,
                            "secretion by every malignant cell, damaged ones included"),
                   Reaction("mm_mprotein_clearance", "mm_mprotein_kdeg * mm_mprotein",
                            {"mm_mprotein": 1}, (), None, "catabolism of the M-protein")),
        assignments=(*parts["assignments"],
                     Assignment("m_protein_mg_l", "mm_mprotein / mm_mprotein_volume", "mg/L",
                                "serum M-protein"),
                     Assignment("m_protein_g_per_dl", "m_protein_mg_l / g_per_dl", "1",
                                "serum M-protein in g/dL (IMWG)")),
        inputs=parts["inputs"],
        conservations=parts["conservations"],
    )


def burden_for_m_protein(m_protein_g_dl: float,
                         parameters: Mapping[str, float] | None = None) -> float:
    """Baseline burden (cells) whose steady-state serum M-protein is ``m_protein_g_dl``.

    ``parameters`` may override ``mm_mprotein_secretion`` (pg/cell/d), ``mm_mprotein_kdeg``
    (1/h) or ``mm_mprotein_volume`` (L), each in its table unit.
    """
    if (isinstance(m_protein_g_dl, bool) or not isinstance(m_protein_g_dl, int | float)
            or not math.isfinite(m_protein_g_dl) or m_protein_g_dl <= 0):
        raise InputError("m_protein_g_dl", "must be a finite M-protein > 0 g/dL",
                         got=m_protein_g_dl)
    table = {p.name: p for p in myeloma_parameters()}
    values = {n: table[n].value for n in _MP}
    unknown = sorted(set(parameters or {}) - set(_MP[:3]))
    if unknown:
        raise InputError("parameters", f"may set only {list(_MP[:3])}", got=unknown)
    values.update(parameters or {})
    q = to_canonical(values["mm_mprotein_secretion"], table["mm_mprotein_secretion"].unit)
    kdeg = to_canonical(values["mm_mprotein_kdeg"], table["mm_mprotein_kdeg"].unit)
    vol = to_canonical(values["mm_mprotein_volume"], table["mm_mprotein_volume"].unit)
    conc_mg_l = to_canonical(m_protein_g_dl, "g/dL")
    return conc_mg_l * vol * kdeg / q
