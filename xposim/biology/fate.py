"""Cell fate: nuclear tumour-suppressor and glucocorticoid signals -> G1 arrest and
apoptosis of a cell population.

**Signals against a common reference.** Nuclear p53, p21 and FOXO3a act through their
target promoters, whose occupancy depends on the absolute nuclear concentration, not on a
fold change over each line's own untreated level. The signals are therefore read against
one reference for every line, the untreated nuclear level of the reference normal cell
(``<X>_n_scale``, derived, presets/params/fate.toml)::

    s_X = max(X_n / X_n_scale - 1, 0)                          X = p53, p21, FOXO3a

A line that keeps its suppressors out of the nucleus with more XPO1 starts below the
reference and needs more of its XPO1 inactivated - more drug, since the unbound XPO1 left
at a given concentration scales with the line's XPO1 - to reach the same signal: XPO1
abundance protects (Crochiere et al., Oncotarget 2017), while occupancy still saturates.

**Arrest** (reversible G1) has two independent routes, combined as independent events::

    arrest_tsp = A**h / (arrest_ec50**h + A**h)
        A = (s_p21 + p53_function * w_p21_by_p53 * s_p53) * (1 - w_cyclinD * survival_translation)
    arrest_gr  = g**hg / (gr_arrest_ec50**hg + g**hg)          g = gr_death_signal (dexamethasone)
    arrest_fraction = 1 - (1 - arrest_tsp) * (1 - arrest_gr)

**Apoptosis.** The nuclear-suppressor (and proteotoxic) route follows a rising threshold
(Paek et al., Cell 2016): effectors ``apo_drive`` build up towards the death drive, the
threshold starts at ``T0`` and rises while the cell signals; hazard
``k_apo * D**n / (T**n + D**n)``::

    death_signal = (p53_function * w_p53 * s_p53 + w_FOXO3a * s_FOXO3a) * replication
                   + w_oncoprotein_loss * oncogene_addiction * oncoprotein_loss
                   + w_proteotoxic * proteotoxic_signal
    replication  = 1 - w_replication_stress * (1 - oncogenic_drive * cycling_share)
    oncoprotein_loss = 1 - min(oncoprotein_translation, 1) / min(oncoprotein_translation_ref, 1)
    support      = 1 - w_nfkb * nfkb_survival
    death_drive  = apoptotic_priming * death_signal * support

The glucocorticoid route is a separate hazard (GR -> BIM/GILZ, REDD1 -> mTORC1; it needs
no nuclear retention of the suppressors, Argueta et al., Oncotarget 2018)::

    gr_hazard = k_gr_apo * x**m / (gr_apo_ec50**m + x**m)      x = apoptotic_priming * g

Independent routes combine as independent events, so a drug pair is Bliss-additive unless
a modelled mechanism couples them - for selinexor with dexamethasone, the induction of GR
by XPO1 blockade (:mod:`xposim.biology.signaling.gr`).

**What spares normal cells** (per-line parameters, 1 for the reference myeloma line):
``apoptotic_priming`` - mitochondria far from the apoptotic threshold (BH3 profiling: normal
tissues poorly primed, Ni Chonghaile et al., Science 2011); ``oncogene_addiction`` - survival
and division that do not hang on XPO1/eIF4E-exported oncoproteins (myeloma cells die when
MCL1 falls, Derenne et al., Blood 2002; normal cells need far less eIF4E-driven
translation, Truitt et al., Cell 2015); ``oncogenic_drive`` - no
oncogene-driven replication against nuclear suppressors, so no replication-stress DNA
damage (Burke et al., Oncotarget 2017: little damage and less death in non-transformed
lines), and a cell whose intact checkpoint arrests it leaves the replication-stress share
(``cycling_share``).

Population (cells; Simeoni et al., Cancer Res 2004 damage transit)::

    proliferating --k_prolif*growth_factor--> 2x proliferating
    growth_factor = max(1 - oncogene_addiction * w_growth
                          * (1 - min(oncoprotein_translation, 1)
                                 / min(oncoprotein_translation_ref, 1)), 0)
    proliferating <-> arrested (G1; in at k_arrest * a, back at k_release * (1 - a))
    proliferating, arrested --hazard--> dying_1 -> dying_2 -> dying_3 -> dead

``dying_1`` is committed but still metabolically active; ``dying_2``/``dying_3`` are
annexin-V positive. Viability, as CellTiter-Glo reports it, counts ATP-holding cells:
``proliferating + arrested + dying_1``, divided by the untreated control at the same time
(see :mod:`xposim.experiments.viability`).

Values and provenance of the constants: presets/params/fate.toml.
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
from xposim.presets.loader import parameter_file

#: Nuclear tumor-suppressor cargoes the fate module reads (inputs ``<name>_n``, nM).
FATE_CARGOES: tuple[str, ...] = ("p53", "p21", "FOXO3a")

#: Line-specific fate parameters a preset sets (name -> unit).
LINE_PARAMETERS: dict[str, str] = {
    "doubling_time": "h", "p53_function": "dimensionless",
    "apoptotic_priming": "dimensionless", "oncogenic_drive": "dimensionless",
    "oncogene_addiction": "dimensionless"}


def fate_parameters() -> tuple[Parameter, ...]:
    """The module's constants (presets/params/fate.toml): weights of the signals, arrest,
    apoptosis and population constants (the calibrated ones written by ``xposim calibrate
    cell-fate`` and ``xposim calibrate dexamethasone-fate``), the common references
    ``<X>_n_scale`` of each :data:`FATE_CARGOES` and ``oncoprotein_translation_ref`` (a
    placeholder of 1 that :func:`xposim.biology.cell.build_cell_model` sets to the preset's
    untreated state)."""
    return parameter_file("fate").parameters()


def fate_module(*, volumes: CellVolumes | None = None, name: str = "cell_fate") -> Module:
    """Arrest, apoptosis and a proliferating / arrested / dying / dead population driven by
    nuclear p53, p21 and FOXO3a (inputs ``*_n``, nM) and by the signalling outputs (inputs
    with neutral defaults)."""
    volumes = volumes or CellVolumes.reference()
    signals = tuple(Assignment(f"s_{c}", f"max({c}_n / {c}_n_scale - 1, 0)", "1",
                               f"rise of nuclear {c} above the common reference")
                    for c in FATE_CARGOES)
    live = "fate_proliferating + fate_arrested"
    return Module(
        name=name,
        description="G1 arrest and apoptosis of a cell population driven by nuclear tumor "
                    "suppressors against a common reference (Paek 2016 rising threshold) and "
                    "by glucocorticoid signalling (independent route); Simeoni 2004 transit",
        compartments=volumes.compartments(),
        parameters=fate_parameters(),
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
                    "cycling cells (resting cells of a non-dividing line)", amount=True),
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
            Assignment("oncoprotein_loss", "max(1 - min(oncoprotein_translation, 1) / min("
                       "oncoprotein_translation_ref, 1), 0)", "1",
                       "fall of eIF4E-translated oncoproteins (MCL1, cyclin D1, MYC) below the "
                       "untreated cell's level (0-1)"),
            Assignment("growth_factor", "max(1 - oncogene_addiction * w_growth * "
                       "oncoprotein_loss, 0)", "1",
                       "division rate relative to the untreated cell: cancer cells are "
                       "addicted to eIF4E-driven oncogene translation, normal cells much "
                       "less (Truitt et al., Cell 2015)"),
            Assignment("arrest_signal", "s_p21 + p53_function * w_p21_by_p53 * s_p53", "1",
                       "arrest signal (nuclear p21, plus p53-induced p21)"),
            Assignment("arrest_drive", "arrest_signal * (1 - w_cyclinD * "
                       "survival_translation)", "1", "arrest signal left after cyclin "
                       "D-CDK4/6 titrates p21 (eIF4E-driven translation)"),
            Assignment("arrest_tsp", "hill(arrest_drive, arrest_ec50, arrest_hill)", "1",
                       "arrest by nuclear suppressors (0-1)"),
            Assignment("arrest_gr", "hill(gr_death_signal, gr_arrest_ec50, gr_arrest_hill)",
                       "1",
                       "arrest by glucocorticoid signalling (p21/p27; 0-1)"),
            Assignment("arrest_fraction", "1 - (1 - arrest_tsp) * (1 - arrest_gr)", "1",
                       "share of cycling cells pushed to G1 arrest (independent routes)"),
            Assignment("cycling_share", f"fate_proliferating / max({live}, 1e-30)", "1",
                       "share of live cells still cycling"),
            Assignment("replication_factor", "1 - w_replication_stress * (1 - "
                       "oncogenic_drive * cycling_share)", "1",
                       "share of the suppressor death signal left after the "
                       "replication-stress part (needs oncogenic drive and cycling cells)"),
            Assignment("death_signal", "(p53_function * w_p53 * s_p53 + w_FOXO3a * "
                       "s_FOXO3a) * replication_factor + w_oncoprotein_loss * "
                       "oncogene_addiction * oncoprotein_loss + w_proteotoxic * "
                       "proteotoxic_signal", "1", "pro-apoptotic signal of nuclear "
                       "suppressors, loss of survival oncoproteins (MCL1) in addicted cells "
                       "and proteotoxic stress"),
            Assignment("survival_support", "1 - w_nfkb * nfkb_survival", "1",
                       "share of the death signal not cancelled by NF-kB survival "
                       "signalling"),
            Assignment("death_drive", "apoptotic_priming * death_signal * survival_support",
                       "1", "death drive the effectors build up towards"),
            Assignment("apoptosis_hazard_tsp", "k_apo * hill(apo_drive, apo_threshold, "
                       "apo_hill)", "1/h",
                       "apoptotic commitment rate of the suppressor / proteotoxic route"),
            Assignment("gr_apoptosis_hazard", "k_gr_apo * hill(apoptotic_priming * "
                       "gr_death_signal, gr_apo_ec50, gr_apo_hill)", "1/h",
                       "apoptotic commitment rate of the glucocorticoid route"),
            Assignment("apoptosis_hazard", "apoptosis_hazard_tsp + gr_apoptosis_hazard",
                       "1/h", "apoptotic commitment rate (independent routes add)"),
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
            Input("gr_death_signal", "1", 0.0, "GR-driven (REDD1/mTORC1, BIM) signal 0-1 "
                  "(GR module; 0 without dexamethasone)"),
            Input("proteotoxic_signal", "1", 0.0, "proteotoxic stress 0-1 (signalling "
                  "module; 0 without a proteasome inhibitor)"),
            Input("nfkb_survival", "1", 0.0, "NF-kB survival signal 0-1 (signalling module)"),
            Input("survival_translation", "1", 0.0, "eIF4E-dependent translation (cyclin D) "
                  "0-1 (signalling module; titrates p21 in the arrest signal)"),
            Input("oncoprotein_translation", "1", 1.0, "eIF4E-translated oncoproteins "
                  "(cyclin D1, MYC) relative to the reference untreated cell (eIF4E "
                  "module); 1 without it"),
        ),
    )
