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
LINE_PARAMETERS: dict[str, str] = {"doubling_time": "h", "p53_function": "dimensionless",
                                   "oncogenic_stress": "dimensionless"}


def fate_parameters() -> tuple[Parameter, ...]:
    """The module's constants (presets/params/fate.toml): weights of the signals, arrest,
    apoptosis and population constants (arrest_ec50, T0 and k_apo written by ``xposim
    calibrate cell-fate``), and the reference levels ``<X>_n_ref`` of each
    :data:`FATE_CARGOES` and ``oncoprotein_translation_ref`` (placeholders of 1 that
    :func:`xposim.biology.cell.build_cell_model` sets to the preset's untreated state)."""
    return parameter_file("fate").parameters()


def fate_module(*, volumes: CellVolumes | None = None, name: str = "cell_fate") -> Module:
    """Arrest, rising-threshold apoptosis and a proliferating / arrested / dying / dead
    population driven by nuclear p53, p21 and FOXO3a (inputs ``*_n``, nM) and by the
    optional signalling outputs (inputs with neutral defaults)."""
    volumes = volumes or CellVolumes.reference()
    signals = tuple(Assignment(f"s_{c}", f"max({c}_n / {c}_n_ref - 1, 0)", "1",
                               f"fold rise of nuclear {c} over the untreated cell")
                    for c in FATE_CARGOES)
    live = "fate_proliferating + fate_arrested"
    return Module(
        name=name,
        description="G1 arrest and rising-threshold apoptosis of a cell population driven by "
                    "nuclear tumor suppressors (Paek 2016; Simeoni 2004 transit)",
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
