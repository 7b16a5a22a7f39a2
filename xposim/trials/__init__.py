"""Virtual clinical trials: populations, protocols, execution, endpoints.

- :func:`load_protocol`, :func:`protocol_names` — protocols as validated TOML
  (``protocols/*.toml``; docs/protocols.md);
- :func:`load_population`, :class:`Population` — virtual populations as data
  (``populations.toml``), drawn per subject from (seed, subject id);
- :func:`run_trial` — serial, process-pool or Dask execution into a resumable run folder
  (Parquet chunks + io's manifest.json); the patient model is a
  :class:`~xposim.patient.outcome.PatientSimulator`; :class:`TrialFolder` reads it back;
- :func:`trial_endpoints` — endpoints per arm with 95% confidence intervals.

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
