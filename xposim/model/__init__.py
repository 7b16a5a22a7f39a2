"""The modelling kernel: frozen model descriptions, composition, SBML generation."""

from xposim.model.components import (
    KINDS as KINDS,
    Assignment as Assignment,
    Compartment as Compartment,
    Conservation as Conservation,
    Derived as Derived,
    Input as Input,
    Kind as Kind,
    Parameter as Parameter,
    RateRule as RateRule,
    Reaction as Reaction,
    Species as Species,
)
from xposim.model.expressions import Expression as Expression
from xposim.model.module import Model as Model, Module as Module, compose as compose
