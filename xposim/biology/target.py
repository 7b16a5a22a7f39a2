"""Selinexor target engagement: two-step covalent binding of XPO1 Cys528 and XPO1 turnover.

    drug_ext  ⇌  drug_in                       passive permeation (k_perm)
    XPO1_free + drug_in  ⇌  XPO1_drug           reversible complex (kon, Ki = koff/kon)
    XPO1_drug  →  XPO1_adduct                   covalent bond to Cys528 (kinact)
    XPO1_adduct → XPO1_free + drug_in           slow retro-Michael reversal (krev)
    XPO1 made from its mRNA; free and complexed XPO1 degraded at kdeg_XPO1, the adduct
    at kdeg_adduct (CRL5-ASB8 ubiquitin ligase)
    XPO1 mRNA induced while the drug holds XPO1 (feedback; Emax on intracellular drug,
    gated by occupancy)

Species live in the whole-cell compartment ``cell`` (nM, averaged over nucleus and
cytoplasm: a 443 Da drug crosses the nuclear envelope in seconds). ``occupancy`` is the
drug-bound share of XPO1. The C528S mutant keeps the reversible step but cannot form the
bond (``kinact = 0``).

The XPO1 mRNA feedback follows drug exposure, not occupancy: transcription rises by
``fb_emax * occupancy * drug_in / (drug_in + fb_drug_ec50)``. In patients XPO1 mRNA peaks
4-8 h after a dose (Abdul Razak et al., JCO 2016; recalled, unverified), when unbound
selinexor peaks (Tmax 2-4 h, t1/2 6-8 h), whereas occupancy stays above 90% for half a day
and above 50% for two (Crochiere et al., Oncotarget 2017): an occupancy-driven induction
peaks near 20 h. The occupancy gate keeps the C528S cell (no occupancy) uninduced.

No selinexor KI/kinact/krev has been published: these are
calibrated (``xposim calibrate target-engagement``; see each parameter's ``fitted_to``) or
assumed with the range searched. Values and provenance: presets/params/target.toml.
"""

from __future__ import annotations

from xposim.biology.transport import CellVolumes
from xposim.model import (
    Assignment,
    Conservation,
    Derived,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
)
from xposim.presets.loader import parameter_file


def target_parameters() -> tuple[Parameter, ...]:
    """The module's parameters (presets/params/target.toml; kinact_drug, t_half_adduct and
    t_half_XPO1 written by ``xposim calibrate target-engagement``)."""
    return parameter_file("target").parameters()


def target_module(*, volumes: CellVolumes | None = None, covalent: bool = True,
                  name: str = "xpo1_target") -> Module:
    """XPO1 turnover and covalent target engagement by an XPO1 inhibitor.

    Reads ``drug_ext`` (unbound extracellular drug, nM). ``covalent=False`` builds the
    C528S variant: same reversible binding, no covalent bond.
    """
    volumes = volumes or CellVolumes.reference()
    params = list(target_parameters())
    if not covalent:
        params = [p.with_value(0.0, source="C528S: Cys528 replaced by Ser, no Michael "
                               "addition possible (Neggers et al., Chem Biol 2015)",
                               kind="measured") if p.name == "kinact_drug" else p
                  for p in params]
    return Module(
        name=name,
        description="Two-step covalent XPO1 engagement with slow reversal, XPO1 synthesis, "
                    "degradation of drug-bound XPO1 and mRNA feedback",
        compartments=volumes.compartments(),
        parameters=tuple(params),
        derived=(
            Derived("kdeg_XPO1", "log(2) / t_half_XPO1", "1/h", "degradation of free XPO1"),
            Derived("kdeg_adduct", "log(2) / t_half_adduct", "1/h",
                    "degradation of the covalent adduct"),
            Derived("krev_drug", "log(2) / t_half_reversal", "1/h", "adduct reversal rate"),
            Derived("koff_drug", "kon_drug * Ki_drug", "1/h",
                    "dissociation of the reversible complex"),
            Derived("ksyn_XPO1", "XPO1_total0 * kdeg_XPO1", "nM/h",
                    "XPO1 synthesis at baseline mRNA: keeps XPO1_total0 without drug"),
            Derived("kdeg_XPO1_mRNA", "log(2) / t_half_XPO1_mRNA", "1/h",
                    "XPO1 mRNA decay"),
        ),
        species=(
            Species("drug_in", "cell", 0.0, description="unbound intracellular drug"),
            Species("XPO1_free", "cell", "XPO1_total0", description="drug-free XPO1"),
            Species("XPO1_drug", "cell", 0.0, description="reversible XPO1-drug complex"),
            Species("XPO1_adduct", "cell", 0.0, description="covalent XPO1-drug adduct"),
            Species("XPO1_mRNA", "cell", "XPO1_mRNA0", description="XPO1 mRNA "
                    "(nM-equivalents; XPO1_mRNA0 = untreated)"),
        ),
        reactions=(
            Reaction("drug_uptake", "k_perm * (drug_ext - drug_in)", (), {"drug_in": 1},
                     "cell", "net passive permeation of drug into the cell", reversible=True),
            Reaction("drug_binding", "kon_drug * drug_in * XPO1_free - koff_drug * XPO1_drug",
                     {"drug_in": 1, "XPO1_free": 1}, {"XPO1_drug": 1}, "cell",
                     "reversible binding in the NES groove", reversible=True),
            Reaction("covalent_bond", "kinact_drug * XPO1_drug", {"XPO1_drug": 1},
                     {"XPO1_adduct": 1}, "cell", "Michael addition to Cys528"),
            Reaction("adduct_reversal", "krev_drug * XPO1_adduct", {"XPO1_adduct": 1},
                     {"XPO1_free": 1, "drug_in": 1}, "cell", "retro-Michael release"),
            Reaction("XPO1_synthesis", "ksyn_XPO1 * XPO1_mRNA / XPO1_mRNA0", (),
                     {"XPO1_free": 1}, "cell", "translation of XPO1"),
            Reaction("XPO1_degradation", "kdeg_XPO1 * XPO1_free", {"XPO1_free": 1}, (),
                     "cell", "turnover of free XPO1"),
            Reaction("XPO1_drug_degradation", "kdeg_XPO1 * XPO1_drug", {"XPO1_drug": 1},
                     {"drug_in": 1}, "cell", "turnover of reversibly bound XPO1 (drug freed)"),
            Reaction("XPO1_adduct_degradation", "kdeg_adduct * XPO1_adduct",
                     {"XPO1_adduct": 1}, (), "cell", "CRL5-ASB8-mediated degradation"),
            Reaction("XPO1_transcription",
                     "kdeg_XPO1_mRNA * XPO1_mRNA0 * (1 + fb_emax * occupancy * drug_in / ("
                     "fb_drug_ec50 + drug_in))",
                     (), {"XPO1_mRNA": 1}, "cell",
                     "XPO1 transcription, induced while the drug holds XPO1"),
            Reaction("XPO1_mRNA_decay", "kdeg_XPO1_mRNA * XPO1_mRNA", {"XPO1_mRNA": 1}, (),
                     "cell", "XPO1 mRNA decay"),
        ),
        assignments=(
            Assignment("XPO1_cell_total", "XPO1_free + XPO1_drug + XPO1_adduct", "nM",
                       "total XPO1 protein"),
            Assignment("occupancy", "(XPO1_drug + XPO1_adduct) / max(XPO1_cell_total, 1e-30)",
                       "1", "share of XPO1 bound by drug (target occupancy)"),
            Assignment("XPO1_inhibition", "max(0, 1 - XPO1_free / XPO1_total0)", "1",
                       "loss of drug-free XPO1 relative to the untreated cell, counting "
                       "degraded XPO1: what a free-XPO1 (biotinylated leptomycin B) assay "
                       "compares between treated and untreated samples (Crochiere et al., "
                       "Oncotarget 2016)"),
            Assignment("covalent_occupancy", "XPO1_adduct / max(XPO1_cell_total, 1e-30)", "1",
                       "share of XPO1 covalently modified"),
        ),
        inputs=(Input("drug_ext", "nM", 0.0, "unbound drug outside the cell (medium, or "
                      "plasma unbound in a patient)"),),
        conservations=(
            Conservation("XPO1_protein", {"XPO1_free": 1, "XPO1_drug": 1, "XPO1_adduct": 1},
                         when={"t_half_XPO1": 1e15, "t_half_adduct": 1e15},
                         description="XPO1 is only made and destroyed by turnover"),
        ),
    )
