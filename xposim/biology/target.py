"""Selinexor target engagement: two-step covalent binding of XPO1 Cys528 and XPO1 turnover.

    drug_ext  ⇌  drug_in                       passive permeation (k_perm)
    XPO1_free + drug_in  ⇌  XPO1_drug           reversible complex (kon, Ki = koff/kon)
    XPO1_drug  →  XPO1_adduct                   covalent bond to Cys528 (kinact)
    XPO1_adduct → XPO1_free + drug_in           slow retro-Michael reversal (krev)
    XPO1 made from its mRNA; free and complexed XPO1 degraded at kdeg_XPO1, the adduct
    at kdeg_adduct (CRL5-ASB8 ubiquitin ligase)
    XPO1 mRNA induced by XPO1 blockade (feedback; Emax on occupancy)

Species live in the whole-cell compartment ``cell`` (nM, averaged over nucleus and
cytoplasm: a 443 Da drug crosses the nuclear envelope in seconds). ``occupancy`` is the
drug-bound share of XPO1. The C528S mutant keeps the reversible step but cannot form the
bond (``kinact = 0``). No selinexor KI/kinact/krev has been published: these are
calibrated (see each parameter's ``fitted_to``) or assumed with the range searched.
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

RM2007 = "Riddick & Macara, Mol Syst Biol 2007;3:118"
TE_FIT = ("Crochiere et al., Oncotarget 2017 occupancy figures as mapped to human doses in "
          "calibration-targets.md §2 (full by 6 h; > 90% needs ~50 mg; held to 48 h needs "
          ">= 50-75 mg), read as loss of free XPO1 (XPO1_inhibition) with the label-fitted "
          "selinexor popPK driving a myeloma cell; targets in "
          "xposim.calibration.target_engagement.TARGETS")

XPO1_TOTAL = Parameter(
    "XPO1_total0", 0.3, "uM", RM2007 + ": 0.3 uM CRM1 in HeLa (quantitative western)",
    "measured", "untreated whole-cell XPO1", bounds=(0.05, 5.0))

TARGET_PARAMETERS: tuple[Parameter, ...] = (
    XPO1_TOTAL,
    Parameter("t_half_XPO1", 68.1, "h", "fitted by xposim.calibration.target_engagement; "
              "prior 36 h: long-lived, order of a day or more (calibration-targets.md §2; "
              "Schwanhausser et al., Nature 2011 median 46 h)", "calibrated",
              "half-life of drug-free XPO1", bounds=(12.0, 100.0),
              fitted_to=TE_FIT),
    Parameter("t_half_adduct", 10.27, "h", "drug-bound XPO1 is degraded through CRL5-ASB8 "
              "(PMID 39416201), rate not reported; fitted by "
              "xposim.calibration.target_engagement (prior 12 h; constrained to at most half "
              "the free-XPO1 half-life)", "calibrated",
              "half-life of the covalent XPO1-drug adduct (degradation)", bounds=(2.0, 200.0),
              fitted_to=TE_FIT),
    Parameter("kon_drug", 1e5, "1/M/s", "typical association rate of a small molecule into a "
              "protein groove (assumed)", "assumed", "association of drug with XPO1",
              bounds=(1e4, 1e7)),
    Parameter("Ki_drug", 10.0, "uM", "weak non-covalent affinity: C528S cells are "
              "essentially resistant (Neggers et al., Chem Biol 2015); assumed",
              "assumed", "dissociation constant of the reversible XPO1-drug complex",
              bounds=(0.1, 100.0)),
    Parameter("kinact_drug", 0.0501, "1/s", "fitted by xposim.calibration.target_engagement "
              "with Ki fixed: kinact/Ki = 5.0e3 /M/s, inside the 1e2-1e5 /M/s range of "
              "covalent drugs (model-building-blocks.md §9)", "calibrated",
              "covalent bond formation from the reversible complex", bounds=(1e-4, 1.0),
              fitted_to=TE_FIT),
    Parameter("t_half_reversal", 48.0, "h", "label: 'reversibly inhibits nuclear export'; "
              "slowly reversible, half-life hours to days assumed (model-building-blocks.md "
              "§9)", "assumed", "half-life of the adduct by retro-Michael reversal",
              bounds=(6.0, 500.0)),
    Parameter("k_perm", 60.0, "1/h", "lipophilic small molecule equilibrates across the "
              "plasma membrane within minutes (assumed)", "assumed",
              "membrane permeation rate constant of the drug", bounds=(1.0, 1000.0)),
    Parameter("t_half_XPO1_mRNA", 4.0, "h", "typical mRNA half-life of a few hours "
              "(Sharova et al., DNA Res 2009); assumed", "assumed", "XPO1 mRNA half-life",
              bounds=(1.0, 12.0)),
    Parameter("XPO1_mRNA0", 1.0, "nM", "relative scale: XPO1 mRNA is expressed in "
              "nM-equivalents with 1 = untreated level (convention)", "assumed",
              "untreated XPO1 mRNA level"),
    Parameter("fb_emax", 2.0, "dimensionless", "XPO1 mRNA induced 2-4-fold in blood cells "
              "after dosing (Abdul Razak et al., JCO 2016; calibration-targets.md §2, "
              "recalled): maximal 3-fold induction", "assumed",
              "maximal fractional increase of XPO1 transcription", bounds=(0.0, 5.0)),
    Parameter("fb_ec50", 0.5, "dimensionless", "assumed: half-maximal induction at 50% "
              "occupancy", "assumed", "occupancy giving half-maximal XPO1 induction",
              bounds=(0.05, 0.95)),
)


def target_module(*, volumes: CellVolumes | None = None, covalent: bool = True,
                  name: str = "xpo1_target") -> Module:
    """XPO1 turnover and covalent target engagement by an XPO1 inhibitor.

    Reads ``drug_ext`` (unbound extracellular drug, nM). ``covalent=False`` builds the
    C528S variant: same reversible binding, no covalent bond.
    """
    volumes = volumes or CellVolumes()
    params = list(TARGET_PARAMETERS)
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
                     "kdeg_XPO1_mRNA * XPO1_mRNA0 * (1 + fb_emax * occupancy / (fb_ec50 + "
                     "occupancy))",
                     (), {"XPO1_mRNA": 1}, "cell", "XPO1 transcription, induced by blockade"),
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
