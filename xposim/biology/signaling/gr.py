"""Glucocorticoid receptor (GR) and dexamethasone: the Jusko fifth-generation receptor/gene
model, with selinexor raising GR expression.

Ramakrishnan et al. 2002 (fifth-generation corticosteroid model), species per whole cell:

    dRm/dt  = ks_Rm·GR_level·(1 + Emax_sel·I/(EC50_sel + I))·(1 − DRn/(IC50_Rm + DRn)) − kd_Rm·Rm
    dR/dt   = ks_R·Rm + Rf·kre·DRn − kon·D·R + koff·DR − kd_R·R
    dDR/dt  = kon·D·R − koff·DR − kT·DR
    dDRn/dt = kT·DR − kre·DRn

Rm = GR mRNA (``GR_mRNA``), R = free cytosolic GR (``GR_free``), DR = cytosolic
dexamethasone–GR complex (``GR_dex``), DRn = activated nuclear complex (``GR_dex_nuc``),
D = unbound dexamethasone (input ``C_dex``, nM; medium or unbound plasma, taken equal
inside the cell: a lipophilic steroid), I = ``XPO1_inhibition`` (0-1, from the target
module). Jusko's rat-liver units (fmol/g, fmol/mg protein) are read as nM-equivalents:
nothing depletes the drug, so only ratios (DRn/IC50_Rm, DRn/EC50 of the readout) matter.

Two changes to the published model, both stated in the parameters:
- dexamethasone instead of methylprednisolone: association ``kon`` with a dissociation
  ``koff = kon·Kd`` from the human dexamethasone–GR Kd (Pörtner et al. 1988); the fifth-
  generation model has no koff (methylprednisolone binding is effectively irreversible
  on its time scale);
- selinexor induces GR expression (Argueta et al., Oncotarget 2018): an Emax term on GR
  transcription driven by XPO1 inhibition (the reference's suggested coupling,
  model-building-blocks.md §6.1).

Output ``gr_death_signal`` (0-1): REDD1 induction and mTORC1 repression by the nuclear
complex, a Hill function of DRn. Without dexamethasone DRn = 0, so the signal is 0 for any
selinexor level: single-agent selinexor stays GR-independent (Argueta 2018).
"""

from __future__ import annotations

from xposim.biology.transport import CellVolumes
from xposim.model import (
    Assignment,
    Derived,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
)
from xposim.presets.loader import parameter_file


def gr_parameters() -> tuple[Parameter, ...]:
    """The module's parameters (values and provenance: presets/params/gr.toml)."""
    return parameter_file("gr").parameters()


def gr_module(volumes: CellVolumes | None = None, *, name: str = "gr") -> Module:
    """GR/dexamethasone receptor-gene module (reads ``C_dex`` nM, ``XPO1_inhibition``)."""
    volumes = volumes or CellVolumes.reference()
    induction = "(1 + GR_sel_emax * XPO1_inhibition / (GR_sel_ec50 + XPO1_inhibition))"
    return Module(
        name=name,
        description="Jusko fifth-generation GR receptor/gene model for dexamethasone, with "
                    "GR induction by XPO1 blockade and a REDD1/mTORC1 death signal",
        compartments=volumes.compartments(),
        parameters=gr_parameters(),
        derived=(
            Derived("GR_koff_dex", "GR_kon_dex * GR_Kd_dex", "1/h",
                    "dexamethasone-GR dissociation (kon * Kd)"),
            Derived("GR_Rm0", "GR_level * GR_ks_Rm / GR_kd_Rm", "nM",
                    "untreated GR mRNA (ks_Rm * GR_level / kd_Rm)"),
            Derived("GR_R0", "GR_ks_R * GR_Rm0 / GR_kd_R", "nM",
                    "untreated free GR (ks_R * Rm0 / kd_R)"),
        ),
        species=(
            Species("GR_mRNA", "cell", "GR_Rm0", description="GR mRNA (nM-equivalents)"),
            Species("GR_free", "cell", "GR_R0", description="free cytosolic GR"),
            Species("GR_dex", "cell", 0.0, description="cytosolic dexamethasone-GR complex"),
            Species("GR_dex_nuc", "cell", 0.0,
                    description="activated nuclear dexamethasone-GR complex (per cell)"),
        ),
        reactions=(
            Reaction("GR_transcription",
                     f"GR_level * GR_ks_Rm * {induction} * (1 - GR_dex_nuc / (GR_IC50_Rm + "
                     "GR_dex_nuc))", (), {"GR_mRNA": 1}, "cell",
                     "GR transcription: induced by XPO1 blockade, repressed by the nuclear "
                     "complex"),
            Reaction("GR_mRNA_decay", "GR_kd_Rm * GR_mRNA", {"GR_mRNA": 1}, (), "cell",
                     "GR mRNA decay"),
            Reaction("GR_translation", "GR_ks_R * GR_mRNA", (), {"GR_free": 1}, "cell",
                     "GR protein synthesis"),
            Reaction("GR_degradation", "GR_kd_R * GR_free", {"GR_free": 1}, (), "cell",
                     "free GR turnover"),
            Reaction("GR_dex_binding", "GR_kon_dex * C_dex * GR_free - GR_koff_dex * GR_dex",
                     {"GR_free": 1}, {"GR_dex": 1}, "cell",
                     "dexamethasone binding (drug not depleted)", reversible=True),
            Reaction("GR_translocation", "GR_kT * GR_dex", {"GR_dex": 1},
                     {"GR_dex_nuc": 1}, "cell", "nuclear translocation of the complex"),
            Reaction("GR_recycling", "GR_Rf * GR_kre * GR_dex_nuc", {"GR_dex_nuc": 1},
                     {"GR_free": 1}, "cell", "receptor released and recycled"),
            Reaction("GR_nuclear_loss", "(1 - GR_Rf) * GR_kre * GR_dex_nuc",
                     {"GR_dex_nuc": 1}, (), "cell", "receptor released and degraded"),
        ),
        assignments=(
            Assignment("GR_total", "GR_free + GR_dex + GR_dex_nuc", "nM", "total GR"),
            Assignment("GR_occupancy", "(GR_dex + GR_dex_nuc) / max(GR_total, 1e-30)", "1",
                       "share of GR bound by dexamethasone"),
            Assignment("gr_death_signal",
                       "hill(GR_dex_nuc, GR_signal_ec50, GR_signal_hill)", "1",
                       "REDD1 induction / mTORC1 repression by nuclear GR (0-1)"),
        ),
        inputs=(
            Input("C_dex", "nM", 0.0, "unbound dexamethasone at the cell (medium or unbound "
                  "plasma)"),
            Input("XPO1_inhibition", "1", 0.0, "loss of drug-free XPO1 (target module)"),
        ),
    )
