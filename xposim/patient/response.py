"""Response assessment from simulated trajectories: IMWG (myeloma) and Lugano (DLBCL).

Pure functions over arrays: one subject (1-D values) or many (rows = subjects, columns =
assessments), vectorised across subjects so a trial can call them 10⁵ times. The first
assessment is the baseline. Times are days; categories are coded in :data:`CATEGORIES`.

**IMWG** (Kumar et al., Lancet Oncol 2016;17:e328; serum M-protein only)

- per assessment, relative to baseline B: VGPR ≤ 10% of B (≥ 90% fall), PR ≤ 50%,
  MR ≤ 75% (25-49% fall), otherwise SD. CR needs negative immunofixation and < 5% marrow
  plasma cells, which an M-protein trajectory cannot show: it is *approximated* as
  M-protein below ``cr_limit_g_dl`` (default 0.01 g/dL, of the order of immunofixation
  sensitivity; assumed). sCR cannot be told from CR and is never reported.
- PD: M ≥ 1.25 × nadir with an absolute rise ≥ 0.5 g/dL; or, when the nadir is
  ≥ 5 g/dL, a rise ≥ 1 g/dL (a criterion of its own in Kumar 2016: 25% of ≥ 5 g/dL would
  already exceed 1 g/dL).
  The nadir is the "lowest confirmed value": the baseline, or the higher of two
  consecutive assessments (a level seen twice), so a single low reading does not set it.
- Confirmation: every category needs two consecutive assessments; a pair counts at the
  lesser of its two categories. Progression is confirmed by two consecutive PD
  assessments and dated at the first; a PD seen only at the last assessment is not
  progression (censored). Nothing after confirmed progression counts.
- Best response: the best confirmed category; NE with fewer than two post-baseline
  assessments, or when the baseline is below ``measurable_g_dl`` (default 0.5 g/dL, the
  rule of the elranatamab QSP model; IMWG's consensus uses 1.0 g/dL for serum).
- Time to response: first assessment of the first confirmed ≥ PR pair. Duration of
  response: from there to confirmed progression, or to the last assessment (censored).

**Lugano** (Cheson et al., J Clin Oncol 2014;32:3059; CT-based, SPD only)

- PR: SPD ≤ 50% of baseline; PD: SPD ≥ 1.5 × the smallest SPD so far (baseline
  included) — Lugano applies the 50% rise to single lesions, here to their sum; new
  lesions are not modelled. CR (every lesion back to ≤ 1.5 cm) is *approximated* as
  SPD ≤ ``cr_spd_cm2`` (default 2.25 cm² = one residual 1.5 × 1.5 cm node). No
  confirmation; best response is the best category before the first PD.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from xposim.errors import InputError

#: Category codes (higher is better): NE, PD, SD, MR, PR, VGPR, CR.
NE, PD, SD, MR, PR, VGPR, CR = -1, 0, 1, 2, 3, 4, 5
CATEGORIES: dict[int, str] = {NE: "NE", PD: "PD", SD: "SD", MR: "MR", PR: "PR",
                              VGPR: "VGPR", CR: "CR"}

#: Progression criteria, one home for the vectorised assessment and the per-subject scan.
#: IMWG (Kumar et al., Lancet Oncol 2016): M-protein >= 1.25 x nadir with a rise >= 0.5
#: g/dL, or a rise >= 1 g/dL when the nadir is >= 5 g/dL.
IMWG_PD_FACTOR, IMWG_PD_RISE_G_DL = 1.25, 0.5
IMWG_HIGH_NADIR_G_DL, IMWG_HIGH_NADIR_RISE_G_DL = 5.0, 1.0
#: Lugano (Cheson et al., J Clin Oncol 2014), read on SPD: >= 1.5 x the smallest SPD so far.
LUGANO_PD_FACTOR = 1.5


@dataclass(frozen=True)
class Response:
    """One subject's assessment (days from the baseline assessment; None = not reached)."""

    criteria: str
    best_response: str
    days_to_response: float | None
    duration_of_response_days: float | None
    response_censored: bool
    progression_day: float | None
    best_change: float | None
    visit_categories: tuple[str, ...]


@dataclass(frozen=True)
class ResponseTable:
    """Assessments of many subjects (arrays of length n_subjects; NaN = not reached)."""

    criteria: str
    best_response: np.ndarray  # int codes, see CATEGORIES
    days_to_response: np.ndarray
    duration_of_response_days: np.ndarray
    response_censored: np.ndarray  # bool: DoR ends at the last assessment, not at PD
    progression_day: np.ndarray
    best_change: np.ndarray  # fraction: -0.6 = 60% below baseline at best (up to PD)
    visit_category: np.ndarray  # (n_subjects, n_assessments) int codes, unconfirmed

    def __len__(self) -> int:
        return int(self.best_response.size)

    def best_response_names(self) -> np.ndarray:
        return np.array([CATEGORIES[int(c)] for c in self.best_response], dtype=object)

    def subject(self, i: int) -> Response:
        def opt(a: np.ndarray) -> float | None:
            v = float(a[i])
            return None if np.isnan(v) else v

        return Response(self.criteria, CATEGORIES[int(self.best_response[i])],
                        opt(self.days_to_response), opt(self.duration_of_response_days),
                        bool(self.response_censored[i]), opt(self.progression_day),
                        opt(self.best_change),
                        tuple(CATEGORIES[int(c)] for c in self.visit_category[i]))

    def to_frame(self) -> pd.DataFrame:
        """One row per subject."""
        return pd.DataFrame({
            "best_response": self.best_response_names(),
            "days_to_response": self.days_to_response,
            "duration_of_response_days": self.duration_of_response_days,
            "response_censored": self.response_censored,
            "progression_day": self.progression_day,
            "best_change": self.best_change,
        })


def _inputs(times_days: Any, values: Any, what: str) -> tuple[np.ndarray, np.ndarray, bool]:
    t = np.asarray(times_days, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise InputError("times_days", "must be a non-empty 1-D sequence of days")
    if not np.all(np.isfinite(t)):
        raise InputError("times_days", "must be finite")
    if np.any(np.diff(t) <= 0):
        raise InputError("times_days", "must be strictly increasing")
    x = np.asarray(values, dtype=float)
    single = x.ndim == 1
    x2 = x[None, :] if single else x
    if x2.ndim != 2 or x2.shape[1] != t.size:
        raise InputError(what, f"must have one value per assessment ({t.size}), as a 1-D "
                         "array or (subjects, assessments)", got=str(x.shape))
    if not np.all(np.isfinite(x2)) or np.any(x2 < 0):
        raise InputError(what, "must be finite and >= 0")
    return t, x2, single


def assess_imwg(times_days: Any, m_protein_g_dl: Any, *, cr_limit_g_dl: float = 0.01,
                measurable_g_dl: float = 0.5) -> ResponseTable:
    """IMWG response from serum M-protein (g/dL) at assessments ``times_days`` (days).

    ``m_protein_g_dl``: 1-D (one subject) or (subjects, assessments); column 0 is baseline.
    """
    t, m, _ = _inputs(times_days, m_protein_g_dl, "m_protein_g_dl")
    n, v = m.shape
    base = m[:, 0]
    ok = base >= measurable_g_dl
    safe = np.where(ok, base, 1.0)
    ratio = m / safe[:, None]
    cat = np.full((n, v), SD, dtype=np.int64)
    cat[ratio <= 0.75] = MR
    cat[ratio <= 0.50] = PR
    cat[ratio <= 0.10] = VGPR
    cat[m < cr_limit_g_dl] = CR
    cat[:, 0] = NE
    pd_ = np.zeros((n, v), dtype=bool)
    nadir = base.copy()
    for j in range(1, v):
        if j >= 3:  # the pair (j-2, j-1) of post-baseline assessments confirms its level
            nadir = np.minimum(nadir, np.maximum(m[:, j - 2], m[:, j - 1]))
        rise = m[:, j] - nadir
        pd_[:, j] = (((m[:, j] >= IMWG_PD_FACTOR * nadir) & (rise >= IMWG_PD_RISE_G_DL))
                     | ((nadir >= IMWG_HIGH_NADIR_G_DL) & (rise >= IMWG_HIGH_NADIR_RISE_G_DL)))
    cat[pd_] = PD
    # confirmed progression: two consecutive PD assessments, dated at the first
    both = pd_[:, 1:-1] & pd_[:, 2:] if v >= 3 else np.zeros((n, 0), dtype=bool)
    j_pd = _first(both, 1, v)
    pairs = np.minimum(cat[:, 1:-1], cat[:, 2:]) if v >= 3 else np.zeros((n, 0), np.int64)
    first = np.arange(1, v - 1)[None, :]  # first assessment of each pair
    valid = first <= j_pd[:, None]
    best = np.where(valid, pairs, NE).max(axis=1, initial=NE)
    resp = valid & (pairs >= PR)
    has_resp = resp.any(axis=1)
    i_resp = _first(resp, 1, 0)
    progressed = j_pd < v
    return _finish("IMWG", t, ratio, cat, ok, best, has_resp, i_resp, progressed, j_pd)


def assess_lugano(times_days: Any, spd_cm2: Any, *, cr_spd_cm2: float = 2.25) -> ResponseTable:
    """Lugano-style response from the SPD (cm²) of target lesions at ``times_days``.

    ``spd_cm2``: 1-D (one subject) or (subjects, assessments); column 0 is baseline.
    """
    t, s, _ = _inputs(times_days, spd_cm2, "spd_cm2")
    n, v = s.shape
    base = s[:, 0]
    ok = base > cr_spd_cm2
    ratio = s / np.where(ok, base, 1.0)[:, None]
    cat = np.full((n, v), SD, dtype=np.int64)
    cat[ratio <= 0.5] = PR
    cat[s <= cr_spd_cm2] = CR
    cat[:, 0] = NE
    nadir = np.minimum.accumulate(s, axis=1)
    pd_ = np.zeros((n, v), dtype=bool)
    pd_[:, 1:] = s[:, 1:] >= LUGANO_PD_FACTOR * nadir[:, :-1]
    cat[pd_] = PD
    j_pd = _first(pd_, 0, v)
    idx = np.arange(v)[None, :]
    before = (idx >= 1) & (idx < j_pd[:, None])
    best = np.where(before, cat, NE).max(axis=1, initial=NE)
    best = np.where((best == NE) & (j_pd < v), PD, best)
    resp = before & (cat >= PR)
    has_resp = resp.any(axis=1)
    i_resp = _first(resp, 0, 0)
    progressed = j_pd < v
    return _finish("Lugano", t, ratio, cat, ok, best, has_resp, i_resp, progressed, j_pd)


def _first(mask: np.ndarray, offset: int, default: int) -> np.ndarray:
    """Column index (+ offset) of the first True per row; ``default`` where none."""
    if mask.shape[1] == 0:
        return np.full(mask.shape[0], default, dtype=np.int64)
    return np.where(mask.any(axis=1), mask.argmax(axis=1) + offset, default)


def _finish(criteria: str, t: np.ndarray, ratio: np.ndarray, cat: np.ndarray,
            ok: np.ndarray, best: np.ndarray, has_resp: np.ndarray, i_resp: np.ndarray,
            progressed: np.ndarray, j_pd: np.ndarray) -> ResponseTable:
    n, v = ratio.shape
    days = t - t[0]
    nan = np.full(n, np.nan)
    ttr = np.where(has_resp, days[i_resp], nan)
    pd_day = np.where(progressed, days[np.minimum(j_pd, v - 1)], nan)
    end = np.where(progressed, pd_day, days[-1])
    dor = np.where(has_resp, end - ttr, nan)
    censored = has_resp & ~progressed
    idx = np.arange(v)[None, :]
    counted = (idx >= 1) & (idx <= j_pd[:, None])  # up to the first progression assessment
    change = np.where(counted, ratio - 1.0, np.inf).min(axis=1)
    change = np.where(np.isfinite(change), change, nan)
    # non-measurable baselines: nothing is assessed
    best = np.where(ok, best, NE)
    cat = np.where(ok[:, None], cat, NE)
    return ResponseTable(criteria, best.astype(np.int64), np.where(ok, ttr, nan),
                         np.where(ok, dor, nan), censored & ok, np.where(ok, pd_day, nan),
                         np.where(ok, change, nan), cat)


def imwg_progression_day(times_days: Sequence[float], m_protein_g_dl: Sequence[float], *,
                         measurable_g_dl: float = 0.5) -> float | None:
    """The ``progression_day`` of :func:`assess_imwg` for one subject (days from the
    baseline assessment; None = no confirmed progression), in plain Python: the same
    numbers without the arrays, for a caller that asks at every assessment (the patient
    runner). Input it would refuse goes to :func:`assess_imwg` (its InputError)."""
    t, m = _plain(times_days, m_protein_g_dl)
    if t is None:
        return assess_imwg(times_days, m_protein_g_dl,
                           measurable_g_dl=measurable_g_dl).subject(0).progression_day
    if len(m) < 3 or not m[0] >= measurable_g_dl:
        return None
    nadir = m[0]
    before = False  # PD at the previous assessment (never at baseline)
    for j in range(1, len(m)):
        if j >= 3:  # as assess_imwg: the confirmed level of the pair (j-2, j-1)
            nadir = min(nadir, max(m[j - 2], m[j - 1]))
        rise = m[j] - nadir
        now = ((m[j] >= IMWG_PD_FACTOR * nadir and rise >= IMWG_PD_RISE_G_DL)
               or (nadir >= IMWG_HIGH_NADIR_G_DL and rise >= IMWG_HIGH_NADIR_RISE_G_DL))
        if now and before:  # two consecutive PD: progression dated at the first
            return t[j - 1] - t[0]
        before = now
    return None


def lugano_progression_day(times_days: Sequence[float], spd_cm2: Sequence[float], *,
                           cr_spd_cm2: float = 2.25) -> float | None:
    """The ``progression_day`` of :func:`assess_lugano` for one subject, in plain Python
    (see :func:`imwg_progression_day`)."""
    t, s = _plain(times_days, spd_cm2)
    if t is None:
        return assess_lugano(times_days, spd_cm2,
                             cr_spd_cm2=cr_spd_cm2).subject(0).progression_day
    if not s[0] > cr_spd_cm2:
        return None
    nadir = s[0]
    for j in range(1, len(s)):
        if s[j] >= LUGANO_PD_FACTOR * nadir:
            return t[j] - t[0]
        nadir = min(nadir, s[j])
    return None


def _plain(times_days: Sequence[float], values: Sequence[float]
           ) -> tuple[list[float], list[float]] | tuple[None, None]:
    """(times, values) as float lists when :func:`_inputs` would accept them as one
    subject, else (None, None)."""
    try:
        t = [float(x) for x in times_days]
        v = [float(x) for x in values]
    except (TypeError, ValueError):
        return None, None
    if (not t or len(v) != len(t) or not all(math.isfinite(x) for x in t)
            or any(b <= a for a, b in pairwise(t))
            or not all(math.isfinite(x) and x >= 0 for x in v)):
        return None, None
    return t, v


def imwg_response(times_days: Any, m_protein_g_dl: Any, **kwargs: float) -> Response:
    """IMWG assessment of one subject (see :func:`assess_imwg`)."""
    if np.asarray(m_protein_g_dl).ndim != 1:
        raise InputError("m_protein_g_dl", "must be 1-D for one subject (use assess_imwg "
                         "for many)")
    return assess_imwg(times_days, m_protein_g_dl, **kwargs).subject(0)


def lugano_response(times_days: Any, spd_cm2: Any, **kwargs: float) -> Response:
    """Lugano assessment of one subject (see :func:`assess_lugano`)."""
    if np.asarray(spd_cm2).ndim != 1:
        raise InputError("spd_cm2", "must be 1-D for one subject (use assess_lugano for "
                         "many)")
    return assess_lugano(times_days, spd_cm2, **kwargs).subject(0)
