"""Where the cell layer meets the patient: the one coupling of xposim.biology to the disease.

Everything the patient reads from the cell layer is named in this file, and nothing here
writes a cell equation: the tumour cell is the cell layer's own composition of a preset
(:func:`xposim.biology.cell.build_cell_model`: export core, covalent target, GR,
proteasome/NF-κB, eIF4E and the fate signals, with the preset's reference levels), pruned
to what the signals need; the marrow progenitors carry a second copy of the cell layer's
target module. When the cell layer changes (issue 11: XPO1 abundance protecting, signals
relative to a common reference, dexamethasone as a drug, timing; the Lipniacki NF-κB core),
the revision flows through; what must be re-checked is listed in :data:`RETUNE`.

The coupling (per disease prefix ``x`` = ``mm`` or ``dlbcl``, parameters in
``patient.toml``)::

    E                  = max(death_drive - death_drive_untreated, 0)
    f_tsp              = E^n / (x_kill_ec50^n + E^n)          suppressor/proteotoxic route
    f_gr               = gr_apoptosis_hazard / k_gr_apo       glucocorticoid route (0-1)
    x_death_hazard     = x_kill_max · (1 - (1 - f_tsp)·(1 - x_gr_kill_weight·f_gr))  (1/h)
    A                  = max(arrest_fraction - arrest_fraction_untreated, 0)
    x_arrest_inhibition = min(x_arrest_effect · A, 1)                        (0-1)
    x_division_factor  = min(growth_factor / growth_factor_untreated, 1)      (0-1)
    x_growth_inhibition = 1 - (1 - x_arrest_inhibition) · x_division_factor   (0-1)
    cycling_share      = 1 - x_arrest_inhibition                              (0-1)

``death_drive``, ``arrest_fraction`` and ``growth_factor`` are the fate module's signals of
the tumour cell under the patient's unbound plasma concentrations; the ``*_untreated``
references are the same signals of the patient's own untreated cell (set by the runner at
day 0), so only the drug-induced excess kills, arrests or slows division and untreated
disease follows its growth law.

Two routes slow the tumour's growth, as in the dish: G1 arrest stops a share of it
(``x_arrest_effect``: in vivo only the cycling part of the clone divides), and the cycling
cells divide more slowly when they lose eIF4E-translated oncoproteins (cyclin D1, MYC):
the fate module's ``growth_factor`` is the dish's division rate relative to the untreated
cell (``1 - oncogene_addiction · w_growth · oncoprotein_loss``, :mod:`xposim.biology.fate`),
and the in-vivo growth is multiplied by the same drug-induced ratio, with no constant of
its own. The routes combine as independent factors on the growth rate.

The two apoptotic routes of the cell layer (:mod:`xposim.biology.fate`) combine as there,
as independent events. The suppressor route reads the death drive through the patient's
own half-maximal drive and steepness (the dish's rising threshold and effector build-up
are 72 h constants); the glucocorticoid route keeps the cell layer's shape on the primed
GR signal (``gr_apo_ec50``, ``gr_apo_hill``: saturation in the GR signal, not a dish
time scale) normalised to its maximum, so dexamethasone kills in the patient as it does in
the dish, and selinexor's induction of GR raises it. The GR signal is 0 without a
glucocorticoid, so the route needs no untreated reference.

``cycling_share`` (the share of the tumour still cycling, which carries the
replication-stress part of the death signal) is in the dish the share of the population
not arrested; the patient has no dish population (it would grow at the in-vitro doubling
time without limit), so the tumour cell reads it from the burden instead: the share of
growth not stopped by drug-induced arrest (1 untreated). Slower division does not enter it:
in the dish a cell that divides more slowly still cycles.

Wiring (cell-layer input -> patient symbol): unbound plasma selinexor and dexamethasone
(``Cu_*_nM`` of the PK modules) reach the tumour cell and, for selinexor, the marrow
progenitors, whose XPO1 loss (``mk_XPO1_inhibition``) drives platelets and neutrophils
(:mod:`xposim.disease.myelosuppression`). Bortezomib reaches it through the in-vivo
occupancy of its proteasome (:func:`tumour_bortezomib_module`), not through unbound plasma:

    d(occ)/dt = kon_blood · Cp · (1 - occ) - (koff_blood + ln2 / btz_t_half_resynth) · occ
    C_btz     = btz_IC50_cell · occ / (1 - occ)        (dish-equivalent medium, nM)

The cell's own fast pair (20 min, IC50 btz_IC50_cell · pi_resistance) then holds the
proteasome at ``1 - occ`` when pi_resistance is 1 and shifts it by the resistance, as in
the dish. Why: read through unbound plasma and a 20-min complex, the tumour proteasome
followed plasma and was inhibited > 50% for about 1.3 h after each SC dose (10% on average
over cycle 1, against 51% for the blood proteasome the patients' 20S assay measures), so
bortezomib hardly killed (docs/known-gaps.md). The only in-vivo measurement of
bortezomib's binding to proteasome in patients is the blood 20S assay, whose binding
(``btz_Kd_blood``, ``btz_t_half_blood``: calibrated on Moreau 2011 and the 72-96 h
recovery, ``pk-bortezomib-pd``) is tight and slowly released; the tumour cell, rich in
proteasome like the red cell, is given the same binding, and, being nucleated, returns
bound proteasome to activity by turnover as well (``btz_t_half_resynth``, assumed).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Literal

from xposim.errors import InputError, ModelError
from xposim.model import Assignment, Derived, Input, Module, Parameter, RateRule, Species
from xposim.patient._moduletools import as_module, prefixed, prune
from xposim.presets.loader import parameter_from_toml, read_packaged_toml

#: Cell-layer drug inputs and the PK outputs that feed them (unbound plasma, nM).
#: Bortezomib reaches the tumour cell as the medium concentration that gives, in the dish,
#: the proteasome occupancy the tumour cell holds in vivo (:func:`tumour_bortezomib_module`).
TUMOUR_BORTEZOMIB = "Ceq_bortezomib_tumour_nM"
CELL_DRUG_INPUTS: Mapping[str, str] = {"drug_ext": "Cu_selinexor_nM",
                                       "C_dex": "Cu_dexamethasone_nM",
                                       "C_btz": TUMOUR_BORTEZOMIB}
#: The fate-module signals the coupling reads.
DEATH_SIGNAL = "death_drive"
ARREST_SIGNAL = "arrest_fraction"
#: The fate module's division rate relative to the untreated cell (dish, 0-1).
DIVISION_SIGNAL = "growth_factor"
#: The glucocorticoid apoptosis route of the fate module and its maximal rate.
GR_DEATH_HAZARD = "gr_apoptosis_hazard"
GR_DEATH_MAX = "k_gr_apo"
#: Everything the coupling reads from the tumour cell.
TUMOUR_SIGNALS: tuple[str, ...] = (DEATH_SIGNAL, ARREST_SIGNAL, DIVISION_SIGNAL, GR_DEATH_HAZARD,
                                   GR_DEATH_MAX)
#: Fate-module symbols that read the dish population: cut from the tumour cell and
#: provided by the coupling from the in-vivo burden.
POPULATION_READS: tuple[str, ...] = ("cycling_share",)
#: Tumour-cell quantities the patient reports (kept by the pruning, outputs of the model).
TUMOUR_READOUTS: tuple[str, ...] = ("occupancy", "XPO1_inhibition", "XPO1_free", "p53_n",
                                    "FOXO3a_n", "gr_death_signal", "proteotoxic_signal",
                                    "nfkb_survival", "death_signal")
#: The target-module output the marrow copy provides (renamed for the progenitors).
MARROW_INHIBITION = "mk_XPO1_inhibition"
#: Prefix of the marrow-progenitor copy of the target module.
MARROW_PREFIX = "mk_"
#: Diseases and their burden-module prefix.
DISEASE_PREFIX: Mapping[str, str] = {"myeloma": "mm", "dlbcl": "dlbcl"}

#: What to re-check after a cell-layer revision merges (docs/patient.md says the same).
RETUNE: tuple[str, ...] = (
    "the names above (CELL_DRUG_INPUTS, DEATH_SIGNAL, ARREST_SIGNAL, DIVISION_SIGNAL, "
    "POPULATION_READS, "
    "TUMOUR_READOUTS) still exist in the cell layer, and the pruned tumour cell holds no "
    "dish population (fate_proliferating...)",
    "x_kill_ec50 (patient.toml) is on the scale of death_drive: re-set it when the signal's "
    "scale changes (common reference instead of each line's own)",
    "the quasi-steady-state reduction (xposim.patient.reduction: BLOCK_MODULES, tolerances) "
    "still matches the detailed cell (tests/test_patient_reduction.py)",
    "the behaviour tests: high XPO1 responds less, C528S, 80 vs 40 mg, 60 vs 80 mg "
    "thrombocytopenia",
)

_FILE = "patient.toml"


@cache
def _table() -> Mapping[str, Mapping[str, object]]:
    return read_packaged_toml("xposim.patient", _FILE)


def patient_parameters(section: str) -> tuple[Parameter, ...]:
    """The parameters of ``[section]`` in ``xposim/patient/patient.toml``."""
    entries = _table().get(section)
    if not isinstance(entries, Mapping):
        raise ModelError(f"xposim/patient/{_FILE}: no section [{section}]")
    where = f"xposim/patient/{_FILE} [{section}]"
    return tuple(parameter_from_toml(n, e, where) for n, e in entries.items())  # type: ignore[arg-type]


def disease_prefix(disease: str) -> str:
    """``mm`` for myeloma, ``dlbcl`` for DLBCL; InputError naming the allowed diseases."""
    if disease not in DISEASE_PREFIX:
        raise InputError("disease", f"must be one of {', '.join(DISEASE_PREFIX)}", got=disease)
    return DISEASE_PREFIX[disease]


@cache
def detailed_tumour_cell(preset: str) -> Module:
    """The tumour cell of cell preset ``preset`` as the cell layer composes it (with its
    fate signals and reference levels), reading unbound plasma drug, pruned to the
    signals and readouts the patient uses (the dish population is dropped)."""
    from xposim.biology.cell import build_cell_model
    from xposim.presets.cell_lines import get_cell_line

    line = get_cell_line(preset)
    cell = build_cell_model(line, fate=True)
    module = as_module(cell, "tumour_cell", f"tumour cell ({line.name} preset): "
                       f"{cell.description}")
    present = {i.name for i in module.inputs}
    module = module.rename({k: v for k, v in CELL_DRUG_INPUTS.items() if k in present})
    pruned = prune(module, (*TUMOUR_SIGNALS, *TUMOUR_READOUTS),
                   cut=POPULATION_READS)
    population = [s.name for s in pruned.species if s.name.startswith("fate_")]
    if population:
        raise ModelError(f"tumour cell ({preset}): the fate signals read the dish population "
                         f"{population}; add the symbol that reads it to POPULATION_READS")
    return pruned


@cache
def marrow_target() -> Module:
    """XPO1 engagement in megakaryocyte and myeloid progenitors: the cell layer's target
    module for a normal cell, every symbol prefixed ``mk_``, reading unbound plasma
    selinexor. Output ``mk_XPO1_inhibition`` (0-1) drives platelets and neutrophils."""
    from xposim.biology.target import target_module

    return prefixed(target_module(), MARROW_PREFIX,
                    rename={"drug_ext": CELL_DRUG_INPUTS["drug_ext"]},
                    name="marrow_target")


@cache
def tumour_bortezomib_module() -> Module:
    """The tumour cell's proteasome occupancy by bortezomib in vivo (0-1, carried in units
    of ``btz_occ_unit``) and the dish-equivalent medium concentration the cell reads
    (``Ceq_bortezomib_tumour_nM``, nM; module docstring). Reads the bortezomib PK
    module's plasma concentration and blood-proteasome binding constants and the tumour
    cell's ``btz_IC50_cell``."""
    from xposim.pharmacology.pk.common import PK_COMPARTMENT
    from xposim.presets.loader import parameter_file

    resynth = parameter_file("pk_bortezomib").parameter("btz_t_half_resynth")
    occ = "btz_tumour_occ / btz_occ_unit"
    return Module(
        name="tumour_bortezomib",
        description="In-vivo bortezomib occupancy of the tumour cell's proteasome: the "
                    "blood proteasome's binding (calibrated on the patients' 20S assay) "
                    "with turnover of the bound proteasome",
        compartments=(PK_COMPARTMENT,),
        parameters=(resynth,),
        derived=(Derived("btz_k_resynth", "log(2) / btz_t_half_resynth", "1/h",
                         "return of bound tumour proteasome to activity by turnover"),),
        species=(Species("btz_tumour_occ", PK_COMPARTMENT.name, 0.0, "nM",
                         "drug-bound fraction of the tumour cell's proteasome in vivo, in "
                         "units of btz_occ_unit"),),
        rate_rules=(RateRule("btz_tumour_occ",
                             "btz_kon_blood * Cp_bortezomib_mg_l * (btz_occ_unit - "
                             "btz_tumour_occ) - (btz_koff_blood + btz_k_resynth) * "
                             "btz_tumour_occ",
                             "binding of plasma drug; release and turnover of the bound "
                             "proteasome"),),
        assignments=(
            Assignment("btz_tumour_occupancy", occ, "1",
                       "drug-bound fraction of the tumour cell's proteasome (0-1)"),
            Assignment(TUMOUR_BORTEZOMIB, f"btz_IC50_cell * ({occ}) / (1 - ({occ}))", "nM",
                       "medium bortezomib giving the dish cell the same occupancy"),
        ),
        inputs=(Input("Cp_bortezomib_mg_l", "mg/L", 0.0, "plasma bortezomib (PK module)"),
                Input("btz_kon_blood", "L/(mg*h)", 0.0, "proteasome binding rate (PK "
                      "module, blood 20S fit)"),
                Input("btz_koff_blood", "1/h", 0.0, "apparent release rate (PK module, "
                      "blood 20S fit)"),
                Input("btz_occ_unit", "nM", 1.0, "unit of the occupancy state"),
                Input("btz_IC50_cell", "nM", 3.0, "the tumour cell's proteasome IC50 "
                      "(cell layer, before pi_resistance)")),
    )


def coupling_module(disease: Literal["myeloma", "dlbcl"]) -> Module:
    """The in-vivo death hazard and growth inhibition of the disease's burden from the
    tumour cell's drug-induced death, arrest and division signals (module docstring)."""
    x = disease_prefix(disease)
    params = (*patient_parameters("coupling"), *patient_parameters(disease))
    excess = f"max({DEATH_SIGNAL} - death_drive_untreated, 0)"
    return Module(
        name=f"{x}_coupling",
        description="In-vivo death hazard and growth inhibition from the tumour cell's "
                    "drug-induced death, arrest and division signals",
        parameters=params,
        assignments=(
            Assignment(f"{x}_death_drive_excess", excess, "1",
                       "drug-induced excess of the tumour cell's death drive"),
            Assignment(f"{x}_kill_tsp",
                       f"hill({x}_death_drive_excess, {x}_kill_ec50, {x}_kill_hill)", "1",
                       "suppressor/proteotoxic route: share of the maximal hazard"),
            Assignment(f"{x}_kill_gr",
                       f"min({x}_gr_kill_weight * {GR_DEATH_HAZARD} / {GR_DEATH_MAX}, 1)",
                       "1", "glucocorticoid route: share of the maximal hazard"),
            Assignment(f"{x}_death_hazard",
                       f"{x}_kill_max * (1 - (1 - {x}_kill_tsp) * (1 - {x}_kill_gr))", "1/h",
                       "drug-induced death hazard of sensitive tumour cells in vivo "
                       "(independent routes)"),
            Assignment(f"{x}_arrest_inhibition",
                       f"min({x}_arrest_effect * max({ARREST_SIGNAL} - "
                       "arrest_fraction_untreated, 0), 1)", "1",
                       "share of tumour growth stopped by drug-induced G1 arrest"),
            Assignment(f"{x}_division_factor",
                       f"min({DIVISION_SIGNAL} / growth_factor_untreated, 1)", "1",
                       "division rate of the cycling tumour cells relative to the patient's "
                       "untreated cell (the dish's drug-induced division loss)"),
            Assignment(f"{x}_growth_inhibition",
                       f"1 - (1 - {x}_arrest_inhibition) * {x}_division_factor", "1",
                       "share of tumour growth stopped by drug-induced arrest and slower "
                       "division (independent factors)"),
            Assignment("cycling_share", f"1 - {x}_arrest_inhibition", "1",
                       "share of the tumour still cycling (replication stress), in place "
                       "of the dish population's: arrest only (a cell dividing more slowly "
                       "still cycles)"),
        ),
        inputs=(Input(DEATH_SIGNAL, "1", 0.0, "death drive of the tumour cell (fate module)"),
                Input(GR_DEATH_HAZARD, "1/h", 0.0, "glucocorticoid apoptosis rate of the "
                      "tumour cell (fate module; its dish scale, normalised here)"),
                Input(GR_DEATH_MAX, "1/h", 1.0, "maximal glucocorticoid apoptosis rate of "
                      "the tumour cell (fate module)"),
                Input(ARREST_SIGNAL, "1", 0.0, "G1-arrest fraction of the tumour cell (fate "
                      "module)"),
                Input(DIVISION_SIGNAL, "1", 1.0, "division rate of the tumour cell relative "
                      "to the untreated cell (fate module)")),
    )
