"""Modules (frozen, composable pieces of model) and their composition into a Model.

A :class:`Module` declares what it defines and which symbols it reads from outside
(:class:`~xposim.model.components.Input`). :func:`compose` merges modules, binds inputs to
the module that provides them (checking units), and refuses clashing definitions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from xposim.errors import ModelError
from xposim.model.components import (
    Assignment,
    Compartment,
    Conservation,
    Derived,
    Input,
    Parameter,
    RateRule,
    Reaction,
    Species,
    check_name,
)
from xposim.model.expressions import (
    BUILTIN_SYMBOLS,
    Assignments,
    Expression,
    compile_assignments,
)
from xposim.model.units import canonical_unit, parse_unit

_FIELDS = ("compartments", "parameters", "derived", "species", "reactions", "rate_rules",
           "assignments", "inputs", "conservations")


@dataclass(frozen=True)
class _Parts:
    """Shared fields and checks of Module and Model."""

    name: str
    description: str = ""
    compartments: tuple[Compartment, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    derived: tuple[Derived, ...] = ()
    species: tuple[Species, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    rate_rules: tuple[RateRule, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    inputs: tuple[Input, ...] = ()
    conservations: tuple[Conservation, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.name, type(self).__name__.lower())
        types = {"compartments": Compartment, "parameters": Parameter, "derived": Derived,
                 "species": Species, "reactions": Reaction, "rate_rules": RateRule,
                 "assignments": Assignment, "inputs": Input, "conservations": Conservation}
        for fname in _FIELDS:
            items = tuple(getattr(self, fname))
            for item in items:
                if not isinstance(item, types[fname]):
                    raise ModelError(f"{self.name}.{fname}: expected {types[fname].__name__}, "
                                     f"got {type(item).__name__}")
            object.__setattr__(self, fname, items)
        self._validate()

    # -- lookups -----------------------------------------------------------------------
    @cached_property
    def definitions(self) -> dict[str, Any]:
        """Every defined symbol -> its component (inputs excluded)."""
        out: dict[str, Any] = {}
        for fname in ("compartments", "parameters", "derived", "species", "assignments",
                      "reactions"):
            for item in getattr(self, fname):
                if item.name in out:
                    raise ModelError(f"{self.name}: name {item.name!r} is defined twice "
                                     f"({type(out[item.name]).__name__} and "
                                     f"{type(item).__name__})")
                out[item.name] = item
        return out

    def __getitem__(self, name: str) -> Any:
        try:
            return self.definitions[name]
        except KeyError:
            raise KeyError(f"{self.name} defines no {name!r}") from None

    def parameter(self, name: str) -> Parameter:
        item = self.definitions.get(name)
        if not isinstance(item, Parameter):
            raise KeyError(f"{self.name} has no parameter {name!r}")
        return item

    def unit_of(self, name: str) -> str:
        """Canonical unit of any readable symbol."""
        item = self.definitions.get(name)
        if item is None:
            for inp in self.inputs:
                if inp.name == name:
                    return canonical_unit(inp.unit)[0]
            if name == "time":
                return "h"
            raise KeyError(f"{self.name}: unknown symbol {name!r}")
        if isinstance(item, Compartment):
            return item.unit
        if isinstance(item, Parameter | Derived | Assignment | Species):
            return canonical_unit(item.unit)[0]
        raise KeyError(f"{self.name}: {name!r} is a reaction, not a quantity")

    # -- checks ------------------------------------------------------------------------
    def _validate(self) -> None:
        defs = self.definitions
        input_names = {i.name for i in self.inputs}
        if len(input_names) != len(self.inputs):
            raise ModelError(f"{self.name}: an input is declared twice")
        clash = input_names & set(defs)
        if clash and isinstance(self, Module):
            raise ModelError(f"{self.name}: {sorted(clash)} declared both as input and defined")
        readable = (set(defs) - {r.name for r in self.reactions}) | input_names | BUILTIN_SYMBOLS
        comps = {c.name for c in self.compartments}
        species = {s.name: s for s in self.species}

        def refs(expr: Expression, where: str) -> None:
            missing = sorted(expr.names - readable)
            if missing:
                raise ModelError(f"{self.name}: {where} reads undefined symbol(s) {missing}; "
                                 "define them or declare them as Input")

        for s in self.species:
            if s.compartment not in comps:
                raise ModelError(f"{self.name}: species {s.name} is in unknown compartment "
                                 f"{s.compartment!r}")
            refs(s.initial, f"initial value of {s.name}")
            bad = [n for n in s.initial.names
                   if isinstance(defs.get(n), Species | Assignment)]
            if bad:
                raise ModelError(f"{self.name}: initial value of {s.name} may read parameters "
                                 f"and inputs only, not {bad}")
        for d in self.derived:
            refs(d.expression, f"derived parameter {d.name}")
            bad = [n for n in d.expression.names
                   if isinstance(defs.get(n), Species | Assignment) or n == "time"]
            if bad:
                raise ModelError(f"{self.name}: derived parameter {d.name} may read constants "
                                 f"only, not {bad}")
        ruled = {r.species for r in self.rate_rules}
        for r in self.reactions:
            refs(r.rate, f"rate of reaction {r.name}")
            for sp in r.species:
                if sp not in species:
                    raise ModelError(f"{self.name}: reaction {r.name} uses unknown species "
                                     f"{sp!r}")
                if sp in ruled:
                    raise ModelError(f"{self.name}: species {sp} has a rate rule and is in "
                                     f"reaction {r.name}")
            involved = [species[sp] for sp in r.species]
            if r.compartment is None:
                if not all(s.amount for s in involved):
                    raise ModelError(f"{self.name}: reaction {r.name} has no compartment, so "
                                     "all its species must be amounts")
            else:
                if r.compartment not in comps:
                    raise ModelError(f"{self.name}: reaction {r.name} is in unknown "
                                     f"compartment {r.compartment!r}")
                if any(s.amount for s in involved):
                    raise ModelError(f"{self.name}: reaction {r.name} mixes amount species "
                                     "into a concentration-rate reaction (compartment=None "
                                     "for amount reactions)")
                units = {self[s.compartment].unit for s in involved} | {
                    self[r.compartment].unit}
                if len({canonical_unit(u)[1] for u in units}) > 1:
                    raise ModelError(f"{self.name}: reaction {r.name} joins compartments "
                                     f"with different volume units {sorted(units)}")
        for rr in self.rate_rules:
            if rr.species not in species:
                raise ModelError(f"{self.name}: rate rule for unknown species {rr.species!r}")
            refs(rr.expression, f"rate rule of {rr.species}")
        if len(ruled) != len(self.rate_rules):
            raise ModelError(f"{self.name}: a species has two rate rules")
        for a in self.assignments:
            refs(a.expression, f"assignment {a.name}")
        for c in self.conservations:
            for sp, _ in c.terms:
                if sp not in species:
                    raise ModelError(f"{self.name}: conservation {c.name} names unknown "
                                     f"species {sp!r}")
            for p, _ in c.when:
                if not isinstance(defs.get(p), Parameter) and p not in input_names:
                    raise ModelError(f"{self.name}: conservation {c.name}: 'when' names "
                                     f"{p!r}, which is not a parameter or input")
        self._assignment_order()  # raises on cycles

    def _assignment_order(self) -> tuple[Assignment, ...]:
        """Assignments ordered so each reads only earlier ones (SBML forbids cycles)."""
        pending = {a.name: a for a in self.assignments}
        done: list[Assignment] = []
        while pending:
            ready = [a for a in pending.values() if not (a.expression.names & set(pending))]
            if not ready:
                raise ModelError(f"{self.name}: assignments depend on each other in a cycle: "
                                 f"{sorted(pending)}")
            for a in ready:
                done.append(a)
                del pending[a.name]
        return tuple(done)


@dataclass(frozen=True)
class Module(_Parts):
    """A frozen, composable piece of model (see :func:`compose`)."""

    def with_parameters(self, **values: float) -> Module:
        """A copy with new parameter values (in each parameter's own unit)."""
        return replace(self, parameters=_set_values(self, self.parameters, values))

    def rename(self, mapping: Mapping[str, str], *, name: str | None = None) -> Module:
        """A copy with symbols renamed everywhere (definitions, inputs, expressions).

        The explicit way to wire modules: e.g. ``cell.rename({"drug_ext": "Cu_nM"})``
        makes the cell read the unbound plasma concentration a PK module defines.
        """
        for old, new in mapping.items():
            check_name(new, f"{self.name}: new name for {old!r}")
        known = set(self.definitions) | {i.name for i in self.inputs}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ModelError(f"{self.name}: cannot rename unknown symbol(s) {unknown}")
        return Module(name=name or self.name, description=self.description,
                      **{f: tuple(_renamed(item, mapping) for item in getattr(self, f))
                         for f in _FIELDS})


def _renamed(item: Any, mapping: Mapping[str, str]) -> Any:
    """Rename the symbols an item defines or reads (frozen dataclasses: rebuilt)."""
    changes: dict[str, Any] = {}
    for attr in ("name", "species", "compartment"):
        value = getattr(item, attr, None)
        if isinstance(value, str) and value in mapping and not (
                attr == "name" and isinstance(item, Reaction | Conservation)):
            changes[attr] = mapping[value]
    for attr in ("rate", "expression", "initial"):
        value = getattr(item, attr, None)
        if isinstance(value, Expression):
            changes[attr] = value.rename(mapping)
    for attr in ("reactants", "products", "terms"):
        value = getattr(item, attr, None)
        if value:
            changes[attr] = tuple((mapping.get(n, n), c) for n, c in value)
    if isinstance(item, Conservation) and item.when:
        changes["when"] = tuple((mapping.get(n, n), v) for n, v in item.when)
    return replace(item, **changes) if changes else item


def _set_values(owner: _Parts, params: tuple[Parameter, ...],
                values: Mapping[str, float]) -> tuple[Parameter, ...]:
    known = {p.name for p in params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ModelError(f"{owner.name}: no parameter(s) {unknown}")
    return tuple(p.with_value(values[p.name]) if p.name in values else p for p in params)


@dataclass(frozen=True)
class Model(_Parts):
    """A composed model: what the engine simulates and what is written to SBML."""

    modules: tuple[str, ...] = field(default=())
    origins: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def origin(self, name: str) -> str:
        """The module that defined ``name`` (empty string if unknown)."""
        return dict(self.origins).get(name, "")

    @cached_property
    def sbml(self) -> str:
        """The SBML Level 3 Version 2 text of the model (the single source of truth)."""
        from xposim.model.sbml import to_sbml

        return to_sbml(self)

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the SBML text: identifies the model in caches and manifests."""
        return hashlib.sha256(self.sbml.encode()).hexdigest()

    @cached_property
    def assignment_order(self) -> tuple[Assignment, ...]:
        return self._assignment_order()

    @cached_property
    def derived_order(self) -> tuple[Derived, ...]:
        """Derived parameters ordered so each reads only earlier ones."""
        pending = {d.name: d for d in self.derived}
        done: list[Derived] = []
        while pending:
            ready = [d for d in pending.values() if not (d.expression.names & set(pending))]
            if not ready:
                raise ModelError(f"{self.name}: derived parameters form a cycle: "
                                 f"{sorted(pending)}")
            for d in ready:
                done.append(d)
                del pending[d.name]
        return tuple(done)

    def with_parameters(self, **values: float) -> Model:
        """A copy with new default parameter values (each in the parameter's own unit)."""
        return replace(self, parameters=_set_values(self, self.parameters, values))

    def override(self, *params: Parameter) -> Model:
        """A copy with whole Parameter objects replaced by name (provenance included)."""
        by_name = {p.name: p for p in params}
        known = {p.name for p in self.parameters}
        unknown = sorted(set(by_name) - known)
        if unknown:
            raise ModelError(f"{self.name}: cannot override unknown parameter(s) {unknown}")
        return replace(self, parameters=tuple(by_name.get(p.name, p) for p in self.parameters))

    def default_values(self) -> dict[str, float]:
        """Canonical values of every parameter and input (derived ones excluded)."""
        return dict(self._default_values)

    @cached_property
    def _default_values(self) -> dict[str, float]:
        out = {p.name: p.canonical_value for p in self.parameters}
        out.update({i.name: i.canonical_default for i in self.inputs})
        return out

    def constant_values(self) -> dict[str, float]:
        """Canonical values of every constant at its default: parameters, inputs,
        compartment sizes and derived parameters (a fresh dict; computed once per model)."""
        return dict(self._constant_values)

    @cached_property
    def _constant_values(self) -> dict[str, float]:
        values = self.default_values()
        values.update({c.name: c.size for c in self.compartments})
        bad = self.evaluate_derived(values, values)
        if bad is not None:
            raise ModelError(f"{self.name}: derived parameter {bad} is not finite at the "
                             f"defaults ({self[bad].expression.text})")
        return values

    @cached_property
    def evaluate_derived(self) -> Assignments:
        """``evaluate_derived(values, values)`` adds the derived parameters to a dict of
        canonical constants, in dependency order; returns the first that is not finite
        (else None). Compiled once per model (runs only look it up)."""
        return compile_assignments([(d.name, d.expression) for d in self.derived_order],
                                   label=f"{self.name} derived")

    def __getstate__(self) -> dict[str, Any]:
        # compiled functions do not pickle; the receiving process compiles its own
        return {k: v for k, v in self.__dict__.items()
                if k not in ("evaluate_derived", "evaluate_initial")}

    @cached_property
    def evaluate_initial(self) -> Assignments:
        """``evaluate_initial(values, state)`` writes every species' initial value (nM or
        amount) into ``state`` from canonical constants. Compiled once per model."""
        return compile_assignments([(s.name, s.initial) for s in self.species],
                                   label=f"{self.name} initial")


def compose(*modules: Module, name: str, description: str = "") -> Model:
    """Merge modules into one Model.

    Identical compartments or parameters defined by several modules are shared; any other
    repeated name is an error naming both modules. Each module input is bound to the
    module that defines the symbol (units must agree); unbound inputs stay model inputs.
    """
    if not modules:
        raise ModelError("compose: give at least one module")
    owners: dict[str, tuple[str, Any]] = {}
    merged: dict[str, list[Any]] = {f: [] for f in _FIELDS}
    for mod in modules:
        if not isinstance(mod, Module):
            raise ModelError(f"compose: expected Module, got {type(mod).__name__}")
        for fname in _FIELDS:
            if fname == "inputs":
                continue
            for item in getattr(mod, fname):
                key = _merge_key(fname, item)
                if key in owners:
                    other_mod, other = owners[key]
                    shareable = fname in ("compartments", "parameters")
                    if shareable and other == item:
                        continue
                    raise ModelError(f"compose: {key!r} is defined by both {other_mod} and "
                                     f"{mod.name}"
                                     + (" with different values" if shareable else ""))
                owners[key] = (mod.name, item)
                merged[fname].append(item)
    # bind inputs
    defined_units: dict[str, str] = {}
    for fname in ("compartments", "parameters", "derived", "species", "assignments"):
        for item in merged[fname]:
            unit = item.unit if fname == "compartments" else canonical_unit(item.unit)[0]
            defined_units[item.name] = unit
    free_inputs: dict[str, tuple[str, Input]] = {}
    for mod in modules:
        for inp in mod.inputs:
            if inp.name in defined_units:
                provided = defined_units[inp.name]
                if parse_unit(provided) != parse_unit(canonical_unit(inp.unit)[0]):
                    raise ModelError(f"compose: unit mismatch for {inp.name!r}: {mod.name} "
                                     f"reads it in {inp.unit}, but it is provided in "
                                     f"{provided}")
                continue
            if inp.name in free_inputs:
                other_mod, other = free_inputs[inp.name]
                if (canonical_unit(other.unit)[0] != canonical_unit(inp.unit)[0]
                        or other.canonical_default != inp.canonical_default):
                    raise ModelError(f"compose: input {inp.name!r} declared differently by "
                                     f"{other_mod} and {mod.name}")
                continue
            free_inputs[inp.name] = (mod.name, inp)
    merged["inputs"] = [inp for _, inp in free_inputs.values()]
    origins = tuple((k, mod_name) for k, (mod_name, _) in owners.items())
    origins += tuple((k, mod_name) for k, (mod_name, _) in free_inputs.items())
    return Model(name=name, description=description,
                 modules=tuple(m.name for m in modules), origins=origins,
                 **{f: tuple(v) for f, v in merged.items()})


def _merge_key(fname: str, item: Any) -> str:
    if fname == "rate_rules":
        return f"rate rule of {item.species}"
    if fname == "conservations":
        return f"conservation {item.name}"
    return item.name


def merge_modules(name: str, modules: Iterable[Module], description: str = "") -> Module:
    """Compose modules into a single Module (inputs they provide to each other bound)."""
    model = compose(*modules, name=name, description=description)
    return Module(name=name, description=description,
                  **{f: getattr(model, f) for f in _FIELDS})
