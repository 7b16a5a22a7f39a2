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

from xposim.trials.endpoints import trial_endpoints as trial_endpoints
from xposim.trials.population import Population as Population
from xposim.trials.protocol import (
    Protocol as Protocol,
    load_protocol as load_protocol,
    protocol_names as protocol_names,
)
from xposim.trials.run import TrialRun as TrialRun, run_trial as run_trial
