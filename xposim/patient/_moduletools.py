"""Module surgery the patient layer needs to reuse other layers' modules as they are.

- :func:`as_module` turns a composed Model (e.g. a cell preset's model, with its
  reference levels already set) back into a Module that composes with others;
- :func:`prune` keeps only what some outputs depend on (a dish population the patient
  does not use goes away), optionally cutting the dependency at named symbols, which
  become inputs (how a sub-system is isolated for a quasi-steady-state derivation);
- :func:`prefixed` renames everything a module defines, reactions and compartments
  included, so a second copy (XPO1 engagement in marrow progenitors beside the tumour's)
  composes without clashes.

None of these writes an equation: they select and rename the originals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from xposim.errors import ModelError
from xposim.model import (
    Assignment,
    Derived,
    Input,
    Module,
    Species,
)
from xposim.model.module import Model

#: The parts of a Module (as in xposim.model.module, which keeps its list private).
_PARTS = ("compartments", "parameters", "derived", "species", "reactions", "rate_rules",
          "assignments", "inputs", "conservations")


def as_module(model: Model | Module, name: str, description: str = "") -> Module:
    """A composed Model's contents as a Module named ``name`` (its free inputs stay inputs)."""
    return Module(name=name, description=description or model.description,
                  **{f: getattr(model, f) for f in _PARTS})


def prune(module: Module, keep: Iterable[str], *, cut: Iterable[str] = (),
          name: str | None = None) -> Module:
    """The part of ``module`` that the symbols ``keep`` depend on.

    A kept species brings every reaction that changes it (with the species and symbols
    those reactions read), its rate rule and initial value; a kept assignment or derived
    parameter brings what its expression reads. Symbols in ``cut`` are not followed:
    if reached they become inputs (with their unit and a default of 0), so a sub-system
    can be studied with those symbols held as parameters.
    """
    cut_set = set(cut)
    defs = module.definitions
    wanted = list(keep)
    missing = [n for n in wanted if n not in defs and n not in {i.name for i in module.inputs}]
    if missing:
        raise ModelError(f"{module.name}: cannot keep unknown symbol(s) {missing}")
    by_species: dict[str, list] = {}
    for r in module.reactions:
        for s in r.species:
            by_species.setdefault(s, []).append(r)
    rules = {r.species: r for r in module.rate_rules}
    need, done, reactions = set(wanted), set(), set()
    while need - done:
        n = (need - done).pop()
        done.add(n)
        if n in cut_set:
            continue
        item = defs.get(n)
        if isinstance(item, Species):
            need |= item.initial.names | {item.compartment}
            for r in by_species.get(n, ()):
                if r.name not in reactions:
                    reactions.add(r.name)
                    need |= r.rate.names | set(r.species)
                    if r.compartment:
                        need.add(r.compartment)
            if n in rules:
                need |= rules[n].expression.names
        elif isinstance(item, Assignment | Derived):
            need |= item.expression.names
    live = done - cut_set
    inputs = [i for i in module.inputs if i.name in live]
    for c in sorted(cut_set & done):
        if c in defs or c in {i.name for i in module.inputs}:
            inputs = [i for i in inputs if i.name != c]
            inputs.append(Input(c, module.unit_of(c), 0.0, f"held as a parameter ({c} of "
                                f"{module.name}, cut here)"))
    return Module(
        name=name or module.name, description=module.description,
        compartments=tuple(c for c in module.compartments if c.name in live),
        parameters=tuple(p for p in module.parameters if p.name in live),
        derived=tuple(d for d in module.derived if d.name in live),
        species=tuple(s for s in module.species if s.name in live),
        reactions=tuple(r for r in module.reactions if r.name in reactions),
        rate_rules=tuple(r for r in module.rate_rules if r.species in live),
        assignments=tuple(a for a in module.assignments if a.name in live),
        inputs=tuple(inputs),
        conservations=tuple(c for c in module.conservations
                            if all(s in live for s, _ in c.terms)),
    )


def prefixed(module: Module, prefix: str, *, rename: Mapping[str, str] | None = None,
             keep: Iterable[str] = (), name: str | None = None) -> Module:
    """A copy of ``module`` with every defined symbol (compartments, reactions and
    conservations included) renamed ``<prefix><name>``; ``rename`` gives explicit new
    names (inputs are wired this way) and ``keep`` names left as they are."""
    fixed = set(keep)
    mapping = {n: f"{prefix}{n}" for n in module.definitions if n not in fixed}
    mapping.update(rename or {})
    # Module.rename leaves reaction and conservation names alone (they are labels)
    out = module.rename({k: v for k, v in mapping.items()
                         if k not in {r.name for r in module.reactions}},
                        name=name or f"{prefix}{module.name}")
    return replace(out,
                   reactions=tuple(replace(r, name=mapping.get(r.name, f"{prefix}{r.name}"))
                                   for r in out.reactions),
                   conservations=tuple(replace(c, name=f"{prefix}{c.name}")
                                       for c in out.conservations))
