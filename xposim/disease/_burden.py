"""The tumour-burden core shared by myeloma and DLBCL: growth, damage transit, resistance.

For a module prefix ``x`` (cells; h)::

    W   = S + R + D1 + D2 + D3                               total burden
    G   = (1 + (kg0·W / kg1)^ψ)^(-1/ψ)                      Simeoni growth switch
    dS/dt  = kg0·G·(1-i)·S      - h·S    - a·h·S            sensitive cells
    dR/dt  = f_g·kg0·G·(1-i)·R  - f_k·h·R + a·h·S           resistant cells
    dD1/dt = h·S + f_k·h·R - D1/τ
    dD2/dt = (D1 - D2)/τ ;  dD3/dt = (D2 - D3)/τ
    dC/dt  = D3/τ                                           cleared (dead) cells

``h`` is the input ``x_death_hazard`` (1/h): the drug-induced death hazard that the cell
layer provides (through the patient coupling, :mod:`xposim.patient.coupling`); ``i`` the
input ``x_growth_inhibition`` (0-1, default 0): the share of growth stopped by drug-induced
G1 arrest and slower division (the coupling combines the two). Untreated, ``G·kg0`` is
exponential growth (``kg0``) for small burdens and linear growth (``kg1`` cells/h) for
large ones (Simeoni et al., Cancer Res 2004, ψ = 20). Damaged cells die after three
transits of mean ``τ`` each. Cells are only made by growth and only leave through
clearance, so with growth off
``S + R + D1 + D2 + D3 + C`` is conserved (declared, and checked by the conformance suite).
"""

from __future__ import annotations

from xposim.disease._common import DISEASE_COMPARTMENT
from xposim.model import Assignment, Conservation, Input, Reaction, Species

#: Parameter suffixes the burden core reads (``<prefix>_<suffix>``).
BURDEN_PARAMETERS: tuple[str, ...] = (
    "burden0", "kg0", "kg1", "psi", "tau_damage", "resistant_fraction0",
    "resistance_acquisition", "resistant_growth", "resistant_kill")


def burden_parts(x: str, label: str) -> dict[str, tuple]:
    """Species, reactions, assignments, inputs and conservation of the burden core."""
    c = DISEASE_COMPARTMENT.name
    S, R = f"{x}_sensitive", f"{x}_resistant"
    D = [f"{x}_damaged{i}" for i in (1, 2, 3)]
    C = f"{x}_cleared"
    h = f"{x}_death_hazard"
    tau = f"{x}_tau_damage"
    growth = f"{x}_kg0 * {x}_growth_switch * (1 - {x}_growth_inhibition)"
    return dict(
        species=(
            Species(S, c, f"(1 - {x}_resistant_fraction0) * {x}_burden0", "cells",
                    f"drug-sensitive {label} cells", amount=True),
            Species(R, c, f"{x}_resistant_fraction0 * {x}_burden0", "cells",
                    f"resistant {label} cells (slower cycling, less nuclear TSP)",
                    amount=True),
            *(Species(d, c, 0.0, "cells", f"damaged {label} cells, transit {i}", amount=True)
              for i, d in enumerate(D, start=1)),
            Species(C, c, 0.0, "cells", f"{label} cells cleared after death (cumulative)",
                    amount=True),
        ),
        reactions=(
            Reaction(f"{x}_growth_of_sensitive", f"{growth} * {S}", (), {S: 1}, None,
                     "net growth of sensitive cells"),
            Reaction(f"{x}_growth_of_resistant", f"{x}_resistant_growth * {growth} * {R}",
                     (), {R: 1}, None, "net growth of resistant cells"),
            Reaction(f"{x}_damage_of_sensitive", f"{h} * {S}", {S: 1}, {D[0]: 1}, None,
                     "drug-induced commitment to death"),
            Reaction(f"{x}_damage_of_resistant", f"{x}_resistant_kill * {h} * {R}", {R: 1},
                     {D[0]: 1}, None, "drug-induced commitment of resistant cells"),
            Reaction(f"{x}_adaptation", f"{x}_resistance_acquisition * {h} * {S}", {S: 1},
                     {R: 1}, None, "acquired resistance under drug pressure"),
            Reaction(f"{x}_damage_transit_1_2", f"{D[0]} / {tau}", {D[0]: 1}, {D[1]: 1}),
            Reaction(f"{x}_damage_transit_2_3", f"{D[1]} / {tau}", {D[1]: 1}, {D[2]: 1}),
            Reaction(f"{x}_death", f"{D[2]} / {tau}", {D[2]: 1}, {C: 1}, None,
                     "death and clearance of damaged cells"),
        ),
        assignments=(
            Assignment(f"{x}_burden", f"{S} + {R} + {D[0]} + {D[1]} + {D[2]}", "cells",
                       f"total {label} burden (damaged cells included)"),
            Assignment(f"{x}_viable", f"{S} + {R}", "cells", f"undamaged {label} cells"),
            Assignment(f"{x}_growth_switch",
                       f"(1 + ({x}_kg0 * {x}_burden / {x}_kg1) ** {x}_psi) ** (-1 / {x}_psi)",
                       "1", "Simeoni switch: 1 = exponential growth, -> kg1/(kg0 W) linear"),
            Assignment(f"{x}_resistant_share", f"{R} / max({S} + {R}, 1e-30 * {x}_burden0)",
                       "1", f"resistant share of undamaged {label} cells"),
        ),
        inputs=(Input(h, "1/h", 0.0, f"drug-induced death hazard of sensitive {label} cells "
                      "(from the cell layer)"),
                Input(f"{x}_growth_inhibition", "1", 0.0, f"share of {label} growth stopped "
                      "by drug-induced G1 arrest and slower division (0-1; from the cell "
                      "layer)")),
        conservations=(Conservation(f"{x}_cells", {S: 1, R: 1, D[0]: 1, D[1]: 1, D[2]: 1,
                                                   C: 1}, when={f"{x}_kg0": 0.0},
                                    description="without growth, cells only move between "
                                    "states and into the cleared pool"),),
    )

