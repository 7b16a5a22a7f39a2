"""Dosing regimens: the algebra, the text form and NONMEM dose records.

Three modules, each importing only the ones before it:

- :mod:`.algebra` — :class:`Regimen` (a set of :class:`~xposim.pharmacology.dose.Dose`
  records): construction (``of``, ``schedule``, ``on_off``), ``+``, ``then``, windows,
  expansion to single administrations;
- :mod:`.text` — the grammar: :func:`parse_regimen`, :func:`regimen_to_text`;
- :mod:`.nonmem` — NONMEM dose records: :func:`regimen_to_nonmem`,
  :func:`regimen_from_nonmem` (the compartment numbering is passed in).
"""

from xposim.pharmacology.dose import DoseRecord as DoseRecord
from xposim.pharmacology.regimen.algebra import Regimen as Regimen
from xposim.pharmacology.regimen.nonmem import (
    regimen_from_nonmem as regimen_from_nonmem,
    regimen_to_nonmem as regimen_to_nonmem,
)
from xposim.pharmacology.regimen.text import (
    parse_regimen as parse_regimen,
    regimen_to_text as regimen_to_text,
)
