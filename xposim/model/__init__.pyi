"""The public face of xposim.model (names load on first use; see __init__.py)."""

from .components import (
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
from .expressions import (
    Expression as Expression,
)
from .module import (
    Model as Model,
    Module as Module,
    compose as compose,
)
from .overrides import (
    Override as Override,
    parse_override as parse_override,
)
from .tables import (
    parameter_table as parameter_table,
)
