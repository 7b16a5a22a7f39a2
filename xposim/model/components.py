"""The frozen building blocks of a model: parameters, compartments, species, reactions.

Each object checks itself on construction and names the offending field. Values are
given in the unit of their source; :mod:`xposim.model.units` converts to canonical
units (h, nM, nmol, mg, L) when the model is written.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from xposim.errors import ModelError
from xposim.model.expressions import BUILTIN_SYMBOLS, FUNCTIONS, Expression, as_expression
from xposim.model.units import canonical_unit, parse_unit, same_dimension

#: Provenance kinds. ``measured``: a cited measurement (see :func:`cites_measurement`);
#: ``derived``: computed from other values by a stated formula or model; ``assumed``: a
#: judgement with its reason; ``convention``: a reference level, switch or unit convention
#: (``GR_level = 1``, a structural 0, a 1e6 h half-life standing for "stable"), true by
#: definition rather than by measurement; ``calibrated``: fitted by ``xposim calibrate``
#: (``fitted_to`` says to what).
Kind = Literal["measured", "derived", "assumed", "convention", "calibrated"]
KINDS: tuple[str, ...] = get_args(Kind)

#: Wording that says a value was not measured (or not checked against its source).
HEDGES: tuple[str, ...] = ("assumed", "recalled", "unverified", "convention", "guess")
_CITATION = re.compile(r"\b(1[89]|20)\d\d\b|\blabels?\b|\bSmPC\b", re.IGNORECASE)


def cites_measurement(source: str) -> bool:
    """True when ``source`` can back the kind ``measured``: it names a publication year
    (a paper, e.g. "Lipniacki et al., J Theor Biol 2004") or a drug label/SmPC, and has
    none of the :data:`HEDGES` ("assumed", "recalled", ...)."""
    text = source.lower()
    return bool(_CITATION.search(source)) and not any(h in text for h in HEDGES)

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = frozenset({"avogadro", "pi", "exponentiale", "true", "false", "inf", "nan",
                       "notanumber", "infinity", "e"}) | BUILTIN_SYMBOLS | set(FUNCTIONS)


def check_name(name: str, what: str) -> None:
    """Names must be SBML ids and Python identifiers, not reserved words."""
    if not isinstance(name, str) or not _ID.match(name):
        raise ModelError(f"{what} name {name!r} must match [A-Za-z_][A-Za-z0-9_]*")
    if keyword.iskeyword(name) or name in _RESERVED:
        raise ModelError(f"{what} name {name!r} is reserved")


def _finite(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _unit(unit: str, what: str) -> str:
    try:
        parse_unit(unit)
    except ValueError as exc:
        raise ModelError(f"{what}: unknown unit {unit!r}") from exc
    return unit


@dataclass(frozen=True)
class Parameter:
    """A named constant with value, unit and provenance.

    ``value`` is in ``unit`` exactly as the source reports it; ``bounds`` (same unit) give
    the plausible range used by sensitivity analysis and fitting. A calibrated parameter
    says in ``fitted_to`` which reference figure it was fitted to.
    """

    name: str
    value: float
    unit: str
    source: str
    kind: Kind
    description: str = ""
    bounds: tuple[float, float] | None = None
    fitted_to: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "parameter")
        object.__setattr__(self, "value", _finite(self.value, f"parameter {self.name}: value"))
        _unit(self.unit, f"parameter {self.name}")
        if not self.source.strip():
            raise ModelError(f"parameter {self.name}: source must name a paper, label or "
                             "derivation")
        if self.kind not in KINDS:
            raise ModelError(f"parameter {self.name}: kind must be one of {KINDS}, "
                             f"got {self.kind!r}")
        if self.kind == "measured" and not cites_measurement(self.source):
            raise ModelError(f"parameter {self.name}: kind 'measured' needs a source citing "
                             "the measurement (a paper with its year, or a label) without "
                             f"{'/'.join(HEDGES)} wording, got {self.source!r}; use 'assumed' "
                             "or 'convention'")
        if self.kind == "calibrated" and not self.fitted_to.strip():
            raise ModelError(f"parameter {self.name}: calibrated parameters must say what "
                             "they were fitted to (fitted_to)")
        if self.bounds is not None:
            lo, hi = (_finite(b, f"parameter {self.name}: bounds") for b in self.bounds)
            if not lo <= self.value <= hi:
                raise ModelError(f"parameter {self.name}: value {self.value} outside bounds "
                                 f"[{lo}, {hi}] {self.unit}")
            object.__setattr__(self, "bounds", (lo, hi))

    @property
    def canonical_unit(self) -> str:
        return canonical_unit(self.unit)[0]

    @property
    def canonical_value(self) -> float:
        return self.value * canonical_unit(self.unit)[1]

    @property
    def canonical_bounds(self) -> tuple[float, float] | None:
        if self.bounds is None:
            return None
        f = canonical_unit(self.unit)[1]
        return (self.bounds[0] * f, self.bounds[1] * f)

    def with_value(self, value: float, *, source: str | None = None,
                   kind: Kind | None = None, fitted_to: str | None = None) -> Parameter:
        """A copy with a new value (same unit); bounds widen to include it."""
        bounds = self.bounds
        if bounds is not None:
            bounds = (min(bounds[0], value), max(bounds[1], value))
        return Parameter(self.name, value, self.unit, source or self.source,
                         kind or self.kind, self.description, bounds,
                         self.fitted_to if fitted_to is None else fitted_to)


@dataclass(frozen=True)
class Derived:
    """A constant computed from other constants at the start of every run.

    Use it for quantities that must follow their inputs when those are overridden, e.g.
    a synthesis rate that keeps the untreated steady state: ``ksyn = X0 * kdeg``.
    """

    name: str
    expression: Expression | str
    unit: str
    description: str
    source: str = "derived"

    def __post_init__(self) -> None:
        check_name(self.name, "derived parameter")
        object.__setattr__(self, "expression", as_expression(self.expression))
        _unit(self.unit, f"derived parameter {self.name}")
        if canonical_unit(self.unit)[1] != 1.0:
            raise ModelError(f"derived parameter {self.name}: unit must be canonical "
                             f"({canonical_unit(self.unit)[0]}), got {self.unit!r}")


@dataclass(frozen=True)
class Compartment:
    """A well-mixed volume; ``size`` in ``unit`` (a volume unit, e.g. pL or L)."""

    name: str
    size: float
    unit: str
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "compartment")
        size = _finite(self.size, f"compartment {self.name}: size")
        if size <= 0:
            raise ModelError(f"compartment {self.name}: size must be > 0, got {size}")
        object.__setattr__(self, "size", size)
        _unit(self.unit, f"compartment {self.name}")
        if not same_dimension(self.unit, "L"):
            raise ModelError(f"compartment {self.name}: unit must be a volume, got {self.unit!r}")


@dataclass(frozen=True)
class Species:
    """A dynamic quantity in a compartment.

    Concentration species (default) are in nM; ``amount=True`` species are amounts
    (mg, nmol or cells), as used for PK compartments.
    """

    name: str
    compartment: str
    initial: Expression | float | str = 0.0
    unit: str = "nM"
    description: str = ""
    amount: bool = False

    def __post_init__(self) -> None:
        check_name(self.name, "species")
        object.__setattr__(self, "initial", as_expression(self.initial))
        _unit(self.unit, f"species {self.name}")
        canon, factor = canonical_unit(self.unit)
        if factor != 1.0:
            raise ModelError(f"species {self.name}: unit must be canonical ({canon}), got "
                             f"{self.unit!r}")
        is_conc = same_dimension(self.unit, "nM")
        if self.amount == is_conc:
            raise ModelError(f"species {self.name}: amount={self.amount} needs "
                             f"{'an amount unit (mg, nmol, cells)' if self.amount else 'nM'}, "
                             f"got {self.unit!r}")

    @property
    def initial_value(self) -> float | None:
        """The initial value if it is a plain number, else None (an expression)."""
        try:
            return float(self.initial.text)
        except ValueError:
            return None


def _stoich(pairs: Mapping[str, float] | tuple[tuple[str, float], ...],
            what: str) -> tuple[tuple[str, float], ...]:
    items = tuple(pairs.items()) if isinstance(pairs, Mapping) else tuple(pairs)
    out = []
    for name, coeff in items:
        check_name(name, f"{what} species")
        c = _finite(coeff, f"{what}: stoichiometry of {name}")
        if c <= 0:
            raise ModelError(f"{what}: stoichiometry of {name} must be > 0, got {c}")
        out.append((name, c))
    if len({n for n, _ in out}) != len(out):
        raise ModelError(f"{what}: a species is listed twice")
    return tuple(out)


@dataclass(frozen=True)
class Reaction:
    """A process converting reactants into products at ``rate``.

    With ``compartment`` set, ``rate`` is in nM/h of that compartment (a transport
    reaction changes the other compartment's concentration by the volume ratio).
    With ``compartment=None`` all species are amounts and ``rate`` is amount/h.
    """

    name: str
    rate: Expression | str
    reactants: Mapping[str, float] | tuple[tuple[str, float], ...] = ()
    products: Mapping[str, float] | tuple[tuple[str, float], ...] = ()
    compartment: str | None = None
    description: str = ""
    reversible: bool = False

    def __post_init__(self) -> None:
        check_name(self.name, "reaction")
        object.__setattr__(self, "rate", as_expression(self.rate))
        object.__setattr__(self, "reactants", _stoich(self.reactants, f"reaction {self.name}"))
        object.__setattr__(self, "products", _stoich(self.products, f"reaction {self.name}"))
        if not self.reactants and not self.products:
            raise ModelError(f"reaction {self.name}: needs reactants or products")
        if self.compartment is not None:
            check_name(self.compartment, f"reaction {self.name} compartment")

    @property
    def species(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.reactants) + tuple(n for n, _ in self.products)

    def net_stoichiometry(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for n, c in self.reactants:
            out[n] = out.get(n, 0.0) - c
        for n, c in self.products:
            out[n] = out.get(n, 0.0) + c
        return out


@dataclass(frozen=True)
class RateRule:
    """d(species)/dt = expression (nM/h, or amount/h for amount species)."""

    species: str
    expression: Expression | str
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.species, "rate rule species")
        object.__setattr__(self, "expression", as_expression(self.expression))


@dataclass(frozen=True)
class Assignment:
    """A named output computed from the state at every time (SBML assignment rule)."""

    name: str
    expression: Expression | str
    unit: str
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "assignment")
        object.__setattr__(self, "expression", as_expression(self.expression))
        _unit(self.unit, f"assignment {self.name}")
        if canonical_unit(self.unit)[1] != 1.0:
            raise ModelError(f"assignment {self.name}: unit must be canonical "
                             f"({canonical_unit(self.unit)[0]}), got {self.unit!r}")


@dataclass(frozen=True)
class Input:
    """A quantity a module reads from outside (another module, or the experiment).

    If no composed module provides ``name``, it becomes a settable model input with
    ``default`` (in ``unit``), e.g. the drug concentration in a dish.
    """

    name: str
    unit: str
    default: float = 0.0
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "input")
        _unit(self.unit, f"input {self.name}")
        object.__setattr__(self, "default", _finite(self.default, f"input {self.name}: default"))

    @property
    def canonical_default(self) -> float:
        return self.default * canonical_unit(self.unit)[1]


@dataclass(frozen=True)
class Conservation:
    """A declared conservation law: sum(weight * amount) is constant.

    Amounts are concentration x compartment volume. It holds under the parameter values
    in ``when`` (canonical units), e.g. synthesis and degradation switched off; the
    conformance suite checks it.
    """

    name: str
    terms: Mapping[str, float] | tuple[tuple[str, float], ...]
    when: Mapping[str, float] | tuple[tuple[str, float], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "conservation")
        object.__setattr__(self, "terms", _stoich(self.terms, f"conservation {self.name}"))
        items = tuple(self.when.items()) if isinstance(self.when, Mapping) else tuple(self.when)
        for pname, value in items:
            check_name(pname, f"conservation {self.name} parameter")
            _finite(value, f"conservation {self.name}: value of {pname}")
        object.__setattr__(self, "when", tuple((n, float(v)) for n, v in items))
