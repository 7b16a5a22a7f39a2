"""Marrow lineages in vivo: Friberg myelosuppression models of platelets and neutrophils.

Friberg et al., J Clin Oncol 2002 (per lineage ``X``; counts per litre of blood)::

    ktr        = 4 / MTT                                  (3 transit compartments)
    d prol/dt  = ktr·prol·(1 - E_prod)·(Circ0/circ)^γ - ktr·prol
    d T1/dt    = ktr·(prol - T1);   d T2/dt = ktr·(T1 - T2)
    d T3/dt    = ktr·T2 - ktr·T3
    d circ/dt  = ktr·(1 - E_rel)·T3 - kcirc·circ

Neutrophils follow Friberg's convention ``kcirc = ktr``; platelets have their own
circulating lifespan (``plt_kcirc``), as in the platelet model of Perez-Ruixo et al.
At baseline every precursor compartment holds ``kcirc/ktr·Circ0``, circulation Circ0,
and nothing moves. Two drug effects enter as inputs (dimensionless, 0-1), so the patient
layer wires them to whatever mechanism it composes:

- ``E_prod = Emax·I^n / (EC50^n + I^n)`` on *proliferation*, with ``I`` the XPO1 blockade
  in the lineage's progenitors (``mk_XPO1_inhibition`` for megakaryocytes,
  ``myeloid_XPO1_inhibition`` for neutrophils): selinexor blocks TPO signalling and the
  differentiation of stem cells into megakaryocytes (Machlus et al., Blood 2017),
  reversibly off drug.
- ``E_rel = Imax·P / (IC50 + P)`` on platelet *release* (T3 → circulation), with ``P`` the
  blood proteasome inhibition (``proteasome_inhibition``, the bortezomib PK output):
  bortezomib lowers platelets transiently and cyclically without touching megakaryocyte
  number (Lonial et al., Blood 2005). Megakaryocytes keep maturing while release is
  blocked, so the blocked share of their output is lost rather than stored: counts fall
  while release is blocked (at the platelet lifespan) and recover when it lifts,
  precursors intact.

States are amounts (cells) in one reference litre of blood; outputs ``<x>_count``
(cells/L) and ``<x>_1e9_per_l`` (the clinical number, 10⁹/L).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xposim.disease._common import DISEASE_COMPARTMENT, load_parameters
from xposim.model import Assignment, Derived, Input, Module, Parameter, Reaction, Species

_FILE = "myelosuppression.toml"
FRIBERG = "Friberg et al., J Clin Oncol 2002;20:4713-4721"


@dataclass(frozen=True)
class _Lineage:
    prefix: str
    section: str
    label: str
    production_input: str
    release_input: str | None
    own_lifespan: bool = False  # circulating cells cleared at kcirc, not at ktr


PLATELETS = _Lineage("plt", "platelets", "platelets", "mk_XPO1_inhibition",
                     "proteasome_inhibition", own_lifespan=True)
NEUTROPHILS = _Lineage("neu", "neutrophils", "absolute neutrophils",
                       "myeloid_XPO1_inhibition", None)


@cache
def common_parameters() -> tuple[Parameter, ...]:
    """Unit conventions shared by the lineages (identical objects, shared on compose)."""
    return load_parameters(_FILE, "common", ("blood_reference_volume",
                                             "clinical_count_unit"))


def _names(lin: _Lineage) -> tuple[str, ...]:
    p = lin.prefix
    names = [f"{p}_base", f"{p}_mtt", f"{p}_gamma", f"{p}_sel_emax", f"{p}_sel_ec50",
             f"{p}_sel_hill"]
    if lin.release_input is not None:
        names += [f"{p}_btz_imax", f"{p}_btz_ic50"]
    if lin.own_lifespan:
        names.append(f"{p}_kcirc")
    return tuple(names)


def _friberg(lin: _Lineage, name: str) -> Module:
    p = lin.prefix
    c = DISEASE_COMPARTMENT.name
    params = load_parameters(_FILE, lin.section, _names(lin))
    prod_input = lin.production_input
    e_prod = f"{p}_sel_emax * hill({prod_input}, {p}_sel_ec50, {p}_sel_hill)"
    release = f"{p}_ktr * {p}_transit3"
    loss: tuple[Reaction, ...] = ()
    inputs = [Input(prod_input, "1", 0.0, f"XPO1 blockade (0-1) in {lin.label} progenitors")]
    assignments = [
        Assignment(f"{p}_production_inhibition", e_prod, "1",
                   f"inhibition of {lin.label} progenitor proliferation (0-1)"),
        Assignment(f"{p}_count", f"{p}_circ / blood_reference_volume", "cells/L",
                   f"circulating {lin.label}"),
        Assignment(f"{p}_1e9_per_l", f"{p}_count / clinical_count_unit", "1",
                   f"circulating {lin.label} in 10^9/L (the clinical number)"),
    ]
    if lin.release_input is not None:
        rel = lin.release_input
        inputs.append(Input(rel, "1", 0.0, "blood 20S proteasome inhibition (0-1)"))
        assignments.append(Assignment(
            f"{p}_release_inhibition", f"{p}_btz_imax * {rel} / ({p}_btz_ic50 + {rel})",
            "1", f"inhibition of {lin.label} release from megakaryocytes (0-1)"))
        release = f"{p}_ktr * (1 - {p}_release_inhibition) * {p}_transit3"
        # a megakaryocyte that cannot release still ages out of the marrow (its maturation
        # clock runs on): blocked output is lost, not stored, so the fall is transient and
        # recovers as soon as the block lifts, with precursors intact (Lonial 2005)
        loss = (Reaction(f"{p}_release_loss", f"{p}_ktr * {p}_release_inhibition * "
                         f"{p}_transit3", {f"{p}_transit3": 1}, (), None,
                         "output of megakaryocytes lost while release is blocked"),)
    circ0 = f"{p}_base * blood_reference_volume"
    kcirc = f"{p}_kcirc" if lin.own_lifespan else f"{p}_ktr"
    # precursors at baseline: release ktr·T3 balances clearance kcirc·Circ0
    amount0 = f"{kcirc} / {p}_ktr * {circ0}" if lin.own_lifespan else circ0
    return Module(
        name=name,
        description=f"Friberg myelosuppression model of {lin.label} ({FRIBERG})",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=(*common_parameters(), *params),
        derived=(Derived(f"{p}_ktr", f"4 / {p}_mtt", "1/h",
                         "transit rate constant: (3 transits + 1) / MTT"),),
        species=(
            Species(f"{p}_prol", c, amount0, "cells", "proliferating progenitors",
                    amount=True),
            *(Species(f"{p}_transit{i}", c, amount0, "cells", f"maturing cells, transit {i}",
                      amount=True) for i in (1, 2, 3)),
            Species(f"{p}_circ", c, circ0, "cells", f"circulating {lin.label}",
                    amount=True),
        ),
        reactions=(
            Reaction(f"{p}_proliferation",
                     f"{p}_ktr * {p}_prol * (1 - {p}_production_inhibition) * "
                     f"({p}_base * blood_reference_volume / {p}_circ) ** {p}_gamma",
                     (), {f"{p}_prol": 1}, None,
                     "progenitor division, raised by the feedback of low counts"),
            Reaction(f"{p}_maturation", f"{p}_ktr * {p}_prol", {f"{p}_prol": 1},
                     {f"{p}_transit1": 1}),
            Reaction(f"{p}_transit_1_2", f"{p}_ktr * {p}_transit1", {f"{p}_transit1": 1},
                     {f"{p}_transit2": 1}),
            Reaction(f"{p}_transit_2_3", f"{p}_ktr * {p}_transit2", {f"{p}_transit2": 1},
                     {f"{p}_transit3": 1}),
            Reaction(f"{p}_release", release, {f"{p}_transit3": 1}, {f"{p}_circ": 1}, None,
                     "release into the blood"),
            *loss,
            Reaction(f"{p}_clearance", f"{kcirc} * {p}_circ", {f"{p}_circ": 1}, (), None,
                     "removal from the circulation"),
        ),
        assignments=tuple(assignments),
        inputs=tuple(inputs),
    )


def platelet_module(name: str = "platelets") -> Module:
    """Friberg platelet model; inputs ``mk_XPO1_inhibition`` and ``proteasome_inhibition``.

    Outputs ``plt_count`` (cells/L) and ``plt_1e9_per_l`` (10⁹/L).
    """
    return _friberg(PLATELETS, name)


def neutrophil_module(name: str = "neutrophils") -> Module:
    """Friberg neutrophil model; input ``myeloid_XPO1_inhibition``.

    Outputs ``neu_count`` (cells/L) and ``neu_1e9_per_l`` (10⁹/L).
    """
    return _friberg(NEUTROPHILS, name)
