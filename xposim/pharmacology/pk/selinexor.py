"""Selinexor population PK: oral 2-compartment model with transit absorption.

Structure after Xu et al., Cancer Chemother Pharmacol 2021;88:69-79 (800 patients, 7
studies): two compartments, first-order absorption, body weight on CL and Vc, sex on CL.
Their typical values are not public, so the typical parameters here were *fitted* to the
XPOVIO label figures (80 mg single dose: Cmax 680 ng/mL, AUCinf 5386 ng·h/mL, Tmax within
4 h, t½ 6-8 h, V/F 125 L) by ``xposim calibrate pk-selinexor``; each calibrated
parameter says so in ``fitted_to``. All are apparent oral values (CL/F, V/F).

    dose -> sel_depot -ktr-> sel_transit1 -ktr-> sel_transit2 -ktr-> sel_gut -ka->
    sel_central <-Q-> sel_periph ;  sel_central -CL->

Absorption is an Erlang delay (three transit steps at ``ktr`` then ``ka``), which gives the
label's delayed Tmax without a discontinuous lag time.

Outputs: ``Cp_selinexor_mg_l`` (total plasma, mg/L = µg/mL; × 1000 for ng/mL),
``Cp_selinexor_nM`` (total, nM = mg/L × 1e6 / MW) and ``Cu_selinexor_nM`` (unbound =
fu × total, fu = 0.05), the concentration the cell layer reads.
"""

from __future__ import annotations

from functools import cache

from xposim.model import Assignment, Derived, Module, Parameter, Reaction, Species
from xposim.pharmacology.pk.common import (
    COVARIATE_PARAMETERS,
    PK_COMPARTMENT,
    RandomEffect,
    ResidualError,
    drug_constants,
)
from xposim.pharmacology.pk.spec import PKModel
from xposim.presets.loader import parameter_file

_P = parameter_file("pk_selinexor")  # values and provenance: presets/params/pk_selinexor.toml
#: Typical (reference: 70 kg male) parameters, written by ``xposim calibrate pk-selinexor``.
TYPICAL: tuple[Parameter, ...] = _P.parameters(
    "sel_CL_pop", "sel_Vc_pop", "sel_Q_pop", "sel_Vp_pop", "sel_ka_pop")
COVARIATE_EFFECTS: tuple[Parameter, ...] = _P.parameters(
    "sel_CL_WT_exp", "sel_Vc_WT_exp", "sel_CL_female")
#: omega_CL and omega_ka written by ``xposim calibrate pk-selinexor-iiv``.
IIV: tuple[Parameter, ...] = _P.parameters("sel_omega_CL", "sel_omega_Vc", "sel_omega_ka")
RESIDUAL = ResidualError(proportional=_P.parameter("sel_sigma_prop"),
                         additive=_P.parameter("sel_sigma_add"))

ETAS = ("CL", "Vc", "ka")


def _eta(name: str) -> Parameter:
    return _P.parameter(f"sel_eta_{name}")


def selinexor_module(name: str = "selinexor_pk") -> Module:
    """The selinexor PK module (amounts in mg, volumes L, time h)."""
    _, mw, fu = drug_constants("selinexor", "sel")
    c = PK_COMPARTMENT.name
    return Module(
        name=name,
        description="Selinexor oral 2-compartment popPK with Erlang transit absorption, "
                    "weight on CL and Vc, sex on CL (Xu et al. 2021 structure)",
        compartments=(PK_COMPARTMENT,),
        parameters=(*COVARIATE_PARAMETERS, *TYPICAL, *COVARIATE_EFFECTS,
                    *(_eta(e) for e in ETAS), mw, fu),
        derived=(
            Derived("sel_CL", "sel_CL_pop * (body_weight / reference_weight) ** sel_CL_WT_exp"
                    " * sel_CL_female ** female * exp(sel_eta_CL)", "L/h",
                    "individual apparent clearance CL/F"),
            Derived("sel_Vc", "sel_Vc_pop * (body_weight / reference_weight) ** sel_Vc_WT_exp"
                    " * exp(sel_eta_Vc)", "L", "individual apparent central volume"),
            Derived("sel_ka", "sel_ka_pop * exp(sel_eta_ka)", "1/h",
                    "individual absorption (and transit) rate constant"),
        ),
        species=(
            Species("sel_depot", c, 0.0, "mg", "dose site (oral doses go here)", amount=True),
            Species("sel_transit1", c, 0.0, "mg", "absorption transit 1", amount=True),
            Species("sel_transit2", c, 0.0, "mg", "absorption transit 2", amount=True),
            Species("sel_gut", c, 0.0, "mg", "absorption compartment", amount=True),
            Species("sel_central", c, 0.0, "mg", "central (plasma) compartment", amount=True),
            Species("sel_periph", c, 0.0, "mg", "peripheral compartment", amount=True),
        ),
        reactions=(
            Reaction("sel_tr0", "sel_ka * sel_depot", {"sel_depot": 1}, {"sel_transit1": 1}),
            Reaction("sel_tr1", "sel_ka * sel_transit1", {"sel_transit1": 1},
                     {"sel_transit2": 1}),
            Reaction("sel_tr2", "sel_ka * sel_transit2", {"sel_transit2": 1}, {"sel_gut": 1}),
            Reaction("sel_absorption", "sel_ka * sel_gut", {"sel_gut": 1},
                     {"sel_central": 1}),
            Reaction("sel_elimination", "sel_CL / sel_Vc * sel_central", {"sel_central": 1},
                     ()),
            Reaction("sel_distribution", "sel_Q_pop / sel_Vc * sel_central",
                     {"sel_central": 1}, {"sel_periph": 1}),
            Reaction("sel_redistribution", "sel_Q_pop / sel_Vp_pop * sel_periph",
                     {"sel_periph": 1}, {"sel_central": 1}),
        ),
        assignments=(
            Assignment("Cp_selinexor_mg_l", "sel_central / sel_Vc", "mg/L",
                       "total plasma selinexor (mg/L = 1000 ng/mL)"),
            Assignment("Cp_selinexor_nM", "Cp_selinexor_mg_l / sel_MW", "nM",
                       "total plasma selinexor, molar (ng/mL × 1e3 / MW)"),
            Assignment("Cu_selinexor_nM", "sel_fu * Cp_selinexor_nM", "nM",
                       "unbound plasma selinexor (fu × total): drives the cell layer"),
        ),
    )


@cache
def selinexor_pk() -> PKModel:
    """Selinexor PK model with its dose routes, IIV and residual error."""
    module = selinexor_module()
    omegas = {p.name: p for p in IIV}
    return PKModel(
        drug=drug_constants("selinexor", "sel")[0],
        module=module,
        routes={"PO": "sel_depot"},
        concentration="Cp_selinexor_mg_l",
        outputs=("Cp_selinexor_mg_l", "Cu_selinexor_nM"),
        random_effects=tuple(RandomEffect(f"sel_eta_{e}", omegas[f"sel_omega_{e}"])
                             for e in ETAS),
        residual=RESIDUAL,
        description=module.description,
    )
