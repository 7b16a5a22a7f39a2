"""NCA speed: λz selection and whole-profile NCA on 1,000 profiles of 100 samples.

Side by side in one run: the former λz rule (one least-squares fit per candidate window,
quadratic in the number of samples) against the cumulative-sum form now used (linear).
"""

from __future__ import annotations

import time

import numpy as np

from xposim.analysis.nca import analyse_profile, select_lambda_z


def _per_window(t, c):
    """The former implementation: np.polyfit for every k (kept here as the baseline)."""
    i_max = int(np.argmax(c))
    usable = (np.arange(t.size) > i_max) & (c > 0)
    tt, yy = t[usable], np.log(c[usable])
    best = None
    fits = []
    for k in range(3, tt.size + 1):
        slope, icpt = np.polyfit(tt[-k:], yy[-k:], 1)
        resid = yy[-k:] - (slope * tt[-k:] + icpt)
        r2 = 1 - np.sum(resid**2) / np.sum((yy[-k:] - yy[-k:].mean()) ** 2)
        if slope < 0:
            fits.append((k, -slope, 1 - (1 - r2) * (k - 1) / (k - 2)))
    top = max(f[2] for f in fits)
    for f in fits:
        if f[2] >= top - 1e-4:
            best = f
    return best


def _profiles(n=1000, points=100, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 99.0, points)
    out = []
    for _ in range(n):
        ka, k = rng.uniform(0.5, 2.0), rng.uniform(0.02, 0.1)
        c = 100 * (np.exp(-k * t) - np.exp(-ka * t)) * np.exp(rng.normal(0, 0.05, points))
        c[0] = 0.0
        out.append(c)
    return t, out


def run() -> dict[str, dict]:
    t, profiles = _profiles()
    t0 = time.perf_counter()
    old = [_per_window(t, c) for c in profiles]
    old_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = [select_lambda_z(t, c) for c in profiles]
    new_s = time.perf_counter() - t0
    assert all(o[0] == n.n_points for o, n in zip(old, new, strict=True))
    t0 = time.perf_counter()
    for c in profiles:
        analyse_profile(t, c, dose=80.0, volume_factor=1e3)
    nca_s = time.perf_counter() - t0
    return {
        "lambda_z_per_window_1000x100_s": {"value": old_s, "unit": "s",
                                           "note": "former rule: polyfit per window"},
        "lambda_z_cumsum_1000x100_s": {"value": new_s, "unit": "s",
                                       "target": "< 0.5 s",
                                       "note": "cumulative sums, same choices"},
        "lambda_z_speedup": {"value": old_s / new_s, "unit": "x"},
        "nca_profile_1000x100_s": {"value": nca_s, "unit": "s",
                                   "note": "all PP parameters per profile"},
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(key, value)
