"""Cell fate: nuclear tumor-suppressor signal -> G1 arrest and apoptosis of a cell population.

Signals (dimensionless, 0 in the untreated cell) are fold rises of *nuclear* tumor
suppressors over the line's own untreated level (``*_ref``, the untreated steady state of
the preset's XPO1 core, set by :func:`xposim.biology.cell.build_cell_model`)::

    s_X       = max(X_n / X_n_ref - 1, 0)                       X = p53, p21, FOXO3a
    arrest    = (s_p21 + p53_function * w_p21_by_p53 * s_p53)   p53 transactivates CDKN1A
                * (1 - w_cyclinD * survival_translation)       cyclin D titrates p21
    death     = p53_function * w_p53 * s_p53 + w_FOXO3a * s_FOXO3a
                + w_gr * gr_death_signal + w_proteotoxic * proteotoxic_signal
    support   = (1 - w_nfkb * nfkb_survival) * (1 - w_translation * survival_translation)

Apoptosis follows a rising-threshold rule (Paek et al., Cell 2016): pro-apoptotic
effectors ``apo_drive`` (BH3-only proteins made by nuclear p53/FOXO3a) build up towards
``oncogenic_stress * death * support``; the threshold ``apo_threshold`` starts at
``T0`` and rises while the cell signals (drug-induced IAPs), so a fast rise kills and a
slow one is outpaced. The hazard is ``k_apo * D**n / (T**n + D**n)``.
Normal cells (low ``oncogenic_stress``: little mitochondrial priming, Ni Chonghaile et
al., Science 2011, and little addiction to eIF4E-driven oncogene translation, Truitt et
al., Cell 2015) arrest partly but rarely reach the threshold; arrest reverses when the
signal falls (washout).

Population (cells; Simeoni et al., Cancer Res 2004 damage transit)::

    proliferating --k_prolif*growth_factor--> 2x proliferating
    growth_factor = max(1 - min(oncogenic_stress, 1) * w_growth
                          * (1 - min(oncoprotein_translation, 1)
                                 / min(oncoprotein_translation_ref, 1)), 0)

Division follows the translated oncoproteins (cyclin D1, MYC) rather than their exported
mRNA (``proliferation_drive``): an eIF4E-high cell translates the mRNA that still
reaches the cytoplasm more efficiently and keeps dividing (Blood Adv 2023;7:2926).
Translation above the reference cell's level (1) is a reserve, not faster division;
``oncoprotein_translation_ref`` (the line's untreated level) keeps untreated division at
the preset's doubling time.
    proliferating <-> arrested (G1; in at k_arrest * a(arrest), back at k_release*(1-a))
    proliferating, arrested --hazard--> dying_1 -> dying_2 -> dying_3 -> dead

``dying_1`` is committed but still metabolically active; ``dying_2``/``dying_3`` are
annexin-V positive. Viability, as CellTiter-Glo reports it, counts ATP-holding cells:
``proliferating + arrested + dying_1``, divided by the untreated control at the same time
(see :mod:`xposim.experiments.viability`).
"""

from __future__ import annotations

from xposim.biology.transport import CellVolumes
from xposim.model import (
    Assignment,
    Derived,
    Input,
    Module,
    Parameter,
    RateRule,
    Reaction,
    Species,
)

PAEK = "Paek et al., Cell 2016;165:631 (rising apoptotic threshold; faster p53 rise kills)"
SIMEONI = "Simeoni et al., Cancer Res 2004;64:1094 (damage transit compartments)"
FATE_FIT = ("calibration-targets.md §3: myeloma 72 h IC50 mostly 10-300 nM and DLBCL "
            "20-500 nM (Tai et al., Leukemia 2014; Kashyap et al. 2016; preclinical reports), "
            "G1 arrest by ~24 h, apoptosis rising at 48-72 h; fitted (Nelder-Mead on log10 of "
            "the Hill-fitted 72 h IC50, control + 1 nM-10 uM half-log series) to the "
            "geometric centre of each range: "
            "55 nM for MM.1S, MM.1R, NCI-H929, RPMI-8226, U266; 100 nM for OCI-LY3, "
            "SU-DHL-4, SU-DHL-6")

#: Nuclear tumor-suppressor cargoes the fate module reads (inputs ``<name>_n``, nM).
FATE_CARGOES: tuple[str, ...] = ("p53", "p21", "FOXO3a")

#: Line-specific fate parameters a preset sets (name -> unit).
LINE_PARAMETERS: dict[str, str] = {"doubling_time": "h", "p53_function": "dimensionless",
                                   "oncogenic_stress": "dimensionless"}


def _p(name: str, value: float, unit: str, source: str, kind: str, description: str,
       bounds: tuple[float, float] | None = None, fitted_to: str = "") -> Parameter:
    return Parameter(name, value, unit, source, kind, description, bounds,  # type: ignore[arg-type]
                     fitted_to)


FATE_PARAMETERS: tuple[Parameter, ...] = (
    # line-specific (presets override)
    _p("doubling_time", 30.0, "h", "typical doubling of a myeloma line in culture (MM.1S "
       "~30-40 h; DSMZ/ATCC culture data sheets); presets set their own", "assumed",
       "population doubling time of untreated proliferating cells", (10.0, 1e7)),
    _p("p53_function", 1.0, "dimensionless", "1 = wild-type TP53, 0 = mutant or null "
       "(transcriptionally inactive); presets set it from the line's TP53 status", "assumed",
       "share of p53 transcriptional function", (0.0, 1.0)),
    _p("oncogenic_stress", 1.0, "dimensionless", "apoptotic priming of cancer cells relative "
       "to a reference myeloma line; normal tissues are far less primed (Ni Chonghaile et "
       "al., Science 2011;334:1129) and need far less eIF4E for normal growth (Truitt et "
       "al., Cell 2015;162:59)", "assumed", "oncogenic stress: scales the death signal and "
       "(capped at 1) the dependence of division on eIF4E-driven translation", (0.0, 3.0)),
    # signal weights
    _p("w_p53", 0.2, "dimensionless", "p53-independent killing by SINE compounds in TP53-"
       "mutant lines (Tai et al., Leukemia 2014) means p53 is one of several routes; share "
       "assumed", "assumed", "weight of nuclear p53 in the death signal", (0.0, 1.0)),
    _p("w_FOXO3a", 0.8, "dimensionless", "nuclear FOXO3a drives BIM/PUMA (Brunet et al., "
       "Cell 1999); p53-independent route, share assumed", "assumed",
       "weight of nuclear FOXO3a in the death signal", (0.0, 1.0)),
    _p("w_p21_by_p53", 0.5, "dimensionless", "p53 transactivates CDKN1A (el-Deiry et al., "
       "Cell 1993); strength relative to nuclear p21 retention assumed", "assumed",
       "contribution of nuclear p53 to the arrest signal", (0.0, 2.0)),
    _p("w_gr", 6.0, "dimensionless", "assumed: full GR activation by dexamethasone "
       "(gr_death_signal = 1) adds a death signal equal to the largest selinexor TSP "
       "signal of a wild-type-p53 myeloma line (0.2 x 5 + 0.8 x 6.5 ~ 6); dexamethasone "
       "acts through GR, REDD1 and mTORC1 (Argueta et al., Oncotarget 2018)", "assumed",
       "weight of gr_death_signal (0-1) in the death signal", (0.0, 20.0)),
    _p("w_proteotoxic", 15.0, "dimensionless", "assumed so that bortezomib alone kills a "
       "PI-sensitive myeloma line at low nM, as myeloma lines do (parental lines die at "
       "2-10 nM in 48-72 h, Ri et al., Leukemia 2010; recalled): 72 h bortezomib IC50 of "
       "RPMI-8226 and MM.1S ~5 nM; with 6 (the TSP scale of w_gr) bortezomib alone never "
       "got below 66% viability, even at 1 uM", "assumed",
       "weight of proteotoxic_signal (0-1) in the death signal", (0.0, 20.0)),
    _p("w_nfkb", 0.9, "dimensionless", "NF-kB target genes (BCL-xL, XIAP, cFLIP) raise the "
       "bar for apoptosis; ABC-DLBCL lines die when IKK is blocked (Davis et al., J Exp Med "
       "2001), so NF-kB can hold off most of the death signal. Raised from an assumed 0.5 "
       "so that the selinexor-bortezomib synergy of the PI-resistant 8226-B25 preset is "
       "lost with IkBa knockdown (0.5 kept 60% of it: the crutch selinexor removes was too "
       "small); selinexor IC50s stay in the §3 ranges", "calibrated",
       "largest fraction of the death signal NF-kB survival signalling cancels", (0.0, 0.95),
       "calibration-targets.md §3 (Turner et al., Oncotarget 2016; Transl Oncol 2021): "
       "nuclear IkBa retention restores PI sensitivity in PI-resistant lines, lost with "
       "IkB knockdown; qualitative: the 8226-B25 Bliss excess (selinexor 20 nM + "
       "bortezomib 50 nM, 72 h) falls from 0.47 to 0.08 with IkBa synthesis cut 100-fold "
       "(0.48 -> 0.30 with 0.5); 0.5-0.9 evaluated"),
    _p("w_translation", 0.9, "dimensionless", "myeloma cells depend on MCL1, a short-lived "
       "eIF4E-dependent translation product, for survival (Derenne et al., Blood 2002; Zhang "
       "et al., Blood 2002); eIF4E overexpression rescues from selinexor (Blood Adv 2023;"
       "7:2926); share assumed", "assumed",
       "largest fraction of the death signal survival translation cancels", (0.0, 0.95)),
    _p("w_growth", 0.5, "dimensionless", "share of cancer-cell division that stops when "
       "eIF4E-exported oncogene mRNAs (cyclin D1, MYC) are trapped; the rest is held by "
       "p21-driven G1 arrest; assumed", "assumed",
       "largest fall of the division rate from loss of translated oncoproteins",
       (0.0, 1.0)),
    _p("w_cyclinD", 0.9, "dimensionless", "cyclin D-CDK4/6 complexes sequester p21 and "
       "p27 (Sherr & Roberts, Genes Dev 1999); cyclin D1 is an eIF4E-exported, eIF4E-"
       "translated mRNA (Culjkovic et al., J Cell Biol 2006) and eIF4E overexpression "
       "reduces selinexor's G1 arrest (Blood Adv 2023;7:2926); share assumed", "assumed",
       "largest fraction of the arrest signal cancelled by oncoprotein translation",
       (0.0, 0.95)),
    # arrest
    _p("arrest_ec50", 2.4, "dimensionless", "set so that wild-type-p53 myeloma lines are "
       "mostly G1-arrested by 24 h at 100 nM (arrest drive ~2.8 there) but not at 10 nM "
       "(~1.5), and wild-type DLBCL IC50 stays near 20 nM (lower values put it at 15 nM)",
       "calibrated", "arrest drive giving half-maximal G1 entry", (0.05, 5.0), FATE_FIT),
    _p("arrest_hill", 4.0, "dimensionless", "assumed (switch-like CDK2 inhibition by p21)",
       "assumed", "steepness of arrest", (1.0, 6.0)),
    _p("t_arrest", 6.0, "h", "cells reach the G1 checkpoint within a fraction of a cycle; "
       "G1 arrest is established by ~24 h (calibration-targets.md §3)", "assumed",
       "mean time to enter arrest at full arrest signal", (1.0, 24.0)),
    _p("t_release", 12.0, "h", "p21 half-life < 1 h, re-entry into S phase within a day "
       "after release (assumed)", "assumed", "mean time to leave arrest when the signal is "
       "gone", (2.0, 72.0)),
    # apoptosis
    _p("t_half_apo_drive", 12.0, "h", "BH3-only proteins (BIM, PUMA) are transcribed and "
       "accumulate over hours after nuclear p53/FOXO3a rise (assumed)", "assumed",
       "half-time of pro-apoptotic effector build-up", (2.0, 48.0)),
    _p("T0", 5.0, "dimensionless", "fitted to the IC50 ranges (least squares on log10 of "
       "the fitted 72 h IC50 of the 5 myeloma and 3 DLBCL presets vs 55 and 100 nM, "
       "arrest_ec50 fixed); the objective is nearly flat in T0 and k_apo because arrest "
       "and slowed division set most of the relative IC50: T0 = 5 was the best of the "
       "values evaluated (rms 0.50 log10 units)", "calibrated",
       "apoptotic threshold of an unstressed cell (in death-signal units)", (0.1, 50.0),
       FATE_FIT),
    _p("threshold_rise", 0.15, "dimensionless", PAEK + "; extent assumed", "assumed",
       "fractional rise of the threshold per unit of pro-apoptotic drive", (0.0, 2.0)),
    _p("t_half_threshold", 24.0, "h", PAEK + ": the threshold rises over the day after "
       "treatment; half-time assumed", "assumed", "half-time of threshold adaptation",
       (4.0, 96.0)),
    _p("k_apo", 0.36, "1/h", "fitted with T0 (nearly degenerate with it: see T0)",
       "calibrated", "maximal apoptosis commitment rate", (0.001, 2.0), FATE_FIT),
    _p("apo_hill", 4.0, "dimensionless", "snap-action MOMP switch (Albeck et al., PLoS Biol "
       "2008)", "assumed", "steepness of the apoptosis hazard around the threshold",
       (1.0, 10.0)),
    _p("t_dying", 24.0, "h", SIMEONI + " structure (3 transit compartments); 24 h from "
       "commitment to loss of the corpse in culture assumed", "assumed",
       "mean transit time through the three dying compartments", (6.0, 96.0)),
    _p("cells_seeded", 1e4, "cells", "typical 96-well seeding density (assumed); results "
       "are reported relative to it", "assumed", "cells at the start of the experiment"),
    _p("signal_unit", 1.0, "nM", "convention: the effector and threshold states are carried "
       "in nM-equivalents, 1 nM = one unit of death signal", "assumed",
       "scale of the effector and threshold states"),
)


def fate_module(*, volumes: CellVolumes | None = None, name: str = "cell_fate") -> Module:
    """Arrest, rising-threshold apoptosis and a proliferating / arrested / dying / dead
    population driven by nuclear p53, p21 and FOXO3a (inputs ``*_n``, nM) and by the
    optional signalling outputs (inputs with neutral defaults)."""
    volumes = volumes or CellVolumes()
    refs = tuple(Parameter(f"{c}_n_ref", 1.0, "nM", "untreated steady state of the preset's "
                           "XPO1 core (set by xposim.biology.cell.build_cell_model)",
                           "derived", f"untreated nuclear {c}") for c in FATE_CARGOES)
    signals = tuple(Assignment(f"s_{c}", f"max({c}_n / {c}_n_ref - 1, 0)", "1",
                               f"fold rise of nuclear {c} over the untreated cell")
                    for c in FATE_CARGOES)
    live = "fate_proliferating + fate_arrested"
    refs += (Parameter("oncoprotein_translation_ref", 1.0, "dimensionless", "untreated "
                       "steady state of the preset's eIF4E module (set by "
                       "xposim.biology.cell.build_cell_model); 1 without it", "derived",
                       "untreated oncoprotein translation"),)
    return Module(
        name=name,
        description="G1 arrest and rising-threshold apoptosis of a cell population driven by "
                    "nuclear tumor suppressors (Paek 2016; Simeoni 2004 transit)",
        compartments=volumes.compartments(),
        parameters=FATE_PARAMETERS + refs,
        derived=(
            Derived("k_prolif", "log(2) / doubling_time", "1/h", "proliferation rate"),
            Derived("k_arrest", "1 / t_arrest", "1/h", "arrest entry rate"),
            Derived("k_release", "1 / t_release", "1/h", "arrest exit rate"),
            Derived("k_apo_drive", "log(2) / t_half_apo_drive", "1/h",
                    "effector build-up rate"),
            Derived("k_threshold", "log(2) / t_half_threshold", "1/h",
                    "threshold adaptation rate"),
            Derived("k_dying", "3 / t_dying", "1/h", "rate per dying compartment"),
        ),
        species=(
            Species("fate_proliferating", "cell", "cells_seeded", "cells",
                    "cycling cells", amount=True),
            Species("fate_arrested", "cell", 0.0, "cells", "G1-arrested cells", amount=True),
            Species("fate_dying1", "cell", 0.0, "cells", "committed to apoptosis, still "
                    "metabolically active", amount=True),
            Species("fate_dying2", "cell", 0.0, "cells", "early apoptotic (annexin V+)",
                    amount=True),
            Species("fate_dying3", "cell", 0.0, "cells", "late apoptotic (annexin V+, PI+)",
                    amount=True),
            Species("fate_dead", "cell", 0.0, "cells", "dead and cleared", amount=True),
            Species("apo_drive", "cell", 0.0, "nM", "pro-apoptotic effectors "
                    "(nM-equivalents of death signal)"),
            Species("apo_threshold", "cell", "T0 * signal_unit", "nM",
                    "apoptotic threshold (nM-equivalents of death signal)"),
        ),
        reactions=(
            Reaction("fate_division", "k_prolif * growth_factor * fate_proliferating",
                     (), {"fate_proliferating": 1}, None, "net division of cycling cells"),
            Reaction("fate_arrest", "k_arrest * arrest_fraction * fate_proliferating",
                     {"fate_proliferating": 1}, {"fate_arrested": 1}, None, "G1 arrest"),
            Reaction("fate_release", "k_release * (1 - arrest_fraction) * fate_arrested",
                     {"fate_arrested": 1}, {"fate_proliferating": 1}, None,
                     "re-entry into the cycle"),
            Reaction("fate_commit_cycling", "apoptosis_hazard * fate_proliferating",
                     {"fate_proliferating": 1}, {"fate_dying1": 1}, None,
                     "apoptotic commitment of cycling cells"),
            Reaction("fate_commit_arrested", "apoptosis_hazard * fate_arrested",
                     {"fate_arrested": 1}, {"fate_dying1": 1}, None,
                     "apoptotic commitment of arrested cells"),
            Reaction("fate_transit1", "k_dying * fate_dying1", {"fate_dying1": 1},
                     {"fate_dying2": 1}, None, "dying transit 1 -> 2"),
            Reaction("fate_transit2", "k_dying * fate_dying2", {"fate_dying2": 1},
                     {"fate_dying3": 1}, None, "dying transit 2 -> 3"),
            Reaction("fate_death", "k_dying * fate_dying3", {"fate_dying3": 1},
                     {"fate_dead": 1}, None, "death"),
        ),
        rate_rules=(
            RateRule("apo_drive", "k_apo_drive * (death_drive * signal_unit - apo_drive)",
                     "effectors follow the death drive"),
            RateRule("apo_threshold", "k_threshold * (T0 * signal_unit * (1 + "
                     "threshold_rise * apo_drive / signal_unit) - apo_threshold)",
                     "threshold rises with time spent signalling (Paek 2016)"),
        ),
        assignments=(
            *signals,
            Assignment("growth_factor", "max(1 - min(oncogenic_stress, 1) * w_growth * "
                       "(1 - min(oncoprotein_translation, 1) / min("
                       "oncoprotein_translation_ref, 1)), 0)", "1",
                       "division rate relative to the untreated cell: cancer cells are "
                       "addicted to eIF4E-driven oncogene translation, normal cells much "
                       "less (Truitt et al., Cell 2015)"),
            Assignment("arrest_signal", "s_p21 + p53_function * w_p21_by_p53 * s_p53", "1",
                       "arrest signal (nuclear p21, plus p53-induced p21)"),
            Assignment("arrest_drive", "arrest_signal * (1 - w_cyclinD * "
                       "survival_translation)", "1", "arrest signal left after cyclin "
                       "D-CDK4/6 titrates p21 (eIF4E-driven translation)"),
            Assignment("arrest_fraction", "arrest_drive**arrest_hill / (arrest_ec50**"
                       "arrest_hill + arrest_drive**arrest_hill)", "1",
                       "share of cycling cells pushed to G1 arrest (0-1)"),
            Assignment("death_signal", "p53_function * w_p53 * s_p53 + w_FOXO3a * s_FOXO3a "
                       "+ w_gr * gr_death_signal + w_proteotoxic * proteotoxic_signal", "1",
                       "weighted pro-apoptotic signal"),
            Assignment("survival_support", "(1 - w_nfkb * nfkb_survival) * (1 - "
                       "w_translation * survival_translation)", "1",
                       "share of the death signal not cancelled by survival signalling"),
            Assignment("death_drive", "oncogenic_stress * death_signal * survival_support",
                       "1", "death drive the effectors build up towards"),
            Assignment("apoptosis_hazard", "k_apo * apo_drive**apo_hill / (apo_threshold**"
                       "apo_hill + apo_drive**apo_hill)", "1/h",
                       "apoptotic commitment rate"),
            Assignment("viable_cells", f"{live} + fate_dying1", "cells",
                       "ATP-holding cells (what CellTiter-Glo measures)"),
            Assignment("total_cells", f"{live} + fate_dying1 + fate_dying2 + fate_dying3 + "
                       "fate_dead", "cells", "all cells ever present, dead included"),
            Assignment("g1_arrested_fraction", f"fate_arrested / max({live}, 1e-30)", "1",
                       "share of live cells arrested in G1 (flow cytometry)"),
            Assignment("apoptotic_fraction", "(fate_dying2 + fate_dying3) / max(total_cells, "
                       "1e-30)", "1", "annexin V-positive share of all cells"),
        ),
        inputs=(
            *(Input(f"{c}_n", "nM", 0.0, f"nuclear {c} (export core)") for c in FATE_CARGOES),
            Input("gr_death_signal", "1", 0.0, "GR-driven death signal 0-1 (signalling "
                  "module; 0 without dexamethasone)"),
            Input("proteotoxic_signal", "1", 0.0, "proteotoxic stress 0-1 (signalling "
                  "module; 0 without a proteasome inhibitor)"),
            Input("nfkb_survival", "1", 0.0, "NF-kB survival signal 0-1 (signalling module)"),
            Input("survival_translation", "1", 0.0, "eIF4E-dependent survival translation "
                  "0-1 (signalling module)"),
            Input("oncoprotein_translation", "1", 1.0, "eIF4E-translated oncoproteins "
                  "(cyclin D1, MYC) relative to the reference untreated cell (eIF4E "
                  "module); 1 without it"),
        ),
    )
