"""Detailed Ran-cycle reference model of XPO1 (CRM1) export, and the reduced law's constants.

The reduced export law of :mod:`xposim.biology.transport` replaces the Ran cycle by a
quasi-steady state. This module is the mechanism it stands for, built from the
parameters of Riddick & Macara (J Cell Biol 2005; Mol Syst Biol 2007) as tabulated in
the JanesLab/NucCytoShuttle re-implementation (MIT), with HeLa volumes (nucleus 0.45 pL,
cytoplasm 1.55 pL). Concentrations are per compartment; totals are whole-cell.

Ran cycle
    nucleus: RCC1 exchange in four steps (RanGDP binding, GDP release, GTP binding,
    RanGTP release; R&M 2005 Table II, the Görlich 2003 rate set), with GTP 470 µM and
    GDP 1.6 µM held constant. Cytoplasm: RanGTP binds RanBP1; RanGAP hydrolyses
    RanGTP·RanBP1 (kcat 21.2 /s, Km 0.1 µM), RanGTP·importin-β·RanBP1 (2 /s, 0.1 µM)
    and free RanGTP (10.6 /s, 0.7 µM). NTF2 binds RanGDP and carries it into the
    nucleus. Free RanGTP and RanGDP leak through the pore (P_R).
Importin-β
    cargo-free importin-β shuttles (P_B), binds nuclear RanGTP (Kd 0.5 nM) and carries it
    out (P_RtB); RanBP1 and RanGAP release it in the cytoplasm. This is the main RanGTP
    consumer; importin-α, CAS and the α/β cargo are left out (they add RanGTP-carrying
    complexes of the same kind and the α/β cargo pool; see docs/transport.md).
CRM1 export
    nuclear CRM1 binds RanBP3 and RanGTP; CRM1·RanBP3 binds an NES cargo and RanGTP in
    either order (cooperative: Kd 0.1 → 0.03 µM, R&M 2007 Table I); RanGTP·CRM1
    without RanBP3 binds cargo ``RanBP3_NES_enhancement``-fold more weakly (RanBP3 is a
    cofactor, Lindsay et al. 2001; NucCytoShuttle makes it obligatory). Cargo-loaded
    complexes translocate through the pore (P_XPO1, both directions); in the cytoplasm
    RanBP1 disassembles them into RanGTP·RanBP1, CRM1, RanBP3 and cargo. Free CRM1
    returns (P_M), RanBP3 is re-imported as an NLS cargo (P_ABC). Cargo-free CRM1
    complexes stay in the nucleus (as in NucCytoShuttle).
Cargoes
    every cargo of :mod:`xposim.biology.cargoes` with its own affinity (``nes_kd`` is the
    Kd to RanGTP·CRM1·RanBP3; the other CRM1 forms bind it more weakly as above),
    import, leak, synthesis and turnover — the constants of the reduced law, with the
    signalling inputs of the reduced module at their untreated defaults. Bound cargo is
    degraded at its compartment's rate, releasing the carrier.
Drug
    ``f_inact`` of CRM1 is drug-bound (selinexor at Cys528 in the NES groove): it still
    binds RanBP3 and RanGTP and shuttles, but binds no NES.

``xposim calibrate reduced-export-law`` derives ``phi_n`` and fits ``k_tr`` of the reduced
law to this model (:mod:`xposim.calibration.functions.transport`). Constants and their
provenance: presets/params/ran_cycle.toml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xposim.biology.cargoes import (
    DEFAULT_CARGOES,
    DEFAULT_COMPLEXES,
    Cargo,
    CargoComplex,
    cargo_list,
    cargo_parameters,
    complex_parameters,
)
from xposim.biology.transport import CellVolumes, export_module, nfkb_total
from xposim.engine import Simulator
from xposim.errors import InputError, ModelError
from xposim.model import (
    Assignment,
    Conservation,
    Derived,
    Model,
    Module,
    Parameter,
    Reaction,
    Species,
    compose,
)
from xposim.presets.loader import parameter_file

#: Inactivation levels of the agreement test (share of CRM1 drug-bound).
F_INACT_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def ran_parameters() -> tuple[Parameter, ...]:
    """Ran-cycle, CRM1 and pore constants (presets/params/ran_cycle.toml)."""
    return parameter_file("ran_cycle").parameters()


#: Ran-containing species (nucleus/cytoplasm), for the Ran conservation law.
_RAN_SPECIES = ("RanGTP_n", "RanGDP_n", "RCC1_RanGDP", "RCC1_Ran", "RCC1_RanGTP",
                "NTF2_RanGDP_n", "RanGTP_ImpB_n", "RanGTP_CRM1_RanBP3", "RanGTP_CRM1",
                "RanGTP_CRM1i",
                "RanGTP_CRM1i_RanBP3", "RanGTP_c", "RanGDP_c", "NTF2_RanGDP_c",
                "RanGTP_RanBP1", "RanGTP_ImpB_c", "RanGTP_ImpB_RanBP1")


def _mass_action(name: str, kf: str, left: Sequence[str], right: Sequence[str], comp: str,
                 description: str, kr: str | None = None) -> Reaction:
    rate = f"{kf} * " + " * ".join(left)
    if kr is not None:
        rate += f" - {kr}" + "".join(f" * {s}" for s in right)
    return Reaction(name, rate, {s: 1 for s in left}, {s: 1 for s in right}, comp,
                    description, reversible=kr is not None)


def _pore(name: str, perm: str, a_n: str, a_c: str, description: str) -> Reaction:
    """Passage through the pore, both ways: nuclear rate P/V_n·(c_n − c_c)."""
    return Reaction(name, f"{perm} / V_nuc_L * ({a_n} - {a_c})", {a_n: 1}, {a_c: 1},
                    "nucleus", description, reversible=True)


def _ran_core() -> tuple[list[Derived], list[Species], list[Reaction]]:
    to_n, to_c = "cell / nucleus", "cell / cytoplasm"
    derived = [
        Derived("V_nuc_L", "nucleus * pL_in_L", "L", "nuclear volume in litres"),
        Derived("V_cyt_L", "cytoplasm * pL_in_L", "L", "cytoplasmic volume in litres"),
        Derived("RanGAP_c", f"RanGAP_tot * {to_c}", "nM", "cytoplasmic RanGAP"),
    ]
    n, c = "nucleus", "cytoplasm"
    species = [
        Species("RanGTP_n", n, description="free nuclear RanGTP"),
        Species("RanGDP_n", n, description="free nuclear RanGDP"),
        Species("RCC1", n, f"RCC1_tot * {to_n}", description="free RCC1"),
        Species("RCC1_RanGDP", n), Species("RCC1_Ran", n, description="nucleotide-free"),
        Species("RCC1_RanGTP", n),
        Species("NTF2_n", n), Species("NTF2_RanGDP_n", n),
        Species("ImpB_n", n), Species("RanGTP_ImpB_n", n),
        Species("RanBP3_n", n, f"RanBP3_tot * {to_n}"),
        Species("CRM1_n", n, f"(1 - f_inact) * CRM1_tot * {to_n}", description="active CRM1"),
        Species("CRM1_RanBP3", n), Species("RanGTP_CRM1_RanBP3", n),
        Species("CRM1i_n", n, f"f_inact * CRM1_tot * {to_n}",
                description="drug-bound CRM1 (no NES binding)"),
        Species("CRM1i_RanBP3", n), Species("RanGTP_CRM1i_RanBP3", n),
        Species("RanGTP_CRM1", n, description="RanGTP·CRM1 without RanBP3"),
        Species("RanGTP_CRM1i", n),
        Species("RanGTP_c", c), Species("RanGDP_c", c, f"Ran_tot * {to_c}"),
        Species("RanBP1", c, f"RanBP1_tot * {to_c}"), Species("RanGTP_RanBP1", c),
        Species("NTF2_c", c, f"NTF2_tot * {to_c}"), Species("NTF2_RanGDP_c", c),
        Species("ImpB_c", c, f"ImpB_tot * {to_c}"), Species("RanGTP_ImpB_c", c),
        Species("RanGTP_ImpB_RanBP1", c),
        Species("RanBP3_c", c), Species("CRM1_c", c), Species("CRM1i_c", c),
    ]
    ma = _mass_action
    r = [
        # RCC1: RanGDP -> RanGTP in four reversible steps
        ma("RCC1_binds_RanGDP", "kon_RCC1_Rd", ["RCC1", "RanGDP_n"], ["RCC1_RanGDP"], n,
           "RCC1 binds RanGDP", "koff_RCC1_Rd"),
        Reaction("RCC1_releases_GDP", "koff_RCC1_GDP * RCC1_RanGDP - kon_RCC1_GDP * GDP * "
                 "RCC1_Ran", {"RCC1_RanGDP": 1}, {"RCC1_Ran": 1}, n, "GDP release",
                 reversible=True),
        Reaction("RCC1_binds_GTP", "kon_RCC1_GTP * GTP * RCC1_Ran - koff_RCC1_GTP * "
                 "RCC1_RanGTP", {"RCC1_Ran": 1}, {"RCC1_RanGTP": 1}, n, "GTP loading",
                 reversible=True),
        ma("RCC1_releases_RanGTP", "koff_RCC1_Rt", ["RCC1_RanGTP"], ["RCC1", "RanGTP_n"], n,
           "RanGTP release from RCC1", "kon_RCC1_Rt"),
        # RCC1 takes RanGDP straight from NTF2 (R&M 2005 Jarnac code, kept by
        # NucCytoShuttle; its reverse term is rescaled by 1e-6 there, i.e. negligible)
        ma("RCC1_takes_RanGDP_from_NTF2", "kon_RCC1_Rd", ["RCC1", "NTF2_RanGDP_n"],
           ["RCC1_RanGDP", "NTF2_n"], n, "RCC1 takes RanGDP from NTF2·RanGDP"),
        # NTF2 carries RanGDP into the nucleus
        ma("NTF2_binds_RanGDP_c", "kon_RdN", ["NTF2_c", "RanGDP_c"], ["NTF2_RanGDP_c"], c,
           "NTF2-RanGDP binding (cytoplasm)", "koff_RdN"),
        ma("NTF2_binds_RanGDP_n", "kon_RdN", ["NTF2_n", "RanGDP_n"], ["NTF2_RanGDP_n"], n,
           "NTF2-RanGDP binding (nucleus)", "koff_RdN"),
        _pore("NTF2_RanGDP_pore", "P_RdN", "NTF2_RanGDP_n", "NTF2_RanGDP_c",
              "NTF2·RanGDP through the pore"),
        _pore("NTF2_pore", "P_N", "NTF2_n", "NTF2_c", "NTF2 through the pore"),
        _pore("RanGTP_leak", "P_R", "RanGTP_n", "RanGTP_c", "free RanGTP leak"),
        _pore("RanGDP_leak", "P_R", "RanGDP_n", "RanGDP_c", "free RanGDP leak"),
        # importin-beta carries RanGTP out
        ma("ImpB_binds_RanGTP_n", "kon_RtB", ["ImpB_n", "RanGTP_n"], ["RanGTP_ImpB_n"], n,
           "importin-beta binds RanGTP (nucleus)", "koff_RtB"),
        ma("ImpB_binds_RanGTP_c", "kon_RtB", ["ImpB_c", "RanGTP_c"], ["RanGTP_ImpB_c"], c,
           "importin-beta binds RanGTP (cytoplasm)", "koff_RtB"),
        _pore("ImpB_pore", "P_B", "ImpB_n", "ImpB_c", "importin-beta through the pore"),
        _pore("RanGTP_ImpB_pore", "P_RtB", "RanGTP_ImpB_n", "RanGTP_ImpB_c",
              "RanGTP·importin-beta through the pore"),
        ma("RanBP1_binds_RanGTP_ImpB", "kon_RtBP", ["RanGTP_ImpB_c", "RanBP1"],
           ["RanGTP_ImpB_RanBP1"], c, "RanBP1 joins RanGTP·importin-beta", "koff_RtBP"),
        Reaction("GAP_on_RanGTP_ImpB_RanBP1", "kcat_GAP_RtBP * RanGAP_c * RanGTP_ImpB_RanBP1"
                 " / (Km_GAP_RtBP + RanGTP_ImpB_RanBP1)", {"RanGTP_ImpB_RanBP1": 1},
                 {"RanGDP_c": 1, "RanBP1": 1, "ImpB_c": 1}, c,
                 "RanGAP hydrolysis releases importin-beta"),
        # cytoplasmic RanGTP: RanBP1 and RanGAP
        ma("RanBP1_binds_RanGTP", "kon_RtP", ["RanGTP_c", "RanBP1"], ["RanGTP_RanBP1"], c,
           "RanBP1 binds RanGTP", "koff_RtP"),
        Reaction("GAP_on_RanGTP_RanBP1", "kcat_GAP_RtP * RanGAP_c * RanGTP_RanBP1 / "
                 "(Km_GAP_RtP + RanGTP_RanBP1)", {"RanGTP_RanBP1": 1},
                 {"RanGDP_c": 1, "RanBP1": 1}, c, "RanGAP on RanGTP·RanBP1"),
        Reaction("GAP_on_RanGTP", "kcat_GAP_Rt * RanGAP_c * RanGTP_c / (Km_GAP_Rt + "
                 "RanGTP_c)", {"RanGTP_c": 1}, {"RanGDP_c": 1}, c, "RanGAP on free RanGTP"),
        # RanBP3 comes back one way, as an NLS cargo of importin-alpha/beta
        Reaction("RanBP3_import", "P_P3 / V_cyt_L * RanBP3_c", {"RanBP3_c": 1},
                 {"RanBP3_n": 1}, c, "RanBP3 re-import as NLS cargo"),
    ]
    # CRM1 and RanBP3: active and drug-bound CRM1 alike, except NES binding
    for m, kon in (("CRM1", "kon_MP3"), ("CRM1i", "kon_MP3 * inact_binds_RanBP3")):
        r += [
            ma(f"{m}_binds_RanBP3", kon, [f"{m}_n", "RanBP3_n"], [f"{m}_RanBP3"], n,
               f"{m} binds RanBP3", "koff_MP3"),
            ma(f"{m}_RanBP3_binds_RanGTP", "kon_MP3Rt", [f"{m}_RanBP3", "RanGTP_n"],
               [f"RanGTP_{m}_RanBP3"], n, f"RanGTP joins {m}·RanBP3", "koff_MP3Rt"),
            ma(f"{m}_binds_RanGTP", "kon_MRt", [f"{m}_n", "RanGTP_n"], [f"RanGTP_{m}"], n,
               f"RanGTP binds {m} without RanBP3", "koff_MRt"),
            ma(f"RanGTP_{m}_binds_RanBP3", kon, [f"RanGTP_{m}", "RanBP3_n"],
               [f"RanGTP_{m}_RanBP3"], n, f"RanBP3 joins RanGTP·{m}", "koff_MP3"),
            _pore(f"{m}_pore", "P_M", f"{m}_n", f"{m}_c", f"free {m} through the pore"),
        ]
    return derived, species, r


def _degrades(c: Cargo) -> bool:
    return c.t_half_cyt.value < 1e5 or c.t_half_nuc.value < 1e5


def ran_cycle_module(cargoes: Sequence[Cargo] = DEFAULT_CARGOES,
                     complexes: Sequence[CargoComplex] = DEFAULT_COMPLEXES, *,
                     volumes: CellVolumes | None = None, name: str = "ran_cycle") -> Module:
    """The detailed Ran-cycle / CRM1 export model carrying ``cargoes`` (concentrations nM)."""
    volumes = volumes or CellVolumes.reference()
    all_cargo = cargo_list(cargoes, complexes, name)
    derived, species, reactions = _ran_core()
    params: list[Parameter] = list(ran_parameters())
    n, cy = "nucleus", "cytoplasm"
    ma = _mass_action
    released = {cx.cargo.name: cx.parts[1] for cx in complexes}  # degrading IkBa frees NF-kB
    conserve: list[Conservation] = []
    loaded_n: list[str] = []  # RanGTP-loaded active CRM1 with cargo (nucleus)
    exported_c: dict[str, str] = {}  # cytoplasmic export complex -> nuclear counterpart
    active = {"nucleus": ["CRM1_n", "CRM1_RanBP3", "RanGTP_CRM1_RanBP3", "RanGTP_CRM1"],
              "cytoplasm":
              ["CRM1_c"]}
    crm1 = {s: 1.0 for s in ("CRM1_n", "CRM1_RanBP3", "RanGTP_CRM1_RanBP3", "CRM1_c",
                             "CRM1i_n", "CRM1i_RanBP3", "RanGTP_CRM1i_RanBP3", "CRM1i_c",
                             "RanGTP_CRM1", "RanGTP_CRM1i")}
    rbp3 = {s: 1.0 for s in ("RanBP3_n", "RanBP3_c", "CRM1_RanBP3", "RanGTP_CRM1_RanBP3",
                             "CRM1i_RanBP3", "RanGTP_CRM1i_RanBP3")}
    ran = {s: 1.0 for s in _RAN_SPECIES}
    rbp1 = {"RanBP1": 1.0, "RanGTP_RanBP1": 1.0, "RanGTP_ImpB_RanBP1": 1.0}
    parts_of: dict[str, list[str]] = {c.name: [f"{c.name}_n", f"{c.name}_c"]
                                      for c in all_cargo}
    assignments: list[Assignment] = []
    for c in all_cargo:
        params += cargo_parameters(c)
        x_n, x_c = f"{c.name}_n", f"{c.name}_c"
        init_c: str | float = "NFkB_tot0 * cell / cytoplasm" if c.name == "NFkB" else (
            "cargo_seed" if c.name not in released else 0.0)
        species += [Species(x_n, n, 0.0, description=f"free nuclear {c.name}"),
                    Species(x_c, cy, init_c, description=f"free cytoplasmic {c.name}")]
        derived += [
            Derived(f"{c.name}_kdeg_c", f"log(2) / {c.name}_t_half_cyt", "1/h",
                    f"cytoplasmic degradation rate of {c.name}"),
            Derived(f"{c.name}_kdeg_n", f"log(2) / {c.name}_t_half_nuc", "1/h",
                    f"nuclear degradation rate of {c.name}"),
        ]
        if c.synthesis.value > 0:
            sp = x_n if c.synthesized_in == "nucleus" else x_c
            reactions.append(Reaction(f"{c.name}_made", f"{c.name}_synthesis", (), {sp: 1},
                                      n if sp == x_n else cy, f"synthesis of {c.name}"))
        if c.k_import.value > 0:
            reactions.append(Reaction(f"{c.name}_import", f"{c.name}_k_import * {x_c}",
                                      {x_c: 1}, {x_n: 1}, cy, f"NLS import of {c.name}"))
        if c.k_leak.value > 0 or c.k_leak.bounds:
            reactions.append(Reaction(f"{c.name}_leak", f"{c.name}_k_leak * ({x_n} - {x_c})",
                                      {x_n: 1}, {x_c: 1}, n, f"passive leak of {c.name}",
                                      reversible=True))
        partner = released.get(c.name)
        # (species, compartment, rate constant, carrier species freed on degradation)
        pools: list[tuple[str, str, str, tuple[str, ...]]] = [
            (x_n, n, f"{c.name}_kdeg_n", ()), (x_c, cy, f"{c.name}_kdeg_c", ())]
        if c.exported:
            mx, ex_n, ex_c = f"CRM1_RanBP3_{c.name}", f"XPO1_{c.name}_n", f"XPO1_{c.name}_c"
            species += [Species(mx, n, description=f"CRM1·RanBP3·{c.name}"),
                        Species(ex_n, n, description=f"export complex with {c.name}"),
                        Species(ex_c, cy, description=f"export complex with {c.name}")]
            bx_n, bx_c = f"RtM_{c.name}_n", f"RtM_{c.name}_c"  # without RanBP3
            species += [Species(bx_n, n, description=f"RanGTP·CRM1·{c.name}"),
                        Species(bx_c, cy, description=f"RanGTP·CRM1·{c.name}")]
            parts_of[c.name] += [mx, ex_n, ex_c, bx_n, bx_c]
            loaded_n += [ex_n, bx_n]
            exported_c.update({ex_c: ex_n, bx_c: bx_n})
            active["nucleus"] += [mx, ex_n, bx_n]
            active["cytoplasm"] += [ex_c, bx_c]
            for s in (mx, ex_n, ex_c):
                crm1[s] = rbp3[s] = 1.0
            crm1[bx_n] = crm1[bx_c] = 1.0
            ran[ex_n] = ran[ex_c] = ran[bx_n] = ran[bx_c] = 1.0
            kd = f"{c.name}_nes_kd"
            coop = "(Kd_MP3_NES / Kd_RtMP3_NES)"
            reactions += [
                Reaction(f"{c.name}_binds_CRM1_RanBP3", f"kon_NES * CRM1_RanBP3 * {x_n} - "
                         f"kon_NES * {kd} * {coop} * {mx}", {"CRM1_RanBP3": 1, x_n: 1},
                         {mx: 1}, n, f"{c.name} NES binds CRM1·RanBP3", reversible=True),
                Reaction(f"{c.name}_complex_binds_RanGTP", f"kon_MP3Rt * {mx} * RanGTP_n - "
                         f"kon_MP3Rt * koff_MP3Rt / kon_MP3Rt / {coop} * {ex_n}",
                         {mx: 1, "RanGTP_n": 1}, {ex_n: 1}, n,
                         f"RanGTP joins CRM1·RanBP3·{c.name}", reversible=True),
                Reaction(f"{c.name}_binds_RanGTP_CRM1_RanBP3", f"kon_NES * RanGTP_CRM1_RanBP3 "
                         f"* {x_n} - kon_NES * {kd} * {ex_n}",
                         {"RanGTP_CRM1_RanBP3": 1, x_n: 1}, {ex_n: 1}, n,
                         f"{c.name} NES binds RanGTP·CRM1·RanBP3", reversible=True),
                _pore(f"{c.name}_export_complex_pore", "P_XPO1", ex_n, ex_c,
                      f"export complex with {c.name} through the pore"),
                Reaction(f"{c.name}_export_complex_disassembly", f"kon_disasm * {ex_c} * "
                         "RanBP1", {ex_c: 1, "RanBP1": 1},
                         {"RanGTP_RanBP1": 1, "CRM1_c": 1, "RanBP3_c": 1, x_c: 1}, cy,
                         f"RanBP1 releases {c.name} in the cytoplasm"),
                # the same without RanBP3 (weaker NES binding)
                Reaction(f"{c.name}_binds_RanGTP_CRM1", f"kon_NES * RanGTP_CRM1 * {x_n} - "
                         f"kon_NES * {kd} * RanBP3_NES_enhancement * {bx_n}",
                         {"RanGTP_CRM1": 1, x_n: 1}, {bx_n: 1}, n,
                         f"{c.name} NES binds RanGTP·CRM1", reversible=True),
                _pore(f"{c.name}_RtM_complex_pore", "P_XPO1", bx_n, bx_c,
                      f"RanGTP·CRM1·{c.name} through the pore"),
                Reaction(f"{c.name}_RtM_complex_disassembly", f"kon_disasm * {bx_c} * RanBP1",
                         {bx_c: 1, "RanBP1": 1}, {"RanGTP_RanBP1": 1, "CRM1_c": 1, x_c: 1},
                         cy, f"RanBP1 releases {c.name} from RanGTP·CRM1"),
            ]
            pools += [(mx, n, f"{c.name}_kdeg_n", ("CRM1_RanBP3",)),
                      (ex_n, n, f"{c.name}_kdeg_n", ("RanGTP_CRM1_RanBP3",)),
                      (ex_c, cy, f"{c.name}_kdeg_c", ("RanGTP_c", "CRM1_c", "RanBP3_c")),
                      (bx_n, n, f"{c.name}_kdeg_n", ("RanGTP_CRM1",)),
                      (bx_c, cy, f"{c.name}_kdeg_c", ("RanGTP_c", "CRM1_c"))]
        if _degrades(c):
            for sp, comp, k, carriers in pools:
                products = {s: 1.0 for s in carriers}
                if partner is not None:
                    products[f"{partner}_{'n' if comp == n else 'c'}"] = 1.0
                reactions.append(Reaction(f"{sp}_degradation", f"{k} * {sp}", {sp: 1},
                                          products, comp, f"degradation of {c.name}"))
    for cx in complexes:
        a, b = cx.parts
        params += complex_parameters(cx)
        for s, comp in (("n", n), ("c", cy)):
            reactions.append(ma(f"{cx.name}_binding_{s}", f"{cx.name}_kon",
                                [f"{a}_{s}", f"{b}_{s}"], [f"{cx.name}_{s}"], comp,
                                f"{a}-{b} binding", f"{cx.name}_koff"))
    if any(c.name == "NFkB" for c in all_cargo):
        params.append(nfkb_total())
    # conservation of each cargo (with the complexes that contain it), turnover off
    for c in all_cargo:
        if c.name in released:
            continue
        terms = {s: 1.0 for s in parts_of[c.name]}
        when: dict[str, float] = {}
        family = [c] + [cx.cargo for cx in complexes if c.name in cx.parts]
        for member in family:
            terms.update({s: 1.0 for s in parts_of[member.name]})
            when.update({f"{member.name}_synthesis": 0.0,
                         f"{member.name}_t_half_cyt": 1e15, f"{member.name}_t_half_nuc": 1e15})
        conserve.append(Conservation(f"{c.name}_mass", terms, when=when,
                                     description=f"{c.name} moves but is neither made nor "
                                     "destroyed when turnover is off"))
    conserve += [
        Conservation("Ran_mass", ran, description="Ran is only converted and moved"),
        Conservation("CRM1_mass", crm1, description="CRM1 (active and drug-bound)"),
        Conservation("RanBP3_mass", rbp3, description="RanBP3"),
        Conservation("RanBP1_mass", rbp1, description="RanBP1"),
        Conservation("RCC1_mass", {"RCC1": 1, "RCC1_RanGDP": 1, "RCC1_Ran": 1,
                                   "RCC1_RanGTP": 1}, description="RCC1"),
        Conservation("NTF2_mass", {"NTF2_n": 1, "NTF2_c": 1, "NTF2_RanGDP_n": 1,
                                   "NTF2_RanGDP_c": 1}, description="NTF2"),
        Conservation("ImpB_mass", {"ImpB_n": 1, "ImpB_c": 1, "RanGTP_ImpB_n": 1,
                                   "RanGTP_ImpB_c": 1, "RanGTP_ImpB_RanBP1": 1},
                     description="importin-beta"),
    ]
    ran_gtp_n = "RanGTP_n + RCC1_RanGTP + RanGTP_ImpB_n + RanGTP_CRM1_RanBP3 + " \
                "RanGTP_CRM1i_RanBP3 + RanGTP_CRM1 + RanGTP_CRM1i" + "".join(
                    f" + {s}" for s in loaded_n)
    ran_gtp_c = "RanGTP_c + RanGTP_RanBP1 + RanGTP_ImpB_c + RanGTP_ImpB_RanBP1" + "".join(
        f" + {s}" for s in exported_c)
    active_amount = (f"(({' + '.join(active['nucleus'])}) * nucleus + "
                     f"({' + '.join(active['cytoplasm'])}) * cytoplasm)")
    export_flux = " + ".join(f"({sn} - {sc})" for sc, sn in exported_c.items()) or "0"
    assignments += [
        Assignment("RanGTP_nuc_total", ran_gtp_n, "nM", "nuclear RanGTP, free and bound"),
        Assignment("RanGTP_cyt_total", ran_gtp_c, "nM", "cytoplasmic RanGTP, free and bound"),
        Assignment("RanGTP_free_ratio", "RanGTP_n / max(RanGTP_c, 1e-30)", "1",
                   "free RanGTP, nucleus over cytoplasm"),
        Assignment("RanGTP_total_ratio", "RanGTP_nuc_total / max(RanGTP_cyt_total, 1e-30)",
                   "1", "all RanGTP, nucleus over cytoplasm"),
        Assignment("phi_n_detailed", "(RanGTP_CRM1_RanBP3 + RanGTP_CRM1"
                   f"{''.join(' + ' + s for s in loaded_n)})"
                   f" * nucleus / max({active_amount}, 1e-30)", "1",
                   "share of drug-free CRM1 that is nuclear and RanGTP-loaded (phi_n of the "
                   "reduced law)"),
        Assignment("export_events_per_NPC", f"P_XPO1 * ({export_flux}) * N_A / N_NPC", "1/h",
                   "net CRM1 export-complex passages per pore"),
    ]
    for c in all_cargo:
        if c.name in released:
            continue  # complexes are counted with their parts
        fam = list(parts_of[c.name])
        for cx in complexes:
            if c.name in cx.parts:
                fam += parts_of[cx.cargo.name]
        nuc = " + ".join(s for s in fam if _compartment_of(s) == n)
        cyt = " + ".join(s for s in fam if _compartment_of(s) == cy)
        assignments.append(Assignment(
            f"{c.name}_nuclear_fraction", f"({nuc}) * nucleus / max(({nuc}) * nucleus + "
            f"({cyt}) * cytoplasm, 1e-30)", "1", f"share of {c.name} in the nucleus"))
    return Module(
        name=name,
        description="Detailed Ran cycle (RCC1, RanGAP, RanBP1, NTF2, importin-beta) with "
                    "CRM1·RanBP3 export of named NES cargoes (Riddick & Macara 2005/2007)",
        compartments=volumes.compartments(), parameters=tuple(params),
        derived=tuple(derived), species=tuple(species), reactions=tuple(reactions),
        assignments=tuple(assignments), conservations=tuple(conserve),
    )


def _compartment_of(species: str) -> str:
    return "cytoplasm" if species.endswith("_c") else "nucleus"


def steady_state(sim: Simulator, parameters: Mapping[str, float] | None = None, *,
                 initial: Mapping[str, float] | None = None, rtol: float = 1e-9,
                 max_time: float = 1e5) -> dict[str, float]:
    """Species at steady state (nM), integrating over doubling horizons from 24 h.

    Like :meth:`Simulator.steady_state`, but round-off negatives of species that are
    exactly zero at steady state (drug-bound CRM1 when ``f_inact = 0``) are set to 0
    between horizons.
    """
    names = [s.name for s in sim.model.species]
    state = {k: max(float(v), 0.0) for k, v in (initial or {}).items()}
    horizon, elapsed = 24.0, 0.0
    while elapsed < max_time:
        res = sim.run([0.0, horizon / 2, horizon], parameters=parameters, initial=state,
                      outputs=names)
        a, b = res.values[1], res.values[2]
        scale = np.maximum(np.abs(b), 1e-9 * max(1.0, float(np.max(np.abs(b)))))
        state = {k: max(float(v), 0.0) for k, v in zip(names, b, strict=True)}
        elapsed += horizon
        if np.max(np.abs(b - a) / scale) < rtol:
            return state
        horizon *= 2
    raise ModelError(f"{sim.model.name}: no steady state within {max_time:g} h")


#: Cargoes whose nuclear fractions the agreement test compares.
COMPARED_CARGOES: tuple[str, ...] = ("p53", "p21", "FOXO3a", "BRCA1", "IkBa", "NFkB",
                                     "NESpool", "oncoRNA")


@dataclass(frozen=True)
class ReferenceModels:
    """The detailed model and the reduced export module, composed alone (same cargoes)."""

    detailed: Model
    reduced: Model

    @staticmethod
    def build(volumes: CellVolumes | None = None) -> ReferenceModels:
        volumes = volumes or CellVolumes.reference()
        return ReferenceModels(
            compose(ran_cycle_module(volumes=volumes), name="ran_cycle_reference"),
            compose(export_module(volumes=volumes), name="reduced_export"))


def _check_f(f_inact: Sequence[float]) -> list[float]:
    out = []
    for f in f_inact:
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f <= 0.99:
            raise InputError("f_inact", "each value must be a share in [0, 0.99]", got=f)
        out.append(float(f))
    if not out:
        raise InputError("f_inact", "needs at least one value in [0, 0.99]")
    return out


def _read(sim: Simulator, state: Mapping[str, float], names: Sequence[str],
          parameters: Mapping[str, float] | None = None) -> dict[str, float]:
    res = sim.run([0.0, 1e-9], parameters=parameters, initial=state, outputs=list(names))
    return dict(zip(names, (float(v) for v in res.values[0]), strict=True))


def detailed_fractions(f_inact: Sequence[float] = F_INACT_GRID, *,
                       parameters: Mapping[str, float] | None = None,
                       rtol: float = 1e-9, atol: float = 1e-10,
                       models: ReferenceModels | None = None) -> pd.DataFrame:
    """Steady state of the detailed model at each inactivation level.

    One row per ``f_inact`` with every compared cargo's nuclear fraction,
    ``phi_n_detailed`` (nuclear RanGTP-loaded share of drug-free CRM1), the RanGTP
    gradients and the export passages per pore (per h). ``parameters`` (canonical units)
    override model constants, e.g. NES affinities ``p53_nes_kd`` in nM.
    """
    fs = _check_f(f_inact)
    models = models or ReferenceModels.build()
    sim = Simulator(models.detailed, rtol=rtol, atol=atol)
    outs = [f"{c}_nuclear_fraction" for c in COMPARED_CARGOES] + [
        "phi_n_detailed", "RanGTP_free_ratio", "RanGTP_total_ratio", "export_events_per_NPC"]
    rows = []
    for f in fs:
        params = {**(parameters or {}), "f_inact": f}
        ss = steady_state(sim, params)
        rows.append({"f_inact": f, **_read(sim, ss, outs, params)})
    return pd.DataFrame(rows)


def _reduced_parameters(k_tr_per_s: float | None, phi_n: float | None) -> dict[str, float]:
    out: dict[str, float] = {}
    if k_tr_per_s is not None:
        out["k_tr"] = k_tr_per_s * 3600.0  # canonical 1/h
    if phi_n is not None:
        out["phi_n"] = phi_n
    return out


def reduced_fractions(f_inact: Sequence[float] = F_INACT_GRID, *,
                      k_tr_per_s: float | None = None, phi_n: float | None = None,
                      parameters: Mapping[str, float] | None = None,
                      models: ReferenceModels | None = None) -> pd.DataFrame:
    """Steady state of the reduced law with the same cargoes and the same active XPO1.

    ``XPO1_free`` = (1 − f_inact) × total CRM1 of the detailed model (0.3 µM);
    ``k_tr_per_s`` (1/s) and ``phi_n`` override the reduced module's constants.
    """
    fs = _check_f(f_inact)
    models = models or ReferenceModels.build()
    total = models.detailed.parameter("CRM1_tot").canonical_value
    sim = Simulator(models.reduced, rtol=1e-9, atol=1e-10)
    base = {**(parameters or {}), **_reduced_parameters(k_tr_per_s, phi_n)}
    outs = [f"{c}_nuclear_fraction" for c in COMPARED_CARGOES]
    rows = []
    for f in fs:
        params = {**base, "XPO1_free": (1.0 - f) * total}
        ss = steady_state(sim, params)
        rows.append({"f_inact": f, **_read(sim, ss, outs, params)})
    return pd.DataFrame(rows)


def agreement_table(detailed: pd.DataFrame, reduced: pd.DataFrame) -> pd.DataFrame:
    """Tidy comparison: f_inact, cargo, detailed, reduced, difference (reduced − detailed)."""
    rows = []
    for (_, d), (_, r) in zip(detailed.iterrows(), reduced.iterrows(), strict=True):
        for c in COMPARED_CARGOES:
            key = f"{c}_nuclear_fraction"
            rows.append({"f_inact": d["f_inact"], "cargo": c, "detailed": d[key],
                         "reduced": r[key], "difference": r[key] - d[key]})
    return pd.DataFrame(rows)
