"""The mechanism explorer: a local web page that shows, live, what selinexor does to a
cell and to a patient (``xposim serve``).

- :mod:`xposim.web.app` — the FastAPI application (:func:`~xposim.web.app.create_app`);
- :mod:`xposim.web.views` — the six steps and what each simulates and draws;
- :mod:`xposim.web.schema` — each step's parameters, validated with pydantic;
- :mod:`xposim.web.cells` and :mod:`xposim.web.patient_course` — the two doors into the
  library (dish and patient), each one function to swap when the library grows;
- :mod:`xposim.web.pool` — worker processes, time limit, queue bound and cache;
- :mod:`xposim.web.limits` — every bound, as named constants.

Names load on first use, so ``import xposim.web.limits`` stays light.

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
