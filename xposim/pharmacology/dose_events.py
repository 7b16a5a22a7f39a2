"""Doses into a model: the one place a :class:`~xposim.pharmacology.dose.Dose` becomes
engine events.

The engine knows no drugs: its :class:`~xposim.engine.Bolus` adds an amount to a species
at a time. :func:`dose_events` lowers pharmacology's doses to those generic events —
route or ``cmt`` to a species, mg/m² to mg by body-surface area, bioavailable fraction,
absorption lag, repetition expanded, and mg converted to the species' own amount unit
through :mod:`xposim.model.units` (a molar species uses the drug's molecular weight).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from xposim.engine import Bolus
from xposim.errors import InputError
from xposim.model import Model, Module
from xposim.model.units import conversion_factor, mass_to_substance, same_dimension
from xposim.pharmacology.dose import Dose
from xposim.presets.drugs import get_drug


def dose_species(dose: Dose, model: Model | Module, routes: Mapping[str, str]) -> str:
    """The species ``dose`` goes into: its ``cmt``, else ``routes[dose.route]``."""
    if dose.cmt is None:
        if dose.route not in routes:
            raise InputError("route", f"{dose.drug} can be given {'/'.join(routes)}",
                             got=dose.route)
        return routes[dose.route]
    if dose.cmt not in {s.name for s in model.species}:
        raise InputError("dose.cmt", f"not a species of {model.name}; have "
                         f"{', '.join(sorted(s.name for s in model.species))}", got=dose.cmt)
    return dose.cmt


def dose_events(doses: Iterable[Dose], model: Model | Module, routes: Mapping[str, str], *,
                bsa_m2: float | None = None, until_h: float | None = None
                ) -> tuple[Bolus, ...]:
    """Engine events of ``doses`` in ``model`` for one subject: each administration
    (repeated doses expanded, before ``until_h`` (h) when given) as a Bolus of
    amount_mg(``bsa_m2``) × f, in the target species' amount unit, at time + lag (h).

    ``routes`` maps a route (PO, IV, SC) to the amount species it doses. Infusions are
    refused (no model here has an infusion input yet).
    """
    species = {s.name: s for s in model.species}
    events = []
    for dose in doses:
        if dose.is_infusion:
            raise InputError("dose.rate", "infusions are not simulated by the PK layer yet; "
                             "give IV doses as boluses", got=dose.rate or dose.duration_h)
        target = species.get(dose_species(dose, model, routes))
        if target is None:
            raise InputError("route", f"{dose.route} doses {routes[dose.route]!r}, not a "
                             f"species of {model.name}", got=dose.route)
        if not target.amount:
            raise InputError("dose.cmt", f"{target.name} is a concentration species; doses "
                             "go into amount species", got=target.name)
        for d in dose.administrations(until_h):
            mg = d.amount_mg(bsa_m2) * d.f
            events.append(Bolus(d.time_h + d.lag_h, target.name,
                                _in_unit(mg, target.unit, d.drug)))
    return tuple(events)


def _in_unit(mg: float, unit: str, drug: str) -> float:
    """``mg`` of ``drug`` in a species' amount ``unit`` (mass, or substance via the
    drug's molecular weight)."""
    if same_dimension(unit, "mg"):
        return mg * conversion_factor("mg", unit)
    if same_dimension(unit, "mol"):
        mw = get_drug(drug).mw
        return mass_to_substance(mg, "mg", mw.value * conversion_factor(mw.unit, "g/mol"),
                                 unit)
    raise InputError("dose", f"cannot dose into a species in {unit} (needs a mass or "
                     "substance amount)", got=unit)
