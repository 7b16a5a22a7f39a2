"""Bortezomib PK (IV and SC) with saturable proteasome binding, and blood 20S inhibition.

Structure after the pediatric popPK/PD analysis of bortezomib (Janssen et al. 2019,
abstract): Langmuir (Bmax, Kd) binding to proteasome in tissue — the binding explains why
exposure rises with repeated doses (C1D1 CL ≈ 112 L/h vs 18-28 L/h on C1D11; t½ 76-109 h).
Binding is written kinetically (kon = koff/Kd into free sites Bmax - bound, koff from the
label's dissociation t½ of about 20 min): a standard target-mediated disposition
structure that CVODE integrates robustly from empty to saturated sites.

    SC dose -> btz_sc -ka-> btz_sc_transit -ka-> btz_central <-Q2-> btz_periph (< 10 min)
                            btz_central <-Q3-> btz_tissue <-kon/koff-> btz_bound
                            btz_central -CL->
    plasma drug -kon_blood/koff_blood-> btz_blood_occ (blood proteasome, occupancy 0-1)

A third (shallow) compartment carries the < 10 min initial distribution (Schwartz &
Davidson 2004), which two compartments cannot combine with the slow filling of the
binding sites that makes the first dose look rapidly cleared (C1D1 t½ 11.5 h).

Blood 20S inhibition is measured in whole blood, whose proteasome is mostly in red cells.
It is driven by the occupancy of that proteasome (Langmuir binding of plasma drug, in
place of the Janssen abstract's direct Imax on plasma concentration), not by the plasma
concentration itself: a direct model tracks plasma, which after the first dose falls to
pg/mL within a day while the tissue sites fill, and so recovered in ~16 h instead of the
72-96 h of the clinic. The bound tissue pool cannot drive it either: its sites stay
filled (85% at 120 h). The blood pool's capacity is taken as negligible for the PK, and
its apparent release half-life (≈ 27 h) is calibrated to the recovery time: far longer
than the 20 min of the isolated complex, presumably because red cells hold abundant
proteasome that recaptures released drug and make no new proteasome (an assumed
rationale, not a measured rate).

Typical values were fitted by ``xposim calibrate pk-bortezomib`` and ``pk-bortezomib-pd``
to the figures of calibration-targets.md §1 (see ``fitted_to``). Doses are mg (1.3 mg/m² × BSA).

Outputs: ``Cp_bortezomib_mg_l``, ``Cp_bortezomib_nM``, ``Cu_bortezomib_nM`` (fu 0.17),
``btz_bound`` (species: drug bound in tissue, mg), ``btz_blood_occ`` (species: bound
fraction of blood proteasome, in units of 1 nM) and ``proteasome_inhibition`` (0-1, blood
20S chymotrypsin-like activity lost), which slows platelet release. The patient's tumour
cell binds plasma drug with the same constants (``btz_kon_blood``, ``btz_koff_blood``) plus
turnover of its bound proteasome (``btz_t_half_resynth``, in this module's preset file):
:func:`xposim.patient.coupling.tumour_bortezomib_module`.
"""

from __future__ import annotations

from functools import cache

from xposim.model import (
    Assignment,
    Derived,
    Module,
    Parameter,
    RateRule,
    Reaction,
    Species,
)
from xposim.pharmacology.pk.common import (
    COVARIATE_PARAMETERS,
    PK_COMPARTMENT,
    RandomEffect,
    ResidualError,
    drug_constants,
)
from xposim.pharmacology.pk.spec import PKModel
from xposim.presets.loader import parameter_file

_P = parameter_file("pk_bortezomib")  # presets/params/pk_bortezomib.toml
#: Calibrated values written by ``xposim calibrate pk-bortezomib`` (PK) and
#: ``pk-bortezomib-pd`` (blood proteasome binding).
PARAMETERS: tuple[Parameter, ...] = _P.parameters(
    "btz_CL_pop", "btz_V1_pop", "btz_Q2_pop", "btz_V2_pop", "btz_Q3_pop", "btz_V3_pop",
    "btz_Bmax", "btz_Kd", "btz_t_half_off", "btz_ka_sc", "btz_F_sc", "btz_WT_exp_CL",
    "btz_WT_exp_V", "btz_Imax", "btz_Kd_blood", "btz_t_half_blood", "btz_occ_unit")
IIV: tuple[Parameter, ...] = _P.parameters("btz_omega_CL", "btz_omega_V3", "btz_omega_ka")
RESIDUAL = ResidualError(proportional=_P.parameter("btz_sigma_prop"),
                         additive=_P.parameter("btz_sigma_add"))

ETAS = ("CL", "V3", "ka")


def _eta(name: str) -> Parameter:
    return _P.parameter(f"btz_eta_{name}")


def bortezomib_module(name: str = "bortezomib_pk") -> Module:
    """The bortezomib PK/PD module (amounts mg, volumes L, time h)."""
    _, mw, fu = drug_constants("bortezomib", "btz")
    c = PK_COMPARTMENT.name
    w = "(body_weight / reference_weight)"
    return Module(
        name=name,
        description="Bortezomib 3-compartment PK with saturable tissue proteasome binding "
                    "(Langmuir); blood 20S inhibition from the occupancy of blood "
                    "proteasome (Langmuir binding with a slow apparent release)",
        compartments=(PK_COMPARTMENT,),
        parameters=(*COVARIATE_PARAMETERS, *PARAMETERS, *(_eta(e) for e in ETAS), mw, fu),
        derived=(
            Derived("btz_CL", f"btz_CL_pop * {w} ** btz_WT_exp_CL * exp(btz_eta_CL)", "L/h",
                    "individual clearance"),
            Derived("btz_Q2", f"btz_Q2_pop * {w} ** btz_WT_exp_CL", "L/h",
                    "individual shallow distribution clearance"),
            Derived("btz_Q3", f"btz_Q3_pop * {w} ** btz_WT_exp_CL", "L/h",
                    "individual clearance to the binding tissue"),
            Derived("btz_V1", f"btz_V1_pop * {w} ** btz_WT_exp_V", "L", "central volume"),
            Derived("btz_V2", f"btz_V2_pop * {w} ** btz_WT_exp_V", "L",
                    "shallow peripheral volume"),
            Derived("btz_V3", f"btz_V3_pop * {w} ** btz_WT_exp_V * exp(btz_eta_V3)", "L",
                    "free-drug volume of the binding tissue"),
            Derived("btz_Bmax_i", f"btz_Bmax * {w} ** btz_WT_exp_V", "mg",
                    "individual tissue binding capacity"),
            Derived("btz_ka", "btz_ka_sc * exp(btz_eta_ka)", "1/h", "individual SC ka"),
            Derived("btz_koff", "log(2) / btz_t_half_off", "1/h", "dissociation rate"),
            Derived("btz_kon", "btz_koff / btz_Kd", "L/(mg*h)", "association rate (koff/Kd)"),
            Derived("btz_koff_blood", "log(2) / btz_t_half_blood", "1/h",
                    "apparent release rate from blood proteasome"),
            Derived("btz_kon_blood", "btz_koff_blood / btz_Kd_blood", "L/(mg*h)",
                    "blood proteasome binding rate (koff_blood/Kd_blood)"),
        ),
        species=(
            Species("btz_sc", c, 0.0, "mg", "SC injection depot", amount=True),
            Species("btz_sc_transit", c, 0.0, "mg", "SC lymphatic/interstitial transit",
                    amount=True),
            Species("btz_central", c, 0.0, "mg", "central compartment (IV doses here)",
                    amount=True),
            Species("btz_periph", c, 0.0, "mg", "shallow peripheral amount", amount=True),
            Species("btz_tissue", c, 0.0, "mg", "free drug in the binding tissue", amount=True),
            Species("btz_bound", c, 0.0, "mg", "drug bound to tissue proteasome", amount=True),
            Species("btz_blood_occ", c, 0.0, "nM", "drug-bound fraction of blood (RBC) "
                    "proteasome, in units of btz_occ_unit; capacity negligible for the PK"),
        ),
        rate_rules=(
            RateRule("btz_blood_occ", "btz_kon_blood * Cp_bortezomib_mg_l * (btz_occ_unit - "
                     "btz_blood_occ) - btz_koff_blood * btz_blood_occ",
                     "Langmuir binding of plasma drug to blood proteasome"),
        ),
        reactions=(
            Reaction("btz_sc_transfer", "btz_ka * btz_sc", {"btz_sc": 1},
                     {"btz_sc_transit": 1}),
            Reaction("btz_absorption", "btz_F_sc * btz_ka * btz_sc_transit",
                     {"btz_sc_transit": 1}, {"btz_central": 1}),
            Reaction("btz_sc_loss", "(1 - btz_F_sc) * btz_ka * btz_sc_transit",
                     {"btz_sc_transit": 1}, ()),
            Reaction("btz_elimination", "btz_CL * Cp_bortezomib_mg_l", {"btz_central": 1}, ()),
            Reaction("btz_distribution", "btz_Q2 * (Cp_bortezomib_mg_l - btz_periph / btz_V2)",
                     {"btz_central": 1}, {"btz_periph": 1}, reversible=True),
            Reaction("btz_tissue_uptake", "btz_Q3 * (Cp_bortezomib_mg_l - btz_tissue / btz_V3)",
                     {"btz_central": 1}, {"btz_tissue": 1}, reversible=True),
            Reaction("btz_binding", "btz_kon * btz_tissue / btz_V3 * (btz_Bmax_i - btz_bound) "
                     "- btz_koff * btz_bound", {"btz_tissue": 1}, {"btz_bound": 1},
                     reversible=True),
        ),
        assignments=(
            Assignment("Cp_bortezomib_mg_l", "btz_central / btz_V1", "mg/L",
                       "plasma bortezomib (mg/L = 1000 ng/mL)"),
            Assignment("Cp_bortezomib_nM", "Cp_bortezomib_mg_l / btz_MW", "nM",
                       "plasma bortezomib, molar"),
            Assignment("Cu_bortezomib_nM", "btz_fu * Cp_bortezomib_nM", "nM",
                       "unbound plasma bortezomib"),
            Assignment("proteasome_inhibition", "btz_Imax * btz_blood_occ / btz_occ_unit", "1",
                       "fraction of blood 20S proteasome activity inhibited (0-1)"),
        ),
    )


@cache
def bortezomib_pk() -> PKModel:
    """Bortezomib PK/PD model with dose routes (IV, SC), IIV and residual error."""
    module = bortezomib_module()
    omegas = {p.name: p for p in IIV}
    return PKModel(
        drug=drug_constants("bortezomib", "btz")[0],
        module=module,
        routes={"IV": "btz_central", "SC": "btz_sc"},
        concentration="Cp_bortezomib_mg_l",
        outputs=("Cp_bortezomib_mg_l", "Cu_bortezomib_nM", "proteasome_inhibition"),
        random_effects=tuple(RandomEffect(f"btz_eta_{e}", omegas[f"btz_omega_{e}"])
                             for e in ETAS),
        residual=RESIDUAL,
        description=module.description,
    )
