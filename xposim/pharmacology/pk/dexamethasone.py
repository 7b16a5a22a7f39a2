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

TSUEI = "Tsuei et al., J Pharmacokinet Biopharm 1979 (8 mg IV)"
BE2020 = "bioequivalence study of dexamethasone 4 mg vs 20 mg tablets, 2020 (abstract)"
FIT = "xposim.pharmacology.pk.calibrate.fit_dexamethasone"
FIT_TARGETS = (f"{BE2020}, 20 mg oral fasting: Cmax 257 ng/mL, Tmax 1 h, t½ 4.0 h (AUCinf "
               "1329 ng·h/mL is met through F)")

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("dex_CL_pop", 14.9, "L/h", TSUEI, "measured",
              "systemic clearance of the reference subject", bounds=(5.0, 40.0)),
    Parameter("dex_F", 0.990, "dimensionless",
              f"CL·AUC/dose = 14.9 L/h × 1329 ng·h/mL / 20 mg ({TSUEI}; {BE2020})",
              "derived", "oral bioavailability", bounds=(0.5, 1.0)),
    Parameter("dex_Vc_pop", 27.94, "L", FIT, "calibrated", "central volume",
              bounds=(5.0, 200.0), fitted_to=FIT_TARGETS),
    Parameter("dex_Q_pop", 20.0, "L/h", "assumed: fast distribution (distribution t½ of "
              "about 1 h) so that Cmax can exceed dose·F/Vz; not identifiable from the "
              "oral figures", "assumed", "inter-compartmental clearance", bounds=(1.0, 200.0)),
    Parameter("dex_Vp_pop", 38.71, "L", FIT, "calibrated", "peripheral volume",
              bounds=(1.0, 300.0), fitted_to=FIT_TARGETS),
    Parameter("dex_ka_pop", 1.066, "1/h", FIT, "calibrated", "absorption rate constant",
              bounds=(0.1, 30.0), fitted_to=FIT_TARGETS),
    Parameter("dex_CL_WT_exp", 0.75, "dimensionless", "allometric theory (Anderson & "
              "Holford, Annu Rev Pharmacol Toxicol 2008)", "assumed",
              "exponent of body weight on CL and Q", bounds=(0.0, 1.5)),
    Parameter("dex_V_WT_exp", 1.0, "dimensionless", "allometric theory (Anderson & Holford "
              "2008)", "assumed", "exponent of body weight on Vc and Vp", bounds=(0.0, 1.5)),
)

IIV: tuple[Parameter, ...] = (
    Parameter("dex_omega_CL", 0.3, "dimensionless", "assumed: ~30% CV of CL, typical of "
              "CYP3A4 substrates; no variability figure in calibration-targets.md", "assumed",
              "SD of eta on CL (log scale)", bounds=(0.0, 1.0)),
    Parameter("dex_omega_Vc", 0.2, "dimensionless", "assumed (as for CL)", "assumed",
              "SD of eta on Vc (log scale)", bounds=(0.0, 1.0)),
    Parameter("dex_omega_ka", 0.4, "dimensionless", "assumed: absorption rates vary more "
              "than disposition", "assumed", "SD of eta on ka (log scale)", bounds=(0.0, 1.5)),
)

RESIDUAL = ResidualError(
    proportional=Parameter("dex_sigma_prop", 0.15, "dimensionless", "assumed: typical "
                           "LC-MS/MS assay plus model error", "assumed",
                           "proportional residual error SD", bounds=(0.0, 1.0)),
    additive=Parameter("dex_sigma_add", 0.5, "ng/mL", "assumed: order of the assay LLOQ",
                       "assumed", "additive residual error SD", bounds=(0.0, 20.0)),
)

ETAS = ("CL", "Vc", "ka")


def _eta(name: str) -> Parameter:
    return Parameter(f"dex_eta_{name}", 0.0, "dimensionless", "random effect: 0 for the "
                     "typical subject, sampled per subject from N(0, omega²) by "
                     "xposim.pharmacology.pk.population", "assumed",
                     f"eta of {name} (log scale)", bounds=(-5.0, 5.0))


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
