"""Pieces shared by the PK modules: covariates as model parameters, the PK compartment.

Covariates and random effects live *in* the model (as parameters read by ``Derived``
individual parameters), as in a NONMEM $PK block: a virtual subject is a set of
parameter overrides (``body_weight``, ``female``, ``<drug>_eta_<param>``) applied with
``Simulator.run(parameters=...)`` on one compiled model.
"""

from __future__ import annotations

from dataclasses import dataclass

from xposim.errors import ModelError
from xposim.model import Compartment, Parameter
from xposim.presets.drugs import Drug, get_drug
from xposim.presets.loader import parameter_file

#: Amount species of every PK module sit in this nominal compartment; concentrations are
#: amount / volume with volumes as (individualised) parameters, so its size is unused.
PK_COMPARTMENT = Compartment(
    "pk_body", 1.0, "L", description="nominal container of PK amount species (size unused)",
    source="convention: PK volumes are parameters, not SBML compartment sizes")

_P = parameter_file("pk_common")  # presets/params/pk_common.toml
REFERENCE_WEIGHT = _P.parameter("reference_weight")
BODY_WEIGHT = _P.parameter("body_weight")
FEMALE = _P.parameter("female")

#: Parameters every PK module reads (identical objects, so they are shared on compose).
COVARIATE_PARAMETERS: tuple[Parameter, ...] = (REFERENCE_WEIGHT, BODY_WEIGHT, FEMALE)


def drug_constants(drug: str, prefix: str) -> tuple[Drug, Parameter, Parameter]:
    """(drug, MW parameter, fu parameter) from the drug registry, renamed ``<prefix>_MW`` /
    ``<prefix>_fu`` with the registry's source kept."""
    d = get_drug(drug)
    mw = Parameter(f"{prefix}_MW", d.mw.value, d.mw.unit, d.mw.source, d.mw.kind,
                   f"{d.name} molecular weight")
    fu = Parameter(f"{prefix}_fu", d.fu_plasma.value, d.fu_plasma.unit, d.fu_plasma.source,
                   d.fu_plasma.kind, f"{d.name} unbound fraction in plasma")
    return d, mw, fu


@dataclass(frozen=True)
class RandomEffect:
    """Between-subject variability of one parameter: log-normal, eta ~ N(0, omega²).

    ``parameter`` is the model parameter holding eta (typically ``<drug>_eta_<X>``);
    ``omega`` the SD of eta (≈ CV for small values).
    """

    parameter: str
    omega: Parameter

    def __post_init__(self) -> None:
        if self.omega.value < 0:
            raise ModelError(f"random effect {self.parameter}: omega must be >= 0")

    @property
    def cv(self) -> float:
        """Coefficient of variation of the log-normal parameter, sqrt(exp(ω²) - 1)."""
        import math

        return math.sqrt(math.expm1(self.omega.value ** 2))


@dataclass(frozen=True)
class ResidualError:
    """Combined residual error on an observed concentration (ng/mL):
    C_obs = C·(1 + ε_prop) + ε_add, ε_prop ~ N(0, prop²), ε_add ~ N(0, add²);
    values below 0 are censored to 0 (assay limit)."""

    proportional: Parameter  # SD as a fraction
    additive: Parameter  # SD in ng/mL

    def __post_init__(self) -> None:
        if self.proportional.value < 0 or self.additive.value < 0:
            raise ModelError("residual error SDs must be >= 0")
