"""Non-haematological toxicities driven by selinexor exposure.

Every process reads the total plasma selinexor ``Cp_selinexor_nM`` (the PK module's
output, nM) through its own effect compartment, a moving average of exposure::

    dCe/dt = ke0·(Cp - Ce)

**Serum sodium** and **body weight** are indirect responses whose loss is raised by
exposure (``E = Emax·Ce/(EC50 + Ce)``)::

    dNa/dt = k·Na0 - k·(1 + E)·Na          steady state Na0 / (1 + E)
    dW/dt  = k·W0  - k·(1 + E)·W           W0 = body_weight

**Nausea/vomiting, fatigue and anorexia** are graded continuous-time Markov chains over
CTCAE grades 0, 1, 2 and ≥3, written as the Kolmogorov forward equations of the grade
probabilities ``p_g`` (so the ODE engine carries them; they always sum to 1)::

    drive  D = baseline + s·Ce/(EC50 + Ce)     (nausea: drug part × (1 - prophylaxis effect))
    g → g+1 at k_g,g+1 · D ;   g+1 → g at recovery

A patient's actual grade at a visit is drawn from ``p_g(t_visit)`` by the patient layer,
which then sets the chain to that grade (one-hot) and integrates on: that is exact
sampling of the chain at the visits, with no per-step callbacks.

The direction of every effect is sourced (exposure-safety relations for fatigue,
decreased appetite and vomiting: Xu et al., Cancer Chemother Pharmacol 2021); every
magnitude is assumed (see ``toxicity.toml``), to be calibrated.
"""

from __future__ import annotations

from functools import cache

from xposim.disease._common import DISEASE_COMPARTMENT, load_parameters
from xposim.model import (
    Assignment,
    Conservation,
    Input,
    Module,
    Parameter,
    RateRule,
    Reaction,
    Species,
)
from xposim.model.module import merge_modules
from xposim.pharmacology.pk.common import BODY_WEIGHT

_FILE = "toxicity.toml"
EXPOSURE = "Cp_selinexor_nM"
#: Graded adverse events modelled as Markov chains (CTCAE terms: nausea, fatigue, anorexia).
GRADED_AES: tuple[str, ...] = ("nausea", "fatigue", "anorexia")
_AE_PARAMS = ("ke0", "ec50", "baseline_drive", "sensitivity", "k01", "k12", "k23", "recovery")


def _exposure_input() -> Input:
    return Input(EXPOSURE, "nM", 0.0, "total plasma selinexor (the selinexor PK output)")


def _effect_site(x: str) -> tuple[Species, RateRule]:
    c = DISEASE_COMPARTMENT.name
    return (Species(f"{x}_ce", c, 0.0, "nM", f"effect-site selinexor driving {x}"),
            RateRule(f"{x}_ce", f"{x}_ke0 * ({EXPOSURE} - {x}_ce)",
                     "effect compartment: moving average of plasma exposure"))


@cache
def _common() -> tuple[Parameter, ...]:
    return load_parameters(_FILE, "common", ("mmol_per_l", "probability_unit"))


def sodium_module(name: str = "sodium") -> Module:
    """Serum sodium (nM inside; ``sodium_mmol_per_l`` for the clinic)."""
    params = load_parameters(_FILE, "sodium", ("na_baseline", "na_turnover", "na_emax",
                                               "na_ec50", "na_ke0"))
    ce, rule = _effect_site("na")
    c = DISEASE_COMPARTMENT.name
    return Module(
        name=name, description="Serum sodium: indirect response with exposure-raised loss",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=(*_common(), *params),
        species=(ce, Species("sodium", c, "na_baseline", "nM", "serum sodium")),
        reactions=(
            Reaction("sodium_input", "na_turnover * na_baseline", (), {"sodium": 1}, c,
                     "net sodium intake and retention at the set point"),
            Reaction("sodium_loss", "na_turnover * (1 + na_effect) * sodium",
                     {"sodium": 1}, (), c, "net loss, raised by exposure"),
        ),
        rate_rules=(rule,),
        assignments=(
            Assignment("na_effect", "na_emax * na_ce / (na_ec50 + na_ce)", "1",
                       "fractional rise of sodium loss"),
            Assignment("sodium_mmol_per_l", "sodium / mmol_per_l", "1",
                       "serum sodium in mmol/L"),
        ),
        inputs=(_exposure_input(),),
    )


def weight_module(name: str = "weight") -> Module:
    """Body weight (mg inside; ``weight_loss_fraction`` of baseline for the rules)."""
    params = load_parameters(_FILE, "weight", ("wt_turnover", "wt_emax", "wt_ec50",
                                               "wt_ke0"))
    ce, rule = _effect_site("wt")
    c = DISEASE_COMPARTMENT.name
    return Module(
        name=name, description="Body weight: indirect response with exposure-raised loss "
                               "(anorexia, nausea)",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=(BODY_WEIGHT, *params),
        species=(ce, Species("body_mass", c, "body_weight", "mg", "current body weight",
                             amount=True)),
        reactions=(
            Reaction("weight_gain", "wt_turnover * body_weight", (), {"body_mass": 1}, None,
                     "intake at the set point"),
            Reaction("weight_loss", "wt_turnover * (1 + wt_effect) * body_mass",
                     {"body_mass": 1}, (), None, "expenditure, raised by exposure"),
        ),
        rate_rules=(rule,),
        assignments=(
            Assignment("wt_effect", "wt_emax * wt_ce / (wt_ec50 + wt_ce)", "1",
                       "fractional rise of net weight loss"),
            Assignment("weight_loss_fraction", "max(0, 1 - body_mass / body_weight)", "1",
                       "weight lost as a fraction of baseline (label rule: 10-20%)"),
        ),
        inputs=(_exposure_input(),),
    )


def graded_ae_module(ae: str, name: str | None = None) -> Module:
    """A graded adverse event (``nausea``, ``fatigue`` or ``anorexia``) as a Markov chain.

    Outputs ``<ae>_p_ge1``, ``<ae>_p_ge2``, ``<ae>_p_ge3`` (probabilities of grade ≥ 1, 2,
    3) and ``<ae>_expected_grade``; species ``<ae>_p0`` … ``<ae>_p3`` (probability × 1 nM).
    """
    if ae not in GRADED_AES:
        from xposim.errors import InputError

        raise InputError("ae", f"must be one of {', '.join(GRADED_AES)}", got=ae)
    params = list(load_parameters(_FILE, ae, tuple(f"{ae}_{s}" for s in _AE_PARAMS)))
    drug = f"{ae}_sensitivity * {ae}_ce / ({ae}_ec50 + {ae}_ce)"
    if ae == "nausea":
        params += load_parameters(_FILE, "antiemetic", ("antiemetic_prophylaxis",
                                                       "antiemetic_effect"))
        drug = f"{drug} * (1 - antiemetic_prophylaxis * antiemetic_effect)"
    ce, rule = _effect_site(ae)
    c = DISEASE_COMPARTMENT.name
    p = [f"{ae}_p{g}" for g in range(4)]
    up = [f"{ae}_k01", f"{ae}_k12", f"{ae}_k23"]
    reactions = []
    for g in range(3):
        reactions.append(Reaction(f"{ae}_worsen_{g}_{g + 1}", f"{up[g]} * {ae}_drive * {p[g]}",
                                  {p[g]: 1}, {p[g + 1]: 1}, c,
                                  f"grade {g} -> {g + 1}"))
        reactions.append(Reaction(f"{ae}_improve_{g + 1}_{g}", f"{ae}_recovery * {p[g + 1]}",
                                  {p[g + 1]: 1}, {p[g]: 1}, c, f"grade {g + 1} -> {g}"))
    unit = "probability_unit"
    return Module(
        name=name or ae, description=f"{ae}: CTCAE grade 0-3 Markov chain driven by exposure",
        compartments=(DISEASE_COMPARTMENT,),
        parameters=(*_common(), *params),
        species=(ce, Species(p[0], c, unit, "nM", f"probability of {ae} grade 0 (x 1 nM)"),
                 *(Species(p[g], c, 0.0, "nM", f"probability of {ae} grade "
                           f"{g if g < 3 else '>= 3'} (x 1 nM)") for g in (1, 2, 3))),
        reactions=tuple(reactions),
        rate_rules=(rule,),
        assignments=(
            Assignment(f"{ae}_drive", f"{ae}_baseline_drive + {drug}", "1",
                       "drive of worsening (disease + exposure)"),
            Assignment(f"{ae}_p_ge1", f"({p[1]} + {p[2]} + {p[3]}) / {unit}", "1",
                       f"probability of {ae} grade >= 1"),
            Assignment(f"{ae}_p_ge2", f"({p[2]} + {p[3]}) / {unit}", "1",
                       f"probability of {ae} grade >= 2"),
            Assignment(f"{ae}_p_ge3", f"{p[3]} / {unit}", "1",
                       f"probability of {ae} grade >= 3"),
            Assignment(f"{ae}_expected_grade", f"({p[1]} + 2 * {p[2]} + 3 * {p[3]}) / {unit}",
                       "1", f"expected {ae} grade"),
        ),
        inputs=(_exposure_input(),),
        conservations=(Conservation(f"{ae}_probability", {q: 1 for q in p},
                                    description="grade probabilities sum to 1"),),
    )


def toxicity_module(name: str = "toxicity") -> Module:
    """Sodium, weight and the graded AEs in one module (input ``Cp_selinexor_nM``)."""
    return merge_modules(name, (sodium_module(), weight_module(),
                                *(graded_ae_module(ae) for ae in GRADED_AES)),
                         "Exposure-driven non-haematological toxicities of selinexor")
