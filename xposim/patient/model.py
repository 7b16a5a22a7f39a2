"""The clinical patient model: PK of the regimen's drugs, the tumour cell, the marrow,
the disease burden and the toxicities, composed into one model.

::

    dose ──► PK (per drug: selinexor, dexamethasone, bortezomib) ──► unbound plasma Cu
    Cu (selinexor, dexamethasone) ──► tumour cell (the cell layer's XPO1 target, export
           core or its quasi-steady reduction, GR, proteasome/NF-κB, eIF4E, fate signals)
       ──► coupling (xposim.patient.coupling): death hazard, growth inhibition
       ──► myeloma burden + M-protein  (or DLBCL burden + SPD)
    Cu_selinexor ──► marrow progenitors (target module copy) ──► platelets, neutrophils
    Cp_selinexor ──► sodium, weight, nausea/fatigue/anorexia Markov chains
    blood proteasome inhibition (bortezomib) ──► platelet release
    Cp_bortezomib ──► tumour proteasome occupancy (blood 20S binding + turnover) ──► the
           tumour cell's bortezomib input (xposim.patient.coupling.tumour_bortezomib_module)

The model's structure depends only on (disease, drugs with PK, cell preset, tumour-cell
representation); a patient is parameter values and an initial state on it, so one compile
serves every patient (and every preset of the same structure). Doses are engine events
(:func:`xposim.pharmacology.dose_events.dose_events`), never part of the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import MappingProxyType
from typing import Literal

from xposim.errors import InputError
from xposim.model import Input, Module, Parameter, RateRule, Species
from xposim.model.module import Model, compose
from xposim.patient.coupling import (
    MARROW_INHIBITION,
    coupling_module,
    detailed_tumour_cell,
    disease_prefix,
    marrow_target,
    tumour_bortezomib_module,
)

CellRepresentation = Literal["reduced", "detailed"]
#: Default tumour-cell preset of each disease (the anchor of between-patient biology).
DEFAULT_PRESET: Mapping[str, str] = MappingProxyType({"myeloma": "myeloma", "dlbcl": "dlbcl"})
#: Drugs with a PK model the patient can receive.
PK_DRUGS: tuple[str, ...] = ("bortezomib", "dexamethasone", "selinexor")

#: Between-patient biology: stable parameter names a population may set (canonical units
#: of the model; bounds are each parameter's own, see :meth:`PatientModel.bounds`).
BETWEEN_PATIENT: Mapping[str, str] = MappingProxyType({
    "XPO1_total0": "tumour XPO1 expression: total XPO1 of the untreated tumour cell (nM)",
    "p53_function": "TP53 status: 1 wild type, 0 deleted or mutant (del17p)",
    "GR_level": "glucocorticoid-receptor expression relative to MM.1S (0.05 ~ MM.1R)",
    "pi_resistance": "proteasome-inhibitor resistance: fold rise of the cell's bortezomib IC50",
    "mm_kg0": "myeloma growth rate of cycling cells (1/h)",
    "mm_burden0": "baseline myeloma burden (cells); set from the baseline M-protein",
    "mm_mprotein_kdeg": "M-protein clearance (1/h; isotype: IgG 0.0021, IgA 0.0048, "
                        "light chain 0.1733)",
    "mm_resistance_acquisition": "rate of acquired resistance per unit hazard",
    "dlbcl_kg0": "lymphoma growth rate (1/h)",
    "dlbcl_spd0": "baseline SPD of the target lesions",
    "plt_base": "baseline platelets", "neu_base": "baseline ANC",
    "na_baseline": "baseline serum sodium", "body_weight": "body weight",
    "female": "sex (1 female)",
})
#: Standard time-course variables (contract names) and the model output of each.
STANDARD_OUTPUTS: Mapping[str, str] = MappingProxyType({
    "m_protein_g_dl": "m_protein_g_per_dl", "spd_cm2": "dlbcl_spd_cm2",
    "platelets_1e9_per_l": "plt_1e9_per_l", "neutrophils_1e9_per_l": "neu_1e9_per_l",
    "sodium_mmol_per_l": "sodium_mmol_per_l", "xpo1_occupancy": "occupancy",
})
#: Further recorded outputs (name -> unit as reported).
EXTRA_OUTPUTS: Mapping[str, str] = MappingProxyType({
    "mk_occupancy": "1", "mk_XPO1_inhibition": "1", "XPO1_inhibition": "1",
    "death_drive": "1", "weight_loss_fraction": "1",
})


def exposure_module(drug: str) -> Module:
    """An accumulator of a drug's plasma AUC (nM·h, held in a nM species): exposure
    metrics are differences of it at visits, with no dense output."""
    from xposim.pharmacology.pk.common import PK_COMPARTMENT

    name = f"auc_{drug}"
    return Module(
        name=f"{drug}_exposure", description=f"plasma AUC of {drug}",
        compartments=(PK_COMPARTMENT,),
        parameters=(Parameter("auc_rate_unit", 1.0, "1/h", "convention: AUC accumulators "
                              "integrate concentration over hours (d AUC/dt = C x 1/h)",
                              "convention", "unit rate of the AUC accumulators"),),
        species=(Species(name, PK_COMPARTMENT.name, 0.0, "nM", f"cumulative plasma {drug} "
                         "AUC (nM·h, held in a nM species)"),),
        rate_rules=(RateRule(name, f"Cp_{drug}_nM * auc_rate_unit",
                             "accumulates the plasma concentration"),),
        inputs=(Input(f"Cp_{drug}_nM", "nM", 0.0, f"total plasma {drug}"),),
    )


@dataclass(frozen=True)
class PatientModel:
    """One composed patient model and what the runner needs to know about it."""

    disease: str
    drugs: tuple[str, ...]
    preset: str
    cell: CellRepresentation
    model: Model
    dose_routes: Mapping[str, Mapping[str, str]]  # drug -> route -> species
    reductions: Mapping[str, object] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return disease_prefix(self.disease)

    @property
    def marker(self) -> str:
        """The tumour-marker output (``m_protein_g_per_dl`` or ``dlbcl_spd_cm2``)."""
        return "m_protein_g_per_dl" if self.disease == "myeloma" else "dlbcl_spd_cm2"

    @cached_property
    def species(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.model.species)

    @cached_property
    def defaults(self) -> Mapping[str, float]:
        """Canonical default of every parameter and input."""
        return MappingProxyType(self.model.default_values())

    def bounds(self, name: str) -> tuple[float, float] | None:
        """Bounds of a parameter in canonical units (None when it has none)."""
        p = self.model.parameter(name)
        if p.bounds is None:
            return None
        f = p.canonical_value / p.value if p.value else 1.0
        if not p.value:
            from xposim.model.units import canonical_unit

            f = canonical_unit(p.unit)[1]
        return (p.bounds[0] * f, p.bounds[1] * f)

    @cached_property
    def outputs(self) -> tuple[str, ...]:
        """Model outputs recorded at visits (labs, marker, PK, occupancy, AE chains)."""
        names = [self.marker, "plt_1e9_per_l", "neu_1e9_per_l", "sodium_mmol_per_l",
                 "weight_loss_fraction", "occupancy", "mk_occupancy", "mk_XPO1_inhibition",
                 "XPO1_inhibition", "death_drive", "arrest_fraction",
                 f"{self.prefix}_death_hazard", f"{self.prefix}_kill_tsp",
                 f"{self.prefix}_kill_gr"]
        names += [f"Cp_{d}_mg_l" for d in self.drugs]
        known = set(self.model.definitions) | {i.name for i in self.model.inputs}
        return tuple(n for n in dict.fromkeys(names) if n in known)


def _wire_marrow_lineages() -> tuple[Module, ...]:
    from xposim.disease import neutrophil_module, platelet_module

    return (platelet_module(),
            neutrophil_module().rename({"myeloid_XPO1_inhibition": MARROW_INHIBITION}))


def check_drugs(drugs: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Canonical, sorted drug names; InputError for a drug without a PK model."""
    from xposim.pharmacology.dose import canonical_drug

    out = sorted({canonical_drug(d) for d in drugs})
    for d in out:
        if d not in PK_DRUGS:
            raise InputError("regimen", f"{d} has no PK model; the patient can receive "
                             f"{', '.join(PK_DRUGS)}", got=d)
    if not out:
        raise InputError("regimen", "gives no drug")
    return tuple(out)


@cache
def patient_model(disease: str, drugs: tuple[str, ...], preset: str | None = None,
                  cell: CellRepresentation = "reduced") -> PatientModel:
    """Compose the patient model (cached per process; compiling happens on first run).

    ``disease``: ``myeloma`` or ``dlbcl``; ``drugs``: the regimen's drugs (each needs a PK
    model); ``preset``: the tumour cell preset (default: the disease's generic preset);
    ``cell``: ``reduced`` (quasi-steady-state transport, the clinical default) or
    ``detailed`` (the cell layer's full export core).
    """
    from xposim.disease import dlbcl_module, myeloma_module, toxicity_module
    from xposim.pharmacology.pk import pk_model
    from xposim.presets.cell_lines import get_cell_line

    prefix = disease_prefix(disease)
    drugs = check_drugs(list(drugs))
    preset = preset or DEFAULT_PRESET[disease]
    line = get_cell_line(preset)
    if not line.malignant:
        raise InputError("preset", "the tumour cell must be a malignant preset", got=preset)
    if cell not in ("reduced", "detailed"):
        raise InputError("cell", "must be 'reduced' or 'detailed'", got=cell)
    pks = [pk_model(d) for d in drugs]
    reductions: dict[str, object] = {}
    if cell == "reduced":
        from xposim.patient.reduction import derive_reduction, reduced_tumour_cell

        # Without bortezomib the proteasome stays all free, so the NF-kB core reads
        # export capacity only and joins the reduced block (its agreement with the
        # detailed cell: tests/test_patient_reduction.py); with it, the core stays detailed.
        nfkb_core = "bortezomib" not in drugs
        tumour = reduced_tumour_cell(preset, nfkb_core)
        reductions[preset] = derive_reduction(preset, nfkb_core)
    else:
        tumour = detailed_tumour_cell(preset)
    burden = myeloma_module() if disease == "myeloma" else dlbcl_module()
    modules = [*(pk.module for pk in pks), tumour, marrow_target(), *_wire_marrow_lineages(),
               burden, toxicity_module(), coupling_module(disease)]  # type: ignore[arg-type]
    if "selinexor" in drugs:
        modules.append(exposure_module("selinexor"))
    if "bortezomib" in drugs:
        modules.append(tumour_bortezomib_module())
    tag = "_".join(d[:3] for d in drugs)
    model = compose(*modules, name=f"patient_{prefix}_{tag}_{cell}",
                    description=f"Clinical {disease} patient on {', '.join(drugs)} "
                                f"({preset} tumour cell, {cell} transport)")
    routes = {pk.drug.name: dict(pk.routes) for pk in pks}
    return PatientModel(disease, drugs, preset, cell, model,
                        MappingProxyType({k: MappingProxyType(v) for k, v in routes.items()}),
                        MappingProxyType(reductions))
