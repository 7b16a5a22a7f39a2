"""SBML Level 3 Version 2 generation from a composed Model (python-libsbml).

The SBML written here is what the engine simulates, so the exported model is the
simulated model. Values are canonical (h, nM, nmol, mg, L); compartments keep their
declared volume unit; every parameter carries its source value, unit, kind and source in
its notes, so the provenance travels with the file into COPASI or Tellurium.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import libsbml

from xposim.errors import ModelError
from xposim.model.units import canonical_unit, si_decomposition

if TYPE_CHECKING:
    from xposim.model.module import Model

_SI_KIND = {"kilogram": libsbml.UNIT_KIND_KILOGRAM, "meter": libsbml.UNIT_KIND_METRE,
            "second": libsbml.UNIT_KIND_SECOND, "mole": libsbml.UNIT_KIND_MOLE,
            "cells": libsbml.UNIT_KIND_ITEM}


#: SBML function definitions behind the expression functions that SBML lacks, written
#: in the order they must be defined (a definition may call only earlier ones):
#: ``(id, lambda formula, what it is)``.
FUNCTION_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    # the model's Hill exponents are small integers (2, 3, 4): products instead of a call
    # to pow, which was ~10% of a clinical patient's CPU (equal to z^n within an ulp)
    ("hill_power", "lambda(z, n, piecewise(z * z, n == 2, z * z * z, n == 3, "
                   "(z * z) * (z * z), n == 4, z, n == 1, z^n))",
     "z^n, as products for n = 1-4"),
    ("hill_ratio", "lambda(r, r / (1 + r))",
     "r / (1 + r): the Hill fraction of r = (x / k)^n"),
    ("hill", "lambda(x, k, n, hill_ratio(hill_power(x / k, n)))",
     "Hill fraction x^n / (k^n + x^n) for x >= 0, k > 0, written with one power"),
)
#: which definitions each expression function needs
_NEEDS = {"hill": ("hill_power", "hill_ratio", "hill")}


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ModelError(f"SBML: {what} failed ({libsbml.OperationReturnValue_toString(code)})")


class _Units:
    """Creates one UnitDefinition per distinct unit string."""

    def __init__(self, model: libsbml.Model) -> None:
        self.model = model
        self.ids: dict[str, str] = {}

    def __call__(self, unit: str) -> str:
        if unit in self.ids:
            return self.ids[unit]
        factor, bases = si_decomposition(unit)
        uid = "u_" + (re.sub(r"[^A-Za-z0-9]+", "_", unit).strip("_") or "one")
        while uid in self.ids.values():
            uid += "_"
        ud = self.model.createUnitDefinition()
        _check(ud.setId(uid), f"unit {unit}")
        ud.setName(unit)
        if not bases:
            u = ud.createUnit()
            u.setKind(libsbml.UNIT_KIND_DIMENSIONLESS)
            u.setExponent(1)
            u.setScale(0)
            u.setMultiplier(factor)
        for i, (base, exp) in enumerate(bases.items()):
            u = ud.createUnit()
            u.setKind(_SI_KIND[base])
            u.setExponent(exp)
            u.setScale(0)
            # fold the overall factor into the first unit: (m * kind)^exp
            u.setMultiplier(factor ** (1.0 / exp) if i == 0 else 1.0)
        self.ids[unit] = uid
        return uid


def _notes(element: libsbml.SBase, text: str) -> None:
    if text:
        element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}'
                         "</p></body>")


def _math(formula: str, where: str) -> libsbml.ASTNode:
    settings = libsbml.L3ParserSettings()
    settings.setParseLog(libsbml.L3P_PARSE_LOG_AS_LN)
    ast = libsbml.parseL3FormulaWithSettings(formula, settings)
    if ast is None:
        raise ModelError(f"SBML: cannot parse {where}: {formula}: "
                         f"{libsbml.getLastParseL3Error()}")
    return ast


def _function_definitions(m: libsbml.Model, model: Model) -> None:
    """Define the functions the model's expressions call (only those)."""
    expressions = [*(d.expression for d in model.derived),
                   *(a.expression for a in model.assignments),
                   *(s.initial for s in model.species if s.initial_value is None),
                   *(r.rate for r in model.reactions),
                   *(rr.expression for rr in model.rate_rules)]
    used = set().union(*(e.functions for e in expressions)) if expressions else set()
    needed = {d for f in used for d in _NEEDS.get(f, ())}
    for fid, formula, what in FUNCTION_DEFINITIONS:
        if fid in needed:
            fd = m.createFunctionDefinition()
            _check(fd.setId(fid), f"function {fid}")
            _check(fd.setMath(_math(formula, f"function {fid}")), f"function {fid}")
            _notes(fd, what)


def to_sbml(model: Model) -> str:
    """Write ``model`` as an SBML L3V2 document string."""
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(model.name)
    m.setName(model.name)
    _notes(m, (model.description + " " if model.description else "")
           + f"Generated by xposim from modules: {', '.join(model.modules)}.")
    _function_definitions(m, model)
    units = _Units(m)
    m.setTimeUnits(units("h"))
    m.setSubstanceUnits(units("nmol"))
    m.setExtentUnits(units("nmol"))
    comps = {c.name: c for c in model.compartments}
    species_names = {s.name for s in model.species}
    volume_units = {c.unit for c in model.compartments}
    if len(volume_units) == 1:
        m.setVolumeUnits(units(volume_units.pop()))

    for c in model.compartments:
        sc = m.createCompartment()
        _check(sc.setId(c.name), f"compartment {c.name}")
        sc.setSize(c.size)
        sc.setConstant(True)
        sc.setSpatialDimensions(3)
        sc.setUnits(units(c.unit))
        _notes(sc, "; ".join(x for x in (c.description, c.source) if x))

    for p in model.parameters:
        sp = m.createParameter()
        _check(sp.setId(p.name), f"parameter {p.name}")
        sp.setValue(p.canonical_value)
        sp.setConstant(True)
        sp.setUnits(units(p.canonical_unit))
        prov = (f"{p.description}. Value {p.value:g} {p.unit} ({p.kind}); source: {p.source}"
                + (f"; fitted to: {p.fitted_to}" if p.fitted_to else ""))
        _notes(sp, prov)
    for d in model.derived:
        sp = m.createParameter()
        _check(sp.setId(d.name), f"derived {d.name}")
        sp.setConstant(True)
        sp.setValue(0.0)
        sp.setUnits(units(canonical_unit(d.unit)[0]))
        _notes(sp, f"{d.description}. Derived: {d.name} = {d.expression.text}; {d.source}")
        ia = m.createInitialAssignment()
        ia.setSymbol(d.name)
        ia.setMath(_math(d.expression.sbml_formula(), f"derived {d.name}"))
    for i in model.inputs:
        sp = m.createParameter()
        _check(sp.setId(i.name), f"input {i.name}")
        sp.setConstant(False)
        sp.setValue(i.canonical_default)
        sp.setUnits(units(canonical_unit(i.unit)[0]))
        _notes(sp, f"Input: {i.description}")
    for a in model.assignments:
        sp = m.createParameter()
        _check(sp.setId(a.name), f"assignment {a.name}")
        sp.setConstant(False)
        sp.setUnits(units(canonical_unit(a.unit)[0]))
        _notes(sp, a.description)
    for a in model.assignment_order:
        rule = m.createAssignmentRule()
        rule.setVariable(a.name)
        rule.setMath(_math(a.expression.sbml_formula(), f"assignment {a.name}"))

    for s in model.species:
        ss = m.createSpecies()
        _check(ss.setId(s.name), f"species {s.name}")
        ss.setCompartment(s.compartment)
        ss.setHasOnlySubstanceUnits(s.amount)
        ss.setBoundaryCondition(False)
        ss.setConstant(False)
        if s.amount:
            ss.setSubstanceUnits(units(s.unit))
        else:
            ss.setSubstanceUnits(units(f"nM*{comps[s.compartment].unit}"))
        value = s.initial_value
        if value is not None:
            (ss.setInitialAmount if s.amount else ss.setInitialConcentration)(value)
        else:
            (ss.setInitialAmount if s.amount else ss.setInitialConcentration)(0.0)
            ia = m.createInitialAssignment()
            ia.setSymbol(s.name)
            ia.setMath(_math(s.initial.sbml_formula(), f"initial value of {s.name}"))
        _notes(ss, s.description)

    for r in model.reactions:
        sr = m.createReaction()
        _check(sr.setId(r.name), f"reaction {r.name}")
        sr.setReversible(r.reversible)
        if r.compartment is not None:
            sr.setCompartment(r.compartment)
        for sp_name, coeff in r.reactants:
            ref = sr.createReactant()
            ref.setSpecies(sp_name)
            ref.setStoichiometry(coeff)
            ref.setConstant(True)
        for sp_name, coeff in r.products:
            ref = sr.createProduct()
            ref.setSpecies(sp_name)
            ref.setStoichiometry(coeff)
            ref.setConstant(True)
        # species read by the rate law but not consumed or produced are modifiers (SBML
        # 21121; COPASI refuses the law otherwise)
        for sp_name in sorted((r.rate.names & species_names) - set(r.species)):
            sr.createModifier().setSpecies(sp_name)
        # rates are declared per concentration of the reaction's compartment; SBML wants
        # extent per time, hence the volume factor
        formula = r.rate.sbml_formula()
        if r.compartment is not None:
            formula = f"{r.compartment} * {formula}"
        law = sr.createKineticLaw()
        law.setMath(_math(formula, f"rate of {r.name}"))
        _notes(sr, r.description)

    for rr in model.rate_rules:
        rule = m.createRateRule()
        rule.setVariable(rr.species)
        rule.setMath(_math(rr.expression.sbml_formula(), f"rate rule of {rr.species}"))

    errors = doc.checkInternalConsistency()
    if errors:
        for i in range(doc.getNumErrors()):
            err = doc.getError(i)
            if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
                raise ModelError(f"SBML: {err.getMessage().strip()}")
    return libsbml.writeSBMLToString(doc)
