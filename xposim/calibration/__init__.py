"""Calibrations as one capability: declared as data, run by ``xposim calibrate NAME``.

A calibration is a TOML declaration (``xposim/calibration/declarations/<name>.toml``):
the parameters it estimates (bounds, starts, scale, prior), its targets (reference
figure with uncertainty or range and source, and the registered target function that
computes the model's value) and the preset file it writes. The estimates go to
``xposim/presets/calibrated/<name>.toml`` with what they were fitted to, the residuals,
the date and the package version; model code reads them from there
(:func:`xposim.presets.loader.parameter_from_toml`), never from pasted numbers. See
docs/calibration.md.

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
