"""Selinexor population PK: oral 2-compartment model with transit absorption.

Structure after Xu et al., Cancer Chemother Pharmacol 2021;88:69-79 (800 patients, 7
studies): two compartments, first-order absorption, body weight on CL and Vc, sex on CL.
Their typical values are not public, so the typical parameters here were *fitted* to the
XPOVIO label figures (80 mg single dose: Cmax 680 ng/mL, AUCinf 5386 ng·h/mL, Tmax within
4 h, t½ 6-8 h, V/F 125 L) by :mod:`xposim.pharmacology.pk.calibrate`; each calibrated
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

XU2021 = "Xu et al., Cancer Chemother Pharmacol 2021;88:69-79 (abstract)"
LABEL = "XPOVIO US label §12.3"
FIT = "xposim.pharmacology.pk.calibrate.fit_selinexor_typical"
FIT_TARGETS = ("XPOVIO US label §12.3, 80 mg single dose: Cmax 680 ng/mL and AUCinf 5386 "
               "ng·h/mL (weight 1); Tmax 2-4 h, t½ 6-8 h and V/F 125-133 L (label; "
               "NEXPOVIO SmPC §5.2), taken as Vss/F, at their middles with weight 0.3")
FIT_IIV = ("XPOVIO US label §12.3 SDs at 80 mg: CV of AUCinf 1116/5386 = 20.7%, CV of "
           "Cmax 124/680 = 18.2%, in a virtual population with the covariate model of "
           "xposim.pharmacology.pk.population (omega_Vc fixed at 0.1)")

#: Typical (reference: 70 kg male) parameters. Values from
#: ``python -m xposim.pharmacology.pk.calibrate selinexor``.
TYPICAL: tuple[Parameter, ...] = (
    Parameter("sel_CL_pop", 14.88, "L/h", f"{FIT} ({XU2021} structure)", "calibrated",
              "apparent clearance CL/F of the reference subject", bounds=(5.0, 40.0),
              fitted_to=FIT_TARGETS),
    Parameter("sel_Vc_pop", 49.89, "L", f"{FIT} ({XU2021} structure)", "calibrated",
              "apparent central volume Vc/F of the reference subject", bounds=(10.0, 300.0),
              fitted_to=FIT_TARGETS),
    Parameter("sel_Q_pop", 16.92, "L/h", f"{FIT} ({XU2021} structure)", "calibrated",
              "apparent inter-compartmental clearance Q/F", bounds=(0.1, 200.0),
              fitted_to=FIT_TARGETS),
    Parameter("sel_Vp_pop", 67.64, "L", f"{FIT} ({XU2021} structure)", "calibrated",
              "apparent peripheral volume Vp/F", bounds=(1.0, 500.0), fitted_to=FIT_TARGETS),
    Parameter("sel_ka_pop", 1.824, "1/h", f"{FIT}", "calibrated",
              "absorption rate constant; the three transit steps run at the same rate "
              "(Erlang-4 absorption)", bounds=(0.1, 20.0), fitted_to=FIT_TARGETS),
)

COVARIATE_EFFECTS: tuple[Parameter, ...] = (
    Parameter("sel_CL_WT_exp", 0.75, "dimensionless", "allometric theory (Anderson & Holford "
              f"2008); weight on CL: {XU2021}", "assumed",
              "exponent of body weight on CL", bounds=(0.0, 1.5)),
    Parameter("sel_Vc_WT_exp", 1.0, "dimensionless", "allometric theory (Anderson & Holford "
              f"2008); weight on Vc: {XU2021}", "assumed",
              "exponent of body weight on Vc", bounds=(0.0, 1.5)),
    Parameter("sel_CL_female", 0.85, "dimensionless",
              f"sex on CL: {XU2021}; the estimate is not public. Assumed 15% lower in women, "
              "small enough for the label's 'no clinically significant differences ... based "
              f"on sex' ({LABEL}, Specific Populations)", "assumed",
              "CL of a woman relative to a man of the same weight", bounds=(0.6, 1.2)),
)

IIV: tuple[Parameter, ...] = (
    # The fit drives omega_CL to 0: weight (allometric 0.75) and sex already give the
    # label's 20.7% CV of AUC in the virtual population (20.4%); see docs/pk.md.
    Parameter("sel_omega_CL", 0.0, "dimensionless", FIT.replace("typical", "iiv"),
              "calibrated", "SD of eta on CL (log scale)", bounds=(0.0, 1.0), fitted_to=FIT_IIV),
    Parameter("sel_omega_Vc", 0.1, "dimensionless", "assumed: modest IIV of Vc/F; not "
              "identifiable from the label SDs once weight (exponent 1) is on Vc", "assumed",
              "SD of eta on Vc (log scale)", bounds=(0.0, 1.0)),
    Parameter("sel_omega_ka", 0.127, "dimensionless", FIT.replace("typical", "iiv"),
              "calibrated", "SD of eta on ka (log scale)", bounds=(0.0, 1.5), fitted_to=FIT_IIV),
)

RESIDUAL = ResidualError(
    proportional=Parameter("sel_sigma_prop", 0.15, "dimensionless", "assumed: typical "
                           "proportional error of validated LC-MS/MS PK assays plus model "
                           "misspecification in oncology popPK", "assumed",
                           "proportional residual error SD", bounds=(0.0, 1.0)),
    additive=Parameter("sel_sigma_add", 1.0, "ng/mL", "assumed: of the order of the assay "
                       "lower limit of quantification", "assumed",
                       "additive residual error SD", bounds=(0.0, 50.0)),
)

ETAS = ("CL", "Vc", "ka")


def _eta(name: str) -> Parameter:
    return Parameter(f"sel_eta_{name}", 0.0, "dimensionless", "random effect: 0 for the "
                     "typical subject, sampled per subject from N(0, omega²) by "
                     "xposim.pharmacology.pk.population", "assumed",
                     f"eta of {name} (log scale)", bounds=(-5.0, 5.0))


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
