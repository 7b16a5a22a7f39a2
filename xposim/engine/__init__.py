"""Simulation engine: compile once, integrate piecewise between events, tidy results.

The engine knows no drugs: :class:`Bolus` (add an amount to a species) and :class:`Set`
(set a species, input or parameter) are generic state events; pharmacology lowers its
doses to them (:func:`xposim.pharmacology.dose_events.dose_events`).

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
