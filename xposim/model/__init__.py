"""The modelling kernel: frozen model descriptions, composition, SBML generation.

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
