"""Closed-form advance of linear models, vectorised over subjects.

Between steps the input r (running infusions) is constant, so exactly
A(t+h) = e^{Kh}·A(t) + G(h)·r with G(h) = ∫₀ʰ e^{Ks} ds. With K = V·diag(λ)·V⁻¹ both are
diagonal in eigen-coordinates: e^{λh} and (e^{λh} − 1)/λ. Records whose K has (nearly)
repeated eigenvalues (e.g. KA = CL/V, or an Erlang transit chain) use the matrix
exponential of the augmented matrix [[K, r], [0, 0]]·h instead (Van Loan 1978).

Steady state (NONMEM: the un-lagged train's steady state at phase p = max(τ − L, 0) after
its last dose arrived; implied doses at −p − kτ, k ≥ 0, superposed):
bolus b: Σ_k e^{K(p+kτ)} b = e^{Kp} (I − e^{Kτ})⁻¹ b;
infusion (rate R for D): the implied infusions still running contribute
Σ G(p + kτ) R (p + kτ < D), the finished ones e^{K(p+mτ−D)} (I − e^{Kτ})⁻¹ G(D) R
(m the first k with p + kτ >= D); constant infusion: −K⁻¹ R.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from xposim.errors import InputError, XposimError
from xposim.pharmacology.nonmem.events import BOLUS, OUT, RATE, RESET, SS, SteadyState, Steps


def _propagate(k: np.ndarray, h: float, r: np.ndarray, x: np.ndarray) -> np.ndarray:
    """e^{Kh} x + G(h) r for one K (augmented matrix exponential)."""
    e, g = propagators(k[None], np.array([h]))
    return e[0] @ x + g[0] @ r


#: Padé(13) coefficients and the 1-norm bound θ13 of Higham, SIAM J Matrix Anal Appl
#: 2005;26:1179-1193 (scaling and squaring, backward error below the unit roundoff).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_batch(a: np.ndarray) -> np.ndarray:
    """e^A of every matrix of a stack (m, n, n), NumPy only (scaling and squaring with a
    Padé(13) approximant, Higham 2005).

    Why not SciPy's ``expm``: its batched form is very slow per matrix, and each of its
    one-matrix calls goes through SciPy's own BLAS thread pool, which on a busy machine
    costs milliseconds per call; here one batched solve serves the whole stack.
    """
    m, n, _ = a.shape
    if m == 0:
        return a.copy()
    norm = np.abs(a).sum(axis=1).max(axis=1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm / _THETA13))).astype(np.int64)
    s[norm == 0] = 0
    x = a / (2.0 ** s)[:, None, None]
    b = _PADE13
    eye = np.broadcast_to(np.eye(n), x.shape)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4
             + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for k in range(int(s.max())):
        sel = s > k
        r[sel] = r[sel] @ r[sel]
    return r


def propagators(k: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e^{Kh}, G(h) = ∫₀ʰ e^{Ks} ds) for a batch of K (m, n, n) and steps h (m,), from one
    matrix exponential of [[K, I], [0, 0]]·h each (Van Loan 1978), exact for any K."""
    m, n, _ = k.shape
    aug = np.zeros((m, 2 * n, 2 * n))
    aug[:, :n, :n] = k * h[:, None, None]
    aug[:, :n, n:] = np.eye(n)[None] * h[:, None, None]
    x = expm_batch(aug)
    return x[:, :n, :n], x[:, :n, n:]


def steady_state_linear(k: np.ndarray, spec: SteadyState) -> np.ndarray:
    """Amounts at the record time due to the implied dose train (closed form)."""
    n = k.shape[0]
    e_c = np.zeros(n)
    e_c[spec.cmt] = 1.0
    zero = np.zeros(n)
    if spec.kind == "constant":
        try:
            return -np.linalg.solve(k, spec.rate * e_c)
        except np.linalg.LinAlgError:
            raise InputError(f"row {spec.row + 1}", "a steady-state constant infusion needs "
                             "a model that eliminates (K invertible)") from None
    tau, p = spec.ii, spec.phase
    e_tau = expm(k * tau)
    try:
        geo = np.linalg.inv(np.eye(n) - e_tau)
    except np.linalg.LinAlgError:
        raise InputError(f"row {spec.row + 1}", "steady state does not exist: the model "
                         "does not eliminate from the dosed compartment") from None
    if spec.kind == "bolus":
        return expm(k * p) @ (geo @ (spec.amount * e_c))
    rate, dur = spec.rate, spec.duration
    running = zero.copy()
    j = 0
    while p + j * tau < dur:
        running += _propagate(k, p + j * tau, rate * e_c, zero)
        j += 1
    g_d = _propagate(k, dur, rate * e_c, zero)
    tail = expm(k * (p + j * tau - dur)) @ (geo @ g_d)
    return running + tail


class _PropagatorCache:
    """e^{Kh} and G(h) of defective K, per step length h and K, computed in batches."""

    def __init__(self, k_unique: np.ndarray, limit: int = 200_000) -> None:
        self.k = k_unique
        self.limit = limit
        self.size = 0
        self.by_h: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def get(self, uid: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
        ids, e, g = self.by_h.get(h, (np.zeros(0, np.int64), None, None))
        need = np.unique(uid)
        missing = need[~np.isin(need, ids)]
        if missing.size:
            e_new, g_new = propagators(self.k[missing], np.full(missing.size, h))
            if self.size + missing.size > self.limit:
                self.by_h.clear()
                self.size = 0
                ids, e, g = np.zeros(0, np.int64), None, None
            if e is None:
                ids, e, g = missing, e_new, g_new
            else:
                ids = np.r_[ids, missing]
                order = np.argsort(ids, kind="stable")
                ids, e, g = ids[order], np.r_[e, e_new][order], np.r_[g, g_new][order]
            self.by_h[h] = (ids, e, g)
            self.size += missing.size
        pos = np.searchsorted(ids, uid)
        return e[pos], g[pos]


class LinearSystem:
    """Closed-form propagation of many subjects at once, K per data record."""

    def __init__(self, k_rows: np.ndarray, *, gap: float = 1e-5) -> None:
        self.k = k_rows
        # decompose each distinct K once (records of a subject usually share it: find
        # the runs of equal consecutive rows first, then the distinct ones among those)
        flat = k_rows.reshape(len(k_rows), -1)
        change = np.r_[True, np.any(flat[1:] != flat[:-1], axis=1)] if len(flat) else \
            np.zeros(0, bool)
        starts = np.flatnonzero(change)
        uniq, back_runs = np.unique(flat[starts], axis=0, return_inverse=True)
        back = np.repeat(back_runs.ravel(), np.diff(np.r_[starts, len(flat)]))
        k_unique = uniq.reshape(-1, *k_rows.shape[1:])
        self._init_unique(k_unique, gap)
        back = back.ravel()
        self.uid = back
        self.lam, self.vec, self.inv = self.lam[back], self.vec[back], self.inv[back]
        self.defective = self.defective[back]
        self._cache = _PropagatorCache(k_unique)

    def _init_unique(self, k_rows: np.ndarray, gap: float) -> None:
        lam, vec = np.linalg.eig(k_rows)
        n = k_rows.shape[1]
        scale = np.maximum(np.abs(lam).max(axis=1), 1e-300)
        d = np.where(np.eye(n, dtype=bool)[None], np.inf,
                     np.abs(lam[:, :, None] - lam[:, None, :]))
        defective = d.reshape(len(lam), -1).min(axis=1) < gap * scale
        with np.errstate(all="ignore"):
            inv = np.linalg.inv(np.where(defective[:, None, None], np.eye(n), vec))
        cond = np.linalg.cond(np.where(defective[:, None, None], np.eye(n), vec))
        defective |= ~np.isfinite(cond) | (cond > 1e8)
        real = np.all(np.abs(lam.imag) == 0)
        self.lam = lam.real if real else lam
        self.vec = vec.real if real else vec
        self.inv = inv.real if real else inv
        self.defective = defective

    def advance(self, a: np.ndarray, r: np.ndarray, h: np.ndarray, rows: np.ndarray
                ) -> np.ndarray:
        """Amounts after ``h`` for subjects with current amounts ``a`` and inputs ``r``."""
        out = np.empty_like(a)
        bad = self.defective[rows]
        good = ~bad
        if good.any():
            rw, hh = rows[good], h[good]
            inv, vec, lam = self.inv[rw], self.vec[rw], self.lam[rw]
            ca = np.einsum("sij,sj->si", inv, a[good])
            cr = np.einsum("sij,sj->si", inv, r[good])
            lh = lam * hh[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                phi = np.where(np.abs(lh) > 1e-8, np.expm1(lh) / np.where(lam == 0, 1, lam),
                               hh[:, None] * (1 + lh / 2))
            res = np.einsum("sij,sj->si", vec, np.exp(lh) * ca + phi * cr)
            out[good] = res.real if np.iscomplexobj(res) else res
        if bad.any():
            idx = np.flatnonzero(bad)
            hb = h[idx]
            for hv in np.unique(hb):
                sel = idx[hb == hv]
                e, g = self._cache.get(self.uid[rows[sel]], float(hv))
                out[sel] = np.einsum("sij,sj->si", e, a[sel]) + np.einsum("sij,sj->si", g,
                                                                            r[sel])
        return out

    def steady_state(self, spec: SteadyState, row: int) -> np.ndarray:
        """The implied dose train's amounts at the record (eigen-coordinates when K is
        diagonalisable, matrix exponentials otherwise)."""
        lam = self.lam[row]
        if self.defective[row] or np.any(lam.real >= 0):
            return steady_state_linear(self.k[row], spec)
        vec, inv = self.vec[row], self.inv[row]
        c = inv[:, spec.cmt]  # V⁻¹·e_cmt
        p = spec.phase
        if spec.kind == "constant":
            y = -spec.rate * c / lam
        elif spec.kind == "bolus":
            y = np.exp(lam * p) / (1 - np.exp(lam * spec.ii)) * spec.amount * c
        else:
            tau, dur = spec.ii, spec.duration
            y = np.zeros_like(c)
            j = 0
            while p + j * tau < dur:
                y = y + np.expm1(lam * (p + j * tau)) / lam * spec.rate * c
                j += 1
            y = y + np.exp(lam * (p + j * tau - dur)) * np.expm1(lam * dur) / lam \
                / (1 - np.exp(lam * tau)) * spec.rate * c
        x = vec @ y
        return x.real if np.iscomplexobj(x) else x


def run_steps(system: LinearSystem, steps: Steps, n_rows: int, n: int
              ) -> tuple[np.ndarray, dict[int, tuple[int, XposimError]]]:
    """Amounts (records, n) after each record's event, all subjects at once, and the
    subjects whose steady state failed (subject -> (record, error)); their amounts are
    NaN from the failure on."""
    n_sub, width = steps.time.shape
    a = np.zeros((n_sub, n))
    r = np.zeros((n_sub, n))
    out = np.full((n_rows, n), np.nan)
    failed: dict[int, tuple[int, XposimError]] = {}
    tprev = steps.time[:, 0].copy()
    sub = np.arange(n_sub)
    for j in range(width):
        tj = steps.time[:, j]
        h = tj - tprev
        adv = h > 0
        if adv.any():
            idx = sub[adv]
            a[idx] = system.advance(a[idx], r[idx], h[idx], steps.prow[idx, j])
        tprev = tj
        kind = steps.kind[:, j]
        m = kind == BOLUS
        if m.any():
            a[sub[m], steps.cmt[m, j]] += steps.value[m, j]
        m = kind == RATE
        if m.any():
            r[sub[m], steps.cmt[m, j]] += steps.value[m, j]
        m = kind == RESET
        if m.any():
            a[m] = 0.0
            r[m] = 0.0
        m = kind == SS
        if m.any():
            for s in sub[m]:
                row = int(steps.prow[s, j])
                try:
                    a[s] += system.steady_state(steps.ss[steps.ref[s, j]], row)
                except XposimError as exc:
                    failed.setdefault(int(s), (row, exc))
                    a[s] = np.nan
                    r[s] = np.nan
        m = kind == OUT
        if m.any():
            out[steps.ref[m, j]] = a[m]
    return out, failed
