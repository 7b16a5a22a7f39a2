"""The explorer's limits: every bound on what one request may ask of the machine.

A request outside these bounds gets a 4xx naming the field and the allowed range; a
simulation that still runs longer than ``SIMULATION_TIMEOUT_S`` gets a 504 and its worker
is replaced, so one request cannot hold a core.
"""

from __future__ import annotations

#: Longest query string accepted (bytes); a view's parameters fit in a few hundred.
MAX_QUERY_BYTES = 2048
#: Largest request body accepted (bytes): the API is read-only (GET), so none is needed.
MAX_BODY_BYTES = 0
#: Wall-clock limit of one simulation (s); compiled views take milliseconds, a first
#: compile of the patient model about 2 s.
SIMULATION_TIMEOUT_S = 30.0
#: Simulations waiting or running at once; more get 503 "busy" rather than a queue that
#: grows without bound.
MAX_PENDING_SIMULATIONS = 8
#: Finished views kept in memory (least recently used dropped first).
CACHE_ENTRIES = 128
#: Output points per time course (the step is chosen to stay under this).
MAX_POINTS = 241

#: Dish experiments: longest time span (h) and concentration bounds (nM).
MAX_DISH_HOURS = 168.0
MIN_DISH_HOURS = 1.0
MAX_CONCENTRATION_NM = 10_000.0
#: XPO1 abundance accepted as a named parameter (µM): a third of the normal level to
#: ten times it (the presets span 0.3-0.9 µM).
XPO1_RANGE_UM = (0.1, 3.0)
#: Patient step: weeks simulated, selinexor dose per administration (mg), baseline platelets.
MAX_WEEKS = 24
SELINEXOR_DOSE_RANGE_MG = (10.0, 200.0)
PLATELET_BASELINE_RANGE = (50.0, 450.0)  # 10^9/L
