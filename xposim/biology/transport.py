"""XPO1-dependent nuclear export of named cargoes: the reduced (quasi-steady-state) law.

Export complexes (XPO1·RanGTP·cargo) form and translocate in seconds, far faster than
drug binding or protein turnover, so the clinical and cell models use the export rate at
quasi-steady state instead of the Ran cycle itself:

    M_n   = phi_n · XPO1_free · V_cell / V_nuc          active XPO1 in the nucleus (nM)
    D     = 1 + Σ_j X_j,n / Kd_j                        competition by all NES cargoes
    M_eff = M_n / D                                     XPO1 free to bind a given NES
    J_i   = k_tr · X_i,n · M_eff / (Kd_i + M_eff)       export flux of cargo i (nM/h, nucleus)

``XPO1_free`` is whole-cell active (drug-free) XPO1; it is an input, provided by the
target-engagement module or set directly. The detailed Ran-cycle model
(:mod:`xposim.biology.ran_cycle`) is the reference this law is checked against.
Import is first order in cytoplasmic concentration (NLS/importins), passive leak is
proportional to the concentration difference, and each cargo is made in the cytoplasm
(mRNA: nucleus) and degraded in each compartment at its own rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xposim.biology.cargoes import (
    DEFAULT_CARGOES,
    DEFAULT_COMPLEXES,
    Cargo,
    CargoComplex,
    cargo_list,
    cargo_parameters,
    complex_parameters,
)
from xposim.errors import ModelError
from xposim.model import (
    Assignment,
    Compartment,
    Conservation,
    Derived,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
)
from xposim.presets.cell_lines import Volumes
from xposim.presets.loader import parameter_file


@dataclass(frozen=True)
class CellVolumes:
    """Nuclear and cytoplasmic volumes (pL) as model compartments; the reference (HeLa)
    geometry of presets/params/geometry.toml by default (:meth:`reference`)."""

    nucleus_pL: float
    cytoplasm_pL: float
    source: str

    def __post_init__(self) -> None:
        for name in ("nucleus_pL", "cytoplasm_pL"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and 0 < v < 100):
                raise ModelError(f"cell volumes: {name} must be in (0, 100) pL, got {v!r}")

    @staticmethod
    def of(volumes: Volumes) -> CellVolumes:
        """The compartments of a preset's volumes (presets hold them as plain data)."""
        return CellVolumes(volumes.nucleus_pL, volumes.cytoplasm_pL, volumes.source)

    @staticmethod
    def reference() -> CellVolumes:
        """The reference (HeLa) geometry."""
        return CellVolumes.of(Volumes.reference())

    def compartments(self) -> tuple[Compartment, ...]:
        total = self.nucleus_pL + self.cytoplasm_pL
        return (
            Compartment("nucleus", self.nucleus_pL, "pL", "cell nucleus", self.source),
            Compartment("cytoplasm", self.cytoplasm_pL, "pL", "cytoplasm", self.source),
            Compartment("cell", total, "pL", "whole cell (nucleus + cytoplasm), for "
                        "species averaged over the cell: XPO1, intracellular drug",
                        "sum of nucleus and cytoplasm"),
        )


def transport_parameters() -> tuple[Parameter, ...]:
    """k_tr, phi_n (written by ``xposim calibrate reduced-export-law``) and NFkB_tot0
    (presets/params/transport.toml)."""
    return parameter_file("transport").parameters("k_tr", "phi_n")


def nfkb_total() -> Parameter:
    """Total NF-kB (conserved), shared with the Ran-cycle model."""
    return parameter_file("transport").parameter("NFkB_tot0")


LN2 = "log(2)"


def export_module(cargoes: Sequence[Cargo] = DEFAULT_CARGOES,
                  complexes: Sequence[CargoComplex] = DEFAULT_COMPLEXES, *,
                  volumes: CellVolumes | None = None, name: str = "xpo1_export") -> Module:
    """The reduced XPO1 export module for ``cargoes`` (reads input ``XPO1_free``, nM)."""
    volumes = volumes or CellVolumes.reference()
    all_cargo = cargo_list(cargoes, complexes, name)
    params: list[Parameter] = list(transport_parameters())
    derived: list[Derived] = []
    species: list[Species] = []
    reactions: list[Reaction] = []
    assignments: list[Assignment] = [
        Assignment("XPO1_nuc_active", "phi_n * XPO1_free * cell / nucleus", "nM",
                   "active, export-competent XPO1 in the nucleus"),
        Assignment("export_load",
                   "1 + " + " + ".join(f"{c.name}_n / {c.name}_nes_kd"
                                       for c in all_cargo if c.exported),
                   "1", "competition factor D = 1 + sum of nuclear cargo / Kd"),
        Assignment("XPO1_eff", "XPO1_nuc_active / export_load", "nM",
                   "XPO1 free to bind an NES after competition"),
    ]
    partner_names = {p for cx in complexes for p in cx.parts}
    for c in all_cargo:
        params += cargo_parameters(c)
        n, cy = f"{c.name}_n", f"{c.name}_c"
        derived += [
            Derived(f"{c.name}_kdeg_c", f"{LN2} / {c.name}_t_half_cyt", "1/h",
                    f"cytoplasmic degradation rate of {c.name}"),
            Derived(f"{c.name}_kdeg_n", f"{LN2} / {c.name}_t_half_nuc", "1/h",
                    f"nuclear degradation rate of {c.name}"),
        ]
        init_c = "NFkB_tot0 * cell / cytoplasm" if c.name == "NFkB" else 0.0
        species += [Species(n, "nucleus", 0.0, description=f"nuclear {c.name}"),
                    Species(cy, "cytoplasm", init_c, description=f"cytoplasmic {c.name}")]
        if c.synthesis.value > 0:
            where, sp = (("nucleus", n) if c.synthesized_in == "nucleus" else ("cytoplasm", cy))
            rate = f"{c.name}_synthesis" + (f" * {c.synthesis_input}"
                                            if c.synthesis_input else "")
            reactions.append(Reaction(f"{c.name}_made", rate, (),
                                      {sp: 1}, where, f"synthesis of {c.name}"))
        released = [cx for cx in complexes if cx.cargo.name == c.name]
        for sp, comp, k in ((n, "nucleus", f"{c.name}_kdeg_n"),
                            (cy, "cytoplasm", f"{c.name}_kdeg_c")):
            products: dict[str, float] = {}
            if released:  # degrading IkBa in the complex frees its partner (NF-kB)
                products = {f"{released[0].parts[1]}_{sp.rsplit('_', 1)[1]}": 1}
            rate = f"{k} * {sp}"
            if c.proteasomal:  # IKK phosphorylates cytoplasmic IkBa; the proteasome destroys it
                k_all = f"({k} + IKK_degradation)" if comp == "cytoplasm" else k
                rate = f"{k_all} * proteasome_activity * {sp}"
            if c.t_half_cyt.value < 1e5 or c.t_half_nuc.value < 1e5:
                reactions.append(Reaction(f"{sp}_degradation", rate, {sp: 1},
                                          products, comp, f"degradation of {c.name}"))
        if c.k_import.value > 0:
            reactions.append(Reaction(f"{c.name}_import", f"{c.name}_k_import * {cy}",
                                      {cy: 1}, {n: 1}, "cytoplasm",
                                      f"active nuclear import of {c.name}"))
        if c.k_leak.value > 0 or c.k_leak.bounds:
            reactions.append(Reaction(f"{c.name}_leak", f"{c.name}_k_leak * ({n} - {cy})",
                                      {n: 1}, {cy: 1}, "nucleus",
                                      f"passive permeation of {c.name} (net, nucleus to "
                                      "cytoplasm)", reversible=True))
        if c.exported:
            factor = "eIF4E_export_factor * " if c.eif4e_dependent else ""
            assignments.append(Assignment(
                f"{c.name}_k_export",
                f"{factor}k_tr * XPO1_eff / ({c.name}_nes_kd + XPO1_eff)",
                "1/h", f"XPO1-dependent export rate constant of {c.name}"))
            reactions.append(Reaction(f"{c.name}_export", f"{c.name}_k_export * {n}", {n: 1},
                                      {cy: 1}, "nucleus", f"XPO1 export of {c.name}"))
        assignments += [
            Assignment(f"{c.name}_total", f"({n} * nucleus + {cy} * cytoplasm) / cell", "nM",
                       f"whole-cell {c.name}"),
        ]
        if c.name not in partner_names and c.name not in {cx.cargo.name for cx in complexes}:
            assignments.append(Assignment(
                f"{c.name}_nuclear_fraction",
                f"{n} * nucleus / max({n} * nucleus + {cy} * cytoplasm, 1e-30)", "1",
                f"share of {c.name} in the nucleus"))
    for cx in complexes:
        a, b = cx.parts
        params += complex_parameters(cx)
        for suffix, comp in (("n", "nucleus"), ("c", "cytoplasm")):
            reactions.append(Reaction(
                f"{cx.name}_binding_{suffix}",
                f"{cx.name}_kon * {a}_{suffix} * {b}_{suffix} - {cx.name}_koff * "
                f"{cx.name}_{suffix}", {f"{a}_{suffix}": 1, f"{b}_{suffix}": 1},
                {f"{cx.name}_{suffix}": 1}, comp, f"{a}-{b} binding", reversible=True))
        for part in cx.parts:
            assignments.append(Assignment(
                f"{part}_nuclear_fraction",
                f"({part}_n + {cx.name}_n) * nucleus / max(({part}_n + {cx.name}_n) * nucleus"
                f" + ({part}_c + {cx.name}_c) * cytoplasm, 1e-30)", "1",
                f"share of {part} (free and in {cx.name}) in the nucleus"))
    conservations = []
    if any(c.name == "NFkB" for c in all_cargo):
        params.append(nfkb_total())
        terms = {"NFkB_n": 1.0, "NFkB_c": 1.0}
        terms.update({f"{cx.name}_{s}": 1.0 for cx in complexes if "NFkB" in cx.parts
                      for s in ("n", "c")})
        conservations.append(Conservation("NFkB_mass", terms, description="NF-kB is neither "
                                          "made nor destroyed (Lipniacki 2004)"))
    inputs = [Input("XPO1_free", "nM", 300.0, "active (drug-free) XPO1, whole-cell "
                    "average; 0.3 uM in HeLa (Riddick & Macara 2007)")]
    if any(c.proteasomal for c in all_cargo):
        inputs += [Input("proteasome_activity", "1", 1.0, "20S proteasome activity relative "
                         "to the untreated cell (0-1); lowered by bortezomib"),
                   Input("IKK_degradation", "1/h", 0.0, "IKK-driven degradation constant "
                         "of cytoplasmic IkBa (free and NF-kB-bound); 0 = resting cell")]
    for inp in sorted({c.synthesis_input for c in all_cargo if c.synthesis_input}):
        inputs.append(Input(inp, "1", 1.0, "synthesis relative to the untreated cell "
                            "(e.g. NF-kB-induced IkBa transcription)"))
    if any(c.eif4e_dependent for c in all_cargo):
        inputs.append(Input("eIF4E_export_factor", "1", 1.0, "eIF4E-dependent mRNA export "
                            "relative to the reference eIF4E level (1)"))
    return Module(
        name=name,
        description="Reduced (quasi-steady-state) XPO1 export of named NES cargoes with "
                    "competition, import, leak and turnover",
        compartments=volumes.compartments(),
        parameters=tuple(params), derived=tuple(derived), species=tuple(species),
        reactions=tuple(reactions), assignments=tuple(assignments),
        inputs=tuple(inputs),
        conservations=tuple(conservations),
    )
