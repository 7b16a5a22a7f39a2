"""xposim: quantitative systems pharmacology of XPO1 inhibition (selinexor and SINEs).

The public API is re-exported here: the names a user needs for the cell, PK, NONMEM,
analysis and trial work. Each layer has its own face for the specialist names
(``xposim.biology``, ``xposim.experiments``, ``xposim.pharmacology``, ``xposim.analysis``,
``xposim.calibration``, ``xposim.trials``, ...); implementation modules below those faces
may move.

Names load on first use (lazy_loader, SPEC 1): ``import xposim`` and the ``xposim``
command start without pandas, SciPy, libRoadRunner or pint. Every public name, and the
module it comes from, is listed once, in ``__init__.pyi`` beside this file (type checkers
and IDEs read it); tests/test_startup.py checks that every listed name resolves.
"""

import lazy_loader as _lazy

from xposim._version import __version__ as __version__
from xposim.errors import (
    InputError as InputError,
    ModelError as ModelError,
    SimulationError as SimulationError,
    XposimError as XposimError,
)

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
