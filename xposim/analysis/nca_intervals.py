"""Dosing intervals of one subject: which samples belong to which dose.

Interval k runs from dose k to dose k+1 (the last one to the last sample). A sample taken
at a dose time is that dose's pre-dose (trough) sample: it ends interval k-1 and is the
dose-time concentration of interval k (for an IV bolus it is not C0, which is then
back-extrapolated, except at the first dose where a positive sample at the dose time is
the measured C0). Without a sample at a later dose time the last earlier sample is carried
to it as the pre-dose level (PKNCA's ``start_predose`` imputation). Doses given at the
same time are added. ``tau`` is the time to the next dose; the last dose of a schedule of
equal intervals gets the same ``tau``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xposim.analysis.nca_data import BLQRule, SubjectData, apply_blq


@dataclass(frozen=True)
class Interval:
    """Samples of one dose, times relative to it (the file's time unit)."""

    index: int  # 1-based dose number
    start: float  # dose time (file time)
    end: float  # time of the last sample in the interval (file time)
    tau: float | None
    dose: float | None
    duration: float
    time: np.ndarray = field(repr=False)
    conc: np.ndarray = field(repr=False)
    predose: float = 0.0
    first_dose: bool = True
    note: str = ""


def dosing_intervals(subject: SubjectData, blq: BLQRule, *, dose: float | None = None,
                     dose_time: float = 0.0, duration: float = 0.0) -> list[Interval]:
    """Split a subject's samples by dose (``dose``/``dose_time``/``duration`` stand in for
    a file without dose records) and apply the BLQ rule to each interval."""
    if subject.dose_time.size:
        times, inverse = np.unique(subject.dose_time, return_inverse=True)
        amounts = np.bincount(inverse, weights=subject.dose_amount)
        durations = np.zeros(times.size)
        np.maximum.at(durations, inverse, subject.dose_duration)
    else:
        times, amounts = np.array([dose_time]), np.array([np.nan if dose is None else dose])
        durations = np.array([duration])
    gaps = np.diff(times)
    regular = gaps.size > 0 and np.allclose(gaps, gaps[0], rtol=1e-9, atol=0)
    t, c, b = subject.time, subject.conc, subject.blq
    out: list[Interval] = []
    for k, start in enumerate(times):
        nxt = times[k + 1] if k + 1 < times.size else np.inf
        sel = (t >= start) & (t <= nxt)
        tau = float(nxt - start) if np.isfinite(nxt) else (float(gaps[0]) if regular
                                                           else None)
        tt, cc = apply_blq(t[sel], c[sel], b[sel], blq)
        note = ""
        predose = 0.0
        if k > 0 and (tt.size == 0 or tt[0] > start):
            before = (t < start) & ~b
            if before.any():
                predose = float(c[np.flatnonzero(before)[-1]])
                note = "no sample at the dose time: the last earlier sample is the pre-dose level"
        if tt.size == 0:
            continue
        amount = float(amounts[k])
        out.append(Interval(k + 1, float(start), float(tt[-1]), tau,
                            None if np.isnan(amount) else amount, float(durations[k]),
                            tt - start, cc, predose, k == 0, note))
    return out
