"""Virtual clinical trials: populations, protocols, execution, endpoints.

- :func:`load_protocol`, :func:`protocol_names` — protocols as validated TOML
  (``protocols/*.toml``; docs/protocols.md);
- :func:`population`, :class:`Population` — virtual populations as data
  (``populations.toml``), drawn per subject from (seed, subject id);
- :func:`run_trial` — serial, process-pool or Dask execution into a resumable run folder
  (Parquet chunks + manifest.json); the patient model is a
  :class:`~xposim.patient.outcome.PatientSimulator`;
- :func:`trial_endpoints` — endpoints per arm with 95% confidence intervals.
"""
