"""Dexamethasone PK: oral 2-compartment model with first-order absorption.

Clearance is the IV value of Tsuei et al., J Pharmacokinet Biopharm 1979 (14.9 L/h after
8 mg IV). Bioavailability reconciles it with the oral figures of the 2020 bioequivalence
study of 4 mg vs 20 mg tablets (20 mg fasting: Cmax 257 ng/mL, Tmax ≈ 1 h, AUCinf 1329
ng·h/mL, t½ 4.0 h): F = CL·AUC/dose = 14.9 × 1329 / 20000 = 0.99. Literature oral F of
dexamethasone tablets is 0.7-0.9 (recalled, unverified); the two studies are in
different subjects, so F here is the value that makes *these* two figures consistent.
A one-compartment model cannot give Cmax 257 ng/mL: with V = CL·t½/ln 2 = 86 L even an
instantaneous 20 mg dose gives only 230 ng/mL, so a small central volume with fast
distribution is needed (the 2-compartment fit below).

Outputs: ``Cp_dexamethasone_mg_l`` (total plasma, mg/L), ``Cp_dexamethasone_nM`` and
``Cu_dexamethasone_nM`` (unbound, fu = 0.23, the concentration a GR model reads).
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

_P = parameter_file("pk_dexamethasone")  # presets/params/pk_dexamethasone.toml
#: Vc, Vp and ka written by ``xposim calibrate pk-dexamethasone``.
PARAMETERS: tuple[Parameter, ...] = _P.parameters(
    "dex_CL_pop", "dex_F", "dex_Vc_pop", "dex_Q_pop", "dex_Vp_pop", "dex_ka_pop",
    "dex_CL_WT_exp", "dex_V_WT_exp")
IIV: tuple[Parameter, ...] = _P.parameters("dex_omega_CL", "dex_omega_Vc", "dex_omega_ka")
RESIDUAL = ResidualError(proportional=_P.parameter("dex_sigma_prop"),
                         additive=_P.parameter("dex_sigma_add"))

ETAS = ("CL", "Vc", "ka")


def _eta(name: str) -> Parameter:
    return _P.parameter(f"dex_eta_{name}")


def dexamethasone_module(name: str = "dexamethasone_pk") -> Module:
    """The dexamethasone PK module (amounts mg, volumes L, time h)."""
    _, mw, fu = drug_constants("dexamethasone", "dex")
    c = PK_COMPARTMENT.name
    w = "(body_weight / reference_weight)"
    return Module(
        name=name,
        description="Dexamethasone oral/IV 2-compartment PK, CL from IV data, F reconciling "
                    "the oral bioequivalence figures",
        compartments=(PK_COMPARTMENT,),
        parameters=(*COVARIATE_PARAMETERS, *PARAMETERS, *(_eta(e) for e in ETAS), mw, fu),
        derived=(
            Derived("dex_CL", f"dex_CL_pop * {w} ** dex_CL_WT_exp * exp(dex_eta_CL)", "L/h",
                    "individual clearance"),
            Derived("dex_Vc", f"dex_Vc_pop * {w} ** dex_V_WT_exp * exp(dex_eta_Vc)", "L",
                    "individual central volume"),
            Derived("dex_Q", f"dex_Q_pop * {w} ** dex_CL_WT_exp", "L/h",
                    "individual inter-compartmental clearance"),
            Derived("dex_Vp", f"dex_Vp_pop * {w} ** dex_V_WT_exp", "L",
                    "individual peripheral volume"),
            Derived("dex_ka", "dex_ka_pop * exp(dex_eta_ka)", "1/h", "individual ka"),
        ),
        species=(
            Species("dex_gut", c, 0.0, "mg", "oral dose site", amount=True),
            Species("dex_central", c, 0.0, "mg", "central compartment (IV doses here)",
                    amount=True),
            Species("dex_periph", c, 0.0, "mg", "peripheral compartment", amount=True),
        ),
        reactions=(
            Reaction("dex_absorption", "dex_F * dex_ka * dex_gut", {"dex_gut": 1},
                     {"dex_central": 1}),
            Reaction("dex_presystemic_loss", "(1 - dex_F) * dex_ka * dex_gut",
                     {"dex_gut": 1}, ()),
            Reaction("dex_elimination", "dex_CL / dex_Vc * dex_central", {"dex_central": 1},
                     ()),
            Reaction("dex_distribution", "dex_Q / dex_Vc * dex_central", {"dex_central": 1},
                     {"dex_periph": 1}),
            Reaction("dex_redistribution", "dex_Q / dex_Vp * dex_periph", {"dex_periph": 1},
                     {"dex_central": 1}),
        ),
        assignments=(
            Assignment("Cp_dexamethasone_mg_l", "dex_central / dex_Vc", "mg/L",
                       "total plasma dexamethasone (mg/L = 1000 ng/mL)"),
            Assignment("Cp_dexamethasone_nM", "Cp_dexamethasone_mg_l / dex_MW", "nM",
                       "total plasma dexamethasone, molar"),
            Assignment("Cu_dexamethasone_nM", "dex_fu * Cp_dexamethasone_nM", "nM",
                       "unbound plasma dexamethasone (drives GR binding)"),
        ),
    )


@cache
def dexamethasone_pk() -> PKModel:
    """Dexamethasone PK model with dose routes (PO, IV), IIV and residual error."""
    module = dexamethasone_module()
    omegas = {p.name: p for p in IIV}
    return PKModel(
        drug=drug_constants("dexamethasone", "dex")[0],
        module=module,
        routes={"PO": "dex_gut", "IV": "dex_central"},
        concentration="Cp_dexamethasone_mg_l",
        outputs=("Cp_dexamethasone_mg_l", "Cu_dexamethasone_nM"),
        random_effects=tuple(RandomEffect(f"dex_eta_{e}", omegas[f"dex_omega_{e}"])
                             for e in ETAS),
        residual=RESIDUAL,
        description=module.description,
    )
