"""Superposition: the repeated-dose profile predicted from one single-dose profile.

For a linear, time-invariant system the concentration after doses every τ is the sum of
shifted single-dose curves: C_n(t) = Σ_{k<n} C1(t + kτ), 0 <= t <= τ, and at steady state
the sum runs to infinity. C1 between samples follows the AUC rule's interpolation and past
Tlast the λz line from the observed Clast, whose infinite tail is summed in closed form
(a geometric series). The sum is evaluated on every sample time shifted into [0, τ], so
it is exact at those times; AUCτ at steady state then equals the single dose's AUCINF_obs
up to the interpolation error of integrating the summed curve (exactly for a
mono-exponential decay with a log rule; the tests check both).
"""

from __future__ import annotations

import math

import numpy as np

from xposim.analysis.nca import ProfileNCA
from xposim.errors import InputError


def superpose(profile: ProfileNCA, tau: float, *, n_doses: int | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(time, concentration) over [0, τ] after ``n_doses`` doses every ``tau`` (steady
    state when None), from a single-dose profile (times relative to its dose)."""
    if not (math.isfinite(tau) and tau > 0):
        raise InputError("superposition", "tau must be > 0", got=tau)
    if n_doses is not None and n_doses < 1:
        raise InputError("superposition", "number of doses must be >= 1", got=n_doses)
    t, c = profile.time, profile.conc
    pos = np.flatnonzero(c > 0)
    i_last = int(pos[-1])
    tlast, clast = float(t[i_last]), float(c[i_last])
    lz = profile.lambda_z
    if lz is None and (n_doses is None or (n_doses - 1) * tau + tau > tlast):
        raise InputError("superposition", "needs λz to extrapolate the single-dose curve "
                         f"past Tlast ({profile.lambda_z_note})")
    knots = t[: i_last + 1]
    k_max = math.ceil(tlast / tau) + 1
    grid = np.unique(np.concatenate([(knots - k * tau)[(knots - k * tau >= 0)
                                                       & (knots - k * tau <= tau)]
                                     for k in range(k_max + 1)] + [np.array([0.0, tau])]))
    out = np.zeros(grid.size)
    n_total = n_doses if n_doses is not None else None
    for j, g in enumerate(grid):
        k = 0
        while (n_total is None or k < n_total) and g + k * tau <= tlast:
            v = profile.concentration_at(g + k * tau)
            out[j] += 0.0 if v is None else v
            k += 1
        if lz is None or (n_total is not None and k >= n_total):
            continue
        lam = lz.lambda_z
        first = math.exp(-lam * (g + k * tau - tlast))
        ratio = math.exp(-lam * tau)
        terms = math.inf if n_total is None else n_total - k
        series = (1.0 - ratio**terms) / (1.0 - ratio) if math.isfinite(terms) else \
            1.0 / (1.0 - ratio)
        out[j] += clast * first * series
    return grid, out
