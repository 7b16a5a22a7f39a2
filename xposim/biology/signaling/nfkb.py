"""Proteasome inhibition by bortezomib, and the NF-κB survival and proteotoxic readouts.

The IκBα / NF-κB shuttle itself lives in the export core (:mod:`xposim.biology.cargoes`,
Lipniacki et al. 2004 rates): free IκBα and the IκBα·NF-κB complex leave the nucleus only
through XPO1, and their degradation is proportional to ``proteasome_activity`` and, in the
cytoplasm, is sped up by IKK (``IKK_degradation``). This module provides those two inputs
and reads the nuclear free NF-κB back:

    C_btz + P  ⇌  P·btz          reversible 20S (β5) binding, koff from the label's
                                 dissociation t½ of about 20 min, kon = koff / IC50_cell
    proteasome_activity = 1 − P·btz / P_total            (steady state: 1 / (1 + C/IC50))
    IC50_cell = btz_IC50_cell · pi_resistance            (PSMB5-mutant lines bind less)
    nfkb_activity  = NFkB_n / NFkB_n_ref                 (1 in the untreated cell)
    IkBa_induction = 1 − w + w·d·(1 + K)/(d + K),  d = NFkB_n / NFkB_feedback_scale
                                                         (Lipniacki's negative feedback)
    nfkb_survival  = nfkb_dependence · min(1, nfkb_activity)
    proteotoxic_signal = inh^n / (EC50^n + inh^n),  inh = 1 − proteasome_activity

Selinexor traps IκBα in the nucleus, where it binds NF-κB in a complex that can no
longer leave (Turner et al., Oncotarget 2016; Kashyap et al., Oncotarget 2016);
bortezomib stops IκBα degradation. Both lower nuclear free NF-κB, by different routes,
so selinexor still works on NF-κB when a PI-resistant proteasome escapes bortezomib.

``NFkB_n_ref`` must be the untreated steady state of the composed cell; set it with
:func:`xposim.biology.signaling.with_untreated_references`.
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

LABEL = ("VELCADE US label §12 (MIMS copy): bortezomib dissociates from the proteasome with "
         "a half-life of about 20 min; model-building-blocks.md §6.2")
TURNER = "Turner et al., Oncotarget 2016;7:78896"
RI2010 = ("Ri et al., Leukemia 2010;24:1506: bortezomib-resistant KMS-11/BTZ and OPM-2/BTZ "
          "(PSMB5 G322A) have 24.7- and 16.6-fold higher IC50 than their parental lines and "
          "accumulate less unfolded protein")

NFKB_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("proteasome_total0", 500.0, "nM", "assumed: the proteasome is ~1% of cell "
              "protein, several 10^5 particles per cell (order 0.1-1 uM in 2 pL); the drug "
              "in the medium is not depleted, so only the bound share matters",
              "assumed", "20S proteasome (beta5 sites) per cell", bounds=(50.0, 5000.0)),
    Parameter("btz_IC50_cell", 3.0, "nM", "assumed in the low-nM range: Ki 0.6 nM against "
              "purified 20S (Adams et al., Cancer Res 1999, recalled; see "
              "pharmacology/pk/bortezomib.py), a few-fold higher in intact cells; myeloma "
              "lines die at 2-10 nM in 48-72 h (" + RI2010 + ", parental lines, recalled)",
              "assumed", "medium bortezomib halving 20S chymotrypsin-like activity in "
              "sensitive cells", bounds=(0.5, 30.0)),
    Parameter("btz_t_half_off_cell", 20.0, "min", LABEL, "measured",
              "half-life of the bortezomib-proteasome complex", bounds=(5.0, 120.0)),
    Parameter("pi_resistance", 1.0, "dimensionless", "preset: 1 = PI-sensitive; "
              "PSMB5-mutant PI-resistant myeloma lines are ~17-25-fold less sensitive ("
              + RI2010 + "); read as the same fold shift of the proteasome IC50",
              "assumed", "fold shift of the cellular proteasome IC50 (>= 1)",
              bounds=(1.0, 100.0)),
    Parameter("IKK_basal", 0.0, "1/h", "Lipniacki et al., J Theor Biol 2004: no active IKK "
              "in the resting cell (IkBa lost only by constitutive decay c5a, c6a). A preset "
              "may raise it for constitutive canonical signalling, but without the "
              "NF-kB-induced IkBa synthesis of Lipniacki (not modelled here) a sustained "
              "IKK activity above ~0.1 /h strips IkBa from most NF-kB", "assumed",
              "IKK-driven degradation constant of cytoplasmic IkBa", bounds=(0.0, 20.0)),
    Parameter("IkBa_feedback", 0.5, "dimensionless", "Lipniacki et al., J Theor Biol 2004: "
              "IkBa transcription is NF-kB-inducible (c1a, linear in nuclear NF-kB) - the "
              "pathway's negative feedback. Lipniacki has no constitutive IkBa "
              "transcription, which would leave the resting cell almost without IkBa; "
              "cargoes.py keeps an assumed basal synthesis instead, of which half is taken "
              "as NF-kB-driven at the feedback scale (assumed)", "assumed",
              "share of IkBa synthesis driven by nuclear NF-kB at NFkB_feedback_scale",
              bounds=(0.0, 1.0)),
    Parameter("NFkB_feedback_scale", 0.1073, "nM", "untreated nuclear free NF-kB of the "
              "reference 'myeloma' preset (steady state of export core + target + this "
              "module), so that preset keeps the export core's IkBa synthesis; a fixed "
              "constant (not a per-line reference) so every line has a well-defined steady "
              "state", "derived", "nuclear free NF-kB at which IkBa induction is 1",
              bounds=(1e-4, 10.0)),
    Parameter("IkBa_feedback_K", 20.0, "dimensionless", "assumed: the NFKBIA promoter "
              "saturates (Lipniacki's linear induction would grow without bound when IkBa is "
              "knocked down and NF-kB floods the nucleus); half-maximal at 20x the feedback "
              "scale, at most ~11-fold induction", "assumed",
              "relative NF-kB drive half-saturating IkBa induction", bounds=(1.0, 1000.0)),
    Parameter("nfkb_dependence", 0.5, "dimensionless", "preset: share of the line's "
              "survival that relies on NF-kB (assumed 0.5 for the reference myeloma)",
              "assumed", "weight of NF-kB survival signalling (0-1)", bounds=(0.0, 1.0)),
    Parameter("NFkB_n_ref", 0.1073, "nM", "untreated steady state of the reference "
              "'myeloma' preset with its export core and this module; recomputed for any "
              "composed cell by xposim.biology.signaling.with_untreated_references",
              "derived", "nuclear free NF-kB of the untreated cell", bounds=(1e-6, 100.0)),
    Parameter("proteotoxic_ec50", 0.7, "dimensionless", "assumed: myeloma cells tolerate "
              "partial beta5 inhibition; cytotoxicity needs most chymotrypsin-like activity "
              "blocked (Parlati et al., Blood 2009;114:3439: beta5 or LMP7 alone "
              "insufficient, both sufficient)", "assumed",
              "proteasome inhibition giving half-maximal proteotoxic stress",
              bounds=(0.3, 0.95)),
    Parameter("proteotoxic_hill", 4.0, "dimensionless", "assumed: steep (threshold-like) "
              "rise of unfolded-protein stress once degradation capacity falls below load",
              "assumed", "Hill coefficient of the proteotoxic signal", bounds=(1.0, 8.0)),
)


def nfkb_module(volumes: CellVolumes | None = None, *, name: str = "nfkb") -> Module:
    """Bortezomib–proteasome binding and the NF-κB readouts.

    Reads ``C_btz`` (bortezomib in the medium / unbound plasma, nM) and ``NFkB_n`` (nuclear
    free NF-κB of the export core, nM); provides ``proteasome_activity`` and
    ``IKK_degradation`` to the export core.
    """
    volumes = volumes or CellVolumes()
    return Module(
        name=name,
        description="Reversible 20S inhibition by bortezomib; IkBa degradation inputs; "
                    "NF-kB survival and proteotoxic stress readouts",
        compartments=volumes.compartments(),
        parameters=NFKB_PARAMETERS,
        derived=(
            Derived("btz_koff_cell", "log(2) / btz_t_half_off_cell", "1/h",
                    "bortezomib dissociation from the proteasome"),
            Derived("btz_kon_cell", "btz_koff_cell / (btz_IC50_cell * pi_resistance)",
                    "1/(nM*h)", "association, so that koff/kon is the line's IC50"),
        ),
        species=(
            Species("proteasome_btz", "cell", 0.0,
                    description="bortezomib-bound 20S proteasome"),
            Species("proteasome_free", "cell", "proteasome_total0",
                    description="active 20S proteasome"),
        ),
        reactions=(
            Reaction("btz_proteasome_binding",
                     "btz_kon_cell * C_btz * proteasome_free - btz_koff_cell * proteasome_btz",
                     {"proteasome_free": 1}, {"proteasome_btz": 1}, "cell",
                     "reversible bortezomib binding to the beta5 site", reversible=True),
        ),
        assignments=(
            Assignment("proteasome_activity", "proteasome_free / proteasome_total0", "1",
                       "20S chymotrypsin-like activity relative to the untreated cell"),
            Assignment("IKK_degradation", "IKK_basal", "1/h",
                       "IKK-driven IkBa degradation constant passed to the export core"),
            Assignment("nfkb_activity", "NFkB_n / NFkB_n_ref", "1",
                       "nuclear free NF-kB relative to the untreated cell"),
            Assignment("nfkb_feedback_drive", "NFkB_n / NFkB_feedback_scale", "1",
                       "nuclear free NF-kB on the feedback scale"),
            Assignment("IkBa_induction",
                       "1 - IkBa_feedback + IkBa_feedback * nfkb_feedback_drive * (1 + "
                       "IkBa_feedback_K) / (nfkb_feedback_drive + IkBa_feedback_K)", "1",
                       "IkBa synthesis relative to the export core's (NF-kB feedback), "
                       "passed to the export core"),
            Assignment("nfkb_survival", "nfkb_dependence * min(1, nfkb_activity)", "1",
                       "NF-kB survival signalling (0-1; nfkb_dependence when untreated)"),
            Assignment("proteotoxic_signal",
                       "(1 - proteasome_activity) ** proteotoxic_hill / (proteotoxic_ec50 ** "
                       "proteotoxic_hill + (1 - proteasome_activity) ** proteotoxic_hill)", "1",
                       "unfolded-protein (proteotoxic) pro-death signal of proteasome "
                       "inhibition (0-1)"),
        ),
        inputs=(
            Input("C_btz", "nM", 0.0, "unbound bortezomib at the cell (medium or unbound "
                  "plasma)"),
            Input("NFkB_n", "nM", 0.1073, "nuclear free NF-kB (export core species)"),
        ),
        conservations=(
            Conservation("proteasome_sites", {"proteasome_free": 1, "proteasome_btz": 1},
                         description="bortezomib binding only moves sites between forms"),
        ),
    )
